//! An Engine API request as the guard judges it: the method and URI
//! (`/v1.47/containers/create?name=web`) and the JSON body the daemon
//! passed on, turned into an [`Action`].
//!
//! * `POST /containers/create` → a [`ContainerSpec`] whose origins are the
//!   request body's field paths (`HostConfig.Privileged`,
//!   `HostConfig.Binds[0]`), with bind-mount sources resolved on the host;
//! * `POST /containers/{id}/exec` → what the exec asks for;
//! * `POST /images/create?fromImage=…` → the image to pull;
//! * `POST /plugins/{name}/disable|upgrade|set`, `DELETE /plugins/{name}`
//!   → the plugin concerned;
//! * anything else → [`Action::Other`].
//!
//! A request of a judged kind whose body cannot be read is an error: the
//! guard denies what it cannot judge.

use std::path::Path;

use drydock_core::ImageRef;
use drydock_core::spec::{ContainerSpec, MountKind};
use drydock_engine::bollard::models::{ContainerCreateBody, ExecConfig};
use drydock_engine::convert;
use serde_json::Value;

/// The method and URI of a request, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRequest {
    pub method: String,
    /// The API version of a `/v1.NN` prefix, without the `v`.
    pub version: Option<String>,
    /// The path without the version prefix and without the query,
    /// percent-decoded segment by segment (`/containers/create`).
    pub path: String,
    /// The query's parameters, percent-decoded, in order.
    pub query: Vec<(String, String)>,
}

impl ApiRequest {
    pub fn parse(method: &str, uri: &str) -> ApiRequest {
        let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
        // An absolute URI (`http://docker/v1.41/…`) is judged by its path.
        let path = match path.find("://") {
            Some(i) => {
                let rest = &path[i + 3..];
                rest.find('/').map_or("/", |j| &rest[j..])
            }
            None => path,
        };
        let (version, path) = split_version(path);
        let path = path
            .split('/')
            .map(percent_decode)
            .collect::<Vec<_>>()
            .join("/");
        let path = if path.starts_with('/') {
            path
        } else {
            format!("/{path}")
        };
        let query = query
            .split('&')
            .filter(|kv| !kv.is_empty())
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (percent_decode(k), percent_decode(v))
            })
            .collect();
        ApiRequest {
            method: method.to_ascii_uppercase(),
            version,
            path,
            query,
        }
    }

    /// The last value of a query parameter (Go's `r.Form.Get` takes the
    /// first; a request that repeats a judged parameter is refused, see
    /// [`ApiRequest::single`]).
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The value of a parameter that must not be repeated: a repeated one
    /// could mean one thing to the guard and another to the daemon.
    pub fn single(&self, key: &str) -> Result<Option<&str>, String> {
        let mut it = self.query.iter().filter(|(k, _)| k == key);
        let first = it.next().map(|(_, v)| v.as_str());
        if it.next().is_some() {
            return Err(format!("the query repeats `{key}`"));
        }
        Ok(first)
    }
}

/// `/v1.41/containers/json` → (`Some("1.41")`, `/containers/json`).
fn split_version(path: &str) -> (Option<String>, &str) {
    let Some(rest) = path.strip_prefix("/v") else {
        return (None, path);
    };
    let end = rest.find('/').unwrap_or(rest.len());
    let v = &rest[..end];
    let ok = !v.is_empty()
        && v.chars().all(|c| c.is_ascii_digit() || c == '.')
        && v.chars().next().is_some_and(|c| c.is_ascii_digit());
    if ok {
        let rest = &rest[end..];
        (
            Some(v.to_string()),
            if rest.is_empty() { "/" } else { rest },
        )
    } else {
        (None, path)
    }
}

/// Percent-decoding (`+` stays a `+`, as in Go's path unescaping; the
/// query's `+` for a space does not occur in what the Docker CLI sends).
/// Invalid escapes are kept as written; invalid UTF-8 is replaced.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (
                b.get(i + 1).and_then(|c| (*c as char).to_digit(16)),
                b.get(i + 2).and_then(|c| (*c as char).to_digit(16)),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What a plugin request does to a plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PluginOp {
    Disable,
    Remove,
    Upgrade,
    Set,
}

