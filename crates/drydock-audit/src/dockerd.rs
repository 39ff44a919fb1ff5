//! The daemon's own configuration: its process (found in `/proc`), its
//! command-line flags and the daemon.json it reads, merged over `/info`.

use std::path::{Path, PathBuf};

use drydock_core::spec::DaemonSpec;
use drydock_core::{FileKind, Origin, SourceFile, SourceMap, Sp};

/// The dockerd process serving a socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerdProcess {
    pub pid: u32,
    /// Its arguments (without the program name).
    pub args: Vec<String>,
}

fn read_cmdline(path: &Path) -> Option<Vec<String>> {
    let raw = std::fs::read(path).ok()?;
    let mut parts: Vec<String> = raw
        .split(|b| *b == 0)
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    if parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    Some(parts)
}

fn is_dockerd(args: &[String]) -> bool {
    args.first().is_some_and(|a| {
        Path::new(a)
            .file_name()
            .is_some_and(|n| n == "dockerd" || n == "docker-daemon")
    })
}

/// The values of `-H`/`--host` on a dockerd command line.
pub fn hosts_of(args: &[String]) -> Vec<String> {
    flag_values(args, &["-H", "--host"])
        .into_iter()
        .map(|(v, _)| v)
        .collect()
}

/// Values of a string flag (`--flag v`, `--flag=v`, `-Hv`), with the
/// argument as written.
fn flag_values(args: &[String], names: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        for n in names {
            if a == n {
                if let Some(v) = args.get(i + 1) {
                    out.push((v.clone(), format!("{a} {v}")));
                    i += 1;
                }
                break;
            }
            if let Some(v) = a.strip_prefix(&format!("{n}=")) {
                out.push((v.to_string(), a.clone()));
                break;
            }
        }
        i += 1;
    }
    out
}

/// A boolean flag: `--flag` (true) or `--flag=false`; the last one wins.
fn bool_flag(args: &[String], name: &str) -> Option<(bool, String)> {
    let mut out = None;
    for a in args {
        if a == name {
            out = Some((true, a.clone()));
        } else if let Some(v) = a.strip_prefix(&format!("{name}=")) {
            match v.to_ascii_lowercase().as_str() {
                "true" | "1" => out = Some((true, a.clone())),
                "false" | "0" => out = Some((false, a.clone())),
                _ => {}
            }
        }
    }
    out
}

/// Finds the dockerd that serves `socket` by scanning `proc_root` (`/proc`).
/// A dockerd without `-H` serves the default socket
/// (`/var/run/docker.sock`, `/run/docker.sock`). With no socket (TCP), the
/// only dockerd, if there is exactly one.
pub fn find_dockerd(proc_root: &Path, socket: Option<&Path>) -> Option<DockerdProcess> {
    let entries = std::fs::read_dir(proc_root).ok()?;
    let mut all = Vec::new();
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Some(args) = read_cmdline(&e.path().join("cmdline")) else {
            continue;
        };
        if is_dockerd(&args) {
            all.push(DockerdProcess {
                pid,
                args: args[1..].to_vec(),
            });
        }
    }
    all.sort_by_key(|p| p.pid);
    let Some(socket) = socket else {
        return (all.len() == 1).then(|| all.remove(0));
    };
    let want = socket.to_string_lossy().to_string();
    let default = ["/var/run/docker.sock", "/run/docker.sock"];
    all.into_iter().find(|p| {
        let hosts = hosts_of(&p.args);
        if hosts.is_empty() {
            return default.contains(&want.as_str());
        }
        hosts.iter().any(|h| {
            let path = h.strip_prefix("unix://").unwrap_or(h);
            path == want || (path.is_empty() && default.contains(&want.as_str()))
        })
    })
}

/// The daemon.json path a dockerd reads: `--config-file`, else the default.
pub fn config_file_of(args: &[String]) -> PathBuf {
    flag_values(args, &["--config-file"])
        .pop()
        .map(|(v, _)| PathBuf::from(v))
        .unwrap_or_else(|| PathBuf::from("/etc/docker/daemon.json"))
}

