use drydock_core::RuleMeta;
use drydock_core::spec::{BaseImage, ImageSpec, StepKind};

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports `COPY` or `ADD` to a relative destination (`COPY app.py .`)
    /// when no `WORKDIR` was set earlier in the stage (nor in the stage it
    /// is built from). A stage built `FROM scratch` starts in `/` and is not
    /// reported.
    ///
    /// ## Why is this bad?
    /// The destination is then relative to the base image's working
    /// directory, which the Dockerfile does not show and which a new
    /// version of the base image may change: the files silently land
    /// elsewhere (often in `/`).
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// COPY app.py .
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// WORKDIR /app
    /// COPY app.py .
    /// ```
    ///
    /// ## How to fix
    /// Set a `WORKDIR` first, or copy to an absolute path.
    pub struct CopyRelativeDest {
        id: "IMG057",
        name: "copy-relative-dest-without-workdir",
        title: "COPY to a relative destination with no WORKDIR",
        severity: Low,
        category: BestPractice,
        references: ["concern:59", "hadolint:DL3045"],
        fix: None,
    }
}

fn is_relative(dest: &str) -> bool {
    let d = dest.trim().trim_matches(['"', '\'']);
    let windows = d.len() > 1 && d.as_bytes()[1] == b':';
    !d.is_empty() && !d.starts_with('/') && !d.starts_with('$') && !d.starts_with('\\') && !windows
}

impl Rule for CopyRelativeDest {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        match &image.base.value {
            BaseImage::Scratch => return,
            // The parent stage may have set one: only when none in the chain did.
            BaseImage::Stage { .. } if image.workdir.is_some() => return,
            _ => {}
        }
        for step in &image.steps {
            let (StepKind::Copy(c) | StepKind::Add(c)) = &step.kind else {
                if matches!(step.kind, StepKind::Workdir(_)) {
                    return;
                }
                continue;
            };
            let Some(dest) = &c.dest else { continue };
            if is_relative(&dest.value) {
                cx.report(
                    &dest.origin,
                    format!(
                        "`{}` is relative to the base image's working directory: no `WORKDIR` is set",
                        dest.value.trim()
                    ),
                );
            }
        }
    }
}
