//! DMN015

use drydock_core::RuleMeta;
use drydock_core::spec::DaemonSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a deprecated storage driver in `storage-driver`: `aufs`,
    /// `devicemapper` or `overlay` (the legacy driver, not `overlay2`).
    ///
    /// ## Why is this bad?
    /// These drivers are deprecated and have been removed from current
    /// Docker Engine releases (devicemapper in v25): they get no fixes, an
    /// engine upgrade refuses to start with them, and aufs in particular
    /// was never in the mainline kernel and has had unpatched security
    /// problems. `devicemapper` in loop-lvm mode is also slow and fragile.
    ///
    /// ## Example
    /// ```json
    /// {
    ///   "storage-driver": "devicemapper"
    /// }
    /// ```
    ///
    /// ## How to fix
    /// Use `overlay2` (the default on every supported distribution), or
    /// remove `storage-driver` to let dockerd choose. Images and containers
    /// are not migrated between drivers: save or push what you need first.
    pub struct DeprecatedStorageDriver {
        id: "DMN015",
        name: "deprecated-storage-driver",
        title: "Daemon uses a deprecated storage driver",
        severity: Medium,
        category: Daemon,
        references: ["concern:131", "cis-docker-1.6:2.6"],
        fix: None,
    }
}

impl Rule for DeprecatedStorageDriver {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_daemon(&self, cx: &mut Checker<'_>, d: &DaemonSpec) {
        let Some(v) = &d.storage_driver else { return };
        let driver = v.value.trim();
        if matches!(driver, "aufs" | "devicemapper" | "overlay") {
            cx.report(
                &v.origin,
                format!("`storage-driver` is `{driver}`, which is deprecated and removed from current Docker Engine releases; use `overlay2`"),
            );
        }
    }
}
