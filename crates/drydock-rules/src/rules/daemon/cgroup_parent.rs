//! DMN018

use drydock_core::RuleMeta;
use drydock_core::spec::DaemonSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a `cgroup-parent` in the daemon configuration, which moves
    /// every container under a custom parent cgroup.
    ///
    /// ## Why is this bad?
    /// The parent cgroup's limits and accounting then apply to all
    /// containers together; a parent shared with host services, or without
    /// limits, changes the resource isolation of every container. The CIS
    /// benchmark asks for this setting to be confirmed rather than left by
    /// accident.
    ///
    /// ## Example
    /// ```json
    /// {
    ///   "cgroup-parent": "/system.slice/docker-limits"
    /// }
    /// ```
    ///
    /// ## How to fix
    /// Remove `cgroup-parent` unless the host's cgroup layout was designed
    /// for it; then confirm the parent's limits and suppress the finding
    /// with a reason.
    pub struct CgroupParentChanged {
        id: "DMN018",
        name: "cgroup-parent-changed",
        title: "Daemon places containers under a custom parent cgroup",
        severity: Info,
        category: Daemon,
        references: ["concern:135", "cis-docker-1.6:2.10"],
        fix: None,
    }
}

impl Rule for CgroupParentChanged {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_daemon(&self, cx: &mut Checker<'_>, d: &DaemonSpec) {
        if let Some(v) = &d.cgroup_parent
            && !v.value.trim().is_empty()
        {
            cx.report(
                &v.origin,
                format!("`cgroup-parent` is `{}`: every container's resource limits depend on that cgroup", v.value.trim()),
            );
        }
    }
}
