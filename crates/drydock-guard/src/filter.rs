//! What a proxy client may see: its `visible` filters applied to the
//! daemon's answers. Container, image, network and volume lists keep the
//! visible entries, a request about a hidden object is refused as if it
//! did not exist, the event stream is filtered line by line, and
//! `redact-env` replaces the values of `Config.Env` in container inspect.
//!
//! Every function here judges the daemon's JSON; a body that is not the
//! shape the API documents is an error, and the proxy then withholds the
//! response (502) rather than pass it unfiltered.

use std::collections::HashMap;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper::body::{Body, Bytes, Frame, Incoming};
use serde_json::Value;

use crate::policy::{ProxyClient, Visible};

/// The largest event line kept while waiting for its end; a longer one is
/// not an event and is dropped.
const MAX_EVENT_LINE: usize = 16 << 20;

/// The kinds of objects a client's filters limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Container,
    Image,
    Network,
    Volume,
}

impl Kind {
    /// `container`, as the daemon's messages say it.
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Container => "container",
            Kind::Image => "image",
            Kind::Network => "network",
            Kind::Volume => "volume",
        }
    }

    /// The policy key of its filter.
    pub fn key(self) -> &'static str {
        match self {
            Kind::Container => "visible",
            Kind::Image => "visible-images",
            Kind::Network => "visible-networks",
            Kind::Volume => "visible-volumes",
        }
    }

    /// The inspect path of one object (its reference already checked by
    /// [`is_object_ref`]).
    pub fn inspect_path(self, id: &str) -> String {
        match self {
            Kind::Container => format!("/containers/{id}/json"),
            Kind::Image => format!("/images/{id}/json"),
            Kind::Network => format!("/networks/{id}"),
            Kind::Volume => format!("/volumes/{id}"),
        }
    }
}

/// A client's filters, one per kind; `None`: every object of that kind.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub containers: Option<Visible>,
    pub images: Option<Visible>,
    pub networks: Option<Visible>,
    pub volumes: Option<Visible>,
}

impl Filters {
    pub fn of(c: &ProxyClient) -> Filters {
        Filters {
            containers: c.visible.clone(),
            images: c.visible_images.clone(),
            networks: c.visible_networks.clone(),
            volumes: c.visible_volumes.clone(),
        }
    }

    pub fn get(&self, kind: Kind) -> Option<&Visible> {
        match kind {
            Kind::Container => self.containers.as_ref(),
            Kind::Image => self.images.as_ref(),
            Kind::Network => self.networks.as_ref(),
            Kind::Volume => self.volumes.as_ref(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.containers.is_none()
            && self.images.is_none()
            && self.networks.is_none()
            && self.volumes.is_none()
    }
}

/// A response the proxy rewrites before the client sees it.
#[derive(Debug, Clone, Copy)]
pub enum Rewrite<'a> {
    /// `GET /containers/json`, `/images/json`, `/networks`, `/volumes`,
    /// with the client's filter of that kind.
    List(Kind, &'a Visible),
    /// `GET /system/df`: images, containers and volumes in one answer.
    SystemDf,
    /// Container inspect with `redact-env`.
    RedactEnv,
}

/// The list endpoint of a path (without the version prefix), if any.
pub fn list_kind(path: &str) -> Option<Kind> {
    match path.trim_end_matches('/') {
        "/containers/json" => Some(Kind::Container),
        "/images/json" => Some(Kind::Image),
        "/networks" => Some(Kind::Network),
        "/volumes" => Some(Kind::Volume),
        _ => None,
    }
}

/// The object a request is about, as the daemon's router reads the path
/// (without the version prefix): `/containers/{id}/…`,
/// `/images/{name}/json|history|get|push|tag` and `DELETE /images/{name}`
/// (an image name may hold `/`), `/networks/{id}[/connect|/disconnect]`,
/// `/volumes/{name}`. Only the exact list, create, prune, load, search and
/// export endpoints are about no object: `DELETE /images/json` removes an
/// image named `json`, and `DELETE /networks/a/b` the network `a/b` (the
/// router's `{name:.*}`), so they are judged as such.
pub fn target<'a>(method: &str, path: &'a str) -> Option<(Kind, &'a str)> {
    let rest = path.strip_prefix('/')?;
    let (head, rest) = rest.split_once('/')?;
    let rest = rest.trim_end_matches('/');
    if rest.is_empty() {
        return None;
    }
    let get = method == "GET" || method == "HEAD";
    let post = method == "POST";
    // `{name:.*}` followed by one of these words, for these methods.
    let strip = |words: &[&str]| match rest.rsplit_once('/') {
        Some((name, last)) if words.contains(&last) && !name.is_empty() => name,
        _ => rest,
    };
    match head {
        "containers" => {
            let endpoint = (get && rest == "json") || (post && matches!(rest, "create" | "prune"));
            let id = rest.split('/').next().unwrap_or("");
            (!endpoint && !id.is_empty()).then_some((Kind::Container, id))
        }
        "images" => {
            let endpoint = (get && matches!(rest, "json" | "search" | "get"))
                || (post && matches!(rest, "create" | "load" | "prune"));
            let name = if get {
                strip(&["json", "history", "get"])
            } else if post {
                strip(&["push", "tag"])
            } else {
                rest
            };
            (!endpoint).then_some((Kind::Image, name))
        }
        "networks" => {
            let endpoint = post && matches!(rest, "create" | "prune");
            let id = if post {
                strip(&["connect", "disconnect"])
            } else {
                rest
            };
            (!endpoint).then_some((Kind::Network, id))
        }
        "volumes" => {
            let endpoint = post && matches!(rest, "create" | "prune");
            (!endpoint).then_some((Kind::Volume, rest))
        }
        _ => None,
    }
}

/// Whether an object reference is safe to put in an inspect path:
/// container, network and volume names and IDs are
/// `[a-zA-Z0-9][a-zA-Z0-9_.-]*`; image references add `/`, `:` and `@`
/// (`registry:5000/team/app:1.0`, `app@sha256:…`) but no `..` segment.
pub fn is_object_ref(kind: Kind, s: &str) -> bool {
    let extra: &[u8] = if kind == Kind::Image {
        b"_.-/:@"
    } else {
        b"_.-"
    };
    s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || extra.contains(&b))
        && !s
            .split('/')
            .any(|seg| seg.is_empty() || seg == "." || seg == "..")
}

