//! CTR019

use drydock_core::RuleMeta;
use drydock_core::spec::ContainerSpec;

use super::support::{setting_is, svc};
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports kernel settings of a container that reach beyond it or
    /// remove a safety net, one finding per problem:
    /// * `sysctls` that are not namespaced, so that they would apply to the
    ///   whole host: `kernel.*` (except the IPC settings `kernel.shm*`,
    ///   `kernel.msg*`, `kernel.sem` and the UTS names `kernel.hostname`,
    ///   `kernel.domainname`), `vm.*`, `fs.*` (except `fs.mqueue.*`); and
    ///   `net.ipv4.ip_forward` / `net.ipv6.conf.*.forwarding`, which turn
    ///   the container into a router;
    /// * `oom_kill_disable: true` without a memory limit;
    /// * `oom_score_adj` below -500;
    /// * `ulimits` set to `unlimited` or `-1`, and `nofile` above 1048576.
    ///
    /// ## Why is this bad?
    /// A non-namespaced sysctl changes the host kernel for every container
    /// and process (runc refuses most of them, so the service may not even
    /// start). With the OOM killer disabled and no memory limit, a memory
    /// leak freezes the host instead of killing the container; a very low
    /// `oom_score_adj` makes the kernel kill host processes first. Unlimited
    /// resource limits let one container exhaust file descriptors, locked
    /// memory or processes for the whole host.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   search:
    ///     image: example/search:8.0
    ///     sysctls:
    ///       vm.max_map_count: 262144
    ///     oom_kill_disable: true
    ///     ulimits:
    ///       memlock: -1
    /// ```
    ///
    /// ## How to fix
    /// Set host-wide kernel settings on the host (`/etc/sysctl.d/`), not
    /// from a container (`sysctls`, `docker run --sysctl`). Keep the OOM
    /// killer enabled (no `oom_kill_disable`, `--oom-kill-disable`), or set
    /// a memory limit with it; leave `oom_score_adj` (`--oom-score-adj`) at
    /// its default. Give `ulimits` (`--ulimit`) finite values sized for the
    /// service.
    pub struct RiskyKernelSettings {
        id: "CTR019",
        name: "risky-kernel-settings",
        title: "Container changes host-wide kernel settings or removes resource safety nets",
        severity: Medium,
        category: Isolation,
        references: ["concern:104", "gap:6"],
        fix: None,
    }
}

/// Why a sysctl is risky, if it is.
fn sysctl_problem(key: &str) -> Option<&'static str> {
    let k = key.trim();
    if k == "net.ipv4.ip_forward" || (k.starts_with("net.ipv6.conf.") && k.ends_with(".forwarding"))
    {
        return Some("turns the container into a router between the networks it is attached to");
    }
    if let Some(rest) = k.strip_prefix("kernel.") {
        let namespaced = rest.starts_with("shm")
            || rest.starts_with("msg")
            || matches!(rest, "sem" | "hostname" | "domainname");
        return (!namespaced)
            .then_some("is not namespaced: it would change the host kernel for every container");
    }
    if k.starts_with("vm.") {
        return Some(
            "is not namespaced: it would change the host's memory management for every container",
        );
    }
    if k.starts_with("fs.") && !k.starts_with("fs.mqueue.") {
        return Some(
            "is not namespaced: it would change the host's filesystem limits for every container",
        );
    }
    None
}

const MAX_NOFILE: u64 = 1_048_576;

/// Why a ulimit value is risky, if it is.
fn ulimit_problem(name: &str, value: &str) -> Option<String> {
    let parts: Vec<&str> = value.split(':').map(str::trim).collect();
    if parts
        .iter()
        .any(|p| p.eq_ignore_ascii_case("unlimited") || *p == "-1")
    {
        return Some(format!("`{name}` to unlimited"));
    }
    if name == "nofile" {
        let max = parts.iter().filter_map(|p| p.parse::<u64>().ok()).max()?;
        if max > MAX_NOFILE {
            return Some(format!("`nofile` to {max} (above {MAX_NOFILE})"));
        }
    }
    None
}

impl Rule for RiskyKernelSettings {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        for kv in &c.sysctls {
            if let Some(why) = sysctl_problem(&kv.key.value) {
                cx.report(
                    &kv.origin,
                    format!(
                        "{} sets sysctl `{}`, which {why}",
                        svc(c),
                        kv.key.value.trim()
                    ),
                );
            }
        }
        if let Some(oom) = &c.oom_kill_disable
            && oom.value
            && c.resources.memory.is_none()
        {
            cx.report(
                &oom.origin,
                format!(
                    "{} disables the OOM killer without a memory limit: a leak can freeze the host",
                    svc(c)
                ),
            );
        }
        if let Some(adj) = &c.oom_score_adj
            && adj.value < -500
        {
            cx.report(
                &adj.origin,
                format!(
                    "{} sets `{}`: under memory pressure the kernel kills host processes before it",
                    svc(c),
                    setting_is(
                        c,
                        "oom_score_adj",
                        "--oom-score-adj",
                        "HostConfig.OomScoreAdj",
                        adj.value
                    )
                ),
            );
        }
        for kv in &c.ulimits {
            if let Some(why) = ulimit_problem(kv.key.value.trim(), &kv.value.value) {
                cx.report(
                    &kv.origin,
                    format!(
                        "{} sets ulimit {why}: it can exhaust the host's resources",
                        svc(c)
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sysctls() {
        assert!(sysctl_problem("vm.max_map_count").is_some());
        assert!(sysctl_problem("kernel.core_pattern").is_some());
        assert!(sysctl_problem("kernel.shmmax").is_none());
        assert!(sysctl_problem("fs.mqueue.msg_max").is_none());
        assert!(sysctl_problem("net.core.somaxconn").is_none());
        assert!(sysctl_problem("net.ipv4.ip_forward").is_some());
    }

    #[test]
    fn ulimits() {
        assert!(ulimit_problem("memlock", "-1").is_some());
        assert!(ulimit_problem("memlock", "-1:-1").is_some());
        assert!(ulimit_problem("nofile", "65536:2000000").is_some());
        assert!(ulimit_problem("nofile", "65536:65536").is_none());
        assert!(ulimit_problem("nproc", "65535").is_none());
    }
}
