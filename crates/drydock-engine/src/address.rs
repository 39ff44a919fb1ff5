//! Which engine to talk to: `--host`, a `--context`, `DOCKER_HOST`,
//! `DOCKER_CONTEXT`, the current Docker context of the client
//! configuration, then the default socket, the way the Docker CLI decides.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::EngineError;

/// The default Docker socket.
pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// The name of the pseudo-context that selects the Podman-compatible socket.
pub const PODMAN_CONTEXT: &str = "podman";

/// Client certificates for TCP with TLS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsMaterial {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl TlsMaterial {
    /// `ca.pem`, `cert.pem` and `key.pem` in `dir` (the layout of
    /// `DOCKER_CERT_PATH` and of a context's TLS directory).
    pub fn in_dir(dir: &Path) -> TlsMaterial {
        TlsMaterial {
            ca: dir.join("ca.pem"),
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        }
    }
}

/// How the engine is reached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transport {
    /// A unix socket at this path.
    Unix(PathBuf),
    /// TCP to `host:port`, with TLS when `tls` is set.
    Tcp {
        authority: String,
        tls: Option<TlsMaterial>,
    },
}

/// What decided the address (for messages: "from DOCKER_HOST").
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddressSource {
    /// `--host`.
    Flag,
    /// The `DOCKER_HOST` environment variable.
    Env,
    /// A Docker context: from `--context`, `DOCKER_CONTEXT` or the client
    /// configuration's `currentContext`.
    Context(String),
    /// The Podman-compatible socket, asked for with the `podman` context.
    Podman,
    /// Nothing set: the default socket.
    Default,
}

/// A resolved engine address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineAddress {
    pub transport: Transport,
    pub source: AddressSource,
}

impl fmt::Display for EngineAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.transport {
            Transport::Unix(p) => write!(f, "unix://{}", p.display()),
            Transport::Tcp { authority, tls } => {
                write!(f, "tcp://{authority}")?;
                if tls.is_some() {
                    f.write_str(" (TLS)")?;
                }
                Ok(())
            }
        }
    }
}

/// Where the client configuration is (`DOCKER_CONFIG`, else `~/.docker`).
fn config_dir(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(d) = env("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    env("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| Path::new(&h).join(".docker"))
}

fn non_empty(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name).filter(|v| !v.trim().is_empty())
}

impl EngineAddress {
    /// The default socket.
    pub fn default_socket() -> EngineAddress {
        EngineAddress {
            transport: Transport::Unix(PathBuf::from(DEFAULT_SOCKET)),
            source: AddressSource::Default,
        }
    }

