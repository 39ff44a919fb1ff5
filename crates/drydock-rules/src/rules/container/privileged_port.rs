//! CTR010

use drydock_core::RuleMeta;
use drydock_core::spec::ContainerSpec;

use super::support::svc;
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a port published on a privileged host port (below 1024),
    /// including a range that reaches below 1024.
    ///
    /// ## Why is this bad?
    /// Ports below 1024 are reserved for services started by root, and
    /// clients trust them accordingly (SSH, SMTP, DNS, HTTP). A container
    /// that takes one can impersonate such a service on the host; the CIS
    /// benchmark asks for them not to be mapped except where the service
    /// really is that well-known service, for example a reverse proxy on
    /// 80 and 443.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   mail:
    ///     image: example/mailer:1.0
    ///     ports:
    ///       - "25:2525"
    /// ```
    ///
    /// ## How to fix
    /// Publish on a port at or above 1024 (`"2525:2525"`,
    /// `docker run -p 2525:2525`) and put the
    /// well-known port on a reverse proxy or load balancer; when the
    /// service is that front door, suppress the finding with a reason.
    pub struct PrivilegedHostPort {
        id: "CTR010",
        name: "privileged-host-port",
        title: "Port is published on a privileged host port",
        severity: Low,
        category: Network,
        references: ["concern:99", "cis-docker-1.6:5.8", "kics:privileged-ports-mapped-in-container"],
        fix: None,
    }
}

impl Rule for PrivilegedHostPort {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        for p in &c.ports {
            let (Some(published), Some((lo, hi))) = (&p.published, p.published_range()) else {
                continue;
            };
            // 0 asks Docker for a random port.
            if lo == 0 && hi == 0 || lo >= 1024 {
                continue;
            }
            let msg = if lo == hi {
                format!(
                    "{} publishes privileged host port {lo} (below 1024)",
                    svc(c)
                )
            } else {
                format!(
                    "{} publishes host ports {lo}-{hi}, which include privileged ports below 1024",
                    svc(c)
                )
            };
            cx.report(&published.origin, msg);
        }
    }
}