/// Labels of an API object (`Labels`, or `Config.Labels` of an inspect; a
/// build's `labels`), non-string values skipped.
pub(crate) fn labels_of(v: &Value) -> HashMap<String, String> {
    v.as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// The names an image is known by, for `visible-images` globs: each tag
/// (`busybox:1.36`, `registry:5000/app:1`) and its repository without the
/// tag or digest (`busybox`, `registry:5000/app`). `<none>:<none>` is no
/// name.
pub fn image_names<'a>(refs: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out = Vec::new();
    for r in refs {
        if r.is_empty() || r.starts_with("<none>") {
            continue;
        }
        out.push(r.to_string());
        let repo = match r.split_once('@') {
            Some((repo, _)) => repo,
            None => {
                let slash = r.rfind('/').map_or(0, |i| i + 1);
                match r[slash..].rfind(':') {
                    Some(i) => &r[..slash + i],
                    None => r,
                }
            }
        };
        if repo != r && !repo.is_empty() {
            out.push(repo.to_string());
        }
    }
    out
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// Whether one entry of a list (or `system/df`) is visible.
fn entry_visible(kind: Kind, item: &Value, visible: &Visible) -> bool {
    let labels = item.get("Labels").map(labels_of).unwrap_or_default();
    match kind {
        Kind::Container => visible.allows(strings(item.get("Names")), &labels),
        Kind::Image => {
            let mut refs = strings(item.get("RepoTags"));
            refs.extend(strings(item.get("RepoDigests")));
            let names = image_names(refs);
            visible.allows(names.iter().map(String::as_str), &labels)
        }
        Kind::Network | Kind::Volume => {
            let name = item.get("Name").and_then(Value::as_str).unwrap_or("");
            visible.allows([name], &labels)
        }
    }
}

fn keep_visible(kind: Kind, items: Vec<Value>, visible: &Visible) -> Vec<Value> {
    items
        .into_iter()
        .filter(|c| entry_visible(kind, c, visible))
        .collect()
}

/// Keeps the entries of a list response that the filter allows:
/// `GET /containers/json`, `/images/json` and `/networks` answer arrays,
/// `GET /volumes` an object whose `Volumes` is the array (or `null`).
/// `Err` when the body is not that shape.
pub fn filter_list(kind: Kind, body: &[u8], visible: &Visible) -> Result<Vec<u8>, String> {
    let what = format!("the {} list", kind.noun());
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("{what} is not JSON: {e}"))?;
    let out = match (kind, v) {
        (Kind::Volume, Value::Object(mut m)) => {
            match m.remove("Volumes") {
                Some(Value::Array(items)) => {
                    m.insert(
                        "Volumes".into(),
                        Value::Array(keep_visible(kind, items, visible)),
                    );
                }
                Some(Value::Null) => {
                    m.insert("Volumes".into(), Value::Null);
                }
                Some(_) => return Err(format!("{what}'s `Volumes` is not an array")),
                None => return Err(format!("{what} has no `Volumes`")),
            }
            Value::Object(m)
        }
        (Kind::Volume, _) => return Err(format!("{what} is not a JSON object")),
        (_, Value::Array(items)) => Value::Array(keep_visible(kind, items, visible)),
        (_, _) => return Err(format!("{what} is not a JSON array")),
    };
    serde_json::to_vec(&out).map_err(|e| e.to_string())
}

