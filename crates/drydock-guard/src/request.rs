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
//! * `POST /services/create`, `POST /services/{id}/update` → the
//!   [`ContainerSpec`] the service's tasks run, its origins the body's paths
//!   (`TaskTemplate.ContainerSpec.Mounts[0].Source`);
//! * `POST /containers/{id}/update` → a [`ContainerSpec`] of what the body
//!   sets (resources, restart policy), judged on those fields only;
//! * `POST /build` → the build's options from the query (`networkmode`,
//!   `buildargs`, `remote`, …; the body is the context, never passed on);
//! * `GET /plugins/privileges`, `POST /plugins/pull`, `POST
//!   /plugins/{name}/upgrade` → the plugin's registry and the privileges the
//!   request grants it;
//! * anything else → [`Action::Other`].
//!
//! A request of a judged kind whose body cannot be read is an error: the
//! guard denies what it cannot judge.

use std::path::Path;

use drydock_core::spec::{
    BuildSpec, ContainerSource, ContainerSpec, ExecSpec, KeyValue, MountKind,
};
use drydock_core::{ImageRef, Origin, Sp};
use drydock_engine::bollard::models::{ContainerCreateBody, ExecConfig, ServiceSpec};
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
        /// The body as sent, to quote the values of the fields findings name.
        body: Value,
        /// The exec as the exec rules (CTR033, CTR034) judge it; origins are
        /// the body's fields (`Privileged`, `User`).
        spec: Box<ExecSpec>,
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
    /// A Swarm service create or update: the container its tasks run.
    Service {
        /// The service the path names, for an update.
        update: Option<String>,
        /// The body as sent (a `ServiceSpec`).
        body: Value,
        spec: Box<ContainerSpec>,
        resolved: Vec<Resolved>,
        /// A plugin service (`TaskTemplate.PluginSpec`): the plugin every
        /// node installs, and the privileges it is granted.
        plugin: Option<ServicePlugin>,
    },
    /// `POST /plugins/create`: a plugin from a local archive, whose
    /// privileges are in its `config.json`, in the body (a tar the daemon
    /// never passes to its plugins).
    PluginCreate {
        name: String,
    },
    /// `POST /containers/{id}/update`: resources and restart policy.
    UpdateContainer {
        container: String,
        /// The body under a `HostConfig` key, the paths of the spec's
        /// origins (`HostConfig.Memory` for the body's `Memory`).
        body: Value,
        spec: Box<ContainerSpec>,
    },
    /// `POST /build`: what the query asks of the build.
    Build {
        /// The judged query parameters as a JSON object (`networkmode`,
        /// `buildargs` as the object it encodes, `extrahosts` as a list…),
        /// the paths of the spec's origins.
        query: Value,
        spec: Box<ContainerSpec>,
        /// The first tag (`t`), naming the build.
        tag: Option<String>,
        /// A context the daemon fetches (`remote`: a Git or tarball URL).
        remote: Option<String>,
    },
    /// A plugin install (`POST /plugins/pull`), upgrade (`POST
    /// /plugins/{name}/upgrade`) or the look-up of the privileges the
    /// CLI makes first (`GET /plugins/privileges`): each fetches `remote`.
    PluginInstall {
        /// `remote` as sent.
        remote: String,
        image: Option<ImageRef>,
        /// The plugin an upgrade replaces.
        upgrade: Option<String>,
        /// The privileges the request grants; `Ok(None)` for the look-up,
        /// which grants none; `Err` when a body that must be there is not.
        privileges: Result<Option<Vec<PluginPrivilege>>, String>,
    },
    Other,
}

/// The plugin of a Swarm plugin service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePlugin {
    /// `TaskTemplate.PluginSpec.Remote`.
    pub remote: Option<String>,
    /// `TaskTemplate.PluginSpec.PluginPrivilege`.
    pub privileges: Vec<PluginPrivilege>,
}

/// One privilege a plugin install grants (moby's `types.PluginPrivilege`):
/// `network` (`host`), `mount` (host paths), `device`, `allow-all-devices`,
/// `capabilities`, `host pid namespace`, `host ipc namespace`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginPrivilege {
    /// Its index in the body (the body is a JSON array).
    pub index: usize,
    pub name: String,
    pub values: Vec<String>,
}

