//! CTR033

use drydock_core::spec::{ExecSource, ExecSpec};
use drydock_core::{Edit, Fix, Origin, RuleMeta, TextRange};

use super::support::{exec_setting, exec_subject};
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a command run in a container with extended privileges:
    /// `docker exec --privileged` in a script, Makefile, CI file or
    /// Markdown block; an exec create request with `"Privileged": true`
    /// (`drydock guard`); an exec instance the daemon still knows with
    /// `ProcessConfig.privileged: true` (`drydock audit`).
    ///
    /// ## Why is this bad?
    /// A privileged exec gets every capability and runs without the
    /// container's seccomp and AppArmor/SELinux confinement, whatever the
    /// container was started with: a carefully restricted container is
    /// unrestricted for that command. Root in it can load kernel modules,
    /// reach host devices and escape to the host. It is less severe than a
    /// privileged container (CTR001) only because it lasts as long as the
    /// command does.
    ///
    /// ## Example
    /// ```sh
    /// docker exec --privileged web sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
    /// ```
    ///
    /// ## How to fix
    /// Drop `--privileged`. When the command needs one privilege, give the
    /// container that capability or device when it is created
    /// (`--cap-add NET_ADMIN`, `--device`), or do the work on the host. In
    /// `drydock guard`, an exec that must stay privileged is excepted with
    /// `privileged = "allow"` (or `"log"`) under `[exec]`.
    ///
    /// ## Fix
    /// Removes the `--privileged` word from a `docker exec` line. Unsafe:
    /// the command may need a privilege it then lacks and fail.
    pub struct PrivilegedExec {
        id: "CTR033",
        name: "privileged-exec",
        title: "Command runs in a container with --privileged",
        severity: High,
        category: Privilege,
        references: ["cis-docker-1.6:5.23"],
        fix: Unsafe,
    }
}

/// The edit removing a `--privileged` (or `--privileged=true`) word of a
/// line, with the blanks before it: only when the origin covers exactly
/// that word as written in the file.
fn remove_flag(cx: &Checker<'_>, origin: &Origin) -> Option<Edit> {
    let (file, range) = origin.file_range()?;
    let word = cx.text_of(origin);
    let flag = word.strip_prefix("--privileged")?;
    let on = match flag.strip_prefix('=') {
        None if flag.is_empty() => true,
        Some(v) => matches!(v, "true" | "TRUE" | "True" | "1" | "t" | "T"),
        None => false,
    };
    if !on {
        return None;
    }
    let text = cx.file_text(file);
    let before = text.get(..range.start as usize)?;
    let blanks = before.len() - before.trim_end_matches([' ', '\t']).len();
    if blanks == 0 {
        return None;
    }
    let start = range.start - u32::try_from(blanks).ok()?;
    Some(Edit::delete(file, TextRange::new(start, range.end)))
}

impl Rule for PrivilegedExec {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_exec(&self, cx: &mut Checker<'_>, e: &ExecSpec) {
        let Some(p) = e.privileged.as_ref().filter(|p| p.value) else {
            return;
        };
        let fix = if e.source == ExecSource::ExecLine {
            remove_flag(cx, &p.origin)
        } else {
            None
        };
        let setting = exec_setting(
            e,
            "--privileged",
            "Privileged: true",
            "ProcessConfig.privileged: true",
        );
        let how = exec_setting(
            e,
            "remove `--privileged` and give the container the one capability or device the command needs when it is created",
            "run the exec without `Privileged` (`docker exec` without --privileged)",
            "run such commands without `--privileged`; give the container the one capability or device they need when it is created",
        );
        let f = cx.report(
            &p.origin,
            format!(
                "{} runs privileged (`{setting}`): the command has every capability and no seccomp or AppArmor confinement, whatever the container was started with; {how}",
                exec_subject(e)
            ),
        );
        if let Some(edit) = fix {
            f.set_fix(Fix::unsafe_("Remove `--privileged`", vec![edit]));
        }
    }
}
