use drydock_core::RuleMeta;
use drydock_core::spec::{Nesting, ShellCommand, ShellScript, StepKind};

use crate::declare_rule;
use crate::rule::{Checker, DockerfileCx, Rule};
use crate::rules::image::bashism_in_sh::{heredoc_program, inherited_shell};

declare_rule! {
    /// ## What it does
    /// Reports a `cd` in a `RUN` whose failure nothing notices before the
    /// next command runs: `cd dir; make`, or `cd dir` and `make` on
    /// separate lines of a heredoc, without `set -e` in effect (from the
    /// script, the `SHELL`'s options such as `-e`/`-eo pipefail`, or
    /// `sh -e -c '…'`). `cd dir && make`, `cd dir || exit 1`, a `cd` that
    /// is the last command, and `cd /`, `cd /tmp`, `cd -` are not reported.
    ///
    /// ## Why is this bad?
    /// A `RUN` does not stop at a failed command inside a `;`-separated or
    /// multi-line script: when the directory is missing (a renamed archive
    /// folder, a failed download), the commands after the `cd` run in the
    /// wrong directory: `rm -rf *` deletes the wrong files, `make install`
    /// builds nothing, and the build may still succeed.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN tar -xzf app.tgz; cd app-1.2; ./configure; make install
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN tar -xzf app.tgz && cd app-1.2 && ./configure && make install
    /// ```
    ///
    /// ## How to fix
    /// Chain with `&&`, add `|| exit 1` after the `cd`, start the script
    /// with `set -e`, or use `WORKDIR`.
    pub struct CdFailureIgnored {
        id: "IMG072",
        name: "cd-failure-ignored",
        title: "cd in RUN whose failure is ignored",
        severity: Low,
        category: BestPractice,
        references: ["concern:76", "hadolint:SC2164", "shellcheck:SC2164"],
        fix: None,
    }
}

/// Whether shell options turn `errexit` on: `-e`, `-ex`, `-eo pipefail`,
/// `-o errexit` (and `+e` turns it off).
fn errexit_of(args: &[&str]) -> Option<bool> {
    let mut state = None;
    let mut after_o: Option<bool> = None;
    for a in args {
        if let Some(on) = after_o.take() {
            if *a == "errexit" {
                state = Some(on);
            }
            continue;
        }
        if *a == "--" || *a == "-c" {
            break;
        }
        let (on, flags) = match (a.strip_prefix('-'), a.strip_prefix('+')) {
            (Some(f), _) if !f.starts_with('-') => (true, f),
            (_, Some(f)) => (false, f),
            _ => continue,
        };
        if !flags.chars().all(|c| c.is_ascii_alphabetic()) {
            continue;
        }
        if flags.contains('e') {
            state = Some(on);
        }
        if flags.ends_with('o') {
            after_o = Some(on);
        }
        if flags.contains('c') {
            break;
        }
    }
    state
}

fn texts(cmd: &ShellCommand) -> Vec<&str> {
    cmd.args.iter().map(|w| w.text.as_str()).collect()
}

/// Whether `errexit` is on when `cd` runs: set by the runner's options
/// (`top` for the script's own shell) and then by `set` commands of the same
/// shell before it.
fn errexit_at(script: &ShellScript, cd: &ShellCommand, top: bool) -> bool {
    let mut on = match cd.shell {
        None => top,
        Some(i) => script
            .commands
            .get(i as usize)
            .and_then(|c| errexit_of(&texts(c)))
            .unwrap_or(false),
    };
    let start = cd.origin.range().map_or(0, |r| r.start);
    for c in &script.commands {
        if c.shell != cd.shell || !c.is("set") || c.nesting == Nesting::Wrapped {
            continue;
        }
        if c.origin.range().is_none_or(|r| r.start >= start) {
            break;
        }
        if let Some(e) = errexit_of(&texts(c)) {
            on = e;
        }
    }
    on
}

impl Rule for CdFailureIgnored {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, cx: &mut Checker<'_>, df: &DockerfileCx<'_>) {
        for image in df.images {
            let mut shell = inherited_shell(df.images, image);
            for step in &image.steps {
                let run = match &step.kind {
                    StepKind::Shell(s) => {
                        shell = Some(s.clone());
                        continue;
                    }
                    StepKind::Run(run) => run,
                    _ => continue,
                };
                let Some(script) = &run.script else { continue };
                // Options of the shell running the top-level script.
                let top = if run.exec_form {
                    let args: Vec<&str> = run
                        .exec_args
                        .iter()
                        .skip(1)
                        .map(|a| a.value.as_str())
                        .collect();
                    errexit_of(&args).unwrap_or(false)
                } else if run.heredoc
                    && heredoc_program(cx.text_of(&step.origin), cx.text_of(&script.origin))
                        .is_some()
                {
                    // `RUN <<EOF bash -e`, `#!/bin/sh -e`.
                    let line = cx.text_of(&step.origin).lines().next().unwrap_or("");
                    let body = cx.text_of(&script.origin).lines().next().unwrap_or("");
                    let words: Vec<&str> = line
                        .split_whitespace()
                        .chain(body.strip_prefix("#!").unwrap_or("").split_whitespace())
                        .collect();
                    errexit_of(&words).unwrap_or(false)
                } else {
                    let args: Vec<&str> = shell
                        .as_deref()
                        .unwrap_or_default()
                        .iter()
                        .skip(1)
                        .map(String::as_str)
                        .collect();
                    errexit_of(&args).unwrap_or(false)
                };
                for cd in script.commands_named("cd") {
                    if !cd.status_unchecked
                        || cd.nesting == Nesting::Wrapped
                        || cd.name.text != "cd"
                    {
                        continue;
                    }
                    let dirs = cd.positionals(&[]);
                    let [dir] = dirs.as_slice() else { continue };
                    if matches!(dir.text.as_str(), "/" | "/tmp" | "-" | "~" | "$HOME") {
                        continue;
                    }
                    if errexit_at(script, cd, top) {
                        continue;
                    }
                    cx.report(
                        &cd.origin,
                        format!(
                            "if `cd {}` fails, the commands after it still run, in the wrong directory: use `&&`, `|| exit 1` or `set -e`",
                            dir.text
                        ),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::errexit_of;

    #[test]
    fn errexit_options() {
        assert_eq!(errexit_of(&["-e"]), Some(true));
        assert_eq!(errexit_of(&["-eux", "-o", "pipefail"]), Some(true));
        assert_eq!(errexit_of(&["-o", "errexit"]), Some(true));
        assert_eq!(errexit_of(&["-o", "pipefail", "-c"]), None);
        assert_eq!(errexit_of(&["-ec", "x"]), Some(true));
        assert_eq!(errexit_of(&["-c", "-e"]), None);
        assert_eq!(errexit_of(&["+e"]), Some(false));
        assert_eq!(errexit_of(&["--login", "-x"]), None);
        assert_eq!(errexit_of(&["RUN", "<<EOF", "bash", "-e"]), Some(true));
    }
}
