use drydock_core::RuleMeta;
use drydock_core::spec::{ImageSpec, Nesting, ShellCommand, StepKind};
use drydock_core::{Origin, TextRange};

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a shell-form `RUN` with a pipeline (`a | b`) when neither the
    /// `SHELL` sets `-o pipefail` nor the script runs `set -o pipefail`
    /// before it. Pipelines whose only commands before the last are `echo`
    /// or `printf` (which cannot fail) are not reported, nor are scripts
    /// run by a non-POSIX `SHELL`.
    ///
    /// ## Why is this bad?
    /// A pipeline's status is its last command's: in
    /// `curl -fsSL https://… | tar -xz` a failed download still makes the
    /// step succeed, and the image is built with a missing or truncated
    /// file.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN wget -qO- https://example.com/tool.tgz | tar -xz -C /usr/local
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// SHELL ["/bin/bash", "-o", "pipefail", "-c"]
    /// RUN wget -qO- https://example.com/tool.tgz | tar -xz -C /usr/local
    /// ```
    ///
    /// ## How to fix
    /// Add `SHELL ["/bin/bash", "-o", "pipefail", "-c"]` (or
    /// `["/bin/ash", "-eo", "pipefail", "-c"]` on Alpine) before the `RUN`,
    /// or start the script with `set -o pipefail &&`.
    pub struct PipeWithoutPipefail {
        id: "IMG061",
        name: "pipe-without-pipefail",
        title: "Pipeline in RUN without pipefail",
        severity: Low,
        category: BestPractice,
        references: ["concern:73", "hadolint:DL4006", "kics:shell-running-a-pipe-without-pipefail-flag", "semgrep:set-pipefail"],
        fix: None,
    }
}

fn cannot_fail(cmd: &ShellCommand) -> bool {
    cmd.is("echo") || cmd.is("printf")
}

impl Rule for PipeWithoutPipefail {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for step in &image.steps {
            let StepKind::Run(run) = &step.kind else {
                continue;
            };
            if run.exec_form {
                continue;
            }
            let Some(script) = &run.script else { continue };
            if script.sets_pipefail {
                continue;
            }
            let pipe = script.commands.iter().find_map(|c| {
                let p = c.pipeline?;
                if c.nesting != Nesting::Top || p.index != 0 || p.len < 2 {
                    return None;
                }
                let members: Vec<&ShellCommand> = script
                    .pipeline(p.id)
                    .filter(|m| m.nesting == Nesting::Top)
                    .collect();
                let (last, before) = members.split_last()?;
                if before.iter().all(|m| cannot_fail(m)) {
                    return None;
                }
                let (file, a) = c.origin.file_range()?;
                let b: TextRange = last.origin.range()?;
                Some(Origin::file(file, a.cover(b)))
            });
            if let Some(origin) = pipe {
                cx.report(
                    &origin,
                    "the pipeline's status is its last command's: without `pipefail` a failure before it is ignored",
                );
            }
        }
    }
}
