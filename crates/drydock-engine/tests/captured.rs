//! Conversions of inspect JSON captured from a real daemon (see
//! `tests/data/README.md`): no daemon needed.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::sync::Arc;

use drydock_core::Origin;
use drydock_core::spec::{BaseImage, MountKind};
use drydock_engine::bollard::models::{ContainerInspectResponse, ImageInspect, SystemInfo};
use drydock_engine::convert::{container_spec, daemon_spec, image_spec};

fn load<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn api(p: &str) -> Origin {
    Origin::api(p)
}

#[test]
fn image_from_captured_inspect() {
    let img: ImageInspect = load("image-bb.json");
    let spec = image_spec(&img);
    assert!(spec.is_final);
    assert_eq!(spec.origin, api("Id"));
    match &spec.base.value {
        BaseImage::Image(r) => assert_eq!(r.raw, "bb:1"),
        other => panic!("{other:?}"),
    }
    let cmd = spec.cmd.as_ref().unwrap();
    assert_eq!(cmd.value.args, vec!["/bin/busybox", "sleep", "1000"]);
    assert_eq!(cmd.origin, api("Config.Cmd"));
    assert!(spec.user.is_none(), "imported image has no user");
    assert_eq!(spec.platform.as_ref().unwrap().value, "linux/amd64");
}

#[test]
fn rich_container_from_captured_inspect() {
    let ci: ContainerInspectResponse = load("container-rich.json");
    let img: ImageInspect = load("image-bb.json");
    let c = container_spec(&ci, Some(Arc::new(image_spec(&img))));
    assert_eq!(c.name, "rich");
    assert_eq!(
        c.privileged.as_ref().map(|p| (p.value, p.origin.clone())),
        Some((true, api("HostConfig.Privileged")))
    );
    let caps: Vec<&str> = c.cap_add.iter().map(|s| s.value.as_str()).collect();
    // The docker 28 CLI sends `CAP_`-prefixed names; they are kept as the
    // daemon reports them, and rules normalise.
    assert_eq!(caps, vec!["CAP_NET_ADMIN", "CAP_SYS_PTRACE"]);
    assert_eq!(
        drydock_core::spec::ContainerSpec::normalize_cap(caps[0]),
        "NET_ADMIN"
    );
    assert_eq!(c.cap_drop[0].value, "CAP_MKNOD");
    assert_eq!(c.cap_drop_key, Some(api("HostConfig.CapDrop")));
    let opts: Vec<&str> = c.security_opt.iter().map(|s| s.value.as_str()).collect();
    // The daemon itself appends `label=disable` to a container with host
    // PID/IPC namespaces or `--privileged`.
    assert_eq!(
        opts,
        vec![
            "seccomp=unconfined",
            "no-new-privileges:true",
            "label=disable"
        ]
    );
    assert_eq!(c.user.as_ref().unwrap().value, "1000:1000");
    assert!(c.read_only.as_ref().unwrap().value);
    assert_eq!(c.pid.as_ref().unwrap().value, "host");
    assert_eq!(c.ipc.as_ref().unwrap().value, "host");
    assert_eq!(c.uts.as_ref().unwrap().value, "host");
    assert_eq!(c.userns_mode.as_ref().unwrap().value, "host");
    assert_eq!(c.cgroup_parent.as_ref().unwrap().value, "/custom");
    assert_eq!(c.resources.memory.as_ref().unwrap().value, "536870912");
    assert_eq!(c.resources.cpus.as_ref().unwrap().value, "1.5");
    assert_eq!(c.resources.cpu_shares.as_ref().unwrap().value, "512");
    assert_eq!(c.resources.pids.as_ref().unwrap().value, 100);
    assert_eq!(c.restart.as_ref().unwrap().value, "on-failure:5");
    assert_eq!(c.ulimits[0].value.value, "1024:2048");
    assert_eq!(c.devices[0].value, "/dev/null:/dev/xnull:r");
    assert_eq!(c.sysctls[0].key.value, "net.ipv4.ip_forward");
    assert_eq!(
        c.logging.as_ref().unwrap().driver.as_ref().unwrap().value,
        "json-file"
    );
    assert!(c.oom_kill_disable.as_ref().unwrap().value);
    assert_eq!(c.oom_score_adj.as_ref().unwrap().value, 500);
    assert_eq!(c.tmpfs[0].value, "/run:rw,noexec,size=64m");
    assert_eq!(c.extra_hosts[0].value, "db:10.0.0.2");
    let hc = &c.healthcheck.as_ref().unwrap().value;
    assert_eq!(hc.test, vec!["CMD-SHELL", "true"]);
    assert_eq!(
        (
            hc.interval.as_deref(),
            hc.timeout.as_deref(),
            hc.start_period.as_deref(),
            hc.retries.as_deref()
        ),
        (Some("30s"), Some("5s"), Some("1m"), Some("3"))
    );
    assert!(
        c.environment
            .iter()
            .any(|kv| kv.key.value == "API_KEY" && kv.value.value == "secret")
    );
    assert_eq!(c.labels.len(), 2);

    // Mounts: socket, /etc read-only, an rshared bind, a named volume.
    let m = |t: &str| {
        c.mounts
            .iter()
            .find(|m| m.target.value == t)
            .unwrap_or_else(|| panic!("{t}"))
    };
    assert_eq!(
        m("/var/run/docker.sock").source.as_ref().unwrap().value,
        "/var/run/docker.sock"
    );
    assert!(m("/host/etc").read_only.as_ref().unwrap().value);
    assert_eq!(m("/hosttmp").propagation.as_ref().unwrap().value, "rshared");
    assert_eq!(m("/data").kind.value, MountKind::Volume);
    assert_eq!(m("/data").source.as_ref().unwrap().value, "data");

    // Ports: all interfaces, loopback, and a port Docker picks (not running).
    let p = |t: &str| {
        c.ports
            .iter()
            .find(|p| p.target.value == t)
            .unwrap_or_else(|| panic!("{t}"))
    };
    assert!(p("80").binds_all_interfaces());
    assert!(!p("443").binds_all_interfaces());
    assert_eq!(p("443").host_ip.as_ref().unwrap().value, "127.0.0.1");
    assert_eq!(p("53").protocol.as_ref().unwrap().value, "udp");
    assert!(p("53").published.is_none());
}

