//! The `drydock` command line.

use std::io::Write as _;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

mod audit;
mod clock;
mod db;
mod download;
mod files;
mod guard;
mod image;
mod image_source;
mod sbom;
mod scan;
mod settings;

/// mimalloc rather than the system allocator: the vulnerability matcher and
/// the package catalogue allocate many small strings (measured in
/// `bench/vulndb.sh`: judging took a quarter less time).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Finds, explains and fixes Docker security problems.
#[derive(Parser, Debug)]
#[command(name = "drydock", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Scan Dockerfiles, Compose files and daemon.json files (directories are walked).
    Scan(scan::ScanArgs),
    /// List every rule.
    Rules(RulesArgs),
    /// Audit a live Docker host against the CIS Docker Benchmark.
    Audit(Box<audit::AuditArgs>),
    /// Check a built image: configuration, history, files, secrets, packages.
    Image(Box<image::ImageArgs>),
    /// Write the software bill of materials of an image (CycloneDX or SPDX JSON).
    Sbom(sbom::SbomArgs),
    /// Manage the offline vulnerability database (OSV): import, update, status.
    Db(db::DbArgs),
    /// Guard the daemon: an authorization plugin that enforces the same rules.
    Guard(guard::GuardArgs),
    /// Explain one rule: what it finds, why it matters, how to fix it.
    Explain {
        /// Rule ID (`IMG002`) or name (`last-user-root`).
        rule: String,
    },
}

#[derive(clap::Args, Debug)]
struct RulesArgs {
    #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
    format: RulesFormat,
    /// Write the Markdown rule documentation into this directory instead.
    #[arg(long, value_name = "DIR")]
    write_docs: Option<std::path::PathBuf>,
    /// Write the concern-coverage page (`docs/coverage.md`) to this file instead.
    #[arg(long, value_name = "FILE")]
    write_coverage: Option<std::path::PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum RulesFormat {
    Table,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => scan::run(&args),
        Command::Rules(args) => rules(&args),
        Command::Audit(args) => audit::run(&args),
        Command::Image(args) => image::run(&args),
        Command::Sbom(args) => sbom::run(&args),
        Command::Db(args) => db::run(&args),
        Command::Guard(args) => guard::run(&args),
        Command::Explain { rule } => explain(&rule),
    };
    match result {
        Ok(code) => code,
        // `drydock rules | head`: the reader went away; nothing to report.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "drydock: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn rules(args: &RulesArgs) -> anyhow::Result<ExitCode> {
    if let Some(dir) = &args.write_docs {
        std::fs::create_dir_all(dir)?;
        for (name, content) in drydock_rules::docs::all_pages() {
            std::fs::write(dir.join(name), content)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(file) = &args.write_coverage {
        std::fs::write(file, drydock_rules::coverage::coverage_page())?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = anstream::stdout().lock();
    match args.format {
        RulesFormat::Json => {
            let list: Vec<serde_json::Value> = drydock_rules::all_rules()
                .map(|r| {
                    let m = r.meta();
                    serde_json::json!({
                        "id": m.id,
                        "name": m.name,
                        "title": m.title,
                        "severity": m.severity.as_str(),
                        "category": m.category.as_str(),
                        "references": m.references,
                        "fix": m.fix.as_str(),
                        "default_enabled": m.default_enabled,
                        "summary": drydock_core::rule::clean_docs(m.summary()),
                    })
                })
                .collect();
            writeln!(out, "{}", serde_json::to_string_pretty(&list)?)?;
        }
        RulesFormat::Table => {
            writeln!(
                out,
                "{:<7} {:<36} {:<9} {:<14} {:<7} TITLE",
                "ID", "NAME", "SEVERITY", "CATEGORY", "FIX"
            )?;
            for r in drydock_rules::all_rules() {
                let m = r.meta();
                writeln!(
                    out,
                    "{:<7} {:<36} {:<9} {:<14} {:<7} {}",
                    m.id,
                    m.name,
                    m.severity.as_str(),
                    m.category.as_str(),
                    m.fix.as_str(),
                    if m.default_enabled {
                        m.title.to_string()
                    } else {
                        format!("{} (off by default)", m.title)
                    }
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn explain(id: &str) -> anyhow::Result<ExitCode> {
    let Some(rule) = drydock_rules::find_rule(id) else {
        let _ = writeln!(
            anstream::stderr(),
            "drydock: error: no rule `{id}` (see `drydock rules`)"
        );
        return Ok(ExitCode::from(2));
    };
    let page = drydock_rules::docs::rule_page(rule.meta());
    writeln!(anstream::stdout(), "{page}")?;
    Ok(ExitCode::SUCCESS)
}
