//! `drydock image TARGET`: a built image's configuration, history and
//! filesystem judged by the rules, its package catalogue, and optionally
//! its SBOM, from one streaming read.
//!
//! TARGET is a `docker save` archive, an OCI image layout (directory or
//! tar), a root filesystem directory, or, when no such path exists, an
//! image of the local daemon (streamed through the Engine API's image
//! export, never written to disk).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use drydock_core::Severity;
use drydock_image::{Options, Platform, Progress};
use drydock_imagespec::{ImageVisitor, Wants};
use drydock_report::{Format, ImageSection, Location, RenderOptions, Report, ScanError};
use drydock_rules::Settings;
use drydock_rules::rules::secrets::image_file as secret_files;

use crate::clock::now_i64 as now;
use crate::image_source;
use crate::sbom::{SbomFormat, report_notes, sbom_text};
use crate::scan::{ColorArg, OutFormat, SeverityArg};
use crate::settings::{Overrides, Resolver};

#[derive(clap::Args, Debug)]
pub struct ImageArgs {
    /// A `docker save` archive, an OCI layout (directory or tar), a root
    /// filesystem directory, or an image of the local daemon (name or ID).
    target: String,
    /// Output format of the findings report.
    #[arg(long, value_enum, default_value_t = OutFormat::Human)]
    format: OutFormat,
    /// Write the report to this file instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Write the image's SBOM in this format: alone (instead of the
    /// findings report, like `drydock sbom`), or with `--sbom-output` to a
    /// file beside the report, from the same read.
    #[arg(long, value_enum, value_name = "FORMAT")]
    sbom: Option<SbomFormat>,
    /// Where `--sbom` writes the SBOM when the findings report is wanted too.
    #[arg(long, value_name = "FILE", requires = "sbom")]
    sbom_output: Option<PathBuf>,
    /// The image of a multi-platform index to read (`linux/arm64/v8`); default the host's.
    #[arg(long)]
    platform: Option<String>,
    /// Daemon address for an image of the daemon; default like the Docker CLI.
    #[arg(short = 'H', long)]
    host: Option<String>,
    /// Report an image built more than this many days ago (IMG079).
    #[arg(long, value_name = "DAYS")]
    max_age: Option<u64>,
    /// Only these rules (IDs or prefixes, comma-separated); replaces the configuration's `select`.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    select: Option<Vec<String>>,
    /// Also skip these rules (IDs or prefixes, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    ignore: Vec<String>,
    /// The lowest severity shown.
    #[arg(long, value_enum)]
    severity: Option<SeverityArg>,
    /// The lowest severity that makes the run fail (exit code 1). Default: any finding shown.
    #[arg(long, value_enum)]
    fail_on: Option<SeverityArg>,
    /// Use this configuration file instead of discovering drydock.toml.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Ignore every configuration file.
    #[arg(long, conflicts_with = "config")]
    no_config: bool,
    /// When to use colours in the human format.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,
    /// No progress bar (shown on a terminal for images over 64 MB).
    #[arg(long)]
    no_progress: bool,
    /// Also match the packages against the offline vulnerability database
    /// (`drydock db update` or `drydock db import` first).
    #[arg(long)]
    vulns: bool,
    /// The vulnerability database (default: $XDG_CACHE_HOME/drydock/osv.db).
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// Warn when the database was built more than this many days ago.
    #[arg(long, value_name = "DAYS", default_value_t = 7)]
    max_db_age: u64,
    /// Leave out vulnerabilities that have no fixed version yet.
    #[arg(long)]
    ignore_unfixed: bool,
    /// An OpenVEX document: `not_affected` and `fixed` statements suppress
    /// matches; repeatable.
    #[arg(long = "vex", value_name = "FILE")]
    vex: Vec<PathBuf>,
    /// Ignore entries (ID, package, reason, expiry); default
    /// `.drydockignore.toml` in the current directory when it exists.
    #[arg(long, value_name = "FILE")]
    ignore_file: Option<PathBuf>,
}

/// The report severity of a vulnerability: its rating, `medium` when the
/// advisory rates nothing (never hidden as `info`).
fn vuln_severity(rating: Option<drydock_vulndb::cvss::Rating>) -> Severity {
    use drydock_vulndb::cvss::Rating;
    match rating {
        Some(Rating::Critical) => Severity::Critical,
        Some(Rating::High) => Severity::High,
        Some(Rating::Medium) | None => Severity::Medium,
        Some(Rating::Low) => Severity::Low,
        Some(Rating::None) => Severity::Info,
    }
}

