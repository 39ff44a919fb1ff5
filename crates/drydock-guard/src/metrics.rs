//! Prometheus metrics of the guard (`--metrics 127.0.0.1:9323`), in the
//! OpenMetrics text format on `GET /metrics`:
//!
//! * `drydock_guard_decisions_total{mode,verdict}`: decisions by mode
//!   (`plugin`, `proxy`) and verdict (`allow`, `deny`, `unjudged`: denied
//!   because it could not be judged, `fail_open`: allowed although it could
//!   not be judged);
//! * `drydock_guard_findings_total{rule,verdict}`: findings that denied,
//!   were logged or excepted, by rule;
//! * `drydock_guard_decision_duration_seconds{mode}`: how long a decision
//!   took (the plugin: from the daemon's request read to the answer; the
//!   proxy: judging a body);
//! * `drydock_guard_proxy_requests_total{client,outcome}`: proxy requests
//!   by client (its policy name, `none` when no entry matched) and outcome
//!   (`forwarded`, `refused`, `upstream_error`);
//! * `drydock_guard_proxy_response_duration_seconds`: from a request's
//!   headers to the response's headers, through the proxy;
//! * `drydock_guard_proxy_connections`: open client connections;
//! * `drydock_guard_policy_reloads_total{result}` and
//!   `drydock_guard_policy_loaded_timestamp_seconds`.
//!
//! Label values come from the policy (client names) and the rules table
//! (rule IDs), never from what a client sends, so their number is bounded.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;

use crate::decision::Decision;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    mode: &'static str,
    verdict: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FindingLabels {
    rule: String,
    verdict: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ModeLabels {
    mode: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProxyLabels {
    client: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    result: &'static str,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// 50 µs … ~1.6 s, doubling: decisions take well under a millisecond, a
/// proxied request up to the daemon's own latency.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_05, 2.0, 16))
}

/// The guard's metrics and their registry.
pub struct Metrics {
    registry: Registry,
    decisions: Family<DecisionLabels, Counter>,
    findings: Family<FindingLabels, Counter>,
    decision_seconds: HistogramFamily<ModeLabels>,
    proxy_requests: Family<ProxyLabels, Counter>,
    proxy_seconds: Histogram,
    connections: Gauge,
    reloads: Family<ResultLabels, Counter>,
    loaded_at: Gauge,
}

/// How a decision ended, for `verdict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Allow,
    Deny,
    /// Denied: it could not be judged.
    Unjudged,
    /// Allowed under `--fail-open` although it could not be judged.
    FailOpen,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Allow => "allow",
            Outcome::Deny => "deny",
            Outcome::Unjudged => "unjudged",
            Outcome::FailOpen => "fail_open",
        }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("drydock_guard");
        let decisions = Family::<DecisionLabels, Counter>::default();
        registry.register(
            "decisions",
            "Decisions by mode and verdict",
            decisions.clone(),
        );
        let findings = Family::<FindingLabels, Counter>::default();
        registry.register(
            "findings",
            "Findings that denied, were logged or excepted, by rule",
            findings.clone(),
        );
        let decision_seconds: HistogramFamily<ModeLabels> =
            Family::new_with_constructor(latency_histogram);
        registry.register(
            "decision_duration_seconds",
            "How long a decision took",
            decision_seconds.clone(),
        );
        let proxy_requests = Family::<ProxyLabels, Counter>::default();
        registry.register(
            "proxy_requests",
            "Proxy requests by client and outcome",
            proxy_requests.clone(),
        );
        let proxy_seconds = latency_histogram();
        registry.register(
            "proxy_response_duration_seconds",
            "From a request's headers to the response's headers through the proxy",
            proxy_seconds.clone(),
        );
        let connections = Gauge::default();
        registry.register(
            "proxy_connections",
            "Open client connections of the proxy",
            connections.clone(),
        );
        let reloads = Family::<ResultLabels, Counter>::default();
        registry.register(
            "policy_reloads",
            "Policy reloads (SIGHUP) by result",
            reloads.clone(),
        );
        let loaded_at = Gauge::default();
        registry.register(
            "policy_loaded_timestamp_seconds",
            "When the policy in force was loaded (Unix time)",
            loaded_at.clone(),
        );
        let m = Metrics {
            registry,
            decisions,
            findings,
            decision_seconds,
            proxy_requests,
            proxy_seconds,
            connections,
            reloads,
            loaded_at,
        };
        m.policy_loaded();
        m
    }

    /// Counts a decision, its findings and how long it took.
    pub fn decision(&self, mode: &'static str, d: &Decision, outcome: Outcome, took: Duration) {
        self.decisions
            .get_or_create(&DecisionLabels {
                mode,
                verdict: outcome.as_str(),
            })
            .inc();
        for f in &d.findings {
            self.findings
                .get_or_create(&FindingLabels {
                    rule: f.rule.clone(),
                    verdict: f.verdict.as_str(),
                })
                .inc();
        }
        self.decision_seconds
            .get_or_create(&ModeLabels { mode })
            .observe(took.as_secs_f64());
    }

    /// Counts a proxy request and the time to its response's headers.
    pub fn proxy_request(&self, client: Option<&str>, outcome: &'static str, took: Duration) {
        self.proxy_requests
            .get_or_create(&ProxyLabels {
                client: client.unwrap_or("none").to_string(),
                outcome,
            })
            .inc();
        self.proxy_seconds.observe(took.as_secs_f64());
    }

    /// A client connection opened (`+1`) or closed (`-1`).
    pub fn connection(&self, delta: i64) {
        self.connections.inc_by(delta);
    }

    pub fn reload(&self, ok: bool) {
        self.reloads
            .get_or_create(&ResultLabels {
                result: if ok { "ok" } else { "error" },
            })
            .inc();
        if ok {
            self.policy_loaded();
        }
    }

    fn policy_loaded(&self) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        self.loaded_at.set(now);
    }

    /// The metrics in the OpenMetrics text format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing to a String does not fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

