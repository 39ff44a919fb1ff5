//! The audit result model: what one CIS Docker Benchmark check says about
//! one target (host, daemon, container, image). Shared by the host checks,
//! the audit orchestration and the renderers. No I/O.

use std::fmt;
use std::path::PathBuf;

/// The verdict of one check on one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// The recommendation is met.
    Pass,
    /// The recommendation is not met.
    Fail,
    /// Partly met, or met in a way that needs a look (e.g. audit rule on disk but not loaded).
    Warn,
    /// Informational: nothing to judge without more input (e.g. no trusted-user list).
    Info,
    /// Cannot be automated; the check's guidance says what to verify.
    Manual,
    /// The object the check is about does not exist on this host.
    NotApplicable,
    /// Deliberately not evaluated (e.g. excluded, or input not available in this mode).
    Skipped,
    /// The check could not be evaluated: unreadable file, failed command. Never a silent pass.
    Error,
}

impl Status {
    /// Lower-case snake name used in machine output (`not_applicable`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::Info => "info",
            Status::Manual => "manual",
            Status::NotApplicable => "not_applicable",
            Status::Skipped => "skipped",
            Status::Error => "error",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a result is about. Host checks always use [`Target::Host`]; the
/// other variants exist so the audit command can share this model.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    Host,
    Daemon,
    Container { id: String, name: String },
    Image { id: String, name: Option<String> },
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Host => f.write_str("host"),
            Target::Daemon => f.write_str("daemon"),
            Target::Container { id, name } => write!(f, "container {name} ({id})"),
            Target::Image {
                id,
                name: Some(name),
            } => write!(f, "image {name} ({id})"),
            Target::Image { id, name: None } => write!(f, "image {id}"),
        }
    }
}

/// Where the evidence of a result was found: a path on the host (as seen
/// from the audited root, i.e. without the root prefix) and optionally a
/// 1-based line in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResultOrigin {
    pub path: PathBuf,
    pub line: Option<u32>,
}

impl ResultOrigin {
    pub fn path(path: impl Into<PathBuf>) -> Self {
        ResultOrigin {
            path: path.into(),
            line: None,
        }
    }

    pub fn line(path: impl Into<PathBuf>, line: u32) -> Self {
        ResultOrigin {
            path: path.into(),
            line: Some(line),
        }
    }
}

impl fmt::Display for ResultOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}", self.path.display()),
            None => write!(f, "{}", self.path.display()),
        }
    }
}

/// The outcome of one check on one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    /// CIS id in the numbering of the requested benchmark version (e.g. "3.1"),
    /// or a `drydock-…` id for checks that extend the benchmark.
    pub check: &'static str,
    pub status: Status,
    pub target: Target,
    pub message: String,
    /// Observed facts, e.g. "mode 0644, owner root:root".
    pub evidence: Option<String>,
    pub origin: Option<ResultOrigin>,
}

impl CheckResult {
    pub fn with_evidence(mut self, evidence: impl Into<String>) -> Self {
        self.evidence = Some(evidence.into());
        self
    }

    pub fn with_origin(mut self, origin: ResultOrigin) -> Self {
        self.origin = Some(origin);
        self
    }
}

impl Target {
    /// `host`, `daemon`, `container`, `image`, `swarm`.
    pub fn kind(&self) -> &'static str {
        match self {
            Target::Host => "host",
            Target::Daemon => "daemon",
            Target::Container { .. } => "container",
            Target::Image { .. } => "image",
        }
    }

    /// The object's ID (containers, images), if any.
    pub fn id(&self) -> Option<&str> {
        match self {
            Target::Container { id, .. } | Target::Image { id, .. } => Some(id),
            _ => None,
        }
    }

    /// The object's name (containers, tagged images), if any.
    pub fn name(&self) -> Option<&str> {
        match self {
            Target::Container { name, .. } => Some(name),
            Target::Image { name, .. } => name.as_deref(),
            _ => None,
        }
    }
}

impl Status {
    /// Every status, in the order of [`Status`]'s declaration.
    pub const ALL: [Status; 8] = [
        Status::Pass,
        Status::Fail,
        Status::Warn,
        Status::Info,
        Status::Manual,
        Status::NotApplicable,
        Status::Skipped,
        Status::Error,
    ];

    /// Parses [`Status::as_str`]'s names.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s.trim())
    }

    /// How bad a status is for `--fail-on`: pass/info/manual/not_applicable/
    /// skipped 0, warn 1, error 2, fail 3.
    pub fn severity(self) -> u8 {
        match self {
            Status::Fail => 3,
            Status::Error => 2,
            Status::Warn => 1,
            _ => 0,
        }
    }
}

/// One result of `drydock audit`: a check (CIS id in the selected
/// numbering) on one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditResult {
    /// CIS id in the numbering of the selected benchmark version (`5.5`).
    pub check: String,
    /// Benchmark section (`1`..`7`).
    pub section: String,
    /// The check's title.
    pub title: String,
    /// Drydock rules that decided this result (`CTR001`); empty for checks
    /// evaluated directly.
    pub rules: Vec<String>,
    /// `cis-docker-1.6:5.5`, the rules' own references, ….
    pub references: Vec<String>,
    /// Whether the check counts towards the score (Docker Bench's "scored").
    pub scored: bool,
    pub status: Status,
    pub target: Target,
    pub message: String,
    pub evidence: Option<String>,
    /// Where the deciding setting came from: `/etc/docker/daemon.json:3:5`,
    /// `api:HostConfig.Privileged`, `dockerd --icc=false`, a host path.
    pub origin: Option<String>,
}
