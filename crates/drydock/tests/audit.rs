//! `drydock audit` against real private daemons (the engine crate's
//! harness): verdicts per target, filters, exit codes and every format.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use drydock_testkit as support;

use std::process::Output;

use assert_cmd::Command;
use drydock_engine::bollard::models::{ContainerCreateBody, HostConfig};
use serde_json::Value;

fn audit(socket: &std::path::Path, args: &[&str]) -> Output {
    Command::cargo_bin("drydock")
        .unwrap()
        .env("NO_COLOR", "1")
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTENT_TRUST")
        .arg("audit")
        .arg("--host")
        .arg(format!("unix://{}", socket.display()))
        .args(args)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn find<'a>(v: &'a Value, id: &str, target: Option<&str>) -> &'a Value {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == id && target.is_none_or(|t| r["target"]["name"] == t))
        .unwrap_or_else(|| panic!("no result {id} for {target:?}"))
}

/// The status of check `id` on the target named `target` (`None`: the daemon or host).
fn status<'a>(v: &'a Value, id: &str, target: Option<&str>) -> &'a str {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == id && target.is_none_or(|t| r["target"]["name"] == t))
        .unwrap_or_else(|| panic!("no result {id} for {target:?}"))["status"]
        .as_str()
        .unwrap()
}

fn validate(instance: &Value) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/schema/audit-v1.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(root).unwrap()).unwrap();
    let validator = jsonschema::options().build(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema violations: {errors:#?}");
}

const HARDENED_JSON: &str = r#"{
  "icc": false,
  "live-restore": true,
  "userland-proxy": false,
  "no-new-privileges": true,
  "log-opts": {"max-size": "10m", "max-file": "3"}
}"#;

