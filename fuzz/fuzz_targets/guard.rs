//! `drydock guard`: whatever a client or the daemon sends must be judged or
//! refused, never crash the guard. The first byte picks the parser: a
//! policy file, a recorded request (then decided), a request decided from
//! raw parts, a client certificate's names, the proxy's list filters,
//! inspect redaction and event filter on a daemon answer.
#![no_main]

use std::sync::OnceLock;

use drydock_guard::filter::{
    Filters, Kind, event_visible, filter_list, filter_system_df, redact_inspect,
};
use drydock_guard::{Guard, Policy};
use libfuzzer_sys::fuzz_target;

const POLICY: &str = r#"
[exec]
root = "deny"
[registries]
allow = ["docker.io", "ghcr.io/acme"]
[[exceptions]]
name = "web-*"
client = "ci"
rules = ["CTR001"]
reason = "fuzz"
[[proxy.clients]]
name = "ci"
uid = 1000
grants = ["* /**"]
visible = { labels = ["team=ci"], names = ["ci-*"] }
visible-images = { names = ["ghcr.io/acme/*"], labels = ["team"] }
visible-networks = { names = ["ci-*"] }
visible-volumes = { labels = ["team=ci"] }
"#;

fn guard() -> &'static (Guard, Filters) {
    static G: OnceLock<(Guard, Filters)> = OnceLock::new();
    G.get_or_init(|| {
        let p = Policy::parse(POLICY).expect("the fuzz policy parses");
        let filters = Filters::of(&p.proxy.clients[0]);
        // No /proc to read: peers and sockets are not looked up.
        (Guard::with_proc(p, "drydock-guard", "/nonexistent"), filters)
    })
}

const METHODS: [&str; 5] = ["POST", "GET", "DELETE", "PUT", "HEAD"];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (g, filters) = guard();
    match mode % 6 {
        0 => {
            if let Ok(text) = std::str::from_utf8(rest) {
                let _ = Policy::parse(text);
            }
        }
        1 => {
            if let Ok(r) = drydock_guard::recorded::parse(rest) {
                let _ = g.decide_for(Some("ci"), &r.method, &r.uri, &r.body);
            }
        }
        2 => {
            // METHOD index, then the URI up to a newline, then the body.
            let Some((&m, rest)) = rest.split_first() else {
                return;
            };
            let (uri, body) = match rest.iter().position(|b| *b == b'\n') {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                None => (rest, &[][..]),
            };
            let uri = String::from_utf8_lossy(uri);
            let d = g.decide(METHODS[usize::from(m) % METHODS.len()], &uri, body);
            // A denial always says why.
            assert!(d.allow || !d.message.is_empty());
        }
        3 => {
            let _ = drydock_guard::tls::cert_names(rest);
        }
        4 => {
            for kind in [Kind::Container, Kind::Image, Kind::Network, Kind::Volume] {
                if let Some(v) = filters.get(kind) {
                    let _ = filter_list(kind, rest, v);
                }
            }
            let _ = filter_system_df(rest, filters);
        }
        _ => {
            let _ = redact_inspect(rest);
            let _ = event_visible(rest, filters);
        }
    }
});
