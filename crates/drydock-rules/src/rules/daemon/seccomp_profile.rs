//! DMN017

use drydock_core::spec::DaemonSpec;
use drydock_core::{Fix, RuleMeta};

use super::support::set_string;
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports `"seccomp-profile": "unconfined"` in the daemon
    /// configuration.
    ///
    /// ## Why is this bad?
    /// That turns off seccomp filtering for every container that does not
    /// bring its own profile. Docker's default profile blocks some 50
    /// system calls that containers do not need and that most kernel
    /// exploits and container escapes rely on (`keyctl`, `bpf`, `unshare`,
    /// `mount`, …).
    ///
    /// ## Example
    /// ```json
    /// {
    ///   "seccomp-profile": "unconfined"
    /// }
    /// ```
    ///
    /// ## How to fix
    /// Remove `seccomp-profile` (the built-in default profile applies), or
    /// point it at a profile file derived from the default. Containers that
    /// need a blocked call can use their own profile with `security_opt`.
    ///
    /// ## Fix
    /// Sets `seccomp-profile` to `"builtin"`, dockerd's name for its
    /// default profile. Unsafe: a container that needs a system call the
    /// default profile blocks fails until it gets its own profile with
    /// `security_opt`.
    pub struct SeccompProfileUnconfined {
        id: "DMN017",
        name: "seccomp-profile-unconfined",
        title: "Daemon disables seccomp for all containers",
        severity: High,
        category: Daemon,
        references: ["concern:142", "cis-docker-1.6:2.17"],
        fix: Unsafe,
    }
}

impl Rule for SeccompProfileUnconfined {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_daemon(&self, cx: &mut Checker<'_>, d: &DaemonSpec) {
        if let Some(v) = &d.seccomp_profile
            && v.value.trim().eq_ignore_ascii_case("unconfined")
        {
            let fix = set_string(cx, v, "builtin");
            let f = cx.report(&v.origin, "`seccomp-profile` is `unconfined`: containers run without seccomp filtering by default");
            if let Some(edit) = fix {
                f.set_fix(Fix::unsafe_(
                    "Use the built-in default profile (`\"seccomp-profile\": \"builtin\"`)",
                    vec![edit],
                ));
            }
        }
    }
}
