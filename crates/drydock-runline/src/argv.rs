//! The docker CLI's arguments (`docker [global options] run [options]
//! IMAGE [COMMAND…]`) parsed into a [`ContainerSpec`].
//!
//! Every field keeps the origin of the exact bytes that set it: the flag
//! word for a boolean (`--privileged`), the value for the others (`root` in
//! `--user=root`, `/var/run/docker.sock` in `-v /var/run/docker.sock:/s`).
//!
//! Nothing is guessed. A value holding `$VAR`, `$(…)` or an unbalanced
//! quote leaves its field unset and is listed in [`ContainerSpec::unknown`];
//! a word that may itself be options (`$DOCKER_OPTS`, `"$@"`) is listed
//! with `hides_absence`, so that findings about absent settings are not
//! trusted for that line.

use drydock_core::spec::{
    ContainerSource, ContainerSpec, EngineClient, Healthcheck, KeyValue, Logging, Mount, MountKind,
    PortMapping, UnknownPart,
};
use drydock_core::{FileId, ImageRef, Origin, Sp, TextRange};

/// One word of a command line, as the extractors hand it over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArgWord {
    /// The word's value with quotes removed when it is static; the source
    /// text as written when it is not.
    pub text: String,
    /// `true` when `text` is exactly what the shell passes.
    pub literal: bool,
    /// The bytes of the whole word in the file.
    pub range: TextRange,
    /// When `text` is a verbatim copy of file bytes: the file offset of its
    /// first byte, so that a part of the value can be located exactly.
    pub verbatim: Option<u32>,
}

impl ArgWord {
    /// A word whose text is copied verbatim from the file at `range`.
    pub fn verbatim(text: impl Into<String>, range: TextRange) -> Self {
        ArgWord {
            text: text.into(),
            literal: true,
            range,
            verbatim: Some(range.start),
        }
    }

    pub(crate) fn origin(&self, file: FileId) -> Origin {
        Origin::file(file, self.range)
    }

    /// The origin of `text[start..end]`: exact when the text is verbatim,
    /// else the whole word.
    pub(crate) fn sub(&self, file: FileId, start: usize, end: usize) -> Origin {
        match self.verbatim {
            Some(v) if start <= end && end <= self.text.len() => {
                let at = |n: usize| v.saturating_add(u32::try_from(n).unwrap_or(u32::MAX));
                Origin::file(file, TextRange::new(at(start), at(end)))
            }
            _ => self.origin(file),
        }
    }
}

/// A `docker run` / `docker create` invocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunLine {
    /// The whole command, program through last argument.
    pub origin: Origin,
    /// `run` or `create`.
    pub subcommand: String,
    /// The container it starts. `spec.origin` covers `docker … run`.
    pub spec: ContainerSpec,
    /// The engine the client talks to: `-H`/`--host` or a `DOCKER_HOST=`
    /// assignment before the command.
    pub docker_host: Option<Sp<String>>,
    /// TLS is on for the client: `--tls`/`--tlsverify`, or a non-empty
    /// `DOCKER_TLS`/`DOCKER_TLS_VERIFY` assignment before the command.
    pub client_tls: bool,
}

/// Programs whose `run`/`create` start containers with Docker's flags.
pub fn is_docker_program(name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    matches!(base, "docker" | "podman")
}

#[derive(Clone, Copy)]
pub(crate) struct Opt {
    pub(crate) long: &'static str,
    pub(crate) short: Option<char>,
    pub(crate) takes_value: bool,
}

pub(crate) const fn v(long: &'static str, short: Option<char>) -> Opt {
    Opt {
        long,
        short,
        takes_value: true,
    }
}

pub(crate) const fn b(long: &'static str, short: Option<char>) -> Opt {
    Opt {
        long,
        short,
        takes_value: false,
    }
}

