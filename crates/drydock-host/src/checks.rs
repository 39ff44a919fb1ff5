//! Evaluation of every check against a host tree.

use std::fmt::Write as _;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::HostOptions;
use crate::audit_rules::{self, FsRule, RuleForm};
use crate::auditctl::{self, LoadedRules};
use crate::catalog::{AuditObject, CheckDef, CheckKind, FileObject, Ownership};
use crate::hostfs::{self, Group, HostFs, Resolved, User};
use crate::mode;
use crate::model::{CheckResult, ResultOrigin, Status, Target};
use crate::mountinfo;

/// Where systemd looks for system units, in priority order.
pub const UNIT_DIRS: [&str; 5] = [
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
];

const BIN_DIRS: [&str; 3] = ["/usr/bin", "/usr/local/bin", "/usr/sbin"];
const DEFAULT_DOCKER_SOCKET: &str = "/var/run/docker.sock";
const DEFAULT_DAEMON_JSON: &str = "/etc/docker/daemon.json";
const AUDIT_RULES_D: &str = "/etc/audit/rules.d";
const AUDIT_RULES: &str = "/etc/audit/audit.rules";

/// The outcome of locating a file on the host.
#[derive(Debug, Clone)]
enum Located {
    /// Found: the path asked for and what it resolves to.
    Found(PathBuf, Box<Resolved>),
    /// Not there: why the check does not apply.
    Missing(String),
    /// Cannot tell.
    Error(String),
    /// There, but not the kind of object the check is about (a directory
    /// or a dangling symlink where a file is configured): the check fails.
    Invalid(String, PathBuf),
}

fn locate(fs: &HostFs, path: &Path) -> Located {
    match fs.resolve(path) {
        Ok(r) => Located::Found(path.to_path_buf(), Box::new(r)),
        Err(e) if hostfs::is_not_found(&e) => {
            Located::Missing(format!("{} does not exist", path.display()))
        }
        Err(e) => Located::Error(format!("cannot stat {}: {e}", path.display())),
    }
}

/// The first of `name` in the usual binary directories.
fn locate_binary(fs: &HostFs, name: &str) -> Located {
    for dir in BIN_DIRS {
        match locate(fs, &Path::new(dir).join(name)) {
            Located::Missing(_) => continue,
            other => return other,
        }
    }
    Located::Missing(format!(
        "{name} is not installed (not in {})",
        BIN_DIRS.join(", ")
    ))
}

/// A systemd unit file found on the unit search path.
#[derive(Debug, Clone)]
enum UnitLookup {
    Found(PathBuf, Box<Resolved>),
    Masked(PathBuf),
    Missing,
    Error(String),
}

fn find_unit(fs: &HostFs, name: &str) -> UnitLookup {
    for dir in UNIT_DIRS {
        let path = Path::new(dir).join(name);
        // Masked even when the root has no /dev/null (a bind-mounted host).
        if crate::systemd::links_to_dev_null(fs, &path) {
            return UnitLookup::Masked(path);
        }
        match fs.resolve(&path) {
            Ok(r) if r.host == Path::new("/dev/null") => return UnitLookup::Masked(path),
            Ok(r) => return UnitLookup::Found(path, Box::new(r)),
            Err(e) if hostfs::is_not_found(&e) => continue,
            Err(e) => return UnitLookup::Error(format!("cannot stat {}: {e}", path.display())),
        }
    }
    UnitLookup::Missing
}

fn unit_located(lookup: &UnitLookup, name: &str) -> Located {
    match lookup {
        UnitLookup::Found(p, r) => Located::Found(p.clone(), r.clone()),
        UnitLookup::Masked(p) => Located::Missing(format!(
            "{name} is masked ({} links to /dev/null)",
            p.display()
        )),
        UnitLookup::Missing => Located::Missing(format!(
            "no {name} unit file on the systemd unit path ({})",
            UNIT_DIRS.join(", ")
        )),
        UnitLookup::Error(e) => Located::Error(e.clone()),
    }
}

/// The first absolute `ListenStream=` of a socket unit.
pub fn listen_stream_path(unit_text: &str) -> Option<PathBuf> {
    unit_text.lines().find_map(|line| {
        let (key, value) = line.trim().split_once('=')?;
        let value = value.trim();
        (key.trim() == "ListenStream" && value.starts_with('/')).then(|| PathBuf::from(value))
    })
}

