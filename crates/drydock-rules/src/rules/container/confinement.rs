//! CTR007

use drydock_core::RuleMeta;
use drydock_core::spec::{ContainerSpec, SecurityOpt};

use super::support::svc;
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports security options that switch off a confinement layer:
    /// `seccomp=unconfined` (or `seccomp:unconfined`), `apparmor=unconfined`,
    /// `label=disable` / `label:disable` (SELinux separation) and
    /// `systempaths=unconfined` (unmasked `/proc` and `/sys` paths).
    ///
    /// ## Why is this bad?
    /// Docker's default seccomp profile blocks some 50 system calls that
    /// containers do not need and that most kernel exploits use
    /// (`keyctl`, `bpf`, `userfaultfd`, `unshare`, …). The AppArmor and
    /// SELinux profiles stop a process that breaks out of the namespaces
    /// from touching the host's files. The masked paths hide host kernel
    /// interfaces such as `/proc/kcore` and `/sys/firmware`. Each one turned
    /// off removes a layer between a compromised service and the host.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   builder:
    ///     image: example/builder:1.0
    ///     security_opt:
    ///       - seccomp:unconfined
    ///       - apparmor=unconfined
    /// ```
    ///
    /// ## How to fix
    /// Remove the option. If the service needs a system call that the
    /// default profile blocks, write a custom seccomp profile that allows
    /// just that call (`seccomp=/path/profile.json`); for SELinux, use a
    /// specific type (`label=type:…`) rather than disabling labelling.
    pub struct ConfinementDisabled {
        id: "CTR007",
        name: "confinement-disabled",
        title: "Seccomp, AppArmor or SELinux confinement is disabled",
        severity: High,
        category: Isolation,
        references: [
            "concern:87",
            "concern:88",
            "cis-docker-1.6:5.22",
            "cis-docker-1.6:5.2",
            "cis-docker-1.6:5.3",
            "kics:default-seccomp-profile-disabled",
            "compose-lint:CL-0009",
        ],
        fix: None,
    }
}

impl Rule for ConfinementDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        for (opt, written) in c.security_opts() {
            let what = match &opt {
                SecurityOpt::Seccomp(v) if v.trim().eq_ignore_ascii_case("unconfined") => {
                    "disables the seccomp profile: every system call is allowed"
                }
                SecurityOpt::AppArmor(v) if v.trim().eq_ignore_ascii_case("unconfined") => {
                    "disables the AppArmor profile"
                }
                SecurityOpt::Label(v) if v.trim().eq_ignore_ascii_case("disable") => {
                    "disables SELinux label separation"
                }
                SecurityOpt::SystemPaths(v) if v.trim().eq_ignore_ascii_case("unconfined") => {
                    "unmasks the host's kernel paths under /proc and /sys"
                }
                _ => continue,
            };
            cx.report(
                &written.origin,
                format!("{} {what} (`{}`)", svc(c), written.value.trim()),
            );
        }
    }
}
