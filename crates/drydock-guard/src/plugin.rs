//! The Docker authorization plugin protocol over a unix socket:
//!
//! * `POST /Plugin.Activate` → `{"Implements": ["authz"]}`;
//! * `POST /AuthZPlugin.AuthZReq` with the request the daemon is about to
//!   serve (`User`, `UserAuthNMethod`, `RequestMethod`, `RequestUri`,
//!   `RequestBody` in base64, `RequestHeaders`) → `{"Allow", "Msg", "Err"}`;
//! * `POST /AuthZPlugin.AuthZRes` → allowed (responses are not judged).
//!
//! The daemon sends its bodies without a `Content-Type`; any is accepted.
//! A request body over [`MAX_BODY`], one that is not the protocol's JSON,
//! or one the guard cannot judge is denied with the reason. One JSON line
//! per decision goes to the log.

use std::convert::Infallible;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde::Deserialize;
use serde_json::json;
use tokio::net::UnixListener;

use crate::decision::{Decision, Verdict};
pub use crate::log::DecisionLog;
use crate::metrics::Outcome;
use crate::state::State;

/// The largest protocol message read. The daemon passes request bodies
/// under 1 MiB only, so 16 MiB of base64 and headers is far beyond any
/// honest message.
pub const MAX_BODY: usize = 16 << 20;

/// How long a client may take to send its headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a client may take to send its body.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);

const CONTENT_TYPE: &str = "application/vnd.docker.plugins.v1+json";

/// The message of `/AuthZPlugin.AuthZReq` (moby's `authorization.Request`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AuthzRequest {
    #[serde(rename = "User")]
    pub user: String,
    #[serde(rename = "UserAuthNMethod")]
    pub user_authn_method: String,
    #[serde(rename = "RequestMethod")]
    pub method: String,
    /// `RequestUri` as the daemon writes it (`RequestURI` accepted too).
    #[serde(rename = "RequestUri", alias = "RequestURI")]
    pub uri: String,
    /// Base64, as Go encodes a `[]byte`; `null` or absent: no body.
    #[serde(rename = "RequestBody")]
    pub body: Option<String>,
}

/// The plugin: the guard in force, its log and metrics.
pub struct Plugin {
    pub state: Arc<State>,
}

impl Plugin {
    /// Answers one `/AuthZPlugin.AuthZReq` message (its raw JSON): the
    /// response JSON. Never panics; whatever cannot be judged is denied
    /// (allowed, loudly, under `--fail-open`).
    pub fn authz_request(&self, raw: &[u8]) -> serde_json::Value {
        let t0 = Instant::now();
        let (req, d) = self.decide(raw);
        self.finish(&req, d, t0)
    }

    fn decide(&self, raw: &[u8]) -> (AuthzRequest, Decision) {
        let req: AuthzRequest = match serde_json::from_slice(raw) {
            Ok(r) => r,
            Err(e) => {
                let d = Decision::cannot_judge(&format!(
                    "the daemon's authorization request is not valid JSON: {e}"
                ));
                return (AuthzRequest::default(), d);
            }
        };
        if req.method.is_empty() || req.uri.is_empty() {
            let d =
                Decision::cannot_judge("the daemon's authorization request names no method or URI");
            return (req, d);
        }
        let body = match req.body.as_deref().filter(|b| !b.is_empty()) {
            None => Ok(Vec::new()),
            Some(b) => base64::engine::general_purpose::STANDARD.decode(b),
        };
        let d = match body {
            Err(e) => Decision::cannot_judge(&format!("the request body is not valid base64: {e}")),
            Ok(body) => {
                // The guard in force when the request arrived (a reload
                // replaces it for later requests).
                let guard = self.state.guard();
                // Defence in depth: a bug must deny, not take the plugin down.
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    // `[[exceptions]] client` matches the user the daemon
                    // authenticated (a TLS client certificate's CN); none
                    // over the unix socket.
                    let user = Some(req.user.as_str()).filter(|u| !u.is_empty());
                    guard.decide_for(user, &req.method, &req.uri, &body)
                }))
                .unwrap_or_else(|_| {
                    Decision::cannot_judge("the guard failed while judging this request")
                })
            }
        };
        (req, d)
    }

    /// `--fail-open`, the metrics and the log line of a decision; the
    /// answer to the daemon.
    fn finish(&self, req: &AuthzRequest, mut d: Decision, t0: Instant) -> serde_json::Value {
        let outcome = self.state.settle("plugin", &mut d, t0.elapsed());
        let (path, _) = req.uri.split_once('?').unwrap_or((req.uri.as_str(), ""));
        let findings = findings_json(&d);
        let mut line = json!({
            "time": now_rfc3339(),
            "user": req.user,
            "method": req.method,
            "path": path,
            "allow": d.allow,
            "rules": d.rules_fired(),
            "findings": findings,
        });
        if !d.allow || outcome == Outcome::FailOpen {
            line["message"] = json!(d.message);
        }
        if outcome == Outcome::FailOpen {
            line["fail_open"] = json!(true);
        }
        self.state.log.write(&line);
        response(&d)
    }
}