/// Where an audit rule came from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RuleSource {
    Loaded,
    File(PathBuf, u32),
}

#[derive(Debug, Clone)]
struct KnownRule {
    rule: FsRule,
    /// The rule's path with symlinks resolved inside the root (lexical if it does not exist).
    canonical: PathBuf,
    /// Does it cover everything below its path?
    recursive: bool,
    source: RuleSource,
}

#[derive(Debug)]
struct AuditRules {
    rules: Vec<KnownRule>,
    loaded: LoadedRules,
    file_errors: Vec<String>,
}

/// Shared, lazily loaded host facts: each is read once, whichever check needs it first.
pub(crate) struct Ctx<'a> {
    opts: &'a HostOptions,
    fs: HostFs,
    groups: OnceLock<Result<Vec<Group>, String>>,
    users: OnceLock<Result<Vec<User>, String>>,
    audit: OnceLock<AuditRules>,
    service_unit: OnceLock<UnitLookup>,
    socket_unit: OnceLock<UnitLookup>,
    docker_socket: OnceLock<PathBuf>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(opts: &'a HostOptions) -> Self {
        Ctx {
            opts,
            fs: HostFs::new(&opts.root),
            groups: OnceLock::new(),
            users: OnceLock::new(),
            audit: OnceLock::new(),
            service_unit: OnceLock::new(),
            socket_unit: OnceLock::new(),
            docker_socket: OnceLock::new(),
        }
    }

    fn groups(&self) -> &Result<Vec<Group>, String> {
        self.groups.get_or_init(|| {
            self.fs
                .read_to_string(Path::new("/etc/group"))
                .map(|t| hostfs::parse_group(&t))
                .map_err(|e| format!("cannot read /etc/group: {e}"))
        })
    }

    fn users(&self) -> &Result<Vec<User>, String> {
        self.users.get_or_init(|| {
            self.fs
                .read_to_string(Path::new("/etc/passwd"))
                .map(|t| hostfs::parse_passwd(&t))
                .map_err(|e| format!("cannot read /etc/passwd: {e}"))
        })
    }

    fn user_name(&self, uid: u32) -> String {
        match self.users() {
            Ok(users) => users
                .iter()
                .find(|u| u.uid == uid)
                .map_or_else(|| uid.to_string(), |u| u.name.clone()),
            Err(_) => uid.to_string(),
        }
    }

    fn group_name(&self, gid: u32) -> String {
        match self.groups() {
            Ok(groups) => groups
                .iter()
                .find(|g| g.gid == gid)
                .map_or_else(|| gid.to_string(), |g| g.name.clone()),
            Err(_) => gid.to_string(),
        }
    }

    fn service_unit(&self) -> &UnitLookup {
        self.service_unit
            .get_or_init(|| find_unit(&self.fs, "docker.service"))
    }

    fn socket_unit(&self) -> &UnitLookup {
        self.socket_unit
            .get_or_init(|| find_unit(&self.fs, "docker.socket"))
    }

    /// The Docker socket: as given, else docker.socket's ListenStream, else the default.
    fn docker_socket(&self) -> &Path {
        self.docker_socket.get_or_init(|| {
            if let Some(p) = &self.opts.docker_socket {
                return p.clone();
            }
            if let UnitLookup::Found(_, r) = self.socket_unit()
                && let Ok(text) = std::fs::read_to_string(self.fs.real(&r.host))
                && let Some(p) = listen_stream_path(&text)
            {
                return p;
            }
            PathBuf::from(DEFAULT_DOCKER_SOCKET)
        })
    }

    fn daemon_json(&self) -> PathBuf {
        self.opts
            .daemon_json
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DAEMON_JSON))
    }

    /// Was the daemon.json path given to dockerd (`--config-file`)?
    fn daemon_json_explicit(&self) -> bool {
        self.opts.daemon_json_explicit
            || self
                .opts
                .daemon_json
                .as_ref()
                .is_some_and(|p| p != Path::new(DEFAULT_DAEMON_JSON))
    }

    fn audit(&self) -> &AuditRules {
        self.audit.get_or_init(|| self.load_audit_rules())
    }

    fn known_rule(&self, rule: FsRule, source: RuleSource) -> KnownRule {
        let lexical = PathBuf::from(rule.path.trim_end_matches('/'));
        let lexical = if lexical.as_os_str().is_empty() {
            PathBuf::from("/")
        } else {
            lexical
        };
        // The kernel resolves a watch's directories but not its last
        // component: a rule on a symlink audits the link, not its target.
        let (canonical, is_dir) = match self.fs.resolve_parent(&lexical) {
            Ok(r) => (r.host, r.metadata.is_dir()),
            Err(_) => (lexical, false),
        };
        let recursive = match rule.form {
            RuleForm::Watch => is_dir,
            RuleForm::SyscallDir => true,
            RuleForm::SyscallPath => false,
        };
        KnownRule {
            rule,
            canonical,
            recursive,
            source,
        }
    }

    fn load_audit_rules(&self) -> AuditRules {
        let loaded = auditctl::loaded_rules(
            &self.opts.auditctl,
            self.fs.is_real_root(),
            self.opts.auditctl_timeout,
        );
        let mut rules = Vec::new();
        let mut file_errors = Vec::new();
        if let LoadedRules::Listed(text) = &loaded {
            for (_, rule) in audit_rules::parse_rules(text) {
                rules.push(self.known_rule(rule, RuleSource::Loaded));
            }
        }
        let mut files: Vec<PathBuf> = match self.fs.read_dir(Path::new(AUDIT_RULES_D)) {
            Ok(entries) => entries
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "rules"))
                .collect(),
            Err(e) if hostfs::is_not_found(&e) => Vec::new(),
            Err(e) => {
                file_errors.push(format!("cannot list {AUDIT_RULES_D}: {e}"));
                Vec::new()
            }
        };
        files.push(PathBuf::from(AUDIT_RULES));
        for file in files {
            match self.fs.read_to_string(&file) {
                Ok(text) => {
                    for (line, rule) in audit_rules::parse_rules(&text) {
                        rules.push(self.known_rule(rule, RuleSource::File(file.clone(), line)));
                    }
                }
                Err(e) if hostfs::is_not_found(&e) => {}
                Err(e) => file_errors.push(format!("cannot read {}: {e}", file.display())),
            }
        }
        AuditRules {
            rules,
            loaded,
            file_errors,
        }
    }
}

