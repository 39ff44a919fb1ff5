//! A private `dockerd` for integration tests: its own socket, data root,
//! exec root and pid file, no bridge and no iptables; killed (and its
//! mounts undone) on drop. Tests call [`daemon`] and return early when it
//! gives `None` (no root, no dockerd) — unless `DRYDOCK_REQUIRE_ENGINE=1`,
//! where a missing daemon fails the test.
//!
//! Shared by the integration tests of drydock-engine, drydock-audit and the CLI.

pub mod archive;
pub mod http;
pub mod proxy;
pub mod schemas;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use drydock_engine::bollard::models::{ContainerCreateBody, ContainerSummary};
use drydock_engine::bollard::query_parameters::{
    CreateContainerOptionsBuilder, CreateImageOptionsBuilder, ListContainersOptionsBuilder,
    RemoveContainerOptionsBuilder,
};
use drydock_engine::{Engine, EngineAddress, Timeouts, Transport};
use futures_util::StreamExt;

pub const IMAGE: &str = "drydock-test/busybox:1";

pub struct Daemon {
    child: Option<Child>,
    dir: tempfile::TempDir,
    pub socket: PathBuf,
    pub started_in: Duration,
}

fn require() -> bool {
    std::env::var("DRYDOCK_REQUIRE_ENGINE").is_ok_and(|v| v == "1")
}

/// A program on `PATH` (or in `/usr/sbin`, `/sbin`).
pub fn which(bin: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|d| d.join(bin))
        .find(|p| p.is_file())
}

fn is_root() -> bool {
    // The owner of /proc/self is the effective user.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

/// Why a daemon cannot run here, if it cannot.
pub fn unavailable() -> Option<String> {
    if !is_root() {
        return Some("not root: a private dockerd needs root".to_string());
    }
    if which("dockerd").is_none() {
        return Some("no dockerd on PATH".to_string());
    }
    None
}

/// Prints the skip reason and returns `true` when the test must stop;
/// panics instead under `DRYDOCK_REQUIRE_ENGINE=1`.
pub fn skip(reason: &str) -> bool {
    assert!(!require(), "DRYDOCK_REQUIRE_ENGINE=1 but {reason}");
    eprintln!("skipped: {reason}");
    true
}

/// Whether a test that runs containers with these tools can run here: a
/// private daemon, a static busybox for the containers, and each of
/// `tools` on `PATH`. Prints `skipped: …` (or panics under
/// `DRYDOCK_REQUIRE_ENGINE=1`) and returns `false` when not.
pub fn available_with(tools: &[&str]) -> bool {
    if let Some(reason) = unavailable() {
        skip(&reason);
        return false;
    }
    if !has_busybox() {
        skip("no static busybox for the test containers");
        return false;
    }
    for bin in tools {
        if which(bin).is_none() {
            skip(&format!("no {bin} on PATH"));
            return false;
        }
    }
    true
}

/// A fresh private daemon, or `None` (after printing `skipped: …`) when
/// this machine cannot run one.
pub fn daemon(daemon_json: Option<&str>) -> Option<Daemon> {
    if let Some(reason) = unavailable() {
        skip(&reason);
        return None;
    }
    match Daemon::start(daemon_json) {
        Ok(d) => Some(d),
        Err(e) => {
            skip(&format!("dockerd did not start: {e}"));
            None
        }
    }
}

impl Daemon {
    pub fn start(daemon_json: Option<&str>) -> Result<Daemon, String> {
        Self::start_with(daemon_json, &[])
    }

    /// Starts a daemon with extra command-line arguments (TCP hosts, TLS).
    pub fn start_with(daemon_json: Option<&str>, extra: &[String]) -> Result<Daemon, String> {
        // Short path: a unix socket path is limited to 108 bytes.
        let dir = tempfile::Builder::new()
            .prefix("ddk")
            .tempdir_in("/tmp")
            .map_err(|e| e.to_string())?;
        let p = dir.path();
        // With userns-remap the remapped root must traverse to its data
        // root: o+x on the directory (its contents keep their own modes).
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o711))
                .map_err(|e| e.to_string())?;
        }
        let socket = p.join("d.sock");
        let mut cmd = Command::new(which("dockerd").ok_or("no dockerd")?);
        cmd.arg("--host")
            .arg(format!("unix://{}", socket.display()))
            .arg("--data-root")
            .arg(p.join("root"))
            .arg("--exec-root")
            .arg(p.join("exec"))
            .arg("--pidfile")
            .arg(p.join("d.pid"))
            .args(["--bridge=none", "--iptables=false", "--ip6tables=false"])
            .args(extra);
        if let Some(json) = daemon_json {
            let f = p.join("daemon.json");
            std::fs::write(&f, json).map_err(|e| e.to_string())?;
            cmd.arg("--config-file").arg(f);
        } else {
            // Never pick up the machine's /etc/docker/daemon.json.
            let f = p.join("daemon.json");
            std::fs::write(&f, "{}").map_err(|e| e.to_string())?;
            cmd.arg("--config-file").arg(f);
        }
        let log = std::fs::File::create(p.join("dockerd.log")).map_err(|e| e.to_string())?;
        let log2 = log.try_clone().map_err(|e| e.to_string())?;
        let t0 = Instant::now();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(|e| format!("spawn dockerd: {e}"))?;
        let mut d = Daemon {
            child: Some(child),
            dir,
            socket,
            started_in: Duration::ZERO,
        };
        let deadline = t0 + Duration::from_secs(60);
        loop {
            if ping(&d.socket) {
                break;
            }
            if let Some(c) = d.child.as_mut()
                && let Ok(Some(status)) = c.try_wait()
            {
                return Err(format!("dockerd exited ({status}): {}", d.log_tail()));
            }
            if Instant::now() > deadline {
                return Err(format!("no _ping answer within 60s: {}", d.log_tail()));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        d.started_in = t0.elapsed();
        eprintln!("dockerd started in {:?}", d.started_in);
        Ok(d)
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn address(&self) -> EngineAddress {
        EngineAddress {
            transport: Transport::Unix(self.socket.clone()),
            source: drydock_engine::AddressSource::Flag,
        }
    }

    pub fn log_tail(&self) -> String {
        let s = std::fs::read_to_string(self.dir.path().join("dockerd.log")).unwrap_or_default();
        let lines: Vec<&str> = s.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    pub async fn connect(&self) -> Engine {
        Engine::connect(&self.address(), Timeouts::default())
            .await
            .expect("connect to the private daemon")
    }

    /// Stops the daemon (SIGTERM, then SIGKILL after 15 s) and undoes its mounts.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let pid = child.id().to_string();
        // SIGTERM lets dockerd stop its containerd and shims.
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let t0 = Instant::now();
        loop {
            match child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if t0.elapsed() < Duration::from_secs(15) => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
            }
        }
        unmount_below(self.dir.path());
        eprintln!("dockerd stopped in {:?}", t0.elapsed());
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Lazily unmounts everything mounted at or below `dir`, deepest first.
fn unmount_below(dir: &Path) {
    let Ok(info) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return;
    };
    let prefix = dir.to_string_lossy().to_string();
    let mut points: Vec<String> = info
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .filter(|m| m.starts_with(&prefix))
        .map(str::to_string)
        .collect();
    points.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for p in points {
        let _ = Command::new("umount")
            .args(["-l", &p])
            .stderr(Stdio::null())
            .status();
    }
}

/// `GET /_ping` over the socket, by hand (no client needed).
fn ping(socket: &Path) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::os::unix::net::UnixStream::connect(socket) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    buf.starts_with(b"HTTP/1.0 200") || buf.starts_with(b"HTTP/1.1 200")
}

