use drydock_core::RuleMeta;
use drydock_core::spec::ImageSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports `EXPOSE 22` (SSH) in the final stage.
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
    /// ## How to fix
    /// Remove SSH from the image and the port from `EXPOSE`; use
    /// `docker exec` for debugging.
    pub struct ExposeSsh {
        id: "IMG015",
        name: "ssh-port-exposed",
        title: "SSH port 22 exposed",
        severity: Medium,
        category: Network,
        references: ["cis-docker-1.6:5.6", "concern:52", "checkov:CKV_DOCKER_1", "trivy:DS004", "kics:exposing-port-22"],
        fix: None,
    }
}

impl Rule for ExposeSsh {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        if !image.is_final {
            return;
        }
        for port in &image.exposed_ports {
            let p = port.value.split('/').next().unwrap_or("");
            let exposes_22 = match p.split_once('-') {
                Some((a, b)) => a
                    .parse::<u32>()
                    .ok()
                    .zip(b.parse::<u32>().ok())
                    .is_some_and(|(a, b)| a <= 22 && 22 <= b),
                None => p == "22",
            };
            if exposes_22 {
                cx.report(&port.origin, "the image exposes the SSH port 22");
            }
        }
    }
}
