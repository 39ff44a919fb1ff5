//! DKF011 and DKF012: the casing of stage names and of `AS`.

use drydock_core::{Origin, RuleMeta};

use crate::declare_rule;
use crate::rule::{Checker, DockerfileCx, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a stage name with upper-case letters (`FROM … AS Build`).
    ///
    /// ## Why is this bad?
    /// Stage names are case-insensitive: `Build`, `build` and `BUILD` are
    /// the same stage, which mixed case hides (two stages that differ only
    /// in case collide). Lower case is the convention BuildKit checks for.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM golang:1.23 AS Build
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM golang:1.23 AS build
    /// ```
    ///
    /// ## How to fix
    /// Write the name (and the references to it) in lower case.
    pub struct StageNameCasing {
        id: "DKF011",
        name: "stage-name-casing",
        title: "Stage name not in lower case",
        severity: Info,
        category: BestPractice,
        references: ["concern:79", "buildkit:StageNameCasing"],
        fix: None,
    }
}

declare_rule! {
    /// ## What it does
    /// Reports `AS` in a `FROM` written in a different case than `FROM`
    /// (`FROM alpine as build`, `from alpine AS build`).
    ///
    /// ## Why is this bad?
    /// Nothing breaks, but inconsistent casing makes the Dockerfile harder
    /// to scan; BuildKit's checks warn about it.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine:3.20 as build
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM alpine:3.20 AS build
    /// ```
    ///
    /// ## How to fix
    /// Write `AS` in the same case as `FROM`.
    pub struct FromAsCasing {
        id: "DKF012",
        name: "from-as-casing",
        title: "FROM and AS keywords in different case",
        severity: Info,
        category: BestPractice,
        references: ["concern:79", "buildkit:FromAsCasing"],
        fix: None,
    }
}

impl Rule for StageNameCasing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, cx: &mut Checker<'_>, df: &DockerfileCx<'_>) {
        for stage in &df.dockerfile.stages {
            let Some((_, range)) = &stage.name else {
                continue;
            };
            let written = range.slice(df.text);
            if written.chars().any(|c| c.is_uppercase()) {
                cx.report(
                    &Origin::file(df.file, *range),
                    format!(
                        "stage name `{written}` should be lower case (`{}`)",
                        written.to_lowercase()
                    ),
                );
            }
        }
    }
}

impl Rule for FromAsCasing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, cx: &mut Checker<'_>, df: &DockerfileCx<'_>) {
        let d = df.dockerfile;
        for stage in &d.stages {
            let Some(from) = d.instructions.get(stage.from) else {
                continue;
            };
            let words = from.words();
            let Some((as_word, as_range)) = words.get(1) else {
                continue;
            };
            if words.len() < 3 || !as_word.eq_ignore_ascii_case("as") {
                continue;
            }
            let kw = from.keyword_range.slice(df.text);
            let mismatch = if kw == kw.to_ascii_uppercase() {
                *as_word != as_word.to_ascii_uppercase()
            } else if kw == kw.to_ascii_lowercase() {
                *as_word != as_word.to_ascii_lowercase()
            } else {
                false
            };
            if mismatch {
                cx.report(
                    &Origin::file(df.file, *as_range),
                    format!("`{as_word}` and `{kw}` are written in different case"),
                );
            }
        }
    }
}