/// A root filesystem tarball: Debian's static busybox (when installed) as
/// `/bin/busybox` plus a file, so that containers can run `sleep`.
pub fn rootfs_tar() -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut add = |path: &str, data: &[u8], mode: u32| {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(mode);
        h.set_cksum();
        b.append_data(&mut h, path, data).expect("tar entry");
    };
    add("etc/drydock-test", b"drydock test image\n", 0o644);
    let bb = ["/bin/busybox", "/usr/bin/busybox"]
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .find(|b| is_static_elf(b));
    if let Some(bb) = bb {
        add("bin/busybox", &bb, 0o755);
    }
    b.into_inner().expect("tar")
}

/// Whether a statically linked busybox is installed (a dynamic one cannot
/// run in the test image, which has no libc).
pub fn has_busybox() -> bool {
    ["/bin/busybox", "/usr/bin/busybox"]
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .any(|b| is_static_elf(&b))
}

/// An ELF64 little-endian executable without a `PT_INTERP` header.
fn is_static_elf(b: &[u8]) -> bool {
    let u16_at = |o: usize| {
        b.get(o..o + 2)
            .map(|s| u16::from_le_bytes([s[0], s[1]]) as usize)
    };
    let u32_at = |o: usize| {
        b.get(o..o + 4)
            .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    };
    let u64_at = |o: usize| {
        b.get(o..o + 8)
            .and_then(|s| <[u8; 8]>::try_from(s).ok())
            .map(|a| u64::from_le_bytes(a) as usize)
    };
    if !b.starts_with(b"\x7fELF") || b.get(4) != Some(&2) || b.get(5) != Some(&1) {
        return false;
    }
    let (Some(phoff), Some(phentsize), Some(phnum)) = (u64_at(0x20), u16_at(0x36), u16_at(0x38))
    else {
        return false;
    };
    (0..phnum).all(|i| u32_at(phoff + i * phentsize) != Some(3))
}

