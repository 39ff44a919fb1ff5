use drydock_core::spec::{ImageSpec, StepKind};
use drydock_core::{Fix, RuleMeta};

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::util::replace;

declare_rule! {
    /// ## What it does
    /// Reports the deprecated `MAINTAINER` instruction.
    ///
    /// ## Why is this bad?
    /// `MAINTAINER` is deprecated; tools that read image metadata look for
    /// the OCI `org.opencontainers.image.authors` label instead.
    ///
    /// ## Example
    /// ```dockerfile
    /// MAINTAINER Jane Doe <jane@example.com>
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// LABEL org.opencontainers.image.authors="Jane Doe <jane@example.com>"
    /// ```
    ///
    /// ## How to fix
    /// Replace it with the label.
    ///
    /// ## Fix
    /// Rewrites the instruction as the `LABEL`. Safe: only the metadata key
    /// changes.
    pub struct Maintainer {
        id: "IMG018",
        name: "maintainer-deprecated",
        title: "MAINTAINER is deprecated",
        severity: Info,
        category: BestPractice,
        references: ["concern:63", "hadolint:DL4000", "trivy:DS022", "checkov:CKV_DOCKER_6", "buildkit:MaintainerDeprecated", "kics:maintainer-instruction-being-used"],
        fix: Safe,
    }
}

impl Rule for Maintainer {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for step in &image.steps {
            let StepKind::Maintainer(who) = &step.kind else {
                continue;
            };
            let escaped = who.value.trim().replace('\\', "\\\\").replace('"', "\\\"");
            let single_line = !cx.text_of(&step.origin).contains('\n');
            let f = cx.report(&step.instruction.origin, "`MAINTAINER` is deprecated");
            if single_line
                && !escaped.is_empty()
                && let Some(edit) = replace(
                    &step.origin,
                    format!("LABEL org.opencontainers.image.authors=\"{escaped}\""),
                )
            {
                f.set_fix(Fix::safe(
                    "Replace with `LABEL org.opencontainers.image.authors`",
                    vec![edit],
                ));
            }
        }
    }
}
