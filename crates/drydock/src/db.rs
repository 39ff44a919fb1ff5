//! `drydock db`: the offline OSV vulnerability database.
//!
//! * `import PATH…`: OSV `all.zip` files, directories of records, single
//!   records;
//! * `update`: downloads osv.dev's per-ecosystem bulk files (or a mirror's,
//!   or given URLs) with resume, then imports them in one atomic step;
//! * `status`: sources, record counts per ecosystem, age.
//!
//! The database lives in `$XDG_CACHE_HOME/drydock/osv.db` (else
//! `~/.cache/drydock/osv.db`) unless `--db` says otherwise. An import
//! writes a new file and renames it into place under a lock: a failed
//! import or update keeps the old database.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use crate::clock::now;
use anyhow::{Context as _, anyhow};
use drydock_vulndb::store::{self, Db, ImportReport};

/// osv.dev's bucket of per-ecosystem bulk files.
pub const OSV_BASE: &str = "https://osv-vulnerabilities.storage.googleapis.com";

/// The ecosystems `update` fetches when neither `--ecosystem` nor the
/// database says which: the OS and language ecosystems the catalogue finds.
pub const DEFAULT_ECOSYSTEMS: &[&str] = &[
    "Alpine",
    "Debian",
    "Ubuntu",
    "PyPI",
    "npm",
    "Go",
    "Maven",
    "crates.io",
    "RubyGems",
    "Packagist",
    "NuGet",
];

#[derive(clap::Args, Debug)]
pub struct DbArgs {
    #[command(subcommand)]
    command: DbCommand,
    /// The database file (default: $XDG_CACHE_HOME/drydock/osv.db).
    #[arg(long, global = true, value_name = "FILE")]
    db: Option<PathBuf>,
}

