use drydock_core::spec::{ImageSpec, StepKind};
use drydock_core::{Edit, Fix, RuleMeta};

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports `COPY` or `ADD` with several sources whose destination does
    /// not end in `/`.
    ///
    /// ## Why is this bad?
    /// With several sources the destination must be a directory, and
    /// BuildKit requires it to end in `/`: the build fails.
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY package.json package-lock.json /app
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// COPY package.json package-lock.json /app/
    /// ```
    ///
    /// ## How to fix
    /// End the destination with `/`.
    ///
    /// ## Fix
    /// Appends `/` to the destination. Safe: the build did not work without
    /// it.
    pub struct CopyMultipleSources {
        id: "IMG058",
        name: "copy-multiple-sources-dest-not-dir",
        title: "COPY with several sources to a destination not ending in /",
        severity: High,
        category: BestPractice,
        references: ["concern:67", "hadolint:DL3021", "trivy:DS011", "kics:copy-with-more-than-two-arguments-not-ending-with-slash"],
        fix: Safe,
    }
}

fn is_dir(dest: &str) -> bool {
    let d = dest.trim();
    d.ends_with('/') || d.ends_with('\\') || matches!(d, "." | ".." | "") || d.ends_with("/.")
}

impl Rule for CopyMultipleSources {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for step in &image.steps {
            let (StepKind::Copy(c) | StepKind::Add(c)) = &step.kind else {
                continue;
            };
            let Some(dest) = &c.dest else { continue };
            if c.sources.len() < 2 || is_dir(&dest.value) || dest.value.contains('$') {
                continue;
            }
            let raw = cx.text_of(&dest.origin);
            let f = cx.report(
                &dest.origin,
                format!(
                    "{} sources are copied to `{}`, which must be a directory ending in `/`",
                    c.sources.len(),
                    dest.value.trim()
                ),
            );
            let Some((file, range)) = dest.origin.file_range() else {
                continue;
            };
            // Exec form: before the closing quote; shell form: after the word.
            let at = if c.exec_form && raw.len() >= 2 && raw.ends_with('"') {
                Some(range.end - 1)
            } else if !c.exec_form && raw == dest.value {
                Some(range.end)
            } else {
                None
            };
            if let Some(at) = at {
                f.set_fix(Fix::safe(
                    "Append `/` to the destination",
                    vec![Edit::insert(file, at, "/")],
                ));
            }
        }
    }
}
