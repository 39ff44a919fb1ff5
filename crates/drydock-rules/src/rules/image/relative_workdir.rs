use drydock_core::RuleMeta;
use drydock_core::spec::{ImageSpec, StepKind};

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a `WORKDIR` with a relative path.
    ///
    /// ## Why is this bad?
    /// A relative `WORKDIR` is resolved against the previous one, which may
    /// come from the base image and change when it does; the files then land
    /// somewhere else, silently.
    ///
    /// ## Example
    /// ```dockerfile
    /// WORKDIR app
    /// ```
    ///
    /// ## How to fix
    /// Use an absolute path (`WORKDIR /app`).
    pub struct RelativeWorkdir {
        id: "IMG019",
        name: "relative-workdir",
        title: "WORKDIR is a relative path",
        severity: Low,
        category: BestPractice,
        references: ["concern:57", "hadolint:DL3000", "trivy:DS009", "checkov:CKV_DOCKER_10", "buildkit:WorkdirRelativePath", "kics:workdir-path-not-absolute"],
        fix: None,
    }
}

impl Rule for RelativeWorkdir {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for step in &image.steps {
            let StepKind::Workdir(dir) = &step.kind else {
                continue;
            };
            let d = dir.value.trim().trim_matches('"');
            // Windows paths (C:\app) and unexpanded variables are not judged.
            let windows = d.len() > 1 && d.as_bytes()[1] == b':';
            if !d.is_empty() && !d.starts_with('/') && !d.starts_with('$') && !windows {
                cx.report(&dir.origin, format!("`WORKDIR {d}` is relative"));
            }
        }
    }
}