/// `docker run`'s options (Docker 27; `docker create` takes the same).
const RUN_OPTS: &[Opt] = &[
    v("add-host", None),
    v("annotation", None),
    v("attach", Some('a')),
    v("blkio-weight", None),
    v("blkio-weight-device", None),
    v("cap-add", None),
    v("cap-drop", None),
    v("cgroup-parent", None),
    v("cgroupns", None),
    v("cidfile", None),
    v("cpu-count", None),
    v("cpu-percent", None),
    v("cpu-period", None),
    v("cpu-quota", None),
    v("cpu-rt-period", None),
    v("cpu-rt-runtime", None),
    v("cpu-shares", Some('c')),
    v("cpus", None),
    v("cpuset-cpus", None),
    v("cpuset-mems", None),
    b("detach", Some('d')),
    v("detach-keys", None),
    v("device", None),
    v("device-cgroup-rule", None),
    v("device-read-bps", None),
    v("device-read-iops", None),
    v("device-write-bps", None),
    v("device-write-iops", None),
    b("disable-content-trust", None),
    v("dns", None),
    v("dns-opt", None),
    v("dns-option", None),
    v("dns-search", None),
    v("domainname", None),
    v("entrypoint", None),
    v("env", Some('e')),
    v("env-file", None),
    v("expose", None),
    v("gpus", None),
    v("group-add", None),
    v("health-cmd", None),
    v("health-interval", None),
    v("health-retries", None),
    v("health-start-interval", None),
    v("health-start-period", None),
    v("health-timeout", None),
    b("help", None),
    v("hostname", Some('h')),
    b("init", None),
    b("interactive", Some('i')),
    v("io-maxbandwidth", None),
    v("io-maxiops", None),
    v("ip", None),
    v("ip6", None),
    v("ipc", None),
    v("isolation", None),
    v("kernel-memory", None),
    v("label", Some('l')),
    v("label-file", None),
    v("link", None),
    v("link-local-ip", None),
    v("log-driver", None),
    v("log-opt", None),
    v("mac-address", None),
    v("memory", Some('m')),
    v("memory-reservation", None),
    v("memory-swap", None),
    v("memory-swappiness", None),
    v("mount", None),
    v("name", None),
    v("network", None),
    v("network-alias", None),
    b("no-healthcheck", None),
    b("oom-kill-disable", None),
    v("oom-score-adj", None),
    v("pid", None),
    v("pids-limit", None),
    v("platform", None),
    b("privileged", None),
    v("publish", Some('p')),
    b("publish-all", Some('P')),
    v("pull", None),
    b("quiet", Some('q')),
    b("read-only", None),
    b("rm", None),
    v("restart", None),
    v("runtime", None),
    v("security-opt", None),
    v("shm-size", None),
    b("sig-proxy", None),
    v("stop-signal", None),
    v("stop-timeout", None),
    v("storage-opt", None),
    v("sysctl", None),
    v("tmpfs", None),
    b("tty", Some('t')),
    v("ulimit", None),
    b("use-api-socket", None),
    v("user", Some('u')),
    v("userns", None),
    v("uts", None),
    v("volume", Some('v')),
    v("volume-driver", None),
    v("volumes-from", None),
    v("workdir", Some('w')),
];

/// The docker client's global options (before the subcommand).
const GLOBAL_OPTS: &[Opt] = &[
    v("config", None),
    v("context", Some('c')),
    b("debug", Some('D')),
    v("host", Some('H')),
    v("log-level", Some('l')),
    b("tls", None),
    v("tlscacert", None),
    v("tlscert", None),
    v("tlskey", None),
    b("tlsverify", None),
];

fn canonical(long: &str) -> &str {
    match long {
        "net" => "network",
        "net-alias" => "network-alias",
        other => other,
    }
}

pub(crate) fn find_long(table: &[Opt], long: &str) -> Option<Opt> {
    let long = canonical(long);
    table.iter().copied().find(|o| o.long == long)
}

pub(crate) fn find_short(table: &[Opt], c: char) -> Option<Opt> {
    table.iter().copied().find(|o| o.short == Some(c))
}

/// Options whose unknown value cannot set anything a rule reports as
/// absent: list entries judged one by one, names, files.
fn unknown_value_is_harmless(long: &str) -> bool {
    matches!(
        long,
        "add-host"
            | "annotation"
            | "attach"
            | "cap-add"
            | "cidfile"
            | "detach-keys"
            | "device"
            | "dns"
            | "dns-opt"
            | "dns-option"
            | "dns-search"
            | "domainname"
            | "entrypoint"
            | "env"
            | "env-file"
            | "expose"
            | "hostname"
            | "label"
            | "label-file"
            | "link"
            | "mount"
            | "name"
            | "network-alias"
            | "platform"
            | "publish"
            | "pull"
            | "stop-signal"
            | "stop-timeout"
            | "volume"
            | "volumes-from"
            | "workdir"
    )
}

/// A value handed to an option: its text and where it sits in its word.
struct Val<'a> {
    text: &'a str,
    word: &'a ArgWord,
    /// Offset of `text` in `word.text`.
    off: usize,
}

impl Val<'_> {
    fn origin(&self, file: FileId) -> Origin {
        self.word.sub(file, self.off, self.off + self.text.len())
    }

    fn sub(&self, file: FileId, start: usize, end: usize) -> Origin {
        self.word.sub(file, self.off + start, self.off + end)
    }

    fn sp(&self, file: FileId) -> Sp<String> {
        Sp::new(self.text.to_string(), self.origin(file))
    }

    fn sub_sp(&self, file: FileId, start: usize, end: usize) -> Sp<String> {
        let t = self.text.get(start..end).unwrap_or("");
        Sp::new(t.to_string(), self.sub(file, start, end))
    }
}

struct Builder {
    file: FileId,
    spec: ContainerSpec,
    health: Option<(Origin, Healthcheck)>,
    network_mode_set: bool,
    /// `-P` / `--publish-all`, where written.
    publish_all: Option<Origin>,
}

