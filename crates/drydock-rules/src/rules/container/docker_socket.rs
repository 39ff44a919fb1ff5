//! CTR002

use drydock_core::RuleMeta;
use drydock_core::spec::{ContainerSpec, MountKind};

use super::support::{normalize_host_path, svc};
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a bind mount of a container engine's API socket into a
    /// container: Docker's `/var/run/docker.sock` (also `/run/docker.sock`
    /// and rootless or Docker Desktop sockets named `docker.sock`),
    /// containerd's, CRI-O's and Podman's sockets, Docker's Windows named
    /// pipe `\\.\pipe\docker_engine`, and directories that contain them
    /// (`/run`, `/var/run`, `/run/containerd`, `/run/user/<uid>`, …). Short
    /// (`- /var/run/docker.sock:/var/run/docker.sock`) and long syntax are
    /// both judged. A source under another name counts too when it is
    /// mounted where clients look for an engine socket
    /// (`/var/run/docker.sock`, `/run/podman/podman.sock`, …) or, in
    /// `drydock audit`, when it is a socket the audited daemon listens on.
    ///
    /// ## Why is this bad?
    /// Whoever can talk to the engine's socket can start a privileged
    /// container that mounts the host's root filesystem: the socket is root
    /// on the host. Mounting it read-only (`:ro`) changes nothing, since
    /// API calls are not file writes. Any compromise of the service (a
    /// dependency, an exposed admin page) becomes a compromise of the host.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   proxy:
    ///     image: traefik:v3.1
    ///     volumes:
    ///       - /var/run/docker.sock:/var/run/docker.sock:ro
    /// ```
    ///
    /// ## How to fix
    /// Remove the mount. When a service really needs the API (a reverse
    /// proxy discovering containers, a CI runner), put a filtering proxy in
    /// front of it (for example `tecnativa/docker-socket-proxy` allowing
    /// only `GET /containers`), or use rootless Docker, and never mount the
    /// socket into a service that is reachable from outside.
    pub struct DockerSocketMounted {
        id: "CTR002",
        name: "docker-socket-mounted",
        title: "Container engine socket is mounted into a container",
        severity: Critical,
        category: Privilege,
        references: [
            "concern:82",
            "cis-docker-1.6:5.32",
            "kics:docker-socket-mounted-in-container",
            "compose-lint:CL-0001",
        ],
        fix: None,
    }
}

/// File names of engine API sockets.
const SOCKET_NAMES: &[&str] = &[
    "docker.sock",
    "containerd.sock",
    "crio.sock",
    "podman.sock",
    "dockershim.sock",
];

/// Directories that hold engine sockets.
const SOCKET_DIRS: &[&str] = &[
    "/run",
    "/var/run",
    "/run/docker",
    "/var/run/docker",
    "/run/containerd",
    "/var/run/containerd",
    "/run/crio",
    "/var/run/crio",
    "/run/podman",
    "/var/run/podman",
];

/// What the host path exposes, if it is (or contains) an engine socket.
fn exposed_socket(source: &str) -> Option<&'static str> {
    if source.to_ascii_lowercase().contains("pipe\\docker_engine")
        || source.to_ascii_lowercase().contains("pipe/docker_engine")
    {
        return Some("Docker's named pipe");
    }
    let path = normalize_host_path(source)?;
    let name = path.rsplit('/').next().unwrap_or("");
    if SOCKET_NAMES.contains(&name) {
        return Some(match name {
            "containerd.sock" => "containerd's API socket",
            "crio.sock" => "CRI-O's API socket",
            "podman.sock" => "Podman's API socket",
            _ => "the Docker API socket",
        });
    }
    if SOCKET_DIRS.contains(&path.as_str()) || is_user_runtime_dir(&path) {
        return Some("a directory holding container engine sockets");
    }
    None
}

/// Where clients inside a container look for an engine's API: whatever
/// is mounted there is meant to be one.
fn socket_target(target: &str) -> Option<&'static str> {
    let t = target.trim_end_matches('/');
    [
        "/var/run/docker.sock",
        "/run/docker.sock",
        "/var/run/podman/podman.sock",
        "/run/podman/podman.sock",
        "/run/containerd/containerd.sock",
        "/var/run/containerd/containerd.sock",
    ]
    .contains(&t)
    .then_some("a file placed where clients look for an engine API socket")
}

/// `/run/user/<uid>` and `/run/user/<uid>/{docker,podman}` (rootless).
fn is_user_runtime_dir(path: &str) -> bool {
    let Some(rest) = path
        .strip_prefix("/run/user/")
        .or_else(|| path.strip_prefix("/var/run/user/"))
    else {
        return false;
    };
    let mut parts = rest.split('/');
    let uid_ok = parts
        .next()
        .is_some_and(|u| !u.is_empty() && u.chars().all(|c| c.is_ascii_digit()));
    match (parts.next(), parts.next()) {
        (None, _) => uid_ok,
        (Some("docker" | "podman"), None) => uid_ok,
        _ => false,
    }
}

impl Rule for DockerSocketMounted {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        for m in &c.mounts {
            if !matches!(m.kind.value, MountKind::Bind | MountKind::Npipe) {
                continue;
            }
            let Some(source) = &m.source else { continue };
            let what = exposed_socket(&source.value)
                .or_else(|| {
                    let p = normalize_host_path(&source.value)?;
                    cx.settings
                        .engine_sockets
                        .iter()
                        .any(|s| normalize_host_path(s).as_deref() == Some(p.as_str()))
                        .then_some("the audited engine's API socket")
                })
                .or_else(|| socket_target(&m.target.value));
            let Some(what) = what else {
                continue;
            };
            let ro = if m.read_only.as_ref().is_some_and(|r| r.value) {
                " (read-only does not help: API calls are not file writes)"
            } else {
                ""
            };
            cx.report(
                &source.origin,
                format!(
                    "{} mounts `{}` ({what}) at `{}`: whoever controls the container controls the host{ro}",
                    svc(c),
                    source.value,
                    m.target.value
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sockets() {
        assert!(exposed_socket("/var/run/docker.sock").is_some());
        assert!(exposed_socket("/run//docker.sock").is_some());
        assert!(exposed_socket("/home/me/.docker/run/docker.sock").is_some());
        assert!(exposed_socket("/var/run/").is_some());
        assert!(exposed_socket("/run/user/1000").is_some());
        assert!(exposed_socket("/run/user/1000/podman/podman.sock").is_some());
        assert!(exposed_socket("\\\\.\\pipe\\docker_engine").is_some());
        assert!(exposed_socket("/run/secrets").is_none());
        assert!(exposed_socket("/var/run/postgresql").is_none());
        assert!(exposed_socket("./docker.sock.txt").is_none());
        assert!(socket_target("/var/run/docker.sock").is_some());
        assert!(socket_target("/run/podman/podman.sock").is_some());
        assert!(socket_target("/var/run/docker").is_none());
    }
}