fn result(def: &CheckDef, ctx: &Ctx<'_>, status: Status, message: String) -> CheckResult {
    CheckResult {
        check: def.id(ctx.opts.version),
        status,
        target: Target::Host,
        message,
        evidence: None,
        origin: None,
    }
}

/// Evaluate one check.
pub(crate) fn evaluate(ctx: &Ctx<'_>, def: &CheckDef) -> CheckResult {
    match def.kind {
        CheckKind::SeparatePartition => separate_partition(ctx, def),
        CheckKind::TrustedUsers => trusted_users(ctx, def),
        CheckKind::AuditRule(obj) => audit_rule(ctx, def, obj),
        CheckKind::Owner(obj, owner) => file_check(ctx, def, obj, FileTest::Owner(owner)),
        CheckKind::Mode(obj, allowed) => file_check(ctx, def, obj, FileTest::Mode(allowed)),
        CheckKind::Manual => result(
            def,
            ctx,
            Status::Manual,
            format!("Verify manually: {}", def.remediation),
        ),
    }
}

// ---------------------------------------------------------------- 1.1.1

fn separate_partition(ctx: &Ctx<'_>, def: &CheckDef) -> CheckResult {
    let data_root = &ctx.opts.data_root;
    let resolved = match locate(&ctx.fs, data_root) {
        Located::Found(_, r) => r,
        Located::Missing(m) => {
            return result(
                def,
                ctx,
                Status::NotApplicable,
                format!("the Docker data root {m}"),
            );
        }
        Located::Error(e) | Located::Invalid(e, _) => return result(def, ctx, Status::Error, e),
    };
    let mountinfo_path = Path::new("/proc/self/mountinfo");
    let text = match ctx.fs.read_to_string(mountinfo_path) {
        Ok(t) => t,
        Err(e) => {
            return result(
                def,
                ctx,
                Status::Error,
                format!("cannot read {}: {e}", mountinfo_path.display()),
            );
        }
    };
    let mounts = mountinfo::parse(&text);
    let (Some(mount), Some(root_mount)) = (
        mountinfo::covering_mount(&mounts, &resolved.host),
        mountinfo::covering_mount(&mounts, Path::new("/")),
    ) else {
        return result(
            def,
            ctx,
            Status::Error,
            format!(
                "{} lists no mount containing {}",
                mountinfo_path.display(),
                resolved.host.display()
            ),
        );
    };
    let evidence = format!(
        "{} is on mount {} ({} {}, device {}, fs root {})",
        resolved.host.display(),
        mount.mount_point.display(),
        mount.fs_type,
        mount.source,
        mount.device,
        mount.fs_root
    );
    let origin = ResultOrigin::line(mountinfo_path, mount.line);
    let shown = data_root.display();
    if mount.mount_point == Path::new("/") {
        result(def, ctx, Status::Fail, format!("the Docker data root {shown} is on the root filesystem"))
    } else if mount.device == root_mount.device {
        result(
            def,
            ctx,
            Status::Fail,
            format!(
                "the Docker data root {shown} is mounted at {} but from the root filesystem's device {} (a bind mount, not a separate partition)",
                mount.mount_point.display(),
                mount.device
            ),
        )
    } else {
        result(
            def,
            ctx,
            Status::Pass,
            format!("the Docker data root {shown} is on its own partition mounted at {}", mount.mount_point.display()),
        )
    }
    .with_evidence(evidence)
    .with_origin(origin)
}

