//! The audit over hand-built snapshots: what decides each daemon check
//! (and when it cannot be decided), container verdicts, filters, numbering.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use drydock_audit::{AuditOptions, audit_snapshot};
use drydock_core::audit::{AuditResult, Status};
use drydock_engine::bollard::models::{
    ContainerConfig, ContainerInspectResponse, ContainerState, HostConfig, SystemInfo,
    SystemVersion,
};
use drydock_engine::{Snapshot, Target};
use drydock_host::CisVersion;

fn info() -> SystemInfo {
    SystemInfo {
        driver: Some("overlay2".into()),
        logging_driver: Some("json-file".into()),
        live_restore_enabled: Some(true),
        docker_root_dir: Some("/var/lib/docker".into()),
        security_options: Some(vec![
            "name=apparmor".into(),
            "name=seccomp,profile=builtin".into(),
            "name=selinux".into(),
        ]),
        ..Default::default()
    }
}

fn container(
    id: &str,
    name: &str,
    h: HostConfig,
    labels: &[(&str, &str)],
) -> Target<ContainerInspectResponse> {
    Target {
        id: id.into(),
        name: name.into(),
        result: Ok(ContainerInspectResponse {
            id: Some(id.into()),
            name: Some(format!("/{name}")),
            host_config: Some(h),
            config: Some(ContainerConfig {
                labels: Some(
                    labels
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect::<HashMap<_, _>>(),
                ),
                ..Default::default()
            }),
            state: Some(ContainerState {
                running: Some(false),
                ..Default::default()
            }),
            ..Default::default()
        }),
    }
}

fn snapshot(containers: Vec<Target<ContainerInspectResponse>>) -> Snapshot {
    Snapshot {
        version: SystemVersion::default(),
        info: Ok(info()),
        containers: Ok(containers),
        images: BTreeMap::new(),
        history: BTreeMap::new(),
        image_list_error: None,
        top: BTreeMap::new(),
        networks: None,
        swarm: None,
    }
}

fn opts(proc_root: &Path, root: &Path) -> AuditOptions {
    let mut o = AuditOptions {
        host_checks: false,
        proc_root: proc_root.to_path_buf(),
        socket: Some("/x.sock".into()),
        ..AuditOptions::default()
    };
    o.host.root = root.to_path_buf();
    o
}

fn get<'a>(rs: &'a [AuditResult], id: &str, name: Option<&str>) -> &'a AuditResult {
    rs.iter()
        .find(|r| r.check == id && name.is_none_or(|n| r.target.name() == Some(n)))
        .unwrap_or_else(|| panic!("no {id} for {name:?}"))
}

fn fake_dockerd(proc_root: &Path, args: &str) {
    std::fs::create_dir_all(proc_root.join("42")).unwrap();
    std::fs::write(proc_root.join("42/cmdline"), args.replace(' ', "\0")).unwrap();
}

#[test]
fn without_the_daemon_process_config_only_checks_warn_and_info_checks_decide() {
    let proc_root = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let rs = audit_snapshot(&snapshot(vec![]), &opts(proc_root.path(), root.path()));
    let r = get(&rs, "2.2", None);
    assert_eq!(r.status, Status::Warn);
    assert!(r.message.contains("no dockerd process"), "{}", r.message);
    assert_eq!(r.rules, vec!["DMN001".to_string()]);
    // From /info alone.
    assert_eq!(get(&rs, "2.15", None).status, Status::Pass);
    assert_eq!(get(&rs, "2.6", None).status, Status::Pass);
    assert_eq!(get(&rs, "2.13", None).status, Status::Fail);
    assert_eq!(get(&rs, "2.1", None).status, Status::Info);
    // No Swarm: section 7 does not apply; 5.1 passes.
    assert_eq!(get(&rs, "7.3", None).status, Status::NotApplicable);
    assert_eq!(get(&rs, "5.1", None).status, Status::Pass);
    assert_eq!(get(&rs, "4.5", None).status, Status::Fail);
}

