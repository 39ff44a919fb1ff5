//! CTR023

use drydock_core::RuleMeta;
use drydock_core::spec::ContainerSpec;

use super::support::svc;
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a `tmpfs` entry (`- /tmp:exec,size=64m`,
    /// `docker run --tmpfs /tmp:exec`) whose options turn back on `exec`,
    /// `suid` or `dev`. Docker mounts these tmpfs with `noexec`, `nosuid`
    /// and `nodev` unless told otherwise, so only the options that undo
    /// those defaults are reported.
    ///
    /// ## Why is this bad?
    /// A writable tmpfs is where an attacker drops a payload. `noexec`
    /// stops it from being run directly; `nosuid` stops a setuid binary
    /// placed there from granting privileges; `nodev` stops device nodes
    /// created there from opening host devices. These matter most in a
    /// container with a read-only root filesystem, where tmpfs is the only
    /// writable place.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: example/app:2.0
    ///     read_only: true
    ///     tmpfs:
    ///       - /tmp:exec,mode=1777
    /// ```
    ///
    /// ## How to fix
    /// Remove `exec`, `suid` and `dev` from the options. If the service
    /// must execute files it writes (some JITs, native extension builds),
    /// give it a dedicated small mount for that and keep `/tmp` `noexec`.
    pub struct TmpfsExecAllowed {
        id: "CTR023",
        name: "tmpfs-exec-allowed",
        title: "tmpfs mount allows exec, setuid or devices",
        severity: Low,
        category: Isolation,
        references: ["concern:108", "compose-lint:CL-0022"],
        fix: None,
    }
}

impl Rule for TmpfsExecAllowed {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        for t in &c.tmpfs {
            let Some((path, opts)) = t.value.split_once(':') else {
                continue;
            };
            let enabled: Vec<&str> = opts
                .split(',')
                .map(str::trim)
                .filter(|o| matches!(*o, "exec" | "suid" | "dev"))
                .collect();
            if enabled.is_empty() {
                continue;
            }
            let list = enabled
                .iter()
                .map(|o| format!("`{o}`"))
                .collect::<Vec<_>>()
                .join(", ");
            cx.report(
                &t.origin,
                format!("{} mounts tmpfs `{}` with {list}, undoing Docker's noexec/nosuid/nodev defaults", svc(c), path.trim()),
            );
        }
    }
}
