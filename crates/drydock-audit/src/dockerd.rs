//! The daemon's own configuration: its process (found in `/proc`), its
//! command-line flags and the daemon.json it reads, merged over `/info`;
//! and `docker.service` (unit file and drop-ins), which says where in a
//! file each flag is written — or, when the process is not visible, what
//! the flags are.

use std::path::{Path, PathBuf};

use drydock_core::spec::DaemonSpec;
use drydock_core::{FileId, FileKind, Origin, SourceFile, SourceMap, Sp, TextRange};
use drydock_host::hostfs::{self, HostFs};
use drydock_host::systemd::{self, Arg, ExecCommand, ServiceConfig};

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

/// One occurrence of a flag: its value, the argument(s) as written, and
/// where they are (`args[at..at + len]`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Hit {
    value: String,
    written: String,
    at: usize,
    len: usize,
}

/// Values of a string flag (`--flag v`, `--flag=v`), with the argument as
/// written.
fn flag_values(args: &[String], names: &[&str]) -> Vec<(String, String)> {
    flag_hits(args, names)
        .into_iter()
        .map(|h| (h.value, h.written))
        .collect()
}

fn flag_hits(args: &[String], names: &[&str]) -> Vec<Hit> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        for n in names {
            if a == n {
                if let Some(v) = args.get(i + 1) {
                    out.push(Hit {
                        value: v.clone(),
                        written: format!("{a} {v}"),
                        at: i,
                        len: 2,
                    });
                    i += 1;
                }
                break;
            }
            if let Some(v) = a.strip_prefix(&format!("{n}=")) {
                out.push(Hit {
                    value: v.to_string(),
                    written: a.clone(),
                    at: i,
                    len: 1,
                });
                break;
            }
        }
        i += 1;
    }
    out
}

/// A boolean flag: `--flag` (true) or `--flag=false`; the last one wins.
fn bool_hit(args: &[String], name: &str) -> Option<(bool, Hit)> {
    let mut out = None;
    for (i, a) in args.iter().enumerate() {
        let hit = |v: bool| {
            Some((
                v,
                Hit {
                    value: v.to_string(),
                    written: a.clone(),
                    at: i,
                    len: 1,
                },
            ))
        };
        if a == name {
            out = hit(true);
        } else if let Some(v) = a.strip_prefix(&format!("{name}=")) {
            match v.to_ascii_lowercase().as_str() {
                "true" | "1" => out = hit(true),
                "false" | "0" => out = hit(false),
                _ => {}
            }
        }
    }
    out
}

/// Finds the dockerd that serves `socket` by scanning `proc_root` (`/proc`).
/// A dockerd without `-H` (or with `-H fd://`, socket activation by
/// docker.socket) serves the default socket (`/var/run/docker.sock`,
/// `/run/docker.sock`). With no socket (TCP), the only dockerd, if there
/// is exactly one.
pub fn find_dockerd(proc_root: &Path, socket: Option<&Path>) -> Option<DockerdProcess> {
    find_dockerd_with(proc_root, socket, None)
}

/// As [`find_dockerd`], `fd://` meaning `fd_socket` when it is known
/// (docker.socket's `ListenStream`).
fn find_dockerd_with(
    proc_root: &Path,
    socket: Option<&Path>,
    fd_socket: Option<&Path>,
) -> Option<DockerdProcess> {
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
    all.into_iter().find(|p| serves(&p.args, socket, fd_socket))
}