async fn containers(d: &support::Daemon) {
    let e = d.connect().await;
    support::import_test_image(&e).await;
    let hc = |h: HostConfig| ContainerCreateBody {
        host_config: Some(h),
        ..Default::default()
    };
    support::create(
        &e,
        "priv",
        hc(HostConfig {
            privileged: Some(true),
            ..Default::default()
        }),
    )
    .await;
    support::create(
        &e,
        "sock",
        hc(HostConfig {
            binds: Some(vec![
                "/var/run/docker.sock:/var/run/docker.sock".to_string(),
            ]),
            ..Default::default()
        }),
    )
    .await;
    support::create(
        &e,
        "hostpid",
        hc(HostConfig {
            pid_mode: Some("host".into()),
            ..Default::default()
        }),
    )
    .await;
    support::create(&e, "nolimits", hc(HostConfig::default())).await;
    // A running one (processes from `top` for 5.7); no network on this daemon.
    let id = support::create(
        &e,
        "runner",
        ContainerCreateBody {
            // Ends by itself should the test die before removing it.
            cmd: Some(["/bin/busybox", "sleep", "60"].map(String::from).to_vec()),
            ..hc(HostConfig {
                network_mode: Some("none".into()),
                ..Default::default()
            })
        },
    )
    .await;
    e.docker()
        .start_container(
            &id,
            None::<drydock_engine::bollard::query_parameters::StartContainerOptions>,
        )
        .await
        .unwrap();
    // A privileged exec created in it (CIS 5.23, 5.24: the exec rules over
    // the exec instances the daemon lists). Created, not started: the daemon
    // lists an exec instance from its creation, and a privileged process
    // cannot start in every sandbox this runs in ("unable to apply caps").
    e.docker()
        .create_exec(
            &id,
            drydock_engine::bollard::models::ExecConfig {
                privileged: Some(true),
                cmd: Some(["/bin/busybox", "sleep", "50"].map(String::from).to_vec()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // Another running one, with an exec as root.
    let id = support::create(
        &e,
        "sleeper",
        ContainerCreateBody {
            cmd: Some(["/bin/busybox", "sleep", "60"].map(String::from).to_vec()),
            ..hc(HostConfig {
                network_mode: Some("none".into()),
                ..Default::default()
            })
        },
    )
    .await;
    e.docker()
        .start_container(
            &id,
            None::<drydock_engine::bollard::query_parameters::StartContainerOptions>,
        )
        .await
        .unwrap();
    e.docker()
        .create_exec(
            &id,
            drydock_engine::bollard::models::ExecConfig {
                user: Some("root".into()),
                cmd: Some(["/bin/busybox", "id"].map(String::from).to_vec()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    support::create(
        &e,
        "hardened",
        hc(HostConfig {
            memory: Some(64 << 20),
            cpu_shares: Some(512),
            pids_limit: Some(100),
            readonly_rootfs: Some(true),
            cap_drop: Some(vec!["ALL".into()]),
            security_opt: Some(vec!["no-new-privileges:true".into()]),
            restart_policy: None,
            ..Default::default()
        }),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_of_a_hardened_daemon_with_containers() {
    // icc=false needs iptables (dockerd refuses --icc=false with --iptables=false).
    if let Some(reason) = support::unavailable() {
        support::skip(&reason);
        return;
    }
    let d = support::Daemon::start_with(Some(HARDENED_JSON), &["--iptables=true".to_string()])
        .unwrap_or_else(|e| panic!("dockerd did not start: {e}"));
    containers(&d).await;
    let o = audit(&d.socket, &["--format", "json"]);
    let v = json(&o);
    validate(&v);
    // Failures exist (the privileged container): exit 1 under the default --fail-on.
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    // Section 2 from the daemon.json the daemon uses, with its origins.
    assert_eq!(status(&v, "2.2", None), "pass");
    assert_eq!(status(&v, "2.14", None), "pass");
    assert_eq!(status(&v, "2.15", None), "pass");
    assert_eq!(status(&v, "2.16", None), "pass");
    // --iptables=true last on the command line: the last flag wins.
    assert_eq!(status(&v, "2.4", None), "pass");
    // The origin points into the daemon.json the daemon was started with
    // (a pass has none; 2.3 is not set there: the file's top-level object).
    let r23 = find(&v, "2.3", None);
    assert_eq!(r23["status"], "pass");
    let r29 = find(&v, "2.9", None);
    assert_eq!(r29["status"], "fail");
    let origin = r29["origin"].as_str().unwrap();
    assert!(origin.ends_with("daemon.json:1:1"), "{origin}");
    // The daemon's no-new-privileges default covers containers without their own.
    let r526 = find(&v, "5.26", Some("nolimits"));
    assert_eq!(r526["status"], "pass");
    assert!(
        r526["origin"].as_str().unwrap().contains("daemon.json:5:"),
        "{r526}"
    );
    // sshd from the running container's processes.
    let r57 = find(&v, "5.7", Some("runner"));
    assert_eq!(r57["status"], "pass", "{r57}");
    assert_eq!(
        r57["origin"],
        format!(
            "api:/containers/{}/top",
            r57["target"]["id"].as_str().unwrap()
        )
    );

    // Exec sessions the daemon lists, judged by CTR033 and CTR034: the
    // privileged one started in `runner` (no user given, and the container
    // names none: root).
    let r523 = find(&v, "5.23", Some("runner"));
    assert_eq!(r523["status"], "fail", "{r523}");
    let m = r523["message"].as_str().unwrap();
    assert!(
        m.contains("runs privileged (`ProcessConfig.privileged: true`)"),
        "{m}"
    );
    assert!(
        r523["origin"]
            .as_str()
            .unwrap()
            .contains("ProcessConfig.privileged"),
        "{r523}"
    );
    // It gave no user, so it runs as the image's `USER 1001`: not root.
    let r524 = find(&v, "5.24", Some("runner"));
    assert_eq!(r524["status"], "pass", "{r524}");
    // `hardened` has an exec as root.
    let r524 = find(&v, "5.24", Some("sleeper"));
    assert_eq!(r524["status"], "fail", "{r524}");
    assert!(
        r524["message"]
            .as_str()
            .unwrap()
            .contains("runs its command as root (`ProcessConfig.user: \"root\"`)"),
        "{r524}"
    );
    let r523 = find(&v, "5.23", Some("hardened"));
    assert_eq!(r523["status"], "pass", "{r523}");
    assert!(
        r523["message"]
            .as_str()
            .unwrap()
            .contains("not proof that none ran"),
        "{r523}"
    );

    // Section 5 per container.
    assert_eq!(status(&v, "5.5", Some("priv")), "fail");
    assert_eq!(status(&v, "5.5", Some("hardened")), "pass");
    assert_eq!(status(&v, "5.32", Some("sock")), "fail");
    assert_eq!(status(&v, "5.32", Some("hardened")), "pass");
    assert_eq!(status(&v, "5.16", Some("hostpid")), "fail");
    assert_eq!(status(&v, "5.11", Some("nolimits")), "fail");
    assert_eq!(status(&v, "5.11", Some("hardened")), "pass");
    assert_eq!(status(&v, "5.13", Some("hardened")), "pass");
    assert_eq!(status(&v, "5.29", Some("hardened")), "pass");
    // Not running: no processes to read.
    assert_eq!(status(&v, "5.7", Some("hardened")), "not_applicable");
    // The label=disable the daemon adds to privileged / host-PID containers is not a 5.3 finding by itself.
    let r53 = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "5.3" && r["target"]["name"] == "hostpid")
        .unwrap();
    assert!(
        !r53["message"].as_str().unwrap().contains("SELinux label"),
        "{r53}"
    );
    let priv55 = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "5.5" && r["target"]["name"] == "priv")
        .unwrap();
    assert_eq!(priv55["origin"], "api:HostConfig.Privileged");
    assert_eq!(priv55["rules"], serde_json::json!(["CTR001"]));

    // Sections 1, 3, 4, 6, 7 present with sensible statuses.
    assert!(["pass", "fail", "not_applicable", "error"].contains(&status(&v, "1.1.1", None)));
    assert_eq!(status(&v, "1.2.1", None), "manual");
    assert!(
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["section"] == "3")
    );
    assert_eq!(status(&v, "4.6", Some(support::IMAGE)), "pass");
    assert_eq!(status(&v, "4.1", Some(support::IMAGE)), "pass");
    assert_eq!(status(&v, "4.5", None), "fail");
    assert_eq!(status(&v, "6.2", None), "info");
    assert_eq!(status(&v, "7.1", None), "not_applicable");
    assert_eq!(status(&v, "5.1", None), "pass");

    // --include / --exclude by section and check.
    let o = audit(
        &d.socket,
        &["--format", "json", "--include", "5", "--exclude", "5.10"],
    );
    let v = json(&o);
    let rs = v["results"].as_array().unwrap();
    assert!(!rs.is_empty());
    assert!(
        rs.iter()
            .all(|r| r["section"] == "5" && r["rule"] != "5.10"),
        "{rs:?}"
    );
    // By rule ID.
    let o = audit(&d.socket, &["--format", "json", "--include", "CTR001"]);
    let v = json(&o);
    assert!(
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["rule"] == "5.5")
    );
    // By target, and --fail-on never.
    let o = audit(
        &d.socket,
        &[
            "--format",
            "json",
            "--include",
            "5",
            "--target",
            "hardened",
            "--fail-on",
            "never",
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    let v = json(&o);
    assert!(
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["target"]["name"] == "hardened" || r["target"]["kind"] == "daemon")
    );

    // 1.8 numbering: 2.7 devicemapper, TLS moves to 2.8.
    let o = audit(
        &d.socket,
        &["--format", "json", "--include", "2", "--cis-version", "1.8"],
    );
    let v = json(&o);
    assert_eq!(status(&v, "2.7", None), "pass");
    assert_eq!(status(&v, "2.17", None), "pass"); // userland-proxy (2.16 in 1.6)

    // JUnit and docker-bench output parse.
    let o = audit(&d.socket, &["--format", "junit"]);
    let xml = String::from_utf8(o.stdout).unwrap();
    let parsed = quick_junit::Report::deserialize_from_str(&xml).unwrap();
    let cases: usize = parsed.test_suites.iter().map(|s| s.test_cases.len()).sum();
    assert!(cases > 100, "{cases}");
    let o = audit(&d.socket, &["--format", "docker-bench"]);
    let v = json(&o);
    assert!(
        v["dockerbenchsecurity"].is_string()
            && v["score"].is_i64()
            && v["checks"].as_u64().unwrap() > 90
    );
    let t5 = v["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "5")
        .unwrap();
    let r55 = t5["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "5.5")
        .unwrap();
    assert_eq!(r55["result"], "WARN");
    assert!(r55["items"].as_array().unwrap().iter().any(|i| i == "priv"));

    // SARIF validates against the official schema, when it is at hand.
    let o = audit(&d.socket, &["--format", "sarif"]);
    let v = json(&o);
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "5.5"
        && r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "container/priv"));
    let schema = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/reference/schemas/sarif-2.1.0.json");
    match std::fs::read_to_string(&schema) {
        Ok(text) => {
            let schema: Value = serde_json::from_str(&text).unwrap();
            let validator = jsonschema::options()
                .with_draft(jsonschema::Draft::Draft7)
                .build(&schema)
                .unwrap();
            let errors: Vec<String> = validator.iter_errors(&v).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{errors:#?}");
        }
        Err(_) => eprintln!(
            "SARIF schema not found at {}: not validated",
            schema.display()
        ),
    }

    // Human output groups by section and prints a score.
    let o = audit(&d.socket, &["--include", "2"]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains("[2] Docker daemon configuration") && text.contains("Score:"),
        "{text}"
    );

    // A running container's shim outlives a stopped test daemon: remove it.
    let e = d.connect().await;
    support::remove(&e, "runner").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_of_a_default_daemon() {
    let Some(d) = support::daemon(None) else {
        return;
    };
    let o = audit(&d.socket, &["--format", "json", "--include", "2"]);
    let v = json(&o);
    validate(&v);
    assert_eq!(status(&v, "2.2", None), "fail");
    let r = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "2.2")
        .unwrap();
    assert_eq!(r["rules"], serde_json::json!(["DMN001"]));
    assert_eq!(status(&v, "2.15", None), "fail");
    assert_eq!(status(&v, "2.16", None), "fail");
    // --iptables=false on the harness's command line: 2.4 fails, at the flag.
    let r24 = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "2.4")
        .unwrap();
    assert_eq!(r24["status"], "fail");
    assert_eq!(r24["origin"], "dockerd --iptables=false");
    assert_eq!(o.status.code(), Some(1));
}

/// Section 4 from the build history of images loaded with `docker load`
/// (archives made here, their history in the classic builder's and
/// BuildKit's formats): 4.7 (update alone), 4.9 (ADD), 4.10 (secrets),
/// each pointing at the history entry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn image_history_checks_on_loaded_images() {
    let Some(d) = support::daemon(None) else {
        return;
    };
    let e = d.connect().await;
    let h = |c: &str, empty: bool| serde_json::json!({"created_by": c, "empty_layer": empty});
    let bad = serde_json::json!({
        "config": {"User": "1000", "Cmd": ["/bin/busybox", "true"]},
        "history": [
            h("/bin/sh -c #(nop) ADD file:4b03b5f551e3fbdf in / ", false),
            h("/bin/sh -c #(nop)  ARG DB_PASSWORD", true),
            h("RUN |1 DB_PASSWORD=correct-horse-battery /bin/sh -c apt-get update # buildkit", true),
            h("/bin/sh -c #(nop) ADD file:0c3a1b2d in /etc/app.conf ", true),
            h("/bin/sh -c #(nop)  CMD [\"/bin/busybox\" \"true\"]", true),
        ],
    });
    let good = serde_json::json!({
        "config": {"User": "1000"},
        "history": [
            h("/bin/sh -c #(nop) ADD file:4b03b5f551e3fbdf in / ", false),
            h("RUN /bin/sh -c apt-get update && apt-get install -y --no-install-recommends ca-certificates=20230311 && rm -rf /var/lib/apt/lists/* # buildkit", true),
            h("COPY app.conf /etc/app.conf # buildkit", true),
        ],
    });
    support::load_image(&e, support::image_archive("hist/bad:1", &bad)).await;
    support::load_image(&e, support::image_archive("hist/good:1", &good)).await;

    let o = audit(&d.socket, &["--format", "json", "--include", "4"]);
    let v = json(&o);
    validate(&v);
    let bad_id = find(&v, "4.7", Some("hist/bad:1"))["target"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let at = |n: usize| format!("api:/images/{bad_id}/history[{n}].CreatedBy");
    let r = find(&v, "4.7", Some("hist/bad:1"));
    assert_eq!(r["status"], "fail", "{r}");
    assert_eq!(r["origin"], at(2), "{r}");
    let r = find(&v, "4.9", Some("hist/bad:1"));
    assert_eq!(r["status"], "fail", "{r}");
    assert_eq!(
        r["origin"],
        at(1),
        "the app's ADD, not the base's root filesystem: {r}"
    );
    let r = find(&v, "4.10", Some("hist/bad:1"));
    assert_eq!(r["status"], "fail", "{r}");
    assert!(
        r["message"].as_str().unwrap().contains("DB_PASSWORD"),
        "{r}"
    );
    assert!(
        !o.stdout.windows(7).any(|w| w == b"correct"),
        "the secret is not shown"
    );
    for c in ["4.7", "4.9", "4.10"] {
        let r = find(&v, c, Some("hist/good:1"));
        assert_eq!(r["status"], "pass", "{c}: {r}");
    }
    // The docker-bench layout lists the image among the items of 4.9.
    let o = audit(&d.socket, &["--format", "docker-bench", "--include", "4.9"]);
    let db: Value = serde_json::from_slice(&o.stdout).unwrap();
    let r49 = &db["tests"][0]["results"][0];
    assert_eq!(r49["id"], "4.9");
    // Docker Bench lists findings of checks it does not score as INFO.
    assert_eq!(r49["result"], "INFO");
    assert_eq!(r49["items"], serde_json::json!(["hist/bad:1"]));
}

/// A daemon with user namespaces remapped (`userns-remap: default`, which
/// makes dockerd create the `dockremap` account): 2.9 passes from `/info`
/// and the containers it runs are remapped (5.31 passes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_of_a_userns_remapped_daemon() {
    let Some(d) = support::daemon(Some(r#"{"userns-remap": "default"}"#)) else {
        return;
    };
    let e = d.connect().await;
    support::import_test_image(&e).await;
    support::create(&e, "remapped", ContainerCreateBody::default()).await;
    let o = audit(&d.socket, &["--format", "json", "--include", "2.9,5.31"]);
    let v = json(&o);
    validate(&v);
    let r = find(&v, "2.9", None);
    assert_eq!(r["status"], "pass", "{r}");
    assert_eq!(status(&v, "5.31", Some("remapped")), "pass");
}

#[test]
fn unreachable_daemon_exits_2_naming_the_address() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("nothing.sock");
    let o = audit(&sock, &["--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(&sock.display().to_string()), "{err}");
    assert!(o.stdout.is_empty());
}
