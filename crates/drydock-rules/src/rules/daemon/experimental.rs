//! DMN010

use drydock_core::spec::DaemonSpec;
use drydock_core::{Fix, RuleMeta};

use super::support::set_bool;
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports `"experimental": true` in the daemon configuration.
    ///
    /// ## Why is this bad?
    /// Experimental features are unfinished, may change or disappear in any
    /// release, and get less security review than stable ones. A production
    /// daemon should not depend on them or expose them through its API.
    ///
    /// ## Example
    /// ```json
    /// {
    ///   "experimental": true
    /// }
    /// ```
    ///
    /// ## How to fix
    /// Remove `experimental` or set it to `false`, after checking that no
    /// workload uses an experimental feature (for example `docker
    /// checkpoint`).
    ///
    /// ## Fix
    /// Sets `experimental` to `false`. Unsafe: whatever relies on an
    /// experimental feature (`docker checkpoint`, for example) stops
    /// working.
    pub struct ExperimentalEnabled {
        id: "DMN010",
        name: "experimental-enabled",
        title: "Daemon enables experimental features",
        severity: Low,
        category: Daemon,
        references: ["concern:143", "cis-docker-1.6:2.18"],
        fix: Unsafe,
    }
}

impl Rule for ExperimentalEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_daemon(&self, cx: &mut Checker<'_>, d: &DaemonSpec) {
        if let Some(v) = &d.experimental
            && v.value
        {
            let fix = set_bool(d, "experimental", Some(v), false);
            let f = cx.report(
                &v.origin,
                "`experimental` is true: unfinished daemon features are enabled",
            );
            if let Some(edit) = fix {
                f.set_fix(Fix::unsafe_("Set `\"experimental\": false`", vec![edit]));
            }
        }
    }
}
