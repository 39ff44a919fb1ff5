//! CTR034

use drydock_core::spec::{ExecSource, ExecSpec, ExecUser};
use drydock_core::{RuleMeta, Severity};

use super::support::{exec_setting, exec_subject};
use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::util::is_root_user;

declare_rule! {
    /// ## What it does
    /// Reports a command run in a container as root: `docker exec -u root`
    /// (`--user 0`, `0:0`, `root:…`) in a script, Makefile, CI file or
    /// Markdown block; an exec create request with `"User": "root"`
    /// (`drydock guard`); an exec instance the daemon still knows that runs
    /// as root (`drydock audit`).
    ///
    /// An exec that names no user runs as the container's own user
    /// (`Config.User`: the image's `USER` unless `--user` overrode it).
    /// For a live exec instance that user is known, and an empty one (root)
    /// is reported like an explicit root. A line or a request does not show
    /// the container's user: an exec without `--user` is then reported at
    /// **low** severity, saying that it runs as root unless the container
    /// names another user. An explicit root is reported at the rule's
    /// severity (medium, as CTR016 for a container set to run as root).
    ///
    /// ## Why is this bad?
    /// Root in a container is root on the host's kernel, held back only by
    /// capabilities, seccomp and the namespaces; an exec as root undoes a
    /// container built to run unprivileged, and what it writes (owned by
    /// root) can break the service or be reached through mounts from the
    /// host. CIS recommends that `docker exec` is not used as root.
    ///
    /// ## Example
    /// ```sh
    /// docker exec -u root web apt-get install -y curl
    /// ```
    ///
    /// ## How to fix
    /// Run the command as the container's unprivileged user (`docker exec
    /// -u 1000:1000 web …`, or the user the image creates), and do root
    /// work in the image's build instead. In `drydock guard`, execs as root
    /// are denied or only logged with `root = "deny"` or `"log"` under
    /// `[exec]`.
    pub struct ExecAsRoot {
        id: "CTR034",
        name: "exec-as-root",
        title: "Command runs in a container as root",
        severity: Medium,
        category: Privilege,
        references: ["cis-docker-1.6:5.24"],
        fix: None,
    }
}

impl Rule for ExecAsRoot {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_exec(&self, cx: &mut Checker<'_>, e: &ExecSpec) {
        let user_opt = exec_setting(e, "--user", "User", "ProcessConfig.user");
        let subject = exec_subject(e);
        let fix = exec_setting(
            e,
            "add `--user` with an unprivileged user (`-u 1000:1000`)",
            "set `User` to an unprivileged user (`docker exec -u 1000:1000`)",
            "run such commands with `docker exec -u` and an unprivileged user",
        );
        match e.effective_user() {
            ExecUser::Explicit(u) if is_root_user(&u.value) => {
                let shown = match e.source {
                    ExecSource::ExecLine => format!("--user {}", u.value.trim()),
                    _ => format!("{user_opt}: \"{}\"", u.value),
                };
                cx.report(
                    &u.origin,
                    format!("{subject} runs its command as root (`{shown}`); {fix}"),
                );
            }
            ExecUser::Explicit(_) | ExecUser::Unreadable => {}
            ExecUser::Container(c) => {
                let name = c.value.trim();
                if name.is_empty() || is_root_user(name) {
                    let value = if name.is_empty() {
                        "empty".to_string()
                    } else {
                        format!("`{name}`")
                    };
                    let origin = e.user.as_ref().map_or(&e.origin, |u| &u.origin);
                    cx.report(
                        origin,
                        format!(
                            "{subject} runs its command as root: `{user_opt}` is empty, so it runs as the container's own user, and the container's `Config.User` is {value} (root); {fix}"
                        ),
                    );
                }
            }
            ExecUser::Unknown => {
                let origin = e.user.as_ref().map_or(&e.origin, |u| &u.origin);
                let given = match e.source {
                    ExecSource::ExecLine => "gives no `--user`".to_string(),
                    _ => format!("sets no `{user_opt}`"),
                };
                let f = cx.report(
                    origin,
                    format!(
                        "{subject} {given}, so its command runs as the container's own user, which this {} does not show: root unless the container or its image names another user; {fix}",
                        exec_setting(e, "line", "request", "instance")
                    ),
                );
                // Not certain: the container's user may be unprivileged.
                f.severity = Severity::Low;
            }
        }
    }
}
