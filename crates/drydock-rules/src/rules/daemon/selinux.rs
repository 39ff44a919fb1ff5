//! DMN019

use drydock_core::RuleMeta;
use drydock_core::spec::DaemonSpec;

use super::support::at;
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a daemon configuration in which `selinux-enabled` is `false`
    /// or absent (its default is `false`). The setting only matters on hosts
    /// that run SELinux (RHEL, CentOS, Fedora, Rocky, Alma and similar); on
    /// AppArmor hosts (Debian, Ubuntu) or hosts without a Linux security
    /// module it does nothing and the finding can be ignored.
    ///
    /// ## Why is this bad?
    /// With SELinux support off, dockerd labels neither containers nor
    /// their files: containers get no `container_t` type and no MCS label
    /// of their own, so the host policy no longer separates one container
    /// from another or from the host, and `:z`/`:Z` relabelling of bind
    /// mounts is skipped. An escape or a writable bind mount then meets
    /// only file permissions, not mandatory access control.
    ///
    /// ## Example
    /// ```json
    /// {
    ///   "selinux-enabled": false
    /// }
    /// ```
    ///
    /// ## How to fix
    /// On an SELinux host, install the `container-selinux` policy and set
    /// `"selinux-enabled": true`, then restart dockerd. Containers are
    /// started with the `container_t` type and a unique MCS label; bind
    /// mounts need `:z` (shared) or `:Z` (private) to be relabelled.
    pub struct SelinuxNotEnabled {
        id: "DMN019",
        name: "selinux-not-enabled",
        title: "Daemon does not enable SELinux support",
        severity: Info,
        category: Daemon,
        references: ["concern:144", "cis-docker-1.6:5.3"],
        fix: None,
    }
}

impl Rule for SelinuxNotEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_daemon(&self, cx: &mut Checker<'_>, d: &DaemonSpec) {
        let v = d.selinux_enabled.as_ref();
        let msg = match v {
            Some(s) if s.value => return,
            Some(_) => {
                "`selinux-enabled` is false: on an SELinux host, containers run without SELinux labels (ignore on hosts without SELinux)"
            }
            None => {
                "`selinux-enabled` is not set (default false): on an SELinux host, containers run without SELinux labels (ignore on hosts without SELinux)"
            }
        };
        cx.report(at(d, v), msg);
    }
}
