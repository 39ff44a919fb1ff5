use drydock_core::RuleMeta;
use drydock_core::spec::{ContainerSpec, ImageSpec, parse_port_range};

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::container::support::svc;

declare_rule! {
    /// ## What it does
    /// Reports `EXPOSE 22` (SSH) in the final stage, and a container that
    /// publishes or exposes its port 22 (Compose `ports:`/`expose:`,
    /// `docker run -p …:22`). When a Compose service builds its image
    /// here, the Dockerfile's `EXPOSE 22` is named beside the Compose entry
    /// that publishes it.
    ///
    /// ## Why is this bad?
    /// An SSH daemon in a container is a second way in, with its own keys
    /// and passwords to manage and patch; `docker exec` already gives
    /// operators a shell without one.
    ///
    /// ## Example
    /// ```dockerfile
    /// EXPOSE 22 8080
    /// ```
    ///
    /// ```yaml
    /// services:
    ///   app:
    ///     ports: ["2222:22"]
    /// ```
    ///
    /// ## How to fix
    /// Remove SSH from the image and the port from `EXPOSE` and from the
    /// published ports; use `docker exec` for debugging.
    pub struct ExposeSsh {
        id: "IMG015",
        name: "ssh-port-exposed",
        title: "SSH port 22 exposed",
        severity: Medium,
        category: Network,
        references: ["concern:52", "checkov:CKV_DOCKER_1", "trivy:DS004", "kics:exposing-port-22"],
        fix: None,
    }
}

/// Whether a port or range written as `22`, `20-30` or `22/tcp` includes 22.
fn includes_ssh(port: &str) -> bool {
    parse_port_range(port).is_some_and(|(lo, hi)| lo <= 22 && 22 <= hi)
}

impl Rule for ExposeSsh {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        if !image.is_final {
            return;
        }
        for port in image
            .exposed_ports
            .iter()
            .filter(|p| includes_ssh(&p.value))
        {
            cx.report(&port.origin, "the image exposes the SSH port 22");
        }
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        // The joined Dockerfile's own `EXPOSE 22`, named beside the entry.
        let image_expose = c
            .image_spec
            .as_ref()
            .and_then(|i| i.exposed_ports.iter().find(|p| includes_ssh(&p.value)));
        let published = c
            .ports
            .iter()
            .filter(|p| includes_ssh(&p.target.value))
            .map(|p| (&p.origin, "publishes"));
        let exposed = c
            .expose
            .iter()
            .filter(|p| includes_ssh(&p.value))
            .map(|p| (&p.origin, "exposes"));
        for (origin, verb) in published.chain(exposed) {
            let f = cx.report(origin, format!("{} {verb} the SSH port 22", svc(c)));
            if let Some(e) = image_expose {
                f.add_related(e.origin.clone(), "the Dockerfile's `EXPOSE 22`");
            }
        }
    }
}
