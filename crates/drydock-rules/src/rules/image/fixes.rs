//! What the image rules' fixes share: appending a command to the `&&` chain
//! that holds a given command of a `RUN` (IMG035, IMG037, IMG039), and what
//! a stage's base image is known to be, for fixes that depend on the shell
//! or the tools it ships (IMG041, IMG061).

use drydock_core::spec::{BaseImage, ImageSpec, Nesting, RunStep, ShellCommand, ShellScript};
use drydock_core::{Edit, TextRange};

/// What the root of a stage's `FROM` chain is known to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BaseOs {
    /// Alpine (`alpine`, `*:…-alpine…`): BusyBox tools, `ash`, no `bash`.
    Alpine,
    /// `busybox`: BusyBox tools and `ash` only.
    Busybox,
    /// `scratch` or a distroless image: no shell at all.
    NoShell,
    /// Anything else, or not known.
    Other,
}

/// The root of `image`'s `FROM` chain (following earlier stages).
pub(crate) fn base_os(images: &[ImageSpec], image: &ImageSpec) -> BaseOs {
    let mut cur = image;
    for _ in 0..=images.len() {
        match &cur.base.value {
            BaseImage::Scratch => return BaseOs::NoShell,
            BaseImage::Unresolved(_) => return BaseOs::Other,
            BaseImage::Image(r) => {
                if r.is_scratch() {
                    return BaseOs::NoShell;
                }
                let repo = r.repository.to_ascii_lowercase();
                let name = repo.rsplit('/').next().unwrap_or(&repo);
                let tag = r.tag.as_deref().unwrap_or("").to_ascii_lowercase();
                return if repo.contains("distroless") || tag.contains("distroless") {
                    BaseOs::NoShell
                } else if name == "alpine" || tag.contains("alpine") {
                    BaseOs::Alpine
                } else if name == "busybox" {
                    BaseOs::Busybox
                } else {
                    BaseOs::Other
                };
            }
            BaseImage::Stage { index, .. } => {
                match images.iter().find(|im| im.stage_index == *index) {
                    Some(parent) if parent.stage_index != cur.stage_index => cur = parent,
                    _ => return BaseOs::Other,
                }
            }
        }
    }
    BaseOs::Other
}

/// How two commands of a script are joined, as read from the text between
/// them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Join {
    /// `&&`
    And,
    /// `;` or a newline
    Seq,
}

/// What the text between two commands (or after the last one) holds.
#[derive(Default)]
struct Gap {
    ands: usize,
    semis: usize,
    newline: bool,
    comment: bool,
}

impl Gap {
    fn join(&self) -> Option<Join> {
        match (self.ands, self.semis) {
            (1, 0) => Some(Join::And),
            (0, 1) => Some(Join::Seq),
            (0, 0) if self.newline => Some(Join::Seq),
            _ => None,
        }
    }
}

/// Reads the text between two commands: whitespace, line continuations
/// (`cont` then a newline), comment lines, `&&`, `;` and (in a heredoc
/// body) newlines. `None` when anything else is there (`|`, `||`, `&`,
/// `then`, `)`, …).
fn read_gap(gap: &str, heredoc: bool, cont: char) -> Option<Gap> {
    let mut g = Gap::default();
    let mut chars = gap.char_indices().peekable();
    // Only whitespace since a line start (a comment line may begin here).
    let mut line_start = false;
    while let Some((i, c)) = chars.next() {
        match c {
            ' ' | '\t' | '\r' => {}
            '\n' if heredoc => {
                g.newline = true;
                line_start = true;
            }
            c if c == cont
                && gap[i + c.len_utf8()..]
                    .trim_start_matches([' ', '\t', '\r'])
                    .starts_with('\n') =>
            {
                while chars.next_if(|&(_, c)| c != '\n').is_some() {}
                chars.next();
                line_start = true;
            }
            '#' if line_start || heredoc => {
                g.comment = true;
                // A comment line inside a Dockerfile continuation goes with
                // its newline; in a shell script the newline ends a command.
                while chars.next_if(|&(_, c)| c != '\n').is_some() {}
                if !heredoc {
                    chars.next();
                }
            }
            '&' if chars.next_if(|&(_, c)| c == '&').is_some() => {
                g.ands += 1;
                line_start = false;
            }
            ';' if chars.peek().is_none_or(|&(_, c)| c != ';') => {
                g.semis += 1;
                line_start = false;
            }
            _ => return None,
        }
    }
    Some(g)
}