/// Classifies a request. `Err` says why a request of a judged kind cannot
/// be judged (the guard then denies it).
pub fn classify(req: &ApiRequest, body: &[u8]) -> Result<Action, String> {
    let segs: Vec<&str> = req.path.trim_end_matches('/').split('/').skip(1).collect();
    match (req.method.as_str(), segs.as_slice()) {
        ("POST", ["containers", "create"]) => create(req, body),
        ("POST", ["containers", id, "exec"]) => exec(id, body),
        ("POST", ["images", "create"]) => pull(req),
        ("POST", ["services", "create"]) => service(None, body),
        ("POST", ["services", id, "update"]) => service(Some(id), body),
        ("POST", ["containers", id, "update"]) => update(id, body),
        ("POST", ["build"]) => build(req),
        ("GET", ["plugins", "privileges"]) => plugin_install(req, None, None),
        ("POST", ["plugins", "pull"]) => plugin_install(req, None, Some(body)),
        ("POST", ["plugins", "create"]) => Ok(Action::PluginCreate {
            name: req.single("name")?.unwrap_or("").to_string(),
        }),
        ("POST", ["plugins", rest @ .., "upgrade"]) if !rest.is_empty() => {
            plugin_install(req, Some(rest.join("/")), Some(body))
        }
        ("POST", ["plugins", rest @ .., last]) if !rest.is_empty() => {
            let op = match *last {
                "disable" => PluginOp::Disable,
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

/// Whether [`classify`] judges a request by its body: container create,
/// exec and update, service create and update, plugin install and upgrade.
/// A front end that reads bodies itself (the socket proxy) must read these;
/// without one they are refused. `path` is without the version prefix.
pub fn needs_body(method: &str, path: &str) -> bool {
    let segs: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    method.eq_ignore_ascii_case("POST")
        && matches!(
            segs.as_slice(),
            ["containers", "create"]
                | ["containers", _, "exec" | "update"]
                | ["services", "create"]
                | ["services", _, "update"]
                | ["plugins", "pull"]
        )
        || method.eq_ignore_ascii_case("POST")
            && matches!(segs.as_slice(), ["plugins", rest @ .., "upgrade"] if !rest.is_empty())
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
    let mut typed_json = json.clone();
    normalize_create(&mut typed_json);
    let cfg: ExecConfig = serde_json::from_value(typed_json)
        .map_err(|e| format!("the exec body does not parse: {e}"))?;
    Ok(Action::Exec {
        container: id.to_string(),
        body: json,
        spec: Box::new(drydock_engine::exec::request_spec(id, &cfg)),
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

fn service(id: Option<&str>, body: &[u8]) -> Result<Action, String> {
    let json = json_body(body)?;
    if !json.is_object() {
        return Err("the service spec is not a JSON object".to_string());
    }
    let typed: ServiceSpec = serde_json::from_value(json.clone())
        .map_err(|e| format!("the service spec does not parse: {e}"))?;
    let mut spec = convert::service_spec(&typed);
    let resolved = resolve_bind_sources(&mut spec);
    let plugin = typed
        .task_template
        .as_ref()
        .and_then(|t| t.plugin_spec.as_ref())
        .map(|p| ServicePlugin {
            remote: p.remote.clone().filter(|r| !r.is_empty()),
            privileges: p
                .plugin_privilege
                .as_deref()
                .unwrap_or_default()
                .iter()
                .enumerate()
                .map(|(index, pp)| PluginPrivilege {
                    index,
                    name: pp.name.clone().unwrap_or_default(),
                    values: pp.value.clone().unwrap_or_default(),
                })
                .collect(),
        });
    Ok(Action::Service {
        update: id.map(str::to_string),
        body: json,
        spec: Box::new(spec),
        resolved,
        plugin,
    })
}

/// The path prefix under which [`update`] puts the body.
pub const UPDATE_PREFIX: &str = "HostConfig.";

fn update(id: &str, body: &[u8]) -> Result<Action, String> {
    let json = json_body(body)?;
    if !json.is_object() {
        return Err("the update body is not a JSON object".to_string());
    }
    // The body is the `Resources` of a HostConfig and its `RestartPolicy`:
    // converted as the HostConfig of a create, its paths `HostConfig.…`.
    let wrapped = serde_json::json!({ "HostConfig": json });
    let typed: ContainerCreateBody = serde_json::from_value(wrapped.clone())
        .map_err(|e| format!("the update body does not parse: {e}"))?;
    let spec = convert::create_spec(&typed, Some(id));
    Ok(Action::UpdateContainer {
        container: id.to_string(),
        body: wrapped,
        spec: Box::new(spec),
    })
}

/// A query parameter that holds JSON (`buildargs`, `labels`, `ulimits`),
/// parsed; `None` when absent or empty.
fn json_param(req: &ApiRequest, key: &str) -> Result<Option<Value>, String> {
    match req.single(key)?.filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => serde_json::from_str(v)
            .map(Some)
            .map_err(|e| format!("the query's `{key}` is not JSON: {e}")),
    }
}

fn build(req: &ApiRequest) -> Result<Action, String> {
    let mut query = serde_json::Map::new();
    let tags: Vec<&str> = req
        .query
        .iter()
        .filter(|(k, _)| k == "t")
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
        .collect();
    let tag = tags.first().map(|t| t.to_string());
    let mut c = ContainerSpec {
        origin: Origin::api(""),
        source: ContainerSource::Api,
        name: tag.clone().unwrap_or_else(|| "docker build".to_string()),
        ..ContainerSpec::default()
    };
    let mut b = BuildSpec {
        origin: Origin::api(""),
        ..BuildSpec::default()
    };
    let sp = |v: &str, path: &str| Sp::new(v.to_string(), Origin::api(path));
    if let Some(n) = req.single("networkmode")?.filter(|n| !n.is_empty()) {
        query.insert("networkmode".into(), Value::from(n));
        b.network = Some(sp(n, "networkmode"));
    }
    if let Some(args) = json_param(req, "buildargs")? {
        let Value::Object(map) = &args else {
            return Err("the query's `buildargs` is not a JSON object".to_string());
        };
        let mut keys: Vec<&String> = map.keys().collect();
        keys.sort();
        for k in keys {
            let path = format!("buildargs[{}]", Value::String(k.clone()));
            let value = match map.get(k) {
                Some(Value::String(v)) => Some(sp(v, &path)),
                // `--build-arg NAME` with NAME unset in the client's
                // environment: the Dockerfile's default.
                Some(Value::Null) | None => None,
                Some(_) => {
                    return Err(format!(
                        "the query's `buildargs` gives `{k}` a value that is not a string"
                    ));
                }
            };
            b.args.push((sp(k, &path), value));
        }
        query.insert("buildargs".into(), args);
    }
    if let Some(labels) = json_param(req, "labels")? {
        let Value::Object(map) = &labels else {
            return Err("the query's `labels` is not a JSON object".to_string());
        };
        let mut keys: Vec<&String> = map.keys().collect();
        keys.sort();
        for k in keys {
            let path = format!("labels[{}]", Value::String(k.clone()));
            let v = map.get(k).and_then(Value::as_str).unwrap_or("");
            c.labels.push(KeyValue {
                origin: Origin::api(path.clone()),
                key: sp(k, &path),
                value: sp(v, &path),
            });
        }
        query.insert("labels".into(), labels);
    }
    let hosts: Vec<&str> = req
        .query
        .iter()
        .filter(|(k, _)| k == "extrahosts")
        .map(|(_, v)| v.as_str())
        .collect();
    for (i, h) in hosts.iter().enumerate() {
        c.extra_hosts.push(sp(h, &format!("extrahosts[{i}]")));
    }
    if !hosts.is_empty() {
        query.insert("extrahosts".into(), Value::from(hosts));
    }
    if let Some(p) = req.single("cgroupparent")?.filter(|p| !p.is_empty()) {
        query.insert("cgroupparent".into(), Value::from(p));
        c.cgroup_parent = Some(sp(p, "cgroupparent"));
    }
    if let Some(u) = json_param(req, "ulimits")? {
        let typed: Vec<drydock_engine::bollard::models::ResourcesUlimits> =
            serde_json::from_value(u.clone())
                .map_err(|e| format!("the query's `ulimits` does not parse: {e}"))?;
        for (i, l) in typed.iter().enumerate() {
            let path = format!("ulimits[{i}]");
            let Some(name) = l.name.as_deref().filter(|n| !n.is_empty()) else {
                continue;
            };
            let value = format!(
                "{}:{}",
                l.soft.map(|s| s.to_string()).unwrap_or_default(),
                l.hard.map(|s| s.to_string()).unwrap_or_default()
            );
            c.ulimits.push(KeyValue {
                origin: Origin::api(path.clone()),
                key: sp(name, &format!("{path}.Name")),
                value: sp(&value, &path),
            });
        }
        query.insert("ulimits".into(), u);
    }
    let remote = req
        .single("remote")?
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    if let Some(r) = &remote {
        query.insert("remote".into(), Value::from(r.as_str()));
    }
    c.build = Some(b);
    Ok(Action::Build {
        query: Value::Object(query),
        spec: Box::new(c),
        tag,
        remote,
    })
}

fn plugin_install(
    req: &ApiRequest,
    upgrade: Option<String>,
    body: Option<&[u8]>,
) -> Result<Action, String> {
    let Some(remote) = req.single("remote")?.filter(|r| !r.is_empty()) else {
        return Err("the query names no `remote` plugin".to_string());
    };
    // The privileges are judged after the registry: a refused registry is
    // refused whatever the body.
    let privileges = match body {
        None => Ok(None),
        Some(b) => json_body(b).and_then(|v| {
            let Value::Array(list) = v else {
                return Err("the plugin privileges are not a JSON array".to_string());
            };
            let mut out = Vec::new();
            for (index, p) in list.iter().enumerate() {
                let name = p.get("Name").and_then(Value::as_str).unwrap_or("");
                let values = match p.get("Value") {
                    None | Some(Value::Null) => Vec::new(),
                    Some(Value::Array(vs)) => vs
                        .iter()
                        .map(|v| {
                            v.as_str().map(str::to_string).ok_or_else(|| {
                                format!("privilege [{index}] has a value that is not a string")
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                    Some(_) => {
                        return Err(format!("privilege [{index}]'s `Value` is not a list"));
                    }
                };
                out.push(PluginPrivilege {
                    index,
                    name: name.to_string(),
                    values,
                });
            }
            Ok(Some(out))
        }),
    };
    Ok(Action::PluginInstall {
        remote: remote.to_string(),
        image: ImageRef::parse(remote),
        upgrade,
        privileges,
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
        let Action::Exec {
            container, spec, ..
        } = a
        else {
            panic!("{a:?}")
        };
        assert_eq!(container, "web");
        assert!(spec.is_privileged());
        // An empty `User` is the container's own user.
        assert_eq!(spec.effective_user(), drydock_core::spec::ExecUser::Unknown);
        assert_eq!(spec.command[0].origin, drydock_core::Origin::api("Cmd[0]"));
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

    #[test]
    fn services_updates_builds_plugin_installs() {
        let r = ApiRequest::parse("POST", "/v1.41/services/create");
        let body = br#"{"Name":"w","TaskTemplate":{"ContainerSpec":{"Image":"busybox",
            "Mounts":[{"Type":"bind","Source":"/nonexistent-drydock","Target":"/x"}]}}}"#;
        let Action::Service { update, spec, .. } = classify(&r, body).unwrap() else {
            panic!()
        };
        assert_eq!(update, None);
        assert_eq!(spec.name, "w");
        assert_eq!(
            spec.mounts[0].source.as_ref().unwrap().origin,
            Origin::api("TaskTemplate.ContainerSpec.Mounts[0].Source")
        );
        let r = ApiRequest::parse("POST", "/v1.41/services/abc/update?version=4");
        assert!(matches!(
            classify(&r, body).unwrap(),
            Action::Service { update: Some(ref id), .. } if id == "abc"
        ));
        assert!(classify(&r, b"").is_err());

        let r = ApiRequest::parse("POST", "/v1.41/containers/web/update");
        let Action::UpdateContainer {
            container,
            body,
            spec,
        } = classify(
            &r,
            br#"{"Memory":1048576,"RestartPolicy":{"Name":"always"}}"#,
        )
        .unwrap()
        else {
            panic!()
        };
        assert_eq!(container, "web");
        assert_eq!(
            spec.resources.memory.as_ref().unwrap().origin,
            Origin::api("HostConfig.Memory")
        );
        assert_eq!(
            value_at(&body, "HostConfig.Memory"),
            Some(&Value::from(1048576))
        );
        assert_eq!(spec.restart.as_ref().unwrap().value, "always");

        let r = ApiRequest::parse(
            "POST",
            "/v1.41/build?t=a%3A1&t=b&networkmode=host&extrahosts=h%3A1.2.3.4&extrahosts=g%3A5.6.7.8&cgroupparent=%2Fx&remote=https%3A%2F%2Fe.x%2Fc.tar&buildargs=%7B%22K%22%3A%22v%22%2C%22N%22%3Anull%7D",
        );
        // The body (the context tar, which the daemon never passes on) is
        // not read.
        let Action::Build {
            query,
            spec,
            tag,
            remote,
        } = classify(&r, b"\x00\x01tar").unwrap()
        else {
            panic!()
        };
        assert_eq!(tag.as_deref(), Some("a:1"));
        assert_eq!(remote.as_deref(), Some("https://e.x/c.tar"));
        assert_eq!(spec.name, "a:1");
        let b = spec.build.as_ref().unwrap();
        assert_eq!(
            b.network.as_ref().unwrap().origin,
            Origin::api("networkmode")
        );
        assert_eq!(b.args.len(), 2);
        assert_eq!(b.args[0].0.origin, Origin::api("buildargs[\"K\"]"));
        assert_eq!(b.args[0].1.as_ref().unwrap().value, "v");
        assert!(b.args[1].1.is_none());
        assert_eq!(spec.extra_hosts[1].origin, Origin::api("extrahosts[1]"));
        assert_eq!(
            value_at(&query, "extrahosts[1]"),
            Some(&Value::from("g:5.6.7.8"))
        );
        assert_eq!(
            value_at(&query, "buildargs[\"K\"]"),
            Some(&Value::from("v"))
        );
        assert_eq!(spec.cgroup_parent.as_ref().unwrap().value, "/x");

        let r = ApiRequest::parse("GET", "/v1.41/plugins/privileges?remote=vieux%2Fsshfs");
        let Action::PluginInstall {
            remote,
            image,
            upgrade,
            privileges,
        } = classify(&r, b"").unwrap()
        else {
            panic!()
        };
        assert_eq!(remote, "vieux/sshfs");
        assert_eq!(image.unwrap().registry_or_default(), "docker.io");
        assert_eq!(upgrade, None);
        assert_eq!(privileges, Ok(None));
        let r = ApiRequest::parse(
            "POST",
            "/v1.41/plugins/acme/p:1/upgrade?remote=vieux%2Fsshfs",
        );
        let Action::PluginInstall {
            upgrade,
            privileges,
            ..
        } = classify(
            &r,
            br#"[{"Name":"mount","Description":"","Value":["/a","/b"]},{"Name":"x"}]"#,
        )
        .unwrap()
        else {
            panic!()
        };
        assert_eq!(upgrade.as_deref(), Some("acme/p:1"));
        let list = privileges.unwrap().unwrap();
        assert_eq!(list[0].values, ["/a", "/b"]);
        assert_eq!(list[1].index, 1);
        assert!(list[1].values.is_empty());
        // A pull without a body: the registry is still judged, then refused.
        let r = ApiRequest::parse("POST", "/plugins/pull?remote=x");
        assert!(matches!(
            classify(&r, b"").unwrap(),
            Action::PluginInstall {
                privileges: Err(_),
                ..
            }
        ));
    }

    #[test]
    fn which_requests_need_their_body() {
        for (m, p) in [
            ("POST", "/containers/create"),
            ("POST", "/containers/web/exec"),
            ("POST", "/containers/web/update"),
            ("POST", "/services/create"),
            ("post", "/services/abc/update/"),
            ("POST", "/plugins/pull"),
            ("POST", "/plugins/acme/p:1/upgrade"),
        ] {
            assert!(needs_body(m, p), "{m} {p}");
            // And without one they are refused.
            let r = ApiRequest::parse(m, &format!("{p}?remote=x"));
            let a = classify(&r, b"");
            assert!(
                a.is_err()
                    || matches!(
                        a,
                        Ok(Action::PluginInstall {
                            privileges: Err(_),
                            ..
                        })
                    ),
                "{m} {p}"
            );
        }
        for (m, p) in [
            ("POST", "/build"),
            ("GET", "/plugins/privileges"),
            ("POST", "/images/create"),
            ("GET", "/containers/create"),
            ("POST", "/plugins/upgrade"),
            ("POST", "/containers/web/start"),
        ] {
            assert!(!needs_body(m, p), "{m} {p}");
        }
    }

    proptest! {
        #[test]
        fn build_queries_never_panic(
            key in "(buildargs|labels|ulimits|networkmode|extrahosts|t|remote|cgroupparent)",
            value in "\\PC{0,40}",
            json in "\\{\"[a-zA-Z_]{0,6}\":(null|1|\"[^\"\\\\]{0,10}\"|\\[\\])\\}",
        ) {
            for v in [value.as_str(), json.as_str()] {
                let uri = format!("/v1.41/build?{key}={}", v.replace('%', "%25").replace('&', "%26"));
                let r = ApiRequest::parse("POST", &uri);
                let _ = classify(&r, b"");
            }
        }

        #[test]
        fn plugin_bodies_never_panic(body in "\\PC{0,120}", remote in "[a-z./:]{0,20}") {
            let r = ApiRequest::parse("POST", &format!("/plugins/pull?remote={remote}"));
            let _ = classify(&r, body.as_bytes());
            let r = ApiRequest::parse("POST", "/containers/x/update");
            let _ = classify(&r, body.as_bytes());
            let r = ApiRequest::parse("POST", "/services/create");
            let _ = classify(&r, body.as_bytes());
        }

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
