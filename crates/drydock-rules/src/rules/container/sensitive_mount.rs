//! CTR003

use drydock_core::RuleMeta;
use drydock_core::spec::{ContainerSpec, MountKind};

use super::support::{is_at_or_below, normalize_host_path, svc};
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a bind mount of a sensitive host path: `/`, `/dev`, `/etc`,
    /// `/lib`, `/usr`, `/var`, `/root`, `/home` themselves; anything at or
    /// below `/boot`, `/proc`, `/sys`, `/var/lib/docker` (and containerd's,
    /// the kubelet's), the kernel modules, and the parts of `/etc` the
    /// host's security rests on (accounts, sudo, SSH, keys, engine and
    /// kubelet configuration, cron, systemd, PAM, the dynamic linker,
    /// profiles, package sources); and any directory that contains one of
    /// these (`/var/lib` holds `/var/lib/docker`). An application's own
    /// directory under `/etc` (`/etc/pihole`) is not reported. Read-only
    /// mounts are reported too (the message says so), except routine ones
    /// that disclose nothing secret: time-zone data, public CA
    /// certificates, host identity files and kernel modules. Engine sockets
    /// and `/run` are left to `docker-socket-mounted`.
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

/// Sensitive only when mounted exactly (what lies below them is often an
/// application's own data: `/home/app/data`, `/usr/share/nginx`).
const EXACT: &[&str] = &[
    "/dev", "/lib", "/lib64", "/usr", "/root", "/home", "/bin", "/sbin", "/etc", "/var",
];

/// Sensitive when mounted exactly, any path below them, or any directory
/// that contains them (`/var/lib` holds `/var/lib/docker`). Under `/etc`
/// only what the host's own security rests on: accounts, sudo, SSH, keys,
/// the engines' and the kubelet's configuration, what runs on its own (cron,
/// systemd, init), what every process loads (PAM, the dynamic linker,
/// profiles), kernel modules and package sources; an application's own
/// directory such as `/etc/pihole` is not.
const TREES: &[&str] = &[
    "/boot",
    "/proc",
    "/sys",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/lib/kubelet",
    "/lib/modules",
    "/usr/lib/modules",
    "/etc/shadow",
    "/etc/gshadow",
    "/etc/passwd",
    "/etc/group",
    "/etc/sudoers",
    "/etc/sudoers.d",
    "/etc/ssh",
    "/etc/ssl/private",
    "/etc/pki",
    "/etc/kubernetes",
    "/etc/docker",
    "/etc/containerd",
    "/etc/crontab",
    "/etc/cron.d",
    "/etc/cron.hourly",
    "/etc/cron.daily",
    "/etc/cron.weekly",
    "/etc/cron.monthly",
    "/etc/systemd",
    "/etc/init.d",
    "/etc/pam.d",
    "/etc/security",
    "/etc/ld.so.preload",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/profile",
    "/etc/profile.d",
    "/etc/environment",
    "/etc/modprobe.d",
    "/etc/modules-load.d",
    "/etc/sysctl.conf",
    "/etc/sysctl.d",
    "/etc/udev",
    "/etc/apt",
    "/etc/yum.repos.d",
    "/etc/fstab",
];

/// Routine read-only mounts that disclose nothing secret: time-zone data,
/// public CA certificates, host identity files, kernel modules (for tools
/// such as WireGuard that load them).
const HARMLESS_READ_ONLY: &[&str] = &[
    "/etc/localtime",
    "/etc/timezone",
    "/etc/ssl/certs",
    "/etc/ca-certificates",
    "/etc/pki/ca-trust/extracted",
    "/etc/pki/tls/certs",
    "/usr/share/ca-certificates",
    "/etc/os-release",
    "/etc/machine-id",
    "/etc/hostname",
    "/lib/modules",
    "/usr/lib/modules",
];

fn why(path: &str) -> String {
    let top = |d: &str| is_at_or_below(path, d);
    let what = if path == "/" {
        "the host's whole filesystem"
    } else if top("/var/lib/docker") || top("/var/lib/containerd") || top("/var/lib/kubelet") {
        "every container's and image's files"
    } else if top("/lib/modules") || top("/usr/lib/modules") {
        "the host's kernel modules"
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
    } else if let Some(inner) = TREES.iter().find(|t| is_at_or_below(t, path)) {
        return format!("it contains the host's `{inner}`");
    } else {
        "host system binaries and libraries"
    };
    what.to_string()
}

/// Whether a normalised host path is sensitive.
pub(crate) fn is_sensitive(path: &str) -> bool {
    path == "/"
        || EXACT.contains(&path)
        || TREES
            .iter()
            .any(|t| is_at_or_below(path, t) || is_at_or_below(t, path))
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
            if read_only && HARMLESS_READ_ONLY.iter().any(|h| is_at_or_below(&path, h)) {
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
        assert!(is_sensitive("/etc"));
        assert!(is_sensitive("/etc/ssl"));
        assert!(is_sensitive("/etc/ssl/private/key.pem"));
        assert!(is_sensitive("/etc/shadow"));
        assert!(is_sensitive("/proc/sys/kernel"));
        assert!(is_sensitive("/var/lib/docker/volumes"));
        // Directories that contain a sensitive tree.
        assert!(is_sensitive("/var/lib"));
        assert!(is_sensitive("/var"));
        assert!(!is_sensitive("/etc/pihole"));
        assert!(!is_sensitive("/etc/dnsmasq.d"));
        assert!(!is_sensitive("/usr/share/nginx"));
        assert!(!is_sensitive("/home/app/data"));
        assert!(!is_sensitive("/srv/app"));
        assert!(!is_sensitive("/var/run"));
        assert!(!is_sensitive("/var/lib/postgresql/data"));
    }

    #[test]
    fn reasons() {
        assert_eq!(why("/var/lib"), "it contains the host's `/var/lib/docker`");
        assert_eq!(why("/etc/ssh"), "host configuration and credentials");
        assert_eq!(why("/lib/modules"), "the host's kernel modules");
    }
}
