//! DKF011 and DKF012: the casing of stage names and of `AS`.

use drydock_core::{Edit, Fix, Origin, RuleMeta, TextRange};
use drydock_dockerfile::Dockerfile;

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
    ///
    /// ## Fix
    /// Writes the name in lower case, and with it every later reference
    /// written as that name: `FROM <name>`, `COPY --from=<name>`,
    /// `RUN --mount=…,from=<name>`. Safe: BuildKit matches stage names
    /// case-insensitively (`--target` too), so every reference, renamed or
    /// not, still names the same stage.
    pub struct StageNameCasing {
        id: "DKF011",
        name: "stage-name-casing",
        title: "Stage name not in lower case",
        severity: Info,
        category: BestPractice,
        references: ["concern:79", "buildkit:StageNameCasing"],
        fix: Safe,
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
    ///
    /// ## Fix
    /// Rewrites `AS` in the case of `FROM`. Safe: the keyword is
    /// case-insensitive.
    pub struct FromAsCasing {
        id: "DKF012",
        name: "from-as-casing",
        title: "FROM and AS keywords in different case",
        severity: Info,
        category: BestPractice,
        references: ["concern:79", "buildkit:FromAsCasing"],
        fix: Safe,
    }
}

/// The places after the `FROM` at instruction `from` that name the stage
/// `name` as written there, in any case: the image of a `FROM`, the value
/// of `COPY --from=`, the `from=` of a `RUN --mount`. References written
/// otherwise (with a variable, quotes) are left out. `ONBUILD` triggers
/// are left alone: they name the stages of the build that uses the image.
fn references(d: &Dockerfile, text: &str, from: usize, name: &str) -> Vec<TextRange> {
    let same = |r: TextRange| r.slice(text).eq_ignore_ascii_case(name);
    let mut out = Vec::new();
    for inst in d.instructions.iter().skip(from + 1) {
        match inst.keyword.as_str() {
            "FROM" => {
                if let Some((_, r)) = inst.words().first()
                    && same(*r)
                {
                    out.push(*r);
                }
            }
            "COPY" => {
                if let Some(r) = inst.flag("from").and_then(|f| f.value_range)
                    && same(r)
                {
                    out.push(r);
                }
            }
            "RUN" => {
                for r in inst.flags_named("mount").filter_map(|f| f.value_range) {
                    let mut at = r.start;
                    for part in r.slice(text).split(',') {
                        let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
                        if let Some(v) = part.strip_prefix("from=") {
                            let start = at + 5;
                            let vr = TextRange::new(start, start + (len - 5));
                            if v.eq_ignore_ascii_case(name) {
                                out.push(vr);
                            }
                        }
                        at = at.saturating_add(len).saturating_add(1);
                    }
                }
            }
            _ => {}
        }
    }
    out
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
                let lower = written.to_lowercase();
                let mut edits = vec![Edit::replace(df.file, *range, lower.clone())];
                edits.extend(
                    references(df.dockerfile, df.text, stage.from, written)
                        .into_iter()
                        .map(|r| Edit::replace(df.file, r, lower.clone())),
                );
                edits.sort_by_key(|e| e.range.start);
                let f = cx.report(
                    &Origin::file(df.file, *range),
                    format!("stage name `{written}` should be lower case (`{lower}`)"),
                );
                f.set_fix(Fix::safe(
                    format!("Rename stage `{written}` to `{lower}`"),
                    edits,
                ));
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
                let want = if kw == kw.to_ascii_uppercase() {
                    "AS"
                } else {
                    "as"
                };
                let f = cx.report(
                    &Origin::file(df.file, *as_range),
                    format!("`{as_word}` and `{kw}` are written in different case"),
                );
                if as_range.slice(df.text) == as_word {
                    f.set_fix(Fix::safe(
                        format!("Write `{want}`"),
                        vec![Edit::replace(df.file, *as_range, want)],
                    ));
                }
            }
        }
    }
}
