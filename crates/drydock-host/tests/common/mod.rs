//! A fake host tree in a temp dir, with real files, modes and owners.
#![allow(dead_code)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};

use drydock_host::{AuditctlMode, CheckResult, HostOptions, Status, run_selected};

pub const ROOT_MOUNTINFO: &str = "\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro
";

pub struct Host {
    dir: tempfile::TempDir,
    /// Keeps bound sockets alive (the socket file stays either way).
    _listeners: Vec<UnixListener>,
}

impl Host {
    /// A minimal host: /etc/passwd, /etc/group (docker = 999), mountinfo, /var/run -> /run.
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("dh")
            .tempdir()
            .expect("tempdir");
        let h = Host {
            dir,
            _listeners: Vec::new(),
        };
        h.file(
            "/etc/passwd",
            "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n",
            0o644,
        );
        h.file(
            "/etc/group",
            "root:x:0:\nalice:x:1000:\ndocker:x:999:\n",
            0o644,
        );
        h.file("/proc/self/mountinfo", ROOT_MOUNTINFO, 0o444);
        h.dir("/run", 0o755);
        h.dir("/var", 0o755);
        h.symlink("/var/run", "/run");
        h
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, host: &str) -> PathBuf {
        self.dir.path().join(host.trim_start_matches('/'))
    }

    fn parent(&self, host: &str) {
        let p = self.path(host);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).expect("mkdir -p");
        }
    }

    pub fn file(&self, host: &str, content: &str, mode: u32) {
        self.parent(host);
        let p = self.path(host);
        fs::write(&p, content).expect("write");
        self.chmod(host, mode);
    }

    pub fn dir(&self, host: &str, mode: u32) {
        let p = self.path(host);
        fs::create_dir_all(&p).expect("mkdir");
        self.chmod(host, mode);
    }

    pub fn socket(&mut self, host: &str, mode: u32) {
        self.parent(host);
        let listener = UnixListener::bind(self.path(host)).expect("bind socket");
        self._listeners.push(listener);
        self.chmod(host, mode);
    }

    pub fn symlink(&self, host: &str, target: &str) {
        self.parent(host);
        std::os::unix::fs::symlink(target, self.path(host)).expect("symlink");
    }

    pub fn chmod(&self, host: &str, mode: u32) {
        fs::set_permissions(self.path(host), fs::Permissions::from_mode(mode)).expect("chmod");
    }

    pub fn remove(&self, host: &str) {
        let p = self.path(host);
        if p.is_dir() {
            fs::remove_dir_all(p).expect("rm -r");
        } else {
            fs::remove_file(p).expect("rm");
        }
    }

    /// chown; false (with a printed note) when not permitted (not root).
    pub fn chown(&self, host: &str, uid: u32, gid: u32) -> bool {
        match std::os::unix::fs::chown(self.path(host), Some(uid), Some(gid)) {
            Ok(()) => true,
            Err(e) => {
                eprintln!(
                    "note: skipping ownership assertion: chown {host} {uid}:{gid} failed: {e}"
                );
                false
            }
        }
    }

    pub fn opts(&self) -> HostOptions {
        HostOptions {
            root: self.root().to_path_buf(),
            auditctl: AuditctlMode::Disabled,
            ..HostOptions::default()
        }
    }

    pub fn check(&self, id: &str) -> CheckResult {
        check_with(&self.opts(), id)
    }
}

pub fn check_with(opts: &HostOptions, id: &str) -> CheckResult {
    let mut results = run_selected(opts, &[id]);
    assert_eq!(results.len(), 1, "one result for {id}");
    results.remove(0)
}

#[track_caller]
pub fn assert_status(r: &CheckResult, status: Status) {
    assert_eq!(
        r.status, status,
        "{}: {} (evidence: {:?})",
        r.check, r.message, r.evidence
    );
}
