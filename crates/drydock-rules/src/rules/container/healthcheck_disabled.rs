//! CTR025

use drydock_core::RuleMeta;
use drydock_core::spec::ContainerSpec;

use super::support::{setting, svc};
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a container whose healthcheck is explicitly disabled
    /// (`healthcheck: {disable: true}`, `test: ["NONE"]`,
    /// `docker run --no-healthcheck`), and a container with no healthcheck
    /// at all when its image is known (a Compose service with `build:`)
    /// and defines none either, or disables it (`HEALTHCHECK NONE`). A
    /// healthcheck in either place satisfies the rule; a container whose
    /// image is not known is not judged on absence.
    ///
    /// ## Why is this bad?
    /// Disabling the healthcheck also switches off the one the image
    /// defines. Docker, Compose (`depends_on: condition: service_healthy`)
    /// and orchestrators then consider a hung or half-broken service
    /// healthy, keep sending it traffic and never replace it.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:5.1
    ///     healthcheck:
    ///       disable: true
    /// ```
    ///
    /// ## How to fix
    /// Remove the override so that the image's healthcheck applies, or
    /// define one that exercises the service:
    /// ```yaml
    ///     healthcheck:
    ///       test: ["CMD", "wget", "-qO-", "http://localhost:8080/health"]
    ///       interval: 30s
    ///       retries: 3
    /// ```
    /// (`docker run --health-cmd "wget -qO- http://localhost:8080/health"`,
    /// without `--no-healthcheck`).
    pub struct HealthcheckDisabled {
        id: "CTR025",
        name: "healthcheck-disabled",
        title: "Container has no healthcheck, or disables it",
        severity: Low,
        category: BestPractice,
        references: ["concern:106", "cis-docker-1.6:5.27", "kics:healthcheck-not-set", "gap:7"],
        fix: None,
    }
}

impl Rule for HealthcheckDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        match &c.healthcheck {
            Some(h) if h.value.disabled => {
                cx.report(
                    &h.origin,
                    format!(
                        "{} disables its healthcheck: a hung service still counts as healthy",
                        svc(c)
                    ),
                );
            }
            Some(_) => {}
            None => {
                let Some(image) = &c.image_spec else { return };
                match &image.healthcheck {
                    None => {
                        cx.report(
                            &c.origin,
                            format!(
                                "{} has no healthcheck, and {} defines none",
                                svc(c),
                                setting(
                                    c,
                                    "the Dockerfile it is built from",
                                    "the Dockerfile it is built from",
                                    "its image"
                                )
                            ),
                        )
                        .add_related(image.origin.clone(), "the image is built from this stage");
                    }
                    Some(h) if h.value.disabled => {
                        cx.report(
                            &c.origin,
                            format!("{} has no healthcheck, and its image disables it", svc(c)),
                        )
                        .add_related(h.origin.clone(), "`HEALTHCHECK NONE` in the Dockerfile");
                    }
                    Some(_) => {}
                }
            }
        }
    }
}
