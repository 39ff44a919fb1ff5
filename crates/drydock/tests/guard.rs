//! `drydock guard plugin` in front of a real private dockerd, driven by the
//! real `docker` CLI: the daemon discovers the plugin by its socket in
//! `/run/docker/plugins/` and asks it about every request.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use drydock_testkit as support;

use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod guard_support;
use guard_support::{PluginProc, docker, refused, stderr};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guard_refuses_unsafe_requests_from_the_docker_cli() {
    if !support::available_with(&["docker"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("guard.toml");
    std::fs::write(
        &policy,
        "[registries]\nallow = [\"docker.io\"]\n\n[exec]\nprivileged = \"deny\"\n",
    )
    .unwrap();
    let log = tmp.path().join("decisions.jsonl");
    let config = tmp.path().join("docker-config");
    std::fs::create_dir_all(&config).unwrap();

    // Declared first, dropped last: the daemon stops before its plugin.
    let plugin = PluginProc::start("cli", &policy, &log);
    let d = support::Daemon::start_with(None, &[format!("--authorization-plugin={}", plugin.name)])
        .unwrap_or_else(|e| panic!("dockerd did not start: {e}"));
    let e = d.connect().await;
    support::import_test_image(&e).await;
    let image = support::IMAGE;
    let run = |extra: &[&str]| {
        let mut a = vec!["run", "--rm", "--network", "none"];
        a.extend_from_slice(extra);
        a.push(image);
        a.extend_from_slice(&["/bin/busybox", "true"]);
        docker(&d, &config, &a)
    };

    // Privileged: CTR001, with the field, its value and the fix.
    let o = run(&["--privileged"]);
    refused(
        &o,
        "docker run --privileged",
        &[
            "drydock guard: denied by CTR001 (privileged-container)",
            "HostConfig.Privileged is true",
            "add an exception to guard.toml",
        ],
    );

    // The daemon's socket under its usual name.
    let o = run(&["-v", "/var/run/docker.sock:/var/run/docker.sock"]);
    refused(
        &o,
        "docker run -v /var/run/docker.sock",
        &["denied by CTR002", "HostConfig.Binds[0]"],
    );

    // The private daemon's own socket through a symlink with an innocent
    // name: resolved on the host, judged as the socket it is.
    let link = tmp.path().join("innocent-data");
    std::os::unix::fs::symlink(&d.socket, &link).unwrap();
    let bind = format!("{}:/data", link.display());
    let o = run(&["-v", &bind]);
    refused(
        &o,
        "docker run -v <symlink to the daemon socket>",
        &[
            "denied by CTR002",
            "resolves to",
            &d.socket.display().to_string(),
        ],
    );
    // The same through --mount.
    let mount = format!("type=bind,source={},target=/data", link.display());
    let o = run(&["--mount", &mount]);
    refused(
        &o,
        "docker run --mount <symlink>",
        &["denied by CTR002", "HostConfig.Mounts[0].Source"],
    );

    // An older client's API version prefix is judged the same.
    let o = assert_cmd::Command::new("docker")
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .env("DOCKER_CONFIG", &config)
        .env("DOCKER_API_VERSION", "1.24")
        .arg("-H")
        .arg(format!("unix://{}", d.socket.display()))
        .args(["create", "--privileged", image])
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    refused(
        &o,
        "docker create --privileged (API 1.24)",
        &["denied by CTR001"],
    );

    // The daemon passes no body of 1 MiB or more to its plugins: such a
    // create cannot be judged, and is refused saying so.
    let env_file = tmp.path().join("big.env");
    let big: String = (0..20_000)
        .map(|i| format!("VAR_{i:05}={}\n", "x".repeat(60)))
        .collect();
    std::fs::write(&env_file, big).unwrap();
    let o = docker(
        &d,
        &config,
        &["create", "--env-file", env_file.to_str().unwrap(), image],
    );
    refused(
        &o,
        "docker create with a body over 1 MiB",
        &["passed no request body"],
    );

    // A reasonably compliant run passes the default rules.
    let o = run(&[
        "--cap-drop",
        "ALL",
        "--read-only",
        "--user",
        "1000",
        "--security-opt",
        "no-new-privileges",
    ]);
    assert!(o.status.success(), "compliant run refused: {}", stderr(&o));

    // Exec: privileged refused (CIS 5.23); a plain one passes.
    let o = docker(
        &d,
        &config,
        &[
            "run",
            "-d",
            "--name",
            "runner",
            "--network",
            "none",
            "--cap-drop",
            "ALL",
            "--read-only",
            "--user",
            "1000",
            "--security-opt",
            "no-new-privileges",
            image,
            "/bin/busybox",
            "sleep",
            "120",
        ],
    );
    assert!(o.status.success(), "docker run -d: {}", stderr(&o));
    let o = docker(
        &d,
        &config,
        &["exec", "--privileged", "runner", "/bin/busybox", "true"],
    );
    refused(
        &o,
        "docker exec --privileged",
        &["denied by CTR033 (privileged-exec)", "Privileged is true"],
    );
    let o = docker(&d, &config, &["exec", "runner", "/bin/busybox", "true"]);
    assert!(o.status.success(), "docker exec refused: {}", stderr(&o));

    // A pull from a registry not on the list: refused before it is tried
    // (no registry is reachable here, so any other error would show).
    let o = docker(&d, &config, &["pull", "other.registry.invalid/x"]);
    refused(
        &o,
        "docker pull other.registry.invalid/x",
        &["denied by registry-not-allowed", "`other.registry.invalid`"],
    );

    // The guard refuses to be disabled or removed. The daemon asks the
    // plugin before routing, so even for a socket-discovered (legacy,
    // unmanaged) plugin the CLI gets the guard's refusal.
    let o = docker(&d, &config, &["plugin", "disable", &plugin.name]);
    refused(
        &o,
        "docker plugin disable <guard>",
        &["denied by guard-self-protection"],
    );
    let o = docker(&d, &config, &["plugin", "rm", "-f", &plugin.name]);
    refused(
        &o,
        "docker plugin rm <guard>",
        &["denied by guard-self-protection"],
    );
    // And at the protocol level, as the daemon sends it.
    let r = plugin.call(
        "/AuthZPlugin.AuthZReq",
        &serde_json::json!({
            "User": "", "UserAuthNMethod": "", "RequestMethod": "POST",
            "RequestUri": format!("/v1.41/plugins/{}:latest/disable", plugin.name),
            "RequestHeaders": {"User-Agent": "Docker-Client"}
        })
        .to_string(),
    );
    assert_eq!(r["Allow"], false, "{r}");
    assert!(r["Msg"].as_str().unwrap().contains("guard-self-protection"));
    assert_eq!(
        plugin.call("/Plugin.Activate", ""),
        serde_json::json!({"Implements": ["authz"]})
    );
    assert_eq!(
        plugin.call("/AuthZPlugin.AuthZRes", "{}")["Allow"],
        serde_json::json!(true)
    );

    let _ = docker(&d, &config, &["rm", "-f", "runner"]);

    // One JSON line per decision, with the rules that fired.
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let denied: Vec<&serde_json::Value> = lines.iter().filter(|l| l["allow"] == false).collect();
    assert!(
        denied.iter().any(|l| l["rules"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("CTR001"))
            && l["path"].as_str().unwrap().ends_with("/containers/create")),
        "{denied:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l["allow"] == true && l["method"] == "GET")
    );
    assert!(
        lines
            .iter()
            .any(|l| l["allow"] == false && l["path"] == "/v1.24/containers/create"),
        "no decision on the API 1.24 create"
    );
}

/// A body the guard cannot judge is refused with the reason (fail closed),
/// and oversized protocol messages too; the plugin survives both.
#[test]
fn the_plugin_fails_closed_on_bad_messages() {
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("guard.toml");
    std::fs::write(&policy, "").unwrap();
    let log = tmp.path().join("decisions.jsonl");
    // Its own socket directory: this test needs no root and no daemon.
    let socket = tmp.path().join("p.sock");
    let mut child = Command::new(env!("CARGO_BIN_EXE_drydock"))
        .args(["guard", "plugin", "--name", "g", "--socket"])
        .arg(&socket)
        .arg("--policy")
        .arg(&policy)
        .arg("--log")
        .arg(&log)
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let p = PluginProc {
        child: {
            let t0 = Instant::now();
            while UnixStream::connect(&socket).is_err() {
                if let Ok(Some(s)) = child.try_wait() {
                    panic!("the plugin exited: {s}");
                }
                assert!(t0.elapsed() < Duration::from_secs(20));
                std::thread::sleep(Duration::from_millis(20));
            }
            child
        },
        socket: socket.clone(),
        name: "g".into(),
    };
    let r = p.call(
        "/AuthZPlugin.AuthZReq",
        r#"{"RequestMethod":"POST","RequestUri":"/v1.41/containers/create","RequestBody":"e30K"}"#,
    );
    // `{}` passes the rules' parse: a create with nothing in it is allowed.
    assert_eq!(r["Allow"], true, "{r}");
    let r = p.call(
        "/AuthZPlugin.AuthZReq",
        r#"{"RequestMethod":"POST","RequestUri":"/v1.41/containers/create","RequestBody":"bm90IGpzb24="}"#,
    );
    assert_eq!(r["Allow"], false, "{r}");
    assert!(r["Msg"].as_str().unwrap().contains("not JSON"), "{r}");
    let r = p.call("/AuthZPlugin.AuthZReq", "{\"RequestMethod\": 42}");
    assert_eq!(r["Allow"], false, "{r}");
    let r = p.call(
        "/AuthZPlugin.AuthZReq",
        r#"{"RequestMethod":"POST","RequestUri":"/plugins/g/disable"}"#,
    );
    assert_eq!(r["Allow"], false, "{r}");

    // Over the cap: denied, not read to the end.
    let big = format!(
        "{{\"RequestMethod\":\"POST\",\"RequestUri\":\"/containers/create\",\"RequestBody\":\"{}\"}}",
        "A".repeat(17 << 20)
    );
    let r = p.call("/AuthZPlugin.AuthZReq", &big);
    assert_eq!(r["Allow"], false, "{r}");
    // Still serving.
    assert_eq!(
        p.call("/Plugin.Activate", "")["Implements"],
        serde_json::json!(["authz"])
    );
    drop(p);
    assert!(!socket.exists());
}

#[test]
fn guard_check_reports_positions() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("guard.toml");
    std::fs::write(
        &bad,
        "[rules]\ndeny = [\"CTR\", \"NOPE\"]\n\n[exec]\nprivilegd = \"deny\"\n",
    )
    .unwrap();
    let o = assert_cmd::Command::cargo_bin("drydock")
        .unwrap()
        .args(["guard", "check"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains(&format!("{}:5:1:", bad.display())), "{err}");
    assert!(err.contains("privilegd"), "{err}");
    std::fs::write(&bad, "[rules]\ndeny = [\"CTR\", \"NOPE\"]\n").unwrap();
    let o = assert_cmd::Command::cargo_bin("drydock")
        .unwrap()
        .args(["guard", "check"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(&format!("{}:2:16:", bad.display())),
        "{}",
        stderr(&o)
    );
    // The plugin refuses to start with an invalid policy.
    let o = assert_cmd::Command::cargo_bin("drydock")
        .unwrap()
        .args(["guard", "plugin", "--socket"])
        .arg(tmp.path().join("never.sock"))
        .arg("--policy")
        .arg(&bad)
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains(":2:16:"), "{}", stderr(&o));
    assert!(!tmp.path().join("never.sock").exists());

    // The example policy of docs/guard.md is valid.
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/guard.md"))
            .unwrap();
    let example = doc
        .split_once("<!-- example-policy -->")
        .and_then(|(_, rest)| rest.split_once("```toml\n"))
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(toml, _)| toml)
        .expect("docs/guard.md has an example policy after <!-- example-policy -->");
    let good = tmp.path().join("good.toml");
    std::fs::write(&good, example).unwrap();
    let o = assert_cmd::Command::cargo_bin("drydock")
        .unwrap()
        .args(["guard", "check"])
        .arg(&good)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
}
