//! CTR012, CTR013, CTR014: resource limits.

use drydock_core::spec::ContainerSpec;
use drydock_core::{Fix, RuleMeta};

use super::support::{insert_key, setting, setting_is, svc};
use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::util::replace;

declare_rule! {
    /// ## What it does
    /// Reports a container without a memory limit (`mem_limit`,
    /// `deploy.resources.limits.memory`, `docker run --memory`), or with a
    /// limit of `0` or `-1`, which mean "unlimited".
    ///
    /// ## Why is this bad?
    /// Without a limit, one leaking or attacked service can take all of the
    /// host's memory; the kernel's OOM killer then kills processes of other
    /// containers, or of the host, to make room. A limit turns that into a
    /// restart of the one service.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   worker:
    ///     image: example/worker:3.0
    /// ```
    ///
    /// ## How to fix
    /// ```yaml
    ///     deploy:
    ///       resources:
    ///         limits:
    ///           memory: 512M
    /// ```
    /// (or `mem_limit: 512m`; `docker run --memory 512m`), sized from the service's observed peak with
    /// some headroom.
    pub struct MemoryNotLimited {
        id: "CTR012",
        name: "memory-not-limited",
        title: "Container has no memory limit",
        severity: Medium,
        category: Resources,
        references: ["concern:101", "cis-docker-1.6:5.11", "kics:memory-not-limited", "compose-lint:CL-0026"],
        fix: None,
    }
}

/// `0`, `-1` and the empty string mean "no limit" for Docker.
fn is_unlimited(v: &str) -> bool {
    let v = v.trim();
    v.is_empty()
        || v == "-1"
        || v.trim_end_matches(|c: char| c.is_ascii_alphabetic())
            .trim_start_matches('0')
            .is_empty()
}

impl Rule for MemoryNotLimited {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        match &c.resources.memory {
            None => {
                cx.report(
                    &c.origin,
                    format!(
                        "{} has no memory limit: it can exhaust the host's memory",
                        svc(c)
                    ),
                );
            }
            Some(m) if is_unlimited(&m.value) => {
                cx.report(
                    &m.origin,
                    format!(
                        "{} sets memory limit `{}`, which means unlimited",
                        svc(c),
                        m.value.trim()
                    ),
                );
            }
            Some(_) => {}
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Reports a container with neither a CPU limit (`cpus`,
    /// `deploy.resources.limits.cpus`, `docker run --cpus`) nor a CPU weight
    /// (`cpu_shares`), or with `cpus` set to `0`. Like the CIS benchmark, a
    /// CPU weight counts: under contention it protects the other
    /// containers.
    ///
    /// ## Why is this bad?
    /// A service in a busy loop (a bug, a crypto miner, a request flood) can
    /// then take every core of the host and starve the other containers and
    /// the host's own services.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   worker:
    ///     image: example/worker:3.0
    /// ```
    ///
    /// ## How to fix
    /// ```yaml
    ///     deploy:
    ///       resources:
    ///         limits:
    ///           cpus: "1.5"
    /// ```
    /// (or `cpus: 1.5`; `docker run --cpus 1.5`), or give the service a
    /// relative weight with `cpu_shares` (`--cpu-shares`).
    pub struct CpuNotLimited {
        id: "CTR013",
        name: "cpu-not-limited",
        title: "Container has no CPU limit",
        severity: Low,
        category: Resources,
        references: ["concern:102", "cis-docker-1.6:5.12", "kics:cpus-not-limited", "compose-lint:CL-0026"],
        fix: None,
    }
}

impl Rule for CpuNotLimited {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        match (&c.resources.cpus, &c.resources.cpu_shares) {
            (None, None) => {
                cx.report(
                    &c.origin,
                    format!(
                        "{} has no CPU limit or weight: it can take every core of the host",
                        svc(c)
                    ),
                );
            }
            (Some(cpus), None) if cpus.value.trim().parse::<f64>().is_ok_and(|v| v <= 0.0) => {
                cx.report(
                    &cpus.origin,
                    format!(
                        "{} sets `{}`, which means unlimited",
                        svc(c),
                        setting_is(
                            c,
                            "cpus",
                            "--cpus",
                            "HostConfig.NanoCpus",
                            cpus.value.trim()
                        )
                    ),
                );
            }
            _ => {}
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Reports a container without a process limit (`pids_limit`,
    /// `deploy.resources.limits.pids`, `docker run --pids-limit`), or with a
    /// limit of `0` or `-1` (unlimited).
    ///
    /// ## Why is this bad?
    /// A fork bomb, or a service that spawns a process per request, then
    /// exhausts the host's process table, and nothing on the host (sshd
    /// included) can start a process any more.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:5.1
    /// ```
    ///
    /// ## How to fix
    /// ```yaml
    ///     pids_limit: 2048
    /// ```
    /// (`docker run --pids-limit 2048`), sized well above what the service normally runs.
    ///
    /// ## Fix
    /// Adds `pids_limit: 2048` to the service, or replaces a written `0` or
    /// `-1` by `2048`: the limit Podman applies to every container by
    /// default, far above what a typical service runs and far below the
    /// host's process table. Unsafe: a fork-heavy workload (a pre-forking
    /// server, a build or test runner) may need more.
    pub struct PidsNotLimited {
        id: "CTR014",
        name: "pids-not-limited",
        title: "Container has no process limit",
        severity: Medium,
        category: Resources,
        references: ["concern:103", "cis-docker-1.6:5.29", "kics:pids-limit-not-set"],
        fix: Unsafe,
    }
}

/// The process limit the fix sets: Podman's default (`pids_limit` in
/// containers.conf).
const PIDS_LIMIT: i64 = 2048;

impl Rule for PidsNotLimited {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        match &c.resources.pids {
            None => {
                let fix = insert_key(cx, c, "pids_limit", &format!("pids_limit: {PIDS_LIMIT}"));
                let f = cx.report(
                    &c.origin,
                    format!(
                        "{} has no process limit (`{}`): a fork bomb can exhaust the host",
                        svc(c),
                        setting(c, "pids_limit", "--pids-limit", "HostConfig.PidsLimit")
                    ),
                );
                if let Some(edit) = fix {
                    f.set_fix(Fix::unsafe_(
                        format!("Add `pids_limit: {PIDS_LIMIT}`"),
                        vec![edit],
                    ));
                }
            }
            Some(p) if p.value <= 0 => {
                // Only a plain integer as written (not a quoted or
                // interpolated value).
                let fix = cx
                    .text_of(&p.origin)
                    .parse::<i64>()
                    .is_ok()
                    .then(|| replace(&p.origin, PIDS_LIMIT.to_string()))
                    .flatten();
                let f = cx.report(
                    &p.origin,
                    format!(
                        "{} sets `{}`, which means unlimited",
                        svc(c),
                        setting_is(
                            c,
                            "pids_limit",
                            "--pids-limit",
                            "HostConfig.PidsLimit",
                            p.value
                        )
                    ),
                );
                if let Some(edit) = fix {
                    f.set_fix(Fix::unsafe_(
                        format!("Limit the service to {PIDS_LIMIT} processes"),
                        vec![edit],
                    ));
                }
            }
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_unlimited;

    #[test]
    fn unlimited() {
        assert!(is_unlimited("0"));
        assert!(is_unlimited("-1"));
        assert!(is_unlimited("0m"));
        assert!(!is_unlimited("512m"));
        assert!(!is_unlimited("1g"));
        assert!(!is_unlimited("100"));
    }
}
