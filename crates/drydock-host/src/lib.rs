//! Host-side checks of the CIS Docker Benchmark: section 1 (host
//! configuration: data-root partition, `docker` group, audit rules,
//! general hardening) and section 3 (ownership and permission bits of the
//! daemon's files), evaluated from files — correctly and fast.
//!
//! # Model
//!
//! * [`catalog`] declares every check once ([`CheckDef`]): its CIS id in
//!   v1.6, v1.7 and v1.8 numbering (sections 1 and 3 keep their ids; only
//!   1.1.9's title changes in 1.7), title, level, CIS assessment status per
//!   version, whether drydock evaluates it or reports it as `manual`,
//!   rationale, remediation, and the Docker Bench for Security function it
//!   corresponds to. Two extension checks (`drydock-host-1/2`) cover
//!   containerd's `config.toml`, which CIS only audits.
//! * [`run_host_checks`] evaluates them in parallel (rayon) against a host
//!   tree under [`HostOptions::root`] (default `/`) and returns one
//!   [`CheckResult`] per check, in catalog order. Every file is read below
//!   the root, symlinks are resolved inside it, and nothing is written.
//!   Facts shared by several checks (`/etc/group`, `/etc/passwd`, the audit
//!   rules, unit lookups) are read once.
//! * A [`CheckResult`] has a [`Status`]: `Pass`/`Fail`/`Warn`/`Info`,
//!   `Manual` (not automatable, guidance in the message),
//!   `NotApplicable` (the object does not exist on this host), `Skipped`,
//!   or `Error` (an unreadable file or failed command, with the reason —
//!   never a silent pass). `evidence` holds the observed facts (mode,
//!   owner, matching audit rules) and `origin` the file (and line) they
//!   came from, as a host path without the root prefix.
//!
//! [`systemd`] reads a service's effective configuration (unit file,
//! drop-ins, environment, expanded `ExecStart=` with the file and byte
//! range of every argument); drydock-audit uses it for dockerd's flags.
//!
//! Inputs that come from the daemon later (data root from `docker info`,
//! TLS files and `--config-file` from the daemon's flags, the socket from
//! `-H`) are parameters of [`HostOptions`].
//!
//! Deliberate differences from Docker Bench for Security: permission bits
//! are compared as bits (`mode & !allowed == 0`), so 0600 passes "644 or
//! more restrictive" and 0607 or 04644 fail; audit rules are parsed (both
//! `auditctl -l` and `/etc/audit/rules.d/*.rules` + `audit.rules`),
//! matched by whole path (after symlink resolution; recursive directory
//! rules cover their contents) and must record writes and attribute
//! changes; objects that do not exist are `not_applicable`, not a pass or
//! an info (but a daemon.json that is a directory, a dangling symlink or
//! another non-regular file, or a `--config-file` that is missing, fails
//! 3.17/3.18: there is no file whose owner and mode could be right);
//! 1.1.9 audits the socket (`ListenStream`) as the CIS text says;
//! 3.14 accepts modes stricter than 0400; systemd units are located on
//! systemd's own search path without running `systemctl` (it cannot be
//! pointed at another root, costs a fork per unit, and is absent in
//! containers).

pub mod audit_rules;
pub mod auditctl;
pub mod catalog;
mod checks;
pub mod hostfs;
pub mod mode;
mod model;
pub mod mountinfo;
pub mod systemd;

use std::path::PathBuf;
use std::time::Duration;

use rayon::prelude::*;

pub use auditctl::AuditctlMode;
pub use catalog::{CheckDef, CisVersion};
pub use checks::{UNIT_DIRS, listen_stream_path};
pub use model::{CheckResult, ResultOrigin, Status, Target};

/// Paths of the daemon's TLS files (`--tlscacert`, `--tlscert`, `--tlskey`
/// or their daemon.json keys). `None`: the daemon does not use that file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsPaths {
    pub ca_cert: Option<PathBuf>,
    pub server_cert: Option<PathBuf>,
    pub server_key: Option<PathBuf>,
}

/// What to audit and how. Paths are host paths, resolved below `root`.
#[derive(Debug, Clone)]
pub struct HostOptions {
    /// The host's root directory (default `/`).
    pub root: PathBuf,
    /// Benchmark numbering for result ids.
    pub version: CisVersion,
    /// The Docker data root (`docker info` `DockerRootDir`; default `/var/lib/docker`).
    pub data_root: PathBuf,
    /// Users allowed in the `docker` group; `None`: 1.1.2 only lists them.
    pub trusted_users: Option<Vec<String>>,
    pub tls: TlsPaths,
    /// The dockerd binary; default: the first of /usr/bin, /usr/local/bin, /usr/sbin.
    pub dockerd_path: Option<PathBuf>,
    /// The daemon.json in use (`--config-file`); default `/etc/docker/daemon.json`.
    pub daemon_json: Option<PathBuf>,
    /// `daemon_json` was given to dockerd explicitly (`--config-file`), so
    /// the daemon needs it to exist. A `daemon_json` other than the default
    /// path is always explicit.
    pub daemon_json_explicit: bool,
    /// The daemon's unix socket; default: docker.socket's `ListenStream`, else `/var/run/docker.sock`.
    pub docker_socket: Option<PathBuf>,
    /// containerd's socket (default `/run/containerd/containerd.sock`).
    pub containerd_socket: PathBuf,
    pub auditctl: AuditctlMode,
    pub auditctl_timeout: Duration,
    /// Also run the checks that extend the benchmark (containerd config.toml).
    pub extensions: bool,
}

impl Default for HostOptions {
    fn default() -> Self {
        HostOptions {
            root: PathBuf::from("/"),
            version: CisVersion::default(),
            data_root: PathBuf::from("/var/lib/docker"),
            trusted_users: None,
            tls: TlsPaths::default(),
            dockerd_path: None,
            daemon_json: None,
            daemon_json_explicit: false,
            docker_socket: None,
            containerd_socket: PathBuf::from("/run/containerd/containerd.sock"),
            auditctl: AuditctlMode::Auto,
            auditctl_timeout: Duration::from_secs(2),
            extensions: true,
        }
    }
}

/// The checks that [`run_host_checks`] evaluates with these options.
pub fn selected_checks(opts: &HostOptions) -> Vec<&'static CheckDef> {
    if opts.extensions {
        catalog::all_checks().collect()
    } else {
        catalog::CHECKS.iter().collect()
    }
}

/// Evaluate every host check; one result per check, in catalog order.
pub fn run_host_checks(opts: &HostOptions) -> Vec<CheckResult> {
    let ctx = checks::Ctx::new(opts);
    selected_checks(opts)
        .par_iter()
        .map(|def| checks::evaluate(&ctx, def))
        .collect()
}

/// Evaluate only the checks whose id (in `opts.version` numbering) is listed.
pub fn run_selected(opts: &HostOptions, ids: &[&str]) -> Vec<CheckResult> {
    let ctx = checks::Ctx::new(opts);
    selected_checks(opts)
        .into_iter()
        .filter(|d| ids.contains(&d.id(opts.version)))
        .collect::<Vec<_>>()
        .par_iter()
        .map(|def| checks::evaluate(&ctx, def))
        .collect()
}
