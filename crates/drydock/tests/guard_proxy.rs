//! `drydock guard proxy` between the real `docker` CLI and a real private
//! dockerd: endpoint grants per client identity (the peer's uid), the
//! same decisions as the plugin, filtered lists, redacted inspect, and
//! streams and upgrades passing through intact.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use drydock_testkit as support;

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The proxy process; killed on drop.
struct ProxyProc {
    child: Child,
    socket: PathBuf,
}

impl ProxyProc {
    fn start(dir: &Path, upstream: &Path, policy: &Path, log: &Path) -> ProxyProc {
        let socket = dir.join("proxy.sock");
        let child = Command::new(env!("CARGO_BIN_EXE_drydock"))
            .args(["guard", "proxy", "--socket-mode", "666", "--listen"])
            .arg(format!("unix://{}", socket.display()))
            .arg("--upstream")
            .arg(format!("unix://{}", upstream.display()))
            .arg("--policy")
            .arg(policy)
            .arg("--log")
            .arg(log)
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let mut p = ProxyProc { child, socket };
        let t0 = Instant::now();
        while UnixStream::connect(&p.socket).is_err() {
            if let Ok(Some(status)) = p.child.try_wait() {
                panic!("the proxy exited: {status}");
            }
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "the proxy's socket did not appear"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        p
    }
}

impl Drop for ProxyProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Who runs the CLI: root, or uid/gid 65534 through `setpriv`.
#[derive(Clone, Copy, PartialEq)]
enum As {
    Root,
    Nobody,
}

/// A `docker` command line through the proxy, with its own configuration.
fn docker_cmd(proxy: &Path, config: &Path, who: As, args: &[&str]) -> Command {
    let mut c = match who {
        As::Root => Command::new("docker"),
        As::Nobody => {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "docker"]);
            c
        }
    };
    c.env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .env("DOCKER_CONFIG", config)
        .arg("-H")
        .arg(format!("unix://{}", proxy.display()))
        .args(args);
    c
}

fn docker(proxy: &Path, config: &Path, who: As, args: &[&str]) -> Output {
    assert_cmd::Command::from_std(docker_cmd(proxy, config, who, args))
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ok(o: &Output, what: &str) -> String {
    assert!(
        o.status.success(),
        "{what} failed: {}{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    text(&o.stdout)
}

fn refused(o: &Output, what: &str, expect: &[&str]) {
    let err = text(&o.stderr);
    eprintln!("{what}: {}", err.trim());
    assert!(!o.status.success(), "{what} was not refused: {err}");
    for e in expect {
        assert!(err.contains(e), "{what}: no `{e}` in: {err}");
    }
}

use support::which;

/// A directory everyone may enter (the second identity is uid 65534).
fn open_dir(parent: &Path, name: &str) -> PathBuf {
    let d = parent.join(name);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o777)).unwrap();
    d
}

