use drydock_core::RuleMeta;
use drydock_core::spec::ImageSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a base image from a registry that is not in the configured
    /// `trusted-registries` list (drydock.toml). Does nothing when no list is
    /// configured.
    ///
    /// Patterns are a registry host (`ghcr.io`), a host with a path prefix
    /// (`ghcr.io/acme`), or a wildcard host (`*.gcr.io`); `docker.io`
    /// matches images written without a registry.
    ///
    /// ## Why is this bad?
    /// Images from arbitrary registries bypass the organisation's scanning,
    /// signing and mirroring, and are a common route for typosquatted or
    /// backdoored images.
    ///
    /// ## Example
    /// With `trusted-registries = ["registry.acme.internal"]`:
    /// ```dockerfile
    /// FROM docker.io/library/alpine:3.20
    /// ```
    ///
    /// ## How to fix
    /// Pull the image through a trusted registry or mirror, or add the
    /// registry to `trusted-registries` after review.
    pub struct UntrustedRegistry {
        id: "IMG007",
        name: "untrusted-registry",
        title: "Base image from an untrusted registry",
        severity: High,
        category: SupplyChain,
        references: ["cis-docker-1.6:4.2", "concern:18", "hadolint:DL3026"],
        fix: None,
    }
}

impl Rule for UntrustedRegistry {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        let trusted = &cx.settings.trusted_registries;
        if trusted.is_empty() {
            return;
        }
        if let Some(r) = image.registry_base()
            && !trusted.iter().any(|t| r.matches_registry(t))
        {
            let msg = format!(
                "`{}` comes from `{}`, which is not a trusted registry",
                r.raw,
                r.registry_or_default()
            );
            cx.report(&image.base.origin, msg);
        }
    }
}
