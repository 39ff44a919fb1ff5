//! The guard while it runs: reloading its policy on SIGHUP in front of a
//! real dockerd, Prometheus metrics, log rotation, `--fail-open`, and
//! `drydock guard explain` on recorded requests.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use drydock_testkit as support;

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// `drydock guard plugin` (or `proxy`) with its stderr collected line by
/// line.
struct Plugin {
    child: Child,
    socket: PathBuf,
    name: String,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Plugin {
    fn start(socket: &Path, name: &str, args: &[&str]) -> Plugin {
        let mut all = vec!["plugin", "--name", name, "--socket"];
        let s = socket.to_str().unwrap();
        all.push(s);
        all.extend_from_slice(args);
        Plugin::spawn(socket, name, &all)
    }

    /// `drydock guard ARGS…`, ready when it says it is listening.
    fn spawn(socket: &Path, name: &str, args: &[&str]) -> Plugin {
        let mut child = Command::new(env!("CARGO_BIN_EXE_drydock"))
            .arg("guard")
            .args(args)
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let lines = stderr.clone();
        let pipe = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for l in BufReader::new(pipe).lines().map_while(Result::ok) {
                eprintln!("plugin: {l}");
                lines.lock().unwrap().push(l);
            }
        });
        let p = Plugin {
            child,
            socket: socket.to_path_buf(),
            name: name.to_string(),
            stderr,
        };
        p.wait_for("listening on");
        p
    }

    /// Waits for a stderr line containing `what`; returns it.
    fn wait_for(&self, what: &str) -> String {
        let t0 = Instant::now();
        loop {
            if let Some(l) = self
                .stderr
                .lock()
                .unwrap()
                .iter()
                .find(|l| l.contains(what))
            {
                return l.clone();
            }
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "the plugin never said `{what}`: {:?}",
                self.stderr.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn count(&self, what: &str) -> usize {
        self.stderr
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(what))
            .count()
    }

    /// Sends SIGHUP and waits for the reload's outcome (the n-th).
    fn hup(&self, expect: &str) {
        let before = self.count(expect);
        let ok = Command::new("kill")
            .args(["-HUP", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        let t0 = Instant::now();
        while self.count(expect) == before {
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "no `{expect}` after SIGHUP: {:?}",
                self.stderr.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// One plugin-protocol call, as the daemon makes it.
    fn authz(&self, msg: &serde_json::Value) -> serde_json::Value {
        let body = msg.to_string();
        let mut s = UnixStream::connect(&self.socket).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        write!(
            s,
            "POST /AuthZPlugin.AuthZReq HTTP/1.1\r\nHost: plugin\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut raw = String::new();
        let _ = s.read_to_string(&mut raw);
        let json = raw.split_once("\r\n\r\n").unwrap().1;
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {raw}"))
    }
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.socket);
    }
}

/// `GET /metrics` over plain HTTP.
fn scrape(addr: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    let _ = s.read_to_string(&mut raw);
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
    assert!(raw.contains("application/openmetrics-text"), "{raw}");
    raw
}

/// The value of one sample line (`name{labels} value`), 0 when absent.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or(0.0)
}

fn docker(d: &support::Daemon, config: &Path, args: &[&str]) -> Output {
    assert_cmd::Command::new("docker")
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .env("DOCKER_CONFIG", config)
        .arg("-H")
        .arg(format!("unix://{}", d.socket.display()))
        .args(args)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap()
}

/// A policy change reaches a running daemon through SIGHUP: the same
/// `docker run --privileged` is refused, then allowed by a new exception,
/// and a policy with errors leaves the running one in force. Metrics and
/// the rotated log follow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reloads_the_policy_under_a_running_daemon() {
    if !support::available_with(&["docker"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("guard.toml");
    std::fs::write(&policy, "[rules]\ndeny = [\"CTR001\"]\n").unwrap();
    let log = tmp.path().join("decisions.jsonl");
    let config = tmp.path().join("docker-config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::create_dir_all("/run/docker/plugins").unwrap();
    let name = format!("drydock-guard-reload-{}", std::process::id());
    let socket = Path::new("/run/docker/plugins").join(format!("{name}.sock"));
    let plugin = Plugin::start(
        &socket,
        &name,
        &[
            "--policy",
            policy.to_str().unwrap(),
            "--log",
            log.to_str().unwrap(),
            "--log-max-size",
            "4K",
            "--log-keep",
            "2",
            "--metrics",
            "127.0.0.1:0",
        ],
    );
    let addr = plugin
        .wait_for("metrics on http://")
        .split("http://")
        .nth(1)
        .unwrap()
        .trim_end_matches("/metrics")
        .to_string();
    let d = support::Daemon::start_with(None, &[format!("--authorization-plugin={}", plugin.name)])
        .unwrap_or_else(|e| panic!("dockerd did not start: {e}"));
    let e = d.connect().await;
    support::import_test_image(&e).await;
    let run = || {
        docker(
            &d,
            &config,
            &[
                "run",
                "--rm",
                "--network",
                "none",
                "--name",
                "maintenance",
                "--privileged",
                support::IMAGE,
                "/bin/busybox",
                "true",
            ],
        )
    };

    let o = run();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("denied by CTR001"),
        "{err}"
    );

    // The operator adds an exception and signals the plugin.
    std::fs::write(
        &policy,
        "[rules]\ndeny = [\"CTR001\"]\n\n[[exceptions]]\nname = \"maintenance\"\nrules = [\"CTR001\"]\nreason = \"firmware update, ticket 42\"\n",
    )
    .unwrap();
    plugin.hup("policy reloaded");
    let o = run();
    assert!(
        o.status.success(),
        "still refused after the reload: {}",
        String::from_utf8_lossy(&o.stderr)
    );

    // A policy with an error: refused with its place, the last good one stays.
    std::fs::write(
        &policy,
        "[rules]\ndeny = [\"CTR001\"]\n[exec]\nroot = \"sometimes\"\n",
    )
    .unwrap();
    plugin.hup("the policy was not reloaded");
    assert!(
        plugin.count(&format!("{}:4:", policy.display())) > 0,
        "{:?}",
        plugin.stderr.lock().unwrap()
    );
    let o = run();
    assert!(
        o.status.success(),
        "the running policy was lost: {}",
        String::from_utf8_lossy(&o.stderr)
    );

    // Metrics: the denial, the excepted finding, both reloads.
    let m = scrape(&addr);
    assert!(
        sample(
            &m,
            r#"drydock_guard_decisions_total{mode="plugin",verdict="deny"}"#
        ) >= 1.0,
        "{m}"
    );
    assert!(
        sample(
            &m,
            r#"drydock_guard_decisions_total{mode="plugin",verdict="allow"}"#
        ) >= 2.0,
        "{m}"
    );
    assert!(
        sample(
            &m,
            r#"drydock_guard_findings_total{rule="CTR001",verdict="deny"}"#
        ) >= 1.0,
        "{m}"
    );
    assert!(
        sample(
            &m,
            r#"drydock_guard_findings_total{rule="CTR001",verdict="excepted"}"#
        ) >= 2.0,
        "{m}"
    );
    assert_eq!(
        sample(&m, r#"drydock_guard_policy_reloads_total{result="ok"}"#),
        1.0,
        "{m}"
    );
    assert_eq!(
        sample(&m, r#"drydock_guard_policy_reloads_total{result="error"}"#),
        1.0,
        "{m}"
    );
    assert!(
        sample(
            &m,
            r#"drydock_guard_decision_duration_seconds_count{mode="plugin"}"#
        ) >= 3.0,
        "{m}"
    );

    // The log rotated at 4 KiB, keeping two old files, with every line whole.
    for _ in 0..3 {
        let _ = docker(&d, &config, &["ps", "-a"]);
    }
    let mut files = vec![log.clone()];
    for n in 1..=3 {
        let f = PathBuf::from(format!("{}.{n}", log.display()));
        if f.exists() {
            files.push(f);
        }
    }
    assert!(files.len() >= 2, "the log did not rotate: {files:?}");
    assert!(!PathBuf::from(format!("{}.3", log.display())).exists());
    let mut reloads = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        assert!(
            text.len() <= 4096 || text.lines().count() == 1,
            "{f:?} over 4 KiB"
        );
        for l in text.lines() {
            let v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            if v["event"] == "reload" {
                reloads += 1;
            }
        }
    }
    // Each reload is in the log (unless rotated away beyond the kept files).
    assert!(reloads >= 1, "no reload in the log");
}

/// `--fail-open` allows what cannot be judged, saying so loudly; a real
/// denial still denies. Needs no daemon.
#[test]
fn fail_open_is_loud() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("d.jsonl");
    let p = Plugin::start(
        &tmp.path().join("p.sock"),
        "g",
        &["--fail-open", "--log", log.to_str().unwrap()],
    );
    p.wait_for("--fail-open");
    let r = p.authz(&serde_json::json!({
        "RequestMethod": "POST", "RequestUri": "/v1.41/containers/create",
        "RequestBody": "bm90IGpzb24="
    }));
    assert_eq!(r["Allow"], true, "{r}");
    p.wait_for("WARNING: --fail-open: allowed a request that could not be judged");
    let r = p.authz(&serde_json::json!({
        "RequestMethod": "POST", "RequestUri": "/v1.41/containers/create",
        "RequestBody": "eyJJbWFnZSI6ImEiLCJIb3N0Q29uZmlnIjp7IlByaXZpbGVnZWQiOnRydWV9fQ=="
    }));
    assert_eq!(r["Allow"], false, "a judged denial must stay: {r}");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["fail_open"], true, "{lines:?}");
    assert_eq!(lines[0]["allow"], true);
    assert!(lines[0]["message"].as_str().unwrap().contains("not JSON"));
    assert!(lines[1].get("fail_open").is_none());
}

fn explain(policy: &Path, request: &Path, extra: &[&str]) -> Output {
    assert_cmd::Command::cargo_bin("drydock")
        .unwrap()
        .args(["guard", "explain"])
        .arg(policy)
        .arg("--request")
        .arg(request)
        .args(extra)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap()
}

#[test]
fn explain_shows_the_decision_on_recorded_requests() {
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("guard.toml");
    std::fs::write(
        &policy,
        "[[exceptions]]\nlabel = \"role=ops\"\nrules = [\"CTR001\"]\nreason = \"ops toolbox\"\n",
    )
    .unwrap();
    let body = r#"{"Image":"busybox","HostConfig":{"Privileged":true}}"#;
    // The daemon's message, a plain description, a raw HTTP request.
    let forms = [
        serde_json::json!({
            "User": "", "RequestMethod": "POST",
            "RequestUri": "/v1.41/containers/create?name=web",
            "RequestBody": "eyJJbWFnZSI6ImJ1c3lib3giLCJIb3N0Q29uZmlnIjp7IlByaXZpbGVnZWQiOnRydWV9fQ=="
        })
        .to_string(),
        serde_json::json!({"method": "POST", "uri": "/v1.41/containers/create?name=web",
            "body": serde_json::from_str::<serde_json::Value>(body).unwrap()})
        .to_string(),
        format!(
            "POST /v1.41/containers/create?name=web HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    ];
    for (i, f) in forms.iter().enumerate() {
        let req = tmp.path().join(format!("req{i}"));
        std::fs::write(&req, f).unwrap();
        let o = explain(&policy, &req, &[]);
        let out = String::from_utf8_lossy(&o.stdout);
        assert_eq!(
            o.status.code(),
            Some(1),
            "form {i}: {out}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            out.contains("POST /v1.41/containers/create?name=web under"),
            "{out}"
        );
        assert!(out.contains(": denied"), "{out}");
        assert!(
            out.contains(
                "deny     CTR001 (privileged-container, critical): HostConfig.Privileged = true"
            ),
            "{out}"
        );
        assert!(out.contains("what `docker` prints:"), "{out}");
        assert!(out.contains("drydock guard: denied by CTR001"), "{out}");
    }

    // Excepted by label: allowed, the exception and its reason shown; JSON.
    let req = tmp.path().join("ops.json");
    std::fs::write(
        &req,
        serde_json::json!({"method": "POST", "uri": "/containers/create",
            "body": {"Image": "busybox", "Labels": {"role": "ops"}, "HostConfig": {"Privileged": true}}})
        .to_string(),
    )
    .unwrap();
    let o = explain(&policy, &req, &[]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("allowed")
            && out.contains("excepted")
            && out.contains("exception: ops toolbox"),
        "{out}"
    );
    let o = explain(&policy, &req, &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["allow"], true);
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "CTR001"
                && f["verdict"] == "excepted"
                && f["exception"] == "ops toolbox"),
        "{v}"
    );

    // An exception by client identity applies to the client named.
    std::fs::write(
        &policy,
        "[[exceptions]]\nclient = \"ci-*\"\nrules = [\"CTR001\"]\nreason = \"CI needs it\"\n",
    )
    .unwrap();
    let req = tmp.path().join("ci.json");
    std::fs::write(
        &req,
        serde_json::json!({"method": "POST", "uri": "/containers/create",
            "body": {"Image": "busybox", "HostConfig": {"Privileged": true}}})
        .to_string(),
    )
    .unwrap();
    let o = explain(&policy, &req, &["--client", "ci-runner"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("exception: CI needs it"), "{out}");
    let o = explain(&policy, &req, &["--client", "web"]);
    assert_eq!(o.status.code(), Some(1));
    let o = explain(&policy, &req, &[]);
    assert_eq!(o.status.code(), Some(1));

    // Unjudgeable, a bad request file, a bad policy.
    std::fs::write(
        &req,
        r#"{"method":"POST","uri":"/containers/create","body":"{not json"}"#,
    )
    .unwrap();
    let o = explain(&policy, &req, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("denied: it cannot be judged"));
    std::fs::write(&req, "hello").unwrap();
    let o = explain(&policy, &req, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not an HTTP request line"));
    std::fs::write(&policy, "[exec]\nroot = 1\n").unwrap();
    let o = explain(&policy, &req, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("guard.toml:2:"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The proxy takes a new policy on SIGHUP without dropping its
/// connections: a `docker events` stream opened before the reload keeps
/// flowing and shows the container the new grants allow to create.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proxy_reloads_without_dropping_connections() {
    if !support::available_with(&["docker"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("guard.toml");
    let grants = |extra: &str| {
        format!(
            "[[proxy.clients]]\nname = \"ops\"\nuid = 0\ngrants = [\"GET /version\", \"GET /events\"{extra}]\n"
        )
    };
    std::fs::write(&policy, grants("")).unwrap();
    let log = tmp.path().join("proxy.jsonl");
    let config = tmp.path().join("docker-config");
    std::fs::create_dir_all(&config).unwrap();
    let d = support::Daemon::start_with(None, &[])
        .unwrap_or_else(|e| panic!("dockerd did not start: {e}"));
    let e = d.connect().await;
    support::import_test_image(&e).await;
    let sock = tmp.path().join("proxy.sock");
    let listen = format!("unix://{}", sock.display());
    let upstream = format!("unix://{}", d.socket.display());
    let proxy = Plugin::spawn(
        &sock,
        "proxy",
        &[
            "proxy",
            "--listen",
            &listen,
            "--upstream",
            &upstream,
            "--policy",
            policy.to_str().unwrap(),
            "--log",
            log.to_str().unwrap(),
            "--metrics",
            "127.0.0.1:0",
        ],
    );
    let addr = proxy
        .wait_for("metrics on http://")
        .split("http://")
        .nth(1)
        .unwrap()
        .trim_end_matches("/metrics")
        .to_string();
    let via = |args: &[&str]| {
        assert_cmd::Command::new("docker")
            .env_remove("DOCKER_HOST")
            .env_remove("DOCKER_CONTEXT")
            .env("DOCKER_CONFIG", &config)
            .arg("-H")
            .arg(&listen)
            .args(args)
            .timeout(Duration::from_secs(120))
            .output()
            .unwrap()
    };

    // The event stream, opened under the first policy.
    let mut events = Command::new("docker")
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .env("DOCKER_CONFIG", &config)
        .args([
            "-H",
            &listen,
            "events",
            "--format",
            "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    {
        let lines = lines.clone();
        let out = events.stdout.take().unwrap();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(l);
            }
        });
    }
    let o = via(&[
        "create",
        "--name",
        "after-reload",
        "--network",
        "none",
        support::IMAGE,
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("no grant"), "{err}");

    std::fs::write(
        &policy,
        grants(", \"POST /containers/create\", \"GET /containers/json\""),
    )
    .unwrap();
    proxy.hup("policy reloaded");
    let o = via(&[
        "create",
        "--name",
        "after-reload",
        "--network",
        "none",
        support::IMAGE,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t0 = Instant::now();
    while !lines
        .lock()
        .unwrap()
        .iter()
        .any(|l| l == "container create after-reload")
    {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "the stream opened before the reload did not deliver the event: {:?}",
            lines.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(events.try_wait().unwrap().is_none(), "docker events ended");
    let _ = events.kill();
    let _ = events.wait();

    let m = scrape(&addr);
    assert!(
        sample(
            &m,
            r#"drydock_guard_proxy_requests_total{client="ops",outcome="refused"}"#
        ) >= 1.0,
        "{m}"
    );
    assert!(
        sample(
            &m,
            r#"drydock_guard_proxy_requests_total{client="ops",outcome="forwarded"}"#
        ) >= 2.0,
        "{m}"
    );
    assert!(
        sample(
            &m,
            r#"drydock_guard_decisions_total{mode="proxy",verdict="allow"}"#
        ) >= 1.0,
        "{m}"
    );
    assert!(
        sample(&m, "drydock_guard_proxy_response_duration_seconds_count") >= 3.0,
        "{m}"
    );
    assert_eq!(
        sample(&m, r#"drydock_guard_policy_reloads_total{result="ok"}"#),
        1.0,
        "{m}"
    );
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.lines()
            .any(|l| l.contains(r#""event":"reload""#) && l.contains(r#""ok":true"#)),
        "{text}"
    );
}
