//! CTR021

use drydock_core::RuleMeta;
use drydock_core::spec::ContainerSpec;

use super::support::svc;
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a container placed in a custom parent cgroup
    /// (`cgroup_parent`, `docker run --cgroup-parent`).
    ///
    /// ## Why is this bad?
    /// The parent cgroup decides which limits apply to the container. A
    /// parent outside Docker's own hierarchy may have no memory, CPU or PID
    /// limits at all, or share them with unrelated host services, so the
    /// container's resource isolation is whatever that cgroup provides. The
    /// CIS benchmark asks for each such placement to be confirmed.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   batch:
    ///     image: example/batch:1.2
    ///     cgroup_parent: /system.slice
    /// ```
    ///
    /// ## How to fix
    /// Remove `cgroup_parent` (`docker run --cgroup-parent`) unless the host's cgroup layout was designed
    /// for it; in that case confirm the parent's limits and suppress the
    /// finding with a reason.
    pub struct CgroupParentSet {
        id: "CTR021",
        name: "cgroup-parent-set",
        title: "Container uses a custom parent cgroup",
        severity: Low,
        category: Resources,
        references: ["concern:96", "cis-docker-1.6:5.25", "kics:cgroup-not-default"],
        fix: None,
    }
}

impl Rule for CgroupParentSet {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        if let Some(p) = &c.cgroup_parent
            && !p.value.trim().is_empty()
        {
            cx.report(
                &p.origin,
                format!(
                    "{} runs under parent cgroup `{}`: its resource limits depend on that cgroup",
                    svc(c),
                    p.value.trim()
                ),
            );
        }
    }
}