// ---------------------------------------------------------------- 1.1.2

fn trusted_users(ctx: &Ctx<'_>, def: &CheckDef) -> CheckResult {
    let groups = match ctx.groups() {
        Ok(g) => g,
        Err(e) => return result(def, ctx, Status::Error, e.clone()),
    };
    let Some(docker) = groups.iter().find(|g| g.name == "docker") else {
        return result(
            def,
            ctx,
            Status::NotApplicable,
            "there is no `docker` group".to_owned(),
        );
    };
    let mut members: Vec<String> = docker.members.clone();
    let mut evidence = format!(
        "group docker (gid {}): members [{}]",
        docker.gid,
        docker.members.join(", ")
    );
    match ctx.users() {
        Ok(users) => {
            let primary: Vec<&str> = users
                .iter()
                .filter(|u| u.gid == docker.gid)
                .map(|u| u.name.as_str())
                .collect();
            if !primary.is_empty() {
                let _ = write!(evidence, "; primary group of [{}]", primary.join(", "));
            }
            members.extend(primary.into_iter().map(str::to_owned));
        }
        Err(e) => {
            let _ = write!(evidence, "; primary groups unknown ({e})");
        }
    }
    members.sort();
    members.dedup();
    let origin = ResultOrigin::line("/etc/group", docker.line);
    let listed = if members.is_empty() {
        "no users".to_owned()
    } else {
        members.join(", ")
    };
    let res = match &ctx.opts.trusted_users {
        None => result(
            def,
            ctx,
            Status::Info,
            format!(
                "users who can control the Docker daemon via the `docker` group: {listed}; pass the trusted users to have them verified"
            ),
        ),
        Some(trusted) => {
            let untrusted: Vec<&str> = members
                .iter()
                .filter(|m| !trusted.iter().any(|t| t == *m))
                .map(String::as_str)
                .collect();
            if untrusted.is_empty() {
                result(
                    def,
                    ctx,
                    Status::Pass,
                    format!("every member of the `docker` group is trusted ({listed})"),
                )
            } else {
                result(
                    def,
                    ctx,
                    Status::Fail,
                    format!(
                        "untrusted users can control the Docker daemon via the `docker` group: {}",
                        untrusted.join(", ")
                    ),
                )
            }
        }
    };
    res.with_evidence(evidence).with_origin(origin)
}

// ---------------------------------------------------------------- 1.1.3–1.1.18

