//! CTR017

use drydock_core::RuleMeta;
use drydock_core::spec::ContainerSpec;

use super::support::svc;
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a container image given without a tag (`image: redis`, which
    /// means `redis:latest`) or with the tag `latest`. Images pinned by
    /// digest (`@sha256:…`) are never reported, and neither is the `image`
    /// of a service that also has `build:`, since that name is the tag the
    /// build produces.
    ///
    /// ## Why is this bad?
    /// `latest` is whatever was pushed last: the next `docker compose pull`
    /// or a new host silently brings a new major version, with new
    /// behaviour, new defaults and new vulnerabilities, and two hosts run
    /// different software from the same file. A rollback has nothing to
    /// roll back to.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   cache:
    ///     image: redis
    ///   db:
    ///     image: postgres:latest
    /// ```
    ///
    /// ## How to fix
    /// Use a specific version tag (`redis:7.4`), and for reproducible
    /// deployments a digest as well
    /// (`redis:7.4@sha256:…`), updated by a tool such as Renovate or
    /// Dependabot.
    pub struct ImageTagMutable {
        id: "CTR017",
        name: "image-tag-mutable",
        title: "Container image is untagged or uses latest",
        severity: Medium,
        category: SupplyChain,
        references: ["concern:110", "compose-lint:CL-0004"],
        fix: None,
    }
}

impl Rule for ImageTagMutable {
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
        let msg = match r.tag.as_deref() {
            None => format!(
                "{} uses image `{}` without a tag, which means `latest`: the version can change at any pull",
                svc(c),
                r.raw
            ),
            Some(t) if t.eq_ignore_ascii_case("latest") => {
                format!(
                    "{} uses image `{}` with the mutable tag `latest`: the version can change at any pull",
                    svc(c),
                    r.raw
                )
            }
            Some(_) => return,
        };
        cx.report(&image.origin, msg);
    }
}
