//! CTR022

use drydock_core::RuleMeta;
use drydock_core::spec::ContainerSpec;

use super::support::svc;
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a mount with `shared` or `rshared` propagation
    /// (`- /mnt/data:/data:rshared`, `bind: {propagation: shared}`).
    ///
    /// ## Why is this bad?
    /// With shared propagation, mounts made inside the container appear on
    /// the host, and the other way round. A compromised container can mount
    /// over host paths below the shared mount point, or mount a filesystem
    /// the host then uses, and it sees every mount the host makes there.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   storage:
    ///     image: example/csi-driver:1.0
    ///     volumes:
    ///       - /mnt/volumes:/mnt/volumes:rshared
    /// ```
    ///
    /// ## How to fix
    /// Remove the propagation option (the default is `rprivate`); if the
    /// container must see mounts made on the host later, use `rslave`, which
    /// propagates host to container only.
    pub struct MountPropagationShared {
        id: "CTR022",
        name: "mount-propagation-shared",
        title: "Mount propagation is shared with the host",
        severity: Medium,
        category: Isolation,
        references: [
            "concern:114",
            "cis-docker-1.6:5.20",
            "kics:volume-mounted-in-multiple-containers",
            "compose-lint:CL-0017",
        ],
        fix: None,
    }
}

impl Rule for MountPropagationShared {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        for m in &c.mounts {
            let Some(p) = &m.propagation else { continue };
            let mode = p.value.trim();
            if mode.eq_ignore_ascii_case("shared") || mode.eq_ignore_ascii_case("rshared") {
                let src = m
                    .source
                    .as_ref()
                    .map_or_else(String::new, |s| format!("`{}` ", s.value));
                cx.report(
                    &p.origin,
                    format!(
                        "{} mounts {src}at `{}` with `{mode}` propagation: mounts made in the container appear on the host",
                        svc(c),
                        m.target.value
                    ),
                );
            }
        }
    }
}