fn audit_object(ctx: &Ctx<'_>, obj: AuditObject) -> Located {
    let fs = &ctx.fs;
    let p = |s: &str| locate(fs, Path::new(s));
    match obj {
        AuditObject::Dockerd => match &ctx.opts.dockerd_path {
            Some(path) => locate(fs, path),
            None => locate_binary(fs, "dockerd"),
        },
        AuditObject::RunContainerd => p("/run/containerd"),
        AuditObject::DataRoot => locate(fs, &ctx.opts.data_root),
        AuditObject::EtcDocker => p("/etc/docker"),
        AuditObject::DockerServiceUnit => unit_located(ctx.service_unit(), "docker.service"),
        AuditObject::ContainerdSock => locate(fs, &ctx.opts.containerd_socket),
        AuditObject::DockerSock => locate(fs, ctx.docker_socket()),
        AuditObject::EtcDefaultDocker => p("/etc/default/docker"),
        AuditObject::DaemonJson => locate(fs, &ctx.daemon_json()),
        AuditObject::ContainerdConfig => p("/etc/containerd/config.toml"),
        AuditObject::SysconfigDocker => p("/etc/sysconfig/docker"),
        AuditObject::Containerd => locate_binary(fs, "containerd"),
        AuditObject::ContainerdShim => locate_binary(fs, "containerd-shim"),
        AuditObject::ContainerdShimRuncV1 => locate_binary(fs, "containerd-shim-runc-v1"),
        AuditObject::ContainerdShimRuncV2 => locate_binary(fs, "containerd-shim-runc-v2"),
        AuditObject::Runc => locate_binary(fs, "runc"),
    }
}

fn rule_covers(rule: &KnownRule, target: &Path) -> bool {
    rule.canonical == target || (rule.recursive && target.starts_with(&rule.canonical))
}

fn describe_rule(rule: &KnownRule) -> String {
    match &rule.source {
        RuleSource::Loaded => format!("`{}` (loaded)", rule.rule.display()),
        RuleSource::File(path, line) => {
            format!("`{}` ({}:{line})", rule.rule.display(), path.display())
        }
    }
}

fn audit_rule(ctx: &Ctx<'_>, def: &CheckDef, obj: AuditObject) -> CheckResult {
    let (asked, resolved) = match audit_object(ctx, obj) {
        Located::Found(p, r) => (p, r),
        Located::Missing(m) => return result(def, ctx, Status::NotApplicable, m),
        Located::Error(e) | Located::Invalid(e, _) => return result(def, ctx, Status::Error, e),
    };
    let audit = ctx.audit();
    let shown = if asked == resolved.host {
        asked.display().to_string()
    } else {
        format!("{} (-> {})", asked.display(), resolved.host.display())
    };
    let matching: Vec<&KnownRule> = audit
        .rules
        .iter()
        .filter(|r| r.rule.is_effective() && rule_covers(r, &resolved.host))
        .collect();
    let good = |loaded: bool| {
        matching
            .iter()
            .copied()
            .find(|r| r.rule.records_changes() && (r.source == RuleSource::Loaded) == loaded)
    };
    let in_files = good(false);
    let in_kernel = good(true);
    let mut evidence: Vec<String> = matching.iter().map(|r| describe_rule(r)).collect();
    match &audit.loaded {
        LoadedRules::Listed(_) => {}
        LoadedRules::NotAsked(why) | LoadedRules::Failed(why) => evidence.push(why.clone()),
    }
    evidence.extend(audit.file_errors.iter().cloned());
    let origin = in_files.and_then(|r| match &r.source {
        RuleSource::File(p, l) => Some(ResultOrigin::line(p, *l)),
        RuleSource::Loaded => None,
    });
    let (status, message) = match (&audit.loaded, in_files, in_kernel) {
        (LoadedRules::Listed(_), Some(_), Some(_)) => (
            Status::Pass,
            format!("{shown} is audited (rule loaded and persisted)"),
        ),
        (LoadedRules::Listed(_), Some(_), None) => (
            Status::Warn,
            format!(
                "an audit rule for {shown} is in the rules files but not loaded (run `augenrules --load`)"
            ),
        ),
        (LoadedRules::Listed(_), None, Some(_)) => (
            Status::Warn,
            format!(
                "an audit rule for {shown} is loaded but not in /etc/audit/rules.d, so it is lost on reboot"
            ),
        ),
        (LoadedRules::NotAsked(_), Some(_), _) => (
            Status::Pass,
            format!("{shown} is audited by the rules files (loaded rules not verified)"),
        ),
        (LoadedRules::Failed(why), Some(_), _) => (
            Status::Error,
            format!(
                "an audit rule for {shown} is in the rules files, but the loaded rules could not be verified: {why}"
            ),
        ),
        (_, None, None) if !audit.file_errors.is_empty() => (
            Status::Error,
            format!(
                "no audit rule found for {shown}, and some rules could not be read: {}",
                audit.file_errors.join("; ")
            ),
        ),
        (_, None, None) if !matching.is_empty() => (
            Status::Fail,
            format!(
                "the audit rules for {shown} do not record writes and attribute changes (need `-p wa` or no -p)"
            ),
        ),
        (_, None, _) => (Status::Fail, format!("{shown} is not audited")),
    };
    let mut res = result(def, ctx, status, message);
    if !evidence.is_empty() {
        res = res.with_evidence(evidence.join("; "));
    }
    if let Some(o) = origin {
        res = res.with_origin(o);
    }
    res
}