/// Keeps the entries of `GET /system/df` (`Images`, `Containers`,
/// `Volumes`) that the filters allow.
pub fn filter_system_df(body: &[u8], filters: &Filters) -> Result<Vec<u8>, String> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| format!("the disk usage answer is not JSON: {e}"))?;
    let Value::Object(mut m) = v else {
        return Err("the disk usage answer is not a JSON object".into());
    };
    for (key, kind) in [
        ("Images", Kind::Image),
        ("Containers", Kind::Container),
        ("Volumes", Kind::Volume),
    ] {
        let Some(vis) = filters.get(kind) else {
            continue;
        };
        match m.remove(key) {
            Some(Value::Array(items)) => {
                m.insert(key.into(), Value::Array(keep_visible(kind, items, vis)));
            }
            Some(Value::Null) => {
                m.insert(key.into(), Value::Null);
            }
            None => {}
            Some(_) => return Err(format!("the disk usage answer's `{key}` is not an array")),
        }
    }
    serde_json::to_vec(&Value::Object(m)).map_err(|e| e.to_string())
}

/// Whether an inspect answer (`GET /containers/{id}/json`,
/// `/images/{name}/json`, `/networks/{id}`, `/volumes/{name}`) is visible.
pub fn inspect_visible(kind: Kind, inspect: &Value, visible: &Visible) -> bool {
    match kind {
        Kind::Container => {
            let name = inspect.get("Name").and_then(Value::as_str).unwrap_or("");
            let labels = inspect
                .get("Config")
                .and_then(|c| c.get("Labels"))
                .map(labels_of)
                .unwrap_or_default();
            visible.allows([name], &labels)
        }
        Kind::Image => {
            let mut refs = strings(inspect.get("RepoTags"));
            refs.extend(strings(inspect.get("RepoDigests")));
            let names = image_names(refs);
            let labels = inspect
                .get("Config")
                .and_then(|c| c.get("Labels"))
                .map(labels_of)
                .unwrap_or_default();
            visible.allows(names.iter().map(String::as_str), &labels)
        }
        Kind::Network | Kind::Volume => entry_visible(kind, inspect, visible),
    }
}

/// Replaces the values of `Config.Env` (`KEY=value` → `KEY=<redacted>`)
/// in a container inspect response.
pub fn redact_inspect(body: &[u8]) -> Result<Vec<u8>, String> {
    let mut v: Value =
        serde_json::from_slice(body).map_err(|e| format!("the inspect is not JSON: {e}"))?;
    if !v.is_object() {
        return Err("the inspect is not a JSON object".into());
    }
    if let Some(Value::Array(env)) = v.get_mut("Config").and_then(|c| c.get_mut("Env")) {
        for e in env.iter_mut() {
            if let Value::String(s) = e {
                let key = s.split_once('=').map_or(s.as_str(), |(k, _)| k);
                *s = format!("{key}=<redacted>");
            }
        }
    }
    serde_json::to_vec(&v).map_err(|e| e.to_string())
}

