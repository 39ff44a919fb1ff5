//! `drydock guard proxy`: a filtering Engine API proxy on unix sockets
//! and TCP (with TLS and client certificates), between Docker clients
//! (Traefik, Watchtower, a CI runner, the `docker` CLI) and the daemon's
//! socket. One accept/serve path serves every transport.
//!
//! * Each connection is identified once. On a unix socket: by the peer's
//!   credentials (`SO_PEERCRED`: uid, gid, pid) and, from the pid, the
//!   container the peer runs in (`/proc/PID/cgroup`). Over TCP: by its
//!   verified client certificate (subject CN, DNS names) and its source
//!   address. The identity picks a `[[proxy.clients]]` entry of the policy.
//! * Every request must match one of the client's endpoint grants
//!   (`GET /containers/*/json`), its `/v1.NN` prefix stripped; else 403.
//! * Container creates, execs, pulls and plugin operations are judged by
//!   the same [`Guard`] as the authorization plugin (fail closed).
//! * Container, image, network and volume lists are filtered to what the
//!   client's `visible…` filters allow, requests about other objects are
//!   refused, the event stream is filtered line by line, and `redact-env`
//!   replaces the values of `Config.Env` in container inspect
//!   ([`crate::filter`]).
//! * Everything else streams through untouched: chunked bodies, long-lived
//!   responses (`logs -f`, `events`) and connection upgrades (attach, exec
//!   start: `101 Switching Protocols`, then raw bytes both ways).
//!
//! One JSON line per request goes to the decision log.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Empty, Full, Limited};

use crate::coalesce::Coalesce;
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, UnixListener, UnixStream};
use tokio_rustls::TlsAcceptor;

use crate::decision::{Decision, Guard};
use crate::filter::{
    EventFilter, Filters, Kind, Rewrite, filter_list, filter_system_df, inspect_visible,
    is_object_ref, list_kind, redact_inspect, target,
};
use crate::metrics::Outcome;
use crate::plugin::{findings_json, now_rfc3339};
use crate::policy::{Identity, ProxyClient, Visible};
use crate::request::ApiRequest;
use crate::state::State;
use crate::tls::{CertNames, cert_names};

/// The largest request body the proxy reads to judge it (a container
/// create, an exec); a larger one is refused with 413.
pub const MAX_JUDGED_BODY: usize = 16 << 20;

/// The largest response the proxy reads to filter or redact it; a larger
/// one fails the request (502) rather than pass unfiltered.
pub const MAX_FILTERED_RESPONSE: usize = 64 << 20;

/// How long a client may take to send a request's headers (slowloris).
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a client may take to send a body the proxy must judge.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// How long the body of a refused request is read before the refusal.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// How long connecting to the daemon's socket may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

const POLICY_FILE: &str = "guard.toml";

type ProxyBody = BoxBody<Bytes, hyper::Error>;

/// The proxy: the guard (policy and decisions), the daemon's socket and
/// the decision log.
pub struct Proxy {
    /// The guard in force (reloaded on SIGHUP), the log, the metrics.
    pub state: Arc<State>,
    pub upstream: PathBuf,
    /// `/proc`, or another root in tests.
    pub proc_root: PathBuf,
}

/// Who is at the other end of a connection.
#[derive(Debug, Clone, Default)]
pub struct Peer {
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub pid: Option<i32>,
    /// The full ID of the container the peer process runs in.
    pub container: Option<String>,
    /// That container's name, when the policy names containers by name.
    pub container_name: Option<String>,
    /// A TCP peer's address and port.
    pub address: Option<SocketAddr>,
    /// The names of a TLS peer's verified client certificate.
    pub cert: Option<CertNames>,
}

impl Peer {
    /// `uid 1000 (pid 42)`, `container 0123456789ab (`web`, uid 0, pid 42)`.
    pub fn describe(&self) -> String {
        if let Some(addr) = self.address {
            return match &self.cert {
                Some(c) => format!("certificate {} ({addr})", c.describe()),
                None => format!("address {addr}"),
            };
        }
        let uid = self
            .uid
            .map_or_else(|| "unknown uid".to_string(), |u| format!("uid {u}"));
        let pid = self.pid.map(|p| format!(", pid {p}")).unwrap_or_default();
        match &self.container {
            Some(c) => {
                let short = c.get(..12).unwrap_or(c);
                let name = self
                    .container_name
                    .as_ref()
                    .map(|n| format!("`{}`, ", n.trim_start_matches('/')))
                    .unwrap_or_default();
                format!("container {short} ({name}{uid}{pid})")
            }
            None => match self.pid {
                Some(p) => format!("{uid} (pid {p})"),
                None => uid,
            },
        }
    }
}

/// The container ID a `/proc/PID/cgroup` names: a `docker-<64 hex>.scope`
/// segment (systemd cgroup driver) or a `<64 hex>` segment after `docker`
/// (cgroupfs driver), cgroup v1 or v2. With nested containers the
/// outermost one is taken: that is the one the host's daemon knows.
pub fn container_of_cgroup(text: &str) -> Option<String> {
    let full_id = |s: &str| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
    let mut best: Option<(usize, String)> = None;
    for line in text.lines() {
        let Some(path) = line.splitn(3, ':').nth(2) else {
            continue;
        };
        let segs: Vec<&str> = path.split('/').collect();
        for (i, seg) in segs.iter().enumerate() {
            let id = seg
                .strip_prefix("docker-")
                .and_then(|s| s.strip_suffix(".scope"))
                .or_else(|| (i > 0 && segs[i - 1] == "docker").then_some(*seg));
            if let Some(id) = id.filter(|id| full_id(id)) {
                if best.as_ref().is_none_or(|(d, _)| i < *d) {
                    best = Some((i, id.to_ascii_lowercase()));
                }
                break;
            }
        }
    }
    best.map(|(_, id)| id)
}