async fn handle(
    metrics: Arc<Metrics>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (status, ct, body) = match (req.method(), req.uri().path()) {
        (&Method::GET | &Method::HEAD, "/metrics") => {
            (StatusCode::OK, OPENMETRICS, metrics.encode())
        }
        (_, "/metrics") => (
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain",
            "GET /metrics\n".to_string(),
        ),
        _ => (
            StatusCode::NOT_FOUND,
            "text/plain",
            "drydock guard: the metrics are at /metrics\n".to_string(),
        ),
    };
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(ct),
    );
    Ok(r)
}

/// Serves `GET /metrics` on a bound TCP listener until the process ends.
pub async fn serve(listener: TcpListener, metrics: Arc<Metrics>) {
    loop {
        let stream = match listener.accept().await {
            Ok((s, _)) => s,
            Err(e) => {
                eprintln!("drydock guard: metrics: accept: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| handle(metrics.clone(), req));
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_secs(10))
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::decision::{Judged, Verdict};

    #[test]
    fn counts_and_encodes() {
        let m = Metrics::new();
        let d = Decision {
            allow: false,
            message: "denied".into(),
            findings: vec![Judged {
                rule: "CTR001".into(),
                name: "privileged-container".into(),
                severity: None,
                path: "HostConfig.Privileged".into(),
                value: Some("true".into()),
                message: "m".into(),
                verdict: Verdict::Deny,
            }],
        };
        m.decision("plugin", &d, Outcome::Deny, Duration::from_micros(120));
        m.decision(
            "plugin",
            &Decision::allow(),
            Outcome::Allow,
            Duration::from_micros(30),
        );
        m.proxy_request(Some("traefik"), "forwarded", Duration::from_millis(3));
        m.proxy_request(None, "refused", Duration::from_millis(1));
        m.connection(1);
        m.reload(false);
        let text = m.encode();
        for want in [
            r#"drydock_guard_decisions_total{mode="plugin",verdict="deny"} 1"#,
            r#"drydock_guard_decisions_total{mode="plugin",verdict="allow"} 1"#,
            r#"drydock_guard_findings_total{rule="CTR001",verdict="deny"} 1"#,
            r#"drydock_guard_decision_duration_seconds_count{mode="plugin"} 2"#,
            r#"drydock_guard_proxy_requests_total{client="traefik",outcome="forwarded"} 1"#,
            r#"drydock_guard_proxy_requests_total{client="none",outcome="refused"} 1"#,
            "drydock_guard_proxy_response_duration_seconds_count 2",
            "drydock_guard_proxy_connections 1",
            r#"drydock_guard_policy_reloads_total{result="error"} 1"#,
            "# EOF",
        ] {
            assert!(text.contains(want), "{want} missing from\n{text}");
        }
        // The 120 µs decision falls in the 200 µs bucket, not the 100 µs one.
        assert!(
            text.contains(
                r#"drydock_guard_decision_duration_seconds_bucket{le="0.0001",mode="plugin"} 1"#
            ) || text.contains(
                r#"drydock_guard_decision_duration_seconds_bucket{mode="plugin",le="0.0001"} 1"#
            ),
            "{text}"
        );
    }
}
