//! CTR009

use drydock_core::spec::{ContainerSpec, PortMapping};
use drydock_core::{Edit, Fix, RuleMeta, TextRange};

use super::support::svc;
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a published port that listens on every host interface: no
    /// host address (`"8080:80"`, `"80"`), or `0.0.0.0` / `[::]` as host
    /// address, in short or long syntax (`host_ip`).
    ///
    /// ## Why is this bad?
    /// Docker publishes such a port on all of the host's addresses,
    /// including public ones, and it inserts its own iptables rules ahead of
    /// host firewalls such as `ufw` or `firewalld`: a database or admin
    /// interface meant for the host or the LAN becomes reachable from
    /// anywhere the host is.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16
    ///     ports:
    ///       - "5432:5432"
    /// ```
    ///
    /// ## How to fix
    /// Bind to the interface that should receive the traffic:
    /// `"127.0.0.1:5432:5432"` (`docker run -p 127.0.0.1:5432:5432`) for the
    /// host only, or a private address. For traffic between services on
    /// the same Compose network, publish nothing at all: services reach
    /// each other by name. To change the default for every container, set
    /// `ip` in daemon.json.
    ///
    /// ## Fix
    /// In short syntax, the fix inserts `127.0.0.1:` before the host port
    /// (`"127.0.0.1:5432:5432"`, `"127.0.0.1::80"` when Docker picks the
    /// port), or replaces an explicit `0.0.0.0` by `127.0.0.1` and `[::]` by
    /// `[::1]`. In long syntax, it adds `host_ip: 127.0.0.1` to the entry
    /// when the entry is a block mapping (or replaces an explicit
    /// `0.0.0.0`/`::`). Unsafe: the port becomes unreachable from other
    /// hosts, which may be the point of publishing it.
    pub struct PortBoundToAllInterfaces {
        id: "CTR009",
        name: "port-bound-to-all-interfaces",
        title: "Published port listens on all host interfaces",
        severity: Medium,
        category: Network,
        references: [
            "concern:98",
            "cis-docker-1.6:5.14",
            "kics:container-traffic-not-bound-to-host-interface",
            "compose-lint:CL-0005",
        ],
        fix: Unsafe,
    }
}

fn all_interfaces(p: &PortMapping) -> bool {
    p.host_ip.as_ref().is_none_or(|ip| {
        matches!(
            ip.value.trim().trim_matches(['[', ']']),
            "" | "0.0.0.0" | "::"
        )
    })
}

/// `8080 (-> 80/tcp)`.
fn describe(p: &PortMapping) -> String {
    let proto = p.protocol.as_ref().map_or("tcp", |x| x.value.as_str());
    match &p.published {
        Some(h) => format!(
            "port {} (container port {}/{proto})",
            h.value, p.target.value
        ),
        None => format!(
            "container port {}/{proto} on a random host port",
            p.target.value
        ),
    }
}

/// Byte length of a leading quote in `text`, if any.
fn quote_len(text: &str) -> usize {
    usize::from(text.starts_with(['"', '\'']))
}

fn fix_edit(cx: &Checker<'_>, p: &PortMapping) -> Option<Edit> {
    if let Some(ip) = &p.host_ip {
        // An explicit wildcard address: replace it.
        let (file, range) = ip.origin.file_range()?;
        let text = cx.text_of(&ip.origin);
        let q = quote_len(text);
        let rest = text.get(q..)?;
        let (skip, len, new) = if rest.starts_with("0.0.0.0") {
            (q, 7, "127.0.0.1")
        } else if rest.starts_with("[::]") {
            (q + 1, 2, "::1")
        } else if rest.trim_end_matches(['"', '\'']) == "::" {
            (q, 2, "::1")
        } else {
            return None;
        };
        let start = range.start.checked_add(u32::try_from(skip).ok()?)?;
        return Some(Edit::replace(file, TextRange::new(start, start + len), new));
    }
    let (file, range) = p.origin.file_range()?;
    let text = cx.text_of(&p.origin);
    if p.short_syntax {
        let q = quote_len(text);
        if !text.get(q..)?.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        let insert = if p.published.is_some() {
            "127.0.0.1:"
        } else {
            "127.0.0.1::"
        };
        let at = range.start.checked_add(u32::try_from(q).ok()?)?;
        return Some(Edit::insert(file, at, insert));
    }
    // Long syntax: a block mapping whose first key starts at `range.start`.
    if !text.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let whole = cx.file_text(file);
    let before = whole.get(..range.start as usize)?;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let prefix = &before[line_start..];
    let marker = prefix.trim_matches(' ');
    if !(marker.is_empty() || marker == "-") || prefix.contains('\t') {
        return None;
    }
    let indent = " ".repeat(prefix.len());
    Some(Edit::insert(
        file,
        range.start,
        format!("host_ip: 127.0.0.1\n{indent}"),
    ))
}

impl Rule for PortBoundToAllInterfaces {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        for p in &c.ports {
            if !all_interfaces(p) {
                continue;
            }
            let origin = p.host_ip.as_ref().map_or(&p.origin, |ip| &ip.origin);
            let how = match &p.host_ip {
                Some(ip) if !ip.value.trim().is_empty() => {
                    format!("`{}`, every host interface", ip.value.trim())
                }
                _ => "every host interface (no host address given)".to_string(),
            };
            let fix = fix_edit(cx, p);
            let f = cx.report(
                origin,
                format!("{} publishes {} on {how}", svc(c), describe(p)),
            );
            if let Some(edit) = fix {
                f.set_fix(Fix::unsafe_(
                    "Bind the port to the loopback address",
                    vec![edit],
                ));
            }
        }
    }
}
