//! `drydock audit`: the CIS Docker Benchmark on a live host. Given an
//! engine [`Snapshot`] (read once with [`drydock_engine::Engine::snapshot`])
//! and [`AuditOptions`], [`audit_snapshot`] produces one [`AuditResult`] per
//! check and target: section 1 and 3 from `drydock-host` (with the data
//! root, socket, TLS files and daemon.json of the audited daemon), section 2
//! from the DMN rules over the daemon's effective configuration (`/info`
//! merged with its daemon.json and command line, see [`dockerd`]), section 4
//! per image, section 5 per container (CTR rules; sshd from `top`; 5.23 and
//! 5.24 from the exec sessions the daemon still lists, see
//! [`audit_snapshot_with`]), section
//! 6 from counts, section 7 from the Swarm objects. A check whose inputs
//! could not be read is `warn`/`error` with the reason, never a pass;
//! checks that cannot be automated are `manual` with guidance.

pub mod dockerd;
pub mod table;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use drydock_core::audit::{AuditResult, Status, Target};
use drydock_core::spec::{ContainerSpec, DaemonSpec, ExecSpec, ImageSpec};
use drydock_core::{FileKind, Finding, Origin, SourceFile, SourceMap};
use drydock_engine::convert::{container_spec, daemon_spec, image_spec};
use drydock_engine::exec::ContainerExecs;
use drydock_engine::{Engine, EngineError, FetchOptions, Snapshot};
use drydock_host::{CisVersion, HostOptions, TlsPaths};
use drydock_rules::{Checker, Settings, find_rule};
use rayon::prelude::*;

use table::{Check, How, Input};

/// What to audit.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    pub version: CisVersion,
    /// Host checks (sections 1 and 3); `root`, `trusted_users`, … are used,
    /// the data root, socket, TLS paths and daemon.json are filled in from
    /// the daemon.
    pub host: HostOptions,
    /// Run sections 1 and 3.
    pub host_checks: bool,
    /// Where to look for the dockerd process (`/proc`).
    pub proc_root: PathBuf,
    /// The daemon's unix socket (host path), when connected over one.
    pub socket: Option<PathBuf>,
    /// `DOCKER_CONTENT_TRUST` of the auditing environment (4.5).
    pub content_trust: Option<String>,
    /// Containers and images to leave out: name, ID or ID prefix.
    pub exclude_targets: Vec<String>,
    /// Only these containers and images (name, ID or ID prefix), if any.
    pub only_targets: Vec<String>,
    /// Containers and images carrying one of these labels (`key` or
    /// `key=value`) are left out.
    pub exclude_labels: Vec<String>,
    /// Container IDs that are drydock's own (left out).
    pub own_container_hints: Vec<String>,
    /// The daemon runs on another machine (TCP to a non-loopback address):
    /// its files, process and daemon.json cannot be read from here, so the
    /// host checks and the daemon checks that need them are `skipped`
    /// (with this text, the address) instead of judging this machine.
    pub remote: Option<String>,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            version: CisVersion::default(),
            host: HostOptions::default(),
            host_checks: true,
            proc_root: PathBuf::from("/proc"),
            socket: None,
            content_trust: None,
            exclude_targets: Vec::new(),
            only_targets: Vec::new(),
            exclude_labels: Vec::new(),
            own_container_hints: Vec::new(),
            remote: None,
        }
    }
}

/// The text of `/proc/self/cgroup`, `/proc/self/mountinfo` and the
/// hostname: a container ID appearing there is drydock's own container.
pub fn own_container_hints() -> Vec<String> {
    ["/proc/self/cgroup", "/proc/self/mountinfo", "/etc/hostname"]
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect()
}

fn is_own(id: &str, hints: &[String]) -> bool {
    id.len() >= 12
        && hints.iter().any(|h| {
            h.contains(id)
                || h.lines()
                    .any(|l| l.trim().len() == 12 && id.starts_with(l.trim()))
        })
}

/// The daemon an audit talked to.
#[derive(Debug, Clone, Default)]
pub struct DaemonDescription {
    pub address: String,
    pub api_version: String,
    pub server_version: String,
}

/// A finished audit.
#[derive(Debug, Clone)]
pub struct Audit {
    pub daemon: DaemonDescription,
    pub results: Vec<AuditResult>,
}

/// Reads the engine once and audits it.
pub async fn audit(
    engine: &Engine,
    fetch: FetchOptions,
    opts: &AuditOptions,
) -> Result<Audit, EngineError> {
    audit_observed(engine, fetch, opts, &|_| {}).await
}

/// [`audit`], reporting the progress of the reads (for a progress bar).
pub async fn audit_observed(
    engine: &Engine,
    fetch: FetchOptions,
    opts: &AuditOptions,
    progress: &(dyn Fn(drydock_engine::Progress) + Sync),
) -> Result<Audit, EngineError> {
    let snap = engine.snapshot_observed(fetch, progress).await?;
    let execs = match &snap.containers {
        Ok(cs) => engine.exec_instances(cs, fetch.jobs, progress).await,
        Err(_) => BTreeMap::new(),
    };
    let results = audit_snapshot_with(&snap, Some(&execs), opts);
    Ok(Audit {
        daemon: DaemonDescription {
            address: engine.address().to_string(),
            api_version: engine.api_version().to_string(),
            server_version: snap.version.version.clone().unwrap_or_default(),
        },
        results,
    })
}

fn cis_ref(id: &str) -> String {
    format!("cis-docker-1.6:{id}")
}

