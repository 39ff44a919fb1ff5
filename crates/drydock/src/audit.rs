//! `drydock audit`: the CIS Docker Benchmark against a live engine. The
//! work is in `drydock-audit`; this parses flags, filters and renders.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::ValueEnum;
use drydock_audit::{AuditOptions, own_container_hints};
use drydock_core::audit::{AuditResult, Status};
use drydock_engine::{Engine, EngineAddress, FetchOptions, Timeouts, Transport};
use drydock_host::{CisVersion, HostOptions};
use drydock_report::audit::{
    AuditHeader, render_docker_bench, render_human, render_json, render_junit, render_sarif,
};

#[derive(clap::Args, Debug)]
pub struct AuditArgs {
    /// Daemon address (`unix:///var/run/docker.sock`, `tcp://host:2376`); default like the Docker CLI.
    #[arg(short = 'H', long)]
    host: Option<String>,
    /// Docker context to use.
    #[arg(long)]
    context: Option<String>,
    /// Only running containers.
    #[arg(long)]
    running_only: bool,
    /// Only these checks or sections (`5`, `5.4`, `2.2`, `CTR001`); repeatable, comma-separated.
    #[arg(long, value_delimiter = ',')]
    include: Vec<String>,
    /// Leave out these checks or sections (`5.10`, `7`, `CTR008`).
    #[arg(long, value_delimiter = ',')]
    exclude: Vec<String>,
    /// Leave out containers and images carrying this label (`key` or `key=value`).
    #[arg(long, value_delimiter = ',')]
    exclude_label: Vec<String>,
    /// Leave out containers and images by name or ID (prefix).
    #[arg(long = "exclude-target", value_delimiter = ',')]
    exclude_target: Vec<String>,
    /// Only these containers and images, by name or ID (prefix).
    #[arg(long = "target", value_delimiter = ',')]
    target: Vec<String>,
    /// Numbering of the CIS Docker Benchmark: 1.6, 1.7 or 1.8.
    #[arg(long, default_value = "1.6")]
    cis_version: CisVersion,
    /// Users allowed in the `docker` group (1.1.2).
    #[arg(long, value_delimiter = ',')]
    trusted_users: Option<Vec<String>>,
    /// API calls at once.
    #[arg(long, default_value_t = 16)]
    jobs: usize,
    /// Seconds for each API call.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
    #[arg(long, value_enum, default_value_t = AuditFormat::Human)]
    format: AuditFormat,
    /// Write the report to this file.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Exit 1 when a result reaches this status: fail, error, warn, or never.
    #[arg(long, default_value = "fail")]
    fail_on: FailOn,
    /// Human output: also list passes, manual and not-applicable results.
    #[arg(short, long)]
    verbose: bool,
    /// Host root for the file checks (sections 1 and 3).
    #[arg(long, default_value = "/", hide = true)]
    root: PathBuf,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum AuditFormat {
    Human,
    Json,
    Junit,
    Sarif,
    DockerBench,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum FailOn {
    Fail,
    Error,
    Warn,
    Never,
}

/// Whether a result is selected by `--include`/`--exclude`: a section
/// (`5`), a check or its prefix group (`5.4`, `1.1`), or a rule (`CTR001`).
fn matches(sel: &str, r: &AuditResult) -> bool {
    let sel = sel.trim();
    if sel.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) && !sel.starts_with("drydock") {
        return r.rules.iter().any(|x| x.eq_ignore_ascii_case(sel));
    }
    r.check == sel || r.check.starts_with(&format!("{sel}."))
}

fn selected(args: &AuditArgs, r: &AuditResult) -> bool {
    (args.include.is_empty() || args.include.iter().any(|s| matches(s, r)))
        && !args.exclude.iter().any(|s| matches(s, r))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

pub fn run(args: &AuditArgs) -> anyhow::Result<ExitCode> {
    let start = now();
    let env = |k: &str| std::env::var(k).ok();
    let address = match EngineAddress::resolve(args.host.as_deref(), args.context.as_deref(), &env)
    {
        Ok(a) => a,
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "drydock: error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let socket = match &address.transport {
        Transport::Unix(p) => Some(p.clone()),
        Transport::Tcp { .. } => None,
    };
    let timeouts = Timeouts {
        connect: Duration::from_secs(args.timeout.clamp(1, 5)),
        call: Duration::from_secs(args.timeout.max(1)),
    };
    let fetch = FetchOptions {
        running_only: args.running_only,
        jobs: args.jobs.max(1),
        ..FetchOptions::default()
    };
    let opts = AuditOptions {
        version: args.cis_version,
        host: HostOptions {
            root: args.root.clone(),
            trusted_users: args.trusted_users.clone(),
            ..HostOptions::default()
        },
        host_checks: true,
        proc_root: args.root.join("proc"),
        socket,
        content_trust: std::env::var("DOCKER_CONTENT_TRUST").ok(),
        exclude_targets: args.exclude_target.clone(),
        only_targets: args.target.clone(),
        exclude_labels: args.exclude_label.clone(),
        own_container_hints: own_container_hints(),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let audit = rt.block_on(async {
        let engine = Engine::connect(&address, timeouts).await?;
        drydock_audit::audit(&engine, fetch, &opts).await
    });
    let audit = match audit {
        Ok(a) => a,
        Err(e) => {
            let _ = writeln!(
                anstream::stderr(),
                "drydock: error: cannot audit {address}: {e}"
            );
            return Ok(ExitCode::from(2));
        }
    };
    let results: Vec<AuditResult> = audit
        .results
        .into_iter()
        .filter(|r| selected(args, r))
        .collect();
    let header = AuditHeader {
        address: audit.daemon.address,
        api_version: audit.daemon.api_version,
        server_version: audit.daemon.server_version,
        cis_version: args.cis_version.to_string(),
        start,
        end: now(),
    };
    let text = match args.format {
        AuditFormat::Human => render_human(&header, &results, args.verbose),
        AuditFormat::Json => render_json(&header, &results),
        AuditFormat::Junit => render_junit(&results),
        AuditFormat::Sarif => render_sarif(&header, &results),
        AuditFormat::DockerBench => render_docker_bench(&header, &results),
    };
    match &args.output {
        Some(path) => std::fs::write(path, text)?,
        None => anstream::stdout().lock().write_all(text.as_bytes())?,
    }
    let threshold = match args.fail_on {
        FailOn::Fail => Some(Status::Fail.severity()),
        FailOn::Error => Some(Status::Error.severity()),
        FailOn::Warn => Some(Status::Warn.severity()),
        FailOn::Never => None,
    };
    let failed = threshold.is_some_and(|t| results.iter().any(|r| r.status.severity() >= t));
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
