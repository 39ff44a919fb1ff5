//! CTR027

use drydock_core::RuleMeta;
use drydock_core::spec::ContainerSpec;

use super::support::svc;
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a container image that is not pinned by digest
    /// (`image: name:tag@sha256:…`). The `image` of a service that also has
    /// `build:` is not reported (it names the image the build produces),
    /// and neither is `scratch`. Untagged and `latest` images are also
    /// reported by `image-tag-mutable`.
    ///
    /// ## Why is this bad?
    /// A tag is a mutable pointer: `postgres:16.4` is rebuilt for every
    /// base-image update, and whoever controls the repository (or has
    /// stolen a push token) can point it at a different image. Two hosts, or
    /// the same host before and after a `docker compose pull`, can run
    /// different images from the same file. Only a digest names exactly one
    /// image.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16.4
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16.4@sha256:…
    /// ```
    ///
    /// ## How to fix
    /// Append the digest of the image you tested
    /// (`docker buildx imagetools inspect postgres:16.4` prints it) and keep
    /// the tag for readability; let a dependency bot (Renovate, Dependabot)
    /// update tag and digest together.
    pub struct ServiceImageNotPinned {
        id: "CTR027",
        name: "service-image-not-pinned-by-digest",
        title: "Container image is not pinned by digest",
        severity: Low,
        category: SupplyChain,
        references: ["concern:111", "compose-lint:CL-0019"],
        fix: None,
    }
}

impl Rule for ServiceImageNotPinned {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        let Some((image, r)) = c.pulled_image() else {
            return;
        };
        if r.digest.is_some() {
            return;
        }
        // With variables, show the reference as written: an unset variable
        // resolves to an odd-looking name (`app:`).
        let written = cx.text_of(&image.origin).trim_matches(['"', '\'']);
        let shown = if written.contains('$') {
            written
        } else {
            r.raw.as_str()
        };
        cx.report(
            &image.origin,
            format!(
                "{} uses image `{shown}` without a digest: the tag can be moved to a different image",
                svc(c)
            ),
        );
    }
}