/// Does a dockerd with these arguments listen on the unix socket `sock`?
/// No `-H`: the default socket; `fd://`: `fd_socket` (docker.socket's
/// `ListenStream`), else the default.
fn serves(args: &[String], sock: &Path, fd_socket: Option<&Path>) -> bool {
    let default = [
        Path::new("/var/run/docker.sock"),
        Path::new("/run/docker.sock"),
    ];
    let is_default = |p: &Path| default.contains(&p);
    let same = |p: &Path| p == sock || (is_default(p) && is_default(sock));
    let hosts = hosts_of(args);
    if hosts.is_empty() {
        return is_default(sock);
    }
    hosts.iter().any(|h| {
        if h.starts_with("fd://") {
            return fd_socket.map_or_else(|| is_default(sock), same);
        }
        match h.strip_prefix("unix://") {
            Some("") => is_default(sock),
            Some(p) => same(Path::new(p)),
            // `-H /path` is accepted by dockerd as a unix socket.
            None => h.starts_with('/') && same(Path::new(h)),
        }
    })
}

/// docker.socket's `ListenStream` path, if the unit is there.
fn docker_socket_listen(fs: &HostFs) -> Option<PathBuf> {
    systemd::read_service(fs, "docker.socket")
        .files
        .first()
        .and_then(|f| drydock_host::listen_stream_path(&f.text))
}

/// The daemon.json path a dockerd reads: `--config-file`, else the default.
pub fn config_file_of(args: &[String]) -> PathBuf {
    flag_values(args, &["--config-file"])
        .pop()
        .map(|(v, _)| PathBuf::from(v))
        .unwrap_or_else(|| PathBuf::from("/etc/docker/daemon.json"))
}

/// Where the daemon's command-line flags were read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum FlagsSource {
    /// Nowhere: only `/info` (and no daemon.json) is known.
    #[default]
    Unknown,
    /// The running dockerd's `/proc/<pid>/cmdline` (the truth). Flags also
    /// written in `docker.service` have that file as their origin.
    Process { pid: u32 },
    /// No dockerd process was visible: the `ExecStart=` of `docker.service`
    /// (host path of the file that sets it). What the daemon was started
    /// with may differ if the unit changed since.
    Unit { file: PathBuf },
}

impl FlagsSource {
    /// A sentence for reports.
    pub fn describe(&self) -> String {
        match self {
            FlagsSource::Unknown => "the dockerd command line is unknown".to_string(),
            FlagsSource::Process { pid } => {
                format!("dockerd flags read from the running process (/proc/{pid}/cmdline)")
            }
            FlagsSource::Unit { file } => format!(
                "dockerd flags read from docker.service's ExecStart in {} (no dockerd process visible; the running daemon may have been started differently)",
                file.display()
            ),
        }
    }
}

/// What is known about the daemon's configuration beyond `/info`.
#[derive(Debug, Clone, Default)]
pub struct DaemonConfigSources {
    pub process: Option<DockerdProcess>,
    /// The daemon.json path (host path) and whether it was given
    /// explicitly (`--config-file`; dockerd then needs it to exist).
    pub config_file: Option<(PathBuf, bool)>,
    /// Why the command line or daemon.json could not be read; `None` when
    /// both are known (a missing daemon.json is known: all defaults).
    pub unknown: Option<String>,
    /// Where the flags came from.
    pub flags_from: FlagsSource,
    /// Problems reading `docker.service` (unreadable drop-ins …).
    pub unit_errors: Vec<String>,
    pub sources: SourceMap,
}