#[derive(clap::Subcommand, Debug)]
enum DbCommand {
    /// Import OSV records: `all.zip` files, directories of `*.json`, single records.
    Import {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Download the OSV bulk files and import them (resumable; the old
    /// database is kept if anything fails).
    Update {
        /// An OSV ecosystem to fetch (`Debian`, `PyPI`, …); repeatable.
        /// Default: the ecosystems of the images scanned with `--vulns` and
        /// those already in the database; with neither, a standard set.
        #[arg(long = "ecosystem", value_name = "NAME")]
        ecosystems: Vec<String>,
        /// Base URL of the bulk files (`<base>/<Ecosystem>/all.zip`).
        #[arg(long, value_name = "URL", default_value = OSV_BASE)]
        base_url: String,
        /// A local mirror directory holding `<Ecosystem>/all.zip` (no network).
        #[arg(long, value_name = "DIR", conflicts_with = "base_url")]
        mirror: Option<PathBuf>,
        /// Fetch exactly these URLs or paths instead (each an `all.zip`).
        #[arg(long = "url", value_name = "URL", conflicts_with_all = ["ecosystems", "mirror"])]
        urls: Vec<String>,
        /// Seconds without progress before a download is abandoned.
        #[arg(long, default_value_t = 60, value_name = "SECS")]
        timeout: u64,
    },
    /// Show what the database holds and how old it is.
    Status {
        #[arg(long)]
        json: bool,
    },
}

/// The database path: `--db`, else the default under the cache directory.
pub fn db_path(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    match explicit {
        Some(p) => Ok(p.to_path_buf()),
        None => store::default_path()
            .ok_or_else(|| anyhow!("no cache directory: set XDG_CACHE_HOME or HOME, or pass --db")),
    }
}

/// `3 days`, `5 hours`, `12 minutes`.
pub fn age(secs: u64) -> String {
    let (n, unit) = if secs >= 2 * 86_400 {
        (secs / 86_400, "days")
    } else if secs >= 2 * 3600 {
        (secs / 3600, "hours")
    } else {
        (secs / 60, "minutes")
    };
    format!("{n} {unit}")
}

fn progress_bar(len: Option<u64>, bytes: bool) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = match len {
        Some(n) => indicatif::ProgressBar::new(n),
        None => indicatif::ProgressBar::no_length(),
    };
    let template = if bytes {
        "{spinner} {msg} {bar:30} {bytes}/{total_bytes} {bytes_per_sec}"
    } else {
        "{spinner} {msg} {bar:30} {pos}/{len} records"
    };
    pb.set_style(
        indicatif::ProgressStyle::with_template(template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(pb)
}

fn import_with_progress(db: &Path, inputs: &[PathBuf]) -> anyhow::Result<ImportReport> {
    let pb = progress_bar(None, false);
    let report = store::import(db, inputs, &|p| {
        if let Some(pb) = &pb {
            pb.set_message(format!(
                "importing {} ({}/{})",
                p.input.display(),
                p.input_index + 1,
                p.inputs
            ));
            if let Some(t) = p.total {
                pb.set_length(t);
            }
            pb.set_position(p.done);
        }
    });
    if let Some(pb) = &pb {
        pb.finish_and_clear();
    }
    Ok(report?)
}

fn print_report(report: &ImportReport) -> std::io::Result<()> {
    let mut out = anstream::stdout().lock();
    writeln!(
        out,
        "read {} records: {} new, {} replaced, {} kept (newer already stored), {} skipped; {} in the database",
        report.read,
        report.inserted,
        report.replaced,
        report.kept_newer,
        report.skipped_total(),
        report.records
    )?;
    for (reason, n) in &report.skipped {
        writeln!(out, "  skipped {n}: {reason:?}")?;
    }
    for (eco, n) in &report.unsupported_ecosystems {
        writeln!(out, "  unsupported ecosystem {eco}: {n}")?;
    }
    let mut err = anstream::stderr().lock();
    if let Some(old) = report.replaced_older_schema {
        writeln!(
            err,
            "drydock: note: the database was written by an older drydock (schema {old}); \
             it was rebuilt from these inputs only"
        )?;
    }
    for (place, why) in &report.problems {
        writeln!(err, "drydock: warning: {place}: {why}")?;
    }
    Ok(())
}

pub fn run(args: &DbArgs) -> anyhow::Result<ExitCode> {
    let db = db_path(args.db.as_deref())?;
    match &args.command {
        DbCommand::Import { paths } => {
            let report = import_with_progress(&db, paths)?;
            print_report(&report)?;
            Ok(ExitCode::SUCCESS)
        }
        DbCommand::Update {
            ecosystems,
            base_url,
            mirror,
            urls,
            timeout,
        } => update(&db, ecosystems, base_url, mirror.as_deref(), urls, *timeout),
        DbCommand::Status { json } => status(&db, *json),
    }
}

/// The sources `update` fetches: (name for messages and the download file, URL or path).
fn sources(
    db: &Path,
    ecosystems: &[String],
    base_url: &str,
    mirror: Option<&Path>,
    urls: &[String],
) -> Vec<(String, String)> {
    if !urls.is_empty() {
        return urls
            .iter()
            .enumerate()
            .map(|(i, u)| (format!("source{i}"), u.clone()))
            .collect();
    }
    let mut names: Vec<String> = ecosystems.to_vec();
    if names.is_empty() {
        // What scans needed (`drydock image --vulns` records it, even when
        // there is no database yet), and what the database already holds.
        names = store::remembered_ecosystems(db);
        if let Ok(st) = Db::open(db).and_then(|d| d.status()) {
            for e in st.per_ecosystem.keys() {
                let base = e.split(':').next().unwrap_or(e).to_string();
                if !names.contains(&base) {
                    names.push(base);
                }
            }
        }
    }
    if names.is_empty() {
        names = DEFAULT_ECOSYSTEMS.iter().map(|s| s.to_string()).collect();
    }
    names
        .into_iter()
        .map(|e| {
            let src = match mirror {
                Some(m) => m.join(&e).join("all.zip").display().to_string(),
                None => format!("{}/{e}/all.zip", base_url.trim_end_matches('/')),
            };
            (e, src)
        })
        .collect()
}

fn update(
    db: &Path,
    ecosystems: &[String],
    base_url: &str,
    mirror: Option<&Path>,
    urls: &[String],
    timeout: u64,
) -> anyhow::Result<ExitCode> {
    let downloads = db
        .parent()
        .map_or_else(|| PathBuf::from("downloads"), |p| p.join("downloads"));
    let mut fetched = Vec::new();
    let mut failed = Vec::new();
    for (name, src) in sources(db, ecosystems, base_url, mirror, urls) {
        let dest = downloads.join(format!("{}.zip", name.replace(['/', ' '], "_")));
        let pb = progress_bar(None, true);
        if let Some(pb) = &pb {
            pb.set_message(name.clone());
        }
        let got =
            crate::download::fetch(&src, &dest, Duration::from_secs(timeout), &|done, total| {
                if let Some(pb) = &pb {
                    if let Some(t) = total {
                        pb.set_length(t);
                    }
                    pb.set_position(done);
                }
            });
        if let Some(pb) = &pb {
            pb.finish_and_clear();
        }
        match got {
            Ok(f) => {
                let resumed = if f.resumed_from > 0 {
                    format!(" (resumed at {} bytes)", f.resumed_from)
                } else {
                    String::new()
                };
                writeln!(anstream::stdout(), "{name}: {} bytes{resumed}", f.bytes)?;
                fetched.push(dest);
            }
            Err(e) => {
                writeln!(anstream::stderr(), "drydock: error: {name}: {e:#}")?;
                failed.push(name);
            }
        }
    }
    if !failed.is_empty() {
        // Nothing is imported unless everything arrived: a partial update
        // would mix old and new data without saying so.
        writeln!(
            anstream::stderr(),
            "drydock: error: not updated ({} of the downloads failed: {}); the database is unchanged; run again to resume",
            failed.len(),
            failed.join(", ")
        )?;
        return Ok(ExitCode::from(2));
    }
    let report = import_with_progress(db, &fetched)
        .with_context(|| format!("importing into {}", db.display()))?;
    print_report(&report)?;
    Ok(ExitCode::SUCCESS)
}

fn status(db: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let st = match Db::open(db).and_then(|d| d.status()) {
        Ok(s) => s,
        Err(e) => {
            writeln!(
                anstream::stderr(),
                "drydock: error: {e}; create it with `drydock db update` or `drydock db import`"
            )?;
            return Ok(ExitCode::from(2));
        }
    };
    let age_secs = now().saturating_sub(st.built_at);
    if json {
        let doc = serde_json::json!({
            "path": db.display().to_string(),
            "schema": st.schema,
            "records": st.records,
            "withdrawn": st.withdrawn,
            "built_at": st.built_at,
            "age_seconds": age_secs,
            "size_bytes": st.size_bytes,
            "ecosystems": st.per_ecosystem,
            "sources": st.sources.iter().map(|s| serde_json::json!({
                "path": s.path, "imported_at": s.imported_at, "records": s.records,
            })).collect::<Vec<_>>(),
        });
        writeln!(
            anstream::stdout(),
            "{}",
            serde_json::to_string_pretty(&doc)?
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = anstream::stdout().lock();
    writeln!(out, "database: {}", db.display())?;
    writeln!(
        out,
        "{} records ({} withdrawn), {:.1} MB, built {} ago",
        st.records,
        st.withdrawn,
        st.size_bytes as f64 / 1e6,
        age(age_secs)
    )?;
    writeln!(out, "ecosystems:")?;
    for (e, n) in &st.per_ecosystem {
        writeln!(out, "  {e:<32} {n:>8}")?;
    }
    writeln!(out, "sources:")?;
    for s in &st.sources {
        writeln!(
            out,
            "  {} ({} records, imported {} ago)",
            s.path,
            s.records,
            age(now().saturating_sub(s.imported_at))
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