/// The client entry of a connection. A peer in a container is matched by
/// `container` entries (ID prefix or name) and else by the `default` entry
/// only: `uid` entries are for host processes (root in a container is
/// uid 0 on the host too, without user namespaces).
pub fn match_client(
    clients: &[ProxyClient],
    uid: Option<u32>,
    container: Option<&str>,
    container_name: Option<&str>,
) -> Option<usize> {
    if let Some(cid) = container {
        let name = container_name.map(|n| n.trim_start_matches('/'));
        if let Some(i) = clients.iter().position(|c| match &c.identity {
            Identity::Container(v) if Identity::is_id_prefix(v) => cid.starts_with(v.as_str()),
            Identity::Container(v) => name == Some(v.as_str()),
            _ => false,
        }) {
            return Some(i);
        }
    } else if let Some(u) = uid
        && let Some(i) = clients.iter().position(|c| c.identity == Identity::Uid(u))
    {
        return Some(i);
    }
    clients.iter().position(|c| c.identity == Identity::Default)
}

/// The client entry of a TCP connection: a `cert` entry naming its
/// verified client certificate (subject CN or a DNS name), else the
/// `address` entry with the longest prefix that holds its address, else
/// the `default` entry. `uid` and `container` entries never match a TCP
/// peer (its credentials are not known).
pub fn match_tcp_client(
    clients: &[ProxyClient],
    address: IpAddr,
    cert: Option<&CertNames>,
) -> Option<usize> {
    if let Some(cert) = cert
        && let Some(i) = clients
            .iter()
            .position(|c| matches!(&c.identity, Identity::Cert(n) if cert.matches(n)))
    {
        return Some(i);
    }
    let by_address = clients
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match &c.identity {
            Identity::Address(b) if b.contains(address) => Some((i, b.prefix)),
            _ => None,
        })
        .max_by_key(|(i, prefix)| (*prefix, std::cmp::Reverse(*i)));
    if let Some((i, _)) = by_address {
        return Some(i);
    }
    clients.iter().position(|c| c.identity == Identity::Default)
}

/// A grant pattern for a request path, for refusals: the object of
/// `/containers/{id}/…` and the like becomes `*`, an image name (which may
/// hold `/`) `**`.
pub fn grant_pattern(path: &str) -> String {
    let segs: Vec<&str> = path.split('/').skip(1).collect();
    const FIXED: [&str; 6] = ["json", "create", "prune", "load", "search", "get"];
    match segs.as_slice() {
        ["images", first, ..] if !FIXED.contains(first) => {
            let last = segs.last().copied().unwrap_or("");
            if segs.len() > 2 && matches!(last, "json" | "history" | "push" | "tag" | "get") {
                format!("/images/**/{last}")
            } else {
                "/images/**".to_string()
            }
        }
        [
            kind @ ("containers" | "exec" | "networks" | "volumes" | "plugins" | "services"
            | "tasks" | "nodes" | "secrets" | "configs"),
            id,
            rest @ ..,
        ] if !FIXED.contains(id) => {
            let mut p = format!("/{kind}/*");
            for r in rest {
                p.push('/');
                p.push_str(r);
            }
            p
        }
        _ => path.to_string(),
    }
}

/// What the log says about one request.
struct Record {
    method: String,
    path: String,
    allow: bool,
    status: u16,
    grant: Option<String>,
    decision: Option<Decision>,
    message: Option<String>,
    /// Allowed under `--fail-open` although it could not be judged.
    fail_open: bool,
    /// The daemon could not be reached.
    upstream_error: bool,
}

fn full(b: impl Into<Bytes>) -> ProxyBody {
    Full::new(b.into()).map_err(|never| match never {}).boxed()
}

/// `GET /containers/{id}/logs`, `/services/{id}/logs`, `/tasks/{id}/logs`
/// (path segments after the version).
fn is_log_stream(segs: &[&str]) -> bool {
    matches!(segs, ["containers" | "services" | "tasks", _, "logs"])
}

