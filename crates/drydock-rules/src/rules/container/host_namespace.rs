//! CTR008

use drydock_core::spec::ContainerSpec;
use drydock_core::{RuleMeta, Sp};

use super::support::{setting_is, svc};
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a container that shares one of the host's namespaces:
    /// `network_mode: host`, `pid: host`, `ipc: host`, `uts: host`,
    /// `userns_mode: host` or `cgroup: host` (and the matching
    /// `docker run --network/--pid/--ipc/--uts/--userns/--cgroupns host`).
    /// Each setting is its own finding.
    ///
    /// ## Why is this bad?
    /// Namespaces are what makes a container a container.
    /// * network: the container binds the host's interfaces directly
    ///   (published-port rules and firewalls no longer apply), reaches
    ///   services listening on the host's loopback and can sniff traffic
    ///   with `NET_RAW`.
    /// * pid: it sees and can signal every host process, and reads their
    ///   command lines and environments through `/proc`.
    /// * ipc: it reads and writes the host's shared memory segments.
    /// * uts: it can change the host's hostname.
    /// * user: it opts out of the daemon's user-namespace remapping, so its
    ///   root is the host's root.
    /// * cgroup: it sees the host's whole cgroup tree.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   monitor:
    ///     image: example/monitor:2.3
    ///     network_mode: host
    ///     pid: host
    /// ```
    ///
    /// ## How to fix
    /// Remove the setting (`network_mode: host`, `pid: host`, …;
    /// `docker run --network host`, `--pid host`, …). Publish the ports the
    /// service needs instead of using the host network; use a sidecar
    /// sharing only another container's namespace (`pid: "service:app"`,
    /// `docker run --pid container:app`) instead of the host's.
    pub struct HostNamespaceShared {
        id: "CTR008",
        name: "host-namespace-shared",
        title: "Container shares a host namespace",
        severity: High,
        category: Isolation,
        references: [
            "concern:90",
            "concern:91",
            "concern:92",
            "concern:93",
            "concern:94",
            "concern:95",
            "cis-docker-1.6:5.10",
            "cis-docker-1.6:5.16",
            "cis-docker-1.6:5.17",
            "cis-docker-1.6:5.21",
            "cis-docker-1.6:5.31",
            "kics:shared-host-network-namespace",
            "kics:host-namespace-is-shared",
            "kics:shared-host-ipc-namespace",
            "kics:shared-host-user-namespace",
            "compose-lint:CL-0008",
            "compose-lint:CL-0010",
            "gap:6",
        ],
        fix: None,
    }
}

/// A setting's name in Compose, on a `docker run` line and in the Engine
/// API.
type Names = [&'static str; 3];

impl Rule for HostNamespaceShared {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        let settings: [(&Option<Sp<String>>, Names, &str); 6] = [
            (
                &c.network_mode,
                ["network_mode", "--network", "HostConfig.NetworkMode"],
                "network namespace: it binds the host's interfaces and reaches services on the host's loopback",
            ),
            (
                &c.pid,
                ["pid", "--pid", "HostConfig.PidMode"],
                "process namespace: it sees and can signal every host process",
            ),
            (
                &c.ipc,
                ["ipc", "--ipc", "HostConfig.IpcMode"],
                "IPC namespace: it reaches the host's shared memory",
            ),
            (
                &c.uts,
                ["uts", "--uts", "HostConfig.UTSMode"],
                "UTS namespace: it can change the host's hostname",
            ),
            (
                &c.userns_mode,
                ["userns_mode", "--userns", "HostConfig.UsernsMode"],
                "user namespace: user-namespace remapping does not apply, its root is the host's root",
            ),
            (
                &c.cgroup,
                ["cgroup", "--cgroupns", "HostConfig.CgroupnsMode"],
                "cgroup namespace: it sees the host's whole cgroup tree",
            ),
        ];
        for (value, [compose, run, api], what) in settings {
            if let Some(v) = value
                && v.value.trim().eq_ignore_ascii_case("host")
            {
                cx.report(
                    &v.origin,
                    format!(
                        "{} shares the host's {what} (`{}`)",
                        svc(c),
                        setting_is(c, compose, run, api, "host")
                    ),
                );
            }
        }
    }
}
