use drydock_core::spec::{BaseImage, BuildStep, ImageSpec, StepKind};
use drydock_core::{Fix, RuleMeta};

use crate::declare_rule;
use crate::rule::{Checker, DockerfileCx, Rule};
use crate::rules::util::replace;

declare_rule! {
    /// ## What it does
    /// Reports `CMD` and `ENTRYPOINT` of the final stage written in shell
    /// form (`CMD node server.js`) instead of exec form
    /// (`CMD ["node", "server.js"]`), and those the final stage inherits
    /// from the stage it is built `FROM` (`FROM base`) without replacing
    /// them.
    ///
    /// ## Why is this bad?
    /// In shell form the command runs under `/bin/sh -c`: the shell is PID 1,
    /// `docker stop`'s SIGTERM goes to the shell and not to the
    /// application, which is killed after the timeout without a chance to
    /// shut down cleanly. An `ENTRYPOINT` in shell form also ignores `CMD`
    /// and `docker run` arguments.
    ///
    /// ## Example
    /// ```dockerfile
    /// CMD node server.js
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// CMD ["node", "server.js"]
    /// ```
    ///
    /// ## How to fix
    /// Write the command as a JSON array. If it needs shell features, use
    /// `["/bin/sh", "-c", "exec …"]` so the application replaces the shell.
    ///
    /// ## Fix
    /// Rewrites a command without shell syntax (quotes, variables, pipes,
    /// globs, redirections) as a JSON array. Unsafe: the command no longer
    /// runs through a shell, so it no longer sees the shell's environment
    /// handling.
    pub struct ShellFormCommand {
        id: "IMG020",
        name: "shell-form-command",
        title: "CMD or ENTRYPOINT in shell form",
        severity: Low,
        category: BestPractice,
        references: ["concern:62", "hadolint:DL3025", "buildkit:JSONArgsRecommended", "kics:not-using-json-in-cmd-and-entrypoint-arguments"],
        fix: Unsafe,
    }
}

fn as_exec_form(command: &str) -> Option<String> {
    const SHELL_SYNTAX: &[char] = &[
        '$', '|', '&', ';', '<', '>', '`', '*', '?', '"', '\'', '\\', '~', '(', ')', '{', '}', '[',
        ']', '#', '=',
    ];
    if command.contains(SHELL_SYNTAX) {
        return None;
    }
    let words: Vec<String> = command
        .split_whitespace()
        .map(|w| format!("\"{w}\""))
        .collect();
    (!words.is_empty()).then(|| format!("[{}]", words.join(", ")))
}

impl Rule for ShellFormCommand {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        if !image.is_final {
            return;
        }
        for step in &image.steps {
            check_step(cx, step);
        }
    }

    fn check_dockerfile(&self, cx: &mut Checker<'_>, df: &DockerfileCx<'_>) {
        for image in df.images.iter().filter(|im| im.is_final) {
            let (entrypoint, cmd) = inherited_commands(df.images, image);
            for step in [entrypoint, cmd].into_iter().flatten() {
                check_step(cx, step);
            }
        }
    }
}

/// The last `ENTRYPOINT` and `CMD` steps of a stage.
fn last_commands(image: &ImageSpec) -> (Option<&BuildStep>, Option<&BuildStep>) {
    let last = |want: fn(&StepKind) -> bool| image.steps.iter().rev().find(|s| want(&s.kind));
    (
        last(|k| matches!(k, StepKind::Entrypoint(_))),
        last(|k| matches!(k, StepKind::Cmd(_))),
    )
}

/// The `ENTRYPOINT` and `CMD` steps that `image` inherits from the stages
/// it is built from and does not set itself. As in BuildKit, an
/// `ENTRYPOINT` clears the `CMD` inherited from an earlier stage (one set
/// in the same stage stays).
fn inherited_commands<'a>(
    images: &'a [ImageSpec],
    image: &'a ImageSpec,
) -> (Option<&'a BuildStep>, Option<&'a BuildStep>) {
    let (own_entrypoint, own_cmd) = last_commands(image);
    let (mut need_entrypoint, mut need_cmd) = (own_entrypoint.is_none(), own_cmd.is_none());
    // An ENTRYPOINT in this stage clears any CMD from its parents.
    need_cmd &= own_entrypoint.is_none();
    let (mut entrypoint, mut cmd) = (None, None);
    let mut cur = image;
    let mut hops = 0;
    while (need_entrypoint || need_cmd) && hops < images.len() {
        let BaseImage::Stage { index, .. } = &cur.base.value else {
            break;
        };
        let Some(parent) = images.iter().find(|im| im.stage_index == *index) else {
            break;
        };
        let (p_entrypoint, p_cmd) = last_commands(parent);
        if need_cmd && p_cmd.is_some() {
            cmd = p_cmd;
            need_cmd = false;
        }
        if need_entrypoint && p_entrypoint.is_some() {
            entrypoint = p_entrypoint;
            need_entrypoint = false;
            // The CMD of stages further up is cleared by this ENTRYPOINT.
            need_cmd = false;
        }
        cur = parent;
        hops += 1;
    }
    (entrypoint, cmd)
}

fn check_step(cx: &mut Checker<'_>, step: &BuildStep) {
    let (cmdline, what) = match &step.kind {
        StepKind::Cmd(c) => (c, "CMD"),
        StepKind::Entrypoint(c) => (c, "ENTRYPOINT"),
        _ => return,
    };
    if cmdline.exec_form {
        return;
    }
    let command = cmdline.args.join(" ");
    let keyword = cx.text_of(&step.instruction.origin);
    let whole = cx.text_of(&step.origin);
    let fix = as_exec_form(&command).filter(|_| !whole.contains('\n') && !keyword.is_empty());
    let f = cx.report(
        &step.origin,
        format!("`{what}` in shell form runs under `/bin/sh -c`, which does not pass signals on"),
    );
    if let Some(json) = fix
        && let Some(edit) = replace(&step.origin, format!("{keyword} {json}"))
    {
        f.set_fix(Fix::unsafe_("Rewrite in exec (JSON) form", vec![edit]));
    }
}

#[cfg(test)]
mod tests {
    use super::as_exec_form;

    #[test]
    fn converts_only_plain_commands() {
        assert_eq!(
            as_exec_form("node  server.js").as_deref(),
            Some("[\"node\", \"server.js\"]")
        );
        assert_eq!(as_exec_form("nginx -g daemon off;"), None);
        assert_eq!(as_exec_form("echo $HOME"), None);
        assert_eq!(as_exec_form("   "), None);
    }
}
