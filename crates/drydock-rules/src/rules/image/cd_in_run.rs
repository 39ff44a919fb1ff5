use drydock_core::RuleMeta;
use drydock_core::spec::{ImageSpec, Nesting};

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports `cd` run as a command of its own in a `RUN` (not inside a
    /// subshell `( … )`, a command substitution or an `sh -c` string).
    ///
    /// ## Why is this bad?
    /// The directory change lasts only until the end of the `RUN`; the
    /// next instruction starts again in the `WORKDIR`. Scripts that rely on
    /// `cd` are harder to follow than a `WORKDIR`, and a failed `cd` without
    /// `&&` or `set -e` runs the rest of the commands in the wrong
    /// directory.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN cd /usr/src/app && make
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// WORKDIR /usr/src/app
    /// RUN make
    /// ```
    ///
    /// ## How to fix
    /// Use `WORKDIR`, a tool's own directory option (`make -C`,
    /// `tar -C`, `git -C`), or a subshell `(cd dir && make)`.
    pub struct CdInRun {
        id: "IMG055",
        name: "cd-in-run",
        title: "cd in RUN instead of WORKDIR",
        severity: Info,
        category: BestPractice,
        references: ["concern:56", "hadolint:DL3003", "trivy:DS013", "kics:run-instruction-using-cd-instead-of-workdir", "semgrep:use-workdir"],
        fix: None,
    }
}

/// Whether the end of `text` (a script prefix) is inside an open subshell
/// `( … )`. Quotes and command substitutions are followed roughly.
fn in_subshell(text: &str) -> bool {
    let b = text.as_bytes();
    let mut stack: Vec<bool> = Vec::new(); // true: a subshell
    let (mut sq, mut dq) = (false, false);
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if sq {
            sq = c != b'\'';
            i += 1;
            continue;
        }
        match c {
            b'\\' => i += 1,
            b'\'' if !dq => sq = true,
            b'"' => dq = !dq,
            // A comment (shell, or a Dockerfile comment line inside a
            // continuation): skip to the end of the line.
            b'#' if !dq && (i == 0 || b[i - 1].is_ascii_whitespace()) => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'(' => {
                let subst = i > 0 && matches!(b[i - 1], b'$' | b'<' | b'>');
                if subst || !dq {
                    stack.push(!subst && !dq);
                }
            }
            b')' if !dq || !stack.is_empty() => {
                stack.pop();
            }
            _ => {}
        }
        i += 1;
    }
    stack.contains(&true)
}

impl Rule for CdInRun {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for (_, run) in image.runs() {
            if run.exec_form {
                continue; // ["sh", "-c", "cd … && …"]
            }
            let Some(script) = &run.script else { continue };
            let Some((file, script_range)) = script.origin.file_range() else {
                continue;
            };
            let text = cx.file_text(file);
            for cmd in script.commands_named("cd") {
                if cmd.nesting != Nesting::Top {
                    continue;
                }
                let Some(range) = cmd.origin.range() else {
                    continue;
                };
                let prefix = text
                    .get(script_range.start as usize..range.start as usize)
                    .unwrap_or("");
                if in_subshell(prefix) {
                    continue;
                }
                cx.report(
                    &cmd.origin,
                    "`cd` lasts only until the end of this `RUN`: use `WORKDIR`",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::in_subshell;

    #[test]
    fn subshells() {
        assert!(in_subshell("make && ("));
        assert!(in_subshell("( set -e; "));
        assert!(!in_subshell("x=$(pwd); "));
        assert!(!in_subshell("(a); "));
        assert!(!in_subshell("echo '(' && "));
        assert!(!in_subshell("echo \"(\" && "));
        assert!(in_subshell("( x=$(pwd) && "));
        assert!(in_subshell("x; \\\n# doesn't matter\n ( \\\n"));
    }
}
