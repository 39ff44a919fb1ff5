//! DMN008

use drydock_core::spec::DaemonSpec;
use drydock_core::{Fix, RuleMeta};

use super::support::set_bool;
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports `"debug": true` in the daemon configuration.
    ///
    /// ## Why is this bad?
    /// Debug mode makes dockerd log every API request in detail, including
    /// the bodies of container-create requests (environment variables,
    /// often secrets) and registry interactions, into the system journal
    /// where many users can read them; it also produces a volume of logs
    /// that hides real events and costs disk.
    ///
    /// ## Example
    /// ```json
    /// {
    ///   "debug": true
    /// }
    /// ```
    ///
    /// ## How to fix
    /// Remove `debug` or set it to `false`; enable it only temporarily,
    /// while diagnosing a problem (`kill -SIGUSR1` dumps goroutine stacks
    /// without it).
    ///
    /// ## Fix
    /// Turns `true` into `false`. Safe: only the daemon's own log
    /// verbosity changes, not what it runs.
    pub struct DebugEnabled {
        id: "DMN008",
        name: "debug-enabled",
        title: "Daemon runs in debug mode",
        severity: Low,
        category: Daemon,
        references: ["concern:147", "gap:8"],
        fix: Safe,
    }
}

impl Rule for DebugEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_daemon(&self, cx: &mut Checker<'_>, d: &DaemonSpec) {
        let Some(v) = &d.debug else { return };
        if !v.value {
            return;
        }
        let fix = set_bool(d, "debug", Some(v), false);
        let f = cx.report(&v.origin, "`debug` is true: dockerd logs API request bodies, container environments (and the secrets in them) included");
        if let Some(edit) = fix {
            f.set_fix(Fix::safe("Set `\"debug\": false`", vec![edit]));
        }
    }
}
