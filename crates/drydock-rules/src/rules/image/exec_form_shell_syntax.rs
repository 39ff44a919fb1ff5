use drydock_core::spec::{ImageSpec, StepKind};
use drydock_core::{Origin, RuleMeta};

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports shell syntax in an exec-form (JSON) `RUN`, `CMD`,
    /// `ENTRYPOINT` or `HEALTHCHECK CMD`, where no shell runs to interpret
    /// it:
    ///
    /// - a variable reference (`$HOME`, `${PORT}`) in an argument;
    /// - a shell operator as an argument of its own (`&&`, `||`, `|`, `>`,
    ///   `>>`, `<`, `2>&1`);
    /// - a program name with a space (`["npm start"]`), run as one file
    ///   name.
    ///
    /// Not reported: commands that run a shell themselves (`["sh", "-c",
    /// "…"]`, also behind `tini`, `env`, `dumb-init`, or `su -c`), Windows
    /// shells, programs that read `$` or such words themselves (`awk`,
    /// `sed`, `jq`, `envsubst`, `find`, `test`/`[`, `expr`, `echo`,
    /// `printf`, `tr`, `grep`), and interpreters given code inline
    /// (`python -c`, `node -e`, `perl -e`, …).
    ///
    /// ## Why is this bad?
    /// Exec form runs the program directly: Docker expands nothing in it,
    /// so `["/app", "--port=${PORT}"]` passes the text `${PORT}` and the
    /// program fails or listens on a wrong port; `["make", "&&", "make",
    /// "install"]` hands `&&` to `make`; `["npm start"]` fails with
    /// "executable file not found".
    ///
    /// ## Example
    /// ```dockerfile
    /// ENTRYPOINT ["/usr/local/bin/app", "--port=${PORT}"]
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// ENTRYPOINT ["/bin/sh", "-c", "exec /usr/local/bin/app --port=\"${PORT}\""]
    /// ```
    ///
    /// ## How to fix
    /// Run a shell explicitly (`["/bin/sh", "-c", "exec …"]`, keeping
    /// `exec` so the program still gets signals), use shell form, or pass
    /// the value another way (a configuration file, an environment variable
    /// the program reads).
    pub struct ExecFormShellSyntax {
        id: "IMG074",
        name: "exec-form-shell-syntax",
        title: "Shell syntax in an exec-form command",
        severity: Low,
        category: BestPractice,
        references: ["concern:76"],
        fix: None,
    }
}

/// Programs that interpret a command string as shell code.
const SHELLS: &[&str] = &[
    "sh",
    "bash",
    "dash",
    "ash",
    "zsh",
    "ksh",
    "mksh",
    "busybox",
    "cmd",
    "cmd.exe",
    "powershell",
    "powershell.exe",
    "pwsh",
    "pwsh.exe",
];

/// Programs that read `$` or operators in their own arguments.
const OWN_SYNTAX: &[&str] = &[
    "awk", "gawk", "mawk", "nawk", "sed", "jq", "yq", "envsubst", "find", "test", "[", "expr",
    "echo", "printf", "tr", "grep", "egrep", "su", "runuser",
];

/// Interpreters that may be given code inline (`python -c`, `node -e`).
const INTERPRETERS: &[&str] = &[
    "node", "nodejs", "perl", "ruby", "php", "deno", "bun", "lua",
];

/// Options giving an interpreter its code inline.
const INLINE_CODE: &[&str] = &[
    "-c", "-e", "-E", "-r", "-p", "--eval", "--print", "-Command",
];

fn basename(s: &str) -> &str {
    s.rsplit(['/', '\\']).next().unwrap_or(s)
}

fn is_python(p: &str) -> bool {
    p.strip_prefix("python")
        .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

const OPERATORS: &[&str] = &["&&", "||", "|", ">", ">>", "<", "2>&1", ">&2", "1>&2"];

/// The first `$NAME` or `${…}` reference in an argument (not `$1`, `$@`, a
/// lone `$`, or an escaped `\$`).
fn variable(arg: &str) -> Option<&str> {
    let b = arg.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i] == b'$' {
            let start = i;
            match b.get(i + 1) {
                Some(b'{') => {
                    let end = arg[start..].find('}').map_or(arg.len(), |e| start + e + 1);
                    return arg.get(start..end);
                }
                Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
                    let mut end = i + 1;
                    while end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b'_') {
                        end += 1;
                    }
                    return arg.get(start..end);
                }
                _ => {}
            }
        }
        i += 1;
    }
    None
}

