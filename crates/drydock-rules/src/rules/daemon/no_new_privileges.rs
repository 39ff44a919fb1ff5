//! DMN004

use drydock_core::spec::DaemonSpec;
use drydock_core::{Fix, RuleMeta};

use super::support::{at, set_bool};
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a daemon configuration without `"no-new-privileges": true`
    /// (absent, or `false`).
    ///
    /// ## Why is this bad?
    /// The setting applies `no-new-privileges` to every container by
    /// default, so that no process in any container can gain privileges
    /// through a setuid or setgid binary or file capabilities. Without it,
    /// each container has to opt in, and most never do.
    ///
    /// ## Example
    /// ```json
    /// {
    ///   "live-restore": true
    /// }
    /// ```
    ///
    /// ## How to fix
    /// Set `"no-new-privileges": true`. A container that really needs
    /// setuid binaries can opt out with
    /// `security_opt: [no-new-privileges:false]`.
    ///
    /// ## Fix
    /// Adds `"no-new-privileges": true`, or turns `false` into `true`.
    /// Unsafe: containers that rely on `sudo`, `su` or other setuid binaries
    /// lose that ability once the daemon restarts.
    pub struct NoNewPrivilegesDefault {
        id: "DMN004",
        name: "no-new-privileges-default",
        title: "Daemon does not apply no-new-privileges by default",
        severity: Medium,
        category: Daemon,
        references: ["concern:139", "cis-docker-1.6:2.14"],
        fix: Unsafe,
    }
}

impl Rule for NoNewPrivilegesDefault {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_daemon(&self, cx: &mut Checker<'_>, d: &DaemonSpec) {
        let v = d.no_new_privileges.as_ref();
        let msg = match v {
            Some(b) if b.value => return,
            Some(_) => {
                "`no-new-privileges` is false: containers can gain privileges through setuid binaries unless each opts out"
            }
            None => {
                "`no-new-privileges` is not set: containers can gain privileges through setuid binaries unless each opts out"
            }
        };
        let fix = set_bool(d, "no-new-privileges", v, true);
        let f = cx.report(at(d, v), msg);
        if let Some(edit) = fix {
            f.set_fix(Fix::unsafe_(
                "Set `\"no-new-privileges\": true`",
                vec![edit],
            ));
        }
    }
}
