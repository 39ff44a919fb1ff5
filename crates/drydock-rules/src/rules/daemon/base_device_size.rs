//! DMN020

use drydock_core::RuleMeta;
use drydock_core::spec::DaemonSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports `dm.basesize` in `storage-opts`: a changed base device size
    /// for the devicemapper storage driver.
    ///
    /// ## Why is this bad?
    /// `dm.basesize` sets how large every container's root filesystem may
    /// grow. Raising it lets each container fill more of the thin pool, so
    /// one container can exhaust the space all containers share (a denial
    /// of service); and once raised it can only grow, never shrink, without
    /// rebuilding the pool. CIS recommends leaving it alone until a
    /// workload needs it. The devicemapper driver itself is deprecated and
    /// removed in Docker Engine v25 (see DMN015), where the option makes
    /// dockerd refuse to start.
    ///
    /// ## Example
    /// ```json
    /// {
    ///   "storage-driver": "devicemapper",
    ///   "storage-opts": ["dm.basesize=50G"]
    /// }
    /// ```
    ///
    /// ## How to fix
    /// Remove `dm.basesize` from `storage-opts` (or move to `overlay2` and
    /// limit container storage with `overlay2.size` on an XFS backing
    /// filesystem with project quotas). If a workload really needs larger
    /// root filesystems, document why and suppress the finding.
    pub struct BaseDeviceSizeChanged {
        id: "DMN020",
        name: "base-device-size-changed",
        title: "Daemon changes the devicemapper base device size",
        severity: Low,
        category: Daemon,
        references: ["concern:136", "cis-docker-1.6:2.11"],
        fix: None,
    }
}

impl Rule for BaseDeviceSizeChanged {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_daemon(&self, cx: &mut Checker<'_>, d: &DaemonSpec) {
        for opt in &d.storage_opts {
            let Some((key, value)) = opt.value.split_once('=') else {
                continue;
            };
            if key.trim().eq_ignore_ascii_case("dm.basesize") {
                cx.report(
                    &opt.origin,
                    format!("`storage-opts` sets `dm.basesize={}`: every container may grow its root filesystem that far in the shared thin pool", value.trim()),
                );
            }
        }
    }
}
