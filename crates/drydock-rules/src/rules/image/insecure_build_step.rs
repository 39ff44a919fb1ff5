use drydock_core::RuleMeta;
use drydock_core::spec::ImageSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports `RUN --security=insecure` and `RUN --network=host`.
    ///
    /// ## Why is this bad?
    /// `--security=insecure` runs the build step without the sandbox, like
    /// a privileged container: it can reach the builder host's devices and
    /// kernel interfaces. `--network=host` lets the step reach everything the
    /// builder host can, including cloud metadata endpoints and internal
    /// services. Both need special entitlements, which should stay off.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN --security=insecure mount -t tmpfs none /mnt
    /// ```
    ///
    /// ## How to fix
    /// Remove the flag and do the work without privileges, or move it out
    /// of the image build.
    pub struct InsecureBuildStep {
        id: "IMG021",
        name: "insecure-build-step",
        title: "RUN step with --security=insecure or --network=host",
        severity: High,
        category: Isolation,
        references: ["concern:55", "semgrep:run-security-insecure"],
        fix: None,
    }
}

impl Rule for InsecureBuildStep {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for (_, run) in image.runs() {
            if let Some(s) = &run.security
                && s.value == "insecure"
            {
                cx.report(
                    &s.origin,
                    "`--security=insecure` runs the build step without the sandbox",
                );
            }
            if let Some(n) = &run.network
                && n.value == "host"
            {
                cx.report(
                    &n.origin,
                    "`--network=host` gives the build step the builder host's network",
                );
            }
        }
    }
}
