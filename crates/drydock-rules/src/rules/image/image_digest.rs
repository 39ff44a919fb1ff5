use drydock_core::RuleMeta;
use drydock_core::spec::ImageSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a base image (`FROM`) that is not pinned by digest
    /// (`image:tag@sha256:…`). A built image checked with `drydock image`
    /// is not judged: the name it was read under is not a reference
    /// anything pins.
    ///
    /// ## Why is this bad?
    /// Tags are mutable even when they look specific: `python:3.13-slim` is
    /// rebuilt every few days, and a registry or account compromise can
    /// point any tag at anything. Only a digest names exactly one image.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.13-slim
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM python:3.13-slim@sha256:2ec5a4a5c3e919570f57675471f081d6299668d909feabd8d4803c6c61af666c
    /// ```
    ///
    /// ## How to fix
    /// Append the digest (`docker buildx imagetools inspect IMAGE`), and let
    /// a dependency bot (Renovate, Dependabot) update tag and digest
    /// together.
    pub struct ImageNotPinned {
        id: "IMG006",
        name: "image-not-pinned-by-digest",
        title: "Base image is not pinned by digest",
        severity: Low,
        category: SupplyChain,
        references: ["concern:17", "semgrep:dockerfile-source-not-pinned"],
        fix: None,
    }
}

impl Rule for ImageNotPinned {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        // A built image (`drydock image`) is judged as it is, not by how
        // something refers to it: the name it was read under says nothing
        // about pinning.
        if image.files.is_some() {
            return;
        }
        if let Some(r) = image.registry_base()
            && r.digest.is_none()
        {
            cx.report(
                &image.base.origin,
                format!("`{}` is not pinned by digest", r.raw),
            );
        }
    }
}
