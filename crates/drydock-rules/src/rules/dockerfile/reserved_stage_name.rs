use drydock_core::{Origin, RuleMeta};

use crate::declare_rule;
use crate::rule::{Checker, DockerfileCx, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a build stage named `scratch` or `context`.
    ///
    /// ## Why is this bad?
    /// The names are reserved: `scratch` is the empty image and `context`
    /// the build context in `COPY --from`/`RUN --mount=from=`. A stage of
    /// that name is ambiguous, and references to it may resolve to the
    /// reserved meaning instead of the stage (or the other way round),
    /// copying files from somewhere else than intended.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine:3.20 AS context
    /// ```
    ///
    /// ## How to fix
    /// Rename the stage.
    pub struct ReservedStageName {
        id: "DKF009",
        name: "reserved-stage-name",
        title: "Stage name is reserved (scratch, context)",
        severity: Medium,
        category: BestPractice,
        references: ["concern:68", "hadolint:DL3063", "buildkit:ReservedStageName"],
        fix: None,
    }
}

impl Rule for ReservedStageName {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, cx: &mut Checker<'_>, df: &DockerfileCx<'_>) {
        for stage in &df.dockerfile.stages {
            let Some((name, range)) = &stage.name else {
                continue;
            };
            if name == "scratch" || name == "context" {
                cx.report(
                    &Origin::file(df.file, *range),
                    format!("`{name}` is a reserved name and cannot name a stage unambiguously"),
                );
            }
        }
    }
}
