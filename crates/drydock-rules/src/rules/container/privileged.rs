//! CTR001

use drydock_core::RuleMeta;
use drydock_core::spec::ContainerSpec;

use super::support::svc;
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a container that runs in privileged mode (`privileged: true`,
    /// `docker run --privileged`).
    ///
    /// ## Why is this bad?
    /// A privileged container gets every capability, sees every host
    /// device, runs without the seccomp and AppArmor/SELinux profiles and
    /// may mount the host's filesystems. Root in it is root on the host: an
    /// attacker who gets code execution in the container owns the machine.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   agent:
    ///     image: example/agent:1.4
    ///     privileged: true
    /// ```
    ///
    /// ## How to fix
    /// Remove `privileged: true` and grant only what the service needs: the
    /// one capability (`cap_add: [NET_ADMIN]`), the one device (`devices:`).
    /// When the value comes from a shared YAML anchor, fix it there or
    /// override it with `privileged: false` in the service.
    pub struct PrivilegedContainer {
        id: "CTR001",
        name: "privileged-container",
        title: "Container runs privileged",
        severity: Critical,
        category: Privilege,
        references: [
            "concern:81",
            "cis-docker-1.6:5.5",
            "kics:privileged-containers-enabled",
            "compose-lint:CL-0002",
        ],
        fix: None,
    }
}

impl Rule for PrivilegedContainer {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        if let Some(p) = &c.privileged
            && p.value
        {
            cx.report(
                &p.origin,
                format!(
                    "{} runs privileged: it has every capability and every host device, without seccomp or AppArmor confinement",
                    svc(c)
                ),
            );
        }
    }
}