#[test]
fn plain_container_from_captured_inspect() {
    let ci: ContainerInspectResponse = load("container-plain.json");
    let c = container_spec(&ci, None);
    assert_eq!(
        c.resources
            .cpus
            .as_ref()
            .map(|v| (v.value.as_str(), v.origin.clone())),
        Some(("0.5", api("HostConfig.CpuQuota")))
    );
    assert!(c.resources.memory.is_none());
    assert!(c.resources.pids.is_none());
    assert_eq!(c.restart.as_ref().unwrap().value, "always");
    assert!(!c.privileged.as_ref().unwrap().value);
    assert!(c.user.is_none());
    assert!(c.healthcheck.is_none());
    assert!(c.ports.is_empty());
    assert!(c.cap_drop_key.is_none());
}

#[test]
fn daemon_from_captured_info() {
    let info: SystemInfo = load("info.json");
    let d = daemon_spec(&info);
    assert_eq!(d.storage_driver.as_ref().unwrap().value, "overlay2");
    assert_eq!(d.log_driver.as_ref().unwrap().value, "json-file");
    assert_eq!(
        d.seccomp_profile
            .as_ref()
            .map(|s| (s.value.as_str(), s.origin.clone())),
        Some(("default", api("SecurityOptions[0]")))
    );
    assert!(!d.selinux_enabled.as_ref().unwrap().value);
    assert!(!d.rootless.as_ref().unwrap().value);
    assert!(d.userns_remap.is_none());
    assert!(
        d.insecure_registries.is_empty(),
        "loopback is always insecure: not a setting"
    );
    assert!(d.icc.is_none());
    assert!(!d.live_restore.as_ref().unwrap().value);
}
