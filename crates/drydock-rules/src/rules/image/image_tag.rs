//! IMG004 and IMG005: mutable base image references in `FROM`.

use drydock_core::spec::ImageSpec;
use drydock_core::{ImageRef, Origin, RuleMeta};

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a base image (`FROM`) referenced by the `latest` tag.
    ///
    /// ## Why is this bad?
    /// `latest` moves: the same Dockerfile builds a different image
    /// tomorrow, with a new major version, new packages and new
    /// vulnerabilities, and a build cannot be reproduced or audited.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:latest
    /// ```
    ///
    /// ## How to fix
    /// Name a specific version (`debian:12.8-slim`), better with its digest
    /// (`debian:12.8-slim@sha256:…`), and update it deliberately.
    pub struct ImageLatestTag {
        id: "IMG004",
        name: "image-latest-tag",
        title: "Base image uses the `latest` tag",
        severity: Medium,
        category: SupplyChain,
        references: ["concern:15", "hadolint:DL3007", "checkov:CKV_DOCKER_7", "trivy:DS001", "dockle:DKL-DI-0006", "kics:image-version-using-latest"],
        fix: None,
    }
}

declare_rule! {
    /// ## What it does
    /// Reports a base image (`FROM`) written without a tag or digest.
    ///
    /// ## Why is this bad?
    /// Docker then pulls `latest`, with the problems of `IMG004`, and the
    /// Dockerfile does not even say so.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM ubuntu
    /// ```
    ///
    /// ## How to fix
    /// Name a specific version, better with its digest.
    pub struct ImageUntagged {
        id: "IMG005",
        name: "image-untagged",
        title: "Base image has no tag",
        severity: Medium,
        category: SupplyChain,
        references: ["concern:16", "hadolint:DL3006", "checkov:CKV_DOCKER_7", "trivy:DS001", "kics:image-version-not-explicit"],
        fix: None,
    }
}

fn base_ref(image: &ImageSpec) -> Option<(&ImageRef, &Origin)> {
    image.registry_base().map(|r| (r, &image.base.origin))
}

impl Rule for ImageLatestTag {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        if let Some((r, origin)) = base_ref(image)
            && r.is_latest()
        {
            cx.report(origin, format!("`{}` uses the mutable `latest` tag", r.raw));
        }
    }
}

impl Rule for ImageUntagged {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        if let Some((r, origin)) = base_ref(image)
            && r.is_untagged()
        {
            cx.report(
                origin,
                format!("`{}` has no tag, so Docker pulls `latest`", r.raw),
            );
        }
    }
}
