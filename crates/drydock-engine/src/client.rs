//! The connection: API version negotiation and a deadline on every call.

use std::future::Future;
use std::time::Duration;

use bollard::{ClientVersion, Docker};

use crate::address::{EngineAddress, Transport};
use crate::error::{EngineError, classify};

/// Deadlines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Connecting and negotiating the API version.
    pub connect: Duration,
    /// Each later API call.
    pub call: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(5),
            call: Duration::from_secs(30),
        }
    }
}

/// A connected engine.
#[derive(Clone, Debug)]
pub struct Engine {
    docker: Docker,
    address: EngineAddress,
    address_text: String,
    timeouts: Timeouts,
    api_version: String,
    version: bollard::models::SystemVersion,
}

/// The API version bollard speaks by default (the highest it knows).
fn default_version() -> ClientVersion {
    ClientVersion {
        major_version: bollard::API_DEFAULT_VERSION.major_version,
        minor_version: bollard::API_DEFAULT_VERSION.minor_version,
    }
}

/// Parses `1.41` into a client version.
pub fn parse_api_version(s: &str) -> Option<ClientVersion> {
    let (a, b) = s.trim().split_once('.')?;
    Some(ClientVersion {
        major_version: a.parse().ok()?,
        minor_version: b.parse().ok()?,
    })
}

/// The version a daemon says it supports at most, from its "client version
/// 1.53 is too new. Maximum supported API version is 1.41" answer.
fn max_supported(message: &str) -> Option<ClientVersion> {
    let (_, rest) = message.split_once("Maximum supported API version is ")?;
    let v: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    parse_api_version(v.trim_end_matches('.'))
}

fn build(
    address: &EngineAddress,
    address_text: &str,
    version: &ClientVersion,
    timeout: Duration,
) -> Result<Docker, EngineError> {
    // bollard's own timeout is a backstop; ours (tokio) decides.
    let secs = timeout.as_secs().saturating_add(5);
    let r = match &address.transport {
        Transport::Unix(path) => {
            let p = path.to_string_lossy();
            Docker::connect_with_unix(&p, secs, version)
        }
        Transport::Tcp { authority, tls } => match tls {
            None => Docker::connect_with_http(&format!("tcp://{authority}"), secs, version),
            Some(t) => {
                for f in [&t.ca, &t.cert, &t.key] {
                    if !f.is_file() {
                        return Err(EngineError::Config {
                            message: format!(
                                "TLS for {address_text}: {} does not exist",
                                f.display()
                            ),
                        });
                    }
                }
                Docker::connect_with_ssl(authority, &t.key, &t.cert, &t.ca, secs, version)
            }
        },
    };
    r.map_err(|e| classify(e, address_text, "connect"))
}

impl Engine {
    /// Connects and negotiates the API version: the highest both sides
    /// speak. Fails with an error naming the address when nothing answers,
    /// the socket may not be opened, the answer is not Docker's, or the
    /// daemon is silent past `timeouts.connect`.
    pub async fn connect(
        address: &EngineAddress,
        timeouts: Timeouts,
    ) -> Result<Engine, EngineError> {
        let address_text = address.to_string();
        if let Transport::Unix(path) = &address.transport
            && !path.exists()
        {
            return Err(EngineError::Unreachable {
                address: address_text,
                reason: format!("no socket at {}", path.display()),
            });
        }
        let mut version = default_version();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let docker = build(address, &address_text, &version, timeouts.call)?;
            let r = deadline(
                timeouts.connect,
                &address_text,
                "GET /version",
                docker.version(),
            )
            .await;
            match r {
                Ok(v) => {
                    let server = v.api_version.as_deref().and_then(parse_api_version);
                    let Some(server) = server else {
                        return Err(EngineError::NotDocker {
                            address: address_text,
                            reason: "the /version answer has no ApiVersion".to_string(),
                        });
                    };
                    let docker = if server < version {
                        version = server;
                        build(address, &address_text, &version, timeouts.call)?
                    } else {
                        docker
                    };
                    return Ok(Engine {
                        docker,
                        address: address.clone(),
                        address_text,
                        timeouts,
                        api_version: format!("{}.{}", version.major_version, version.minor_version),
                        version: v,
                    });
                }
                Err(EngineError::Api {
                    status: 400,
                    message,
                    ..
                }) if attempts == 1 && max_supported(&message).is_some() => {
                    if let Some(v) = max_supported(&message) {
                        version = v;
                    }
                }
                Err(e) if e.is_connection_error() => return Err(e),
                // Whatever else answered is not a usable Docker API.
                Err(e) => {
                    let reason = match &e {
                        EngineError::Api { message, .. } if message.contains("HTTPS server") => {
                            "it speaks TLS: set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH"
                                .to_string()
                        }
                        other => other.to_string(),
                    };
                    return Err(EngineError::NotDocker {
                        address: address_text,
                        reason,
                    });
                }
            }
        }
    }

    pub fn address(&self) -> &EngineAddress {
        &self.address
    }

    /// The negotiated API version (`1.41`).
    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    /// The `/version` answer read while connecting.
    pub fn version(&self) -> &bollard::models::SystemVersion {
        &self.version
    }

    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    /// The bollard client, for calls this crate does not wrap (tests create
    /// containers with it).
    pub fn docker(&self) -> &Docker {
        &self.docker
    }

    /// Runs one API call under the call deadline, classifying its errors.
    pub async fn call<T>(
        &self,
        name: &str,
        fut: impl Future<Output = Result<T, bollard::errors::Error>>,
    ) -> Result<T, EngineError> {
        deadline(self.timeouts.call, &self.address_text, name, fut).await
    }
}

async fn deadline<T>(
    timeout: Duration,
    address: &str,
    name: &str,
    fut: impl Future<Output = Result<T, bollard::errors::Error>>,
) -> Result<T, EngineError> {
    match tokio::time::timeout(timeout, fut).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(match classify(e, address, name) {
            EngineError::Timeout { address, call, .. } => EngineError::Timeout {
                address,
                call,
                timeout,
            },
            other => other,
        }),
        Err(_) => Err(EngineError::Timeout {
            address: address.to_string(),
            call: name.to_string(),
            timeout,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_new_message() {
        let v =
            max_supported("client version 1.53 is too new. Maximum supported API version is 1.41")
                .unwrap();
        assert_eq!((v.major_version, v.minor_version), (1, 41));
        assert!(max_supported("something else").is_none());
        let v = parse_api_version("1.47").unwrap();
        assert_eq!((v.major_version, v.minor_version), (1, 47));
        assert!(parse_api_version("x").is_none());
    }
}