impl Builder {
    fn unknown(&mut self, origin: Origin, option: Option<&str>, hides_absence: bool) {
        self.spec.unknown.push(UnknownPart {
            origin,
            option: option.map(str::to_string),
            hides_absence,
        });
    }

    /// `--long`'s value is not known.
    fn unknown_value(&mut self, long: &str, origin: Origin) {
        let harmless = unknown_value_is_harmless(long);
        self.unknown(origin, Some(&format!("--{long}")), !harmless);
    }

    fn health(&mut self, flag: &ArgWord) -> &mut Healthcheck {
        let file = self.file;
        &mut self
            .health
            .get_or_insert_with(|| (flag.origin(file), Healthcheck::default()))
            .1
    }

    fn logging(&mut self, flag: &ArgWord) -> &mut Logging {
        let file = self.file;
        self.spec.logging.get_or_insert_with(|| Logging {
            origin: flag.origin(file),
            ..Logging::default()
        })
    }

    /// A boolean option (`--privileged`, `--read-only=false`).
    fn flag(&mut self, long: &str, flag: &ArgWord, value: Option<&Val<'_>>) {
        let file = self.file;
        let on = match value.map(|v| v.text) {
            None => true,
            Some(t) => match parse_bool(t) {
                Some(x) => x,
                None => {
                    if let Some(v) = value {
                        self.unknown_value(long, v.origin(file));
                    }
                    return;
                }
            },
        };
        let sp = Sp::new(on, flag.origin(file));
        match long {
            "privileged" => self.spec.privileged = Some(sp),
            "read-only" => self.spec.read_only = Some(sp),
            "oom-kill-disable" => self.spec.oom_kill_disable = Some(sp),
            "no-healthcheck" if on => self.health(flag).disabled = true,
            "publish-all" => self.publish_all = on.then(|| flag.origin(file)),
            _ => {}
        }
    }

    /// An option with a known value.
    fn value(&mut self, long: &str, flag: &ArgWord, val: &Val<'_>) {
        let file = self.file;
        match long {
            "cap-add" => self.spec.cap_add.push(val.sp(file)),
            "cap-drop" => {
                if self.spec.cap_drop_key.is_none() {
                    self.spec.cap_drop_key = Some(flag.origin(file));
                }
                self.spec.cap_drop.push(val.sp(file));
            }
            "security-opt" => self.spec.security_opt.push(val.sp(file)),
            "user" => self.spec.user = Some(val.sp(file)),
            "volume" => self.spec.mounts.push(short_mount(file, val)),
            "mount" => {
                if let Some(m) = long_mount(file, val) {
                    self.spec.mounts.push(m);
                } else {
                    self.unknown(val.origin(file), Some("--mount"), false);
                }
            }
            "tmpfs" => self.spec.tmpfs.push(val.sp(file)),
            "publish" => match port(file, val) {
                Some(p) => self.spec.ports.push(p),
                None => self.unknown(val.origin(file), Some("--publish"), false),
            },
            "expose" => self.spec.expose.push(val.sp(file)),
            "network" => {
                let t = val.text;
                let is_mode = matches!(t, "host" | "none" | "bridge" | "default")
                    || t.starts_with("container:");
                if is_mode && !self.network_mode_set {
                    self.spec.network_mode = Some(val.sp(file));
                    self.network_mode_set = true;
                } else {
                    self.spec.networks.push(val.sp(file));
                }
            }
            "pid" => self.spec.pid = Some(val.sp(file)),
            "ipc" => self.spec.ipc = Some(val.sp(file)),
            "uts" => self.spec.uts = Some(val.sp(file)),
            "userns" => self.spec.userns_mode = Some(val.sp(file)),
            "cgroupns" => self.spec.cgroup = Some(val.sp(file)),
            "cgroup-parent" => self.spec.cgroup_parent = Some(val.sp(file)),
            "device" => self.spec.devices.push(val.sp(file)),
            "memory" => self.spec.resources.memory = Some(val.sp(file)),
            "memory-reservation" => self.spec.resources.memory_reservation = Some(val.sp(file)),
            "memory-swap" => self.spec.resources.memswap = Some(val.sp(file)),
            "cpus" => self.spec.resources.cpus = Some(val.sp(file)),
            "cpu-shares" => self.spec.resources.cpu_shares = Some(val.sp(file)),
            "pids-limit" => match val.text.trim().parse::<i64>() {
                Ok(n) => self.spec.resources.pids = Some(Sp::new(n, val.origin(file))),
                Err(_) => self.unknown_value(long, val.origin(file)),
            },
            "oom-score-adj" => match val.text.trim().parse::<i64>() {
                Ok(n) => self.spec.oom_score_adj = Some(Sp::new(n, val.origin(file))),
                Err(_) => self.unknown_value(long, val.origin(file)),
            },
            "ulimit" => self.spec.ulimits.push(key_value(file, val)),
            "sysctl" => self.spec.sysctls.push(key_value(file, val)),
            "log-driver" => {
                let sp = val.sp(file);
                self.logging(flag).driver = Some(sp);
            }
            "log-opt" => {
                let kv = key_value(file, val);
                self.logging(flag).options.push(kv);
            }
            "restart" => self.spec.restart = Some(val.sp(file)),
            "health-cmd" => {
                let cmd = val.text.to_string();
                self.health(flag).test = vec!["CMD-SHELL".to_string(), cmd];
            }
            "health-interval" => self.health(flag).interval = Some(val.text.to_string()),
            "health-timeout" => self.health(flag).timeout = Some(val.text.to_string()),
            "health-start-period" => self.health(flag).start_period = Some(val.text.to_string()),
            "health-retries" => self.health(flag).retries = Some(val.text.to_string()),
            "env" => {
                let kv = key_value(file, val);
                if !val.text.contains('=') {
                    // `-e NAME`: the value comes from the client's environment.
                    self.unknown(val.origin(file), Some("--env"), false);
                }
                self.spec.environment.push(kv);
            }
            "env-file" => self.spec.env_files.push(val.sp(file)),
            "name" => {
                self.spec.name = val.text.to_string();
                self.spec.container_name = Some(val.sp(file));
            }
            "add-host" => self.spec.extra_hosts.push(val.sp(file)),
            "label" => self.spec.labels.push(key_value(file, val)),
            _ => {}
        }
    }

