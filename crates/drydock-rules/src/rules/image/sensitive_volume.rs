use drydock_core::RuleMeta;
use drydock_core::spec::ImageSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports `VOLUME` on the Docker socket or on kernel filesystems
    /// (`/var/run/docker.sock`, `/run/docker.sock`, `/proc`, `/sys`, `/dev`).
    ///
    /// ## Why is this bad?
    /// Such a volume invites mounting the host's socket or kernel interfaces
    /// there; a container holding the Docker socket controls the host.
    ///
    /// ## Example
    /// ```dockerfile
    /// VOLUME /var/run/docker.sock
    /// ```
    ///
    /// ## How to fix
    /// Remove the `VOLUME`. If the application really must talk to Docker,
    /// give it a filtering socket proxy, not the socket.
    pub struct SensitiveVolume {
        id: "IMG022",
        name: "sensitive-volume",
        title: "VOLUME on the Docker socket or a kernel filesystem",
        severity: High,
        category: Isolation,
        references: ["concern:54", "dockle:DKL-DI-0002", "semgrep:dockerd-socket-mount"],
        fix: None,
    }
}

const SENSITIVE: &[&str] = &[
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/var/run",
    "/proc",
    "/sys",
    "/dev",
];

impl Rule for SensitiveVolume {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for v in &image.volumes {
            let path = v.value.trim().trim_end_matches('/');
            if SENSITIVE
                .iter()
                .any(|s| path == *s || path.starts_with(&format!("{s}/")) && *s != "/var/run")
            {
                cx.report(
                    &v.origin,
                    format!("`VOLUME {path}` exposes a sensitive host path inside the container"),
                );
            }
        }
    }
}