impl PluginOp {
    pub fn verb(self) -> &'static str {
        match self {
            PluginOp::Disable => "disable",
            PluginOp::Remove => "remove",
            PluginOp::Upgrade => "upgrade",
            PluginOp::Set => "reconfigure",
        }
    }
}

/// A bind mount whose source was resolved on the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The request field (`HostConfig.Binds[0]`, `HostConfig.Mounts[1].Source`).
    pub path: String,
    pub written: String,
    pub resolved: String,
}

/// What a request asks for, as far as the guard judges it.
#[derive(Debug, Clone)]
pub enum Action {
    CreateContainer {
        name: Option<String>,
        /// The body as sent, to quote the values of the fields findings name.
        body: Value,
        spec: Box<ContainerSpec>,
        /// The bind-mount sources that resolved to another path.
        resolved: Vec<Resolved>,
    },
    Exec {
        /// The container as the path names it (ID or name).
        container: String,
        privileged: bool,
        /// `User` as sent (`None`: not sent or empty, the container's user).
        user: Option<String>,
    },
    Pull {
        /// `fromImage` with its `tag`, as the daemon will pull it.
        reference: String,
        image: Option<ImageRef>,
    },
    Plugin {
        name: String,
        op: PluginOp,
    },
    Other,
}

/// Classifies a request. `Err` says why a request of a judged kind cannot
/// be judged (the guard then denies it).
pub fn classify(req: &ApiRequest, body: &[u8]) -> Result<Action, String> {
    let segs: Vec<&str> = req.path.trim_end_matches('/').split('/').skip(1).collect();
    match (req.method.as_str(), segs.as_slice()) {
        ("POST", ["containers", "create"]) => create(req, body),
        ("POST", ["containers", id, "exec"]) => exec(id, body),
        ("POST", ["images", "create"]) => pull(req),
        ("POST", ["plugins", rest @ .., last]) if !rest.is_empty() => {
            let op = match *last {
                "disable" => PluginOp::Disable,
                "upgrade" => PluginOp::Upgrade,
                "set" => PluginOp::Set,
                _ => return Ok(Action::Other),
            };
            Ok(Action::Plugin {
                name: rest.join("/"),
                op,
            })
        }
        ("DELETE", ["plugins", rest @ ..]) if !rest.is_empty() => Ok(Action::Plugin {
            name: rest.join("/"),
            op: PluginOp::Remove,
        }),
        _ => Ok(Action::Other),
    }
}

/// The body as JSON, or why not. An empty body is an error: the daemon
/// passes a body to the plugin only when it is JSON with a length under
/// 1 MiB, so a judged request without one cannot be judged.
fn json_body(body: &[u8]) -> Result<Value, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(
            "the daemon passed no request body to the plugin (it passes JSON bodies \
             with a Content-Length under 1 MiB only), so the request cannot be judged"
                .to_string(),
        );
    }
    serde_json::from_slice(body).map_err(|e| format!("the request body is not JSON: {e}"))
}

/// The fields of a create body that the API also accepts as one string
/// (Go's `strslice`), as lists.
fn normalize_create(v: &mut Value) {
    if let Value::Object(m) = v {
        for key in ["Cmd", "Entrypoint", "Shell"] {
            if let Some(Value::String(s)) = m.get(key) {
                let s = s.clone();
                m.insert(key.to_string(), Value::Array(vec![Value::String(s)]));
            }
        }
        if let Some(Value::Array(mounts)) =
            m.get_mut("HostConfig").and_then(|h| h.get_mut("Mounts"))
        {
            for mount in mounts.iter_mut() {
                // An empty `Type` is the API's default (a volume).
                if let Value::Object(mm) = mount
                    && mm.get("Type").is_some_and(|t| t == "")
                {
                    mm.remove("Type");
                }
            }
        }
    }
}