    /// An option whose value holds an expansion. An environment entry
    /// whose name is static keeps its name and its value as written (like
    /// an uninterpolated Compose value); everything else stays unset.
    fn dynamic_value(&mut self, long: &str, word: &ArgWord, off: usize) {
        let file = self.file;
        let origin = word.sub(file, off, word.text.len());
        if long == "env" || long == "label" {
            let raw = word.text.get(off..).unwrap_or("");
            let q = usize::from(raw.starts_with(['"', '\'']));
            let body = raw.get(q..).unwrap_or("");
            if let Some(eq) = body.find('=') {
                let key = &body[..eq];
                let static_key = !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
                if static_key {
                    let ks = off + q;
                    let vs = ks + eq + 1;
                    let value_text = word.text.get(vs..).unwrap_or("");
                    let value_text = value_text.strip_suffix(['"', '\'']).unwrap_or(value_text);
                    let kv = KeyValue {
                        origin: origin.clone(),
                        key: Sp::new(key.to_string(), word.sub(file, ks, ks + eq)),
                        value: Sp::new(
                            value_text.to_string(),
                            word.sub(file, vs, vs + value_text.len()),
                        ),
                    };
                    if long == "env" {
                        self.spec.environment.push(kv);
                    } else {
                        self.spec.labels.push(kv);
                    }
                }
            }
        }
        self.unknown_value(long, origin);
    }
}

pub(crate) fn parse_bool(t: &str) -> Option<bool> {
    match t.to_ascii_lowercase().as_str() {
        "true" | "1" | "t" => Some(true),
        "false" | "0" | "f" => Some(false),
        _ => None,
    }
}

fn key_value(file: FileId, val: &Val<'_>) -> KeyValue {
    let origin = val.origin(file);
    match val.text.find('=') {
        Some(p) => KeyValue {
            origin,
            key: val.sub_sp(file, 0, p),
            value: val.sub_sp(file, p + 1, val.text.len()),
        },
        None => {
            let key = val.sp(file);
            KeyValue {
                origin,
                value: Sp::new(String::new(), key.origin.clone()),
                key,
            }
        }
    }
}

/// Splits `text` on `sep`, with each part's start offset.
fn split_offsets(text: &str, sep: char) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c == sep {
            out.push((start, &text[start..i]));
            start = i + c.len_utf8();
        }
    }
    out.push((start, &text[start..]));
    out
}

const PROPAGATIONS: [&str; 6] = [
    "shared", "rshared", "slave", "rslave", "private", "rprivate",
];

/// `-v [src:]dst[:opts]`.
fn short_mount(file: FileId, val: &Val<'_>) -> Mount {
    let parts = split_offsets(val.text, ':');
    let sp = |(o, t): (usize, &str)| Sp::new(t.to_string(), val.sub(file, o, o + t.len()));
    let (source, target, opts) = match parts.as_slice() {
        [only] => (None, *only, None),
        [s, t] => (Some(*s), *t, None),
        [s, t, o, ..] => (Some(*s), *t, Some(*o)),
        [] => (None, (0, val.text), None),
    };
    let kind = match source {
        Some((_, s)) if s.starts_with(['/', '.', '~']) => MountKind::Bind,
        _ => MountKind::Volume,
    };
    let mut m = Mount {
        origin: val.origin(file),
        kind: Sp::new(kind, val.origin(file)),
        source: source.map(sp),
        target: sp(target),
        read_only: None,
        propagation: None,
        selinux: None,
        short_syntax: true,
    };
    if let Some((o, opts)) = opts {
        for (i, opt) in split_offsets(opts, ',') {
            let at = o + i;
            let origin = val.sub(file, at, at + opt.len());
            match opt {
                "ro" | "readonly" => m.read_only = Some(Sp::new(true, origin)),
                "rw" => m.read_only = Some(Sp::new(false, origin)),
                "z" | "Z" => m.selinux = Some(Sp::new(opt.to_string(), origin)),
                p if PROPAGATIONS.contains(&p) => {
                    m.propagation = Some(Sp::new(p.to_string(), origin));
                }
                _ => {}
            }
        }
    }
    m
}

