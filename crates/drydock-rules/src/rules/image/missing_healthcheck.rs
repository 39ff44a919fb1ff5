use drydock_core::RuleMeta;
use drydock_core::spec::{BaseImage, ImageSpec};

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::image::files::is_built;

declare_rule! {
    /// ## What it does
    /// Reports a final stage without a `HEALTHCHECK` (its own or one
    /// inherited from an earlier stage), or with `HEALTHCHECK NONE`. A final
    /// stage `FROM scratch` (usually one static binary, with nothing to
    /// probe it with) is not reported. For a built image, its
    /// configuration's `Healthcheck` is judged.
    ///
    /// ## Why is this bad?
    /// Without a health check, Docker and orchestrators only know whether the
    /// process runs, not whether it works: a hung or half-broken service
    /// keeps receiving traffic and is never restarted.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM nginx:1.27
    /// COPY site /usr/share/nginx/html
    /// ```
    ///
    /// ## How to fix
    /// Add `HEALTHCHECK CMD …` that exercises the service (or define the
    /// health check where the container is run, for example in Compose).
    pub struct MissingHealthcheck {
        id: "IMG016",
        name: "missing-healthcheck",
        title: "No HEALTHCHECK in the final stage",
        severity: Low,
        category: BestPractice,
        references: ["cis-docker-1.6:4.6", "concern:50", "hadolint:DL3057", "checkov:CKV_DOCKER_2", "trivy:DS026", "dockle:CIS-DI-0006", "kics:healthcheck-instruction-missing"],
        fix: None,
    }
}

impl Rule for MissingHealthcheck {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        if !image.is_final || matches!(image.base.value, BaseImage::Scratch) {
            return;
        }
        let built = is_built(image);
        match &image.healthcheck {
            None if built => {
                cx.report(
                    &image.origin,
                    "the image configuration defines no healthcheck (`Config.Healthcheck`)",
                );
            }
            Some(h) if h.value.disabled && built => {
                cx.report(
                    &h.origin,
                    "the image configuration disables the health check (`NONE`)",
                );
            }
            None => {
                cx.report(&image.origin, "the final stage defines no `HEALTHCHECK`");
            }
            Some(h) if h.value.disabled => {
                cx.report(&h.origin, "`HEALTHCHECK NONE` disables the health check");
            }
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod image_tests {
    use super::*;
    use crate::rules::image::files::testkit::Img;

    #[test]
    fn built_image_wording() {
        let img = Img::new();
        let found = img.check(&MissingHealthcheck);
        let got = img.described(&found);
        assert_eq!(
            got,
            ["api:Config the image configuration defines no healthcheck (`Config.Healthcheck`)"]
        );
    }
}
