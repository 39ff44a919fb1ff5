use drydock_core::spec::{
    BaseImage, BuildStep, ImageSpec, Nesting, ShellCommand, ShellScript, StepKind,
};
use drydock_core::{Edit, Fix, Origin, RuleMeta, TextRange};

use drydock_dockerfile::Args;

use crate::declare_rule;
use crate::rule::{Checker, DockerfileCx, Rule};
use crate::rules::image::fixes::{BaseOs, base_os};

declare_rule! {
    /// ## What it does
    /// Reports a shell-form `RUN` with a pipeline (`a | b`) when neither the
    /// `SHELL` sets `-o pipefail` nor the script runs `set -o pipefail`
    /// before it. Pipelines whose only commands before the last are `echo`
    /// or `printf` (which cannot fail) are not reported, nor are scripts
    /// run by a non-POSIX `SHELL`. A pipeline inside a command substitution
    /// is reported when its status decides something: the value of a plain
    /// assignment (`arch="$(dpkg … | awk …)"`) in a script that runs
    /// `set -e`; elsewhere (an argument, `local x=$(…)`, no `set -e`) the
    /// status is dropped with or without pipefail.
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
    ///
    /// ## Fix
    /// When the stage's own `SHELL` runs `bash`, `zsh`, `ksh` or `ash`,
    /// adds `"-o", "pipefail"` to it. Otherwise inserts a `SHELL` line, at
    /// the `RUN`'s indentation, before the first such `RUN` of the stage
    /// (above the comments that lead into it): the inherited shell with
    /// `-o pipefail` when the stage it is built from set one of those
    /// shells; `["/bin/ash", "-eo", "pipefail", "-c"]` when the stage is
    /// built from Alpine or BusyBox; `["/bin/bash", "-o", "pipefail",
    /// "-c"]` otherwise. No fix for `scratch` and distroless bases, which
    /// have neither shell, nor for other shells.
    /// Unsafe: the image may have no `bash`; every later `RUN` of the stage
    /// runs in the new shell, where a pipeline that failed unnoticed now
    /// fails the build (and, with ash's `-e`, so does any failing command).
    pub struct PipeWithoutPipefail {
        id: "IMG061",
        name: "pipe-without-pipefail",
        title: "Pipeline in RUN without pipefail",
        severity: Low,
        category: BestPractice,
        references: ["concern:73", "hadolint:DL4006", "kics:shell-running-a-pipe-without-pipefail-flag", "semgrep:set-pipefail"],
        fix: Unsafe,
    }
}

fn cannot_fail(cmd: &ShellCommand) -> bool {
    cmd.is("echo") || cmd.is("printf")
}

/// The `SHELL` in effect at the start of a stage: the one of the stage it
/// is built from.
fn inherited_shell(images: &[ImageSpec], image: &ImageSpec) -> Option<Vec<String>> {
    let BaseImage::Stage { index, .. } = &image.base.value else {
        return None;
    };
    let parent = images.iter().find(|im| im.stage_index == *index)?;
    parent.shell.as_ref().map(|s| s.value.clone())
}

/// The shell that runs pipelines with pipefail, given the `SHELL` in
/// effect (`None`: `/bin/sh -c`) and the base image.
fn pipefail_shell(shell: Option<&[String]>, base: BaseOs) -> Option<Vec<String>> {
    if let Some((prog, rest)) = shell.and_then(|s| s.split_first()) {
        let name = prog.rsplit('/').next().unwrap_or(prog);
        if matches!(name, "bash" | "zsh" | "ksh" | "mksh" | "ash") {
            let mut out = vec![prog.clone(), "-o".into(), "pipefail".into()];
            out.extend(rest.iter().cloned());
            return Some(out);
        }
        if !matches!(name, "sh" | "dash") {
            return None;
        }
    }
    let args: &[&str] = match base {
        BaseOs::Alpine | BaseOs::Busybox => &["/bin/ash", "-eo", "pipefail", "-c"],
        BaseOs::Other => &["/bin/bash", "-o", "pipefail", "-c"],
        BaseOs::NoShell => return None,
    };
    Some(args.iter().map(|a| (*a).to_string()).collect())
}

/// An edit adding `"-o", "pipefail"` after the program of the stage's own
/// `SHELL ["bash", …]` instruction `step` (`bash`, `zsh`, `ksh`, `ash`).
fn add_pipefail_to(
    df: &DockerfileCx<'_>,
    step: &BuildStep,
    shell: Option<&[String]>,
) -> Option<Edit> {
    let prog = shell?.first()?;
    let name = prog.rsplit('/').next().unwrap_or(prog);
    if !matches!(name, "bash" | "zsh" | "ksh" | "mksh" | "ash") {
        return None;
    }
    let (file, range) = step.origin.file_range()?;
    let inst = df
        .dockerfile
        .instructions
        .iter()
        .find(|i| i.range == range && i.keyword == "SHELL")?;
    let Args::Exec(v) = &inst.args else {
        return None;
    };
    let (_, first) = v.first()?;
    Some(Edit::insert(file, first.end, ", \"-o\", \"pipefail\""))
}