/// The findings of a decision as the log writes them.
pub fn findings_json(d: &Decision) -> Vec<serde_json::Value> {
    d.findings
        .iter()
        .map(|f| {
            let mut v = json!({
                "rule": f.rule,
                "verdict": f.verdict.as_str(),
                "field": f.path,
                "message": f.message,
            });
            if let Some(s) = f.severity {
                v["severity"] = json!(s.to_string());
            }
            if let Verdict::Excepted(reason) = &f.verdict {
                v["exception"] = json!(reason);
            }
            v
        })
        .collect()
}

fn response(d: &Decision) -> serde_json::Value {
    json!({"Allow": d.allow, "Msg": d.message, "Err": ""})
}

fn reply(status: StatusCode, v: &serde_json::Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(v.to_string())));
    *r.status_mut() = status;
    if let Ok(ct) = hyper::header::HeaderValue::from_str(CONTENT_TYPE) {
        r.headers_mut().insert(hyper::header::CONTENT_TYPE, ct);
    }
    r
}

async fn handle(
    plugin: Arc<Plugin>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let t0 = Instant::now();
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let body = tokio::time::timeout(
        BODY_TIMEOUT,
        Limited::new(req.into_body(), MAX_BODY).collect(),
    )
    .await;
    let raw = match body {
        Ok(Ok(b)) => b.to_bytes(),
        Err(_) => {
            let d = Decision::cannot_judge(&format!(
                "the authorization request was not sent within {} s",
                BODY_TIMEOUT.as_secs()
            ));
            let v = if path == "/AuthZPlugin.AuthZReq" {
                plugin.finish(&AuthzRequest::default(), d, t0)
            } else {
                response(&d)
            };
            return Ok(reply(StatusCode::OK, &v));
        }
        Ok(Err(e)) => {
            let d = Decision::cannot_judge(&format!(
                "the authorization request could not be read (over {} MiB?): {e}",
                MAX_BODY >> 20
            ));
            let v = if path == "/AuthZPlugin.AuthZReq" {
                plugin.finish(&AuthzRequest::default(), d, t0)
            } else {
                response(&d)
            };
            return Ok(reply(StatusCode::OK, &v));
        }
    };
    if method != Method::POST {
        return Ok(reply(
            StatusCode::METHOD_NOT_ALLOWED,
            &json!({"Err": "the plugin protocol uses POST"}),
        ));
    }
    let v = match path.as_str() {
        "/Plugin.Activate" => json!({"Implements": ["authz"]}),
        "/AuthZPlugin.AuthZReq" => {
            let p = plugin.clone();
            // Rules run synchronously and read the filesystem (bind
            // sources, /proc): off the reactor.
            match tokio::task::spawn_blocking(move || p.authz_request(&raw)).await {
                Ok(v) => v,
                Err(_) => response(&Decision::cannot_judge(
                    "the guard failed while judging this request",
                )),
            }
        }
        "/AuthZPlugin.AuthZRes" => json!({"Allow": true, "Msg": "", "Err": ""}),
        _ => {
            return Ok(reply(
                StatusCode::NOT_FOUND,
                &json!({"Err": format!("unknown plugin endpoint {path}")}),
            ));
        }
    };
    Ok(reply(StatusCode::OK, &v))
}

/// Binds the plugin's socket: a stale socket file (no one listening) is
/// replaced; a live one is an error.
pub fn bind(socket: &Path) -> std::io::Result<UnixListener> {
    if let Some(dir) = socket.parent() {
        std::fs::create_dir_all(dir)?;
    }
    if socket.exists() {
        if std::os::unix::net::UnixStream::connect(socket).is_ok() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AddrInUse,
                format!("{} is in use by a running server", socket.display()),
            ));
        }
        std::fs::remove_file(socket)?;
    }
    UnixListener::bind(socket)
}