/// What `--vulns` adds to the report.
struct Vulns {
    rows: Vec<drydock_report::VulnerabilityRow>,
    items: Vec<drydock_report::ReportItem>,
    suppressed: usize,
}

fn match_vulns(
    args: &ImageArgs,
    built: &drydock_imagespec::Built,
    resolver: &Resolver,
) -> anyhow::Result<Result<Vulns, String>> {
    use drydock_vulndb::{exceptions, matcher, store, store::Db};
    let path = crate::db::db_path(args.db.as_deref())?;
    // Remember which ecosystems this image needs, before the database is
    // opened: `drydock db update` then fetches them, even the first time.
    let queries: Vec<Vec<matcher::Query>> = built
        .catalogue
        .packages
        .iter()
        .map(|p| matcher::ecosystem_of(p, built.catalogue.os.as_ref()))
        .collect();
    let needed: std::collections::BTreeSet<&str> = queries
        .iter()
        .flatten()
        .map(|q| q.ecosystem.as_str())
        .collect();
    if let Err(e) = store::remember_ecosystems(&path, needed.iter().copied()) {
        writeln!(
            anstream::stderr().lock(),
            "drydock: warning: cannot record the ecosystems this image needs in {}: {e}",
            store::seen_path(&path).display()
        )?;
    }
    let db = match Db::open(&path) {
        Ok(d) => d,
        Err(e) => {
            return Ok(Err(format!(
                "{e}; create it with `drydock db update` (or `drydock db import` for OSV files you have)"
            )));
        }
    };
    let mut err = anstream::stderr().lock();
    if let Ok(st) = db.status() {
        let age = now().saturating_sub(i64::try_from(st.built_at).unwrap_or(0));
        if age > i64::try_from(args.max_db_age.saturating_mul(86_400)).unwrap_or(i64::MAX) {
            writeln!(
                err,
                "drydock: warning: the vulnerability database {} was built {} ago (more than --max-db-age {} days): run `drydock db update`",
                path.display(),
                crate::db::age(u64::try_from(age).unwrap_or(0)),
                args.max_db_age
            )?;
        }
    }
    let packages = &built.catalogue.packages;
    // The queries made above: each package's OSV ecosystems are worked
    // out once.
    let report = matcher::match_queries(&db, &queries);
    for u in &report.unknown {
        if let Some(p) = packages.get(u.package) {
            writeln!(
                err,
                "drydock: warning: {} {} against {}: not judged: {}",
                p.name, p.version, u.record, u.error
            )?;
        }
    }
    for e in &report.lookup_errors {
        writeln!(
            err,
            "drydock: error: looking up {} {}: {}",
            e.ecosystem, e.name, e.error
        )?;
    }
    // Exceptions: the ignore file, then VEX documents.
    let ignore_path = args.ignore_file.clone().or_else(|| {
        let p = PathBuf::from(".drydockignore.toml");
        p.is_file().then_some(p)
    });
    let mut rules = Vec::new();
    // `[[vulnerabilities.ignore]]` of the drydock.toml that applies here.
    if let Some(found) = resolver.config_for(Path::new(".")) {
        let text = std::fs::read_to_string(&found.path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", found.path.display()))?;
        match exceptions::parse_config_ignores(&text, &found.path.display().to_string()) {
            Ok(r) => rules.extend(r),
            Err(e) => return Ok(Err(e)),
        }
    }
    if let Some(p) = &ignore_path {
        let text = std::fs::read_to_string(p)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))?;
        match exceptions::parse_ignore_file(&text, &p.display().to_string()) {
            Ok(r) => rules.extend(r),
            Err(e) => return Ok(Err(e)),
        }
    }
    let mut vex = Vec::new();
    for p in &args.vex {
        let bytes =
            std::fs::read(p).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))?;
        match exceptions::VexDocument::parse(&bytes, &p.display().to_string()) {
            Ok(d) => vex.push(d),
            Err(e) => return Ok(Err(e)),
        }
    }
    let applied = exceptions::apply(report.matches, packages, &rules, &vex, now());
    for e in &applied.expired {
        writeln!(
            err,
            "drydock: warning: {}: the ignore entry for {} expired on {}: it no longer suppresses",
            e.origin,
            e.id,
            e.expires.as_deref().unwrap_or("?")
        )?;
    }
    let mut kept = applied.kept;
    if args.ignore_unfixed {
        kept.retain(|m| m.fixed.is_some());
    }
    kept.sort_by(|a, b| a.package.cmp(&b.package).then_with(|| a.id.cmp(&b.id)));
    let mut rows = Vec::new();
    let mut items = Vec::new();
    for m in kept {
        let Some(p) = packages.get(m.package) else {
            continue;
        };
        let rating = m.severity.as_ref().map(|s| s.rating);
        let severity = vuln_severity(rating);
        let aka = if m.aliases.is_empty() {
            String::new()
        } else {
            format!(" ({})", m.aliases.join(", "))
        };
        let fixed = match &m.fixed {
            Some(f) => format!("fixed in {f}"),
            None => "no fix yet".to_string(),
        };
        items.push(drydock_report::ReportItem {
            rule: &drydock_rules::rules::vulns::vulnerable_package::VulnerablePackage::META,
            severity,
            message: format!(
                "{} {} ({}): {}{aka}, {fixed}{}",
                p.name,
                p.version,
                m.ecosystem,
                m.id,
                m.summary
                    .as_deref()
                    .map(|s| format!(": {s}"))
                    .unwrap_or_default()
            ),
            location: Location::Api {
                object: built.info.name.clone(),
                path: p.location.clone(),
            },
            related: Vec::new(),
            fix: None,
        });
        rows.push(drydock_report::VulnerabilityRow {
            id: m.id,
            aliases: m.aliases,
            package: m.package,
            ecosystem: m.ecosystem,
            fixed: m.fixed,
            severity: match rating {
                Some(r) => r.as_str().to_ascii_lowercase(),
                None => "unknown".to_string(),
            },
            score: m.severity.as_ref().and_then(|s| s.score),
            vector: m.severity.and_then(|s| s.vector),
            summary: m.summary,
        });
    }
    Ok(Ok(Vulns {
        rows,
        items,
        suppressed: applied.suppressed.len(),
    }))
}

