//! CMP004

use drydock_core::RuleMeta;

use crate::declare_rule;
use crate::rule::{Checker, ComposeCx, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a service that has both `build:` and `image:`.
    ///
    /// ## Why is this bad?
    /// The combination is legal but easy to misread: Compose builds the
    /// image and tags it with the `image` name, and `docker compose pull`
    /// (or `pull_policy: always`) tries to pull that name from a registry
    /// instead of building it. When the name belongs to a public image
    /// (`image: nginx`), a pull silently replaces the local build with
    /// someone else's image, and a push publishes the build under that
    /// name.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     build: ./web
    ///     image: nginx
    /// ```
    ///
    /// ## How to fix
    /// Keep only `build` when the image is only built locally. When the
    /// name is meant as the build's tag (to push it), use a name in a
    /// namespace you own (`image: registry.example.com/team/web:1.4`), set
    /// `pull_policy: build` so that Compose never pulls it instead, and
    /// suppress the finding with a reason.
    pub struct BuildAndImage {
        id: "CMP004",
        name: "build-and-image",
        title: "Service has both build and image",
        severity: Info,
        category: BestPractice,
        references: ["concern:121"],
        fix: None,
    }
}

impl Rule for BuildAndImage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, cx: &mut Checker<'_>, compose: &ComposeCx<'_>) {
        for s in &compose.project.services {
            let (Some(build), Some(image)) = (&s.build, &s.image) else {
                continue;
            };
            let f = cx.report(
                &image.origin,
                format!(
                    "service `{}` has both `build` and `image`: the build is tagged `{}`, and a pull fetches that name from a registry instead of building",
                    s.name,
                    image.value.trim()
                ),
            );
            if build.origin.is_file() {
                f.add_related(build.origin.clone(), "the image is built here");
            }
        }
    }
}