/// `--mount type=bind,source=…,target=…,readonly,bind-propagation=…`.
fn long_mount(file: FileId, val: &Val<'_>) -> Option<Mount> {
    let mut kind = Sp::new(MountKind::Volume, val.origin(file));
    let mut source = None;
    let mut target = None;
    let mut read_only = None;
    let mut propagation = None;
    for (o, field) in split_offsets(val.text, ',') {
        let (k, v, vo) = match field.find('=') {
            Some(p) => (&field[..p], Some(&field[p + 1..]), o + p + 1),
            None => (field, None, o + field.len()),
        };
        let field_origin = val.sub(file, o, o + field.len());
        let value_sp = |v: &str| Sp::new(v.to_string(), val.sub(file, vo, vo + v.len()));
        match (k.trim().to_ascii_lowercase().as_str(), v) {
            ("type", Some(t)) => {
                let mk = MountKind::from_name(t)?;
                kind = Sp::new(mk, field_origin);
            }
            ("source" | "src", Some(s)) => source = Some(value_sp(s)),
            ("target" | "destination" | "dst", Some(t)) => target = Some(value_sp(t)),
            ("readonly" | "ro", None) => read_only = Some(Sp::new(true, field_origin)),
            ("readonly" | "ro", Some(b)) => {
                read_only = Some(Sp::new(parse_bool(b)?, field_origin));
            }
            ("bind-propagation", Some(p)) => propagation = Some(value_sp(p)),
            _ => {}
        }
    }
    Some(Mount {
        origin: val.origin(file),
        kind,
        source,
        target: target?,
        read_only,
        propagation,
        selinux: None,
        short_syntax: false,
    })
}

/// `-p [ip:][hostPort:]containerPort[/proto]`.
fn port(file: FileId, val: &Val<'_>) -> Option<PortMapping> {
    let text = val.text;
    let sp = |s: usize, e: usize| {
        Sp::new(
            text.get(s..e).unwrap_or("").to_string(),
            val.sub(file, s, e),
        )
    };
    let (main_end, protocol) = match text.rfind('/') {
        Some(p) => (p, Some(sp(p + 1, text.len()))),
        None => (text.len(), None),
    };
    let main = &text[..main_end];
    // A bracketed IPv6 address: `[::1]:8080:80`.
    let (host_ip, rest_start) = if main.starts_with('[') {
        let close = main.find(']')?;
        let after = close + 1;
        if main.get(after..after + 1) != Some(":") {
            return None;
        }
        (Some(sp(0, after)), after + 1)
    } else {
        (None, 0)
    };
    let rest = &main[rest_start..];
    let parts = split_offsets(rest, ':');
    let at = |(o, t): (usize, &str)| sp(rest_start + o, rest_start + o + t.len());
    let (ip, published, target) = match parts.as_slice() {
        [t] => (None, None, *t),
        [p, t] => (None, Some(*p), *t),
        [ip, p, t] => (Some(*ip), Some(*p), *t),
        _ => {
            // An unbracketed IPv6 address: the last two parts are ports.
            let n = parts.len();
            let (t, p) = (*parts.get(n - 1)?, *parts.get(n - 2)?);
            let ip_end = p.0.saturating_sub(1);
            (Some((0, rest.get(..ip_end).unwrap_or(""))), Some(p), t)
        }
    };
    if target.1.is_empty() {
        return None;
    }
    let host_ip = host_ip.or_else(|| ip.map(at));
    Some(PortMapping {
        origin: val.origin(file),
        host_ip,
        published: published.filter(|p| !p.1.is_empty()).map(at),
        target: at(target),
        protocol,
        short_syntax: true,
    })
}

/// The text of a word without a leading quote, to see how a dynamic word
/// starts.
fn unquoted_start(raw: &str) -> &str {
    raw.strip_prefix(['"', '\'']).unwrap_or(raw)
}

/// A dynamic word that starts with literal text other than `-` is an
/// operand, never an option.
pub(crate) fn certainly_operand(raw: &str) -> bool {
    unquoted_start(raw)
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | ':' | '@'))
}