#[test]
fn daemon_json_and_flags_of_the_dockerd_serving_the_socket_decide() {
    let proc_root = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    fake_dockerd(
        proc_root.path(),
        "/usr/bin/dockerd -H unix:///x.sock --config-file /etc/d.json --userland-proxy=false",
    );
    std::fs::create_dir_all(root.path().join("etc")).unwrap();
    std::fs::write(
        root.path().join("etc/d.json"),
        "{\n  \"icc\": false,\n  \"log-level\": \"debug\"\n}\n",
    )
    .unwrap();
    let rs = audit_snapshot(&snapshot(vec![]), &opts(proc_root.path(), root.path()));
    assert_eq!(get(&rs, "2.2", None).status, Status::Pass);
    let r = get(&rs, "2.3", None);
    assert_eq!(r.status, Status::Fail);
    assert_eq!(r.origin.as_deref(), Some("/etc/d.json:3:16"));
    assert_eq!(get(&rs, "2.16", None).status, Status::Pass);
    // An explicit --config-file that is gone (dockerd refuses to start
    // without it): what the daemon loaded is unknown, not the defaults.
    std::fs::remove_file(root.path().join("etc/d.json")).unwrap();
    let rs = audit_snapshot(&snapshot(vec![]), &opts(proc_root.path(), root.path()));
    let r = get(&rs, "2.2", None);
    assert_eq!(r.status, Status::Warn);
    assert!(
        r.message.contains("/etc/d.json could not be read"),
        "{}",
        r.message
    );
    // An unreadable path (a directory) is not a pass.
    std::fs::create_dir(root.path().join("etc/d.json")).unwrap();
    let rs = audit_snapshot(&snapshot(vec![]), &opts(proc_root.path(), root.path()));
    assert_eq!(get(&rs, "2.2", None).status, Status::Warn);
    // No default daemon.json is known: all defaults.
    fake_dockerd(
        proc_root.path(),
        "/usr/bin/dockerd -H unix:///x.sock --userland-proxy=false",
    );
    let rs = audit_snapshot(&snapshot(vec![]), &opts(proc_root.path(), root.path()));
    assert_eq!(get(&rs, "2.2", None).status, Status::Fail);
}

#[test]
fn containers_are_judged_filtered_and_renumbered() {
    let proc_root = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let id = |c: char| std::iter::repeat_n(c, 64).collect::<String>();
    let priv_host = HostConfig {
        privileged: Some(true),
        pid_mode: Some("host".into()),
        security_opt: Some(vec!["label=disable".into()]),
        ..Default::default()
    };
    let cs = vec![
        container(&id('a'), "priv", priv_host, &[]),
        container(
            &id('b'),
            "skipme",
            HostConfig::default(),
            &[("audit", "no")],
        ),
        container(&id('c'), "me", HostConfig::default(), &[]),
        container(&id('d'), "plain", HostConfig::default(), &[]),
    ];
    let mut o = opts(proc_root.path(), root.path());
    o.exclude_labels = vec!["audit=no".into()];
    o.own_container_hints = vec![format!("0::/system.slice/docker-{}.scope\n", id('c'))];
    o.version = CisVersion::V1_8;
    let rs = audit_snapshot(&snapshot(cs), &o);
    let r = get(&rs, "5.5", Some("priv"));
    assert_eq!(r.status, Status::Fail);
    assert_eq!(r.origin.as_deref(), Some("api:HostConfig.Privileged"));
    assert_eq!(get(&rs, "5.16", Some("priv")).status, Status::Fail);
    assert_eq!(get(&rs, "5.5", Some("plain")).status, Status::Pass);
    // The daemon's own label=disable on a privileged container is no SELinux finding.
    assert!(
        !get(&rs, "5.3", Some("priv"))
            .message
            .contains("SELinux label")
    );
    assert!(rs.iter().all(|r| r.target.name() != Some("skipme")));
    assert!(rs.iter().all(|r| r.target.name() != Some("me")));
    // 1.8: devicemapper is 2.7, TLS 2.8 ... experimental 2.19.
    assert_eq!(
        get(&rs, "2.7", None).title,
        "Ensure devicemapper storage driver is not used"
    );
    assert!(get(&rs, "2.19", None).title.contains("experimental"));
    // Sprawl counts every container of the host, filtered or not.
    assert_eq!(
        get(&rs, "6.2", None).message,
        "4 containers, 0 running, 4 not running"
    );
}

fn image(id: &str, tag: &str) -> Target<drydock_engine::bollard::models::ImageInspect> {
    Target {
        id: id.into(),
        name: tag.into(),
        result: Ok(drydock_engine::bollard::models::ImageInspect {
            id: Some(id.into()),
            repo_tags: Some(vec![tag.into()]),
            ..Default::default()
        }),
    }
}

fn history(
    newest_first: &[&str],
) -> Result<
    Vec<drydock_engine::bollard::models::ImageHistoryResponseItem>,
    drydock_engine::EngineError,
> {
    Ok(newest_first
        .iter()
        .map(
            |c| drydock_engine::bollard::models::ImageHistoryResponseItem {
                created_by: (*c).into(),
                ..Default::default()
            },
        )
        .collect())
}

