//! CTR025

use drydock_core::RuleMeta;
use drydock_core::spec::ContainerSpec;

use super::support::svc;
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a container whose healthcheck is explicitly disabled
    /// (`healthcheck: {disable: true}`, `test: ["NONE"]`,
    /// `docker run --no-healthcheck`). A container without any healthcheck
    /// is judged together with its image, which may define one.
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
    pub struct HealthcheckDisabled {
        id: "CTR025",
        name: "healthcheck-disabled",
        title: "Container healthcheck is disabled",
        severity: Low,
        category: BestPractice,
        references: ["concern:106", "cis-docker-1.6:5.27", "kics:healthcheck-not-set"],
        fix: None,
    }
}

impl Rule for HealthcheckDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        if let Some(h) = &c.healthcheck
            && h.value.disabled
        {
            cx.report(
                &h.origin,
                format!(
                    "{} disables its healthcheck: a hung service still counts as healthy",
                    svc(c)
                ),
            );
        }
    }
}