/// The client part of a `docker` command: its engine and TLS, and the
/// subcommand found after the global options.
pub(crate) struct ClientPrefix {
    /// The subcommand (`run`, `create`, `exec`), without `container`.
    pub subcommand: String,
    /// The index of the first argument after the subcommand.
    pub next: usize,
    /// Where the subcommand's word ends.
    pub sub_end: u32,
    pub docker_host: Option<Sp<String>>,
    pub client_tls: bool,
    /// A client option that cannot be read may turn TLS on.
    pub opaque_client_option: bool,
}

impl ClientPrefix {
    pub(crate) fn engine(&self) -> Option<EngineClient> {
        self.docker_host.clone().map(|host| EngineClient {
            host,
            tls: (self.client_tls || !self.opaque_client_option).then_some(self.client_tls),
        })
    }
}

/// Reads the global options and assignments of a `docker` command up to its
/// subcommand (one of `subcommands`, alone or after `container`). `None`
/// when the command is another one.
pub(crate) fn client_prefix(
    file: FileId,
    args: &[ArgWord],
    assignments: &[ArgWord],
    subcommands: &[&str],
) -> Option<ClientPrefix> {
    let mut docker_host = None;
    let mut client_tls = false;
    for a in assignments {
        if let Some(v) = a.text.strip_prefix("DOCKER_HOST=")
            && a.literal
        {
            let off = a.text.len() - v.len();
            docker_host = Some(Sp::new(v.to_string(), a.sub(file, off, a.text.len())));
        }
        // The client turns TLS on for any non-empty value of either.
        for var in ["DOCKER_TLS_VERIFY=", "DOCKER_TLS="] {
            if a.text.starts_with(var) && a.text.len() > var.len() {
                client_tls = true;
            }
        }
    }

    // Global options, then the subcommand or `container <subcommand>`.
    let mut i = 0;
    // A client option that cannot be read may turn TLS on.
    let mut opaque_client_option = false;
    while let Some(w) = args.get(i) {
        if !w.literal {
            opaque_client_option = true;
            i += 1;
            continue;
        }
        let t = w.text.as_str();
        if let Some(long) = t.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (long, None),
            };
            // Boolean flags take `=false` (Go's strconv.ParseBool).
            if matches!(name, "tls" | "tlsverify")
                && !inline
                    .is_some_and(|v| matches!(v, "false" | "0" | "f" | "F" | "FALSE" | "False"))
            {
                client_tls = true;
            }
            let takes = find_long(GLOBAL_OPTS, name).is_some_and(|o| o.takes_value);
            if name == "host" {
                if let Some(v) = inline {
                    let off = t.len() - v.len();
                    docker_host = Some(Sp::new(v.to_string(), w.sub(file, off, t.len())));
                } else if let Some(n) = args.get(i + 1).filter(|n| n.literal) {
                    docker_host = Some(Sp::new(n.text.clone(), n.sub(file, 0, n.text.len())));
                }
            }
            i += if takes && inline.is_none() { 2 } else { 1 };
            continue;
        }
        if t.len() > 1 && t.starts_with('-') {
            let c = t[1..].chars().next().unwrap_or('-');
            let takes = find_short(GLOBAL_OPTS, c).is_some_and(|o| o.takes_value);
            let attached = t.len() > 1 + c.len_utf8();
            if c == 'H' {
                if attached {
                    let off = 1 + c.len_utf8();
                    docker_host = Some(Sp::new(t[off..].to_string(), w.sub(file, off, t.len())));
                } else if let Some(n) = args.get(i + 1).filter(|n| n.literal) {
                    docker_host = Some(Sp::new(n.text.clone(), n.sub(file, 0, n.text.len())));
                }
            }
            i += if takes && !attached { 2 } else { 1 };
            continue;
        }
        let (sub, at) = if t == "container" {
            let next = args.get(i + 1)?;
            if !next.literal {
                return None;
            }
            (next, i + 1)
        } else {
            (w, i)
        };
        if !subcommands.contains(&sub.text.as_str()) {
            return None;
        }
        return Some(ClientPrefix {
            subcommand: sub.text.clone(),
            next: at + 1,
            sub_end: sub.range.end,
            docker_host,
            client_tls,
            opaque_client_option,
        });
    }
    None
}

