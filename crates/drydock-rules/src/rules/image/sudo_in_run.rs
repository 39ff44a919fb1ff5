use drydock_core::RuleMeta;
use drydock_core::spec::ImageSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports `sudo` in a `RUN` command.
    ///
    /// ## Why is this bad?
    /// Build steps already run as the current `USER`; `sudo` in an image
    /// means sudo is installed and configured in it, a privilege-escalation
    /// path for anything that later runs in the container, and its TTY and
    /// signal handling is unpredictable in builds.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN sudo apt-get install -y curl
    /// ```
    ///
    /// ## How to fix
    /// Run the step as root (`USER root` before it, back to the
    /// unprivileged user after it) and remove sudo from the image; use
    /// `gosu`/`su-exec` for a runtime user switch.
    pub struct SudoInRun {
        id: "IMG003",
        name: "sudo-in-run",
        title: "`sudo` used in RUN",
        severity: Medium,
        category: Privilege,
        references: ["concern:3", "hadolint:DL3004", "trivy:DS010", "checkov:CKV2_DOCKER_1", "dockle:DKL-DI-0001", "kics:run-using-sudo"],
        fix: None,
    }
}

impl Rule for SudoInRun {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for (_, cmd) in image.commands().filter(|(_, c)| c.is("sudo")) {
            cx.report(&cmd.name.origin, "`sudo` in a build step");
        }
    }
}
