//! `drydock audit`: the CIS Docker Benchmark against a live engine. The
//! work is in `drydock-audit`; this parses flags, filters and renders.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::clock::now;
use clap::ValueEnum;
use drydock_audit::{AuditOptions, own_container_hints};
use drydock_core::audit::{AuditResult, Status};
use drydock_engine::{Engine, EngineAddress, FetchOptions, Progress, Timeouts, Transport};
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
    /// The TCP daemon runs on this machine (under another address than
    /// loopback): read its process, daemon.json and files here.
    #[arg(long)]
    same_host: bool,
    /// No progress bar (shown on a terminal when more than a few objects are read).
    #[arg(long)]
    no_progress: bool,
}

/// Whether `host:port` names this machine's loopback interface.
fn is_loopback(authority: &str) -> bool {
    let host = match authority.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => h,
        _ => authority,
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Objects read before a progress bar is worth showing.
const PROGRESS_MIN: u64 = 50;

/// A progress bar on standard error when it is a terminal, made visible
/// once more than [`PROGRESS_MIN`] reads are planned.
fn progress_bar(args: &AuditArgs) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if args.no_progress || !std::io::stderr().is_terminal() {
        return None;
    }
    let pb =
        indicatif::ProgressBar::with_draw_target(Some(0), indicatif::ProgressDrawTarget::hidden());
    pb.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} reading the daemon {pos}/{len} objects {elapsed}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(pb)
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
    let (socket, remote) = match &address.transport {
        Transport::Unix(p) => (Some(p.clone()), None),
        Transport::Tcp { authority, .. } => (
            None,
            (!args.same_host && !is_loopback(authority)).then(|| address.to_string()),
        ),
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
        remote,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let bar = progress_bar(args);
    let on_progress = |p: Progress| {
        let Some(pb) = &bar else { return };
        match p {
            Progress::Planned(n) => {
                pb.inc_length(n as u64);
                if pb.is_hidden() && pb.length().unwrap_or(0) > PROGRESS_MIN {
                    pb.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                }
            }
            Progress::Done => pb.inc(1),
        }
    };
    let audit = rt.block_on(async {
        let engine = Engine::connect(&address, timeouts).await?;
        drydock_audit::audit_observed(&engine, fetch, &opts, &on_progress).await
    });
    if let Some(pb) = &bar {
        pb.finish_and_clear();
    }
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

#[cfg(test)]
mod tests {
    use super::is_loopback;

    #[test]
    fn loopback_authorities() {
        for a in [
            "127.0.0.1:2376",
            "localhost:2375",
            "[::1]:2376",
            "127.1.2.3:1",
            "LOCALHOST",
        ] {
            assert!(is_loopback(a), "{a}");
        }
        for a in [
            "10.0.0.5:2376",
            "docker.example.com:2376",
            "[fe80::1]:2376",
            "0.0.0.0:2375",
        ] {
            assert!(!is_loopback(a), "{a}");
        }
    }
}