/// Parses the words after the program (`docker`, `podman`). Returns `None`
/// when they do not run or create a container.
pub fn parse_invocation(
    file: FileId,
    program: &ArgWord,
    args: &[ArgWord],
    assignments: &[ArgWord],
) -> Option<RunLine> {
    let prefix = client_prefix(file, args, assignments, &["run", "create"])?;
    let subcommand = prefix.subcommand.clone();
    let sub_end = prefix.sub_end;
    let i = prefix.next;
    let start = program.range.start;
    let spec_origin = Origin::file(file, TextRange::new(start, sub_end.max(start)));
    let end = args
        .last()
        .map_or(program.range.end, |a| a.range.end)
        .max(sub_end);
    let line_origin = Origin::file(file, TextRange::new(start, end));

    let mut bld = Builder {
        file,
        spec: ContainerSpec {
            origin: spec_origin,
            source: ContainerSource::RunLine {
                create: subcommand == "create",
            },
            name: String::new(),
            engine: prefix.engine(),
            ..ContainerSpec::default()
        },
        health: None,
        network_mode_set: false,
        publish_all: None,
    };
    let rest = args.get(i..).unwrap_or(&[]);
    parse_run_args(&mut bld, rest);

    let mut spec = bld.spec;
    if let Some(origin) = bld.publish_all {
        publish_exposed(&mut spec, &origin);
    }
    if let Some((origin, h)) = bld.health {
        spec.healthcheck = Some(Sp::new(h, origin));
    }
    if spec.name.is_empty() {
        spec.name = match &spec.image {
            Some(img) => img.value.clone(),
            None => format!(
                "{} {subcommand}",
                program.text.rsplit('/').next().unwrap_or("docker")
            ),
        };
    }
    Some(RunLine {
        origin: line_origin,
        subcommand,
        spec,
        docker_host: prefix.docker_host,
        client_tls: prefix.client_tls,
    })
}

/// `-P`: every `--expose`d port without a `-p` of its own is published on
/// a port Docker picks, on every interface. (The image's own `EXPOSE` is
/// not known from the line.)
fn publish_exposed(spec: &mut ContainerSpec, origin: &Origin) {
    let exposed: Vec<Sp<String>> = spec.expose.clone();
    for e in exposed {
        let (port, proto) = match e.value.split_once('/') {
            Some((p, x)) => (p.to_string(), x.to_ascii_lowercase()),
            None => (e.value.clone(), "tcp".to_string()),
        };
        let bound = spec.ports.iter().any(|p| {
            p.target.value == port
                && p.protocol.as_ref().map_or("tcp", |x| x.value.as_str()) == proto
        });
        if bound || drydock_core::spec::parse_port_range(&port).is_none() {
            continue;
        }
        spec.ports.push(PortMapping {
            origin: origin.clone(),
            host_ip: None,
            published: None,
            target: Sp::new(port, e.origin.clone()),
            protocol: Some(Sp::new(proto, e.origin.clone())),
            short_syntax: false,
        });
    }
}

/// What to do after a word.
enum Step {
    /// Go on with the word at this index.
    Next(usize),
    /// The options are over: the image is at this index.
    Image(usize),
    /// Nothing more can be read (the image is not known).
    Stop,
}

fn parse_run_args(bld: &mut Builder, args: &[ArgWord]) {
    let file = bld.file;
    let mut i = 0;
    let image_at = loop {
        let Some(w) = args.get(i) else {
            // Options only, no image (or it was consumed as a value).
            break None;
        };
        let step = if !w.literal {
            dynamic_word(bld, args, i)
        } else if w.text == "--" {
            Step::Image(i + 1)
        } else if let Some(long) = w.text.strip_prefix("--").filter(|l| !l.is_empty()) {
            long_option(bld, args, i, long)
        } else if w.text.len() > 1 && w.text.starts_with('-') {
            short_options(bld, args, i)
        } else {
            Step::Image(i)
        };
        match step {
            Step::Next(n) => i = n,
            Step::Image(n) => break Some(n),
            Step::Stop => return,
        }
    };
    let Some(img) = image_at.and_then(|n| args.get(n)) else {
        return;
    };
    // After a word that may be options or the image, the first operand may
    // be the container's command: the image is not known.
    let opaque_before = bld.spec.unknown.iter().any(|u| u.option.is_none());
    if img.literal && !opaque_before {
        let origin = img.sub(file, 0, img.text.len());
        bld.spec.image_ref = ImageRef::parse(&img.text);
        bld.spec.image = Some(Sp::new(img.text.clone(), origin));
    } else {
        bld.unknown(img.origin(file), Some("image"), false);
    }
}

/// The value of an option that takes one: attached (`--x=v`, `-pv`) or
/// the next word. `None` when the next word is missing.
fn long_option(bld: &mut Builder, args: &[ArgWord], i: usize, long: &str) -> Step {
    let Some(w) = args.get(i) else {
        return Step::Stop;
    };
    let (name, inline) = match long.split_once('=') {
        Some((n, v)) => (n, Some(v)),
        None => (long, None),
    };
    let Some(opt) = find_long(RUN_OPTS, name) else {
        return unknown_option(bld, args, i, name, inline.is_some());
    };
    let val_off = 2 + name.len() + 1;
    if !opt.takes_value {
        let val = inline.map(|t| Val {
            text: t,
            word: w,
            off: val_off,
        });
        bld.flag(opt.long, w, val.as_ref());
        return Step::Next(i + 1);
    }
    match inline {
        Some(t) => {
            bld.value(
                opt.long,
                w,
                &Val {
                    text: t,
                    word: w,
                    off: val_off,
                },
            );
            Step::Next(i + 1)
        }
        None => separate_value(bld, args, i, opt.long),
    }
}

