//! CTR015

use drydock_core::spec::ContainerSpec;
use drydock_core::{Fix, RuleMeta};

use super::support::{insert_key, replace_false_with_true, setting, setting_is, svc};
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a container whose root filesystem is writable: no
    /// `read_only: true` (`docker run --read-only`).
    ///
    /// ## Why is this bad?
    /// An attacker with code execution can then modify the application's
    /// own files, drop tools and binaries into the image's directories and
    /// persist in the container for as long as it lives. A read-only root
    /// filesystem confines writes to the volumes and tmpfs mounts the
    /// service declares, which also makes them easy to audit.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:5.1
    /// ```
    ///
    /// ## How to fix
    /// ```yaml
    ///     read_only: true
    ///     tmpfs:
    ///       - /tmp
    /// ```
    /// (`docker run --read-only --tmpfs /tmp`), and give every path the service writes to a volume or tmpfs mount.
    ///
    /// ## Fix
    /// Adds `read_only: true` to the service, or turns `read_only: false`
    /// into `true`. Unsafe: a service that writes outside its volumes (temp
    /// files, caches, PID files) fails until those paths get a tmpfs or
    /// volume.
    pub struct RootFilesystemWritable {
        id: "CTR015",
        name: "root-filesystem-writable",
        title: "Container's root filesystem is writable",
        severity: Medium,
        category: Isolation,
        references: ["concern:107", "cis-docker-1.6:5.13", "compose-lint:CL-0007"],
        fix: Unsafe,
    }
}

impl Rule for RootFilesystemWritable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        match &c.read_only {
            Some(r) if r.value => {}
            Some(r) => {
                let fix = replace_false_with_true(cx, &r.origin);
                let f = cx.report(
                    &r.origin,
                    format!(
                        "{} sets `{}`: its root filesystem is writable",
                        svc(c),
                        setting_is(
                            c,
                            "read_only",
                            "--read-only",
                            "HostConfig.ReadonlyRootfs",
                            false
                        )
                    ),
                );
                if let Some(edit) = fix {
                    f.set_fix(Fix::unsafe_("Set `read_only: true`", vec![edit]));
                }
            }
            None => {
                let fix = insert_key(cx, c, "read_only", "read_only: true");
                let f = cx.report(
                    &c.origin,
                    format!(
                        "{} has a writable root filesystem ({})",
                        svc(c),
                        setting(
                            c,
                            "no `read_only: true`",
                            "no `--read-only`",
                            "`HostConfig.ReadonlyRootfs` is false",
                        )
                    ),
                );
                if let Some(edit) = fix {
                    f.set_fix(Fix::unsafe_("Add `read_only: true`", vec![edit]));
                }
            }
        }
    }
}
