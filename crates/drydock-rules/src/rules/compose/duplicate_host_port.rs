//! CMP003

use drydock_core::spec::PortMapping;
use drydock_core::{Origin, RuleMeta};

use crate::declare_rule;
use crate::rule::{Checker, ComposeCx, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a host port published twice in one project: by two services
    /// or by two entries of one service, for the same protocol, on the same
    /// host address or on every address (`0.0.0.0`, `::` or no address
    /// conflict with any specific one). Ranges that overlap count. The
    /// finding is at the later entry, with the earlier one as related
    /// location.
    ///
    /// ## Why is this bad?
    /// Only one container can bind a host port: `docker compose up` starts
    /// the first and fails on the second ("port is already allocated"),
    /// leaving the project half started, and which one wins depends on the
    /// start order.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    ///     ports: ["8080:80"]
    ///   admin:
    ///     image: example/admin:1.0
    ///     ports: ["8080:3000"]
    /// ```
    ///
    /// ## How to fix
    /// Publish each service on its own host port, or bind them to
    /// different host addresses (`127.0.0.1:8080:80` and
    /// `10.0.0.5:8080:3000`). Services that only talk to each other need no
    /// published port at all. Services in different `profiles` that never
    /// run together can keep the same port; suppress the finding with a
    /// reason.
    pub struct DuplicateHostPort {
        id: "CMP003",
        name: "duplicate-host-port",
        title: "Two entries publish the same host port",
        severity: High,
        category: Network,
        references: ["concern:119"],
        fix: None,
    }
}

/// One published host port range.
struct Binding<'a> {
    service: &'a str,
    ip: Option<String>,
    proto: String,
    lo: u16,
    hi: u16,
    origin: &'a Origin,
}

fn binding<'a>(service: &'a str, p: &'a PortMapping) -> Option<Binding<'a>> {
    let (lo, hi) = p.published_range()?;
    if lo == 0 && hi == 0 {
        return None;
    }
    let ip = p
        .host_ip
        .as_ref()
        .map(|ip| {
            ip.value
                .trim()
                .trim_matches(['[', ']'])
                .to_ascii_lowercase()
        })
        .filter(|ip| !matches!(ip.as_str(), "" | "0.0.0.0" | "::"));
    let proto = p.protocol.as_ref().map_or_else(
        || "tcp".to_string(),
        |x| x.value.trim().to_ascii_lowercase(),
    );
    let origin = p.published.as_ref().map_or(&p.origin, |x| &x.origin);
    Some(Binding {
        service,
        ip,
        proto,
        lo,
        hi,
        origin,
    })
}

fn clash(a: &Binding<'_>, b: &Binding<'_>) -> bool {
    a.proto == b.proto
        && a.lo <= b.hi
        && b.lo <= a.hi
        && match (&a.ip, &b.ip) {
            (Some(x), Some(y)) => x == y,
            _ => true,
        }
}

fn show(b: &Binding<'_>) -> String {
    let ip =
        b.ip.as_deref()
            .map_or_else(String::new, |ip| format!("{ip}:"));
    if b.lo == b.hi {
        format!("{ip}{}/{}", b.lo, b.proto)
    } else {
        format!("{ip}{}-{}/{}", b.lo, b.hi, b.proto)
    }
}

impl Rule for DuplicateHostPort {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, cx: &mut Checker<'_>, compose: &ComposeCx<'_>) {
        let mut seen: Vec<Binding<'_>> = Vec::new();
        for s in &compose.project.services {
            for p in &s.ports {
                let Some(b) = binding(&s.name, p) else {
                    continue;
                };
                if let Some(first) = seen.iter().find(|a| clash(a, &b)) {
                    let who = if first.service == b.service {
                        format!("another entry of service `{}`", first.service)
                    } else {
                        format!("service `{}`", first.service)
                    };
                    let f = cx.report(
                        b.origin,
                        format!(
                            "service `{}` publishes host port {}, which clashes with {} published by {who}: only one container can bind it",
                            b.service,
                            show(&b),
                            show(first)
                        ),
                    );
                    f.add_related(
                        first.origin.clone(),
                        format!("host port {} published here", show(first)),
                    );
                }
                seen.push(b);
            }
        }
    }
}
