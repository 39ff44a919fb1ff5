use drydock_core::RuleMeta;
use drydock_core::spec::ImageSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports `RUN ln -s … /bin/sh` (or `/usr/bin/sh`): replacing the
    /// default shell by a symbolic link.
    ///
    /// ## Why is this bad?
    /// It changes the shell for every program in the image, not only for
    /// the build: system scripts written for `dash` or `ash` then run under
    /// another shell. The `SHELL` instruction changes the shell used by
    /// `RUN`, `CMD` and `ENTRYPOINT` in shell form only, visibly.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN ln -sf /bin/bash /bin/sh
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// SHELL ["/bin/bash", "-c"]
    /// ```
    ///
    /// ## How to fix
    /// Use `SHELL`.
    pub struct ShellSwitchedWithLn {
        id: "IMG062",
        name: "shell-switched-with-ln",
        title: "Default shell replaced with ln instead of SHELL",
        severity: Low,
        category: BestPractice,
        references: ["concern:74", "hadolint:DL4005", "kics:changing-default-shell-using-run-command", "semgrep:use-shell-instruction"],
        fix: None,
    }
}

impl Rule for ShellSwitchedWithLn {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for (_, cmd) in image.commands() {
            if !cmd.is("ln") || !(cmd.has_short('s') || cmd.has_long("symbolic")) {
                continue;
            }
            let pos = cmd.positionals(&["-t", "-S", "--suffix"]);
            let Some(link) = pos.last() else { continue };
            if pos.len() >= 2
                && matches!(
                    link.text.trim_matches(['"', '\'']),
                    "/bin/sh" | "/usr/bin/sh"
                )
            {
                cx.report(
                    &cmd.origin,
                    format!("`ln` replaces `{}`: use the `SHELL` instruction", link.text),
                );
            }
        }
    }
}