fn json_response(status: StatusCode, message: &str) -> Response<ProxyBody> {
    let body = json!({ "message": message }).to_string();
    let mut r = Response::new(full(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// Whether a request asks for a connection upgrade (`Connection: Upgrade`
/// with an `Upgrade` header: docker attach and exec start).
fn is_upgrade(h: &HeaderMap) -> bool {
    h.contains_key(header::UPGRADE)
        && h.get_all(header::CONNECTION).iter().any(|v| {
            v.to_str().is_ok_and(|s| {
                s.split(',')
                    .any(|t| t.trim().eq_ignore_ascii_case("upgrade"))
            })
        })
}

/// Removes hop-by-hop headers (and those `Connection` names); the upgrade
/// headers stay when the connection is being upgraded.
fn strip_hop_by_hop(h: &mut HeaderMap, upgrading: bool) {
    let named: Vec<String> = h
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|s| s.split(',').map(|t| t.trim().to_ascii_lowercase()))
        .filter(|t| !t.is_empty() && t != "upgrade")
        .collect();
    for n in named {
        h.remove(n.as_str());
    }
    for n in [
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
    ] {
        h.remove(n);
    }
    if upgrading {
        h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    } else {
        h.remove(header::CONNECTION);
        h.remove(header::UPGRADE);
    }
}

impl Proxy {
    /// The client entry of a connection's peer under a policy (matched
    /// per request, so that a reload applies to open connections too).
    pub fn client_of<'g>(&self, guard: &'g Guard, peer: &Peer) -> Option<&'g ProxyClient> {
        let clients = &guard.policy.proxy.clients;
        let i = match peer.address {
            Some(a) => match_tcp_client(clients, a.ip(), peer.cert.as_ref()),
            None => match_client(
                clients,
                peer.uid,
                peer.container.as_deref(),
                peer.container_name.as_deref(),
            ),
        };
        i.and_then(|i| clients.get(i))
    }

    /// Identifies the peer of a new connection.
    pub async fn identify(&self, stream: &UnixStream) -> Peer {
        let mut p = Peer::default();
        if let Ok(c) = stream.peer_cred() {
            p.uid = Some(c.uid());
            p.gid = Some(c.gid());
            p.pid = c.pid();
        }
        if let Some(pid) = p.pid
            && let Ok(text) =
                std::fs::read_to_string(self.proc_root.join(pid.to_string()).join("cgroup"))
        {
            p.container = container_of_cgroup(&text);
        }
        // The container's name, whether the policy in force names
        // containers or not: a reload may bring entries that do.
        if let Some(cid) = &p.container
            && let Ok(Some(v)) = self.inspect(cid).await
        {
            p.container_name = v.get("Name").and_then(Value::as_str).map(str::to_string);
        }
        p
    }

    /// Identifies the peer of a new TCP connection, by its address and,
    /// over TLS, its verified client certificate.
    pub fn identify_tcp(&self, address: SocketAddr, cert: Option<CertNames>) -> Peer {
        Peer {
            address: Some(address),
            cert,
            ..Peer::default()
        }
    }

    /// Sends a request to the daemon on a new connection (the proxy keeps
    /// no pool: a restarted daemon is simply connected to again).
    async fn send(&self, req: Request<ProxyBody>) -> Result<Response<Incoming>, String> {
        let stream = tokio::time::timeout(CONNECT_TIMEOUT, UnixStream::connect(&self.upstream))
            .await
            .map_err(|_| "connecting timed out".to_string())?
            .map_err(|e| e.to_string())?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(async move {
            let _ = conn.with_upgrades().await;
        });
        sender.send_request(req).await.map_err(|e| e.to_string())
    }

    /// `GET /containers/{id}/json` from the daemon: `None` when there is no
    /// such container.
    async fn inspect(&self, id: &str) -> Result<Option<Value>, String> {
        self.inspect_object(Kind::Container, id).await
    }

    /// An object's inspect from the daemon (`/containers/{id}/json`,
    /// `/images/{name}/json`, `/networks/{id}`, `/volumes/{name}`): `None`
    /// when there is no such object.
    async fn inspect_object(&self, kind: Kind, id: &str) -> Result<Option<Value>, String> {
        let req = Request::get(kind.inspect_path(id))
            .header(header::HOST, "docker")
            .body(Empty::new().map_err(|never| match never {}).boxed())
            .map_err(|e| e.to_string())?;
        let resp = self.send(req).await?;
        let status = resp.status();
        let body = Limited::new(resp.into_body(), MAX_FILTERED_RESPONSE)
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        // 400: a reference the daemon cannot parse (`docker image inspect
        // UPPER`) names no object either.
        if status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST {
            return Ok(None);
        }
        let noun = kind.noun();
        if !status.is_success() {
            return Err(format!(
                "{noun} inspect answered {status}: {}",
                String::from_utf8_lossy(&body)
            ));
        }
        serde_json::from_slice(&body)
            .map(Some)
            .map_err(|e| format!("{noun} inspect is not JSON: {e}"))
    }

    /// Whether a client with a filter may see one object; else the status
    /// and message of the refusal (a hidden object is refused as if it did
    /// not exist).
    async fn check_visible(
        &self,
        client: &str,
        kind: Kind,
        id: &str,
        vis: &Visible,
    ) -> Result<(), (StatusCode, String)> {
        let noun = kind.noun();
        let key = kind.key();
        let hidden = || {
            (
                StatusCode::FORBIDDEN,
                format!(
                    "drydock guard: no such {noun}: {id} ({client} may see only the {noun}s its `{key}` filter in {POLICY_FILE} allows; if it needs this one, add its name or one of its labels to `{key}`)"
                ),
            )
        };
        if !is_object_ref(kind, id) {
            return Err(hidden());
        }
        match self.inspect_object(kind, id).await {
            Ok(Some(v)) if inspect_visible(kind, &v, vis) => Ok(()),
            Ok(_) => Err(hidden()),
            Err(e) => Err((StatusCode::BAD_GATEWAY, self.upstream_error(&e))),
        }
    }

    fn upstream_error(&self, e: &str) -> String {
        format!(
            "drydock guard: the Docker daemon behind the proxy (unix://{}) cannot be reached: {e}",
            self.upstream.display()
        )
    }

    /// Serves one request and writes its log line.
    async fn handle(
        self: Arc<Self>,
        peer: Arc<Peer>,
        req: Request<Incoming>,
    ) -> Result<Response<ProxyBody>, Infallible> {
        let t0 = Instant::now();
        let path = req.uri().path().to_string();
        let mut rec = Record {
            method: req.method().as_str().to_string(),
            path,
            allow: false,
            status: 0,
            grant: None,
            decision: None,
            message: None,
            fail_open: false,
            upstream_error: false,
        };
        // The guard in force when the request arrived: the request is
        // judged and logged under it even if a reload comes meanwhile.
        let guard = self.state.guard();
        let client = self.client_of(&guard, &peer);
        let resp = self.route(&guard, client, &peer, req, &mut rec).await;
        rec.status = resp.status().as_u16();
        self.record(client, &peer, &rec);
        if let Some(m) = &self.state.metrics {
            let outcome = if rec.upstream_error {
                "upstream_error"
            } else if rec.allow {
                "forwarded"
            } else {
                "refused"
            };
            m.proxy_request(client.map(|c| c.name.as_str()), outcome, t0.elapsed());
        }
        Ok(resp)
    }

    fn refuse(&self, rec: &mut Record, status: StatusCode, message: String) -> Response<ProxyBody> {
        rec.allow = false;
        let r = json_response(status, &message);
        rec.message = Some(message);
        r
    }

    /// A refusal after the request's body has been read and dropped (up
    /// to [`MAX_JUDGED_BODY`], for a few seconds): a client still writing
    /// its body would otherwise see its connection closed under it
    /// (`write: broken pipe`) instead of the refusal.
    async fn refuse_drained(
        &self,
        body: &mut Incoming,
        rec: &mut Record,
        status: StatusCode,
        message: String,
    ) -> Response<ProxyBody> {
        let _ = tokio::time::timeout(DRAIN_TIMEOUT, Limited::new(body, MAX_JUDGED_BODY).collect())
            .await;
        self.refuse(rec, status, message)
    }

    async fn route(
        self: &Arc<Self>,
        guard: &Arc<Guard>,
        client: Option<&ProxyClient>,
        peer: &Peer,
        mut req: Request<Incoming>,
        rec: &mut Record,
    ) -> Response<ProxyBody> {
        let upgrading = is_upgrade(req.headers());
        let client_upgrade = upgrading.then(|| hyper::upgrade::on(&mut req));
        let (parts, mut body) = req.into_parts();
        let uri = parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_string(), |p| p.as_str().to_string());
        let api = ApiRequest::parse(parts.method.as_str(), &uri);
        let who = peer.describe();
        let Some(client) = client else {
            let hint = match (&peer.cert, peer.address, &peer.container, peer.uid) {
                (Some(c), _, _, _) => match (&c.common_name, c.dns.first()) {
                    (Some(n), _) | (None, Some(n)) => format!("cert = \"{n}\""),
                    (None, None) => "default = true".to_string(),
                },
                (None, Some(a), _, _) => format!("address = \"{}\"", a.ip()),
                (None, None, Some(c), _) => {
                    format!("container = \"{}\"", c.get(..12).unwrap_or(c))
                }
                (None, None, None, Some(u)) => format!("uid = {u}"),
                (None, None, None, None) => "default = true".to_string(),
            };
            return self
                .refuse_drained(
                    &mut body,
                    rec,
                    StatusCode::FORBIDDEN,
                    format!(
                        "drydock guard: {who} may not {} {} (no client entry in {POLICY_FILE}); add [[proxy.clients]] name = \"…\", {hint}, grants = [\"{} {}\"] (or a profile) to {POLICY_FILE}",
                        api.method, api.path, api.method, api.path
                    ),
                )
                .await;
        };
        let name = &client.name;

        // `.`/`..` or empty segments: the daemon's router would clean them
        // into another path than the one granted.
        let segs: Vec<&str> = api.path.split('/').skip(1).collect();
        let last = segs.len().saturating_sub(1);
        if segs
            .iter()
            .enumerate()
            .any(|(i, s)| *s == "." || *s == ".." || (s.is_empty() && i != last))
        {
            return self
                .refuse_drained(
                    &mut body,
                    rec,
                    StatusCode::BAD_REQUEST,
                    format!(
                        "drydock guard: {} {} has empty, `.` or `..` path segments; refused",
                        api.method, api.path
                    ),
                )
                .await;
        }

        let Some(grant) = client.grant_for(&api.method, &api.path) else {
            let profile = client
                .profile
                .as_ref()
                .map(|p| format!(", profile = \"{p}\""))
                .unwrap_or_default();
            return self
                .refuse_drained(
                    &mut body,
                    rec,
                    StatusCode::FORBIDDEN,
                    format!(
                        "drydock guard: {name} may not {} {} (no grant in {POLICY_FILE}); {name} is {who}, matched by [[proxy.clients]] name = \"{name}\"{profile} (line {}). If it needs this, add \"{} {}\" to its grants.",
                        api.method,
                        api.path,
                        client.line,
                        api.method,
                        grant_pattern(&api.path)
                    ),
                )
                .await;
        };
        rec.grant = Some(grant.to_string());

        // A client with a `visible…` filter sees nothing of other objects:
        // a request about one is refused as if it did not exist.
        let filters = Filters::of(client);
        let mut about: Vec<(Kind, String)> = Vec::new();
        if let Some((kind, id)) = target(&api.method, &api.path) {
            about.push((kind, id.to_string()));
        }
        if api.path.trim_end_matches('/') == "/images/get" {
            // `docker save a b`: every image it names.
            about.extend(
                api.query
                    .iter()
                    .filter(|(k, _)| k == "names")
                    .map(|(_, v)| (Kind::Image, v.clone())),
            );
        }
        for (kind, id) in about {
            let Some(vis) = filters.get(kind) else {
                continue;
            };
            if let Err((status, msg)) = self.check_visible(name, kind, &id, vis).await {
                return self.refuse_drained(&mut body, rec, status, msg).await;
            }
        }

        // Judged requests: the same decision as the plugin's, on the
        // bodies the plugin judges (create, exec, update, services, plugin
        // install), whatever trailing slash the path has (the daemon would
        // 404 it, but a request is never forwarded unjudged on that account).
        let judged_body = crate::request::needs_body(&api.method, &api.path);
        let mut body_bytes = None;
        let mut judging = Duration::ZERO;
        let decision = if judged_body {
            let body = tokio::time::timeout(
                BODY_TIMEOUT,
                Limited::new(&mut body, MAX_JUDGED_BODY).collect(),
            )
            .await;
            let bytes = match body {
                Ok(Ok(b)) => b.to_bytes(),
                Ok(Err(e)) => {
                    let too_big = e
                        .downcast_ref::<http_body_util::LengthLimitError>()
                        .is_some();
                    let (status, why) = if too_big {
                        (
                            StatusCode::PAYLOAD_TOO_LARGE,
                            format!("the request body is over {} MiB", MAX_JUDGED_BODY >> 20),
                        )
                    } else {
                        (
                            StatusCode::BAD_REQUEST,
                            format!("the request body could not be read: {e}"),
                        )
                    };
                    let d = Decision::cannot_judge(&format!("{} {}: {why}", api.method, api.path));
                    let msg = d.message.clone();
                    if let Some(m) = &self.state.metrics {
                        m.decision("proxy", &d, Outcome::Unjudged, Duration::ZERO);
                    }
                    rec.decision = Some(d);
                    return self.refuse(rec, status, msg);
                }
                Err(_) => {
                    let d = Decision::cannot_judge(&format!(
                        "{} {}: the request body was not sent within {} s",
                        api.method,
                        api.path,
                        BODY_TIMEOUT.as_secs()
                    ));
                    let msg = d.message.clone();
                    if let Some(m) = &self.state.metrics {
                        m.decision("proxy", &d, Outcome::Unjudged, Duration::ZERO);
                    }
                    rec.decision = Some(d);
                    return self.refuse(rec, StatusCode::REQUEST_TIMEOUT, msg);
                }
            };
            let d = if bytes.iter().all(u8::is_ascii_whitespace) {
                Decision::cannot_judge(&format!(
                    "{} {}: the request has no body to judge",
                    api.method, api.path
                ))
            } else {
                // Rules read the filesystem (bind sources, /proc): off the
                // reactor; a panic denies.
                let g = guard.clone();
                let (m, u, b) = (api.method.clone(), uri.clone(), bytes.clone());
                let who = client.name.clone();
                let t = Instant::now();
                let d = tokio::task::spawn_blocking(move || g.decide_for(Some(&who), &m, &u, &b))
                    .await
                    .unwrap_or_else(|_| {
                        Decision::cannot_judge("the guard failed while judging this request")
                    });
                judging = t.elapsed();
                d
            };
            body_bytes = Some(bytes);
            d
        } else {
            let t = Instant::now();
            let d = guard.decide_for(Some(&client.name), &api.method, &uri, b"");
            judging = t.elapsed();
            d
        };
        // `--fail-open`, and the decision's metrics.
        let mut decision = decision;
        rec.fail_open = self.state.settle("proxy", &mut decision, judging) == Outcome::FailOpen;
        let allow = decision.allow;
        let message = decision.message.clone();
        rec.decision = Some(decision);
        if !allow {
            return self
                .refuse_drained(&mut body, rec, StatusCode::FORBIDDEN, message)
                .await;
        }
        rec.allow = true;

        // Forward.
        let mut headers = parts.headers;
        strip_hop_by_hop(&mut headers, upgrading);
        let body = match body_bytes {
            Some(b) => {
                headers.insert(header::CONTENT_LENGTH, HeaderValue::from(b.len()));
                full(b)
            }
            None => body.boxed(),
        };
        let get = api.method == "GET";
        let redact = get
            && client.redact_env
            && matches!(segs.as_slice(), ["containers", id, "json"] if *id != "json");
        let rewrite = if !get {
            None
        } else if let Some((kind, vis)) =
            list_kind(&api.path).and_then(|k| filters.get(k).map(|v| (k, v)))
        {
            Some(Rewrite::List(kind, vis))
        } else if api.path.trim_end_matches('/') == "/system/df" && !filters.is_empty() {
            Some(Rewrite::SystemDf)
        } else if redact {
            Some(Rewrite::RedactEnv)
        } else {
            None
        };
        let filter_events = get && api.path == "/events" && !filters.is_empty();
        if rewrite.is_some() {
            // The daemon does not compress, but a filtered body must be read.
            headers.remove(header::ACCEPT_ENCODING);
        }
        let mut up = Request::new(body);
        *up.method_mut() = parts.method;
        *up.uri_mut() = match uri.parse() {
            Ok(u) => u,
            Err(_) => {
                return self.refuse(
                    rec,
                    StatusCode::BAD_REQUEST,
                    format!("drydock guard: `{uri}` is not a request target"),
                );
            }
        };
        *up.headers_mut() = headers;
        if !up.headers().contains_key(header::HOST) {
            up.headers_mut()
                .insert(header::HOST, HeaderValue::from_static("docker"));
        }
        let log_stream = get && is_log_stream(&segs);
        let mut resp = match self.send(up).await {
            Ok(r) => r,
            Err(e) => {
                rec.allow = true;
                rec.upstream_error = true;
                let msg = self.upstream_error(&e);
                rec.message = Some(msg.clone());
                return json_response(StatusCode::BAD_GATEWAY, &msg);
            }
        };

        if resp.status() == StatusCode::SWITCHING_PROTOCOLS {
            let Some(client_up) = client_upgrade else {
                return self.refuse(
                    rec,
                    StatusCode::BAD_GATEWAY,
                    "drydock guard: the daemon switched protocols on a request that did not ask to"
                        .into(),
                );
            };
            let upstream_up = hyper::upgrade::on(&mut resp);
            tokio::spawn(async move {
                let (c, u) = tokio::join!(client_up, upstream_up);
                if let (Ok(c), Ok(u)) = (c, u) {
                    let mut c = TokioIo::new(c);
                    let mut u = TokioIo::new(u);
                    let _ = tokio::io::copy_bidirectional(&mut c, &mut u).await;
                }
            });
            let (mut parts, _) = resp.into_parts();
            strip_hop_by_hop(&mut parts.headers, true);
            return Response::from_parts(parts, full(Bytes::new()));
        }

        let ok = resp.status() == StatusCode::OK;
        let (mut parts, body) = resp.into_parts();
        strip_hop_by_hop(&mut parts.headers, false);
        if ok && let Some(rewrite) = rewrite {
            let raw = match Limited::new(body, MAX_FILTERED_RESPONSE).collect().await {
                Ok(b) => b.to_bytes(),
                Err(e) => {
                    return self.refuse(
                        rec,
                        StatusCode::BAD_GATEWAY,
                        format!("drydock guard: the daemon's response could not be read to filter it, so it is withheld: {e}"),
                    );
                }
            };
            let out = match rewrite {
                Rewrite::List(kind, vis) => filter_list(kind, &raw, vis),
                Rewrite::SystemDf => filter_system_df(&raw, &filters),
                Rewrite::RedactEnv => redact_inspect(&raw),
            };
            return match out {
                Ok(out) => {
                    parts
                        .headers
                        .insert(header::CONTENT_LENGTH, HeaderValue::from(out.len()));
                    Response::from_parts(parts, full(out))
                }
                Err(e) => self.refuse(
                    rec,
                    StatusCode::BAD_GATEWAY,
                    format!("drydock guard: the daemon's response cannot be filtered, so it is withheld: {e}"),
                ),
            };
        }
        if ok && filter_events {
            parts.headers.remove(header::CONTENT_LENGTH);
            return Response::from_parts(parts, EventFilter::new(body, filters).boxed());
        }
        if ok && log_stream {
            // A line per chunk from the daemon: forwarded in batches.
            return Response::from_parts(parts, Coalesce::new(body).boxed());
        }
        Response::from_parts(parts, body.boxed())
    }

    fn record(&self, client: Option<&ProxyClient>, peer: &Peer, rec: &Record) {
        let client = client.map(|c| c.name.clone());
        let mut line = json!({
            "time": now_rfc3339(),
            "client": client,
            "uid": peer.uid,
            "gid": peer.gid,
            "pid": peer.pid,
            "container": peer.container,
            "address": peer.address.map(|a| a.to_string()),
            "cert": peer.cert.as_ref().map(CertNames::describe),
            "method": rec.method,
            "path": rec.path,
            "allow": rec.allow,
            "status": rec.status,
            "grant": rec.grant,
            "rules": rec.decision.as_ref().map(|d| d.rules_fired()).unwrap_or_default(),
            "findings": rec.decision.as_ref().map(findings_json).unwrap_or_default(),
        });
        if let Some(m) = &rec.message {
            line["message"] = json!(m);
        }
        if rec.fail_open {
            line["fail_open"] = json!(true);
            if let Some(d) = &rec.decision {
                line["message"] = json!(d.message);
            }
        }
        self.state.log.write(&line);
    }
}

