//! CTR006

use drydock_core::spec::ContainerSpec;
use drydock_core::{Edit, Fix, RuleMeta, TextRange};

use super::support::{insert_key, setting, svc};
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a container without the `no-new-privileges` security option
    /// (`security_opt: [no-new-privileges:true]`,
    /// `--security-opt no-new-privileges`), or with it set to `false`.
    ///
    /// ## Why is this bad?
    /// Without it, a process in the container can gain privileges by
    /// executing a setuid or setgid binary or one with file capabilities
    /// (`su`, `sudo`, a planted binary). With it, the kernel's
    /// `no_new_privs` flag makes `execve` never grant more than the caller
    /// had, which closes a whole class of privilege escalations.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    /// ```
    ///
    /// ## How to fix
    /// ```yaml
    ///     security_opt:
    ///       - no-new-privileges:true
    /// ```
    /// (`docker run --security-opt no-new-privileges`), or set `"no-new-privileges": true` in daemon.json for every
    /// container.
    ///
    /// ## Fix
    /// When the service has no `security_opt` key, the fix adds one with
    /// `no-new-privileges:true`; when the option is written as
    /// `no-new-privileges:false`, it turns it to `true`. Unsafe: a service
    /// that relies on setuid binaries (`sudo`, `su`, `ping` on old images)
    /// stops being able to use them.
    pub struct NoNewPrivilegesNotSet {
        id: "CTR006",
        name: "no-new-privileges-not-set",
        title: "Container may gain new privileges",
        severity: Medium,
        category: Privilege,
        references: [
            "concern:86",
            "cis-docker-1.6:5.26",
            "kics:no-new-privileges-not-set",
            "compose-lint:CL-0003",
        ],
        fix: Unsafe,
    }
}

impl Rule for NoNewPrivilegesNotSet {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        match c.no_new_privileges() {
            Some((true, _)) => {}
            Some((false, opt)) => {
                let fix = false_to_true(cx.text_of(&opt.origin), &opt.origin);
                let f = cx.report(
                    &opt.origin,
                    format!("{} sets `no-new-privileges` to false: setuid binaries can raise privileges", svc(c)),
                );
                if let Some(edit) = fix {
                    f.set_fix(Fix::unsafe_("Set `no-new-privileges:true`", vec![edit]));
                }
            }
            None => {
                let fix = if c.security_opt.is_empty() {
                    insert_key(
                        cx,
                        c,
                        "security_opt",
                        "security_opt:\n  - no-new-privileges:true",
                    )
                } else {
                    None
                };
                let f = cx.report(
                    &c.origin,
                    format!(
                        "{} does not set {}: setuid binaries can raise privileges",
                        svc(c),
                        setting(
                            c,
                            "`no-new-privileges:true`",
                            "`--security-opt no-new-privileges`",
                            "`no-new-privileges` in `HostConfig.SecurityOpt`",
                        )
                    ),
                );
                if let Some(edit) = fix {
                    f.set_fix(Fix::unsafe_(
                        "Add `security_opt: [no-new-privileges:true]`",
                        vec![edit],
                    ));
                }
            }
        }
    }
}

/// Replaces the `false` at the end of a written `no-new-privileges:false`.
fn false_to_true(text: &str, origin: &drydock_core::Origin) -> Option<Edit> {
    let (file, range) = origin.file_range()?;
    let trimmed = text.trim_end_matches(['"', '\'']).trim_end();
    let head = trimmed.len().checked_sub(5)?;
    let tail = trimmed.get(head..)?;
    if !tail.eq_ignore_ascii_case("false") {
        return None;
    }
    let start = range.start.checked_add(u32::try_from(head).ok()?)?;
    let end = start.checked_add(5)?;
    Some(Edit::replace(file, TextRange::new(start, end), "true"))
}