    /// Resolves the address the way the Docker CLI does: `host_flag`
    /// (`--host`), then `context_flag` (`--context`), then `DOCKER_HOST`,
    /// then `DOCKER_CONTEXT`, then the configuration's `currentContext`,
    /// then the default socket. `env` reads environment variables (tests
    /// pass their own). The `podman` context selects the Podman-compatible
    /// socket; it is never chosen otherwise.
    pub fn resolve(
        host_flag: Option<&str>,
        context_flag: Option<&str>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<EngineAddress, EngineError> {
        if let Some(h) = host_flag.filter(|h| !h.trim().is_empty()) {
            return Self::from_host(h, AddressSource::Flag, env);
        }
        if let Some(c) = context_flag.filter(|c| !c.trim().is_empty()) {
            return Self::from_context(c, env);
        }
        if let Some(h) = non_empty(env, "DOCKER_HOST") {
            return Self::from_host(&h, AddressSource::Env, env);
        }
        if let Some(c) = non_empty(env, "DOCKER_CONTEXT") {
            return Self::from_context(&c, env);
        }
        if let Some(c) = current_context(env) {
            return Self::from_context(&c, env);
        }
        Ok(Self::default_socket())
    }

    /// An address written as a host (`unix:///path`, `tcp://h:p`, `h:p`);
    /// TLS from `DOCKER_TLS_VERIFY`/`DOCKER_TLS` and `DOCKER_CERT_PATH`.
    pub fn from_host(
        host: &str,
        source: AddressSource,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<EngineAddress, EngineError> {
        let tls = if non_empty(env, "DOCKER_TLS_VERIFY").is_some()
            || non_empty(env, "DOCKER_TLS").is_some()
        {
            let dir = non_empty(env, "DOCKER_CERT_PATH")
                .map(PathBuf::from)
                .or_else(|| config_dir(env));
            match dir {
                Some(d) => Some(TlsMaterial::in_dir(&d)),
                None => {
                    return Err(EngineError::Config {
                        message:
                            "DOCKER_TLS_VERIFY is set but neither DOCKER_CERT_PATH nor HOME is"
                                .to_string(),
                    });
                }
            }
        } else {
            None
        };
        let transport = parse_host(host, tls)?;
        Ok(EngineAddress { transport, source })
    }

    /// The address of a named context (`default`, `podman`, or one under
    /// the configuration's `contexts/meta`).
    pub fn from_context(
        name: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<EngineAddress, EngineError> {
        let name = name.trim();
        if name == "default" {
            return Ok(Self::default_socket());
        }
        if name == PODMAN_CONTEXT {
            return Ok(podman_socket(env));
        }
        let Some(dir) = config_dir(env) else {
            return Err(EngineError::Config {
                message: format!("context `{name}`: neither DOCKER_CONFIG nor HOME is set"),
            });
        };
        let id = context_id(name);
        let meta_path = dir
            .join("contexts")
            .join("meta")
            .join(&id)
            .join("meta.json");
        let text = std::fs::read_to_string(&meta_path).map_err(|e| EngineError::Config {
            message: format!("context `{name}`: cannot read {}: {e}", meta_path.display()),
        })?;
        let meta: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| EngineError::Config {
                message: format!("context `{name}`: {} is not JSON: {e}", meta_path.display()),
            })?;
        let endpoint = &meta["Endpoints"]["docker"];
        let Some(host) = endpoint["Host"].as_str().filter(|h| !h.is_empty()) else {
            return Err(EngineError::Config {
                message: format!(
                    "context `{name}`: {} has no Endpoints.docker.Host",
                    meta_path.display()
                ),
            });
        };
        let tls_dir = dir.join("contexts").join("tls").join(&id).join("docker");
        let tls = tls_dir
            .join("ca.pem")
            .is_file()
            .then(|| TlsMaterial::in_dir(&tls_dir));
        let transport = parse_host(host, tls)?;
        Ok(EngineAddress {
            transport,
            source: AddressSource::Context(name.to_string()),
        })
    }
}

/// The Podman-compatible socket: the user's (`$XDG_RUNTIME_DIR/podman/
/// podman.sock`) when it exists, else the system one.
fn podman_socket(env: &dyn Fn(&str) -> Option<String>) -> EngineAddress {
    let user = non_empty(env, "XDG_RUNTIME_DIR")
        .map(|d| Path::new(&d).join("podman").join("podman.sock"))
        .filter(|p| p.exists());
    EngineAddress {
        transport: Transport::Unix(
            user.unwrap_or_else(|| PathBuf::from("/run/podman/podman.sock")),
        ),
        source: AddressSource::Podman,
    }
}

/// The directory name of a context: the hex SHA-256 of its name.
pub fn context_id(name: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, name.as_bytes());
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// `currentContext` of `config.json`, unless it is empty or `default`.
fn current_context(env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let path = config_dir(env)?.join("config.json");
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["currentContext"]
        .as_str()
        .map(str::trim)
        .filter(|c| !c.is_empty() && *c != "default")
        .map(str::to_string)
}

/// Parses a host as the Docker CLI accepts it.
pub fn parse_host(host: &str, tls: Option<TlsMaterial>) -> Result<Transport, EngineError> {
    let host = host.trim();
    let (scheme, rest) = match host.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        None => ("tcp".to_string(), host),
    };
    match scheme.as_str() {
        "unix" => {
            if rest.is_empty() {
                return Err(EngineError::Config {
                    message: format!("`{host}` names no socket path"),
                });
            }
            Ok(Transport::Unix(PathBuf::from(rest)))
        }
        "tcp" | "http" | "https" => {
            let authority = rest.trim_end_matches('/');
            if authority.is_empty() {
                return Err(EngineError::Config {
                    message: format!("`{host}` names no host"),
                });
            }
            // Like the CLI: no port means 2376 with TLS, 2375 without.
            let has_port = authority
                .rsplit_once(':')
                .is_some_and(|(_, p)| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                && !authority.ends_with(']');
            let authority = if has_port {
                authority.to_string()
            } else {
                format!("{authority}:{}", if tls.is_some() { 2376 } else { 2375 })
            };
            Ok(Transport::Tcp { authority, tls })
        }
        other => Err(EngineError::Config {
            message: format!(
                "`{host}`: the `{other}://` scheme is not supported (unix and tcp are)"
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn precedence_flag_env_default() {
        let env = env_of(&[("DOCKER_HOST", "unix:///tmp/env.sock")]);
        let a = EngineAddress::resolve(Some("unix:///tmp/flag.sock"), None, &env).unwrap();
        assert_eq!(a.transport, Transport::Unix("/tmp/flag.sock".into()));
        assert_eq!(a.source, AddressSource::Flag);
        let a = EngineAddress::resolve(None, None, &env).unwrap();
        assert_eq!(a.transport, Transport::Unix("/tmp/env.sock".into()));
        assert_eq!(a.source, AddressSource::Env);
        let a = EngineAddress::resolve(None, None, &env_of(&[("HOME", "/nonexistent")])).unwrap();
        assert_eq!(a, EngineAddress::default_socket());
        assert_eq!(a.to_string(), "unix:///var/run/docker.sock");
    }

    #[test]
    fn tcp_with_tls_from_env() {
        let env = env_of(&[
            ("DOCKER_HOST", "tcp://10.0.0.5"),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", "/certs"),
        ]);
        let a = EngineAddress::resolve(None, None, &env).unwrap();
        assert_eq!(
            a.transport,
            Transport::Tcp {
                authority: "10.0.0.5:2376".into(),
                tls: Some(TlsMaterial::in_dir(Path::new("/certs"))),
            }
        );
        assert_eq!(a.to_string(), "tcp://10.0.0.5:2376 (TLS)");
        let plain = parse_host("10.0.0.5:2375", None).unwrap();
        assert_eq!(
            plain,
            Transport::Tcp {
                authority: "10.0.0.5:2375".into(),
                tls: None
            }
        );
        assert!(parse_host("ssh://me@host", None).is_err());
        assert!(parse_host("unix://", None).is_err());
    }

    #[test]
    fn context_from_config() {
        let dir = tempfile::tempdir().unwrap();
        let id = context_id("remote");
        let meta = dir.path().join("contexts/meta").join(&id);
        std::fs::create_dir_all(&meta).unwrap();
        std::fs::write(
            meta.join("meta.json"),
            r#"{"Name":"remote","Endpoints":{"docker":{"Host":"tcp://192.0.2.1:2376","SkipTLSVerify":false}}}"#,
        )
        .unwrap();
        let tls = dir.path().join("contexts/tls").join(&id).join("docker");
        std::fs::create_dir_all(&tls).unwrap();
        std::fs::write(tls.join("ca.pem"), "x").unwrap();
        std::fs::write(
            dir.path().join("config.json"),
            r#"{"currentContext":"remote"}"#,
        )
        .unwrap();
        let d = dir.path().to_string_lossy().to_string();
        let env = env_of(&[("DOCKER_CONFIG", &d)]);
        let a = EngineAddress::resolve(None, None, &env).unwrap();
        assert_eq!(a.source, AddressSource::Context("remote".into()));
        assert_eq!(
            a.transport,
            Transport::Tcp {
                authority: "192.0.2.1:2376".into(),
                tls: Some(TlsMaterial::in_dir(&tls)),
            }
        );
        // DOCKER_HOST wins over the configured context.
        let env = env_of(&[("DOCKER_CONFIG", &d), ("DOCKER_HOST", "unix:///x.sock")]);
        let a = EngineAddress::resolve(None, None, &env).unwrap();
        assert_eq!(a.source, AddressSource::Env);
        // A context that does not exist is an error naming it.
        let err = EngineAddress::resolve(None, Some("nope"), &env).unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
    }

    #[test]
    fn podman_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("podman");
        std::fs::create_dir_all(&sock).unwrap();
        std::fs::write(sock.join("podman.sock"), "").unwrap();
        let d = dir.path().to_string_lossy().to_string();
        let env = env_of(&[("XDG_RUNTIME_DIR", &d), ("HOME", "/nonexistent")]);
        assert_eq!(
            EngineAddress::resolve(None, None, &env).unwrap(),
            EngineAddress::default_socket()
        );
        let a = EngineAddress::resolve(None, Some("podman"), &env).unwrap();
        assert_eq!(a.transport, Transport::Unix(sock.join("podman.sock")));
        let a = EngineAddress::resolve(None, Some("podman"), &env_of(&[])).unwrap();
        assert_eq!(
            a.transport,
            Transport::Unix("/run/podman/podman.sock".into())
        );
    }

    #[test]
    fn context_id_is_sha256_hex() {
        assert_eq!(
            context_id("default"),
            "37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f"
        );
    }
}