/// 4.7, 4.9 and 4.10 read the image history (as `docker history` shows it,
/// newest first) with the Dockerfile rules; the base image's root
/// filesystem `ADD` is not this image's choice.
#[test]
fn image_history_decides_update_add_and_secret_checks() {
    let proc_root = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let bad = format!("sha256:{}", "1".repeat(64));
    let good = format!("sha256:{}", "2".repeat(64));
    let broken = format!("sha256:{}", "3".repeat(64));
    let mut snap = snapshot(vec![]);
    for (id, tag) in [(&bad, "bad:1"), (&good, "good:1"), (&broken, "broken:1")] {
        snap.images.insert(id.clone(), image(id, tag));
    }
    snap.history.insert(
        bad.clone(),
        history(&[
            "/bin/sh -c #(nop)  CMD [\"app\"]",
            "|1 DB_PASSWORD=hunter2hunter2 /bin/sh -c ./configure",
            "/bin/sh -c #(nop) ADD file:9f2a1c0e4b in /app/config.yml ",
            "RUN /bin/sh -c apt-get update # buildkit",
            "/bin/sh -c #(nop) ADD file:4b03b5f551e3 in / ",
        ]),
    );
    snap.history.insert(
        good.clone(),
        history(&[
            "COPY app /app # buildkit",
            "RUN /bin/sh -c apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10 # buildkit",
            "/bin/sh -c #(nop) ADD file:4b03b5f551e3 in / ",
        ]),
    );
    snap.history.insert(
        broken.clone(),
        Err(drydock_engine::EngineError::NotFound {
            call: "GET /images/x/history".into(),
        }),
    );
    let rs = audit_snapshot(&snap, &opts(proc_root.path(), root.path()));

    let r = get(&rs, "4.7", Some("bad:1"));
    assert_eq!(r.status, Status::Fail, "{r:?}");
    assert_eq!(r.rules, ["IMG031"]);
    assert_eq!(
        r.origin.as_deref(),
        Some(format!("api:/images/{bad}/history[3].CreatedBy").as_str())
    );
    let r = get(&rs, "4.9", Some("bad:1"));
    assert_eq!(r.status, Status::Fail, "{r:?}");
    assert_eq!(
        r.origin.as_deref(),
        Some(format!("api:/images/{bad}/history[2].CreatedBy").as_str()),
        "the app's ADD, not the base's root filesystem"
    );
    let r = get(&rs, "4.10", Some("bad:1"));
    assert_eq!(r.status, Status::Fail, "{r:?}");
    assert!(r.message.contains("DB_PASSWORD"), "{}", r.message);
    assert!(
        !r.message.contains("hunter2"),
        "secret shown: {}",
        r.message
    );
    assert_eq!(
        r.origin.as_deref(),
        Some(format!("api:/images/{bad}/history[1].CreatedBy").as_str())
    );

    for c in ["4.7", "4.9", "4.10"] {
        let r = get(&rs, c, Some("good:1"));
        assert_eq!(r.status, Status::Pass, "{c}: {r:?}");
        assert!(
            r.message
                .contains("2 build instructions of the image history"),
            "{}",
            r.message
        );
        let r = get(&rs, c, Some("broken:1"));
        assert_eq!(r.status, Status::Error, "{c}: {r:?}");
        assert!(
            r.message.contains("history could not be read"),
            "{}",
            r.message
        );
    }
}

/// A daemon on another machine: this machine's files and processes say
/// nothing about it, so host checks and file-only daemon checks are
/// `skipped` with the reason, and what the API shows is still judged.
#[test]
fn a_remote_daemon_is_not_judged_by_this_machines_files() {
    let proc_root = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    // A local dockerd with a hardened daemon.json must not be mistaken for it.
    fake_dockerd(
        proc_root.path(),
        "/usr/bin/dockerd --config-file /etc/d.json",
    );
    std::fs::create_dir_all(root.path().join("etc")).unwrap();
    std::fs::write(root.path().join("etc/d.json"), "{\"icc\": false}").unwrap();
    let mut o = opts(proc_root.path(), root.path());
    o.host_checks = true;
    o.socket = None;
    o.remote = Some("tcp://10.0.0.5:2376".into());
    let rs = audit_snapshot(&snapshot(vec![]), &o);
    for id in ["1.1.1", "1.2.1", "3.1", "3.17"] {
        let r = get(&rs, id, None);
        assert_eq!(r.status, Status::Skipped, "{id}: {r:?}");
        assert!(r.message.contains("tcp://10.0.0.5:2376"), "{}", r.message);
    }
    let r = get(&rs, "2.2", None);
    assert_eq!(r.status, Status::Skipped, "{r:?}");
    assert!(r.message.contains("another machine"), "{}", r.message);
    // /info still decides what it shows.
    assert_eq!(get(&rs, "2.13", None).status, Status::Fail);
    assert_eq!(get(&rs, "2.15", None).status, Status::Pass);
}

