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

# An exception by client identity: only the admin entry may add capabilities.
[[exceptions]]
client = "admin"
rules = ["CTR004"]
reason = "the host's admins add capabilities on purpose"
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

    // The exception for the admin client covers CTR004 (a dangerous added
    // capability, denied by default): its create goes through, and the
    // log says why.
    let mut a = vec!["create", "--name", "capped", "--cap-add", "SYS_ADMIN"];
    a.extend_from_slice(SAFE);
    a.extend_from_slice(&[image, "/bin/busybox", "true"]);
    ok(
        &root(&a),
        "docker create --cap-add SYS_ADMIN (excepted for admin)",
    );
    let logged = std::fs::read_to_string(&log).unwrap();
    let line = logged
        .lines()
        .rfind(|l| l.contains("/containers/create"))
        .unwrap();
    assert!(
        line.contains("CTR004") && line.contains("the host's admins add capabilities on purpose"),
        "{line}"
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

const OBJECTS_POLICY: &str = r#"
[[proxy.clients]]
name = "admin"
uid = 0
grants = ["* /**"]

# Sees only its own images, networks and volumes.
[[proxy.clients]]
name = "team"
uid = 65534
profile = "read-only"
visible-images = { names = ["drydock-test/*"], labels = ["com.example.team=a"] }
visible-networks = { names = ["team-*"] }
visible-volumes = { names = ["team-*"], labels = ["com.example.team=a"] }
"#;

fn sorted_lines(s: &str) -> Vec<String> {
    let mut v: Vec<String> = s
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

/// `visible-images`, `visible-networks`, `visible-volumes`: `docker image
/// ls`, `network ls`, `volume ls` show a client only its own; inspecting
/// another is refused as if it did not exist; its events are dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_sees_only_its_images_networks_and_volumes() {
    if !support::available_with(&["docker", "setpriv"]) {
        return;
    }
    let tmp = tempfile::Builder::new()
        .prefix("ddko")
        .tempdir_in("/tmp")
        .unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let policy = tmp.path().join("guard.toml");
    std::fs::write(&policy, OBJECTS_POLICY).unwrap();
    let log = tmp.path().join("decisions.jsonl");
    let config = open_dir(tmp.path(), "docker-config");
    let sockdir = open_dir(tmp.path(), "s");

    let d = support::Daemon::start_with(None, &[])
        .unwrap_or_else(|e| panic!("dockerd did not start: {e}"));
    let e = d.connect().await;
    support::import_test_image(&e).await;
    support::import_image(&e, "other/secret:1", &[]).await;
    support::import_image(&e, "team/app:1", &["LABEL com.example.team=a"]).await;
    let proxy = ProxyProc::start(&sockdir, &d.socket, &policy, &log);
    let p = proxy.socket.clone();
    let root = |args: &[&str]| docker(&p, &config, As::Root, args);
    let team = |args: &[&str]| docker(&p, &config, As::Nobody, args);

    for n in ["team-net", "other-net"] {
        ok(&root(&["network", "create", n]), "docker network create");
    }
    for v in [
        &["volume", "create", "team-data"][..],
        &["volume", "create", "other-data"],
        &[
            "volume",
            "create",
            "--label",
            "com.example.team=a",
            "labelled",
        ],
    ] {
        ok(&root(v), "docker volume create");
    }

    // The admin sees everything.
    let all = ok(
        &root(&["image", "ls", "--format", "{{.Repository}}:{{.Tag}}"]),
        "docker image ls (admin)",
    );
    assert!(all.contains("other/secret:1"), "{all}");

    // The team client sees its own.
    let images = ok(
        &team(&["image", "ls", "--format", "{{.Repository}}:{{.Tag}}"]),
        "docker image ls",
    );
    assert_eq!(
        sorted_lines(&images),
        [support::IMAGE, "team/app:1"],
        "{images}"
    );
    let networks = ok(
        &team(&["network", "ls", "--format", "{{.Name}}"]),
        "docker network ls",
    );
    assert_eq!(sorted_lines(&networks), ["team-net"], "{networks}");
    let volumes = ok(
        &team(&["volume", "ls", "--format", "{{.Name}}"]),
        "docker volume ls",
    );
    assert_eq!(
        sorted_lines(&volumes),
        ["labelled", "team-data"],
        "{volumes}"
    );

    // Inspecting its own works; another's is refused as missing.
    ok(
        &team(&["image", "inspect", support::IMAGE]),
        "docker image inspect (visible)",
    );
    ok(
        &team(&["network", "inspect", "team-net"]),
        "docker network inspect (visible)",
    );
    ok(
        &team(&["volume", "inspect", "labelled"]),
        "docker volume inspect (visible)",
    );
    refused(
        &team(&["image", "inspect", "other/secret:1"]),
        "docker image inspect <hidden image>",
        &[
            "drydock guard: no such image: other/secret:1",
            "`visible-images` filter in guard.toml",
        ],
    );
    let id = ok(
        &root(&["image", "inspect", "--format", "{{.Id}}", "other/secret:1"]),
        "docker image inspect (admin)",
    );
    refused(
        &team(&["image", "inspect", id.trim()]),
        "docker image inspect <hidden image by ID>",
        &["drydock guard: no such image"],
    );
    refused(
        &team(&["network", "inspect", "other-net"]),
        "docker network inspect <hidden network>",
        &["drydock guard: no such network: other-net"],
    );
    refused(
        &team(&["volume", "inspect", "other-data"]),
        "docker volume inspect <hidden volume>",
        &["drydock guard: no such volume: other-data"],
    );

    // Its event stream: its networks and volumes, not the others'.
    let mut events = docker_cmd(
        &p,
        &config,
        As::Nobody,
        &[
            "events",
            "--since",
            "0",
            "--format",
            "{{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}}",
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
        got.iter()
            .any(|l| l.starts_with("network create") && l.ends_with("team-net")),
        "{got:#?}"
    );
    assert!(
        got.iter().any(|l| l.starts_with("volume create team-data")),
        "{got:#?}"
    );
    assert!(
        !got.iter()
            .any(|l| l.contains("other-") || l.contains("other/secret")),
        "{got:#?}"
    );
    let all_events = {
        let mut ev = docker_cmd(
            &p,
            &config,
            As::Root,
            &[
                "events",
                "--since",
                "0",
                "--format",
                "{{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}}",
            ],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
        let rx = lines_of(&mut ev);
        let mut got = Vec::new();
        while let Ok(l) = rx.recv_timeout(Duration::from_secs(3)) {
            got.push(l);
        }
        let _ = ev.kill();
        let _ = ev.wait();
        got
    };
    assert!(
        all_events.iter().any(|l| l.contains("other-net")),
        "the admin's events: {all_events:#?}"
    );
    drop(proxy);

    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.iter().any(|l| {
        l["client"] == "team"
            && l["allow"] == false
            && l["message"]
                .as_str()
                .is_some_and(|m| m.contains("no such volume: other-data"))
    }));
}

/// Certificates made with the openssl CLI.
struct Pki {
    dir: PathBuf,
}

impl Pki {
    fn openssl(&self, args: &[&str]) {
        let o = Command::new("openssl")
            .current_dir(&self.dir)
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "openssl {args:?}: {}", text(&o.stderr));
    }

    /// A CA (`NAME.pem`, `NAME-key.pem`).
    fn ca(&self, name: &str) {
        std::fs::write(
            self.dir.join("ca.cnf"),
            "[req]\ndistinguished_name = dn\n[dn]\n[v3_ca]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n",
        )
        .unwrap();
        let key = format!("{name}-key.pem");
        self.openssl(&[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            &key,
        ]);
        self.openssl(&[
            "req",
            "-x509",
            "-new",
            "-key",
            &key,
            "-out",
            &format!("{name}.pem"),
            "-days",
            "2",
            "-subj",
            &format!("/CN={name}"),
            "-config",
            "ca.cnf",
            "-extensions",
            "v3_ca",
        ]);
    }

    /// A certificate `NAME.pem` (key `NAME-key.pem`) signed by `ca`.
    fn cert(&self, ca: &str, name: &str, cn: &str, ext: &str) {
        let key = format!("{name}-key.pem");
        let ext_file = format!("{name}.ext");
        std::fs::write(self.dir.join(&ext_file), ext).unwrap();
        self.openssl(&[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            &key,
        ]);
        self.openssl(&[
            "req",
            "-new",
            "-key",
            &key,
            "-out",
            &format!("{name}.csr"),
            "-subj",
            &format!("/O=drydock/CN={cn}"),
            "-config",
            "ca.cnf",
        ]);
        self.openssl(&[
            "x509",
            "-req",
            "-in",
            &format!("{name}.csr"),
            "-CA",
            &format!("{ca}.pem"),
            "-CAkey",
            &format!("{ca}-key.pem"),
            "-CAcreateserial",
            "-out",
            &format!("{name}.pem"),
            "-days",
            "2",
            "-extfile",
            &ext_file,
        ]);
    }

    fn path(&self, f: &str) -> PathBuf {
        self.dir.join(f)
    }
}

const CLIENT_EXT: &str = "basicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature\nextendedKeyUsage = clientAuth\n";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `docker` command over TCP with TLS: `--tlsverify` with a client
/// certificate, or `--tls` (the server verified, no client certificate).
fn docker_tls(port: u16, config: &Path, pki: &Pki, client: Option<&str>, args: &[&str]) -> Command {
    let mut c = Command::new("docker");
    c.env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .env_remove("DOCKER_TLS_VERIFY")
        .env_remove("DOCKER_CERT_PATH")
        .env("DOCKER_CONFIG", config)
        .arg("-H")
        .arg(format!("tcp://127.0.0.1:{port}"))
        .arg("--tlscacert")
        .arg(pki.path("ca.pem"));
    match client {
        Some(name) => {
            c.arg("--tlsverify")
                .arg("--tlscert")
                .arg(pki.path(&format!("{name}.pem")))
                .arg("--tlskey")
                .arg(pki.path(&format!("{name}-key.pem")));
        }
        None => {
            c.arg("--tls");
        }
    }
    c.args(args);
    c
}

fn run_cmd(c: Command) -> Output {
    assert_cmd::Command::from_std(c)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap()
}

const TLS_POLICY: &str = r#"
[[proxy.clients]]
name = "admin"
uid = 0
grants = ["* /**"]

[[proxy.clients]]
name = "ci"
cert = "ci-runner"
grants = ["* /**"]

[[proxy.clients]]
name = "watcher"
cert = "watcher"
profile = "read-only"
visible = { labels = ["drydock.visible=yes"] }
"#;

/// The proxy on TCP with TLS and client certificates, beside its unix
/// socket: the real `docker --tlsverify` CLI per certificate, refusals at
/// the handshake, and an exec's stdin round trip over TLS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proxy_serves_docker_over_tls_by_client_certificate() {
    if !support::available_with(&["docker", "openssl"]) {
        return;
    }
    let tmp = tempfile::Builder::new()
        .prefix("ddkt")
        .tempdir_in("/tmp")
        .unwrap();
    let pki = Pki {
        dir: tmp.path().join("pki"),
    };
    std::fs::create_dir_all(&pki.dir).unwrap();
    pki.ca("ca");
    pki.cert(
        "ca",
        "server",
        "proxy",
        "basicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature\nextendedKeyUsage = serverAuth\nsubjectAltName = IP:127.0.0.1\n",
    );
    pki.cert("ca", "ci", "ci-runner", CLIENT_EXT);
    pki.cert("ca", "watcher", "watcher", CLIENT_EXT);
    pki.ca("rogue-ca");
    pki.cert("rogue-ca", "rogue", "ci-runner", CLIENT_EXT);

    let policy = tmp.path().join("guard.toml");
    std::fs::write(&policy, TLS_POLICY).unwrap();
    let log = tmp.path().join("decisions.jsonl");
    let config = tmp.path().join("docker-config");
    std::fs::create_dir_all(&config).unwrap();

    let d = support::Daemon::start_with(None, &[])
        .unwrap_or_else(|e| panic!("dockerd did not start: {e}"));
    let e = d.connect().await;
    support::import_test_image(&e).await;
    let image = support::IMAGE;

    // Plain TCP away from loopback is refused at start (CIS 2.6), and on
    // loopback without --insecure-tcp.
    let port = free_port();
    for (listen, extra, expect) in [
        (
            format!("tcp://0.0.0.0:{port}"),
            &["--insecure-tcp"][..],
            "CIS 2.6",
        ),
        (format!("tcp://127.0.0.1:{port}"), &[][..], "--insecure-tcp"),
    ] {
        let o = assert_cmd::Command::cargo_bin("drydock")
            .unwrap()
            .args(["guard", "proxy", "--listen", &listen])
            .args(extra)
            .arg("--upstream")
            .arg(&d.socket)
            .arg("--policy")
            .arg(&policy)
            .timeout(Duration::from_secs(30))
            .output()
            .unwrap();
        assert!(!o.status.success(), "{listen} started");
        assert!(
            text(&o.stderr).contains(expect),
            "{listen}: {}",
            text(&o.stderr)
        );
    }

    // Both listeners at once: a unix socket and TCP with TLS.
    let socket = tmp.path().join("proxy.sock");
    let child = Command::new(env!("CARGO_BIN_EXE_drydock"))
        .args(["guard", "proxy", "--listen"])
        .arg(format!("unix://{}", socket.display()))
        .arg("--listen")
        .arg(format!("tcp://127.0.0.1:{port}"))
        .arg("--tls-cert")
        .arg(pki.path("server.pem"))
        .arg("--tls-key")
        .arg(pki.path("server-key.pem"))
        .arg("--tls-ca")
        .arg(pki.path("ca.pem"))
        .arg("--upstream")
        .arg(format!("unix://{}", d.socket.display()))
        .arg("--policy")
        .arg(&policy)
        .arg("--log")
        .arg(&log)
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let mut proxy = ProxyProc { child, socket };
    let t0 = Instant::now();
    while UnixStream::connect(&proxy.socket).is_err()
        || std::net::TcpStream::connect(("127.0.0.1", port)).is_err()
    {
        if let Ok(Some(status)) = proxy.child.try_wait() {
            panic!("the proxy exited: {status}");
        }
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "the proxy did not listen"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let ci = |args: &[&str]| run_cmd(docker_tls(port, &config, &pki, Some("ci"), args));
    let watcher = |args: &[&str]| run_cmd(docker_tls(port, &config, &pki, Some("watcher"), args));

    // The granted certificate: everything, still judged.
    ok(&ci(&["ps"]), "docker ps over TLS (ci)");
    let mut run = vec![
        "run",
        "-d",
        "--name",
        "talker",
        "--label",
        "drydock.visible=yes",
    ];
    run.extend_from_slice(SAFE);
    run.extend_from_slice(&[
        image,
        "/bin/busybox",
        "sh",
        "-c",
        "i=0; while true; do echo line $i; i=$((i+1)); /bin/busybox sleep 0.1; done",
    ]);
    ok(&ci(&run), "docker run -d over TLS");
    let mut run = vec!["run", "-d", "--name", "hidden"];
    run.extend_from_slice(SAFE);
    run.extend_from_slice(&[image, "/bin/busybox", "sleep", "300"]);
    ok(&ci(&run), "docker run -d hidden over TLS");
    let mut priv_run = vec!["run", "--rm", "--privileged"];
    priv_run.extend_from_slice(SAFE);
    priv_run.extend_from_slice(&[image, "/bin/busybox", "true"]);
    refused(
        &ci(&priv_run),
        "docker run --privileged over TLS",
        &["drydock guard: denied by CTR001 (privileged-container)"],
    );

    // `docker exec -i … cat` round-trips stdin over the upgraded TLS
    // connection, its half-close ending the exec.
    let o = assert_cmd::Command::from_std(docker_tls(
        port,
        &config,
        &pki,
        Some("ci"),
        &["exec", "-i", "talker", "/bin/busybox", "cat"],
    ))
    .write_stdin("over TLS\nand back\n")
    .timeout(Duration::from_secs(60))
    .output()
    .unwrap();
    assert_eq!(
        ok(&o, "docker exec -i cat over TLS"),
        "over TLS\nand back\n"
    );

    // `docker logs -f` streams over TLS.
    let mut follow = docker_tls(port, &config, &pki, Some("ci"), &["logs", "-f", "talker"]);
    let mut follow = follow
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let rx = lines_of(&mut follow);
    for _ in 0..20 {
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("docker logs -f over TLS: no line");
        assert!(line.starts_with("line "), "{line}");
    }
    let _ = follow.kill();
    let _ = follow.wait();
    // `docker exec -it` over TLS (a TTY, under `script`).
    if which("script").is_some() {
        let cmdline = format!(
            "docker -H tcp://127.0.0.1:{port} --tlsverify --tlscacert {} --tlscert {} --tlskey {} exec -it talker /bin/busybox sh -c 'echo tty-$((6*7))'",
            pki.path("ca.pem").display(),
            pki.path("ci.pem").display(),
            pki.path("ci-key.pem").display()
        );
        let o = assert_cmd::Command::new("script")
            .env_remove("DOCKER_HOST")
            .env_remove("DOCKER_TLS_VERIFY")
            .env("DOCKER_CONFIG", &config)
            .args(["-q", "-e", "-c", &cmdline, "/dev/null"])
            .write_stdin("")
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        assert!(
            text(&o.stdout).contains("tty-42"),
            "docker exec -it over TLS: {}{}",
            text(&o.stdout),
            text(&o.stderr)
        );
    }

    // The other certificate: its own grants and filter.
    let names = ok(
        &watcher(&["ps", "-a", "--format", "{{.Names}}"]),
        "docker ps over TLS (watcher)",
    );
    assert_eq!(names.trim(), "talker", "{names}");
    refused(
        &watcher(&["rm", "-f", "talker"]),
        "docker rm over TLS (watcher)",
        &[
            "drydock guard: watcher may not DELETE /containers/talker (no grant in guard.toml)",
            "certificate CN=watcher (127.0.0.1:",
        ],
    );

    // No client certificate, or one from another CA: refused at the
    // handshake, before any request.
    let before = std::fs::read_to_string(&log).unwrap().lines().count();
    let o = run_cmd(docker_tls(port, &config, &pki, None, &["ps"]));
    assert!(
        !o.status.success(),
        "docker without a client certificate was served"
    );
    eprintln!("no client certificate: {}", text(&o.stderr).trim());
    assert!(
        !text(&o.stderr).contains("Error response from daemon"),
        "{}",
        text(&o.stderr)
    );
    let o = run_cmd(docker_tls(port, &config, &pki, Some("rogue"), &["ps"]));
    assert!(
        !o.status.success(),
        "a certificate of another CA was served"
    );
    eprintln!("another CA: {}", text(&o.stderr).trim());
    assert!(
        !text(&o.stderr).contains("Error response from daemon"),
        "{}",
        text(&o.stderr)
    );
    // The docker CLI (Go) does not even send a certificate that the CAs
    // the server names did not issue; openssl does: the handshake refuses
    // it, and a certificate of the right CA is served (the control).
    let s_client = |name: &str| {
        let o = assert_cmd::Command::new("openssl")
            .args(["s_client", "-quiet", "-connect"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-CAfile")
            .arg(pki.path("ca.pem"))
            .arg("-cert")
            .arg(pki.path(&format!("{name}.pem")))
            .arg("-key")
            .arg(pki.path(&format!("{name}-key.pem")))
            .write_stdin("GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n")
            .timeout(Duration::from_secs(30))
            .output()
            .unwrap();
        format!("{}{}", text(&o.stdout), text(&o.stderr))
    };
    let out = s_client("rogue");
    eprintln!(
        "openssl s_client with another CA's certificate: {}",
        out.trim()
    );
    assert!(!out.contains("HTTP/1.1 200"), "{out}");
    let out = s_client("ci");
    assert!(out.contains("HTTP/1.1 200"), "{out}");
    let after = std::fs::read_to_string(&log).unwrap().lines().count();
    assert_eq!(
        before + 1,
        after,
        "a refused handshake reached the request log (or the control did not)"
    );

    // The unix listener still serves its own identities.
    ok(
        &docker(&proxy.socket, &config, As::Root, &["ps"]),
        "docker ps on the unix socket",
    );

    let _ = ci(&["rm", "-f", "talker", "hidden"]);
    drop(proxy);

    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        lines.iter().any(|l| l["client"] == "ci"
            && l["cert"] == "CN=ci-runner"
            && l["address"]
                .as_str()
                .is_some_and(|a| a.starts_with("127.0.0.1:"))
            && l["status"] == 101),
        "no upgraded request logged with the certificate's identity"
    );
    assert!(
        lines
            .iter()
            .any(|l| l["client"] == "watcher" && l["allow"] == false && l["method"] == "DELETE")
    );
    assert!(
        lines
            .iter()
            .any(|l| l["client"] == "admin" && l["uid"] == 0 && l["address"].is_null())
    );
}

/// Plain TCP, allowed on loopback with `--insecure-tcp`: clients are
/// known by their address (no daemon needed: a request that passes its
/// grant gets the 502 of the missing daemon).
#[test]
fn plain_tcp_on_loopback_knows_clients_by_address() {
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("guard.toml");
    let log = tmp.path().join("log.jsonl");
    let missing = tmp.path().join("no-daemon.sock");
    let start = |policy_text: &str| {
        std::fs::write(&policy, policy_text).unwrap();
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_drydock"))
            .args(["guard", "proxy", "--insecure-tcp", "--listen"])
            .arg(format!("tcp://127.0.0.1:{port}"))
            .arg("--upstream")
            .arg(&missing)
            .arg("--policy")
            .arg(&policy)
            .arg("--log")
            .arg(&log)
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let mut p = ProxyProc {
            child,
            socket: tmp.path().join("unused"),
        };
        let t0 = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = p.child.try_wait() {
                panic!("the proxy exited: {status}");
            }
            assert!(t0.elapsed() < Duration::from_secs(20));
            std::thread::sleep(Duration::from_millis(20));
        }
        (p, port)
    };
    let get = |port: u16, path: &str| {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        s.write_all(
            format!("GET {path} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        text(&out)
    };

    let (proxy, port) = start(
        "[[proxy.clients]]\nname = \"local\"\naddress = \"127.0.0.0/8\"\ngrants = [\"GET /info\"]\n\n[[proxy.clients]]\nname = \"root\"\nuid = 0\ngrants = [\"* /**\"]\n",
    );
    let r = get(port, "/v1.41/info");
    assert!(r.starts_with("HTTP/1.1 502"), "{r}");
    let r = get(port, "/v1.41/containers/json");
    assert!(r.starts_with("HTTP/1.1 403"), "{r}");
    assert!(r.contains("local may not GET /containers/json"), "{r}");
    assert!(r.contains("local is address 127.0.0.1:"), "{r}");
    drop(proxy);

    // A uid entry never matches a TCP peer, even root's own connection.
    let (proxy, port) = start(
        "[[proxy.clients]]\nname = \"lan\"\naddress = \"10.0.0.0/8\"\ngrants = [\"* /**\"]\n\n[[proxy.clients]]\nname = \"root\"\nuid = 0\ngrants = [\"* /**\"]\n",
    );
    let r = get(port, "/v1.41/info");
    assert!(r.starts_with("HTTP/1.1 403"), "{r}");
    assert!(r.contains("no client entry in guard.toml"), "{r}");
    assert!(r.contains("address = \\\"127.0.0.1\\\""), "{r}");
    drop(proxy);

    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.iter().any(|l| {
        l["client"] == "local"
            && l["address"]
                .as_str()
                .is_some_and(|a| a.starts_with("127.0.0.1:"))
            && l["cert"].is_null()
            && l["uid"].is_null()
    }));
}