/// Imports [`rootfs_tar`] as `repo:tag` with the image API
/// (`POST /images/create?fromSrc=-`), with `changes` (Dockerfile lines).
pub async fn import_image(engine: &Engine, reference: &str, changes: &[&str]) {
    let (repo, tag) = reference.rsplit_once(':').unwrap_or((reference, "latest"));
    let opts = CreateImageOptionsBuilder::default()
        .from_src("-")
        .repo(repo)
        .tag(tag)
        .changes(changes.iter().map(|s| s.to_string()).collect())
        .build();
    let body = drydock_engine::bollard::body_full(rootfs_tar().into());
    let mut stream = engine.docker().create_image(Some(opts), Some(body), None);
    while let Some(item) = stream.next().await {
        item.expect("image import");
    }
}

/// The standard test image: busybox sleeping, a user, a healthcheck, an
/// exposed port, labels and environment.
pub async fn import_test_image(engine: &Engine) {
    import_image(
        engine,
        IMAGE,
        &[
            r#"CMD ["/bin/busybox", "sleep", "3600"]"#,
            "USER 1001",
            "EXPOSE 8080/tcp",
            "ENV APP_MODE=test",
            "LABEL org.opencontainers.image.title=drydock-test",
            r#"HEALTHCHECK --interval=45s --timeout=3s --retries=2 CMD ["/bin/busybox", "true"]"#,
            "WORKDIR /srv",
        ],
    )
    .await;
}

/// A `docker save` archive (classic layout: `manifest.json`, a config,
/// one `layer.tar`) of [`rootfs_tar`] tagged `reference`, whose config is
/// `config` (the `config`, `history`, … members; `architecture`, `os` and
/// `rootfs` are filled in). History entries should be `empty_layer` but
/// one, since there is one layer.
pub fn image_archive(reference: &str, config: &serde_json::Value) -> Vec<u8> {
    archive::docker_save(reference, config, &[rootfs_tar()])
}

/// Makes the daemon a one-node Swarm manager listening on a free loopback
/// port.
pub async fn init_swarm(engine: &Engine) -> Result<(), String> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let init = drydock_engine::bollard::models::SwarmInitRequest {
        listen_addr: Some(format!("127.0.0.1:{port}")),
        advertise_addr: Some(format!("127.0.0.1:{port}")),
        ..Default::default()
    };
    engine
        .docker()
        .init_swarm(init)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Creates an overlay network, with the `encrypted` option when asked.
pub async fn overlay_network(engine: &Engine, name: &str, encrypted: bool) {
    let options = if encrypted {
        std::collections::HashMap::from([("encrypted".to_string(), String::new())])
    } else {
        std::collections::HashMap::new()
    };
    engine
        .docker()
        .create_network(drydock_engine::bollard::models::NetworkCreateRequest {
            name: name.to_string(),
            driver: Some("overlay".to_string()),
            options: Some(options),
            ..Default::default()
        })
        .await
        .expect("overlay network");
}

/// Loads a `docker save` archive (`POST /images/load`).
pub async fn load_image(engine: &Engine, archive: Vec<u8>) {
    let body = drydock_engine::bollard::body_full(archive.into());
    let mut stream = engine.docker().import_image(
        drydock_engine::bollard::query_parameters::ImportImageOptionsBuilder::default().build(),
        body,
        None,
    );
    while let Some(item) = stream.next().await {
        let info = item.expect("image load");
        assert!(info.error_detail.is_none(), "image load: {info:?}");
    }
}

/// Creates a container (never started) and returns its ID.
pub async fn create(engine: &Engine, name: &str, body: ContainerCreateBody) -> String {
    let opts = CreateContainerOptionsBuilder::default().name(name).build();
    let body = ContainerCreateBody {
        image: body.image.clone().or_else(|| Some(IMAGE.to_string())),
        ..body
    };
    engine
        .docker()
        .create_container(Some(opts), body)
        .await
        .unwrap_or_else(|e| panic!("create {name}: {e}"))
        .id
}

/// Every container, running or not, as the API lists them.
pub async fn list_all(engine: &Engine) -> Vec<ContainerSummary> {
    engine
        .docker()
        .list_containers(Some(
            ListContainersOptionsBuilder::default().all(true).build(),
        ))
        .await
        .expect("list containers")
}

/// Removes a container, running or not (`docker rm -f`).
pub async fn remove(
    engine: &Engine,
    name: &str,
) -> Result<(), drydock_engine::bollard::errors::Error> {
    engine
        .docker()
        .remove_container(
            name,
            Some(RemoveContainerOptionsBuilder::default().force(true).build()),
        )
        .await
}
