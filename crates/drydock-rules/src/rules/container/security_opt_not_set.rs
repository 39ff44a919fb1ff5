//! CTR026

use drydock_core::RuleMeta;
use drydock_core::spec::ContainerSpec;

use super::support::{setting, svc};
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a container without any `security_opt` (`--security-opt`)
    /// entry. An empty `security_opt: []` counts as absent.
    ///
    /// ## Why is this bad?
    /// Without `security_opt` the container gets whatever the daemon
    /// defaults to: the default seccomp profile, the `docker-default`
    /// AppArmor profile or the default SELinux label when the host has one,
    /// and no `no-new-privileges`. The defaults are reasonable, but nothing
    /// in the file states or tightens the confinement, so a daemon set up
    /// differently (`--selinux-enabled` off, a custom default seccomp
    /// profile) changes it silently, and setuid binaries in the image can
    /// still raise privileges. This is a reminder rather than a defect,
    /// hence the `info` severity; `no-new-privileges-not-set` reports the
    /// concrete missing option.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:5.1
    /// ```
    ///
    /// ## How to fix
    /// State the confinement the service runs with, at least:
    /// ```yaml
    ///     security_opt:
    ///       - no-new-privileges:true
    /// ```
    /// (`docker run --security-opt no-new-privileges`), and, where the host uses them, a tighter seccomp profile
    /// (`seccomp=profile.json`), an AppArmor profile (`apparmor=…`) or an
    /// SELinux label (`label=type:…`).
    pub struct SecurityOptNotSet {
        id: "CTR026",
        name: "security-opt-not-set",
        title: "Container sets no security options",
        severity: Info,
        category: Isolation,
        references: [
            "concern:89",
            "cis-docker-1.6:5.3",
            "kics:security-opt-not-set",
        ],
        fix: None,
    }
}

impl Rule for SecurityOptNotSet {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        if !c.security_opt.is_empty() {
            return;
        }
        cx.report(
            &c.origin,
            format!(
                "{} has no `{}`: its seccomp, AppArmor/SELinux and no-new-privileges settings are left to the daemon's defaults",
                svc(c),
                setting(c, "security_opt", "--security-opt", "HostConfig.SecurityOpt")
            ),
        );
    }
}