/// Whether the script sets `errexit` first thing (`set -e`, `set -eux`,
/// `set -o errexit`), so that `;` and newlines stop at a failure like `&&`.
fn sets_errexit(first: &ShellCommand) -> bool {
    first.is("set")
        && first.args.iter().enumerate().any(|(i, a)| {
            let t = a.text.as_str();
            (t.starts_with('-') && !t.starts_with("--") && t[1..].contains('e'))
                || (t == "errexit"
                    && i > 0
                    && first.args.get(i - 1).is_some_and(|p| p.text.ends_with('o')))
        })
}

/// Wrappers that run their command as another user.
const USER_WRAPPERS: &[&str] = &[
    "sudo", "doas", "su", "gosu", "su-exec", "runuser", "setpriv", "chroot",
];

/// An edit appending `command` to the end of the `&&` chain of a `RUN`
/// script that holds command `cmd` (an index into `script.commands`): the
/// chain must run from that command to the end of the script with nothing
/// but `&&` between its commands (or also `;` and newlines when the script
/// starts with `set -e`), so that `command` runs last, and only when
/// everything before it succeeded. The joint copies the script's own
/// layout (` \` + newline + indentation before `&&`, one line per command
/// in a heredoc) from the last joint of the script. `None` when the place
/// is not certain: exec form, a command inside `$(…)` or `sh -c '…'`,
/// pipes, `||`, compound commands or background jobs after it, a command
/// run as another user (`sudo`, `gosu`, …), parse errors.
pub(crate) fn append_to_chain(
    text: &str,
    escape: char,
    run: &RunStep,
    script: &ShellScript,
    cmd: usize,
    command: &str,
) -> Option<Edit> {
    if run.exec_form || script.has_errors {
        return None;
    }
    let heredoc = run.heredoc;
    let cont = if heredoc { '\\' } else { escape };
    let (file, whole) = script.origin.file_range()?;
    // The top-level command holding `cmd` (through wrappers such as sudo).
    let mut top = cmd;
    loop {
        let c = script.commands.get(top)?;
        match c.nesting {
            Nesting::Top => break,
            // Not as another user: the command would not run as that user.
            Nesting::Wrapped => {
                top = c.parent? as usize;
                let w = script.commands.get(top)?;
                if USER_WRAPPERS.iter().any(|u| w.is(u)) {
                    return None;
                }
            }
            _ => return None,
        }
    }
    let mut tops: Vec<(usize, TextRange)> = Vec::new();
    for (i, c) in script.commands.iter().enumerate() {
        if c.nesting != Nesting::Top {
            continue;
        }
        let (f, r) = c.origin.file_range()?;
        if f != file || tops.last().is_some_and(|(_, p)| p.end > r.start) {
            return None;
        }
        tops.push((i, r));
    }
    let pos = tops.iter().position(|(i, _)| *i == top)?;
    let errexit = pos > 0 && script.commands.get(tops[0].0).is_some_and(sets_errexit);
    let gap_at = |k: usize| -> Option<Gap> {
        let (a, b) = (tops.get(k)?.1, tops.get(k + 1)?.1);
        read_gap(text.get(a.end as usize..b.start as usize)?, heredoc, cont)
    };
    for k in pos..tops.len() - 1 {
        match gap_at(k)?.join()? {
            Join::And => {}
            Join::Seq if errexit => {}
            Join::Seq => return None,
        }
    }
    let last = tops.last()?.1;
    let tail = read_gap(
        text.get(last.end as usize..whole.end as usize)?,
        heredoc,
        cont,
    )?;
    if tail.ands > 0 || tail.semis > 1 {
        return None;
    }
    // The joint: the script's last clean one, else ` && `.
    let joint = (0..tops.len().saturating_sub(1))
        .rev()
        .find_map(|k| {
            let g = gap_at(k)?;
            let ok = !g.comment
                && match g.join()? {
                    Join::And => true,
                    Join::Seq => errexit,
                };
            let (a, b) = (tops[k].1, tops[k + 1].1);
            ok.then(|| text.get(a.end as usize..b.start as usize))
                .flatten()
        })
        .unwrap_or(" && ");
    Some(Edit::insert(file, last.end, format!("{joint}{command}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use drydock_core::FileId;
    use drydock_core::spec::StepKind;

    /// Appends `rm -rf /x` after the last command of the first RUN.
    fn fixed(df: &str) -> Option<String> {
        let parsed = drydock_dockerfile::parse(df, FileId(0));
        let images = drydock_dockerfile::image_specs(&parsed, df, &Default::default());
        let (run, script) = images
            .iter()
            .flat_map(|i| &i.steps)
            .find_map(|s| match &s.kind {
                StepKind::Run(r) => Some((r, r.script.as_ref()?)),
                _ => None,
            })?;
        let i = script.commands.iter().rposition(|c| c.is("apt-get"))?;
        let e = append_to_chain(df, parsed.escape, run, script, i, "rm -rf /x")?;
        Some(crate::fix::apply_edits(df, &[&e]))
    }

    #[test]
    fn base_os_follows_stages() {
        let last = |df: &str| {
            let parsed = drydock_dockerfile::parse(df, FileId(0));
            let images = drydock_dockerfile::image_specs(&parsed, df, &Default::default());
            images.last().map(|i| base_os(&images, i))
        };
        assert_eq!(
            last("FROM alpine:3.20 AS a\nFROM a AS b\nFROM b\n"),
            Some(BaseOs::Alpine)
        );
        assert_eq!(last("FROM python:3.12-alpine3.20\n"), Some(BaseOs::Alpine));
        assert_eq!(
            last("FROM docker.io/library/busybox:1.36\n"),
            Some(BaseOs::Busybox)
        );
        assert_eq!(
            last("FROM gcr.io/distroless/static-debian12\n"),
            Some(BaseOs::NoShell)
        );
        assert_eq!(last("FROM scratch\n"), Some(BaseOs::NoShell));
        assert_eq!(last("FROM debian:12\n"), Some(BaseOs::Other));
        assert_eq!(last("ARG B\nFROM $B\n"), Some(BaseOs::Other));
    }

    #[test]
    fn appends_to_a_plain_chain() {
        assert_eq!(
            fixed("FROM d\nRUN apt-get update && apt-get install -y a\n").as_deref(),
            Some("FROM d\nRUN apt-get update && apt-get install -y a && rm -rf /x\n")
        );
        assert_eq!(
            fixed("FROM d\nRUN apt-get install -y a\n").as_deref(),
            Some("FROM d\nRUN apt-get install -y a && rm -rf /x\n")
        );
        // After the commands that follow in the chain.
        assert_eq!(
            fixed("FROM d\nRUN apt-get install -y a && a --version;\n").as_deref(),
            Some("FROM d\nRUN apt-get install -y a && a --version && rm -rf /x;\n")
        );
    }

    #[test]
    fn copies_the_continuation_layout() {
        let df = "FROM d\nRUN apt-get update \\\n # the tools\n && apt-get install -y a \\\n      b \\\n && apt-get clean  \n";
        assert_eq!(
            fixed(df).as_deref(),
            Some(
                "FROM d\nRUN apt-get update \\\n # the tools\n && apt-get install -y a \\\n      b \\\n && apt-get clean \\\n && rm -rf /x  \n"
            )
        );
    }

    #[test]
    fn heredocs_and_errexit() {
        let df = "FROM d\nRUN <<EOF\nset -eux\napt-get update\napt-get install -y a\nEOF\n";
        assert_eq!(
            fixed(df).as_deref(),
            Some(
                "FROM d\nRUN <<EOF\nset -eux\napt-get update\napt-get install -y a\nrm -rf /x\nEOF\n"
            )
        );
        // Without errexit a new line would hide a failed install.
        assert_eq!(
            fixed("FROM d\nRUN <<EOF\napt-get update\napt-get install -y a\nEOF\n"),
            Some(
                "FROM d\nRUN <<EOF\napt-get update\napt-get install -y a && rm -rf /x\nEOF\n"
                    .into()
            )
        );
        assert_eq!(
            fixed("FROM d\nRUN set -e; apt-get update; apt-get install -y a; echo ok\n").as_deref(),
            Some("FROM d\nRUN set -e; apt-get update; apt-get install -y a; echo ok; rm -rf /x\n")
        );
    }

    #[test]
    fn refuses_uncertain_places() {
        for df in [
            "FROM d\nRUN apt-get install -y a; echo done\n",
            "FROM d\nRUN apt-get install -y a || true\n",
            "FROM d\nRUN apt-get install -y a | tee log\n",
            "FROM d\nRUN if true; then apt-get install -y a; fi\n",
            "FROM d\nRUN (apt-get install -y a)\n",
            "FROM d\nRUN sh -c 'apt-get install -y a'\n",
            "FROM d\nRUN [\"apt-get\", \"install\", \"-y\", \"a\"]\n",
            "FROM d\nRUN <<EOF\napt-get install -y a\necho done\nEOF\n",
            "FROM d\nRUN apt-get install -y a &\n",
            "FROM d\nRUN sudo apt-get install -y a\n",
        ] {
            assert_eq!(fixed(df), None, "{df}");
        }
    }
}
