use drydock_core::RuleMeta;
use drydock_core::spec::{ImageSpec, StepKind};

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports `COPY --from=<stage> / /`: a copy of another stage's or
    /// image's whole file system over this one.
    ///
    /// ## Why is this bad?
    /// Everything comes along: build tools, caches, package manager state,
    /// credentials left in the build stage, and that stage's `/etc/passwd`
    /// and `/etc/shadow`, which replace this image's accounts. The image
    /// contains much more than intended and it is hard to see what.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM golang:1.23 AS build
    /// RUN go build -o /out/app .
    /// FROM gcr.io/distroless/static
    /// COPY --from=build / /
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// COPY --from=build /out/app /app
    /// ```
    ///
    /// ## How to fix
    /// Copy only the files the image needs.
    pub struct CopyWholeFilesystem {
        id: "IMG059",
        name: "copy-whole-filesystem",
        title: "COPY --from copies a whole file system",
        severity: Medium,
        category: BestPractice,
        references: ["concern:69", "hadolint:DL3067"],
        fix: None,
    }
}

fn is_root(p: &str) -> bool {
    matches!(p.trim().trim_matches(['"', '\'']), "/" | "/." | "/*")
}

impl Rule for CopyWholeFilesystem {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for step in &image.steps {
            let StepKind::Copy(c) = &step.kind else {
                continue;
            };
            let Some(from) = &c.from else { continue };
            let Some(dest) = &c.dest else { continue };
            if c.sources.iter().any(|s| is_root(&s.value)) && is_root(&dest.value) {
                cx.report(
                    &step.origin,
                    format!(
                        "`COPY --from={}` copies its whole file system into this image",
                        from.value
                    ),
                );
            }
        }
    }
}