fn create(req: &ApiRequest, body: &[u8]) -> Result<Action, String> {
    let name = req.single("name")?.map(str::to_string);
    let json = json_body(body)?;
    if !json.is_object() {
        return Err("the create body is not a JSON object".to_string());
    }
    let mut typed_json = json.clone();
    normalize_create(&mut typed_json);
    let typed: ContainerCreateBody = serde_json::from_value(typed_json)
        .map_err(|e| format!("the create body does not parse: {e}"))?;
    let mut spec = convert::create_spec(&typed, name.as_deref());
    let resolved = resolve_bind_sources(&mut spec);
    Ok(Action::CreateContainer {
        name,
        body: json,
        spec: Box::new(spec),
        resolved,
    })
}

fn exec(id: &str, body: &[u8]) -> Result<Action, String> {
    let json = json_body(body)?;
    let mut typed_json = json;
    normalize_create(&mut typed_json);
    let cfg: ExecConfig = serde_json::from_value(typed_json)
        .map_err(|e| format!("the exec body does not parse: {e}"))?;
    Ok(Action::Exec {
        container: id.to_string(),
        privileged: cfg.privileged.unwrap_or(false),
        user: cfg.user.filter(|u| !u.trim().is_empty()),
    })
}

fn pull(req: &ApiRequest) -> Result<Action, String> {
    let Some(from) = req.single("fromImage")?.filter(|f| !f.is_empty()) else {
        // An import (`fromSrc`) pulls nothing.
        return Ok(Action::Other);
    };
    let tag = req.single("tag")?.unwrap_or("");
    let has_tag = {
        let last = from.rsplit('/').next().unwrap_or(from);
        last.contains(':') || from.contains('@')
    };
    let reference = if tag.is_empty() || has_tag {
        from.to_string()
    } else if tag.contains(':') {
        // A digest given as the tag (`tag=sha256:…`).
        format!("{from}@{tag}")
    } else {
        format!("{from}:{tag}")
    };
    Ok(Action::Pull {
        image: ImageRef::parse(&reference),
        reference,
    })
}

/// Resolves the host paths of bind mounts (`HostConfig.Binds`, `Mounts` of
/// type bind) with their symlinks followed, so that the rules judge what
/// the daemon will mount: a link to `/var/run/docker.sock` is the socket.
/// The origin stays the request field; a path that does not exist (the
/// daemon creates a directory there) is kept as written.
pub fn resolve_bind_sources(spec: &mut ContainerSpec) -> Vec<Resolved> {
    let mut out = Vec::new();
    for m in &mut spec.mounts {
        if m.kind.value != MountKind::Bind {
            continue;
        }
        let Some(source) = m.source.as_mut() else {
            continue;
        };
        if !source.value.starts_with('/') {
            continue;
        }
        if let Ok(real) = std::fs::canonicalize(Path::new(&source.value)) {
            let real = real.to_string_lossy().into_owned();
            if real != source.value {
                out.push(Resolved {
                    path: match &source.origin {
                        drydock_core::Origin::Api(p) => p.clone(),
                        _ => String::new(),
                    },
                    written: source.value.clone(),
                    resolved: real.clone(),
                });
                source.value = real;
            }
        }
    }
    out
}

