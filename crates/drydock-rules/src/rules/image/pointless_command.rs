use drydock_core::RuleMeta;
use drydock_core::spec::ImageSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports commands in a `RUN` that make no sense while building an
    /// image or need a person at a terminal: `ssh`, `vim`, `shutdown`,
    /// `service`, `ps`, `free`, `top`, `kill`, `mount`, `ifconfig`.
    ///
    /// ## Why is this bad?
    /// A build step has no terminal, no running services and no lasting
    /// processes: `vim` or `top` waits for input, `service x start` starts
    /// a daemon that dies with the step, `ps`/`free`/`ifconfig` describe
    /// the build machine rather than the image, and `mount`/`shutdown`
    /// need privileges a build does not have. Often the line is a leftover
    /// from an interactive session, or a sign that the image is treated
    /// like a virtual machine.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN service nginx start
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// CMD ["nginx", "-g", "daemon off;"]
    /// ```
    ///
    /// ## How to fix
    /// Remove the command; start services from `CMD`/`ENTRYPOINT` when the
    /// container runs.
    pub struct PointlessCommand {
        id: "IMG042",
        name: "pointless-command-in-run",
        title: "Interactive or pointless command in RUN",
        severity: Info,
        category: BestPractice,
        references: ["concern:49", "hadolint:DL3001", "kics:run-utilities-and-posix-commands"],
        fix: None,
    }
}

const POINTLESS: &[&str] = &[
    "ssh", "vim", "shutdown", "service", "ps", "free", "top", "kill", "mount", "ifconfig",
];

impl Rule for PointlessCommand {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for (_, cmd) in image.commands() {
            let p = cmd.program();
            if POINTLESS.contains(&p) {
                cx.report(
                    &cmd.origin,
                    format!("`{p}` in a RUN: it makes no sense while building an image"),
                );
            }
        }
    }
}