/// Serves HTTP on one accepted connection, whatever its transport (a
/// unix socket, TCP, TLS over TCP), for the peer it was identified as.
async fn serve_connection<S>(proxy: Arc<Proxy>, peer: Peer, stream: S)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let peer = Arc::new(peer);
    let metrics = proxy.state.metrics.clone();
    if let Some(m) = &metrics {
        m.connection(1);
    }
    let svc = hyper::service::service_fn(move |req| proxy.clone().handle(peer.clone(), req));
    let _ = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .serve_connection(TokioIo::new(stream), svc)
        .with_upgrades()
        .await;
    if let Some(m) = &metrics {
        m.connection(-1);
    }
}

/// Serves the proxy on a bound unix listener until the process ends.
pub async fn serve(listener: UnixListener, proxy: Arc<Proxy>) -> std::io::Result<()> {
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("drydock guard: accept: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let proxy = proxy.clone();
        tokio::spawn(async move {
            let peer = proxy.identify(&stream).await;
            serve_connection(proxy, peer, stream).await;
        });
    }
}

/// Serves the proxy on a bound TCP listener until the process ends: with
/// TLS when `tls` is given (a client that does not finish its handshake
/// within the header timeout is disconnected; one whose certificate the
/// CA does not vouch for is refused by the handshake itself).
pub async fn serve_tcp(
    listener: std::net::TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    proxy: Arc<Proxy>,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let listener = TcpListener::from_std(listener)?;
    let tls = tls.map(TlsAcceptor::from);
    loop {
        let (stream, address) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("drydock guard: accept: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let proxy = proxy.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let Some(acceptor) = tls else {
                let peer = proxy.identify_tcp(address, None);
                serve_connection(proxy, peer, stream).await;
                return;
            };
            let stream = match tokio::time::timeout(HEADER_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    eprintln!("drydock guard: TLS handshake with {address} failed: {e}");
                    return;
                }
                Err(_) => {
                    eprintln!("drydock guard: TLS handshake with {address} timed out");
                    return;
                }
            };
            let cert = stream
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .and_then(|c| cert_names(c.as_ref()));
            let peer = proxy.identify_tcp(address, cert);
            serve_connection(proxy, peer, stream).await;
        });
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::policy::Policy;

    const ID: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn cgroup_v1_and_v2_paths() {
        let v1 =
            format!("12:pids:/docker/{ID}\n11:memory:/docker/{ID}\n1:name=systemd:/docker/{ID}\n");
        assert_eq!(container_of_cgroup(&v1).as_deref(), Some(ID));
        let v2_systemd = format!("0::/system.slice/docker-{ID}.scope\n");
        assert_eq!(container_of_cgroup(&v2_systemd).as_deref(), Some(ID));
        let v1_systemd = format!("1:name=systemd:/system.slice/docker-{ID}.scope\n");
        assert_eq!(container_of_cgroup(&v1_systemd).as_deref(), Some(ID));
        let v2_cgroupfs = format!("0::/docker/{ID}\n");
        assert_eq!(container_of_cgroup(&v2_cgroupfs).as_deref(), Some(ID));
        // Nested: the outermost container.
        let inner = "f".repeat(64);
        let nested = format!("0::/docker/{ID}/docker/{inner}\n");
        assert_eq!(container_of_cgroup(&nested).as_deref(), Some(ID));
        // Not containers: the host, a user session, a short or odd ID.
        for t in [
            "0::/\n",
            "0::/user.slice/user-1000.slice/session-3.scope\n",
            "12:pids:/docker/0123\n",
            "0::/system.slice/docker.service\n",
            "garbage",
            "",
        ] {
            assert_eq!(container_of_cgroup(t), None, "{t}");
        }
    }

    fn policy(text: &str) -> Policy {
        Policy::parse(text).unwrap()
    }

    #[test]
    fn clients_by_uid_container_and_default() {
        let p = policy(&format!(
            r#"
[[proxy.clients]]
name = "root"
uid = 0
grants = ["* /**"]

[[proxy.clients]]
name = "traefik"
container = "traefik"
profile = "traefik"

[[proxy.clients]]
name = "byid"
container = "{}"
profile = "read-only"

[[proxy.clients]]
name = "others"
default = true
grants = ["GET /version"]
"#,
            &ID[..12]
        ));
        let c = &p.proxy.clients;
        let name = |i: Option<usize>| i.map(|i| c[i].name.as_str());
        assert_eq!(name(match_client(c, Some(0), None, None)), Some("root"));
        assert_eq!(name(match_client(c, Some(7), None, None)), Some("others"));
        let other = "a".repeat(64);
        assert_eq!(
            name(match_client(c, Some(0), Some(&other), Some("/traefik"))),
            Some("traefik")
        );
        assert_eq!(
            name(match_client(c, Some(0), Some(ID), Some("/web"))),
            Some("byid")
        );
        // Root in an unnamed container is not the host's root.
        assert_eq!(
            name(match_client(c, Some(0), Some(&other), Some("/web"))),
            Some("others")
        );
        let no_default = policy("[[proxy.clients]]\nname = \"a\"\nuid = 1\ngrants = []\n");
        assert_eq!(
            match_client(&no_default.proxy.clients, Some(2), None, None),
            None
        );
    }

    #[test]
    fn tcp_clients_by_cert_then_address_then_default() {
        let p = policy(
            r#"
[[proxy.clients]]
name = "root"
uid = 0
grants = ["* /**"]

[[proxy.clients]]
name = "lan"
address = "10.0.0.0/8"
grants = ["GET /info"]

[[proxy.clients]]
name = "host7"
address = "10.0.0.7"
grants = ["GET /info"]

[[proxy.clients]]
name = "ci"
cert = "ci-runner"
grants = ["GET /info"]

[[proxy.clients]]
name = "web"
cert = "web.example.com"
grants = ["GET /info"]

[[proxy.clients]]
name = "others"
default = true
grants = ["GET /version"]
"#,
        );
        let c = &p.proxy.clients;
        let name = |i: Option<usize>| i.map(|i| c[i].name.as_str());
        let cert = |cn: Option<&str>, dns: &[&str]| CertNames {
            common_name: cn.map(str::to_string),
            dns: dns.iter().map(|d| d.to_string()).collect(),
        };
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        // A certificate first, whatever the address.
        let ci = cert(Some("ci-runner"), &[]);
        assert_eq!(
            name(match_tcp_client(c, ip("10.0.0.7"), Some(&ci))),
            Some("ci")
        );
        let web = cert(Some("x"), &["web.example.com"]);
        assert_eq!(
            name(match_tcp_client(c, ip("127.0.0.1"), Some(&web))),
            Some("web")
        );
        // Then the most specific address block.
        let other = cert(Some("nobody"), &[]);
        assert_eq!(
            name(match_tcp_client(c, ip("10.0.0.7"), Some(&other))),
            Some("host7")
        );
        assert_eq!(name(match_tcp_client(c, ip("10.9.9.9"), None)), Some("lan"));
        // Then the default; a uid entry never matches a TCP peer.
        assert_eq!(
            name(match_tcp_client(c, ip("127.0.0.1"), None)),
            Some("others")
        );
        let no_default = policy("[[proxy.clients]]\nname = \"a\"\nuid = 0\ngrants = []\n");
        assert_eq!(
            match_tcp_client(&no_default.proxy.clients, ip("127.0.0.1"), None),
            None
        );
        // And TCP entries never match a unix peer.
        let tcp_only = policy(
            "[[proxy.clients]]\nname = \"a\"\naddress = \"0.0.0.0/0\"\ngrants = []\n[[proxy.clients]]\nname = \"b\"\ncert = \"0\"\ngrants = []\n",
        );
        assert_eq!(
            match_client(&tcp_only.proxy.clients, Some(0), None, None),
            None
        );
        let p = Peer {
            address: Some("10.0.0.7:5000".parse().unwrap()),
            cert: Some(ci),
            ..Peer::default()
        };
        assert_eq!(p.describe(), "certificate CN=ci-runner (10.0.0.7:5000)");
        let p = Peer {
            address: Some("10.0.0.7:5000".parse().unwrap()),
            ..Peer::default()
        };
        assert_eq!(p.describe(), "address 10.0.0.7:5000");
    }

    #[test]
    fn grants_with_version_prefix_stripped() {
        let p = policy(
            r#"
[[proxy.clients]]
name = "t"
default = true
grants = ["GET /containers/json", "GET /containers/*/json", "* /containers/*/logs", "POST /containers/{create,*/start}", "DELETE /images/**"]
"#,
        );
        let c = &p.proxy.clients[0];
        let ok = |m: &str, uri: &str| {
            let r = ApiRequest::parse(m, uri);
            c.grant_for(&r.method, &r.path).is_some()
        };
        assert!(ok("GET", "/v1.41/containers/json?all=1"));
        assert!(ok("HEAD", "/containers/json"));
        assert!(ok("GET", "/v1.47/containers/web/json"));
        assert!(!ok("GET", "/v1.47/containers/web/archive"));
        assert!(!ok("GET", "/containers/a/b/json"));
        assert!(ok("GET", "/v1.41/containers/web/logs?follow=1"));
        assert!(ok("POST", "/containers/web/logs"));
        assert!(ok("POST", "/v1.41/containers/create?name=x"));
        assert!(ok("POST", "/v1.41/containers/x/start"));
        assert!(!ok("POST", "/v1.41/containers/x/stop"));
        assert!(ok("DELETE", "/v1.41/images/docker.io/library/busybox:1"));
        assert!(!ok("DELETE", "/v1.41/containers/x"));
        // _ping always.
        assert!(ok("HEAD", "/_ping"));
        assert!(ok("GET", "/v1.41/_ping"));
        assert!(!ok("POST", "/_ping"));
        // A version-looking first segment is stripped; `/volumes` is not one.
        let p = policy(
            "[[proxy.clients]]\nname = \"t\"\ndefault = true\ngrants = [\"GET /volumes\"]\n",
        );
        let r = ApiRequest::parse("GET", "/v1.24/volumes");
        assert!(p.proxy.clients[0].grant_for(&r.method, &r.path).is_some());
    }

    #[test]
    fn profiles_parse_and_grant() {
        for (name, grants, _) in crate::policy::PROFILES {
            for g in *grants {
                assert!(crate::policy::Grant::parse(g).is_ok(), "{name}: {g}");
            }
            let p = policy(&format!(
                "[[proxy.clients]]\nname = \"x\"\ndefault = true\nprofile = \"{name}\"\n"
            ));
            assert_eq!(p.proxy.clients[0].grants.len(), grants.len());
        }
        let p = policy("[[proxy.clients]]\nname = \"t\"\ndefault = true\nprofile = \"traefik\"\n");
        let c = &p.proxy.clients[0];
        assert!(c.redact_env);
        assert!(c.grant_for("GET", "/containers/json").is_some());
        assert!(c.grant_for("GET", "/networks/abc").is_some());
        assert!(c.grant_for("POST", "/containers/create").is_none());
        assert!(c.grant_for("GET", "/containers/x/logs").is_none());
        let p = policy(
            "[[proxy.clients]]\nname = \"w\"\ndefault = true\nprofile = \"watchtower\"\nredact-env = true\n",
        );
        let c = &p.proxy.clients[0];
        assert!(c.redact_env);
        assert!(c.grant_for("POST", "/images/create").is_some());
        assert!(c.grant_for("POST", "/containers/x/rename").is_some());
        assert!(c.grant_for("POST", "/containers/x/exec").is_none());
    }

    #[test]
    fn patterns_for_refusals() {
        assert_eq!(grant_pattern("/containers/web/logs"), "/containers/*/logs");
        assert_eq!(grant_pattern("/containers/web"), "/containers/*");
        assert_eq!(grant_pattern("/containers/json"), "/containers/json");
        assert_eq!(
            grant_pattern("/images/docker.io/library/bb:1/json"),
            "/images/**/json"
        );
        assert_eq!(grant_pattern("/images/bb:1"), "/images/**");
        assert_eq!(grant_pattern("/images/json"), "/images/json");
        assert_eq!(grant_pattern("/exec/abc/start"), "/exec/*/start");
        assert_eq!(grant_pattern("/info"), "/info");
    }

    #[test]
    fn hop_by_hop_headers() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONNECTION,
            HeaderValue::from_static("Upgrade, X-Secret"),
        );
        h.insert(header::UPGRADE, HeaderValue::from_static("tcp"));
        h.insert("x-secret", HeaderValue::from_static("1"));
        h.insert(
            header::TRANSFER_ENCODING,
            HeaderValue::from_static("chunked"),
        );
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        assert!(is_upgrade(&h));
        let mut up = h.clone();
        strip_hop_by_hop(&mut up, true);
        assert_eq!(up.get(header::UPGRADE).unwrap(), "tcp");
        assert_eq!(up.get(header::CONNECTION).unwrap(), "Upgrade");
        assert!(up.get("x-secret").is_none());
        assert!(up.get(header::TRANSFER_ENCODING).is_none());
        strip_hop_by_hop(&mut h, false);
        assert!(h.get(header::UPGRADE).is_none() && h.get(header::CONNECTION).is_none());
        assert!(h.get(header::CONTENT_TYPE).is_some());
    }

    proptest::proptest! {
        #[test]
        fn parsers_never_panic(
            text in "\\PC{0,200}",
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
        ) {
            let _ = container_of_cgroup(&text);
            let _ = container_of_cgroup(&String::from_utf8_lossy(&bytes));
            let _ = grant_pattern(&text);
            let _ = crate::policy::Grant::parse(&text);
        }
    }

    #[test]
    fn peers_describe_themselves() {
        let p = Peer {
            uid: Some(1000),
            pid: Some(42),
            ..Peer::default()
        };
        assert_eq!(p.describe(), "uid 1000 (pid 42)");
        let p = Peer {
            uid: Some(0),
            pid: Some(7),
            container: Some(ID.into()),
            container_name: Some("/web".into()),
            ..Peer::default()
        };
        assert_eq!(p.describe(), "container 0123456789ab (`web`, uid 0, pid 7)");
    }
}
