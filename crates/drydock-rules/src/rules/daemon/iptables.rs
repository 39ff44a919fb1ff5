//! DMN014

use drydock_core::RuleMeta;
use drydock_core::spec::DaemonSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports `"iptables": false` in the daemon configuration.
    ///
    /// ## Why is this bad?
    /// With iptables management off, dockerd no longer writes the rules
    /// that isolate its networks from each other and that restrict
    /// published ports; the host's rules must replicate them by hand, and
    /// they drift as containers and networks come and go. Mistakes leave
    /// containers reachable, or networks bridged, in ways nobody intended.
    ///
    /// ## Example
    /// ```json
    /// {
    ///   "iptables": false
    /// }
    /// ```
    ///
    /// ## How to fix
    /// Remove `iptables` or set it to `true`, and add host rules in the
    /// `DOCKER-USER` chain, which dockerd leaves alone.
    pub struct IptablesDisabled {
        id: "DMN014",
        name: "iptables-disabled",
        title: "Daemon does not manage iptables",
        severity: Medium,
        category: Daemon,
        references: ["concern:129", "cis-docker-1.6:2.4"],
        fix: None,
    }
}

impl Rule for IptablesDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_daemon(&self, cx: &mut Checker<'_>, d: &DaemonSpec) {
        if let Some(v) = &d.iptables
            && !v.value
        {
            cx.report(&v.origin, "`iptables` is false: dockerd does not write the rules that isolate container networks");
        }
    }
}
