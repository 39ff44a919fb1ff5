use drydock_core::RuleMeta;
use drydock_core::spec::{BaseImage, ImageSpec};

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a final build stage that never sets a `USER`, neither itself
    /// nor through the stage it is built from.
    ///
    /// ## Why is this bad?
    /// Without `USER`, the container runs as whatever user the base image
    /// chose, which for nearly every base image is root. A process running
    /// as root in a container is one kernel or runtime bug away from root on
    /// the host, and can read and write everything in the container.
    ///
    /// Only the final stage matters: earlier stages exist only at build time.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:22-slim
    /// COPY . /app
    /// CMD ["node", "/app/server.js"]
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM node:22-slim
    /// COPY . /app
    /// USER node
    /// CMD ["node", "/app/server.js"]
    /// ```
    ///
    /// ## How to fix
    /// Create an unprivileged user (or use one the base image provides, such
    /// as `node`, `nobody` or distroless's `nonroot`) and add `USER` to the
    /// final stage before `CMD`/`ENTRYPOINT`.
    pub struct MissingUser {
        id: "IMG001",
        name: "missing-user",
        title: "Final stage does not set a USER",
        severity: High,
        category: Privilege,
        references: ["cis-docker-1.6:4.1", "concern:1", "checkov:CKV_DOCKER_3", "trivy:DS002", "dockle:CIS-DI-0001", "kics:missing-user-instruction"],
        fix: None,
    }
}

impl Rule for MissingUser {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        if !image.is_final || image.user.is_some() || matches!(image.base.value, BaseImage::Scratch)
        {
            return;
        }
        cx.report(&image.origin, "the final stage has no `USER`, so the container runs as the base image's user (usually root)");
    }
}