/// Serves the plugin protocol on a bound listener until the process ends.
pub async fn serve(listener: UnixListener, plugin: Arc<Plugin>) -> std::io::Result<()> {
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                // Out of file descriptors and the like: wait, go on.
                eprintln!("drydock guard: accept: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let plugin = plugin.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| handle(plugin.clone(), req));
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` now (the civil date by Howard Hinnant's
/// days-from-civil inverse).
pub fn now_rfc3339() -> String {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    drydock_core::time::format_rfc3339_millis(millis)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::policy::Policy;
    use proptest::prelude::*;
    use std::io::Write;
    use std::sync::Mutex;

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn plugin() -> (Plugin, Buf) {
        let buf = Buf::default();
        let p = Plugin {
            state: Arc::new(State::with_proc(
                Policy::default(),
                None,
                "drydock-guard",
                DecisionLog::to_writer(Box::new(buf.clone())),
                "/nonexistent",
            )),
        };
        (p, buf)
    }

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    #[test]
    fn authz_request_as_dockerd_sends_it() {
        let (p, log) = plugin();
        let msg = json!({
            "User": "", "UserAuthNMethod": "", "RequestMethod": "POST",
            "RequestUri": "/v1.41/containers/create?name=x",
            "RequestBody": b64(r#"{"Image":"busybox","HostConfig":{"Privileged":true}}"#),
            "RequestHeaders": {"Content-Type": "application/json"},
            "RequestPeerCertificates": null
        });
        let r = p.authz_request(msg.to_string().as_bytes());
        assert_eq!(r["Allow"], false);
        assert!(r["Msg"].as_str().unwrap().contains("CTR001"), "{r}");
        assert_eq!(r["Err"], "");
        let line: serde_json::Value =
            serde_json::from_slice(log.0.lock().unwrap().split(|b| *b == b'\n').next().unwrap())
                .unwrap();
        assert_eq!(line["allow"], false);
        assert_eq!(line["method"], "POST");
        assert_eq!(line["path"], "/v1.41/containers/create");
        assert!(line["rules"].as_array().unwrap().contains(&json!("CTR001")));
        assert!(line["time"].as_str().unwrap().ends_with('Z'));
    }

    #[test]
    fn self_protection_at_the_protocol_level() {
        let (p, _) = plugin();
        for (m, uri) in [
            ("POST", "/v1.41/plugins/drydock-guard:latest/disable"),
            ("DELETE", "/v1.41/plugins/drydock-guard:latest?force=0"),
        ] {
            let msg = json!({"User": "", "RequestMethod": m, "RequestURI": uri});
            let r = p.authz_request(msg.to_string().as_bytes());
            assert_eq!(r["Allow"], false, "{m} {uri}");
            assert!(r["Msg"].as_str().unwrap().contains("guard-self-protection"));
        }
    }

    #[test]
    fn bad_messages_are_denied() {
        let (p, _) = plugin();
        for raw in [
            &b"not json"[..],
            b"[]",
            br#"{"RequestMethod":"POST","RequestUri":"/containers/create","RequestBody":"%%%"}"#,
            br#"{"RequestMethod":"POST","RequestUri":"/containers/create"}"#,
        ] {
            let r = p.authz_request(raw);
            assert_eq!(r["Allow"], false, "{}", String::from_utf8_lossy(raw));
            assert!(
                r["Msg"]
                    .as_str()
                    .unwrap()
                    .starts_with("drydock guard: denied")
            );
        }
        // Other requests pass, with or without a body.
        let r = p.authz_request(br#"{"RequestMethod":"GET","RequestUri":"/_ping"}"#);
        assert_eq!(r["Allow"], true);
    }

    #[test]
    fn dates() {
        let t = now_rfc3339();
        assert_eq!((t.len(), &t[10..11], &t[19..20]), (24, "T", "."), "{t}");
        assert!(drydock_core::time::parse_rfc3339(&t).is_some(), "{t}");
    }

    proptest! {
        #[test]
        fn never_panics(raw in proptest::collection::vec(any::<u8>(), 0..300)) {
            let (p, _) = plugin();
            let r = p.authz_request(&raw);
            prop_assert!(r["Allow"].is_boolean());
        }

        #[test]
        fn never_panics_on_bodies(method in "(GET|POST|DELETE)", uri in "/[a-z0-9/.?=&%]{0,40}", body in "\\PC{0,200}") {
            let (p, _) = plugin();
            let msg = json!({"RequestMethod": method, "RequestUri": uri, "RequestBody": b64(&body)});
            let r = p.authz_request(msg.to_string().as_bytes());
            prop_assert!(r["Allow"].is_boolean());
        }
    }
}