/// Reads the dockerd command line and its daemon.json (below `root`) and
/// merges them over `base` (from `/info`): command line over daemon.json
/// over `/info`. The command line is the process's; when no process is
/// visible and the daemon is local (`socket`), `docker.service`'s.
pub fn effective_daemon(
    base: DaemonSpec,
    proc_root: &Path,
    root: &Path,
    socket: Option<&Path>,
) -> (DaemonSpec, DaemonConfigSources) {
    let mut src = DaemonConfigSources::default();
    let fs = HostFs::new(root);
    let service = || {
        let s = systemd::read_service(&fs, "docker.service");
        let cmd = dockerd_command(&s);
        (s, cmd)
    };
    let fd_socket = docker_socket_listen(&fs);
    // The flags as (arguments, origin of each argument, origin of the
    // command line as a whole).
    let (args, arg_origins, cmd_origin) = match find_dockerd_with(
        proc_root,
        socket,
        fd_socket.as_deref(),
    ) {
        Some(proc) => {
            let (unit, cmd) = service();
            src.unit_errors.clone_from(&unit.errors);
            let mut origins: Vec<Option<Origin>> = vec![None; proc.args.len()];
            let mut cmd_origin = Origin::api(format!("/proc/{}/cmdline", proc.pid));
            if let Some(cmd) = cmd {
                let matched = match_args(&proc.args, cmd.args());
                // The unit wrote exactly this command line: settings it
                // lacks would be added there.
                let same = proc.args.len() == cmd.args().len()
                    && proc.args.iter().zip(cmd.args()).all(|(p, u)| *p == u.value);
                for (o, m) in origins.iter_mut().zip(matched) {
                    *o = m.and_then(|(j, n)| {
                        span_origin(&mut src.sources, &unit, cmd.args().get(j..j + n)?)
                    });
                }
                if same
                    && let Some(o) =
                        span_origin(&mut src.sources, &unit, std::slice::from_ref(&cmd.path))
                {
                    cmd_origin = o;
                }
            }
            src.flags_from = FlagsSource::Process { pid: proc.pid };
            let args = proc.args.clone();
            src.process = Some(proc);
            (args, origins, cmd_origin)
        }
        None => {
            let local = socket.map(|s| (s, service()));
            let Some((sock, (unit, Some(cmd)))) = local else {
                src.unknown = Some(format!(
                    "no dockerd process serving {} found in {} (remote daemon, or another PID namespace): its command line and daemon.json could not be read",
                    socket.map_or_else(|| "this address".to_string(), |s| s.display().to_string()),
                    proc_root.display()
                ));
                return (base, src);
            };
            src.unit_errors.clone_from(&unit.errors);
            let args: Vec<String> = cmd.args().iter().map(|a| a.value.clone()).collect();
            if !serves(&args, sock, fd_socket.as_deref()) {
                src.unknown = Some(format!(
                    "no dockerd process serving {} found in {} (remote daemon, or another PID namespace), and docker.service's dockerd does not listen there: its command line and daemon.json could not be read",
                    sock.display(),
                    proc_root.display()
                ));
                return (base, src);
            }
            let origins = (0..args.len())
                .map(|j| span_origin(&mut src.sources, &unit, cmd.args().get(j..=j)?))
                .collect();
            let cmd_origin = span_origin(&mut src.sources, &unit, std::slice::from_ref(&cmd.path))
                .unwrap_or_else(|| Origin::api("docker.service ExecStart"));
            src.flags_from = FlagsSource::Unit {
                file: cmd.path.file.clone(),
            };
            (args, origins, cmd_origin)
        }
    };

    let explicit = !flag_values(&args, &["--config-file"]).is_empty();
    let path = config_file_of(&args);
    let mut spec = base;
    match fs.read_to_string(&path) {
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
        }
        // dockerd refuses to start when an explicit `--config-file` is
        // missing: if it is missing now (removed, or a dangling symlink),
        // what the daemon loaded is unknown, not the defaults.
        Err(e) if hostfs::is_not_found(&e) && !explicit => {}
        Err(e) => {
            src.unknown = Some(format!("{} could not be read: {e}", path.display()));
        }
    }
    src.config_file = Some((path, explicit));
    let origin_of = |h: &Hit| {
        arg_origins
            .get(h.at)
            .cloned()
            .flatten()
            .unwrap_or_else(|| Origin::api(format!("dockerd {}", h.written)))
    };
    merge(&mut spec, flags_spec_with(&args, cmd_origin, &origin_of));
    (spec, src)
}

