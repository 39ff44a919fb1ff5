//! What the authorization-plugin tests share (`tests/guard.rs`,
//! `tests/guard_actions.rs`): the plugin process under the daemon's plugins
//! directory, the real `docker` CLI against a private daemon, refusals.
#![allow(dead_code)] // not every test file uses every helper
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use drydock_testkit as support;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const PLUGIN_DIR: &str = "/run/docker/plugins";

/// The plugin process; killed and its socket removed on drop.
pub struct PluginProc {
    pub child: Child,
    pub socket: PathBuf,
    pub name: String,
}

impl PluginProc {
    pub fn start(tag: &str, policy: &Path, log: &Path) -> PluginProc {
        std::fs::create_dir_all(PLUGIN_DIR).unwrap();
        let name = format!("drydock-guard-test-{tag}-{}", std::process::id());
        let socket = Path::new(PLUGIN_DIR).join(format!("{name}.sock"));
        let child = Command::new(env!("CARGO_BIN_EXE_drydock"))
            .args(["guard", "plugin", "--socket"])
            .arg(&socket)
            .arg("--policy")
            .arg(policy)
            .arg("--log")
            .arg(log)
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let mut p = PluginProc {
            child,
            socket,
            name,
        };
        let t0 = Instant::now();
        while UnixStream::connect(&p.socket).is_err() {
            if let Ok(Some(status)) = p.child.try_wait() {
                panic!("the plugin exited: {status}");
            }
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "the plugin's socket did not appear"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        p
    }

    /// One plugin-protocol call, as the daemon makes it (no Content-Type).
    pub fn call(&self, endpoint: &str, body: &str) -> serde_json::Value {
        let mut s = UnixStream::connect(&self.socket).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let msg = format!(
            "POST {endpoint} HTTP/1.1\r\nHost: plugin\r\nAccept: application/vnd.docker.plugins.v1.2+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        // Written beside the read: the plugin may answer (and close)
        // before it has read an oversized message to its end.
        let mut w = s.try_clone().unwrap();
        let writer = std::thread::spawn(move || {
            let _ = w.write_all(msg.as_bytes());
        });
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw);
        let _ = s.shutdown(std::net::Shutdown::Both);
        let _ = writer.join();
        let out = String::from_utf8_lossy(&raw).into_owned();
        assert!(out.starts_with("HTTP/1.1 200"), "{out}");
        let json = out.split_once("\r\n\r\n").unwrap().1;
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {out}"))
    }
}

impl Drop for PluginProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.socket);
    }
}

/// The real `docker` CLI against the private daemon, with its own empty
/// configuration and the classic builder (BuildKit's `/grpc` is not judged).
pub fn docker(d: &support::Daemon, config: &Path, args: &[&str]) -> Output {
    assert_cmd::Command::new("docker")
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .env("DOCKER_CONFIG", config)
        .env("DOCKER_BUILDKIT", "0")
        .arg("-H")
        .arg(format!("unix://{}", d.socket.display()))
        .args(args)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts that the plugin refused a command with all of `expect` in its
/// message; its stderr.
pub fn refused(o: &Output, what: &str, expect: &[&str]) -> String {
    let err = stderr(o);
    eprintln!("{what}: {}", err.trim());
    assert!(!o.status.success(), "{what} was not refused: {err}");
    assert!(
        err.contains("authorization denied by plugin"),
        "{what}: not the plugin's refusal: {err}"
    );
    for e in expect {
        assert!(err.contains(e), "{what}: no `{e}` in: {err}");
    }
    err
}

pub fn succeeded(o: &Output, what: &str) {
    assert!(o.status.success(), "{what} failed: {}", stderr(o));
}
