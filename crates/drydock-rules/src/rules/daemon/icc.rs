//! DMN001

use drydock_core::spec::DaemonSpec;
use drydock_core::{Fix, RuleMeta};

use super::support::{at, set_bool};
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a daemon configuration where inter-container communication
    /// on the default bridge is allowed: `icc` absent (the default is
    /// `true`) or `true`.
    ///
    /// ## Why is this bad?
    /// Every container started on the default `bridge` network can then
    /// reach every port of every other container on it, published or not.
    /// One compromised container can probe and attack all the others (a
    /// database with no password, an admin endpoint) without going through
    /// the host.
    ///
    /// ## Example
    /// ```json
    /// {
    ///   "log-driver": "json-file"
    /// }
    /// ```
    ///
    /// ## How to fix
    /// Set `"icc": false`, and connect containers that need to talk to
    /// each other through user-defined networks (Compose creates one per
    /// project), where `icc` does not apply; or link them explicitly.
    ///
    /// ## Fix
    /// Adds `"icc": false`, or turns `true` into `false`. Unsafe: containers
    /// on the default bridge that talk to each other (legacy `--link`-free
    /// setups) stop reaching each other after the daemon restarts.
    pub struct IccEnabled {
        id: "DMN001",
        name: "icc-enabled",
        title: "Containers on the default bridge can reach each other",
        severity: Medium,
        category: Daemon,
        references: ["concern:127", "cis-docker-1.6:2.2"],
        fix: Unsafe,
    }
}

impl Rule for IccEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_daemon(&self, cx: &mut Checker<'_>, d: &DaemonSpec) {
        let msg = match &d.icc {
            Some(v) if !v.value => return,
            Some(_) => {
                "`icc` is true: containers on the default bridge can reach every port of each other"
            }
            None => {
                "`icc` is not set (default true): containers on the default bridge can reach every port of each other"
            }
        };
        let fix = set_bool(d, "icc", d.icc.as_ref(), false);
        let f = cx.report(at(d, d.icc.as_ref()), msg);
        if let Some(edit) = fix {
            f.set_fix(Fix::unsafe_("Set `\"icc\": false`", vec![edit]));
        }
    }
}
