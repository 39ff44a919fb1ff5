use drydock_core::spec::{ImageSpec, StepKind};
use drydock_core::{Fix, RuleMeta};

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::util::replace;

declare_rule! {
    /// ## What it does
    /// Reports `ADD` of local files or directories that are not archives,
    /// where `COPY` does the same thing.
    ///
    /// ## Why is this bad?
    /// `ADD` also fetches URLs and unpacks archives. Using it for plain
    /// files hides which of those behaviours a reader should expect, and a
    /// later change of the source to an archive or URL silently changes what
    /// the step does.
    ///
    /// ## Example
    /// ```dockerfile
    /// ADD requirements.txt /app/
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// COPY requirements.txt /app/
    /// ```
    ///
    /// ## How to fix
    /// Replace `ADD` with `COPY`.
    ///
    /// ## Fix
    /// Replaces the keyword. Safe: for local sources that are not tar
    /// archives, and without `ADD`-only flags, `COPY` copies exactly what
    /// `ADD` did.
    pub struct AddInsteadOfCopy {
        id: "IMG008",
        name: "add-instead-of-copy",
        title: "ADD used for local files",
        severity: Low,
        category: BestPractice,
        references: ["cis-docker-1.6:4.9", "concern:22", "hadolint:DL3020", "trivy:DS005", "checkov:CKV_DOCKER_4", "dockle:CIS-DI-0009", "kics:add-instead-of-copy"],
        fix: Safe,
    }
}

const ARCHIVE_SUFFIXES: &[&str] = &[
    ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tbz2", ".tar.xz", ".txz", ".tar.zst", ".gz",
    ".bz2", ".xz",
];

/// A source `ADD` would fetch or unpack rather than copy.
pub(crate) fn is_remote(src: &str) -> bool {
    let s = src.to_ascii_lowercase();
    s.starts_with("http://")
        || s.starts_with("https://")
        || s.starts_with("git@")
        || s.ends_with(".git")
}

fn is_special(src: &str) -> bool {
    let lower = src.to_ascii_lowercase();
    is_remote(src) || src.contains('$') || ARCHIVE_SUFFIXES.iter().any(|s| lower.ends_with(s))
}

impl Rule for AddInsteadOfCopy {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for step in &image.steps {
            let StepKind::Add(add) = &step.kind else {
                continue;
            };
            if add.sources.is_empty() || add.sources.iter().any(|s| is_special(&s.value)) {
                continue;
            }
            let fixable = add.checksum.is_none();
            let f = cx.report(&step.instruction.origin, "`ADD` of local files: use `COPY`");
            if fixable && let Some(edit) = replace(&step.instruction.origin, "COPY") {
                f.set_fix(Fix::safe("Replace `ADD` with `COPY`", vec![edit]));
            }
        }
    }
}
