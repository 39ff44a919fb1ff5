//! CTR004

use drydock_core::RuleMeta;
use drydock_core::spec::ContainerSpec;

use super::support::svc;
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports capabilities added with `cap_add` (`--cap-add`) that give a
    /// container power over the host or over other containers: `ALL`,
    /// `SYS_ADMIN`, `NET_ADMIN`, `SYS_PTRACE`, `SYS_MODULE`, `SYS_RAWIO`,
    /// `DAC_READ_SEARCH`, `DAC_OVERRIDE`, `SYS_BOOT`, `BPF`, `PERFMON`,
    /// `SYS_TIME`, `MAC_ADMIN`, `MAC_OVERRIDE`, `SETFCAP`, `SYSLOG` and
    /// `AUDIT_CONTROL`. Names are compared without case and without a
    /// `CAP_` prefix. `DAC_OVERRIDE` and `SETFCAP` are in Docker's default
    /// set, so adding them is reported only when `cap_drop` would otherwise
    /// remove them (`cap_drop: [ALL]`); the default set as a whole is the
    /// business of `capabilities-not-dropped`.
    ///
    /// ## Why is this bad?
    /// Capabilities are slices of root's power. `SYS_ADMIN` is close to full
    /// root (mounts, namespaces, many container escapes); `SYS_MODULE` loads
    /// kernel code; `SYS_PTRACE` reads other processes' memory;
    /// `DAC_READ_SEARCH` enabled the "shocker" escape through
    /// `open_by_handle_at`; `NET_ADMIN` reconfigures the network the
    /// container shares; `BPF` and `PERFMON` load kernel programs and read
    /// kernel memory. Each one widens what a compromised service can do to
    /// the host.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   vpn:
    ///     image: example/vpn:3.2
    ///     cap_add:
    ///       - SYS_ADMIN
    ///       - NET_ADMIN
    /// ```
    ///
    /// ## How to fix
    /// Remove the capability, or replace it by a narrower one (a specific
    /// device instead of `SYS_RAWIO`, `NET_BIND_SERVICE` instead of
    /// `NET_ADMIN` to bind low ports). When it is truly needed, keep it, add
    /// `cap_drop: [ALL]` (`docker run --cap-drop ALL`) so that it is the
    /// only one, and suppress the
    /// finding with a reason.
    pub struct DangerousCapabilityAdded {
        id: "CTR004",
        name: "dangerous-capability-added",
        title: "Container is granted a dangerous capability",
        severity: High,
        category: Privilege,
        references: [
            "concern:84",
            "cis-docker-1.6:5.4",
            "kics:container-capabilities-unrestricted",
            "compose-lint:CL-0011",
            "compose-lint:CL-0024",
        ],
        fix: None,
    }
}

/// Dangerous capabilities (normalised) and what each allows.
const DANGEROUS: &[(&str, &str)] = &[
    ("ALL", "every capability, close to a privileged container"),
    (
        "SYS_ADMIN",
        "mounts, namespaces and many kernel interfaces; near-root and the usual escape route",
    ),
    (
        "NET_ADMIN",
        "reconfiguring interfaces, routes and firewall rules of its network namespace",
    ),
    (
        "SYS_PTRACE",
        "tracing and reading the memory of other processes",
    ),
    (
        "SYS_MODULE",
        "loading kernel modules, that is arbitrary code in the host kernel",
    ),
    ("SYS_RAWIO", "raw I/O port and device access"),
    (
        "DAC_READ_SEARCH",
        "bypassing read permission checks and `open_by_handle_at` (the \"shocker\" escape)",
    ),
    ("DAC_OVERRIDE", "bypassing file permission checks"),
    ("SYS_BOOT", "rebooting the host"),
    ("BPF", "loading BPF programs into the kernel"),
    (
        "PERFMON",
        "kernel performance monitoring that can disclose kernel memory",
    ),
    ("SYS_TIME", "setting the host's clock"),
    (
        "MAC_ADMIN",
        "changing the mandatory access control (AppArmor/SELinux) policy",
    ),
    ("MAC_OVERRIDE", "overriding mandatory access control"),
    (
        "SETFCAP",
        "setting file capabilities, to grant capabilities to any binary",
    ),
    (
        "SYSLOG",
        "reading the kernel log, which discloses kernel addresses",
    ),
    ("AUDIT_CONTROL", "changing the kernel audit rules"),
];

/// Dangerous capabilities that Docker grants by default anyway.
const DEFAULT_CAPS: &[&str] = &["DAC_OVERRIDE", "SETFCAP"];

impl Rule for DangerousCapabilityAdded {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        for cap in &c.cap_add {
            let name = ContainerSpec::normalize_cap(&cap.value);
            if let Some((_, what)) = DANGEROUS.iter().find(|(n, _)| *n == name) {
                let dropped = c.cap_drop.iter().any(|d| {
                    let d = ContainerSpec::normalize_cap(&d.value);
                    d == "ALL" || d == name
                });
                if DEFAULT_CAPS.contains(&name.as_str()) && !dropped {
                    continue;
                }
                let shown = if name == "ALL" {
                    "ALL".to_string()
                } else {
                    format!("CAP_{name}")
                };
                cx.report(
                    &cap.origin,
                    format!("{} adds capability {shown} ({what})", svc(c)),
                );
            }
        }
    }
}
