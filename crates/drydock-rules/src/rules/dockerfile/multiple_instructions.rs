//! DKF006, DKF007 and DKF008: `HEALTHCHECK`, `CMD` and `ENTRYPOINT` given
//! more than once in a stage.

use drydock_core::{Origin, RuleMeta};

use crate::declare_rule;
use crate::rule::{Checker, DockerfileCx, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a second `HEALTHCHECK` in one build stage.
    ///
    /// ## Why is this bad?
    /// Only the last one takes effect; the earlier one is dead code that
    /// readers take for the real check.
    ///
    /// ## Example
    /// ```dockerfile
    /// HEALTHCHECK CMD curl -f http://localhost/ || exit 1
    /// HEALTHCHECK CMD wget -q --spider http://localhost/health || exit 1
    /// ```
    ///
    /// ## How to fix
    /// Keep one `HEALTHCHECK` per stage.
    pub struct MultipleHealthcheck {
        id: "DKF006",
        name: "multiple-healthcheck",
        title: "More than one HEALTHCHECK in a stage",
        severity: Low,
        category: BestPractice,
        references: ["concern:51", "hadolint:DL3012", "trivy:DS023"],
        fix: None,
    }
}

declare_rule! {
    /// ## What it does
    /// Reports a second `CMD` in one build stage.
    ///
    /// ## Why is this bad?
    /// Only the last one takes effect; the earlier one is dead code that
    /// readers take for the container's command.
    ///
    /// ## Example
    /// ```dockerfile
    /// CMD ["nginx", "-g", "daemon off;"]
    /// CMD ["/docker-entrypoint.sh"]
    /// ```
    ///
    /// ## How to fix
    /// Keep one `CMD` per stage.
    pub struct MultipleCmd {
        id: "DKF007",
        name: "multiple-cmd",
        title: "More than one CMD in a stage",
        severity: Low,
        category: BestPractice,
        references: ["concern:60", "hadolint:DL4003", "trivy:DS016", "kics:multiple-cmd-instructions-listed", "buildkit:MultipleInstructionsDisallowed"],
        fix: None,
    }
}

declare_rule! {
    /// ## What it does
    /// Reports a second `ENTRYPOINT` in one build stage.
    ///
    /// ## Why is this bad?
    /// Only the last one takes effect; the earlier one is dead code that
    /// readers take for the container's entry point.
    ///
    /// ## Example
    /// ```dockerfile
    /// ENTRYPOINT ["/usr/bin/tini", "--"]
    /// ENTRYPOINT ["/app/server"]
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// ENTRYPOINT ["/usr/bin/tini", "--", "/app/server"]
    /// ```
    ///
    /// ## How to fix
    /// Keep one `ENTRYPOINT` per stage.
    pub struct MultipleEntrypoint {
        id: "DKF008",
        name: "multiple-entrypoint",
        title: "More than one ENTRYPOINT in a stage",
        severity: Low,
        category: BestPractice,
        references: ["concern:61", "hadolint:DL4004", "trivy:DS007", "kics:multiple-entrypoint-instructions-listed", "buildkit:MultipleInstructionsDisallowed"],
        fix: None,
    }
}

fn check(cx: &mut Checker<'_>, df: &DockerfileCx<'_>, keyword: &str) {
    for stage in &df.dockerfile.stages {
        let mut previous: Option<Origin> = None;
        for ins in df.dockerfile.stage_instructions(stage) {
            if ins.keyword != keyword {
                continue;
            }
            let origin = Origin::file(df.file, ins.keyword_range);
            if let Some(prev) = previous.replace(origin.clone()) {
                cx.report(
                    &origin,
                    format!("another `{keyword}` in this stage: only the last one takes effect"),
                )
                .add_related(prev, format!("earlier `{keyword}`, overridden"));
            }
        }
    }
}

impl Rule for MultipleHealthcheck {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, cx: &mut Checker<'_>, df: &DockerfileCx<'_>) {
        check(cx, df, "HEALTHCHECK");
    }
}

impl Rule for MultipleCmd {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, cx: &mut Checker<'_>, df: &DockerfileCx<'_>) {
        check(cx, df, "CMD");
    }
}

impl Rule for MultipleEntrypoint {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, cx: &mut Checker<'_>, df: &DockerfileCx<'_>) {
        check(cx, df, "ENTRYPOINT");
    }
}