/// The `ExecStart=` command of a service that runs dockerd (the last one).
fn dockerd_command(s: &ServiceConfig) -> Option<ExecCommand> {
    s.exec_start
        .iter()
        .rev()
        .find(|c| {
            is_dockerd(std::slice::from_ref(&c.path.value))
                || c.argv
                    .first()
                    .is_some_and(|a| is_dockerd(std::slice::from_ref(&a.value)))
        })
        .cloned()
}

/// For every process argument, the unit arguments (`(start, count)`) that
/// write the same flag with the same value. Flags are matched whole
/// (`--flag=v`, or `--flag v` as two arguments), each unit argument once,
/// in order.
fn match_args(proc: &[String], unit: &[Arg]) -> Vec<Option<(usize, usize)>> {
    let mut out = vec![None; proc.len()];
    let mut used = vec![false; unit.len()];
    let mut i = 0;
    while i < proc.len() {
        // A flag with its value in the next argument (`-H x`, `--flag x`).
        let two = proc[i].starts_with('-')
            && !proc[i].contains('=')
            && proc.get(i + 1).is_some_and(|n| !n.starts_with('-'));
        let n = if two { 2 } else { 1 };
        let found = (0..unit.len()).find(|&j| {
            (0..n).all(|k| {
                unit.get(j + k)
                    .is_some_and(|u| !used[j + k] && u.value == proc[i + k])
            })
        });
        if let Some(j) = found {
            for k in 0..n {
                used[j + k] = true;
                out[i + k] = Some((j, n));
            }
        }
        i += n;
    }
    out
}

/// The file origin of consecutive unit arguments (the span of all when
/// they are in one file, else the first), adding the file to `sources`.
fn span_origin(sources: &mut SourceMap, unit: &ServiceConfig, args: &[Arg]) -> Option<Origin> {
    let first = args.first()?;
    let range = args
        .iter()
        .filter(|a| a.file == first.file)
        .fold(first.range, |r: TextRange, a| r.cover(a.range));
    let id = unit_file_id(sources, unit, &first.file)?;
    Some(Origin::file(id, range))
}

fn unit_file_id(sources: &mut SourceMap, unit: &ServiceConfig, file: &Path) -> Option<FileId> {
    let name = file.display().to_string();
    if let Some(id) = sources.find(&name) {
        return Some(id);
    }
    let text = unit.text_of(file)?;
    Some(sources.add(SourceFile::new(name, FileKind::Other, text)))
}

/// The settings a dockerd command line gives, with `dockerd <flag>` origins.
pub fn flags_spec(p: &DockerdProcess) -> DaemonSpec {
    flags_spec_with(
        &p.args,
        Origin::api(format!("/proc/{}/cmdline", p.pid)),
        &|h: &Hit| Origin::api(format!("dockerd {}", h.written)),
    )
}