/// What is known about the daemon's configuration beyond `/info`.
#[derive(Debug, Clone, Default)]
pub struct DaemonConfigSources {
    pub process: Option<DockerdProcess>,
    /// The daemon.json path (host path) and whether it existed.
    pub config_file: Option<(PathBuf, bool)>,
    /// Why the command line or daemon.json could not be read; `None` when
    /// both are known (a missing daemon.json is known: all defaults).
    pub unknown: Option<String>,
    pub sources: SourceMap,
}

/// Reads the dockerd command line and its daemon.json (below `root`) and
/// merges them over `base` (from `/info`): command line over daemon.json
/// over `/info`.
pub fn effective_daemon(
    base: DaemonSpec,
    proc_root: &Path,
    root: &Path,
    socket: Option<&Path>,
) -> (DaemonSpec, DaemonConfigSources) {
    let mut src = DaemonConfigSources::default();
    let Some(proc) = find_dockerd(proc_root, socket) else {
        src.unknown = Some(format!(
            "no dockerd process serving {} found in {} (remote daemon, or another PID namespace): its command line and daemon.json could not be read",
            socket.map_or_else(|| "this address".to_string(), |s| s.display().to_string()),
            proc_root.display()
        ));
        return (base, src);
    };
    let path = config_file_of(&proc.args);
    let on_host = root.join(path.strip_prefix("/").unwrap_or(&path));
    let mut spec = base;
    match std::fs::read_to_string(&on_host) {
        Ok(text) => {
            let id = src.sources.add(SourceFile::new(
                path.display().to_string(),
                FileKind::DaemonJson,
                text.clone(),
            ));
            let cfg = drydock_daemon_config::parse(&text, id);
            if cfg.is_fatal() {
                src.unknown = Some(format!("{} could not be parsed", path.display()));
            } else {
                merge(&mut spec, cfg.spec);
            }
            src.config_file = Some((path, true));
        }
        // dockerd refuses to start when an explicit `--config-file` is
        // missing: if it is missing now (removed, or a dangling symlink),
        // what the daemon loaded is unknown, not the defaults.
        Err(e)
            if e.kind() == std::io::ErrorKind::NotFound
                && flag_values(&proc.args, &["--config-file"]).is_empty() =>
        {
            src.config_file = Some((path, false));
        }
        Err(e) => {
            src.unknown = Some(format!("{} could not be read: {e}", path.display()));
            src.config_file = Some((path, true));
        }
    }
    merge(&mut spec, flags_spec(&proc));
    src.process = Some(proc);
    (spec, src)
}

/// The settings a dockerd command line gives, with `dockerd <flag>` origins.
pub fn flags_spec(p: &DockerdProcess) -> DaemonSpec {
    let a = &p.args;
    let o = |w: &str| Origin::api(format!("dockerd {w}"));
    let b = |name: &str| bool_flag(a, name).map(|(v, w)| Sp::new(v, o(&w)));
    let s = |names: &[&str]| flag_values(a, names).pop().map(|(v, w)| Sp::new(v, o(&w)));
    let list = |names: &[&str]| {
        flag_values(a, names)
            .into_iter()
            .map(|(v, w)| Sp::new(v, o(&w)))
            .collect::<Vec<_>>()
    };
    DaemonSpec {
        origin: Origin::api(format!("/proc/{}/cmdline", p.pid)),
        icc: b("--icc"),
        log_level: s(&["-l", "--log-level"]),
        iptables: b("--iptables"),
        ip_forward: b("--ip-forward"),
        insecure_registries: list(&["--insecure-registry"]),
        storage_driver: s(&["-s", "--storage-driver"]),
        storage_opts: list(&["--storage-opt"]),
        hosts: list(&["-H", "--host"]),
        tls: b("--tls"),
        tlsverify: b("--tlsverify"),
        tlscacert: s(&["--tlscacert"]),
        tlscert: s(&["--tlscert"]),
        tlskey: s(&["--tlskey"]),
        userns_remap: s(&["--userns-remap"]),
        cgroup_parent: s(&["--cgroup-parent"]),
        authorization_plugins: list(&["--authorization-plugin"]),
        log_driver: s(&["--log-driver"]),
        no_new_privileges: b("--no-new-privileges"),
        live_restore: b("--live-restore"),
        userland_proxy: b("--userland-proxy"),
        seccomp_profile: s(&["--seccomp-profile"]),
        experimental: b("--experimental"),
        selinux_enabled: b("--selinux-enabled"),
        ip: s(&["--ip"]),
        debug: b("-D").or_else(|| b("--debug")),
        data_root: s(&["--data-root"]),
        default_runtime: s(&["--default-runtime"]),
        ..DaemonSpec::default()
    }
}

