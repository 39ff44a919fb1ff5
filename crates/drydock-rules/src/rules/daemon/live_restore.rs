//! DMN005

use drydock_core::spec::DaemonSpec;
use drydock_core::{Fix, RuleMeta};

use super::support::{at, set_bool};
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a daemon configuration without `"live-restore": true`
    /// (absent, or `false`).
    ///
    /// ## Why is this bad?
    /// Without live restore, every container stops when dockerd stops: a
    /// daemon upgrade, a crash or a restart to apply a security setting
    /// takes every service down. That makes patching the daemon costly, so
    /// it tends to be postponed.
    ///
    /// ## Example
    /// ```json
    /// {
    ///   "icc": false
    /// }
    /// ```
    ///
    /// ## How to fix
    /// Set `"live-restore": true` and reload the daemon
    /// (`systemctl reload docker`). It does not apply to Swarm services,
    /// and dockerd refuses it on a Swarm node.
    ///
    /// ## Fix
    /// Adds `"live-restore": true`, or turns `false` into `true`. Unsafe
    /// although it keeps containers' behaviour: dockerd refuses to start
    /// with live restore on a node in Swarm mode.
    pub struct LiveRestoreDisabled {
        id: "DMN005",
        name: "live-restore-disabled",
        title: "Containers stop when the daemon stops",
        severity: Low,
        category: Daemon,
        references: ["concern:140", "cis-docker-1.6:2.15"],
        fix: Unsafe,
    }
}

impl Rule for LiveRestoreDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_daemon(&self, cx: &mut Checker<'_>, d: &DaemonSpec) {
        let v = d.live_restore.as_ref();
        let msg = match v {
            Some(b) if b.value => return,
            Some(_) => {
                "`live-restore` is false: every container stops whenever the daemon stops or is upgraded"
            }
            None => {
                "`live-restore` is not set (default false): every container stops whenever the daemon stops or is upgraded"
            }
        };
        let fix = set_bool(d, "live-restore", v, true);
        let f = cx.report(at(d, v), msg);
        if let Some(edit) = fix {
            f.set_fix(Fix::unsafe_("Set `\"live-restore\": true`", vec![edit]));
        }
    }
}
