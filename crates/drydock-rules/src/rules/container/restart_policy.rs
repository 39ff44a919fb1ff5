//! CTR024

use drydock_core::RuleMeta;
use drydock_core::spec::ContainerSpec;

use super::support::{setting, svc};
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a restart policy that restarts a failing container without
    /// bound: `always`, `unless-stopped`, `on-failure` without a maximum
    /// count, or `on-failure:N` with N above 5.
    ///
    /// ## Why is this bad?
    /// A container that crashes at start, or is crashed on purpose, is then
    /// restarted again and again: each restart costs CPU, I/O and log
    /// space, hides the failure behind a container that always looks up,
    /// and gives an attacker unlimited attempts at an exploit that crashes
    /// the service when it misses.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:5.1
    ///     restart: always
    /// ```
    ///
    /// ## How to fix
    /// ```yaml
    ///     restart: on-failure:5
    /// ```
    /// (`docker run --restart on-failure:5`), and monitor the service so that a container that gives up is
    /// noticed. Services that must survive reboots with an orchestrator
    /// watching them can keep `unless-stopped`; suppress the finding with a
    /// reason.
    pub struct RestartPolicyUnbounded {
        id: "CTR024",
        name: "restart-policy-unbounded",
        title: "Restart policy restarts a failing container without bound",
        severity: Low,
        category: Resources,
        references: ["concern:105", "cis-docker-1.6:5.15", "kics:restart-policy-on-failure-not-set-to-5"],
        fix: None,
    }
}

impl Rule for RestartPolicyUnbounded {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        let Some(r) = &c.restart else { return };
        let policy = r.value.trim().trim_matches(['"', '\'']);
        let lower = policy.to_ascii_lowercase();
        let (name, count) = match lower.split_once(':') {
            Some((n, cnt)) => (n.trim(), Some(cnt.trim())),
            None => (lower.as_str(), None),
        };
        let why = match (name, count) {
            ("always" | "unless-stopped", _) => "restarts the container forever",
            ("on-failure", None) => "has no maximum retry count",
            ("on-failure", Some(n)) => match n.parse::<u32>() {
                Ok(0) => "has no maximum retry count (0 means unlimited)",
                Ok(n) if n > 5 => "allows more than 5 retries",
                _ => return,
            },
            _ => return,
        };
        cx.report(
            &r.origin,
            format!(
                "{} has restart policy `{policy}`, which {why}; use `{}`",
                svc(c),
                setting(
                    c,
                    "on-failure:5",
                    "--restart on-failure:5",
                    "HostConfig.RestartPolicy: {\"Name\": \"on-failure\", \"MaximumRetryCount\": 5}",
                )
            ),
        );
    }
}