// ---------------------------------------------------------------- section 3

#[derive(Debug, Clone, Copy)]
enum FileTest {
    Owner(Ownership),
    Mode(u32),
}

/// The files a section-3 check is about.
enum Files {
    Located(Located),
    /// Every regular file below a directory (registry certificates).
    Tree(Vec<(PathBuf, Resolved)>),
}

fn tls_file(ctx: &Ctx<'_>, path: Option<&PathBuf>, flag: &str) -> Located {
    match path {
        None => Located::Missing(format!("the daemon does not use TLS (no {flag} given)")),
        Some(p) => match locate(&ctx.fs, p) {
            Located::Missing(_) => Located::Error(format!("{flag} {} does not exist", p.display())),
            other => other,
        },
    }
}

fn files_of(ctx: &Ctx<'_>, obj: FileObject) -> Files {
    let fs = &ctx.fs;
    let one = |p: &str| Files::Located(locate(fs, Path::new(p)));
    match obj {
        FileObject::DockerServiceUnit => {
            Files::Located(unit_located(ctx.service_unit(), "docker.service"))
        }
        FileObject::DockerSocketUnit => {
            Files::Located(unit_located(ctx.socket_unit(), "docker.socket"))
        }
        FileObject::EtcDocker => one("/etc/docker"),
        FileObject::RegistryCerts => registry_certs(ctx),
        FileObject::TlsCaCert => {
            Files::Located(tls_file(ctx, ctx.opts.tls.ca_cert.as_ref(), "--tlscacert"))
        }
        FileObject::TlsServerCert => Files::Located(tls_file(
            ctx,
            ctx.opts.tls.server_cert.as_ref(),
            "--tlscert",
        )),
        FileObject::TlsServerKey => {
            Files::Located(tls_file(ctx, ctx.opts.tls.server_key.as_ref(), "--tlskey"))
        }
        FileObject::DockerSock => Files::Located(locate(fs, ctx.docker_socket())),
        FileObject::DaemonJson => Files::Located(locate_daemon_json(ctx)),
        FileObject::EtcDefaultDocker => one("/etc/default/docker"),
        FileObject::SysconfigDocker => one("/etc/sysconfig/docker"),
        FileObject::ContainerdSock => Files::Located(locate(fs, &ctx.opts.containerd_socket)),
        FileObject::ContainerdConfig => one("/etc/containerd/config.toml"),
    }
}

/// The daemon.json for 3.17/3.18: a regular file, or `not_applicable` only
/// when the default path simply does not exist. A configured path
/// (`--config-file`) that is missing, and any directory, dangling symlink
/// or special file where daemon.json should be, fails: dockerd cannot load
/// it (it refuses to start, or a dangling default is silently skipped and
/// whoever can create the link's target configures the daemon), and there
/// is no file whose owner and mode could be right.
fn locate_daemon_json(ctx: &Ctx<'_>) -> Located {
    let path = ctx.daemon_json();
    let explicit = ctx.daemon_json_explicit();
    let given = if explicit {
        format!("{} (given with --config-file)", path.display())
    } else {
        path.display().to_string()
    };
    match locate(&ctx.fs, &path) {
        Located::Found(asked, r) => {
            let ft = r.metadata.file_type();
            let what = if ft.is_file() {
                return Located::Found(asked, r);
            } else if ft.is_dir() {
                "a directory"
            } else if ft.is_socket() {
                "a socket"
            } else if ft.is_fifo() {
                "a named pipe"
            } else if ft.is_block_device() || ft.is_char_device() {
                "a device"
            } else {
                "not a regular file"
            };
            let via = if r.via_symlink {
                format!(" (-> {})", r.host.display())
            } else {
                String::new()
            };
            Located::Invalid(
                format!(
                    "{given}{via} is {what}, not a file: dockerd cannot load its configuration from it"
                ),
                r.host.clone(),
            )
        }
        Located::Missing(m) => {
            // A dangling symlink: the link is there, its target is not.
            if let Ok(link) = ctx.fs.resolve_parent(&path)
                && link.metadata.file_type().is_symlink()
            {
                let target = std::fs::read_link(ctx.fs.real(&link.host))
                    .map_or_else(|_| "?".to_owned(), |t| t.display().to_string());
                return Located::Invalid(
                    format!(
                        "{given} is a dangling symlink to {target}, not a file: whoever can create {target} configures the daemon"
                    ),
                    link.host,
                );
            }
            if explicit {
                Located::Invalid(
                    format!(
                        "{given} does not exist: dockerd refuses to start without it, and whoever can create it configures the daemon"
                    ),
                    path,
                )
            } else {
                Located::Missing(m)
            }
        }
        other => other,
    }
}

