//! DMN002

use drydock_core::RuleMeta;
use drydock_core::spec::DaemonSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports each entry of `insecure-registries`, except loopback
    /// addresses and ranges (`localhost`, `127.0.0.0/8`, `::1`), which
    /// dockerd treats as insecure anyway.
    ///
    /// ## Why is this bad?
    /// For an insecure registry, dockerd accepts plain HTTP and any TLS
    /// certificate. Anyone on the network path can then serve a tampered
    /// image on pull, or read the credentials and images on push. A CIDR
    /// entry extends this to every registry in the range.
    ///
    /// ## Example
    /// ```json
    /// {
    ///   "insecure-registries": ["registry.internal:5000", "10.0.0.0/8"]
    /// }
    /// ```
    ///
    /// ## How to fix
    /// Give the registry a certificate (from an internal CA if need be) and
    /// trust that CA on the host with
    /// `/etc/docker/certs.d/<registry>/ca.crt`; then remove the entry.
    pub struct InsecureRegistry {
        id: "DMN002",
        name: "insecure-registry",
        title: "Daemon trusts an insecure registry",
        severity: High,
        category: Daemon,
        references: ["concern:130", "cis-docker-1.6:2.5"],
        fix: None,
    }
}

/// Loopback registries and ranges, which dockerd treats as insecure anyway.
pub(crate) fn is_loopback(entry: &str) -> bool {
    let e = entry
        .trim()
        .trim_start_matches("http://")
        .trim_start_matches("https://");
    let host = if let Some(rest) = e.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else if e.matches(':').count() > 1 {
        // A bare IPv6 address or CIDR.
        e.split('/').next().unwrap_or("")
    } else {
        e.split([':', '/']).next().unwrap_or("")
    };
    let host = host.to_ascii_lowercase();
    host == "localhost" || host.starts_with("127.") || host == "::1"
}

impl Rule for InsecureRegistry {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_daemon(&self, cx: &mut Checker<'_>, d: &DaemonSpec) {
        for r in &d.insecure_registries {
            if is_loopback(&r.value) {
                continue;
            }
            let what = if r.value.contains('/')
                && r.value
                    .split('/')
                    .next_back()
                    .is_some_and(|m| m.chars().all(|c| c.is_ascii_digit()))
            {
                "every registry in the range"
            } else {
                "the registry"
            };
            cx.report(
                &r.origin,
                format!(
                    "`insecure-registries` lists `{}`: pulls from and pushes to {what} accept plain HTTP and any certificate",
                    r.value.trim()
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_loopback;

    #[test]
    fn loopback() {
        assert!(is_loopback("localhost:5000"));
        assert!(is_loopback("127.0.0.0/8"));
        assert!(is_loopback("[::1]:5000"));
        assert!(is_loopback("::1/128"));
        assert!(!is_loopback("registry.internal:5000"));
        assert!(!is_loopback("10.0.0.0/8"));
    }
}