/// What is wrong with an exec-form argument list, and the index of the
/// argument at fault.
fn problem(args: &[&str]) -> Option<(usize, String)> {
    let first = args.first()?.trim();
    let prog = basename(first);
    if first.is_empty() || SHELLS.contains(&prog) {
        return None;
    }
    // A shell anywhere in the chain (`tini -- sh -c …`, `env bash -c …`).
    let runs_shell = args.windows(2).any(|w| {
        SHELLS.contains(&basename(w[0]))
            && w[1].starts_with('-')
            && !w[1].starts_with("--")
            && w[1].contains('c')
    });
    if runs_shell {
        return None;
    }
    if first.contains(char::is_whitespace) {
        let suggestion: Vec<String> = first
            .split_whitespace()
            .map(|w| format!("\"{w}\""))
            .collect();
        return Some((
            0,
            format!(
                "the program name `{first}` holds a space: exec form runs it as one file name; split it: [{}]",
                suggestion.join(", ")
            ),
        ));
    }
    let inline_code = args.iter().any(|a| INLINE_CODE.contains(a))
        && args.iter().any(|a| {
            let b = basename(a);
            INTERPRETERS.contains(&b) || is_python(b)
        });
    let own_syntax = inline_code || args.iter().any(|a| OWN_SYNTAX.contains(&basename(a)));
    if own_syntax {
        return None;
    }
    for (i, a) in args.iter().enumerate().skip(1) {
        if OPERATORS.contains(a) {
            return Some((
                i,
                format!(
                    "`{a}` is passed to `{prog}` as an argument: exec form runs no shell to interpret it"
                ),
            ));
        }
        if let Some(v) = variable(a) {
            return Some((
                i,
                format!("`{v}` is not expanded in exec form: `{prog}` receives it as written"),
            ));
        }
    }
    None
}

impl Rule for ExecFormShellSyntax {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for step in &image.steps {
            let (args, spans): (Vec<&str>, Vec<Option<&Origin>>) = match &step.kind {
                StepKind::Run(run) if run.exec_form => run
                    .exec_args
                    .iter()
                    .map(|a| (a.value.as_str(), Some(&a.origin)))
                    .unzip(),
                StepKind::Cmd(c) | StepKind::Entrypoint(c) if c.exec_form => {
                    c.args.iter().map(|a| (a.as_str(), None)).unzip()
                }
                StepKind::Healthcheck(h) if h.test.first().is_some_and(|t| t == "CMD") => {
                    h.test.iter().skip(1).map(|a| (a.as_str(), None)).unzip()
                }
                _ => continue,
            };
            if let Some((i, message)) = problem(&args) {
                let origin = spans
                    .get(i)
                    .copied()
                    .flatten()
                    .unwrap_or(&step.origin)
                    .clone();
                cx.report(&origin, message);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{problem, variable};

    #[test]
    fn variables() {
        assert_eq!(variable("--port=${PORT}"), Some("${PORT}"));
        assert_eq!(variable("$HOME/x"), Some("$HOME"));
        assert_eq!(variable("$1 $@ $$ \\$HOME a$"), None);
        assert_eq!(variable("${X"), Some("${X"));
    }

    #[test]
    fn problems() {
        let p = |a: &[&str]| problem(a).map(|(i, _)| i);
        assert_eq!(p(&["/app", "--port=${PORT}"]), Some(1));
        assert_eq!(p(&["make", "&&", "make", "install"]), Some(1));
        assert_eq!(p(&["npm start"]), Some(0));
        assert_eq!(p(&["sh", "-c", "echo $HOME && x"]), None);
        assert_eq!(p(&["tini", "--", "/bin/bash", "-ec", "exec app $X"]), None);
        assert_eq!(p(&["awk", "{print $NF}"]), None);
        assert_eq!(p(&["python3", "-c", "import os; print('$X')"]), None);
        assert_eq!(p(&["find", "/", "-exec", "rm", "{}", ";"]), None);
        assert_eq!(p(&["node", "server.js"]), None);
        assert_eq!(p(&["node", "server.js", "--port=$PORT"]), Some(2));
        assert_eq!(p(&["node", "-e", "console.log(`${x}`)"]), None);
        assert_eq!(p(&["/entrypoint.sh", "$@"]), None);
        assert_eq!(p(&[]), None);
    }
}