fn registry_certs(ctx: &Ctx<'_>) -> Files {
    let dir = Path::new("/etc/docker/certs.d");
    match locate(&ctx.fs, dir) {
        Located::Found(_, r) if r.metadata.is_dir() => {}
        Located::Found(..) => {
            return Files::Located(Located::Error(format!(
                "{} is not a directory",
                dir.display()
            )));
        }
        other => return Files::Located(other),
    }
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    // Bound the walk: certs.d holds one directory per registry.
    let mut budget = 10_000usize;
    while let Some(d) = stack.pop() {
        let entries = match ctx.fs.read_dir(&d) {
            Ok(e) => e,
            Err(e) => {
                return Files::Located(Located::Error(format!("cannot list {}: {e}", d.display())));
            }
        };
        for entry in entries {
            budget = budget.saturating_sub(1);
            if budget == 0 {
                return Files::Located(Located::Error(format!(
                    "{} has too many entries",
                    dir.display()
                )));
            }
            match ctx.fs.resolve(&entry) {
                // A symlink to a directory is not descended into (no loops).
                Ok(r) if r.metadata.is_dir() && !r.via_symlink => stack.push(entry),
                Ok(r) if r.metadata.is_file() => out.push((entry, r)),
                Ok(_) => {}
                Err(e) if hostfs::is_not_found(&e) => {}
                Err(e) => {
                    return Files::Located(Located::Error(format!(
                        "cannot stat {}: {e}",
                        entry.display()
                    )));
                }
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Files::Tree(out)
}

/// Judge one file: `Ok((passed, what))` or an error.
fn judge(ctx: &Ctx<'_>, test: FileTest, r: &Resolved) -> Result<(bool, String), String> {
    let uid = r.metadata.uid();
    let gid = r.metadata.gid();
    match test {
        FileTest::Owner(ownership) => {
            let owner = format!("{}:{}", ctx.user_name(uid), ctx.group_name(gid));
            let ok = match ownership {
                Ownership::RootRoot => uid == 0 && gid == 0,
                Ownership::RootAnyGroup => uid == 0,
                Ownership::RootDocker => {
                    if uid != 0 {
                        false
                    } else if gid == 0 {
                        true
                    } else {
                        match ctx.groups() {
                            Ok(groups) => groups.iter().any(|g| g.name == "docker" && g.gid == gid),
                            Err(e) => return Err(e.clone()),
                        }
                    }
                }
            };
            Ok((ok, owner))
        }
        FileTest::Mode(allowed) => {
            let m = r.metadata.mode();
            let excess = mode::excess_bits(m, allowed);
            if excess == 0 {
                Ok((true, mode::format_mode(m)))
            } else {
                Ok((
                    false,
                    format!(
                        "{} (grants {} beyond {})",
                        mode::format_mode(m),
                        mode::describe_bits(excess),
                        mode::format_mode(allowed)
                    ),
                ))
            }
        }
    }
}

fn expected(test: FileTest) -> String {
    match test {
        FileTest::Owner(Ownership::RootRoot) => "owned by root:root".to_owned(),
        FileTest::Owner(Ownership::RootDocker) => "owned by root:docker".to_owned(),
        FileTest::Owner(Ownership::RootAnyGroup) => "owned by root".to_owned(),
        FileTest::Mode(allowed) => {
            format!("mode {} or more restrictive", mode::format_mode(allowed))
        }
    }
}

fn facts(ctx: &Ctx<'_>, r: &Resolved) -> String {
    let m = &r.metadata;
    let kind = if m.file_type().is_socket() {
        "socket"
    } else if m.is_dir() {
        "directory"
    } else {
        "file"
    };
    format!(
        "{kind} {}, mode {}, owner {}:{} ({}:{})",
        r.host.display(),
        mode::format_mode(m.mode()),
        ctx.user_name(m.uid()),
        ctx.group_name(m.gid()),
        m.uid(),
        m.gid()
    )
}

fn is_socket_object(obj: FileObject) -> bool {
    matches!(obj, FileObject::DockerSock | FileObject::ContainerdSock)
}

fn file_check(ctx: &Ctx<'_>, def: &CheckDef, obj: FileObject, test: FileTest) -> CheckResult {
    let want = expected(test);
    match files_of(ctx, obj) {
        Files::Located(Located::Missing(m)) => result(def, ctx, Status::NotApplicable, m),
        Files::Located(Located::Error(e)) => result(def, ctx, Status::Error, e),
        Files::Located(Located::Invalid(m, at)) => {
            result(def, ctx, Status::Fail, m).with_origin(ResultOrigin::path(&at))
        }
        Files::Located(Located::Found(asked, r)) => {
            let shown = if r.via_symlink {
                format!("{} (-> {})", asked.display(), r.host.display())
            } else {
                asked.display().to_string()
            };
            let evidence = facts(ctx, &r);
            let origin = ResultOrigin::path(&r.host);
            let res = match judge(ctx, test, &r) {
                Err(e) => result(def, ctx, Status::Error, e),
                Ok((true, _)) if is_socket_object(obj) && !r.metadata.file_type().is_socket() => {
                    result(
                        def,
                        ctx,
                        Status::Warn,
                        format!("{shown} is {want} but is not a socket"),
                    )
                }
                Ok((true, what)) => {
                    let msg = match test {
                        FileTest::Owner(_) => format!("{shown} is owned by {what}"),
                        FileTest::Mode(_) => format!("{shown} has mode {what} (allowed: {want})"),
                    };
                    result(def, ctx, Status::Pass, msg)
                }
                Ok((false, what)) => {
                    let verb = if matches!(test, FileTest::Owner(_)) {
                        "is owned by"
                    } else {
                        "has mode"
                    };
                    result(
                        def,
                        ctx,
                        Status::Fail,
                        format!("{shown} {verb} {what}; expected {want}"),
                    )
                }
            };
            res.with_evidence(evidence).with_origin(origin)
        }
        Files::Tree(files) if files.is_empty() => result(
            def,
            ctx,
            Status::NotApplicable,
            "/etc/docker/certs.d holds no certificate files".to_owned(),
        ),
        Files::Tree(files) => {
            let mut bad = Vec::new();
            let mut all = Vec::new();
            for (path, r) in &files {
                all.push(facts(ctx, r));
                match judge(ctx, test, r) {
                    Err(e) => return result(def, ctx, Status::Error, e),
                    Ok((true, _)) => {}
                    Ok((false, what)) => bad.push((path, format!("{} {what}", path.display()))),
                }
            }
            let evidence = all.join("; ");
            if bad.is_empty() {
                result(
                    def,
                    ctx,
                    Status::Pass,
                    format!("all {} registry certificate files are {want}", files.len()),
                )
                .with_evidence(evidence)
                .with_origin(ResultOrigin::path("/etc/docker/certs.d"))
            } else {
                const SHOWN: usize = 5;
                let mut listed: Vec<&str> =
                    bad.iter().take(SHOWN).map(|(_, s)| s.as_str()).collect();
                let more = bad.len().saturating_sub(SHOWN);
                let more_text = format!("and {more} more");
                if more > 0 {
                    listed.push(&more_text);
                }
                result(
                    def,
                    ctx,
                    Status::Fail,
                    format!(
                        "{} of {} registry certificate files are not {want}: {}",
                        bad.len(),
                        files.len(),
                        listed.join(", ")
                    ),
                )
                .with_evidence(evidence)
                .with_origin(ResultOrigin::path(bad[0].0))
            }
        }
    }
}
