//! The Engine API sockets of this host: those the running `dockerd`
//! processes listen on (their `-H unix://…`, else the default socket),
//! found in `/proc`, plus those the policy names. A bind mount of any of
//! them hands the API to the container whatever the file is called
//! (CTR002), so the rules are told about them.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a look at `/proc` is reused: daemons start and stop rarely,
/// and a decision must stay fast.
const TTL: Duration = Duration::from_secs(2);

const DEFAULT_SOCKETS: [&str; 2] = ["/var/run/docker.sock", "/run/docker.sock"];

pub struct EngineSockets {
    proc_root: PathBuf,
    extra: Vec<String>,
    cache: Mutex<Option<(Instant, Vec<String>)>>,
}

impl EngineSockets {
    pub fn new(proc_root: impl Into<PathBuf>, extra: Vec<String>) -> Self {
        EngineSockets {
            proc_root: proc_root.into(),
            extra,
            cache: Mutex::new(None),
        }
    }

    /// Every engine socket path, as written and with symlinks resolved
    /// (bind sources are compared after resolution).
    pub fn get(&self) -> Vec<String> {
        let mut cache = match self.cache.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some((at, list)) = cache.as_ref()
            && at.elapsed() < TTL
        {
            return list.clone();
        }
        let mut list: Vec<String> = DEFAULT_SOCKETS.iter().map(|s| s.to_string()).collect();
        list.extend(self.extra.iter().cloned());
        list.extend(dockerd_sockets(&self.proc_root));
        let resolved: Vec<String> = list
            .iter()
            .filter_map(|p| std::fs::canonicalize(p).ok())
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        list.extend(resolved);
        list.sort();
        list.dedup();
        *cache = Some((Instant::now(), list.clone()));
        list
    }
}

/// The unix sockets of every dockerd process under `proc_root`.
pub fn dockerd_sockets(proc_root: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(proc_root) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name();
        if !name.to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(raw) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<String> = raw
            .split(|b| *b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect();
        let is_dockerd = args.first().is_some_and(|a| {
            Path::new(a)
                .file_name()
                .is_some_and(|n| n == "dockerd" || n == "docker-daemon")
        });
        if !is_dockerd {
            continue;
        }
        let hosts = drydock_audit::dockerd::hosts_of(&args[1..]);
        out.extend(
            hosts
                .iter()
                .filter_map(|h| h.strip_prefix("unix://"))
                .filter(|p| !p.is_empty())
                .map(str::to_string),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn finds_dockerd_hosts_in_proc() {
        let dir = tempfile::tempdir().unwrap();
        let p = |pid: &str, cmd: &[&str]| {
            let d = dir.path().join(pid);
            std::fs::create_dir_all(&d).unwrap();
            let mut raw = cmd.join("\0").into_bytes();
            raw.push(0);
            std::fs::write(d.join("cmdline"), raw).unwrap();
        };
        p(
            "10",
            &[
                "/usr/sbin/dockerd",
                "--host",
                "unix:///tmp/ddk1/d.sock",
                "-H=tcp://0.0.0.0:2375",
            ],
        );
        p("11", &["/usr/bin/sleep", "-H", "unix:///nope"]);
        p("self", &["dockerd", "-H", "unix:///nope2"]);
        assert_eq!(dockerd_sockets(dir.path()), ["/tmp/ddk1/d.sock"]);
        let s = EngineSockets::new(dir.path(), vec!["/srv/x.sock".into()]);
        let all = s.get();
        assert!(all.contains(&"/tmp/ddk1/d.sock".to_string()));
        assert!(all.contains(&"/srv/x.sock".to_string()));
        assert!(all.contains(&"/var/run/docker.sock".to_string()));
    }
}
