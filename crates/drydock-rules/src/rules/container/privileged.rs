//! CTR001

use drydock_core::spec::ContainerSpec;
use drydock_core::{Fix, RuleMeta};

use super::support::{delete_entry_line, svc};
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
    /// Remove `privileged: true` (`--privileged`) and grant only what the
    /// service needs: the one capability (`cap_add: [NET_ADMIN]`,
    /// `--cap-add NET_ADMIN`), the one device (`devices:`, `--device`).
    /// When the value comes from a shared YAML anchor, fix it there or
    /// override it with `privileged: false` in the service.
    ///
    /// ## Fix
    /// Deletes the `privileged: true` line (with its comment) when the
    /// service writes it in its own block mapping; not when the value comes
    /// from a YAML anchor, an alias or `extends`, where other services share
    /// it, nor when the service merges an anchor that could set it again.
    /// Unsafe: what the service did with its privileges (devices, mounts,
    /// network administration) fails until it gets the one capability or
    /// device it needs.
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
        fix: Unsafe,
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
            let fix = delete_entry_line(cx, c, "privileged", &p.origin);
            let f = cx.report(
                &p.origin,
                format!(
                    "{} runs privileged: it has every capability and every host device, without seccomp or AppArmor confinement",
                    svc(c)
                ),
            );
            if let Some(edit) = fix {
                f.set_fix(Fix::unsafe_("Remove `privileged: true`", vec![edit]));
            }
        }
    }
}