fn section_of(id: &str) -> String {
    id.split('.').next().unwrap_or(id).to_string()
}

struct Ctx<'a> {
    opts: &'a AuditOptions,
    settings: Settings,
    sources: SourceMap,
}

impl Ctx<'_> {
    fn result(
        &self,
        check: &Check,
        target: Target,
        status: Status,
        message: String,
    ) -> AuditResult {
        let id = table::renumber(check.id, self.opts.version);
        AuditResult {
            section: section_of(&id),
            check: id,
            title: check.title.to_string(),
            rules: Vec::new(),
            references: vec![cis_ref(check.id)],
            scored: check.scored,
            status,
            target,
            message,
            evidence: None,
            origin: None,
        }
    }

    fn origin(&self, o: &Origin) -> Option<String> {
        match o {
            Origin::Api(p) if p.starts_with("dockerd ") || p.starts_with('/') => Some(p.clone()),
            Origin::Api(p) => Some(format!("api:{p}")),
            Origin::File { file, range } => {
                let f = self.sources.get(*file)?;
                let lc = f.line_col(range.start);
                Some(format!("{}:{}:{}", f.path, lc.line, lc.column))
            }
            Origin::Implicit => None,
        }
    }

    /// Runs the check's rules on one target and turns their findings into
    /// one result.
    fn by_rules(
        &self,
        check: &Check,
        target: Target,
        rules: &[(&str, Option<&str>)],
        run: &dyn Fn(&dyn drydock_rules::Rule, &mut Checker<'_>),
        keep: &dyn Fn(&Finding) -> bool,
    ) -> AuditResult {
        self.by_rules_in(
            &self.sources,
            &|o| self.origin(o),
            check,
            target,
            rules,
            run,
            keep,
        )
    }

    /// [`Ctx::by_rules`] over other sources (an image's history document),
    /// with their own way of naming an origin.
    #[allow(clippy::too_many_arguments)]
    fn by_rules_in(
        &self,
        sources: &SourceMap,
        origin_of: &dyn Fn(&Origin) -> Option<String>,
        check: &Check,
        target: Target,
        rules: &[(&str, Option<&str>)],
        run: &dyn Fn(&dyn drydock_rules::Rule, &mut Checker<'_>),
        keep: &dyn Fn(&Finding) -> bool,
    ) -> AuditResult {
        let mut findings = Vec::new();
        let mut ids = Vec::new();
        let mut refs = vec![cis_ref(check.id)];
        for (id, filter) in rules {
            let Some(rule) = find_rule(id) else {
                continue;
            };
            ids.push((*id).to_string());
            for r in rule.meta().references {
                if !refs.iter().any(|x| x == r) {
                    refs.push((*r).to_string());
                }
            }
            let mut cx = Checker::new(rule.meta(), &self.settings, sources);
            run(rule, &mut cx);
            findings.extend(
                cx.into_findings()
                    .into_iter()
                    .filter(|f| filter.is_none_or(|s| f.message.contains(s)) && keep(f)),
            );
        }
        let mut r = if findings.is_empty() {
            self.result(
                check,
                target,
                Status::Pass,
                format!("{}: no finding", check.title),
            )
        } else {
            // The same finding in several places (a build arg recorded by
            // every RUN of the history) is said once.
            let mut msgs: Vec<&str> = Vec::new();
            for f in &findings {
                if !msgs.contains(&f.message.as_str()) {
                    msgs.push(&f.message);
                }
            }
            let msg = msgs.join("; ");
            let mut r = self.result(check, target, Status::Fail, msg);
            r.origin = origin_of(&findings[0].origin);
            r.rules = findings.iter().map(|f| f.rule.id.to_string()).collect();
            r.rules.dedup();
            r
        };
        if r.rules.is_empty() {
            r.rules = ids;
        }
        r.references = refs;
        r
    }
}

/// Audits an already fetched snapshot. The exec sessions of containers are
/// not part of a snapshot: 5.23 and 5.24 are `manual` (see
/// [`audit_snapshot_with`]).
pub fn audit_snapshot(snap: &Snapshot, opts: &AuditOptions) -> Vec<AuditResult> {
    audit_snapshot_with(snap, None, opts)
}

/// Audits an already fetched snapshot, with the exec instances its
/// containers list (read with
/// [`Engine::exec_instances`](drydock_engine::Engine::exec_instances), by
/// container ID): 5.23 and 5.24 are judged per container by the exec rules
/// (CTR033, CTR034). `None`: they were not read, and those checks are
/// `manual`.
pub fn audit_snapshot_with(
    snap: &Snapshot,
    execs: Option<&BTreeMap<String, ContainerExecs>>,
    opts: &AuditOptions,
) -> Vec<AuditResult> {
    let info = snap.info.as_ref().ok();
    let base = info.map(daemon_spec).unwrap_or_default();
    let (daemon, src) = match &opts.remote {
        Some(addr) => (
            base,
            dockerd::DaemonConfigSources {
                unknown: Some(format!(
                    "the daemon at {addr} runs on another machine: its command line and daemon.json cannot be read from here (run `drydock audit` on that host)"
                )),
                ..Default::default()
            },
        ),
        None => dockerd::effective_daemon(
            base,
            &opts.proc_root,
            &opts.host.root,
            opts.socket.as_deref(),
        ),
    };
    // The audited engine's own sockets: mounting one exposes the API
    // whatever it is called (CTR002, CIS 5.32).
    let mut engine_sockets: Vec<String> = opts
        .socket
        .iter()
        .map(|s| s.display().to_string())
        .collect();
    if let Some(p) = &src.process {
        engine_sockets.extend(
            dockerd::hosts_of(&p.args)
                .iter()
                .filter_map(|h| h.strip_prefix("unix://"))
                .map(str::to_string),
        );
    }
    let cx = Ctx {
        opts,
        settings: Settings {
            engine_sockets,
            ..Settings::default()
        },
        sources: src.sources.clone(),
    };
    let mut out = Vec::new();
    if let Some(addr) = &opts.remote {
        out.extend(remote_host_results(opts, addr));
    } else if opts.host_checks {
        out.extend(host_results(snap, opts, &daemon, &src));
    }
    out.extend(daemon_results(&cx, snap, &daemon, &src));

    let containers: Vec<_> = match &snap.containers {
        Ok(cs) => cs
            .iter()
            .filter(|t| {
                keep_target(
                    opts,
                    &t.id,
                    &t.name,
                    t.result
                        .as_ref()
                        .ok()
                        .and_then(|c| c.config.as_ref())
                        .and_then(|c| c.labels.as_ref()),
                )
            })
            .collect(),
        Err(e) => {
            out.push(error_result("5", "container list", e));
            Vec::new()
        }
    };
    let images: Vec<_> = snap
        .images
        .values()
        .filter(|t| {
            keep_target(
                opts,
                &t.id,
                &t.name,
                t.result
                    .as_ref()
                    .ok()
                    .and_then(|i| i.config.as_ref())
                    .and_then(|c| c.labels.as_ref()),
            )
        })
        .collect();
    if let Some(e) = &snap.image_list_error {
        out.push(error_result("4", "image list", e));
    }

    // Section 4.
    let ct = opts.content_trust.as_deref().unwrap_or("");
    let check45 = IMAGES_45;
    out.push(if ct == "1" {
        cx.result(&check45, Target::Host, Status::Pass, "DOCKER_CONTENT_TRUST=1 in the auditing environment".into())
    } else {
        cx.result(&check45, Target::Host, Status::Fail, format!("DOCKER_CONTENT_TRUST is {} in the auditing environment; set it to 1 so that only signed images are pulled", if ct.is_empty() { "not set".to_string() } else { format!("`{ct}`") }))
    });
    let image_specs: Vec<(Target, Result<ImageSpec, String>, Option<&HistoryResult>)> = images
        .iter()
        .map(|t| {
            let target = Target::Image {
                id: t.id.clone(),
                name: (t.name != t.id).then(|| t.name.clone()),
            };
            (
                target,
                t.result.as_ref().map(image_spec).map_err(|e| e.to_string()),
                snap.history.get(&t.id),
            )
        })
        .collect();
    let image_results: Vec<Vec<AuditResult>> = image_specs
        .par_iter()
        .map(|(target, spec, history)| image_checks(&cx, target, spec, *history))
        .collect();
    out.extend(image_results.into_iter().flatten());

    // Section 5.
    let swarm_active = info
        .and_then(|i| i.swarm.as_ref())
        .and_then(|s| s.local_node_state.as_ref())
        .map(|s| s.to_string() == "active");
    out.push(match (swarm_active, &snap.info) {
        (Some(true), _) => cx.result(&CHECK_5_1, Target::Daemon, Status::Fail, "Swarm mode is active on this node; disable it unless this host is part of a swarm (`docker swarm leave`)".into()),
        (_, Ok(_)) => cx.result(&CHECK_5_1, Target::Daemon, Status::Pass, "Swarm mode is not active".into()),
        (_, Err(e)) => error_of(&cx, &CHECK_5_1, Target::Daemon, e),
    });
    let container_results: Vec<Vec<AuditResult>> = containers
        .par_iter()
        .filter(|t| !is_own(&t.id, &opts.own_container_hints))
        .map(|t| {
            let target = Target::Container {
                id: t.id.clone(),
                name: t.name.clone(),
            };
            match &t.result {
                Ok(ci) => {
                    let image = ci
                        .image
                        .as_ref()
                        .and_then(|id| snap.images.get(id))
                        .and_then(|i| i.result.as_ref().ok())
                        .map(|i| Arc::new(image_spec(i)));
                    let spec = container_spec(ci, image);
                    let exec = execs.map(|m| match m.get(&t.id) {
                        None => ExecsOf::default(),
                        Some(listed) => ExecsOf {
                            specs: listed.specs(Some(ci)),
                            errors: listed
                                .execs
                                .iter()
                                .filter_map(|(id, r)| match r {
                                    // Ended and pruned since the container was read.
                                    Err(EngineError::NotFound { .. }) | Ok(_) => None,
                                    Err(e) => Some(format!("exec `{id}`: {e}")),
                                })
                                .collect(),
                        },
                    });
                    container_checks(
                        &cx,
                        &target,
                        &spec,
                        &daemon,
                        snap.top.get(&t.id),
                        exec.as_ref(),
                    )
                }
                // Every check a container gets (4.1 and section 5).
                Err(e) => std::iter::once(&table::IMAGES[0])
                    .chain(table::CONTAINERS.iter())
                    .map(|c| error_of(&cx, c, target.clone(), e))
                    .collect(),
            }
        })
        .collect();
    out.extend(container_results.into_iter().flatten());

    // Section 6.
    out.extend(sprawl(&cx, snap));
    // Section 7.
    out.extend(swarm_results(&cx, snap, swarm_active));
    out
}

const IMAGES_45: Check = table::IMAGES[4];
const CHECK_5_1: Check = Check {
    id: "5.1",
    title: "Ensure swarm mode is not Enabled, if not needed",
    scored: true,
    how: How::Direct,
};

fn keep_target(
    opts: &AuditOptions,
    id: &str,
    name: &str,
    labels: Option<&std::collections::HashMap<String, String>>,
) -> bool {
    let hit = |p: &String| {
        p == name
            || (p.len() >= 4
                && id
                    .trim_start_matches("sha256:")
                    .starts_with(p.trim_start_matches("sha256:")))
    };
    if opts.exclude_targets.iter().any(hit) {
        return false;
    }
    if !opts.only_targets.is_empty() && !opts.only_targets.iter().any(hit) {
        return false;
    }
    if let Some(labels) = labels {
        for l in &opts.exclude_labels {
            let (k, v) = l
                .split_once('=')
                .map_or((l.as_str(), None), |(k, v)| (k, Some(v)));
            if labels
                .get(k)
                .is_some_and(|have| v.is_none_or(|v| v == have))
            {
                return false;
            }
        }
    }
    true
}

fn error_result(section: &str, what: &str, e: &EngineError) -> AuditResult {
    AuditResult {
        check: section.to_string(),
        section: section.to_string(),
        title: format!("Read the {what}"),
        rules: Vec::new(),
        references: Vec::new(),
        scored: false,
        status: Status::Error,
        target: Target::Daemon,
        message: format!("the {what} could not be read: {e}"),
        evidence: None,
        origin: None,
    }
}

fn error_of(cx: &Ctx<'_>, check: &Check, target: Target, e: &EngineError) -> AuditResult {
    cx.result(
        check,
        target,
        Status::Error,
        format!("could not be evaluated: {e}"),
    )
}

fn host_results(
    snap: &Snapshot,
    opts: &AuditOptions,
    daemon: &DaemonSpec,
    src: &dockerd::DaemonConfigSources,
) -> Vec<AuditResult> {
    let mut h = opts.host.clone();
    h.version = opts.version;
    if let Ok(info) = &snap.info
        && let Some(root) = &info.docker_root_dir
    {
        h.data_root = PathBuf::from(root);
    }
    if let Some(s) = &opts.socket {
        h.docker_socket = Some(s.clone());
    }
    if let Some((path, explicit)) = &src.config_file {
        h.daemon_json = Some(path.clone());
        h.daemon_json_explicit = *explicit;
    }
    h.tls = TlsPaths {
        ca_cert: daemon.tlscacert.as_ref().map(|s| PathBuf::from(&s.value)),
        server_cert: daemon.tlscert.as_ref().map(|s| PathBuf::from(&s.value)),
        server_key: daemon.tlskey.as_ref().map(|s| PathBuf::from(&s.value)),
    };
    drydock_host::run_host_checks(&h)
        .into_iter()
        .map(|r| from_host(r, opts.version))
        .collect()
}

/// A host check's result (sections 1 and 3) as an audit result.
fn from_host(r: drydock_core::audit::CheckResult, version: CisVersion) -> AuditResult {
    let def = drydock_host::catalog::find(r.check, version);
    // The extension checks (`drydock-host-N`) are about daemon files.
    let extension = r.check.starts_with("drydock-");
    AuditResult {
        check: r.check.to_string(),
        section: if extension {
            "3".to_string()
        } else {
            section_of(r.check)
        },
        title: def
            .map(|d| d.title(version).to_string())
            .unwrap_or_default(),
        rules: Vec::new(),
        references: if extension {
            Vec::new()
        } else {
            vec![format!("cis-docker-{version}:{}", r.check)]
        },
        scored: matches!(r.status, Status::Pass | Status::Fail | Status::Warn)
            && def.is_some_and(|d| d.evaluation == drydock_host::catalog::Evaluation::Automated),
        status: r.status,
        target: r.target,
        message: r.message,
        evidence: r.evidence,
        origin: r.origin.map(|o| o.to_string()),
    }
}

/// Sections 1 and 3 for a daemon on another machine: every check
/// `skipped`, saying why (this machine's files are not that host's).
fn remote_host_results(opts: &AuditOptions, addr: &str) -> Vec<AuditResult> {
    let h = HostOptions {
        version: opts.version,
        ..opts.host.clone()
    };
    drydock_host::selected_checks(&h)
        .into_iter()
        .map(|def| {
            from_host(
                drydock_core::audit::CheckResult {
                    check: def.id(opts.version),
                    status: Status::Skipped,
                    target: Target::Host,
                    message: format!("the daemon at {addr} runs on another machine: run `drydock audit` on that host for its files"),
                    evidence: None,
                    origin: None,
                },
                opts.version,
            )
        })
        .collect()
}

/// Where the daemon's configuration was read from (section 2's context):
/// `info`, or `warn` when part of it could not be read.
fn config_sources_result(src: &dockerd::DaemonConfigSources) -> AuditResult {
    let mut parts = vec![src.flags_from.describe()];
    match &src.config_file {
        Some((p, _)) => parts.push(format!("daemon.json: {}", p.display())),
        None => parts.push("no daemon.json".to_string()),
    }
    if let Some(u) = &src.unknown {
        parts.push(u.clone());
    }
    for e in &src.unit_errors {
        parts.push(format!("docker.service: {e}"));
    }
    AuditResult {
        check: "2".to_string(),
        section: "2".to_string(),
        title: "Read the daemon configuration".to_string(),
        rules: Vec::new(),
        references: Vec::new(),
        scored: false,
        status: if src.unit_errors.is_empty() {
            Status::Info
        } else {
            Status::Warn
        },
        target: Target::Daemon,
        message: parts.join("; "),
        evidence: None,
        origin: None,
    }
}

fn daemon_results(
    cx: &Ctx<'_>,
    snap: &Snapshot,
    daemon: &DaemonSpec,
    src: &dockerd::DaemonConfigSources,
) -> Vec<AuditResult> {
    let mut out = vec![config_sources_result(src)];
    let info = snap.info.as_ref();
    for check in table::DAEMON {
        let t = Target::Daemon;
        let r = match check.how {
            How::Rules(rules, input) => {
                let unknown = match (input, info, &src.unknown) {
                    (Input::Info, Err(e), _) => {
                        Some((Status::Error, format!("could not be evaluated: `/info` failed: {e}")))
                    }
                    (Input::Config, _, Some(why)) => Some((
                        if cx.opts.remote.is_some() { Status::Skipped } else { Status::Warn },
                        format!("not evaluated: `/info` does not show this setting and {why}"),
                    )),
                    _ => None,
                };
                match unknown {
                    Some((status, message)) => {
                        let mut r = cx.result(check, t, status, message);
                        r.rules = rules.iter().map(|(id, _)| (*id).to_string()).collect();
                        r
                    }
                    None => cx.by_rules(
                        check,
                        t,
                        rules,
                        &|rule, c| rule.check_daemon(c, daemon),
                        &|_| true,
                    ),
                }
            }
            How::Direct => match info {
                Ok(_) => match daemon.rootless.as_ref() {
                    Some(r) if r.value => cx.result(check, t, Status::Pass, "the daemon runs rootless".into()),
                    _ => cx.result(check, t, Status::Info, "the daemon runs as root (not rootless); run it rootless where the workload allows".into()),
                },
                Err(e) => error_of(cx, check, t, e),
            },
            How::Manual(g) | How::Exec(_, g) => {
                cx.result(check, t, Status::Manual, g.to_string())
            }
        };
        let mut r = r;
        // TLS for the daemon's TCP socket: without one there is nothing
        // to protect (when the listeners are known).
        if check.id == "2.7"
            && r.status == Status::Pass
            && src.unknown.is_none()
            && !daemon
                .hosts
                .iter()
                .any(|h| h.value.starts_with("tcp://") || h.value.starts_with("tls://"))
        {
            r.status = Status::NotApplicable;
            r.message = "the daemon listens on no TCP socket".into();
        }
        if check.id == "2.6"
            && r.status == Status::Pass
            && let Ok(i) = info
        {
            r.message = format!(
                "the storage driver is `{}`",
                i.driver.as_deref().unwrap_or("")
            );
            r.origin = Some("api:Info.Driver".into());
        }
        out.push(r);
        if check.id == "2.6" && cx.opts.version == CisVersion::V1_8 {
            let c = &table::DEVICEMAPPER;
            out.push(match info {
                Ok(i) => {
                    let d = i.driver.clone().unwrap_or_default();
                    let mut r = if d == "devicemapper" {
                        cx.result(
                            c,
                            Target::Daemon,
                            Status::Fail,
                            "the storage driver is devicemapper (removed in Engine 25)".into(),
                        )
                    } else {
                        cx.result(
                            c,
                            Target::Daemon,
                            Status::Pass,
                            format!("the storage driver is `{d}`"),
                        )
                    };
                    r.check = "2.7".into();
                    r.references = vec!["cis-docker-1.8:2.7".into()];
                    r.origin = Some("api:Info.Driver".into());
                    r
                }
                Err(e) => error_of(cx, c, Target::Daemon, e),
            });
        }
    }
    out
}

type HistoryResult =
    Result<Vec<drydock_engine::bollard::models::ImageHistoryResponseItem>, EngineError>;

/// An image's history as build steps, in a source map of its own, and how
/// to name a place in it (`api:/images/<id>/history[<n>].CreatedBy`, `n`
/// indexing the API's newest-first list).
struct ImageHistory {
    spec: ImageSpec,
    sources: SourceMap,
    doc: drydock_dockerfile::HistoryDocument,
    id: String,
}

impl ImageHistory {
    fn new(
        base: &ImageSpec,
        id: &str,
        items: &[drydock_engine::bollard::models::ImageHistoryResponseItem],
    ) -> Self {
        // Oldest first; the oldest `ADD … /` is the base image's root
        // filesystem, not a choice of this image's author (Docker Bench
        // leaves it out too).
        let mut created: Vec<&str> = items.iter().rev().map(|h| h.created_by.as_str()).collect();
        if let Some(first) = created.first()
            && drydock_dockerfile::history::is_rootfs_add(first)
        {
            created[0] = "";
        }
        let doc = drydock_dockerfile::HistoryDocument::new(&created);
        let mut sources = SourceMap::new();
        let file = sources.add(SourceFile::new(
            format!("api:/images/{id}/history"),
            FileKind::Dockerfile,
            doc.text.as_str(),
        ));
        let mut spec = base.clone();
        spec.steps = doc.steps(file);
        ImageHistory {
            spec,
            sources,
            doc,
            id: id.to_string(),
        }
    }

    fn origin(&self, o: &Origin) -> Option<String> {
        let Origin::File { range, .. } = o else {
            return None;
        };
        let oldest_first = self.doc.entry_at(range.start)?;
        let n = self.doc.entries.len().checked_sub(oldest_first + 1)?;
        Some(format!("api:/images/{}/history[{n}].CreatedBy", self.id))
    }
}

fn image_checks(
    cx: &Ctx<'_>,
    target: &Target,
    spec: &Result<ImageSpec, String>,
    history: Option<&HistoryResult>,
) -> Vec<AuditResult> {
    let id = target.id().unwrap_or_default().to_string();
    let hist: Option<Result<ImageHistory, String>> = match (spec, history) {
        (Ok(s), Some(Ok(items))) => Some(Ok(ImageHistory::new(s, &id, items))),
        (_, Some(Err(e))) => Some(Err(format!("the image history could not be read: {e}"))),
        _ => None,
    };
    table::IMAGES
        .iter()
        .filter(|c| c.id != "4.5")
        .map(|check| match (&check.how, spec) {
            (How::Manual(g) | How::Exec(_, g), _) => {
                cx.result(check, target.clone(), Status::Manual, (*g).to_string())
            }
            (_, Err(e)) => cx.result(
                check,
                target.clone(),
                Status::Error,
                format!("could not be evaluated: {e}"),
            ),
            (How::Rules(rules, Input::History), Ok(_)) => match &hist {
                Some(Ok(h)) => {
                    let mut r = cx.by_rules_in(
                        &h.sources,
                        &|o| h.origin(o),
                        check,
                        target.clone(),
                        rules,
                        &|rule, c| rule.check_image(c, &h.spec),
                        &|_| true,
                    );
                    let read = h.doc.entries.iter().filter(|e| e.is_some()).count();
                    if r.status == Status::Pass && read == 0 {
                        r.status = Status::Info;
                        r.message = format!(
                            "the image history ({} entr{}) records no build instruction (an imported, committed or otherwise built image): nothing to judge",
                            h.doc.entries.len(),
                            if h.doc.entries.len() == 1 { "y" } else { "ies" }
                        );
                    } else if r.status == Status::Pass {
                        r.message = format!(
                            "no finding in the {read} build instruction{} of the image history",
                            if read == 1 { "" } else { "s" }
                        );
                    }
                    r
                }
                Some(Err(e)) => cx.result(check, target.clone(), Status::Error, e.clone()),
                None => cx.result(
                    check,
                    target.clone(),
                    Status::Skipped,
                    "the image history was not read".into(),
                ),
            },
            (How::Rules(rules, _), Ok(s)) => cx.by_rules(
                check,
                target.clone(),
                rules,
                &|rule, c| rule.check_image(c, s),
                &|_| true,
            ),
            (How::Direct, Ok(_)) => cx.result(
                check,
                target.clone(),
                Status::Manual,
                "not automated".into(),
            ),
        })
        .collect()
}

/// The exec sessions a container lists, as read for 5.23 and 5.24.
#[derive(Default)]
struct ExecsOf {
    specs: Vec<ExecSpec>,
    /// Those that could not be read (other than ended and pruned).
    errors: Vec<String>,
}

fn container_checks(
    cx: &Ctx<'_>,
    target: &Target,
    spec: &ContainerSpec,
    daemon: &DaemonSpec,
    top: Option<&Result<drydock_engine::bollard::models::ContainerTopResponse, EngineError>>,
    execs: Option<&ExecsOf>,
) -> Vec<AuditResult> {
    // The daemon's `no-new-privileges` default applies to every container
    // that does not set it itself (5.26, as Docker Bench decides).
    let daemon_nnp = daemon
        .no_new_privileges
        .as_ref()
        .filter(|v| v.value)
        .filter(|_| spec.no_new_privileges().is_none());
    // The daemon adds `label=disable` itself to privileged and host-PID
    // containers: not the user's choice, not a finding of 5.3.
    let daemon_label = spec.privileged.as_ref().is_some_and(|p| p.value)
        || spec
            .pid
            .as_ref()
            .is_some_and(|p| p.value.eq_ignore_ascii_case("host"));
    // AppArmor (5.2) and SELinux (5.3) apply where the daemon has them.
    let lsm_off = |check: &str| {
        let name = match check {
            "5.2" => "apparmor",
            "5.3" => "selinux",
            _ => return None,
        };
        let opts = &daemon.security_options;
        // Known only when `/info` listed the daemon's security options.
        (!opts.is_empty()
            && opts
                .iter()
                .all(|o| !o.value.split(',').any(|p| p == format!("name={name}"))))
        .then(|| {
            format!("{name} is not enabled on this host (not in the daemon's security options)")
        })
    };
    std::iter::once(container_user(cx, target, spec))
        .chain(table::CONTAINERS.iter().map(|check| {
            if let Some(why) = lsm_off(check.id) {
                return cx.result(check, target.clone(), Status::NotApplicable, why);
            }
            match check.how {
                How::Manual(g) => cx.result(check, target.clone(), Status::Manual, g.to_string()),
                How::Rules(rules, _) => {
                    let mut r = cx.by_rules(
                        check,
                        target.clone(),
                        rules,
                        &|rule, c| rule.check_container(c, spec),
                        &|f| {
                            let added_by_daemon =
                                daemon_label && f.message.contains("SELinux label");
                            let daemon_default = daemon_nnp.is_some() && f.rule.id == "CTR006";
                            !(added_by_daemon || daemon_default)
                        },
                    );
                    if let Some(nnp) = daemon_nnp
                        && check.id == "5.26"
                        && r.status == Status::Pass
                    {
                        r.message = "the daemon's default `no-new-privileges: true` applies".into();
                        r.origin = cx.origin(&nnp.origin);
                    }
                    r
                }
                How::Direct => sshd(cx, check, target, top),
                How::Exec(rules, g) => match execs {
                    Some(e) => exec_check(cx, check, target, rules, e),
                    None => cx.result(check, target.clone(), Status::Manual, g.to_string()),
                },
            }
        }))
        .collect()
}

/// CIS 5.23 and 5.24 for a container: its exec sessions that the daemon
/// still lists, judged by the exec rules. The daemon forgets an exec some
/// time after it ends, so a pass says what was seen, not that no exec ever
/// ran.
fn exec_check(
    cx: &Ctx<'_>,
    check: &Check,
    target: &Target,
    rules: &[&str],
    execs: &ExecsOf,
) -> AuditResult {
    let pairs: Vec<(&str, Option<&str>)> = rules.iter().map(|id| (*id, None)).collect();
    let mut r = cx.by_rules(
        check,
        target.clone(),
        &pairs,
        &|rule, c| {
            for e in &execs.specs {
                rule.check_exec(c, e);
            }
        },
        &|_| true,
    );
    let caveat = "only exec sessions the daemon still lists are seen (it forgets them a while after they end): this is not proof that none ran; the daemon's audit log keeps the history";
    if r.status == Status::Pass {
        let n = execs.specs.len();
        r.message = if n == 0 {
            format!("no exec session listed by the container; {caveat}")
        } else {
            format!(
                "no finding in the {n} exec session{} the container lists; {caveat}",
                if n == 1 { "" } else { "s" }
            )
        };
        if !execs.errors.is_empty() {
            r.status = Status::Warn;
            r.message = format!(
                "{} exec session{} could not be read ({}); {}",
                execs.errors.len(),
                if execs.errors.len() == 1 { "" } else { "s" },
                execs.errors.join("; "),
                r.message
            );
        }
    }
    r
}

/// CIS 4.1 for a container (as Docker Bench judges it): the user it runs
/// as. A container's `Config.User` already holds its image's `USER` unless
/// `--user` overrode it, so an empty one means root.
fn container_user(cx: &Ctx<'_>, target: &Target, spec: &ContainerSpec) -> AuditResult {
    let check = &table::IMAGES[0];
    let user = spec.user.as_ref();
    let name = user.map_or("", |u| u.value.trim());
    let account = name.split(':').next().unwrap_or("");
    let who = format!("container `{}`", target.name().unwrap_or_default());
    let mut r = if matches!(account, "" | "0" | "root") {
        cx.result(
            check,
            target.clone(),
            Status::Fail,
            if name.is_empty() {
                format!(
                    "{who} runs as root: neither `--user` nor its image's `USER` names another user"
                )
            } else {
                format!("{who} runs as root (`{name}`)")
            },
        )
    } else {
        cx.result(
            check,
            target.clone(),
            Status::Pass,
            format!("{who} runs as `{name}`"),
        )
    };
    r.origin = Some("api:Config.User".into());
    r.rules = vec!["CTR016".into()];
    r
}

fn sshd(
    cx: &Ctx<'_>,
    check: &Check,
    target: &Target,
    top: Option<&Result<drydock_engine::bollard::models::ContainerTopResponse, EngineError>>,
) -> AuditResult {
    match top {
        None => cx.result(
            check,
            target.clone(),
            Status::NotApplicable,
            "the container is not running: no processes to read".into(),
        ),
        Some(Err(e)) => error_of(cx, check, target.clone(), e),
        Some(Ok(t)) => {
            let titles = t.titles.clone().unwrap_or_default();
            let col = titles
                .iter()
                .position(|c| c == "CMD" || c == "COMMAND")
                .unwrap_or(titles.len().saturating_sub(1));
            let hits: Vec<String> = t
                .processes
                .iter()
                .flatten()
                .filter_map(|p| p.get(col))
                .filter(|cmd| {
                    cmd.split_whitespace().next().is_some_and(|exe| {
                        std::path::Path::new(exe.trim_end_matches(':'))
                            .file_name()
                            .is_some_and(|n| n == "sshd")
                    })
                })
                .cloned()
                .collect();
            let mut r = if hits.is_empty() {
                cx.result(
                    check,
                    target.clone(),
                    Status::Pass,
                    "no sshd process in the container".into(),
                )
            } else {
                cx.result(
                    check,
                    target.clone(),
                    Status::Fail,
                    format!("sshd runs in the container: {}", hits.join(", ")),
                )
            };
            r.origin = Some(format!(
                "api:/containers/{}/top",
                target.id().unwrap_or_default()
            ));
            r
        }
    }
}

fn sprawl(cx: &Ctx<'_>, snap: &Snapshot) -> Vec<AuditResult> {
    let c61 = Check {
        id: "6.1",
        title: "Ensure that image sprawl is avoided",
        scored: false,
        how: How::Direct,
    };
    let c62 = Check {
        id: "6.2",
        title: "Ensure that container sprawl is avoided",
        scored: false,
        how: How::Direct,
    };
    let mut out = Vec::new();
    match &snap.containers {
        Ok(cs) => {
            let used: std::collections::BTreeSet<&str> = cs
                .iter()
                .filter_map(|c| c.result.as_ref().ok()?.image.as_deref())
                .collect();
            let total = snap.images.len();
            let unused = snap
                .images
                .keys()
                .filter(|k| !used.contains(k.as_str()))
                .count();
            out.push(cx.result(&c61, Target::Daemon, Status::Info, format!("{total} images, {unused} not used by any container; remove unused images (`docker image prune`)")));
            let running = cs
                .iter()
                .filter(|c| {
                    c.result
                        .as_ref()
                        .ok()
                        .and_then(|i| i.state.as_ref())
                        .and_then(|s| s.running)
                        == Some(true)
                })
                .count();
            let stopped = cs.len() - running;
            out.push(cx.result(
                &c62,
                Target::Daemon,
                Status::Info,
                format!(
                    "{} containers, {running} running, {stopped} not running{}",
                    cs.len(),
                    if stopped > 25 {
                        "; remove stopped containers (`docker container prune`)"
                    } else {
                        ""
                    }
                ),
            ));
        }
        Err(e) => {
            out.push(error_of(cx, &c61, Target::Daemon, e));
            out.push(error_of(cx, &c62, Target::Daemon, e));
        }
    }
    out
}

fn swarm_results(cx: &Ctx<'_>, snap: &Snapshot, active: Option<bool>) -> Vec<AuditResult> {
    let checks = [
        (
            "7.1",
            "Ensure that the minimum number of manager nodes have been created in a swarm",
            true,
        ),
        (
            "7.2",
            "Ensure that swarm services are bound to a specific host interface",
            true,
        ),
        (
            "7.3",
            "Ensure that all Docker swarm overlay networks are encrypted",
            true,
        ),
        (
            "7.4",
            "Ensure that Docker's secret management commands are used for managing secrets in a swarm cluster",
            false,
        ),
        (
            "7.5",
            "Ensure that swarm manager is run in auto-lock mode",
            true,
        ),
        (
            "7.6",
            "Ensure that the swarm manager auto-lock key is rotated periodically",
            false,
        ),
        (
            "7.7",
            "Ensure that node certificates are rotated as appropriate",
            false,
        ),
        (
            "7.8",
            "Ensure that CA certificates are rotated as appropriate",
            false,
        ),
        (
            "7.9",
            "Ensure that management plane traffic is separated from data plane traffic",
            false,
        ),
    ];
    checks
        .iter()
        .map(|(id, title, scored)| {
            let c = Check { id, title, scored: *scored, how: How::Direct };
            match (active, &snap.swarm) {
                (Some(true), Some(sw)) => swarm_check(cx, &c, snap, sw),
                (Some(true), None) => cx.result(&c, Target::Daemon, Status::Skipped, "Swarm is active but this node is not a manager: Swarm objects cannot be read here; audit a manager".into()),
                (_, _) if snap.info.is_err() => cx.result(&c, Target::Daemon, Status::Error, "`/info` failed: Swarm state unknown".into()),
                _ => cx.result(&c, Target::Daemon, Status::NotApplicable, "Swarm mode is not active".into()),
            }
        })
        .collect()
}

fn swarm_check(
    cx: &Ctx<'_>,
    c: &Check,
    snap: &Snapshot,
    sw: &drydock_engine::SwarmData,
) -> AuditResult {
    let t = Target::Daemon;
    match c.id {
        "7.1" => match &sw.nodes {
            Ok(nodes) => {
                let managers = nodes.iter().filter(|n| n.manager_status.is_some()).count();
                cx.result(c, t, Status::Info, format!("{managers} manager node(s) of {}; confirm the number fits the swarm's fault tolerance", nodes.len()))
            }
            Err(e) => error_of(cx, c, t, e),
        },
        "7.3" => match &snap.networks {
            Some(Ok(nets)) => {
                let plain: Vec<String> = nets
                    .iter()
                    .filter(|n| n.driver.as_deref() == Some("overlay"))
                    .filter(|n| !n.options.as_ref().is_some_and(|o| o.contains_key("encrypted")))
                    .filter_map(|n| n.name.clone())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                if plain.is_empty() {
                    cx.result(c, t, Status::Pass, "every overlay network is encrypted".into())
                } else {
                    cx.result(c, t, Status::Fail, format!("overlay networks without encryption: {}", plain.join(", ")))
                }
            }
            Some(Err(e)) => error_of(cx, c, t, e),
            None => cx.result(c, t, Status::Skipped, "networks were not read".into()),
        },
        "7.4" => match &sw.secrets {
            Ok(s) if s.is_empty() => cx.result(c, t, Status::Info, "no Swarm secrets: verify that services do not carry secrets in environment variables or images".into()),
            Ok(s) => cx.result(c, t, Status::Pass, format!("{} Swarm secret(s) in use", s.len())),
            Err(e) => error_of(cx, c, t, e),
        },
        "7.5" => match &sw.swarm {
            Ok(s) => {
                let on = s.spec.as_ref().and_then(|s| s.encryption_config.as_ref()).and_then(|e| e.auto_lock_managers) == Some(true);
                let mut r = if on {
                    cx.result(c, t, Status::Pass, "managers auto-lock".into())
                } else {
                    cx.result(c, t, Status::Fail, "managers do not auto-lock (`docker swarm update --autolock=true`)".into())
                };
                r.origin = Some("api:Swarm.Spec.EncryptionConfig.AutoLockManagers".into());
                r
            }
            Err(e) => error_of(cx, c, t, e),
        },
        _ => cx.result(c, t, Status::Manual, format!("Verify manually: {}", c.title)),
    }
}