/// Overlays the settings `over` has onto `base`.
pub fn merge(base: &mut DaemonSpec, over: DaemonSpec) {
    macro_rules! opt {
        ($($f:ident),* $(,)?) => { $( if over.$f.is_some() { base.$f = over.$f; } )* };
    }
    macro_rules! list {
        ($($f:ident),* $(,)?) => { $( if !over.$f.is_empty() { base.$f = over.$f; } )* };
    }
    opt!(
        icc,
        log_level,
        iptables,
        ip_forward,
        storage_driver,
        tls,
        tlsverify,
        tlscacert,
        tlscert,
        tlskey,
        userns_remap,
        cgroup_parent,
        log_driver,
        no_new_privileges,
        live_restore,
        userland_proxy,
        seccomp_profile,
        experimental,
        selinux_enabled,
        ip,
        debug,
        data_root,
        default_runtime,
        default_ulimits_key
    );
    list!(
        insecure_registries,
        registry_mirrors,
        storage_opts,
        hosts,
        default_ulimits,
        authorization_plugins,
        log_opts,
    );
    if over.insert_at.is_some() {
        base.insert_at = over.insert_at;
    }
    // Absent settings are reported where they would be added: the
    // daemon.json when there is one, else the command line, else `/info`.
    if over.origin != Origin::Implicit && !base.origin.is_file() {
        base.origin = over.origin;
    }
    base.settings.extend(over.settings);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn flags_are_read_with_their_origin() {
        let p = DockerdProcess {
            pid: 7,
            args: args(
                "-H unix:///tmp/d.sock --icc=false --live-restore --insecure-registry r:5000 --config-file=/x/d.json",
            ),
        };
        let s = flags_spec(&p);
        assert_eq!(s.icc.as_ref().map(|v| v.value), Some(false));
        assert_eq!(
            s.icc.map(|v| v.origin),
            Some(Origin::api("dockerd --icc=false"))
        );
        assert_eq!(s.live_restore.map(|v| v.value), Some(true));
        assert_eq!(s.insecure_registries.len(), 1);
        assert_eq!(config_file_of(&p.args), PathBuf::from("/x/d.json"));
        assert_eq!(hosts_of(&p.args), vec!["unix:///tmp/d.sock".to_string()]);
    }

    #[test]
    fn finds_the_dockerd_of_a_socket_in_a_fake_proc() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (pid, cmd) in [
            ("10", "/usr/bin/dockerd\0-H\0unix:///a.sock\0"),
            ("11", "/usr/sbin/dockerd\0"),
            ("12", "bash\0"),
        ] {
            std::fs::create_dir(dir.path().join(pid)).expect("mkdir");
            std::fs::write(dir.path().join(pid).join("cmdline"), cmd).expect("write");
        }
        let a = find_dockerd(dir.path(), Some(Path::new("/a.sock"))).expect("a");
        assert_eq!(a.pid, 10);
        let d = find_dockerd(dir.path(), Some(Path::new("/var/run/docker.sock"))).expect("d");
        assert_eq!(d.pid, 11);
        assert!(find_dockerd(dir.path(), Some(Path::new("/b.sock"))).is_none());
    }
}