/// `["/bin/bash", "-o", "pipefail", "-c"]`
fn json_array(args: &[String]) -> String {
    let quoted: Vec<String> = args
        .iter()
        .map(|a| format!("\"{}\"", a.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    format!("[{}]", quoted.join(", "))
}

/// An edit inserting `SHELL <json>` on its own line before `step`, at its
/// indentation, above the comment lines (and blank lines between them)
/// that lead into it, so that a suppression comment still covers the
/// `RUN`.
fn insert_shell_before(df: &DockerfileCx<'_>, step: &BuildStep, json: &str) -> Option<Edit> {
    let (file, range) = step.origin.file_range()?;
    let text = df.text;
    let start = range.start as usize;
    let line_start = text.get(..start)?.rfind('\n').map_or(0, |i| i + 1);
    let indent = text.get(line_start..start)?;
    if !indent.chars().all(|c| c == ' ' || c == '\t') {
        return None;
    }
    let in_instruction = |at: usize| {
        let at = u32::try_from(at).unwrap_or(u32::MAX);
        df.dockerfile
            .instructions
            .iter()
            .any(|i| i.range.start <= at && at < i.range.end)
    };
    let mut at = line_start;
    let mut cursor = line_start;
    while cursor > 0 {
        let prev = text.get(..cursor - 1)?.rfind('\n').map_or(0, |i| i + 1);
        let line = text.get(prev..cursor - 1)?.trim();
        if in_instruction(prev) {
            break;
        }
        if line.starts_with('#') {
            at = prev;
        } else if !line.is_empty() {
            break;
        }
        cursor = prev;
    }
    Some(Edit::insert(
        file,
        u32::try_from(at).ok()?,
        format!("{indent}SHELL {json}\n"),
    ))
}

impl Rule for PipeWithoutPipefail {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, cx: &mut Checker<'_>, df: &DockerfileCx<'_>) {
        for image in df.images {
            self.check_stage(cx, df, image);
        }
    }
}

/// Whether the script turns on `errexit` (`set -e`, `set -eux`,
/// `set -o errexit`) at its top level.
fn sets_errexit(script: &ShellScript) -> bool {
    script
        .commands
        .iter()
        .filter(|c| c.nesting == Nesting::Top && c.is("set"))
        .any(|c| {
            c.args.iter().enumerate().any(|(i, a)| {
                let t = a.text.as_str();
                (t.starts_with('-') && !t.starts_with("--") && t[1..].contains('e'))
                    || (t == "errexit" && i > 0 && c.args[i - 1].text == "-o")
            })
        })
}

impl PipeWithoutPipefail {
    fn check_stage(&self, cx: &mut Checker<'_>, df: &DockerfileCx<'_>, image: &ImageSpec) {
        let mut shell = inherited_shell(df.images, image);
        // The stage's own SHELL instruction in effect, if any.
        let mut shell_step: Option<&BuildStep> = None;
        // The fix, decided at the first pipeline of the stage.
        let mut fix: Option<Option<Fix>> = None;
        for step in &image.steps {
            if let StepKind::Shell(s) = &step.kind {
                shell = Some(s.clone());
                shell_step = Some(step);
                continue;
            }
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
            let errexit = sets_errexit(script);
            let pipe = script.commands.iter().find_map(|c| {
                let p = c.pipeline?;
                if p.index != 0 || p.len < 2 {
                    return None;
                }
                let judged = match c.nesting {
                    Nesting::Top => true,
                    // `x="$(a | b)"` under `set -e`: with pipefail a failed
                    // `a` stops the build; without, `x` quietly holds
                    // whatever `b` made of nothing.
                    Nesting::CommandSubstitution => errexit && c.assigned,
                    _ => false,
                };
                if !judged {
                    return None;
                }
                let members: Vec<&ShellCommand> = script
                    .pipeline(p.id)
                    .filter(|m| {
                        m.nesting == c.nesting && m.parent == c.parent && m.assigned == c.assigned
                    })
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
                let fix = fix.get_or_insert_with(|| {
                    if let Some(own) = shell_step
                        && let Some(edit) = add_pipefail_to(df, own, shell.as_deref())
                    {
                        return Some(Fix::unsafe_(
                            "Add `-o pipefail` to the stage's `SHELL`",
                            vec![edit],
                        ));
                    }
                    let args = pipefail_shell(shell.as_deref(), base_os(df.images, image))?;
                    let json = json_array(&args);
                    let edit = insert_shell_before(df, step, &json)?;
                    Some(Fix::unsafe_(
                        format!("Add `SHELL {json}` before the stage's first pipeline"),
                        vec![edit],
                    ))
                });
                let f = cx.report(
                    &origin,
                    "the pipeline's status is its last command's: without `pipefail` a failure before it is ignored",
                );
                if let Some(fix) = fix {
                    f.set_fix(fix.clone());
                }
            }
        }
    }
}
