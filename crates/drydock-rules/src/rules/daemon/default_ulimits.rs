//! DMN016

use drydock_core::RuleMeta;
use drydock_core::spec::DaemonSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a daemon configuration without `default-ulimits` (absent or
    /// empty).
    ///
    /// ## Why is this bad?
    /// Containers then inherit dockerd's own limits, which service managers
    /// set very high (systemd's `docker.service` uses `LimitNOFILE=infinity`
    /// on many versions). One container can then hold enough open files or
    /// processes to exhaust the host's tables for everything else.
    ///
    /// ## Example
    /// ```json
    /// {
    ///   "icc": false
    /// }
    /// ```
    ///
    /// ## How to fix
    /// ```json
    /// {
    ///   "default-ulimits": {
    ///     "nofile": { "Name": "nofile", "Soft": 65536, "Hard": 65536 },
    ///     "nproc": { "Name": "nproc", "Soft": 4096, "Hard": 8192 }
    ///   }
    /// }
    /// ```
    /// Containers that need more can still raise their own `ulimits`.
    pub struct DefaultUlimitsNotSet {
        id: "DMN016",
        name: "default-ulimits-not-set",
        title: "Daemon sets no default ulimits",
        severity: Low,
        category: Resources,
        references: ["concern:133", "cis-docker-1.6:2.8"],
        fix: None,
    }
}

impl Rule for DefaultUlimitsNotSet {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_daemon(&self, cx: &mut Checker<'_>, d: &DaemonSpec) {
        if !d.default_ulimits.is_empty() {
            return;
        }
        match &d.default_ulimits_key {
            Some(key) => cx.report(key, "`default-ulimits` is empty: containers inherit dockerd's own, usually unlimited, limits"),
            None => cx.report(&d.origin, "`default-ulimits` is not set: containers inherit dockerd's own, usually unlimited, limits"),
        };
    }
}