/// The value of `args[i]` given as the next word.
fn separate_value(bld: &mut Builder, args: &[ArgWord], i: usize, long: &str) -> Step {
    let (Some(flag), Some(next)) = (args.get(i), args.get(i + 1)) else {
        return Step::Stop;
    };
    if next.literal {
        bld.value(
            long,
            flag,
            &Val {
                text: &next.text,
                word: next,
                off: 0,
            },
        );
    } else {
        bld.dynamic_value(long, next, 0);
    }
    Step::Next(i + 2)
}

/// `-it`, `-p80:80`, `-dp 80:80`, `-e=X=1`.
fn short_options(bld: &mut Builder, args: &[ArgWord], i: usize) -> Step {
    let Some(w) = args.get(i) else {
        return Step::Stop;
    };
    let text = w.text.as_str();
    for (pos, c) in text.char_indices().skip(1) {
        let Some(opt) = find_short(RUN_OPTS, c) else {
            let name = c.to_string();
            return unknown_option(bld, args, i, &name, false);
        };
        if !opt.takes_value {
            bld.flag(opt.long, w, None);
            continue;
        }
        let mut start = pos + c.len_utf8();
        if text[start..].starts_with('=') {
            start += 1;
        }
        if start < text.len() {
            bld.value(
                opt.long,
                w,
                &Val {
                    text: &text[start..],
                    word: w,
                    off: start,
                },
            );
            return Step::Next(i + 1);
        }
        return separate_value(bld, args, i, opt.long);
    }
    Step::Next(i + 1)
}

/// An option drydock does not know (a newer Docker's, a Podman one).
/// When it may take the next word as its value and that word could also be
/// the image, nothing after it can be read with certainty.
fn unknown_option(bld: &mut Builder, args: &[ArgWord], i: usize, name: &str, inline: bool) -> Step {
    let file = bld.file;
    let Some(w) = args.get(i) else {
        return Step::Stop;
    };
    let option = if name.chars().count() == 1 {
        format!("-{name}")
    } else {
        format!("--{name}")
    };
    if inline {
        bld.unknown(w.origin(file), Some(&option), false);
        return Step::Next(i + 1);
    }
    match args.get(i + 1) {
        None => {
            bld.unknown(w.origin(file), Some(&option), false);
            Step::Next(i + 1)
        }
        Some(n) if n.literal && n.text.starts_with('-') => {
            bld.unknown(w.origin(file), Some(&option), false);
            Step::Next(i + 1)
        }
        Some(_) => {
            // `--unknown x …`: `x` is its value or the image; what follows
            // may be options or the container's command.
            bld.unknown(w.origin(file), Some(&option), true);
            Step::Stop
        }
    }
}

/// A word holding an expansion or an unreadable quote, where an option or
/// the image is expected.
fn dynamic_word(bld: &mut Builder, args: &[ArgWord], i: usize) -> Step {
    let file = bld.file;
    let Some(w) = args.get(i) else {
        return Step::Stop;
    };
    let raw = w.text.as_str();
    let q = usize::from(raw.starts_with(['"', '\'']));
    let body = &raw[q..];
    if let Some(long) = body.strip_prefix("--") {
        let name_len = long
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(long.len());
        let name = &long[..name_len];
        let after = &long[name_len..];
        if !name.is_empty() && after.starts_with('=') {
            let off = q + 2 + name_len + 1;
            return match find_long(RUN_OPTS, name) {
                Some(o) if o.takes_value => {
                    bld.dynamic_value(o.long, w, off);
                    Step::Next(i + 1)
                }
                Some(o) => {
                    bld.unknown_value(o.long, w.sub(file, off, raw.len()));
                    Step::Next(i + 1)
                }
                None => {
                    bld.unknown(w.origin(file), Some(&format!("--{name}")), false);
                    Step::Next(i + 1)
                }
            };
        }
    } else if let Some(short) = body.strip_prefix('-')
        && let Some(c) = short.chars().next().filter(char::is_ascii_alphabetic)
        && let Some(o) = find_short(RUN_OPTS, c).filter(|o| o.takes_value)
    {
        // `-e"$X"`, `-p$PORT:80`: one option, its value dynamic.
        bld.dynamic_value(o.long, w, q + 2);
        return Step::Next(i + 1);
    }
    if certainly_operand(raw) {
        // `registry/app:$TAG`: the image, not known.
        bld.unknown(w.origin(file), Some("image"), false);
        return Step::Stop;
    }
    // `$DOCKER_OPTS`, `"$@"`: any number of options, or the image.
    bld.unknown(w.origin(file), None, true);
    match args.get(i + 1) {
        Some(n) if !n.literal || n.text.starts_with('-') => Step::Next(i + 1),
        _ => Step::Stop,
    }
}

#[cfg(test)]
mod tests;