fn with_user_and_binds(
    id: &str,
    name: &str,
    user: &str,
    binds: &[&str],
) -> Target<ContainerInspectResponse> {
    let mut t = container(
        id,
        name,
        HostConfig {
            binds: Some(binds.iter().map(|b| b.to_string()).collect()),
            ..Default::default()
        },
        &[],
    );
    if let Ok(ci) = &mut t.result {
        ci.config.as_mut().unwrap().user = Some(user.into());
        ci.mounts = Some(
            binds
                .iter()
                .map(|b| {
                    let (src, dst) = b.split_once(':').unwrap();
                    drydock_engine::bollard::models::MountPoint {
                        typ: Some("bind".into()),
                        source: Some(src.into()),
                        destination: Some(dst.into()),
                        rw: Some(true),
                        ..Default::default()
                    }
                })
                .collect(),
        );
    }
    t
}

/// 4.1 per container (its `Config.User`, which holds the image's USER
/// unless overridden), and 5.32 for the audited daemon's own socket under
/// any name, or anything mounted where clients look for one.
#[test]
fn container_user_and_engine_socket_mounts() {
    let proc_root = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let id = |c: char| std::iter::repeat_n(c, 64).collect::<String>();
    let cs = vec![
        with_user_and_binds(&id('a'), "root_default", "", &[]),
        with_user_and_binds(&id('b'), "root_zero", "0:0", &[]),
        with_user_and_binds(&id('c'), "app", "1000", &[]),
        // The audited daemon's socket (opts: /x.sock) under another name.
        with_user_and_binds(&id('d'), "own_sock", "1000", &["/x.sock:/engine"]),
        // Something mounted where clients look for the Docker API.
        with_user_and_binds(
            &id('e'),
            "at_target",
            "1000",
            &["/tmp/ddbc/d.sock:/var/run/docker.sock"],
        ),
        with_user_and_binds(&id('f'), "data", "1000", &["/srv/data:/data"]),
    ];
    let rs = audit_snapshot(&snapshot(cs), &opts(proc_root.path(), root.path()));
    let r = get(&rs, "4.1", Some("root_default"));
    assert_eq!(r.status, Status::Fail, "{r:?}");
    assert_eq!(r.origin.as_deref(), Some("api:Config.User"));
    assert_eq!(get(&rs, "4.1", Some("root_zero")).status, Status::Fail);
    assert_eq!(get(&rs, "4.1", Some("app")).status, Status::Pass);
    let r = get(&rs, "5.32", Some("own_sock"));
    assert_eq!(r.status, Status::Fail, "{r:?}");
    assert!(r.message.contains("audited engine"), "{}", r.message);
    let r = get(&rs, "5.32", Some("at_target"));
    assert_eq!(r.status, Status::Fail, "{r:?}");
    assert_eq!(get(&rs, "5.32", Some("data")).status, Status::Pass);
}

/// 5.2 (AppArmor) and 5.3 (SELinux) apply where the daemon has them; 2.7
/// (TLS) where it listens on TCP.
#[test]
fn checks_that_do_not_apply_say_so() {
    let proc_root = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    fake_dockerd(proc_root.path(), "/usr/bin/dockerd -H unix:///x.sock");
    let id = std::iter::repeat_n('a', 64).collect::<String>();
    let cs = vec![container(&id, "plain", HostConfig::default(), &[])];
    let mut snap = snapshot(cs);
    if let Ok(i) = &mut snap.info {
        i.security_options = Some(vec!["name=seccomp,profile=builtin".into()]);
    }
    let rs = audit_snapshot(&snap, &opts(proc_root.path(), root.path()));
    for c in ["5.2", "5.3"] {
        let r = get(&rs, c, Some("plain"));
        assert_eq!(r.status, Status::NotApplicable, "{c}: {r:?}");
    }
    let r = get(&rs, "2.7", None);
    assert_eq!(r.status, Status::NotApplicable, "{r:?}");
    // With AppArmor on, 5.2 is judged.
    let cs = vec![container(&id, "plain", HostConfig::default(), &[])];
    let rs = audit_snapshot(&snapshot(cs), &opts(proc_root.path(), root.path()));
    assert_ne!(get(&rs, "5.2", Some("plain")).status, Status::NotApplicable);
}
