//! DMN009

use drydock_core::RuleMeta;
use drydock_core::spec::DaemonSpec;

use super::support::at;
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a daemon configuration without user-namespace remapping
    /// (`userns-remap` absent or empty).
    ///
    /// ## Why is this bad?
    /// Without remapping, root in a container is uid 0 on the host. A
    /// process that escapes the container, or writes through a bind mount,
    /// acts as the host's root. With `userns-remap`, container root maps to
    /// an unprivileged host uid range, which turns most escapes into access
    /// as a nobody user.
    ///
    /// ## Example
    /// ```json
    /// {
    ///   "icc": false
    /// }
    /// ```
    ///
    /// ## How to fix
    /// Set `"userns-remap": "default"` (dockerd creates the `dockremap`
    /// user and its subordinate ranges), or run Docker rootless. Existing
    /// images and volumes are not visible under the new mapping and bind
    /// mounts need ownership changes, so plan the switch; containers that
    /// need the host's namespace can opt out with `userns_mode: host`.
    pub struct UsernsRemapNotSet {
        id: "DMN009",
        name: "userns-remap-not-set",
        title: "Daemon does not remap container users",
        severity: Low,
        category: Daemon,
        references: ["concern:134", "cis-docker-1.6:2.9"],
        fix: None,
    }
}

impl Rule for UsernsRemapNotSet {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_daemon(&self, cx: &mut Checker<'_>, d: &DaemonSpec) {
        let v = d.userns_remap.as_ref();
        if v.is_some_and(|s| !s.value.trim().is_empty()) {
            return;
        }
        cx.report(
            at(d, v),
            "`userns-remap` is not set: root in a container is root on the host",
        );
    }
}
