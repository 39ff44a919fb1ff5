//! Against a real, private `dockerd` (see `support`): negotiation,
//! snapshot, conversions of real containers with their API origins, a
//! container removed between list and inspect, `top` of a running
//! container, and the container rules over a converted container.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use drydock_testkit as support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use drydock_core::spec::{ContainerSpec, MountKind};
use drydock_core::{Origin, SourceMap};
use drydock_engine::bollard::models::{
    ContainerCreateBody, DeviceMapping, HealthConfig, HostConfig, HostConfigLogConfig, PortBinding,
    ResourcesUlimits, RestartPolicy, RestartPolicyNameEnum,
};
use drydock_engine::convert::{container_spec, daemon_spec, image_spec};
use drydock_engine::{Engine, FetchOptions, Snapshot};

fn api(p: &str) -> Origin {
    Origin::api(p)
}

/// Specs of every container of a snapshot, by name, with their images.
fn specs(snap: &Snapshot) -> HashMap<String, ContainerSpec> {
    let mut out = HashMap::new();
    for t in snap.containers.as_ref().expect("container list") {
        let ci = t.result.as_ref().expect("inspect");
        let image = ci
            .image
            .as_ref()
            .and_then(|id| snap.images.get(id))
            .and_then(|t| t.result.as_ref().ok())
            .map(|i| Arc::new(image_spec(i)));
        out.insert(t.name.clone(), container_spec(ci, image));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_negotiates_and_reads_info() {
    let Some(d) = support::daemon(None) else {
        return;
    };
    let e = d.connect().await;
    let server = e.version().api_version.clone().unwrap_or_default();
    // The negotiated version is the lower of ours and the daemon's.
    assert!(!e.api_version().is_empty());
    let ours = drydock_engine::parse_api_version(e.api_version()).unwrap();
    let theirs = drydock_engine::parse_api_version(&server).unwrap();
    assert!(ours <= theirs, "{} > {server}", e.api_version());
    // The lower of the daemon's and bollard's: for an older daemon, exactly
    // the daemon's (the first request, at bollard's version, was refused).
    let bollard = drydock_engine::bollard::API_DEFAULT_VERSION;
    if theirs < *bollard {
        assert_eq!(e.api_version(), server);
    }
    let snap = e.snapshot(FetchOptions::default()).await.unwrap();
    let info = snap.info.as_ref().unwrap();
    assert_eq!(
        info.docker_root_dir.as_deref(),
        Some(d.dir().join("root").to_str().unwrap())
    );
    assert!(snap.containers.as_ref().unwrap().is_empty());
    assert!(snap.swarm.is_none());
    assert!(snap.networks.as_ref().unwrap().as_ref().is_ok());
    let spec = daemon_spec(info);
    assert_eq!(
        spec.data_root.as_ref().unwrap().origin,
        api("DockerRootDir")
    );
    assert!(spec.storage_driver.is_some());
    assert_eq!(spec.live_restore.as_ref().map(|v| v.value), Some(false));
    assert!(spec.icc.is_none(), "icc is not in /info: unknown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemon_json_settings_show_in_daemon_spec() {
    let json = r#"{"live-restore": true, "debug": true, "log-driver": "local",
        "insecure-registries": ["10.1.0.0/16", "registry.test:5000"],
        "no-new-privileges": true}"#;
    let Some(d) = support::daemon(Some(json)) else {
        return;
    };
    let e = d.connect().await;
    let snap = e.snapshot(FetchOptions::default()).await.unwrap();
    let spec = daemon_spec(snap.info.as_ref().unwrap());
    assert!(spec.live_restore.as_ref().unwrap().value);
    assert_eq!(
        spec.live_restore.as_ref().unwrap().origin,
        api("LiveRestoreEnabled")
    );
    assert!(spec.debug.as_ref().unwrap().value);
    assert_eq!(spec.log_driver.as_ref().unwrap().value, "local");
    let insecure: Vec<&str> = spec
        .insecure_registries
        .iter()
        .map(|s| s.value.as_str())
        .collect();
    assert!(insecure.contains(&"10.1.0.0/16"), "{insecure:?}");
    assert!(insecure.contains(&"registry.test:5000"), "{insecure:?}");
    let nnp = spec.no_new_privileges.as_ref().map(|v| v.value);
    // 20.10 lists no-new-privileges in SecurityOptions only from 23.0 on.
    eprintln!(
        "no-new-privileges from /info: {nnp:?}; options {:?}",
        spec.security_options
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conversions_of_real_containers() {
    let Some(d) = support::daemon(None) else {
        return;
    };
    let e = d.connect().await;
    support::import_test_image(&e).await;

    let mut bindings = HashMap::new();
    bindings.insert(
        "80/tcp".to_string(),
        Some(vec![PortBinding {
            host_ip: Some(String::new()),
            host_port: Some("8080".into()),
        }]),
    );
    bindings.insert(
        "443/tcp".to_string(),
        Some(vec![PortBinding {
            host_ip: Some("127.0.0.1".into()),
            host_port: Some("8443".into()),
        }]),
    );
    let mut tmpfs = HashMap::new();
    tmpfs.insert("/run".to_string(), "rw,noexec,size=64m".to_string());
    let mut sysctls = HashMap::new();
    sysctls.insert("net.ipv4.ip_forward".to_string(), "1".to_string());
    let mut log_opts = HashMap::new();
    log_opts.insert("max-size".to_string(), "10m".to_string());
    let mut labels = HashMap::new();
    labels.insert("com.example.team".to_string(), "sec".to_string());
    support::create(
        &e,
        "rich",
        ContainerCreateBody {
            user: Some("1000:1000".into()),
            env: Some(vec!["API_KEY=secret".into(), "MODE=prod".into()]),
            labels: Some(labels),
            exposed_ports: Some(vec!["80/tcp".into(), "443/tcp".into()]),
            healthcheck: Some(HealthConfig {
                test: Some(vec!["CMD".into(), "/bin/busybox".into(), "true".into()]),
                interval: Some(30_000_000_000),
                timeout: Some(5_000_000_000),
                retries: Some(3),
                start_period: Some(60_000_000_000),
                start_interval: None,
            }),
            host_config: Some(HostConfig {
                privileged: Some(true),
                cap_add: Some(vec!["NET_ADMIN".into(), "SYS_PTRACE".into()]),
                cap_drop: Some(vec!["MKNOD".into()]),
                security_opt: Some(vec![
                    "seccomp=unconfined".into(),
                    "no-new-privileges:true".into(),
                ]),
                readonly_rootfs: Some(true),
                binds: Some(vec![
                    "/var/run/docker.sock:/var/run/docker.sock".into(),
                    "/etc:/host/etc:ro".into(),
                    "data:/data".into(),
                ]),
                port_bindings: Some(bindings),
                pid_mode: Some("host".into()),
                ipc_mode: Some("host".into()),
                uts_mode: Some("host".into()),
                cgroup_parent: Some("/custom".into()),
                memory: Some(512 * 1024 * 1024),
                nano_cpus: Some(1_500_000_000),
                cpu_shares: Some(512),
                pids_limit: Some(100),
                ulimits: Some(vec![ResourcesUlimits {
                    name: Some("nofile".into()),
                    soft: Some(1024),
                    hard: Some(2048),
                }]),
                devices: Some(vec![DeviceMapping {
                    path_on_host: Some("/dev/null".into()),
                    path_in_container: Some("/dev/xnull".into()),
                    cgroup_permissions: Some("r".into()),
                }]),
                sysctls: Some(sysctls),
                log_config: Some(HostConfigLogConfig {
                    typ: Some("json-file".into()),
                    config: Some(log_opts),
                }),
                restart_policy: Some(RestartPolicy {
                    name: Some(RestartPolicyNameEnum::ON_FAILURE),
                    maximum_retry_count: Some(5),
                }),
                oom_kill_disable: Some(true),
                oom_score_adj: Some(500),
                tmpfs: Some(tmpfs),
                extra_hosts: Some(vec!["db:10.0.0.2".into()]),
                ..HostConfig::default()
            }),
            ..ContainerCreateBody::default()
        },
    )
    .await;
    support::create(
        &e,
        "plain",
        ContainerCreateBody {
            host_config: Some(HostConfig {
                cpu_quota: Some(50_000),
                cpu_period: Some(100_000),
                restart_policy: Some(RestartPolicy {
                    name: Some(RestartPolicyNameEnum::ALWAYS),
                    maximum_retry_count: None,
                }),
                ..HostConfig::default()
            }),
            ..ContainerCreateBody::default()
        },
    )
    .await;

    let snap = e.snapshot(FetchOptions::default()).await.unwrap();
    let all = specs(&snap);
    let rich = &all["rich"];
    assert_eq!(rich.origin, api("Id"));
    assert_eq!(rich.source, drydock_core::spec::ContainerSource::Api);
    let p = rich.privileged.as_ref().unwrap();
    assert!(p.value);
    assert_eq!(p.origin, api("HostConfig.Privileged"));
    let caps: Vec<(&str, &Origin)> = rich
        .cap_add
        .iter()
        .map(|c| (c.value.as_str(), &c.origin))
        .collect();
    assert_eq!(
        caps,
        vec![
            ("NET_ADMIN", &api("HostConfig.CapAdd[0]")),
            ("SYS_PTRACE", &api("HostConfig.CapAdd[1]"))
        ]
    );
    assert_eq!(rich.cap_drop[0].value, "MKNOD");
    assert_eq!(rich.cap_drop[0].origin, api("HostConfig.CapDrop[0]"));
    assert_eq!(
        rich.no_new_privileges().map(|(v, s)| (v, s.origin.clone())),
        Some((true, api("HostConfig.SecurityOpt[1]")))
    );
    assert_eq!(rich.user.as_ref().unwrap().value, "1000:1000");
    assert_eq!(rich.user.as_ref().unwrap().origin, api("Config.User"));
    assert_eq!(
        rich.read_only.as_ref().map(|r| (r.value, r.origin.clone())),
        Some((true, api("HostConfig.ReadonlyRootfs")))
    );

    let sock = rich
        .mounts
        .iter()
        .find(|m| m.target.value == "/var/run/docker.sock")
        .unwrap();
    assert_eq!(sock.kind.value, MountKind::Bind);
    assert_eq!(sock.source.as_ref().unwrap().value, "/var/run/docker.sock");
    assert!(
        matches!(&sock.source.as_ref().unwrap().origin, Origin::Api(p) if p.starts_with("Mounts[") && p.ends_with("].Source"))
    );
    assert!(!sock.read_only.as_ref().unwrap().value);
    let etc = rich
        .mounts
        .iter()
        .find(|m| m.target.value == "/host/etc")
        .unwrap();
    assert!(etc.read_only.as_ref().unwrap().value);
    assert_eq!(etc.propagation.as_ref().unwrap().value, "rprivate");
    let vol = rich
        .mounts
        .iter()
        .find(|m| m.target.value == "/data")
        .unwrap();
    assert_eq!(vol.kind.value, MountKind::Volume);
    assert_eq!(vol.source.as_ref().unwrap().value, "data");

    let all_if = rich.ports.iter().find(|p| p.target.value == "80").unwrap();
    assert!(all_if.binds_all_interfaces());
    assert_eq!(all_if.published.as_ref().unwrap().value, "8080");
    assert_eq!(
        all_if.origin,
        api(r#"HostConfig.PortBindings["80/tcp"][0]"#)
    );
    let local = rich.ports.iter().find(|p| p.target.value == "443").unwrap();
    assert!(!local.binds_all_interfaces());
    assert_eq!(local.host_ip.as_ref().unwrap().value, "127.0.0.1");
    assert_eq!(
        local.host_ip.as_ref().unwrap().origin,
        api(r#"HostConfig.PortBindings["443/tcp"][0].HostIp"#)
    );
    assert_eq!(local.protocol.as_ref().unwrap().value, "tcp");

    for (field, want, path) in [
        (&rich.pid, "host", "HostConfig.PidMode"),
        (&rich.ipc, "host", "HostConfig.IpcMode"),
        (&rich.uts, "host", "HostConfig.UTSMode"),
        (&rich.cgroup_parent, "/custom", "HostConfig.CgroupParent"),
        (&rich.restart, "on-failure:5", "HostConfig.RestartPolicy"),
    ] {
        let v = field.as_ref().unwrap_or_else(|| panic!("{path} unset"));
        assert_eq!((v.value.as_str(), &v.origin), (want, &api(path)));
    }
    let r = &rich.resources;
    assert_eq!(
        r.memory
            .as_ref()
            .map(|m| (m.value.as_str(), m.origin.clone())),
        Some(("536870912", api("HostConfig.Memory")))
    );
    assert_eq!(
        r.cpus
            .as_ref()
            .map(|m| (m.value.as_str(), m.origin.clone())),
        Some(("1.5", api("HostConfig.NanoCpus")))
    );
    assert_eq!(r.cpu_shares.as_ref().unwrap().value, "512");
    assert_eq!(
        r.pids.as_ref().map(|m| (m.value, m.origin.clone())),
        Some((100, api("HostConfig.PidsLimit")))
    );
    assert_eq!(rich.ulimits[0].key.value, "nofile");
    assert_eq!(rich.ulimits[0].value.value, "1024:2048");
    assert_eq!(rich.devices[0].value, "/dev/null:/dev/xnull:r");
    assert_eq!(rich.devices[0].origin, api("HostConfig.Devices[0]"));
    assert_eq!(rich.sysctls[0].key.value, "net.ipv4.ip_forward");
    assert_eq!(
        rich.sysctls[0].origin,
        api(r#"HostConfig.Sysctls["net.ipv4.ip_forward"]"#)
    );
    let log = rich.logging.as_ref().unwrap();
    assert_eq!(log.driver.as_ref().unwrap().value, "json-file");
    assert_eq!(log.options[0].key.value, "max-size");
    let hc = rich.healthcheck.as_ref().unwrap();
    assert_eq!(hc.origin, api("Config.Healthcheck"));
    assert_eq!(hc.value.interval.as_deref(), Some("30s"));
    assert_eq!(hc.value.start_period.as_deref(), Some("1m"));
    assert_eq!(hc.value.retries.as_deref(), Some("3"));
    assert!(!hc.value.disabled);
    let env: Vec<(&str, &str)> = rich
        .environment
        .iter()
        .map(|kv| (kv.key.value.as_str(), kv.value.value.as_str()))
        .collect();
    assert!(env.contains(&("API_KEY", "secret")), "{env:?}");
    assert!(
        env.contains(&("APP_MODE", "test")),
        "image env is merged into Config.Env: {env:?}"
    );
    assert!(
        rich.labels
            .iter()
            .any(|kv| kv.key.value == "com.example.team"
                && kv.origin == api(r#"Config.Labels["com.example.team"]"#))
    );
    assert_eq!(rich.oom_kill_disable.as_ref().map(|v| v.value), Some(true));
    assert_eq!(rich.oom_score_adj.as_ref().map(|v| v.value), Some(500));
    assert_eq!(rich.tmpfs[0].value, "/run:rw,noexec,size=64m");
    assert_eq!(rich.extra_hosts[0].value, "db:10.0.0.2");
    assert_eq!(rich.image.as_ref().unwrap().value, support::IMAGE);
    assert!(rich.image_ref.is_some());

    // The image the container runs, from its own inspect.
    let img = rich.image_spec.as_ref().expect("image spec");
    assert!(img.is_final);
    assert_eq!(
        img.user
            .as_ref()
            .map(|u| (u.value.as_str(), u.origin.clone())),
        Some(("1001", api("Config.User")))
    );
    assert_eq!(
        img.exposed_ports
            .iter()
            .map(|p| p.value.as_str())
            .collect::<Vec<_>>(),
        vec!["8080/tcp"]
    );
    assert_eq!(
        img.healthcheck.as_ref().unwrap().value.interval.as_deref(),
        Some("45s")
    );
    assert_eq!(img.workdir.as_ref().unwrap().value, "/srv");
    assert_eq!(
        img.cmd.as_ref().unwrap().value.args,
        vec!["/bin/busybox", "sleep", "3600"]
    );
    assert!(img.env_value("APP_MODE").is_some());

    let plain = &all["plain"];
    assert_eq!(
        plain
            .resources
            .cpus
            .as_ref()
            .map(|c| (c.value.as_str(), c.origin.clone())),
        Some(("0.5", api("HostConfig.CpuQuota")))
    );
    assert_eq!(plain.restart.as_ref().unwrap().value, "always");
    assert_eq!(plain.privileged.as_ref().map(|p| p.value), Some(false));
    assert!(plain.resources.memory.is_none(), "no limit: unset");
    // The container inherits the image's user and healthcheck.
    assert_eq!(plain.user.as_ref().unwrap().value, "1001");
    assert!(plain.ports.is_empty());

    // Every image read once, by ID.
    assert_eq!(snap.images.len(), 1);
}

/// The existing container rules judge a converted container unchanged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn container_rules_over_live_privileged_container() {
    let Some(d) = support::daemon(None) else {
        return;
    };
    let e = d.connect().await;
    support::import_test_image(&e).await;
    support::create(
        &e,
        "priv",
        ContainerCreateBody {
            host_config: Some(HostConfig {
                privileged: Some(true),
                binds: Some(vec!["/var/run/docker.sock:/var/run/docker.sock".into()]),
                ..HostConfig::default()
            }),
            ..ContainerCreateBody::default()
        },
    )
    .await;
    // Left created (never started): on some machines privileged containers
    // cannot start, and a created container is audited all the same.
    let snap = e.snapshot(FetchOptions::default()).await.unwrap();
    let all = specs(&snap);
    let spec = &all["priv"];
    let settings = drydock_rules::Settings::default();
    let sources = SourceMap::new();
    let mut findings = Vec::new();
    for rule in settings.enabled_rules() {
        let mut cx = drydock_rules::Checker::new(rule.meta(), &settings, &sources);
        rule.check_container(&mut cx, spec);
        findings.extend(cx.into_findings());
    }
    let ctr001 = findings
        .iter()
        .find(|f| f.rule.id == "CTR001")
        .expect("CTR001");
    assert_eq!(format!("{:?}", ctr001.origin), "api:HostConfig.Privileged");
    assert!(
        ctr001.message.contains("container `priv`"),
        "{}",
        ctr001.message
    );
    let ids: Vec<&str> = findings.iter().map(|f| f.rule.id).collect();
    eprintln!("findings on the live container: {ids:?}");
    assert!(
        findings
            .iter()
            .any(|f| matches!(&f.origin, Origin::Api(p) if p.starts_with("Mounts["))),
        "docker socket mount: {ids:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn container_removed_between_list_and_inspect() {
    let Some(d) = support::daemon(None) else {
        return;
    };
    let e = d.connect().await;
    support::import_test_image(&e).await;
    for n in ["keep", "gone"] {
        support::create(&e, n, ContainerCreateBody::default()).await;
    }
    let list = support::list_all(&e).await;
    assert_eq!(list.len(), 2);
    support::remove(&e, "gone").await.unwrap();
    let targets = e.inspect_containers(&list, 4).await;
    assert_eq!(targets.len(), 2);
    let gone = targets.iter().find(|t| t.name == "gone").unwrap();
    let err = gone.result.as_ref().unwrap_err();
    assert!(
        matches!(err, drydock_engine::EngineError::NotFound { .. }),
        "{err:?}"
    );
    assert!(!err.is_connection_error());
    let keep = targets.iter().find(|t| t.name == "keep").unwrap();
    assert!(keep.result.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn top_of_a_running_container() {
    let Some(d) = support::daemon(None) else {
        return;
    };
    if !support::has_busybox() {
        support::skip("no static busybox to run in a container (apt-get install busybox-static)");
        return;
    }
    let e = d.connect().await;
    support::import_test_image(&e).await;
    support::create(&e, "sleeper", ContainerCreateBody::default()).await;
    support::create(&e, "idle", ContainerCreateBody::default()).await;
    if let Err(err) = e.docker().start_container("sleeper", None).await {
        panic!("start: {err}\n{}", d.log_tail());
    }
    let t0 = Instant::now();
    let snap = e.snapshot(FetchOptions::default()).await.unwrap();
    eprintln!("snapshot with one running container: {:?}", t0.elapsed());
    assert_eq!(snap.top.len(), 1, "top only of running containers");
    let sleeper = snap
        .containers
        .as_ref()
        .unwrap()
        .iter()
        .find(|t| t.name == "sleeper")
        .unwrap();
    let top = snap.top[&sleeper.id].as_ref().unwrap();
    let procs = top.processes.as_ref().unwrap();
    assert!(
        procs.iter().flatten().any(|c| c.contains("sleep")),
        "{procs:?}"
    );

    // --running-only.
    let opts = FetchOptions {
        running_only: true,
        ..FetchOptions::default()
    };
    let snap = e.snapshot(opts).await.unwrap();
    let names: Vec<&str> = snap
        .containers
        .as_ref()
        .unwrap()
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(names, vec!["sleeper"]);
    let _ = support::remove(&e, "sleeper").await;
}

/// A daemon that stops while it is being read: the next calls fail with a
/// connection error naming the address, nothing hangs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemon_stopping_gives_connection_errors() {
    let Some(mut d) = support::daemon(None) else {
        return;
    };
    let e: Engine = d.connect().await;
    let addr = d.address().to_string();
    d.stop();
    let t0 = Instant::now();
    let err = e.snapshot(FetchOptions::default()).await.unwrap_err();
    assert!(err.is_connection_error(), "{err:?}");
    assert!(err.to_string().contains(&addr), "{err} / {addr}");
    assert!(t0.elapsed().as_secs() < 10);
}

/// Swarm objects are read on an active manager: the swarm, nodes,
/// services, secrets, and overlay networks with their encryption option.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swarm_manager_objects() {
    let Some(d) = support::daemon(None) else {
        return;
    };
    let e = d.connect().await;
    if let Err(err) = support::init_swarm(&e).await {
        support::skip(&format!("swarm init failed on this machine: {err}"));
        return;
    }
    for (name, encrypted) in [("enc", true), ("clear", false)] {
        support::overlay_network(&e, name, encrypted).await;
    }
    let snap = e.snapshot(FetchOptions::default()).await.unwrap();
    let swarm = snap.swarm.as_ref().expect("swarm data on a manager");
    assert!(swarm.swarm.as_ref().unwrap().id.is_some());
    assert_eq!(swarm.nodes.as_ref().unwrap().len(), 1);
    assert!(swarm.services.as_ref().unwrap().is_empty());
    assert!(swarm.secrets.as_ref().unwrap().is_empty());
    let nets = snap.networks.as_ref().unwrap().as_ref().unwrap();
    let opt = |n: &str| {
        nets.iter()
            .find(|x| x.name.as_deref() == Some(n))
            .and_then(|x| x.options.as_ref())
            .is_some_and(|o| o.contains_key("encrypted"))
    };
    assert!(opt("enc"));
    assert!(!opt("clear"));
}