/// Whether one event of `GET /events` may be shown under the filters.
///
/// * container events: the container must be visible (`visible`);
/// * image events: under `visible-images`, the image (its `name`
///   attribute or actor ID, or its labels) must be visible;
/// * network events: under `visible-networks`, the network's name (events
///   carry no network labels, so a network visible by label alone has its
///   events dropped);
/// * volume events: under `visible-volumes`, the volume's name (its actor
///   ID);
/// * under `visible`, any other event that names a container (a network
///   connect, a volume mount) is dropped;
/// * everything else (the daemon's own events) passes.
pub fn event_visible(line: &[u8], filters: &Filters) -> bool {
    let Ok(v) = serde_json::from_slice::<Value>(line) else {
        // Not an event: nothing to show.
        return false;
    };
    let actor = v.get("Actor");
    let attrs = actor
        .and_then(|a| a.get("Attributes"))
        .map(labels_of)
        .unwrap_or_default();
    let id = actor
        .and_then(|a| a.get("ID"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let name = attrs.get("name").map(String::as_str).unwrap_or("");
    let kind = match v.get("Type").and_then(Value::as_str) {
        Some("container") => {
            return filters
                .containers
                .as_ref()
                .is_none_or(|vis| vis.allows([name], &attrs));
        }
        Some("image") => Some(Kind::Image),
        Some("network") => Some(Kind::Network),
        Some("volume") => Some(Kind::Volume),
        _ => None,
    };
    if filters.containers.is_some() && attrs.contains_key("container") {
        return false;
    }
    let Some(kind) = kind else {
        return true;
    };
    let Some(vis) = filters.get(kind) else {
        return true;
    };
    match kind {
        Kind::Image => {
            let names = image_names([name, id]);
            vis.allows(names.iter().map(String::as_str), &attrs)
        }
        Kind::Network => vis.allows([name], &HashMap::new()),
        _ => vis.allows([id, name], &HashMap::new()),
    }
}

/// Event lines as they arrive in chunks: complete lines are judged, a
/// partial one waits for its end.
#[derive(Default)]
pub struct EventLines {
    buf: Vec<u8>,
}

impl EventLines {
    /// Adds a chunk; returns the complete lines that pass, each ending in
    /// a newline.
    pub fn push(&mut self, chunk: &[u8], filters: &Filters) -> Vec<u8> {
        self.buf.extend_from_slice(chunk);
        let end = self
            .buf
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        let rest = self.buf.split_off(end);
        let out = Self::judge(&self.buf, filters);
        self.buf = rest;
        // A line that never ends is not an event.
        if self.buf.len() > MAX_EVENT_LINE {
            self.buf.clear();
        }
        out
    }

    /// The last, unterminated line at the end of the stream.
    pub fn finish(&mut self, filters: &Filters) -> Vec<u8> {
        let out = Self::judge(&self.buf, filters);
        self.buf.clear();
        out
    }

    fn judge(lines: &[u8], filters: &Filters) -> Vec<u8> {
        let mut out = Vec::new();
        for line in lines.split(|b| *b == b'\n') {
            if !line.iter().all(u8::is_ascii_whitespace) && event_visible(line, filters) {
                out.extend_from_slice(line);
                out.push(b'\n');
            }
        }
        out
    }
}

/// The event stream, filtered line by line as it arrives.
pub(crate) struct EventFilter {
    inner: Incoming,
    filters: Filters,
    lines: EventLines,
    done: bool,
}

impl EventFilter {
    pub(crate) fn new(inner: Incoming, filters: Filters) -> Self {
        EventFilter {
            inner,
            filters,
            lines: EventLines::default(),
            done: false,
        }
    }
}

impl Body for EventFilter {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        loop {
            if self.done {
                return Poll::Ready(None);
            }
            match Pin::new(&mut self.inner).poll_frame(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(Some(Ok(frame))) => {
                    if let Some(data) = frame.data_ref() {
                        let this = &mut *self;
                        let out = this.lines.push(data, &this.filters);
                        if !out.is_empty() {
                            return Poll::Ready(Some(Ok(Frame::data(Bytes::from(out)))));
                        }
                    }
                }
                Poll::Ready(None) => {
                    self.done = true;
                    let this = &mut *self;
                    let out = this.lines.finish(&this.filters);
                    if !out.is_empty() {
                        return Poll::Ready(Some(Ok(Frame::data(Bytes::from(out)))));
                    }
                    return Poll::Ready(None);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::policy::Policy;
    use serde_json::json;

    /// The filters of a client entry with these `visible…` lines.
    fn filters(lines: &str) -> Filters {
        let p = Policy::parse(&format!(
            "[[proxy.clients]]\nname = \"v\"\ndefault = true\ngrants = []\n{lines}\n"
        ))
        .unwrap();
        Filters::of(&p.proxy.clients[0])
    }

    fn visible(text: &str) -> Visible {
        filters(&format!("visible = {text}")).containers.unwrap()
    }

    fn only(v: &Visible) -> Filters {
        Filters {
            containers: Some(v.clone()),
            ..Filters::default()
        }
    }

    #[test]
    fn container_list_filtering() {
        let v = visible(r#"{ labels = ["traefik.enable=true"], names = ["web-*"] }"#);
        let list = json!([
            {"Id": "1", "Names": ["/web-1"], "Labels": {}},
            {"Id": "2", "Names": ["/db"], "Labels": {"traefik.enable": "true"}},
            {"Id": "3", "Names": ["/db2"], "Labels": {"traefik.enable": "false"}},
            {"Id": "4", "Names": ["/secret"]},
            {"Id": "5"}
        ]);
        let out = filter_list(Kind::Container, list.to_string().as_bytes(), &v).unwrap();
        let out: Value = serde_json::from_slice(&out).unwrap();
        let ids: Vec<&str> = out
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["Id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["1", "2"]);
        assert!(filter_list(Kind::Container, b"{}", &v).is_err());
        assert!(filter_list(Kind::Container, b"not json", &v).is_err());
        // A label key alone: any value.
        let v = visible(r#"{ labels = ["role"] }"#);
        let out = filter_list(Kind::Container, list.to_string().as_bytes(), &v).unwrap();
        assert_eq!(out, b"[]");

        // Inspect and events under the same filter.
        let v = visible(r#"{ labels = ["traefik.enable=true"], names = ["web-*"] }"#);
        assert!(inspect_visible(
            Kind::Container,
            &json!({"Name": "/web-2", "Config": {}}),
            &v
        ));
        assert!(inspect_visible(
            Kind::Container,
            &json!({"Name": "/x", "Config": {"Labels": {"traefik.enable": "true"}}}),
            &v
        ));
        assert!(!inspect_visible(
            Kind::Container,
            &json!({"Name": "/x", "Config": {"Labels": null}}),
            &v
        ));
        let ev = |e: Value| event_visible(e.to_string().as_bytes(), &only(&v));
        assert!(ev(json!({"Type": "container", "Action": "start",
            "Actor": {"ID": "1", "Attributes": {"name": "web-1", "image": "x"}}})));
        assert!(!ev(json!({"Type": "container", "Action": "start",
            "Actor": {"ID": "2", "Attributes": {"name": "db", "image": "x"}}})));
        assert!(ev(json!({"Type": "container",
            "Actor": {"Attributes": {"name": "db", "traefik.enable": "true"}}})));
        assert!(!ev(json!({"Type": "network", "Action": "connect",
            "Actor": {"Attributes": {"container": "2", "name": "bridge"}}})));
        assert!(ev(
            json!({"Type": "image", "Action": "pull", "Actor": {"Attributes": {"name": "busybox"}}})
        ));
        assert!(!event_visible(b"garbage", &only(&v)));
    }

    #[test]
    fn event_lines_across_chunks() {
        let v = only(&visible(r#"{ names = ["web"] }"#));
        let web = json!({"Type": "container", "Action": "start",
            "Actor": {"Attributes": {"name": "web"}}})
        .to_string();
        let db = json!({"Type": "container", "Action": "start",
            "Actor": {"Attributes": {"name": "db"}}})
        .to_string();
        let stream = format!("{web}\n{db}\n{web}\n{db}");
        let mut l = EventLines::default();
        let mut out = Vec::new();
        // Cut every 7 bytes: lines span chunks.
        for chunk in stream.as_bytes().chunks(7) {
            out.extend(l.push(chunk, &v));
        }
        out.extend(l.finish(&v));
        assert_eq!(String::from_utf8(out).unwrap(), format!("{web}\n{web}\n"));
        // The last, unterminated line is judged at the end.
        let mut l = EventLines::default();
        assert!(l.push(web.as_bytes(), &v).is_empty());
        assert_eq!(l.finish(&v), format!("{web}\n").into_bytes());
    }

    #[test]
    fn env_redaction() {
        let inspect = json!({"Id": "x", "Name": "/web",
            "Config": {"Env": ["PASSWORD=hunter2", "PATH=/usr/bin", "EMPTY=", "NOEQ"], "Image": "busybox"}});
        let out = redact_inspect(inspect.to_string().as_bytes()).unwrap();
        let out: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            out["Config"]["Env"],
            json!([
                "PASSWORD=<redacted>",
                "PATH=<redacted>",
                "EMPTY=<redacted>",
                "NOEQ=<redacted>"
            ])
        );
        assert_eq!(out["Config"]["Image"], "busybox");
        assert!(!String::from_utf8_lossy(&serde_json::to_vec(&out).unwrap()).contains("hunter2"));
        // No env: unchanged; not an object: refused.
        let out = redact_inspect(br#"{"Config":{"Env":null}}"#).unwrap();
        assert_eq!(out, br#"{"Config":{"Env":null}}"#);
        assert!(redact_inspect(b"[]").is_err());
        assert!(redact_inspect(b"{").is_err());
    }

    #[test]
    fn image_network_and_volume_lists() {
        let f = filters(
            r#"visible-images = { names = ["busybox", "registry.example.com:5000/team/*"], labels = ["com.example.team=a"] }
visible-networks = { names = ["app-*"], labels = ["com.example.team=a"] }
visible-volumes = { names = ["data-*"], labels = ["com.example.team"] }"#,
        );
        // `GET /images/json` as the daemon answers it.
        let images = json!([
            {"Containers": -1, "Created": 1700000000, "Id": "sha256:1", "Labels": null,
             "ParentId": "", "RepoDigests": ["busybox@sha256:aa"], "RepoTags": ["busybox:latest", "busybox:1.36"],
             "SharedSize": -1, "Size": 4261550},
            {"Id": "sha256:2", "Labels": {"com.example.team": "a"}, "RepoTags": ["app:1"], "RepoDigests": []},
            {"Id": "sha256:3", "Labels": {}, "RepoTags": ["registry.example.com:5000/team/api:2"]},
            {"Id": "sha256:4", "Labels": {"com.example.team": "b"}, "RepoTags": ["secret:1"]},
            {"Id": "sha256:5", "Labels": null, "RepoTags": ["<none>:<none>"], "RepoDigests": ["<none>@<none>"]},
            {"Id": "sha256:6", "RepoTags": null}
        ]);
        let out = filter_list(
            Kind::Image,
            images.to_string().as_bytes(),
            f.images.as_ref().unwrap(),
        )
        .unwrap();
        let out: Value = serde_json::from_slice(&out).unwrap();
        let ids: Vec<&str> = out
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["Id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["sha256:1", "sha256:2", "sha256:3"]);

        // `GET /networks`.
        let networks = json!([
            {"Name": "bridge", "Id": "f2de39df4171", "Scope": "local", "Driver": "bridge",
             "IPAM": {"Driver": "default", "Config": [{"Subnet": "172.17.0.0/16"}]}, "Options": {}, "Labels": {}},
            {"Name": "app-front", "Id": "1", "Labels": {}},
            {"Name": "other", "Id": "2", "Labels": {"com.example.team": "a"}},
            {"Name": "none", "Id": "3", "Labels": null}
        ]);
        let out = filter_list(
            Kind::Network,
            networks.to_string().as_bytes(),
            f.networks.as_ref().unwrap(),
        )
        .unwrap();
        let out: Value = serde_json::from_slice(&out).unwrap();
        let names: Vec<&str> = out
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["Name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["app-front", "other"]);

        // `GET /volumes`: an object, the `Warnings` kept.
        let volumes = json!({"Volumes": [
            {"CreatedAt": "2026-11-23T12:00:00Z", "Driver": "local", "Labels": {"com.example.team": "x"},
             "Mountpoint": "/var/lib/docker/volumes/v1/_data", "Name": "v1", "Options": {}, "Scope": "local"},
            {"Driver": "local", "Labels": null, "Name": "data-1"},
            {"Driver": "local", "Labels": null, "Name": "cache"}
        ], "Warnings": ["w"]});
        let vv = f.volumes.as_ref().unwrap();
        let out = filter_list(Kind::Volume, volumes.to_string().as_bytes(), vv).unwrap();
        let out: Value = serde_json::from_slice(&out).unwrap();
        let names: Vec<&str> = out["Volumes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["Name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["v1", "data-1"]);
        assert_eq!(out["Warnings"], json!(["w"]));
        let out = filter_list(Kind::Volume, br#"{"Volumes":null,"Warnings":null}"#, vv).unwrap();
        assert_eq!(out, br#"{"Volumes":null,"Warnings":null}"#);
        // Not the documented shapes: errors (the proxy withholds them).
        assert!(filter_list(Kind::Volume, b"[]", vv).is_err());
        assert!(filter_list(Kind::Volume, br#"{"Warnings":null}"#, vv).is_err());
        assert!(filter_list(Kind::Volume, br#"{"Volumes":{}}"#, vv).is_err());
        assert!(filter_list(Kind::Image, b"{}", vv).is_err());
        assert!(filter_list(Kind::Network, b"nope", vv).is_err());

        // Inspects.
        let vi = f.images.as_ref().unwrap();
        assert!(inspect_visible(
            Kind::Image,
            &json!({"Id": "sha256:1", "RepoTags": ["busybox:latest"], "Config": {"Labels": null}}),
            vi
        ));
        assert!(inspect_visible(
            Kind::Image,
            &json!({"Id": "sha256:2", "RepoTags": [], "Config": {"Labels": {"com.example.team": "a"}}}),
            vi
        ));
        assert!(!inspect_visible(
            Kind::Image,
            &json!({"Id": "sha256:4", "RepoTags": ["secret:1"], "Config": {"Labels": {"com.example.team": "b"}}}),
            vi
        ));
        let vn = f.networks.as_ref().unwrap();
        assert!(inspect_visible(
            Kind::Network,
            &json!({"Name": "app-x", "Labels": {}}),
            vn
        ));
        assert!(!inspect_visible(
            Kind::Network,
            &json!({"Name": "bridge", "Labels": {}}),
            vn
        ));
        assert!(inspect_visible(
            Kind::Volume,
            &json!({"Name": "v9", "Labels": {"com.example.team": "z"}}),
            vv
        ));
        assert!(!inspect_visible(Kind::Volume, &json!({"Name": "v9"}), vv));
    }

    #[test]
    fn system_df_is_filtered_per_kind() {
        let f =
            filters("visible = { names = [\"web\"] }\nvisible-volumes = { names = [\"data\"] }");
        let df = json!({"LayersSize": 1,
            "Images": [{"Id": "i", "RepoTags": ["x:1"]}],
            "Containers": [{"Id": "1", "Names": ["/web"]}, {"Id": "2", "Names": ["/db"]}],
            "Volumes": [{"Name": "data"}, {"Name": "other"}],
            "BuildCache": []});
        let out: Value =
            serde_json::from_slice(&filter_system_df(df.to_string().as_bytes(), &f).unwrap())
                .unwrap();
        assert_eq!(
            out["Images"].as_array().unwrap().len(),
            1,
            "no image filter"
        );
        assert_eq!(out["Containers"], json!([{"Id": "1", "Names": ["/web"]}]));
        assert_eq!(out["Volumes"], json!([{"Name": "data"}]));
        assert_eq!(out["LayersSize"], 1);
        assert!(filter_system_df(b"[]", &f).is_err());
        assert!(filter_system_df(br#"{"Volumes": 3}"#, &f).is_err());
    }

    #[test]
    fn events_of_images_networks_and_volumes() {
        let f = filters(
            r#"visible-images = { names = ["busybox"] }
visible-networks = { names = ["app-*"] }
visible-volumes = { names = ["data-*"] }"#,
        );
        let ev = |e: Value| event_visible(e.to_string().as_bytes(), &f);
        // Images: by the tag or repository (pull events name the repository).
        assert!(ev(json!({"Type": "image", "Action": "pull",
            "Actor": {"ID": "busybox:latest", "Attributes": {"name": "busybox"}}})));
        assert!(ev(json!({"Type": "image", "Action": "tag",
            "Actor": {"ID": "sha256:1", "Attributes": {"name": "busybox:mine"}}})));
        assert!(!ev(json!({"Type": "image", "Action": "pull",
            "Actor": {"ID": "secret:1", "Attributes": {"name": "secret"}}})));
        assert!(!ev(json!({"Type": "image", "Action": "delete",
            "Actor": {"ID": "sha256:2", "Attributes": {"name": "sha256:2"}}})));
        // Networks by name; volumes by their actor ID (the volume's name).
        assert!(ev(json!({"Type": "network", "Action": "create",
            "Actor": {"ID": "n1", "Attributes": {"name": "app-1", "type": "bridge"}}})));
        assert!(!ev(json!({"Type": "network", "Action": "create",
            "Actor": {"ID": "n2", "Attributes": {"name": "bridge", "type": "bridge"}}})));
        assert!(ev(json!({"Type": "volume", "Action": "create",
            "Actor": {"ID": "data-1", "Attributes": {"driver": "local"}}})));
        assert!(!ev(json!({"Type": "volume", "Action": "create",
            "Actor": {"ID": "cache", "Attributes": {"driver": "local"}}})));
        // No container filter: container events pass, and so do the
        // daemon's own.
        assert!(ev(json!({"Type": "container", "Action": "start",
            "Actor": {"ID": "c", "Attributes": {"name": "anything"}}})));
        assert!(ev(json!({"Type": "daemon", "Action": "reload",
            "Actor": {"ID": "d", "Attributes": {}}})));
        // With a container filter too: a volume mount naming a container
        // is dropped, whatever the volume.
        let f =
            filters("visible = { names = [\"web\"] }\nvisible-volumes = { names = [\"data-*\"] }");
        assert!(!event_visible(
            json!({"Type": "volume", "Action": "mount",
                "Actor": {"ID": "data-1", "Attributes": {"container": "abc", "driver": "local"}}})
            .to_string()
            .as_bytes(),
            &f
        ));
    }

    #[test]
    fn targets_of_requests() {
        let t = |m: &str, p: &'static str| target(m, p);
        assert_eq!(
            t("GET", "/containers/web/json"),
            Some((Kind::Container, "web"))
        );
        assert_eq!(
            t("DELETE", "/containers/web"),
            Some((Kind::Container, "web"))
        );
        assert_eq!(t("GET", "/containers/json"), None);
        assert_eq!(t("POST", "/containers/create"), None);
        assert_eq!(t("POST", "/containers/prune"), None);
        assert_eq!(t("GET", "/containers/"), None);
        // A container named like an endpoint is a container.
        assert_eq!(
            t("DELETE", "/containers/json"),
            Some((Kind::Container, "json"))
        );
        assert_eq!(
            t("GET", "/containers/json/json"),
            Some((Kind::Container, "json"))
        );
        assert_eq!(
            t("GET", "/containers/create/json"),
            Some((Kind::Container, "create"))
        );
        assert_eq!(t("GET", "/images/json"), None);
        assert_eq!(t("POST", "/images/create"), None);
        assert_eq!(t("GET", "/images/get"), None);
        assert_eq!(t("POST", "/images/load"), None);
        assert_eq!(t("GET", "/images/search"), None);
        assert_eq!(
            t("GET", "/images/busybox:latest/json"),
            Some((Kind::Image, "busybox:latest"))
        );
        assert_eq!(
            t(
                "GET",
                "/images/registry.example.com:5000/team/app:1/history"
            ),
            Some((Kind::Image, "registry.example.com:5000/team/app:1"))
        );
        assert_eq!(
            t("GET", "/images/sha256:abc/get"),
            Some((Kind::Image, "sha256:abc"))
        );
        assert_eq!(
            t("POST", "/images/team/app/tag"),
            Some((Kind::Image, "team/app"))
        );
        assert_eq!(
            t("POST", "/images/team/app/push"),
            Some((Kind::Image, "team/app"))
        );
        // DELETE takes the whole rest, as the router does.
        assert_eq!(
            t("DELETE", "/images/team/app"),
            Some((Kind::Image, "team/app"))
        );
        assert_eq!(
            t("DELETE", "/images/team/json"),
            Some((Kind::Image, "team/json"))
        );
        assert_eq!(t("DELETE", "/images/json"), Some((Kind::Image, "json")));
        assert_eq!(t("GET", "/images/json/json"), Some((Kind::Image, "json")));
        // Not a route: judged as the whole name (fail closed).
        assert_eq!(
            t("GET", "/images/team/app"),
            Some((Kind::Image, "team/app"))
        );
        assert_eq!(t("GET", "/networks"), None);
        assert_eq!(t("POST", "/networks/create"), None);
        assert_eq!(t("POST", "/networks/prune"), None);
        assert_eq!(t("GET", "/networks/app"), Some((Kind::Network, "app")));
        assert_eq!(
            t("DELETE", "/networks/create"),
            Some((Kind::Network, "create"))
        );
        assert_eq!(
            t("POST", "/networks/app/connect"),
            Some((Kind::Network, "app"))
        );
        assert_eq!(t("GET", "/networks/a/b"), Some((Kind::Network, "a/b")));
        assert_eq!(t("GET", "/volumes"), None);
        assert_eq!(t("POST", "/volumes/create"), None);
        assert_eq!(t("GET", "/volumes/data"), Some((Kind::Volume, "data")));
        assert_eq!(t("PUT", "/volumes/data"), Some((Kind::Volume, "data")));
        assert_eq!(t("DELETE", "/volumes/a/b"), Some((Kind::Volume, "a/b")));
        assert_eq!(t("GET", "/info"), None);
        assert_eq!(list_kind("/images/json"), Some(Kind::Image));
        assert_eq!(list_kind("/networks"), Some(Kind::Network));
        assert_eq!(list_kind("/networks/"), Some(Kind::Network));
        assert_eq!(list_kind("/volumes"), Some(Kind::Volume));
        assert_eq!(list_kind("/containers/json"), Some(Kind::Container));
        assert_eq!(list_kind("/volumes/x"), None);
        assert!(is_object_ref(Kind::Container, "web-1_a.b"));
        assert!(!is_object_ref(Kind::Container, "../x"));
        assert!(!is_object_ref(Kind::Container, ""));
        assert!(!is_object_ref(Kind::Network, "a/b"));
        assert!(is_object_ref(
            Kind::Image,
            "registry.example.com:5000/team/app@sha256:0a"
        ));
        assert!(!is_object_ref(Kind::Image, "a/../b"));
        assert!(!is_object_ref(Kind::Image, "a//b"));
        assert!(!is_object_ref(Kind::Image, "a b"));
        assert!(!is_object_ref(Kind::Image, "a?b"));
        assert_eq!(
            image_names([
                "busybox:latest",
                "reg:5000/a/b:1",
                "x@sha256:00",
                "<none>:<none>",
                "plain"
            ]),
            [
                "busybox:latest",
                "busybox",
                "reg:5000/a/b:1",
                "reg:5000/a/b",
                "x@sha256:00",
                "x",
                "plain"
            ]
        );
    }

    proptest::proptest! {
        #[test]
        fn filters_never_panic(
            text in "\\PC{0,200}",
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
        ) {
            let f = filters(
                "visible = { labels = [\"a=b\"], names = [\"web-*\"] }\nvisible-images = { names = [\"b*\"] }\nvisible-networks = { names = [\"n\"] }\nvisible-volumes = { labels = [\"v\"] }",
            );
            for m in ["GET", "POST", "DELETE", "PUT"] {
                let _ = target(m, &text);
            }
            let _ = list_kind(&text);
            let _ = image_names([text.as_str()]);
            for kind in [Kind::Container, Kind::Image, Kind::Network, Kind::Volume] {
                let _ = is_object_ref(kind, &text);
                if let Some(v) = f.get(kind) {
                    let _ = filter_list(kind, &bytes, v);
                    let _ = filter_list(kind, text.as_bytes(), v);
                    if let Ok(j) = serde_json::from_slice::<Value>(&bytes) {
                        let _ = inspect_visible(kind, &j, v);
                    }
                }
            }
            let _ = filter_system_df(&bytes, &f);
            let _ = redact_inspect(&bytes);
            let _ = event_visible(&bytes, &f);
            let mut l = EventLines::default();
            let _ = l.push(&bytes, &f);
            let _ = l.finish(&f);
        }
    }
}