/// The lines a child writes on stdout, as they come.
fn lines_of(child: &mut Child) -> mpsc::Receiver<String> {
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

const POLICY: &str = r#"
# Root on the host: everything, still judged.
[[proxy.clients]]
name = "admin"
uid = 0
grants = ["* /**"]

# A monitoring agent: read-only, sees only labelled containers, no env values.
[[proxy.clients]]
name = "monitor"
uid = 65534
profile = "read-only"
visible = { labels = ["drydock.visible=yes"] }
redact-env = true

# Traefik, recognised by its container's name.
[[proxy.clients]]
name = "traefik"
container = "edge"
profile = "traefik"
"#;

/// The compliant flags of a test container (the default policy denies
/// critical and high CTR findings).
const SAFE: &[&str] = &[
    "--network",
    "none",
    "--cap-drop",
    "ALL",
    "--read-only",
    "--user",
    "1000",
    "--security-opt",
    "no-new-privileges",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proxy_serves_the_docker_cli_per_client() {
    if !support::available_with(&["docker", "setpriv"]) {
        return;
    }
    let tmp = tempfile::Builder::new()
        .prefix("ddkp")
        .tempdir_in("/tmp")
        .unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let policy = tmp.path().join("guard.toml");
    std::fs::write(&policy, POLICY).unwrap();
    let log = tmp.path().join("decisions.jsonl");
    let config = open_dir(tmp.path(), "docker-config");
    let sockdir = open_dir(tmp.path(), "s");

    let mut d = support::Daemon::start_with(None, &[])
        .unwrap_or_else(|e| panic!("dockerd did not start: {e}"));
    let e = d.connect().await;
    support::import_test_image(&e).await;
    let image = support::IMAGE;
    let proxy = ProxyProc::start(&sockdir, &d.socket, &policy, &log);
    let p = proxy.socket.clone();
    let root = |args: &[&str]| docker(&p, &config, As::Root, args);
    let nobody = |args: &[&str]| docker(&p, &config, As::Nobody, args);
    let run_d = |name: &str, extra: &[&str], cmd: &[&str]| {
        let mut a = vec!["run", "-d", "--name", name];
        a.extend_from_slice(SAFE);
        a.extend_from_slice(extra);
        a.push(image);
        a.extend_from_slice(cmd);
        root(&a)
    };

    // A compliant `docker run -d` works: a container that prints a line
    // every 100 ms, labelled visible, with a secret in its environment.
    let o = run_d(
        "talker",
        &["--label", "drydock.visible=yes", "-e", "SECRET=hunter2"],
        &[
            "/bin/busybox",
            "sh",
            "-c",
            "i=0; while true; do echo line $i; i=$((i+1)); /bin/busybox sleep 0.1; done",
        ],
    );
    ok(&o, "docker run -d talker");
    let o = run_d("hidden", &["-e", "OTHER=x"], &[]);
    ok(&o, "docker run -d hidden");

    // `docker run --privileged` is refused with drydock's message, by the
    // proxy itself (no plugin here).
    let mut a = vec!["run", "--rm", "--privileged"];
    a.extend_from_slice(SAFE);
    a.extend_from_slice(&[image, "/bin/busybox", "true"]);
    let o = root(&a);
    refused(
        &o,
        "docker run --privileged",
        &[
            "Error response from daemon: drydock guard: denied by CTR001 (privileged-container)",
            "HostConfig.Privileged is true",
            "add an exception to guard.toml",
        ],
    );

    // `docker logs -f` streams what is written after it started.
    let before = ok(&root(&["logs", "talker"]), "docker logs");
    let last = before
        .lines()
        .filter_map(|l| l.strip_prefix("line ")?.parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    let mut follow = docker_cmd(&p, &config, As::Root, &["logs", "-f", "talker"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let rx = lines_of(&mut follow);
    let t0 = Instant::now();
    let mut newest = 0;
    while newest < last + 10 {
        let left = Duration::from_secs(30).saturating_sub(t0.elapsed());
        let line = rx
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("docker logs -f: no line after {newest} (had {last})"));
        if let Some(n) = line
            .strip_prefix("line ")
            .and_then(|n| n.parse::<u64>().ok())
        {
            newest = newest.max(n);
        }
    }
    let _ = follow.kill();
    let _ = follow.wait();
    eprintln!("docker logs -f: lines {last}..{newest} streamed");

    // `docker attach`: the hijacked attach (`Connection: Upgrade`) streams
    // the container's output.
    let mut attach = docker_cmd(
        &p,
        &config,
        As::Root,
        &["attach", "--no-stdin", "--sig-proxy=false", "talker"],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let rx = lines_of(&mut attach);
    for _ in 0..3 {
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("docker attach: no output");
        assert!(line.starts_with("line "), "{line}");
    }
    let _ = attach.kill();
    let _ = attach.wait();

    // `docker events` delivers an event that happens while it listens.
    let mut events = docker_cmd(
        &p,
        &config,
        As::Root,
        &[
            "events",
            "--format",
            "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}",
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let rx = lines_of(&mut events);
    let t0 = Instant::now();
    let mut seen = None;
    for i in 0..40 {
        let name = format!("evt{i}");
        ok(&root(&["create", "--name", &name, image]), "docker create");
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(500)) {
            seen = Some(line);
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(60));
    }
    let seen = seen.expect("docker events delivered no event");
    assert!(seen.starts_with("container create evt"), "{seen}");
    let _ = events.kill();
    let _ = events.wait();

    // `docker exec -i … cat` round-trips stdin through the upgraded
    // connection (and its half-close ends the exec).
    let o = assert_cmd::Command::from_std(docker_cmd(
        &p,
        &config,
        As::Root,
        &["exec", "-i", "talker", "/bin/busybox", "cat"],
    ))
    .write_stdin("through the proxy\nand back\n")
    .timeout(Duration::from_secs(60))
    .output()
    .unwrap();
    assert_eq!(
        ok(&o, "docker exec -i cat"),
        "through the proxy\nand back\n"
    );
    // And with a terminal (`-it`, under `script`): a 101 upgrade with a TTY.
    if which("script").is_some() {
        let cmdline = format!(
            "docker -H unix://{} exec -it talker /bin/busybox sh -c 'echo tty-$((6*7))'",
            p.display()
        );
        let o = assert_cmd::Command::new("script")
            .env_remove("DOCKER_HOST")
            .env("DOCKER_CONFIG", &config)
            .args(["-q", "-e", "-c", &cmdline, "/dev/null"])
            .write_stdin("")
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        assert!(
            text(&o.stdout).contains("tty-42"),
            "docker exec -it: {}{}",
            text(&o.stdout),
            text(&o.stderr)
        );
    }

    // The admin's inspect shows the environment.
    let env = ok(
        &root(&["inspect", "--format", "{{json .Config.Env}}", "talker"]),
        "docker inspect (admin)",
    );
    assert!(env.contains("SECRET=hunter2"), "{env}");

    // The second identity (uid 65534): read-only, filtered, redacted.
    let o = nobody(&["rm", "-f", "talker"]);
    refused(
        &o,
        "docker rm (read-only client)",
        &[
            "Error response from daemon: drydock guard: monitor may not DELETE /containers/talker (no grant in guard.toml)",
            "uid 65534",
            "add \"DELETE /containers/*\" to its grants",
        ],
    );
    let names = ok(
        &nobody(&["ps", "-a", "--format", "{{.Names}}"]),
        "docker ps (read-only client)",
    );
    assert_eq!(names.trim(), "talker", "the filter let through: {names}");
    let all = ok(&root(&["ps", "-a", "--format", "{{.Names}}"]), "docker ps");
    assert!(all.contains("hidden") && all.contains("evt0"), "{all}");
    let env = ok(
        &nobody(&["inspect", "--format", "{{json .Config.Env}}", "talker"]),
        "docker inspect (read-only client)",
    );
    assert!(env.contains("SECRET=<redacted>"), "{env}");
    assert!(!env.contains("hunter2"), "{env}");
    let o = nobody(&["inspect", "--type", "container", "hidden"]);
    refused(
        &o,
        "docker inspect <invisible container>",
        &["drydock guard: no such container: hidden"],
    );
    let o = nobody(&["exec", "talker", "/bin/busybox", "true"]);
    refused(
        &o,
        "docker exec (read-only client)",
        &["monitor may not POST /containers/talker/exec"],
    );
    // Its event stream shows only visible containers.
    let mut events = docker_cmd(
        &p,
        &config,
        As::Nobody,
        &[
            "events",
            "--since",
            "0",
            "--format",
            "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}",
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let rx = lines_of(&mut events);
    let mut got = Vec::new();
    while let Ok(l) = rx.recv_timeout(Duration::from_secs(3)) {
        got.push(l);
    }
    let _ = events.kill();
    let _ = events.wait();
    assert!(
        got.iter().any(|l| l == "container start talker"),
        "{got:#?}"
    );
    assert!(
        !got.iter()
            .any(|l| l.contains("hidden") || l.contains("evt")),
        "{got:#?}"
    );

    // A client recognised by its container (`/proc/PID/cgroup` → its ID →
    // its name `edge`): the docker CLI run inside it, with the proxy's
    // socket mounted, gets the traefik profile's grants.
    let cli = which("docker").unwrap();
    let cli = std::fs::canonicalize(&cli).unwrap_or(cli);
    let static_cli = std::fs::read(&cli).is_ok_and(|b| {
        let head = &b[..b.len().min(64 << 10)];
        !head
            .windows(8)
            .any(|w| w == b"/ld-linu" || w == b"/ld-musl")
    });
    if static_cli {
        let cli_mount = format!("{}:/docker:ro", cli.display());
        let sock_mount = format!("{}:/p", sockdir.display());
        let o = run_d(
            "edge",
            &[
                "-e",
                "DOCKER_CONFIG=/nonexistent",
                "-v",
                &cli_mount,
                "-v",
                &sock_mount,
            ],
            &["/bin/busybox", "sleep", "300"],
        );
        ok(&o, "docker run -d edge");
        let inner = |args: &[&str]| {
            let mut a = vec!["exec", "edge", "/docker", "-H", "unix:///p/proxy.sock"];
            a.extend_from_slice(args);
            root(&a)
        };
        let names = ok(
            &inner(&["ps", "--format", "{{.Names}}"]),
            "docker ps in edge",
        );
        assert!(
            names.contains("talker") && names.contains("hidden"),
            "{names}"
        );
        let o = inner(&["rm", "-f", "hidden"]);
        refused(
            &o,
            "docker rm from the traefik container",
            &[
                "drydock guard: traefik may not DELETE /containers/hidden (no grant in guard.toml)",
                "(`edge`, uid 1000",
            ],
        );
        let env = ok(
            &inner(&["inspect", "--format", "{{json .Config.Env}}", "talker"]),
            "docker inspect in edge",
        );
        assert!(env.contains("SECRET=<redacted>"), "{env}");
        let _ = root(&["rm", "-f", "edge"]);
    } else {
        eprintln!("the docker CLI is not static: the container identity is not tried end to end");
    }

    let _ = root(&["rm", "-f", "talker", "hidden"]);

    // The daemon goes away under a long-lived request: the stream ends,
    // the proxy stays up and says what is wrong.
    let mut events = docker_cmd(&p, &config, As::Root, &["events"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    d.stop();
    let t0 = Instant::now();
    while events.try_wait().unwrap().is_none() {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "docker events did not end with the daemon"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let o = root(&["ps"]);
    refused(
        &o,
        "docker ps with the daemon stopped",
        &[
            "drydock guard: the Docker daemon behind the proxy",
            "cannot be reached",
        ],
    );
    drop(proxy);

    // One JSON line per request: identities, verdicts, rules.
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        lines.iter().any(|l| l["allow"] == false
            && l["client"] == "admin"
            && l["uid"] == 0
            && l["status"] == 403
            && l["rules"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!("CTR001"))),
        "no CTR001 denial logged"
    );
    assert!(lines.iter().any(|l| l["allow"] == false
        && l["client"] == "monitor"
        && l["uid"] == 65534
        && l["method"] == "DELETE"));
    assert!(
        lines
            .iter()
            .any(|l| l["allow"] == true && l["status"] == 101 && l["client"] == "admin"),
        "no upgraded request logged"
    );
    assert!(lines.iter().all(|l| l["time"].as_str().is_some()));
    if static_cli {
        assert!(
            lines.iter().any(|l| l["client"] == "traefik"
                && l["container"].as_str().is_some_and(|c| c.len() == 64)),
            "no request logged with the traefik container's identity"
        );
    }
}

/// One raw HTTP/1.1 exchange over a unix socket (the request written
/// beside the read: the proxy may answer before reading all of it).
fn raw(socket: &Path, request: Vec<u8>) -> String {
    let mut s = UnixStream::connect(socket).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut w = s.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = w.write_all(&request);
    });
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let _ = s.shutdown(std::net::Shutdown::Both);
    let _ = writer.join();
    text(&out)
}

/// Without a daemon behind it: a clear 502 (and the proxy keeps running),
/// oversized judged bodies refused with 413, unknown clients refused,
/// slow headers cut off, an invalid policy refused at start.
#[test]
fn the_proxy_fails_cleanly() {
    if !support::unavailable().is_none_or(|r| r.contains("dockerd")) {
        // Needs root for the uid 0 client (not a daemon).
        support::skip("not root");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("guard.toml");
    std::fs::write(
        &policy,
        "[[proxy.clients]]\nname = \"admin\"\nuid = 0\ngrants = [\"* /**\"]\n",
    )
    .unwrap();
    let log = tmp.path().join("log.jsonl");
    let missing = tmp.path().join("no-daemon.sock");
    let proxy = ProxyProc::start(tmp.path(), &missing, &policy, &log);

    for _ in 0..2 {
        let r = raw(
            &proxy.socket,
            b"GET /v1.41/containers/json HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n"
                .to_vec(),
        );
        assert!(r.starts_with("HTTP/1.1 502"), "{r}");
        assert!(r.contains("cannot be reached"), "{r}");
    }
    if which("docker").is_some() {
        let config = tmp.path().join("cfg");
        std::fs::create_dir_all(&config).unwrap();
        let o = docker(&proxy.socket, &config, As::Root, &["ps"]);
        assert!(!o.status.success());
        assert!(
            text(&o.stderr).contains("cannot be reached"),
            "{}",
            text(&o.stderr)
        );
    }

    // A create body over 16 MiB: 413, judged as unjudgeable, never sent.
    let mut big = format!(
        "POST /v1.41/containers/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        17 << 20
    )
    .into_bytes();
    big.extend(std::iter::repeat_n(b' ', 17 << 20));
    let r = raw(&proxy.socket, big);
    assert!(r.starts_with("HTTP/1.1 413"), "{}", &r[..r.len().min(300)]);
    assert!(r.contains("over 16 MiB"), "{r}");

    // A create whose body is not JSON: denied, saying why.
    let body = "{not json";
    let r = raw(
        &proxy.socket,
        format!(
            "POST /containers/create HTTP/1.1\r\nHost: docker\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    );
    assert!(r.starts_with("HTTP/1.1 403"), "{r}");
    assert!(r.contains("not JSON"), "{r}");

    // Judged before the daemon is tried, whatever the path's spelling: the
    // denial, not a 502.
    let body = r#"{"Image":"busybox","HostConfig":{"Privileged":true}}"#;
    for target in [
        "/v1.41/containers/create?name=x",
        "/containers/create/",
        "/v1.41/containers/%63reate",
    ] {
        let r = raw(
            &proxy.socket,
            format!(
                "POST {target} HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
                body.len()
            )
            .into_bytes(),
        );
        assert!(r.starts_with("HTTP/1.1 403"), "{target}: {r}");
        assert!(r.contains("denied by CTR001"), "{target}: {r}");
    }

    // Dot segments could route elsewhere than granted.
    let r = raw(
        &proxy.socket,
        b"GET /containers/x/../json HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n".to_vec(),
    );
    assert!(r.starts_with("HTTP/1.1 400"), "{r}");

    // Slowloris: headers never finished are cut off.
    let mut s = UnixStream::connect(&proxy.socket).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(b"GET /_ping HTTP/1.1\r\nHost: docker\r\n")
        .unwrap();
    let t0 = Instant::now();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    assert!(
        t0.elapsed() < Duration::from_secs(25),
        "the slow client was not cut off"
    );

    // Still serving.
    let r = raw(
        &proxy.socket,
        b"GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n".to_vec(),
    );
    assert!(r.starts_with("HTTP/1.1 502"), "{r}");
    drop(proxy);

    // A client that no entry names is refused, saying how to add one.
    std::fs::write(
        &policy,
        "[[proxy.clients]]\nname = \"ci\"\nuid = 4242\nprofile = \"ci-runner\"\n",
    )
    .unwrap();
    let proxy = ProxyProc::start(tmp.path(), &missing, &policy, &log);
    let r = raw(
        &proxy.socket,
        b"GET /v1.41/info HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n".to_vec(),
    );
    assert!(r.starts_with("HTTP/1.1 403"), "{r}");
    assert!(
        r.contains("may not GET /info (no client entry in guard.toml)"),
        "{r}"
    );
    // A refused request's body is read before the refusal: the client,
    // still writing it, gets the answer (not `broken pipe`) and its
    // connection stays usable.
    let mut s = UnixStream::connect(&proxy.socket).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let body = r#"{"Cmd":["true"],"AttachStdout":true}"#;
    s.write_all(
        format!(
            "POST /v1.41/containers/x/exec HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    s.write_all(body.as_bytes()).unwrap();
    s.write_all(b"GET /version HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let out = text(&out);
    assert_eq!(out.matches("HTTP/1.1 403").count(), 2, "{out}");
    assert!(out.contains("may not POST /containers/x/exec"), "{out}");
    assert!(out.contains("may not GET /version"), "{out}");
    drop(proxy);

    // An invalid policy: refused at start, with its position.
    std::fs::write(
        &policy,
        "[[proxy.clients]]\nname = \"x\"\nuid = 1\ngrants = [\"FETCH /x\"]\n",
    )
    .unwrap();
    let o = assert_cmd::Command::cargo_bin("drydock")
        .unwrap()
        .args(["guard", "proxy", "--listen"])
        .arg(tmp.path().join("never.sock"))
        .arg("--policy")
        .arg(&policy)
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains(":4:11:"), "{}", text(&o.stderr));

    let lines = std::fs::read_to_string(&log).unwrap();
    assert!(lines.lines().any(|l| l.contains("\"status\":413")));
}

/// Every TOML example of docs/guard.md is a valid policy, and the proxy
/// example names the clients the text promises.
#[test]
fn the_documented_policies_are_valid() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/guard.md"))
            .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let blocks: Vec<&str> = doc
        .split("```toml\n")
        .skip(1)
        .filter_map(|b| b.split_once("```").map(|(t, _)| t))
        .collect();
    assert!(blocks.len() >= 3, "{}", blocks.len());
    for (i, b) in blocks.iter().enumerate() {
        let f = tmp.path().join(format!("p{i}.toml"));
        std::fs::write(&f, b).unwrap();
        let o = assert_cmd::Command::cargo_bin("drydock")
            .unwrap()
            .args(["guard", "check"])
            .arg(&f)
            .output()
            .unwrap();
        assert!(o.status.success(), "block {i}: {}\n{b}", text(&o.stderr));
    }
    let proxy = doc
        .split_once("<!-- example-proxy-policy -->")
        .and_then(|(_, rest)| rest.split_once("```toml\n"))
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(toml, _)| toml)
        .expect("docs/guard.md has a proxy example after <!-- example-proxy-policy -->");
    let f = tmp.path().join("proxy.toml");
    std::fs::write(&f, proxy).unwrap();
    let o = assert_cmd::Command::cargo_bin("drydock")
        .unwrap()
        .args(["guard", "check"])
        .arg(&f)
        .output()
        .unwrap();
    let out = text(&o.stdout);
    for c in ["traefik", "watchtower", "portainer", "ci", "others"] {
        assert!(out.contains(&format!("proxy client `{c}`")), "{out}");
    }
}
