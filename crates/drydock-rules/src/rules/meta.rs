//! Rules about drydock's own comments.

use drydock_core::{FileId, FileKind, Origin, RuleMeta, TextRange};

use crate::declare_rule;
use crate::rule::{Checker, ComposeCx, DockerfileCx, Rule};
use crate::suppress::{self, Suppression};

declare_rule! {
    /// ## What it does
    /// Reports a `# drydock:ignore=…` or `# drydock:ignore-file=…` comment
    /// that suppresses no finding, or that names a rule drydock does not
    /// have.
    ///
    /// ## Why is this bad?
    /// A stale suppression hides the next real finding of that rule at that
    /// place, long after the reason for it has gone.
    ///
    /// ## Example
    /// ```dockerfile
    /// # drydock:ignore=IMG002 the base image runs as nobody
    /// FROM alpine:3.20
    /// ```
    ///
    /// ## How to fix
    /// Remove the comment, or the rule IDs in it that no longer apply.
    ///
    /// ## Fix
    /// When nothing in the comment is used, the fix deletes the comment
    /// (the whole line when it stands alone). Safe: suppressions do not
    /// change what is built or run.
    pub struct UnusedSuppression {
        id: "DRY001",
        name: "unused-suppression",
        title: "Suppression comment suppresses nothing",
        severity: Info,
        category: BestPractice,
        references: [],
        fix: Safe,
    }
}

impl Rule for UnusedSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}

declare_rule! {
    /// ## What it does
    /// Reports every inline suppression comment: `# drydock:ignore=…`,
    /// `# drydock:ignore-file=…`, `# hadolint ignore=…` and
    /// `# hadolint global ignore=…`, in Dockerfiles and Compose files.
    ///
    /// This rule is **off by default**. It runs only when selected by its
    /// ID (`--select DRY002`, `select = ["DRY002"]` in drydock.toml, or the
    /// prefix `DRY00`); selecting `DRY` or `all` does not enable it.
    ///
    /// ## Why is this bad?
    /// Some teams want every exception recorded centrally and reviewed,
    /// not scattered through files where anyone can add one in the same
    /// change that introduces the problem. With this rule enabled, an
    /// inline pragma is itself a finding, so exceptions have to go through
    /// the configuration (`ignore`, `per-path-ignores`) instead.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// # hadolint ignore=DL3008
    /// RUN apt-get update && apt-get install -y curl
    /// ```
    ///
    /// ## How to fix
    /// Remove the comment and either fix the finding or record the
    /// exception in drydock.toml (`ignore`, `per-path-ignores`). To stop
    /// honouring inline pragmas altogether, run with
    /// `--no-inline-suppressions` instead.
    pub struct InlineIgnorePragma {
        id: "DRY002",
        name: "inline-ignore-pragma",
        title: "Inline suppression comment",
        severity: Info,
        category: BestPractice,
        references: ["concern:80", "hadolint:DL1001"],
        fix: None,
        enabled: false,
    }
}

fn report_pragmas(cx: &mut Checker<'_>, file: FileId, text: &str, sups: &[Suppression]) {
    for s in sups {
        let comment = s.comment.slice(text);
        let lead = comment.len() - comment.trim_start().len();
        let range = TextRange::from_usize(s.comment.start as usize + lead, s.comment.end as usize);
        let scope = match (s.covers, s.own_line) {
            (None, _) => "the whole file",
            (Some(_), true) => "the next instruction or line",
            (Some(_), false) => "its line",
        };
        cx.report(
            &Origin::file(file, range),
            format!(
                "inline suppression `{}` for {scope}: record exceptions in the configuration instead",
                range.slice(text).trim()
            ),
        );
    }
}

impl Rule for InlineIgnorePragma {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, cx: &mut Checker<'_>, df: &DockerfileCx<'_>) {
        let sups = suppress::collect(df.text, FileKind::Dockerfile, Some(df.dockerfile));
        report_pragmas(cx, df.file, df.text, &sups);
    }

    fn check_compose(&self, cx: &mut Checker<'_>, compose: &ComposeCx<'_>) {
        let sups = suppress::collect(compose.text, FileKind::Compose, None);
        report_pragmas(cx, compose.project.file, compose.text, &sups);
    }
}
