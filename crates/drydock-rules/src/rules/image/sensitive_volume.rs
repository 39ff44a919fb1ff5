use drydock_core::RuleMeta;
use drydock_core::spec::ImageSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::container::support::{is_at_or_below, normalize_host_path};
use crate::rules::image::files::is_built;

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

impl Rule for SensitiveVolume {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for v in &image.volumes {
            let Some(path) = normalize_host_path(&v.value) else {
                continue;
            };
            let hit = [
                "/var/run/docker.sock",
                "/run/docker.sock",
                "/proc",
                "/sys",
                "/dev",
            ]
            .iter()
            .any(|s| is_at_or_below(&path, s))
                || path == "/var/run"
                || path == "/run";
            if hit && is_built(image) {
                cx.report(
                    &v.origin,
                    format!("the image declares a volume at `{path}` (`Config.Volumes`), a sensitive host path inside the container"),
                );
            } else if hit {
                cx.report(
                    &v.origin,
                    format!("`VOLUME {path}` exposes a sensitive host path inside the container"),
                );
            }
        }
    }
}