/// The value at an API field path (`HostConfig.Binds[0]`,
/// `Labels["a.b"]`) of a JSON body; `None` when the path is not there.
pub fn value_at<'a>(body: &'a Value, path: &str) -> Option<&'a Value> {
    let mut v = body;
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('[') {
            if let Some(r2) = r.strip_prefix('"') {
                // A JSON string key, up to its closing quote.
                let mut end = None;
                let mut escaped = false;
                for (i, c) in r2.char_indices() {
                    match c {
                        '\\' if !escaped => escaped = true,
                        '"' if !escaped => {
                            end = Some(i);
                            break;
                        }
                        _ => escaped = false,
                    }
                }
                let end = end?;
                let key: String = serde_json::from_str(&format!("\"{}\"", &r2[..end])).ok()?;
                v = v.get(key.as_str())?;
                rest = r2[end + 1..].strip_prefix(']')?;
            } else {
                let end = r.find(']')?;
                let i: usize = r[..end].parse().ok()?;
                v = v.get(i)?;
                rest = &r[end + 1..];
            }
        } else {
            let r = rest.strip_prefix('.').unwrap_or(rest);
            let end = r.find(['.', '[']).unwrap_or(r.len());
            v = v.get(&r[..end])?;
            rest = &r[end..];
        }
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use drydock_core::Origin;
    use proptest::prelude::*;

    fn create_of(uri: &str, body: &str) -> Result<Action, String> {
        classify(&ApiRequest::parse("POST", uri), body.as_bytes())
    }

    #[test]
    fn uri_with_and_without_version() {
        let r = ApiRequest::parse("post", "/v1.47/containers/create?name=web&platform=");
        assert_eq!(r.method, "POST");
        assert_eq!(r.version.as_deref(), Some("1.47"));
        assert_eq!(r.path, "/containers/create");
        assert_eq!(r.param("name"), Some("web"));
        let r = ApiRequest::parse("GET", "/containers/json");
        assert_eq!(r.version, None);
        assert_eq!(r.path, "/containers/json");
        // Not a version: a path that starts with `v`.
        let r = ApiRequest::parse("GET", "/volumes");
        assert_eq!(r.path, "/volumes");
        let r = ApiRequest::parse("GET", "/v1.41");
        assert_eq!(r.path, "/");
        let r = ApiRequest::parse("POST", "/v1.41/plugins/vieux%2Fsshfs:latest/disable");
        assert_eq!(r.path, "/plugins/vieux/sshfs:latest/disable");
    }

    #[test]
    fn create_with_version_prefix_names_request_fields() {
        let a = create_of(
            "/v1.47/containers/create?name=web",
            r#"{"Image":"busybox","User":"root","Env":["A=1","B=2","C=3"],
                "HostConfig":{"Privileged":true,"Binds":["/nonexistent-drydock:/x"]}}"#,
        )
        .unwrap();
        let Action::CreateContainer {
            name, spec, body, ..
        } = a
        else {
            panic!("not a create: {a:?}");
        };
        assert_eq!(name.as_deref(), Some("web"));
        assert_eq!(spec.name, "web");
        assert_eq!(
            spec.privileged.as_ref().unwrap().origin,
            Origin::api("HostConfig.Privileged")
        );
        assert_eq!(spec.user.as_ref().unwrap().origin, Origin::api("User"));
        assert_eq!(spec.environment[2].origin, Origin::api("Env[2]"));
        // A path that does not exist is kept as written.
        assert_eq!(
            spec.mounts[0].source.as_ref().unwrap().value,
            "/nonexistent-drydock"
        );
        assert_eq!(
            value_at(&body, "HostConfig.Binds[0]"),
            Some(&Value::String("/nonexistent-drydock:/x".into()))
        );
    }

    #[test]
    fn odd_bodies() {
        // Not JSON, not an object, empty, wrong types: refused with a reason.
        for body in [
            "",
            "  ",
            "{",
            "[]",
            "42",
            r#"{"HostConfig":{"Privileged":"yes"}}"#,
        ] {
            let e = create_of("/containers/create", body).unwrap_err();
            assert!(!e.is_empty());
        }
        // Unknown fields are ignored; strslice strings are accepted; nulls too.
        let a = create_of(
            "/containers/create",
            r#"{"Image":"busybox","Cmd":"echo hi","Entrypoint":null,"FutureField":{"x":1},
                "HostConfig":{"Mounts":[{"Type":"","Target":"/v"}],"NewThing":true}}"#,
        )
        .unwrap();
        assert!(matches!(a, Action::CreateContainer { .. }));
        // A repeated name could mean one thing to us and another to the daemon.
        assert!(create_of("/containers/create?name=a&name=b", "{}").is_err());
    }

    #[test]
    fn exec_pull_plugins_other() {
        let r = ApiRequest::parse("POST", "/v1.41/containers/web/exec");
        let a = classify(&r, br#"{"Privileged":true,"User":"","Cmd":["sh"]}"#).unwrap();
        assert!(matches!(
            a,
            Action::Exec { ref container, privileged: true, user: None } if container == "web"
        ));
        assert!(classify(&r, b"").is_err());

        let r = ApiRequest::parse(
            "POST",
            "/v1.41/images/create?fromImage=other.registry.invalid%2Fx&tag=latest",
        );
        let Action::Pull { reference, image } = classify(&r, b"").unwrap() else {
            panic!()
        };
        assert_eq!(reference, "other.registry.invalid/x:latest");
        assert_eq!(
            image.unwrap().registry_or_default(),
            "other.registry.invalid"
        );
        let r = ApiRequest::parse("POST", "/images/create?fromImage=busybox&tag=sha256:abc");
        let Action::Pull { reference, .. } = classify(&r, b"").unwrap() else {
            panic!()
        };
        assert_eq!(reference, "busybox@sha256:abc");
        let r = ApiRequest::parse("POST", "/images/create?fromSrc=-&repo=x");
        assert!(matches!(classify(&r, b"").unwrap(), Action::Other));

        let r = ApiRequest::parse("POST", "/v1.41/plugins/acme/guard:latest/disable");
        assert!(matches!(
            classify(&r, b"").unwrap(),
            Action::Plugin { ref name, op: PluginOp::Disable } if name == "acme/guard:latest"
        ));
        let r = ApiRequest::parse("DELETE", "/plugins/guard?force=1");
        assert!(matches!(
            classify(&r, b"").unwrap(),
            Action::Plugin { ref name, op: PluginOp::Remove } if name == "guard"
        ));
        let r = ApiRequest::parse("GET", "/plugins/guard/json");
        assert!(matches!(classify(&r, b"").unwrap(), Action::Other));
        let r = ApiRequest::parse("GET", "/containers/json");
        assert!(matches!(classify(&r, b"garbage").unwrap(), Action::Other));
    }

    #[test]
    fn bind_sources_are_resolved_through_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.sock");
        std::fs::write(&target, b"").unwrap();
        let link = dir.path().join("innocent");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let body = serde_json::json!({
            "Image": "busybox",
            "HostConfig": {
                "Binds": [format!("{}:/x:ro", link.display()), "named:/data"],
                "Mounts": [{"Type": "bind", "Source": link.display().to_string(), "Target": "/y"}]
            }
        });
        let Action::CreateContainer { spec, resolved, .. } =
            create_of("/containers/create", &body.to_string()).unwrap()
        else {
            panic!()
        };
        let real = std::fs::canonicalize(&target).unwrap();
        let real = real.to_string_lossy();
        let bind = spec.mounts[0].source.as_ref().unwrap();
        assert_eq!(bind.value, real);
        // The origin stays the request field.
        assert_eq!(bind.origin, Origin::api("HostConfig.Binds[0]"));
        assert_eq!(spec.mounts[1].source.as_ref().unwrap().value, "named");
        let m = spec.mounts[2].source.as_ref().unwrap();
        assert_eq!(m.value, real);
        assert_eq!(m.origin, Origin::api("HostConfig.Mounts[0].Source"));
        assert_eq!(resolved.len(), 2);
        assert_eq!(resolved[0].written, link.display().to_string());
    }

    #[test]
    fn values_at_paths() {
        let v = serde_json::json!({"HostConfig": {"Binds": ["a", "b"]}, "Labels": {"a.b": "c", "q\"": 1}});
        assert_eq!(value_at(&v, "HostConfig.Binds[1]"), Some(&Value::from("b")));
        assert_eq!(value_at(&v, "Labels[\"a.b\"]"), Some(&Value::from("c")));
        assert_eq!(value_at(&v, "Labels[\"q\\\"\"]"), Some(&Value::from(1)));
        assert_eq!(value_at(&v, ""), Some(&v));
        assert_eq!(value_at(&v, "HostConfig.Binds[9]"), None);
        assert_eq!(value_at(&v, "HostConfig.Binds[x"), None);
    }

    proptest! {
        #[test]
        fn never_panics(method in "(GET|POST|DELETE|PUT)", uri in "\\PC{0,60}", body in proptest::collection::vec(any::<u8>(), 0..200)) {
            let r = ApiRequest::parse(&method, &uri);
            let _ = classify(&r, &body);
        }

        #[test]
        fn create_never_panics(body in "\\PC{0,200}") {
            let _ = create_of("/v1.41/containers/create", &body);
            let _ = value_at(&serde_json::json!({"a": [1]}), &body);
        }
    }
}
