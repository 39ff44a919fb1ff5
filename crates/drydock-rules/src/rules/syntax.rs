//! Files that cannot be read or understood. The engine reports every parse
//! error of a file as a finding of its file type's syntax rule, or of the
//! dedicated rule the parser named for it ([`rule_for`]).

use drydock_core::{ParseError, RuleMeta};

use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Reports a Dockerfile that does not follow BuildKit's grammar: an
    /// unknown instruction, invalid JSON in an exec-form argument, a heredoc
    /// without its terminator, a file with no `FROM` at all. Two refusals
    /// have rules of their own: a bad `ONBUILD` trigger (DKF013) and an
    /// instruction other than `ARG` before the first `FROM` (DKF014); they
    /// count as syntax errors all the same (a `--fix` round that adds one is
    /// rolled back).
    ///
    /// ## Why is this bad?
    /// `docker build` refuses the file, or builds something other than what
    /// was meant; and every other rule sees less of it.
    ///
    /// ## Example
    /// ```dockerfile
    /// FORM alpine:3.20
    /// ```
    ///
    /// ## How to fix
    /// Correct the syntax at the reported position.
    pub struct DockerfileSyntax {
        id: "SYN001",
        name: "dockerfile-syntax-error",
        title: "Dockerfile does not parse",
        severity: High,
        category: Syntax,
        references: ["hadolint:DL1000"],
        fix: None,
    }
}

impl Rule for DockerfileSyntax {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}

declare_rule! {
    /// ## What it does
    /// Reports a Compose file that is not valid YAML, or whose structure is
    /// not a Compose file's: the top level, `services` or a service that is
    /// not a mapping, a value of the wrong type, an unknown top-level key, a
    /// missing `env_file`, an `extends`/`include` cycle, an alias bomb.
    ///
    /// ## Why is this bad?
    /// `docker compose` refuses the file, or silently reads something other
    /// than what was meant; and every other rule sees less of it.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx
    ///    ports: ["80:80"]
    /// ```
    ///
    /// ## How to fix
    /// Correct the file at the reported position.
    pub struct ComposeSyntax {
        id: "SYN002",
        name: "compose-syntax-error",
        title: "Compose file does not parse",
        severity: High,
        category: Syntax,
        references: ["concern:123"],
        fix: None,
    }
}

impl Rule for ComposeSyntax {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}

declare_rule! {
    /// ## What it does
    /// Reports a daemon.json that dockerd would refuse: invalid JSON,
    /// comments, trailing commas, unknown keys, values of the wrong type.
    ///
    /// ## Why is this bad?
    /// dockerd does not start with an invalid configuration file: after a
    /// restart, every container on the host stays down.
    ///
    /// ## Example
    /// ```json
    /// {
    ///   // comments are not JSON
    ///   "log-driver": "json-file",
    /// }
    /// ```
    ///
    /// ## How to fix
    /// Correct the file at the reported position, and check it with
    /// `dockerd --validate --config-file /etc/docker/daemon.json`.
    pub struct DaemonJsonSyntax {
        id: "SYN003",
        name: "daemon-json-invalid",
        title: "daemon.json is invalid",
        severity: High,
        category: Syntax,
        references: ["concern:148"],
        fix: None,
    }
}

impl Rule for DaemonJsonSyntax {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}

/// The rule that reports a parse error: the dedicated rule the parser named
/// (see [`ParseError::rule`]), else the file type's syntax rule `syntax`.
pub fn rule_for(syntax: &'static RuleMeta, error: &ParseError) -> &'static RuleMeta {
    error
        .rule
        .and_then(crate::registry::find_rule)
        .map_or(syntax, |r| r.meta())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use drydock_core::FileKind;
    use drydock_core::fs::MemoryFs;

    use crate::{Input, LintEnv, Settings, lint};

    fn run(text: &str, settings: &Settings) -> (usize, Vec<&'static str>) {
        let fs = MemoryFs::new();
        let env = LintEnv {
            fs: &fs,
            env: &|_: &str| None,
        };
        let input = Input {
            path: Path::new("/p/Dockerfile"),
            display: "Dockerfile".into(),
            kind: FileKind::Dockerfile,
            text: text.into(),
        };
        let r = lint(&input, settings, &env);
        let ids = r.findings.iter().map(|f| f.rule.id).collect();
        (r.syntax_errors, ids)
    }

    #[test]
    fn named_parse_errors_go_to_their_rules_and_still_count() {
        let text = "LABEL a=b\nFROM alpine:3.20\nONBUILD FROM debian:12\nFORM x\n";
        let (errors, ids) = run(text, &Settings::only(&["SYN", "DKF"]));
        // Fix rounds compare this count: all three are syntax errors.
        assert_eq!(errors, 3);
        assert_eq!(ids, ["DKF014", "DKF013", "SYN001"]);
        // Each is selected (and ignored) on its own.
        let (errors, ids) = run(text, &Settings::only(&["SYN001"]));
        assert_eq!((errors, ids), (3, vec!["SYN001"]));
    }
}
