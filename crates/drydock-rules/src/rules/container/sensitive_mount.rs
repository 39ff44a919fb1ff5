//! CTR003

use drydock_core::RuleMeta;
use drydock_core::spec::{ContainerSpec, MountKind};

use super::support::{is_at_or_below, normalize_host_path, svc};
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a bind mount of a sensitive host directory: `/`, `/boot`,
    /// `/dev`, `/etc`, `/lib`, `/proc`, `/sys`, `/usr`, `/var/lib/docker`,
    /// `/root`, `/home`, and anything below `/boot`, `/etc`, `/proc`,
    /// `/sys` and `/var/lib/docker`. Read-only mounts are reported too (the
    /// message says so), except the time-zone files `/etc/localtime` and
    /// `/etc/timezone` mounted read-only, which are routine and harmless.
    /// Engine sockets and `/run` are left to `docker-socket-mounted`.
    ///
    /// ## Why is this bad?
    /// Writing to these paths is a host takeover: a cron job in `/etc`, a
    /// kernel module in `/lib`, a key in `/root/.ssh`, a container's
    /// filesystem in `/var/lib/docker`, `/proc/sys` and `/sys` tunables.
    /// Read-only they still leak what an attacker needs next: password
    /// hashes in `/etc/shadow`, SSH keys and tokens in home directories,
    /// every other container's files and secrets under `/var/lib/docker`,
    /// other processes' environments in `/proc`.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   backup:
    ///     image: example/backup:2.0
    ///     volumes:
    ///       - /etc:/host/etc
    ///       - /var/lib/docker:/docker:ro
    /// ```
    ///
    /// ## How to fix
    /// Mount only the file or directory the service needs (a dedicated
    /// directory such as `/srv/app/config`, a named volume, a Compose
    /// `config` or `secret`), and mount it read-only (`:ro`) when the
    /// service only reads it.
    pub struct SensitiveHostPathMounted {
        id: "CTR003",
        name: "sensitive-host-path-mounted",
        title: "Sensitive host directory is mounted into a container",
        severity: High,
        category: Isolation,
        references: [
            "concern:83",
            "cis-docker-1.6:5.6",
            "kics:volume-has-sensitive-host-directory",
            "compose-lint:CL-0013",
            "compose-lint:CL-0025",
        ],
        fix: None,
    }
}

/// Sensitive only when mounted exactly.
const EXACT: &[&str] = &[
    "/", "/dev", "/lib", "/lib64", "/usr", "/root", "/home", "/bin", "/sbin",
];

/// Sensitive when mounted exactly or any path below them.
const TREES: &[&str] = &[
    "/boot",
    "/etc",
    "/proc",
    "/sys",
    "/var/lib/docker",
    "/var/lib/containerd",
];

/// Routine read-only mounts of time-zone data.
const HARMLESS_READ_ONLY: &[&str] = &["/etc/localtime", "/etc/timezone"];

fn why(path: &str) -> &'static str {
    let top = |d: &str| is_at_or_below(path, d);
    if path == "/" {
        "the host's whole filesystem"
    } else if top("/var/lib/docker") || top("/var/lib/containerd") {
        "every container's and image's files"
    } else if top("/etc") {
        "host configuration and credentials"
    } else if top("/proc") || top("/sys") {
        "kernel and process interfaces of the host"
    } else if top("/boot") {
        "the host's kernel and boot loader"
    } else if path == "/dev" {
        "every host device"
    } else if path == "/root" || path == "/home" {
        "users' home directories, keys and tokens"
    } else {
        "host system binaries and libraries"
    }
}

/// Whether a normalised host path is sensitive.
pub(crate) fn is_sensitive(path: &str) -> bool {
    EXACT.contains(&path) || TREES.iter().any(|t| is_at_or_below(path, t))
}

impl Rule for SensitiveHostPathMounted {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        for m in &c.mounts {
            if m.kind.value != MountKind::Bind {
                continue;
            }
            let Some(source) = &m.source else { continue };
            let Some(path) = normalize_host_path(&source.value) else {
                continue;
            };
            if !is_sensitive(&path) {
                continue;
            }
            let read_only = m.read_only.as_ref().is_some_and(|r| r.value);
            if read_only && HARMLESS_READ_ONLY.contains(&path.as_str()) {
                continue;
            }
            let mode = if read_only {
                "read-only, which stops writes but still discloses its contents"
            } else {
                "read-write"
            };
            cx.report(
                &source.origin,
                format!(
                    "{} mounts the host's `{path}` ({}) at `{}`, {mode}",
                    svc(c),
                    why(&path),
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
    fn sensitive() {
        assert!(is_sensitive("/"));
        assert!(is_sensitive("/etc/ssl"));
        assert!(is_sensitive("/proc/sys/kernel"));
        assert!(is_sensitive("/var/lib/docker/volumes"));
        assert!(!is_sensitive("/usr/share/nginx"));
        assert!(!is_sensitive("/home/app/data"));
        assert!(!is_sensitive("/srv/app"));
        assert!(!is_sensitive("/var/run"));
    }
}
