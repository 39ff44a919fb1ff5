use drydock_core::{Origin, RuleMeta};

use crate::declare_rule;
use crate::rule::{Checker, DockerfileCx, Rule};

declare_rule! {
    /// ## What it does
    /// Reports two build stages with the same name (`FROM … AS build`
    /// twice; names are compared case-insensitively).
    ///
    /// ## Why is this bad?
    /// `COPY --from=build` and `--target build` then refer to one of them
    /// only, and which one is easy to get wrong: artifacts come from a
    /// different stage than the author believes.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM golang:1.23 AS build
    /// FROM node:22 AS build
    /// ```
    ///
    /// ## How to fix
    /// Give every stage a unique name.
    pub struct DuplicateStageName {
        id: "DKF001",
        name: "duplicate-stage-name",
        title: "Two build stages have the same name",
        severity: High,
        category: BestPractice,
        references: ["concern:64", "hadolint:DL3024", "trivy:DS012", "checkov:CKV_DOCKER_11", "buildkit:DuplicateStageName", "kics:same-alias-in-different-froms"],
        fix: None,
    }
}

impl Rule for DuplicateStageName {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, cx: &mut Checker<'_>, df: &DockerfileCx<'_>) {
        let mut seen: Vec<(String, Origin)> = Vec::new();
        for stage in &df.dockerfile.stages {
            let Some((name, range)) = &stage.name else {
                continue;
            };
            let lower = name.to_ascii_lowercase();
            let origin = Origin::file(df.file, *range);
            if let Some((_, first)) = seen.iter().find(|(n, _)| *n == lower) {
                let first = first.clone();
                cx.report(&origin, format!("stage name `{name}` is already used"))
                    .add_related(first, "first defined here");
            } else {
                seen.push((lower, origin));
            }
        }
    }
}