fn flags_spec_with(a: &[String], origin: Origin, o: &dyn Fn(&Hit) -> Origin) -> DaemonSpec {
    let b = |name: &str| bool_hit(a, name).map(|(v, h)| Sp::new(v, o(&h)));
    let s = |names: &[&str]| {
        flag_hits(a, names)
            .pop()
            .map(|h| Sp::new(h.value.clone(), o(&h)))
    };
    let list = |names: &[&str]| {
        flag_hits(a, names)
            .into_iter()
            .map(|h| Sp::new(h.value.clone(), o(&h)))
            .collect::<Vec<_>>()
    };
    DaemonSpec {
        origin,
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

    /// A fake /proc and host root.
    struct Fake {
        proc_: tempfile::TempDir,
        root: tempfile::TempDir,
    }

    impl Fake {
        fn new() -> Self {
            Fake {
                proc_: tempfile::tempdir().expect("tempdir"),
                root: tempfile::tempdir().expect("tempdir"),
            }
        }
        fn process(&self, pid: &str, cmdline: &str) {
            let d = self.proc_.path().join(pid);
            std::fs::create_dir(&d).expect("mkdir");
            std::fs::write(d.join("cmdline"), cmdline).expect("write");
        }
        fn file(&self, host: &str, text: &str) {
            let p = self.root.path().join(host.trim_start_matches('/'));
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, text).expect("write");
        }
        fn run(&self, socket: Option<&str>) -> (DaemonSpec, DaemonConfigSources) {
            effective_daemon(
                DaemonSpec::default(),
                self.proc_.path(),
                self.root.path(),
                socket.map(Path::new),
            )
        }
    }

    /// `path:line:column` of a file origin.
    fn at(src: &DaemonConfigSources, o: &Origin) -> String {
        let (id, range) = o.file_range().expect("a file origin");
        let f = src.sources.get(id).expect("file");
        let lc = f.line_col(range.start);
        format!("{}:{}:{} {}", f.path, lc.line, lc.column, f.slice(range))
    }

    const UNIT: &str = "[Service]\nType=notify\nExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock\n";
    const OVERRIDE: &str = "[Service]\nExecStart=\nExecStart=/usr/bin/dockerd -H fd:// --icc=true \\\n  --insecure-registry r:5000\n";

    #[test]
    fn process_flags_written_in_the_unit_point_at_the_unit() {
        let f = Fake::new();
        f.file("/lib/systemd/system/docker.service", UNIT);
        f.file(
            "/etc/systemd/system/docker.service.d/override.conf",
            OVERRIDE,
        );
        f.process(
            "42",
            "/usr/bin/dockerd\0-H\0fd://\0--icc=true\0--insecure-registry\0r:5000\0",
        );
        let (spec, src) = f.run(Some("/var/run/docker.sock"));
        assert_eq!(src.flags_from, FlagsSource::Process { pid: 42 });
        assert!(src.unknown.is_none() && src.unit_errors.is_empty());
        let icc = spec.icc.expect("icc");
        assert!(icc.value);
        assert_eq!(
            at(&src, &icc.origin),
            "/etc/systemd/system/docker.service.d/override.conf:3:37 --icc=true"
        );
        assert_eq!(
            at(&src, &spec.insecure_registries[0].origin),
            "/etc/systemd/system/docker.service.d/override.conf:4:3 --insecure-registry r:5000"
        );
        assert_eq!(
            at(&src, &spec.hosts[0].origin),
            "/etc/systemd/system/docker.service.d/override.conf:3:28 -H fd://"
        );
        // The unit wrote the whole command line: absent settings go there.
        assert_eq!(
            at(&src, &spec.origin),
            "/etc/systemd/system/docker.service.d/override.conf:3:11 /usr/bin/dockerd"
        );
        assert_eq!(
            src.config_file,
            Some((PathBuf::from("/etc/docker/daemon.json"), false))
        );
    }

    #[test]
    fn process_flags_not_in_the_unit_keep_the_command_line_origin() {
        let f = Fake::new();
        f.file("/lib/systemd/system/docker.service", UNIT);
        // Started by hand with another value and an extra flag.
        f.process(
            "42",
            "/usr/bin/dockerd\0-H\0fd://\0--containerd=/other.sock\0--live-restore\0",
        );
        let (spec, src) = f.run(Some("/var/run/docker.sock"));
        let lr = spec.live_restore.expect("live-restore");
        assert_eq!(lr.origin, Origin::api("dockerd --live-restore"));
        assert!(spec.hosts[0].origin.is_file());
        assert_eq!(spec.origin, Origin::api("/proc/42/cmdline"));
        assert_eq!(src.flags_from, FlagsSource::Process { pid: 42 });
    }

    #[test]
    fn without_a_process_the_unit_gives_the_flags_and_config_file() {
        let f = Fake::new();
        f.file(
            "/lib/systemd/system/docker.service",
            "[Service]\nEnvironmentFile=-/etc/default/docker\nExecStart=/usr/bin/dockerd $DOCKER_OPTS --config-file=/srv/d.json\n",
        );
        f.file(
            "/etc/default/docker",
            "DOCKER_OPTS=\"--icc=false --userns-remap=default\"\n",
        );
        f.file("/srv/d.json", "{\"live-restore\": true}\n");
        let (spec, src) = f.run(Some("/run/docker.sock"));
        assert!(src.unknown.is_none(), "{:?}", src.unknown);
        assert!(src.process.is_none());
        assert_eq!(
            src.flags_from,
            FlagsSource::Unit {
                file: PathBuf::from("/lib/systemd/system/docker.service")
            }
        );
        assert!(
            src.flags_from
                .describe()
                .contains("no dockerd process visible")
        );
        let icc = spec.icc.expect("icc");
        assert!(!icc.value);
        assert_eq!(
            at(&src, &icc.origin),
            "/lib/systemd/system/docker.service:3:28 $DOCKER_OPTS"
        );
        assert_eq!(spec.userns_remap.map(|v| v.value), Some("default".into()));
        assert_eq!(src.config_file, Some((PathBuf::from("/srv/d.json"), true)));
        assert_eq!(spec.live_restore.map(|v| v.value), Some(true));
        // daemon.json exists: absent settings go there.
        assert!(at(&src, &spec.origin).starts_with("/srv/d.json:1:1"));
    }

    #[test]
    fn without_a_process_a_unit_for_another_socket_or_a_remote_daemon_is_unknown() {
        let f = Fake::new();
        f.file(
            "/lib/systemd/system/docker.service",
            "[Service]\nExecStart=/usr/bin/dockerd -H unix:///srv/other.sock --icc=false\n",
        );
        let (spec, src) = f.run(Some("/var/run/docker.sock"));
        assert!(spec.icc.is_none());
        assert!(
            src.unknown
                .expect("unknown")
                .contains("does not listen there")
        );
        assert_eq!(src.flags_from, FlagsSource::Unknown);
        // The socket it names is served.
        let (spec, src) = f.run(Some("/srv/other.sock"));
        assert_eq!(spec.icc.map(|v| v.value), Some(false));
        assert!(src.unknown.is_none());
        // TCP: no socket, no unit.
        let (spec, src) = f.run(None);
        assert!(spec.icc.is_none());
        assert!(src.unknown.expect("unknown").contains("no dockerd process"));
        // No unit at all: today's behaviour.
        let g = Fake::new();
        let (_, src) = g.run(Some("/var/run/docker.sock"));
        assert!(src.unknown.expect("unknown").contains("no dockerd process"));
        assert!(src.sources.is_empty());
    }

    #[test]
    fn fd_hosts_are_docker_socket_listen_stream() {
        let f = Fake::new();
        f.file("/lib/systemd/system/docker.service", UNIT);
        f.file(
            "/lib/systemd/system/docker.socket",
            "[Socket]\nListenStream=/srv/d.sock\n",
        );
        let (_, src) = f.run(Some("/var/run/docker.sock"));
        assert_eq!(src.flags_from, FlagsSource::Unknown);
        let (spec, src) = f.run(Some("/srv/d.sock"));
        assert!(matches!(src.flags_from, FlagsSource::Unit { .. }));
        assert_eq!(spec.hosts.len(), 1);
    }

    #[test]
    fn unreadable_drop_in_is_reported() {
        let f = Fake::new();
        f.file("/lib/systemd/system/docker.service", UNIT);
        std::fs::create_dir_all(
            f.root
                .path()
                .join("etc/systemd/system/docker.service.d/x.conf"),
        )
        .expect("mkdir");
        f.process("5", "/usr/bin/dockerd\0-H\0fd://\0");
        let (_, src) = f.run(Some("/var/run/docker.sock"));
        assert_eq!(src.unit_errors.len(), 1, "{:?}", src.unit_errors);
        assert!(src.unit_errors[0].contains("x.conf"));
    }
}