/// Images smaller than this are read before a progress bar would be seen.
const PROGRESS_MIN_BYTES: u64 = 64 << 20;

fn progress(args: &ImageArgs) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if args.no_progress || !std::io::stderr().is_terminal() {
        return None;
    }
    let style = |t: &str| {
        indicatif::ProgressStyle::with_template(t)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
    };
    match image_source::target_bytes(&args.target) {
        Some(n) if n < PROGRESS_MIN_BYTES => None,
        Some(n) => {
            let pb = indicatif::ProgressBar::new(n);
            pb.set_style(style(
                "{spinner} reading {msg} {bar:30} {bytes}/{total_bytes} {bytes_per_sec} {eta}",
            ));
            pb.set_message(args.target.clone());
            Some(pb)
        }
        // A directory or an image of the daemon: the size is not known.
        None if Path::new(&args.target).is_dir() => None,
        None => {
            let pb = indicatif::ProgressBar::no_length();
            pb.set_style(style("{spinner} reading {msg} {bytes} {bytes_per_sec}"));
            pb.set_message(args.target.clone());
            Some(pb)
        }
    }
}

pub fn run(args: &ImageArgs) -> anyhow::Result<ExitCode> {
    let resolver = Resolver::new(args.config.as_deref(), args.no_config)?;
    let overrides = Overrides {
        select: args.select.clone(),
        extend_ignore: args.ignore.clone(),
        no_inline: false,
    };
    let mut settings: Settings = (*resolver.settings_for(Path::new("."), &overrides)).clone();
    settings.now = Some(now());
    settings.max_image_age_days = args.max_age;
    settings.scan_content_trust = Some(std::env::var("DOCKER_CONTENT_TRUST").ok());
    let thresholds = resolver.thresholds_for(
        Path::new("./drydock.toml"),
        args.severity.map(Severity::from),
        args.fail_on.map(Severity::from),
    );

    let mut opts = Options::default();
    if let Some(p) = &args.platform {
        opts.platform = Some(p.parse::<Platform>().map_err(anyhow::Error::msg)?);
    }
    let pb = progress(args);
    if let Some(pb) = &pb {
        let pb = pb.clone();
        opts.progress = Some(Progress(Arc::new(move |n| pb.inc(n))));
    }

    // `--sbom` alone: the SBOM is the output (what `drydock sbom` does).
    let sbom_only = args.sbom.is_some() && args.sbom_output.is_none();
    let secrets = !sbom_only && settings.is_enabled(&secret_files::SecretInImageFile::META);
    let text = drydock_rules::rules::image::files::wants_text;
    let secret_file = move |p: &str, size: u64| secrets && secret_files::wants_file(p, size);
    let secret = secret_files::may_hold_secret;
    let visitor = ImageVisitor {
        wants: if sbom_only {
            Wants::NOTHING
        } else {
            Wants {
                text: &text,
                secret_file: &secret_file,
                secret: &secret,
            }
        },
        catalog: true,
    };
    let read = image_source::read(&args.target, args.host.as_deref(), &opts, &visitor);
    if let Some(pb) = &pb {
        pb.finish_and_clear();
    }
    let built = match read {
        Ok(b) => b,
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "drydock: error: {e:#}");
            return Ok(ExitCode::from(2));
        }
    };

    let vulns = if args.vulns {
        match match_vulns(args, &built, &resolver)? {
            Ok(v) => Some(v),
            Err(e) => {
                let _ = writeln!(anstream::stderr(), "drydock: error: {e}");
                return Ok(ExitCode::from(2));
            }
        }
    } else {
        None
    };

    if let Some(format) = args.sbom {
        let rows = vulns.as_ref().map_or(&[][..], |v| v.rows.as_slice());
        let text = sbom_text(&built, format, rows)?;
        match (&args.sbom_output, &args.output, sbom_only) {
            (Some(p), _, _) | (None, Some(p), true) => std::fs::write(p, text)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", p.display()))?,
            _ => anstream::stdout().lock().write_all(text.as_bytes())?,
        }
        if sbom_only {
            report_notes(&args.target, &built)?;
            return Ok(if built.incomplete() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            });
        }
    }

    let mut findings = drydock_rules::check_built_image(&built.spec, &built.sources, &settings);
    findings.retain(|f| f.severity >= thresholds.shown);
    for f in &mut findings {
        built.relocate(f);
    }
    let mut vuln_fails = false;
    let mut report = Report {
        redactions: drydock_report::resolve::redactions(&findings, &built.sources),
        files_scanned: built.info.files,
        ..Report::default()
    };
    for f in &findings {
        let mut item = drydock_report::resolve::item(f, &built.sources);
        for loc in std::iter::once(&mut item.location)
            .chain(item.related.iter_mut().map(|r| &mut r.location))
        {
            if let Location::Api { object, .. } = loc
                && object.is_empty()
            {
                object.clone_from(&built.info.name);
            }
        }
        report.items.push(item);
    }
    let mut warnings = Vec::new();
    for n in &built.notes {
        if n.error {
            report.errors.push(ScanError {
                path: args.target.clone(),
                line: None,
                column: None,
                message: n.message.clone(),
            });
        } else {
            warnings.push(n.message.clone());
        }
    }
    report.image = Some(Box::new(ImageSection {
        name: built.info.name.clone(),
        id: built.info.id.clone(),
        repo_tags: built.info.repo_tags.clone(),
        format: built
            .info
            .format
            .and_then(|f| serde_json::to_value(f).ok())
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        platform: built.info.platform.clone(),
        created: built.info.created.clone(),
        layers: built.info.layers,
        bytes: built.info.bytes,
        files: built.info.files,
        os: built.catalogue.os.clone(),
        packages: built.catalogue.packages.clone(),
        vulnerabilities: None,
    }));

    let format = Format::from(args.format);
    if let Some(v) = vulns {
        report.suppressed += v.suppressed;
        // The human report shows them as a table grouped by package.
        if format != Format::Human {
            report.items.extend(v.items.iter().cloned());
        }
        if v.items.iter().any(|i| i.severity >= thresholds.fail_on) {
            vuln_fails = true;
        }
        if let Some(img) = report.image.as_mut() {
            img.vulnerabilities = Some(v.rows);
        }
    }
    let color = args.color.wanted(format, args.output.is_some());
    let opts = RenderOptions {
        color,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        rules: settings.enabled_rules().iter().map(|r| r.meta()).collect(),
    };
    let mut sink: Box<dyn std::io::Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::with_capacity(
            1 << 16,
            std::io::stdout().lock(),
        )),
    };
    drydock_report::render(&report, format, &opts, &mut sink)?;
    sink.flush()?;
    drop(sink);
    {
        let mut err = anstream::stderr().lock();
        for w in &warnings {
            writeln!(err, "drydock: warning: {}: {w}", args.target)?;
        }
    }
    let code = if !report.errors.is_empty() {
        2
    } else if vuln_fails
        || report
            .items
            .iter()
            .any(|i| i.severity >= thresholds.fail_on)
    {
        1
    } else {
        0
    };
    Ok(ExitCode::from(code))
}
