//! `drydock scan`: find the files, lint them in parallel, report.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::ValueEnum;
use drydock_core::fs::{FileSystem, FsError};
use drydock_core::{FileKind, Severity};
use drydock_report::{Format, RenderOptions, Report, ReportItem, ScanError};
use drydock_rules::{Input, LintEnv};
use rayon::prelude::*;

use crate::files;
use crate::settings::{Overrides, Resolver};
use drydock_report::resolve;

#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    /// Files or directories to scan; `-` reads standard input. Default: `.`.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutFormat::Human)]
    pub format: OutFormat,
    /// Write the report to this file instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only these rules (IDs or prefixes, comma-separated); replaces the configuration's `select`.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Option<Vec<String>>,
    /// Also skip these rules (IDs or prefixes, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,
    /// The lowest severity shown.
    #[arg(long, value_enum)]
    pub severity: Option<SeverityArg>,
    /// The lowest severity that makes the run fail (exit code 1). Default: any finding shown.
    #[arg(long, value_enum)]
    pub fail_on: Option<SeverityArg>,
    /// Apply safe fixes to the files.
    #[arg(long)]
    pub fix: bool,
    /// With --fix or --diff, also apply unsafe fixes.
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print the fixes as a unified diff instead of writing them (exit 1 when there is one).
    #[arg(long)]
    pub diff: bool,
    /// Do not respect .gitignore and other ignore files when walking directories.
    #[arg(long)]
    pub no_ignore: bool,
    /// Treat every file named on the command line (and stdin) as this type;
    /// files found by walking a directory are still recognised by name.
    #[arg(long = "type", value_enum, value_name = "TYPE")]
    pub file_type: Option<TypeArg>,
    /// Use this configuration file instead of discovering drydock.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore every configuration file (drydock.toml, .hadolint.yaml).
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// Ignore inline `# drydock:ignore` and `# hadolint ignore` comments.
    #[arg(long)]
    pub no_inline_suppressions: bool,
    /// Also scan shell scripts (`*.sh`, `*.bash`, files with a shell `#!`),
    /// Makefiles, GitHub Actions workflows and `.gitlab-ci.yml` for
    /// `docker run` / `docker create` lines.
    #[arg(long)]
    pub include_scripts: bool,
    /// Also scan the shell code blocks of Markdown files (`*.md`) for
    /// `docker run` / `docker create` lines.
    #[arg(long)]
    pub include_markdown: bool,
    /// The name to show (and to judge the type by) for standard input.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
    /// When to use colours in the human format.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum OutFormat {
    Human,
    Json,
    Sarif,
    Junit,
    Github,
    Checkstyle,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SeverityArg {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl From<OutFormat> for Format {
    fn from(f: OutFormat) -> Format {
        match f {
            OutFormat::Human => Format::Human,
            OutFormat::Json => Format::Json,
            OutFormat::Sarif => Format::Sarif,
            OutFormat::Junit => Format::Junit,
            OutFormat::Github => Format::Github,
            OutFormat::Checkstyle => Format::Checkstyle,
        }
    }
}

impl ColorArg {
    /// Whether to colour a report: `auto` colours the human format on a
    /// terminal that allows it (`NO_COLOR` respected), never a file.
    pub fn wanted(self, format: Format, to_file: bool) -> bool {
        match self {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => {
                !to_file
                    && format == Format::Human
                    && anstream::AutoStream::choice(&std::io::stdout())
                        != anstream::ColorChoice::Never
            }
        }
    }
}

impl From<SeverityArg> for Severity {
    fn from(s: SeverityArg) -> Severity {
        match s {
            SeverityArg::Info => Severity::Info,
            SeverityArg::Low => Severity::Low,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::High => Severity::High,
            SeverityArg::Critical => Severity::Critical,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum TypeArg {
    Dockerfile,
    Compose,
    DaemonJson,
    /// A shell script: its `docker run` lines.
    Script,
    Makefile,
    GithubWorkflow,
    GitlabCi,
    Markdown,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

impl From<TypeArg> for FileKind {
    fn from(t: TypeArg) -> FileKind {
        match t {
            TypeArg::Dockerfile => FileKind::Dockerfile,
            TypeArg::Compose => FileKind::Compose,
            TypeArg::DaemonJson => FileKind::DaemonJson,
            TypeArg::Script => FileKind::Script,
            TypeArg::Makefile => FileKind::Makefile,
            TypeArg::GithubWorkflow => FileKind::GithubWorkflow,
            TypeArg::GitlabCi => FileKind::GitlabCi,
            TypeArg::Markdown => FileKind::Markdown,
        }
    }
}

/// One file to scan.
struct Job {
    path: PathBuf,
    display: String,
    kind: Option<FileKind>,
    stdin: Option<Arc<str>>,
}

/// What scanning one file produced.
#[derive(Default)]
struct Outcome {
    items: Vec<ReportItem>,
    errors: Vec<ScanError>,
    suppressed: usize,
    fixes_applied: usize,
    diff: Option<String>,
    scanned: bool,
    /// A finding at or above the file's `fail-on` threshold.
    fails: bool,
    /// `--fix` on stdin: the text to write to standard output.
    stdout_text: Option<String>,
    redactions: Vec<drydock_report::Redaction>,
}

/// The real filesystem, with drydock's size limit, for the files a scanned
/// file refers to (Compose includes, extends, env_files, `.env`, the
/// Dockerfile a service builds, `.dockerignore`). Reads are cached for the
/// run: many files share them (every Dockerfile of a directory asks for
/// the same `.dockerignore`).
#[derive(Default)]
struct RealFs {
    cache: Mutex<std::collections::HashMap<PathBuf, Result<Arc<str>, FsError>>>,
}

impl FileSystem for RealFs {
    fn read_to_string(&self, path: &Path) -> Result<String, FsError> {
        if let Some(hit) = self.cache.lock().ok().and_then(|c| c.get(path).cloned()) {
            return hit.map(|t| t.to_string());
        }
        let result = match files::read_text(path) {
            Ok(t) => Ok(Arc::<str>::from(t)),
            Err(e) => Err(match e.kind {
                files::ReadErrorKind::NotFound => FsError::NotFound,
                files::ReadErrorKind::NotUtf8 => FsError::NotUtf8,
                files::ReadErrorKind::TooLarge | files::ReadErrorKind::Other => {
                    FsError::Other(e.message)
                }
            }),
        };
        if let Ok(mut c) = self.cache.lock() {
            c.insert(path.to_path_buf(), result.clone());
        }
        result.map(|t| t.to_string())
    }

    fn exists(&self, path: &Path) -> bool {
        path.is_file()
    }

    fn canonicalize(&self, path: &Path) -> PathBuf {
        std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
    }
}

fn display_path(p: &Path) -> String {
    let s = p.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

/// The path a walk error is about, looking through its wrappers.
fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child),
        ignore::Error::Partial(errs) => errs.iter().find_map(error_path),
        _ => None,
    }
}

/// Walks the inputs into jobs; walk problems become errors.
fn collect_jobs(
    args: &ScanArgs,
    resolver: &Resolver,
    errors: &mut Vec<ScanError>,
) -> anyhow::Result<Vec<Job>> {
    let forced = args.file_type.map(FileKind::from);
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut jobs = Vec::new();
    let walked: Mutex<Vec<Job>> = Mutex::new(Vec::new());
    let walk_errors: Mutex<Vec<ScanError>> = Mutex::new(Vec::new());
    for p in &paths {
        if p.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::stdin().read_to_end(&mut bytes)?;
            let text = match files::decode(bytes) {
                Ok(t) => t,
                Err(e) => {
                    errors.push(ScanError {
                        path: args.stdin_filename.clone().unwrap_or_else(|| "-".into()),
                        line: e.line,
                        column: e.column,
                        message: e.message,
                    });
                    continue;
                }
            };
            let display = args.stdin_filename.clone().unwrap_or_else(|| "-".into());
            let kind = forced
                .or_else(|| {
                    args.stdin_filename.as_deref().and_then(|n| {
                        files::kind_by_name(Path::new(n))
                            .or_else(|| files::script_kind_by_name(Path::new(n), true))
                    })
                })
                .or_else(|| files::kind_by_content(&text));
            let path = args
                .stdin_filename
                .as_ref()
                .map_or_else(|| PathBuf::from("-"), PathBuf::from);
            jobs.push(Job {
                path,
                display,
                kind,
                stdin: Some(text.into()),
            });
            continue;
        }
        let meta = match std::fs::metadata(p) {
            Ok(m) => m,
            Err(e) => {
                errors.push(ScanError {
                    path: display_path(p),
                    line: None,
                    column: None,
                    message: format!("cannot read: {e}"),
                });
                continue;
            }
        };
        if !meta.is_dir() {
            jobs.push(Job {
                path: p.clone(),
                display: display_path(p),
                // A file named on the command line is read whatever
                // --include-scripts says.
                kind: forced
                    .or_else(|| files::kind_by_name(p))
                    .or_else(|| files::script_kind_by_name(p, true)),
                stdin: None,
            });
            continue;
        }
        let (scripts, markdown) = {
            let cfg = resolver.config_for(p);
            let on = |f: fn(&drydock_core::config::Config) -> bool| {
                cfg.as_ref().is_some_and(|c| f(&c.config))
            };
            (
                args.include_scripts || on(|c| c.include_scripts),
                args.include_markdown || on(|c| c.include_markdown),
            )
        };
        let kind_of = move |path: &Path| {
            files::kind_by_name(path)
                .or_else(|| {
                    files::script_kind_by_name(path, markdown)
                        .filter(|k| scripts || *k == FileKind::Markdown)
                })
                .or_else(|| {
                    (scripts && files::file_has_shell_shebang(path)).then_some(FileKind::Script)
                })
        };
        let mut builder = ignore::WalkBuilder::new(p);
        builder
            .hidden(false)
            .follow_links(true)
            .git_ignore(!args.no_ignore)
            .git_global(!args.no_ignore)
            .git_exclude(!args.no_ignore)
            .ignore(!args.no_ignore)
            .parents(!args.no_ignore)
            .require_git(false)
            .filter_entry(|e| e.file_name() != ".git");
        builder.build_parallel().run(|| {
            Box::new(|entry| {
                match entry {
                    Ok(e) => {
                        if e.file_type().is_some_and(|t| t.is_file())
                            && let Some(kind) = kind_of(e.path())
                            && let Ok(mut w) = walked.lock()
                        {
                            w.push(Job {
                                path: e.path().to_path_buf(),
                                display: display_path(e.path()),
                                kind: Some(kind),
                                stdin: None,
                            });
                        }
                    }
                    Err(err) => {
                        let path = error_path(&err).map_or_else(|| display_path(p), display_path);
                        if let Ok(mut w) = walk_errors.lock() {
                            w.push(ScanError {
                                path,
                                line: None,
                                column: None,
                                message: err.to_string(),
                            });
                        }
                    }
                }
                ignore::WalkState::Continue
            })
        });
    }
    let mut walked = walked.into_inner().unwrap_or_default();
    walked.sort_by(|a, b| a.display.cmp(&b.display));
    jobs.extend(walked);
    // The same file named twice (`drydock scan . Dockerfile`) is scanned
    // once; with --fix, twice would race on the file.
    if paths.len() > 1 {
        let mut seen = std::collections::HashSet::new();
        jobs.retain(|j| {
            j.stdin.is_some()
                || seen.insert(std::fs::canonicalize(&j.path).unwrap_or_else(|_| j.path.clone()))
        });
    }
    errors.extend(walk_errors.into_inner().unwrap_or_default());
    Ok(jobs)
}

fn scan_one(
    job: &Job,
    args: &ScanArgs,
    resolver: &Resolver,
    overrides: &Overrides,
    fs: &RealFs,
) -> Outcome {
    let mut out = Outcome::default();
    let text: Arc<str> = match &job.stdin {
        Some(t) => t.clone(),
        None => match files::read_text(&job.path) {
            Ok(t) => t.into(),
            Err(e) => {
                out.errors.push(ScanError {
                    path: job.display.clone(),
                    line: e.line,
                    column: e.column,
                    message: e.message,
                });
                return out;
            }
        },
    };
    let Some(kind) = job.kind.or_else(|| files::kind_by_content(&text)) else {
        out.errors.push(ScanError {
            path: job.display.clone(),
            line: None,
            column: None,
            message: "cannot tell whether this is a Dockerfile, a Compose file or a daemon.json; use --type".into(),
        });
        return out;
    };
    let settings = resolver.settings_for(&job.path, overrides);
    let env_fn = |name: &str| std::env::var(name).ok();
    let env = LintEnv { fs, env: &env_fn };
    let input = Input {
        path: &job.path,
        display: job.display.clone(),
        kind,
        text: text.clone(),
    };
    out.scanned = true;

    let result = if args.fix || args.diff {
        let outcome = drydock_rules::fix::fix(&input, &settings, &env, args.unsafe_fixes);
        if outcome.rolled_back {
            let _ = writeln!(
                anstream::stderr(),
                "drydock: warning: {}: a round of fixes made the file unparseable and was undone",
                job.display
            );
        }
        if args.diff {
            if outcome.text != *text {
                out.diff = Some(unified_diff(&job.display, &text, &outcome.text));
            }
            return out;
        }
        if job.stdin.is_some() {
            // With stdin, the (fixed or unchanged) text goes to standard
            // output and the report to standard error.
            out.stdout_text = Some(outcome.text.clone());
        } else if outcome.text != *text
            && let Err(e) = std::fs::write(&job.path, &outcome.text)
        {
            out.errors.push(ScanError {
                path: job.display.clone(),
                line: None,
                column: None,
                message: format!("cannot write fixes: {e}"),
            });
        }
        out.fixes_applied = outcome.applied;
        outcome.result
    } else {
        drydock_rules::lint(&input, &settings, &env)
    };

    let thresholds = resolver.thresholds_for(
        &job.path,
        args.severity.map(Severity::from),
        args.fail_on.map(Severity::from),
    );
    out.suppressed = result.suppressed;
    out.redactions = resolve::redactions(&result.findings, &result.sources);
    out.items = result
        .findings
        .iter()
        .filter(|f| f.severity >= thresholds.shown)
        .map(|f| resolve::item(f, &result.sources))
        .collect();
    out.fails = out.items.iter().any(|i| i.severity >= thresholds.fail_on);
    out
}

pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

pub fn run(args: &ScanArgs) -> anyhow::Result<ExitCode> {
    let resolver = Resolver::new(args.config.as_deref(), args.no_config)?;
    let overrides = Overrides {
        select: args.select.clone(),
        extend_ignore: args.ignore.clone(),
        no_inline: args.no_inline_suppressions,
    };
    let mut errors = Vec::new();
    let jobs = collect_jobs(args, &resolver, &mut errors)?;
    let fs = RealFs::default();
    let outcomes: Vec<Outcome> = jobs
        .par_iter()
        .map(|j| scan_one(j, args, &resolver, &overrides, &fs))
        .collect();

    if let Ok(cfg_errors) = resolver.errors.lock() {
        errors.extend(cfg_errors.iter().cloned());
    }

    let mut report = Report::default();
    let mut diffs = String::new();
    let mut fails = false;
    let mut stdin_text = None;
    for o in outcomes {
        report.files_scanned += usize::from(o.scanned);
        report.suppressed += o.suppressed;
        report.fixes_applied += o.fixes_applied;
        fails |= o.fails;
        report.items.extend(o.items);
        report.redactions.extend(o.redactions);
        report.errors.extend(o.errors);
        if let Some(d) = o.diff {
            diffs.push_str(&d);
        }
        stdin_text = stdin_text.or(o.stdout_text);
    }
    report.errors.extend(errors);

    if args.diff {
        let mut out = anstream::stdout().lock();
        out.write_all(diffs.as_bytes())?;
        let code = if !report.errors.is_empty() {
            2
        } else {
            u8::from(!diffs.is_empty())
        };
        for e in &report.errors {
            let _ = writeln!(
                anstream::stderr(),
                "drydock: error: {}: {}",
                e.path,
                e.message
            );
        }
        return Ok(ExitCode::from(code));
    }

    let format = Format::from(args.format);
    let color = args.color.wanted(format, args.output.is_some());
    let selection_settings = resolver.settings_for(Path::new("."), &overrides);
    let opts = RenderOptions {
        color,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        rules: selection_settings
            .enabled_rules()
            .iter()
            .map(|r| r.meta())
            .collect(),
    };
    // The report streams into a buffered writer: a large JSON report is
    // never held in memory whole.
    // `--fix` on stdin: the text goes to standard output and the report to
    // standard error, so that `drydock scan --fix - < in > out` works.
    let mut sink: Box<dyn std::io::Write> = match (&args.output, &stdin_text) {
        (Some(path), _) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?,
        )),
        (None, Some(_)) => Box::new(std::io::BufWriter::new(std::io::stderr().lock())),
        (None, None) => Box::new(std::io::BufWriter::with_capacity(
            1 << 16,
            std::io::stdout().lock(),
        )),
    };
    drydock_report::render(&report, format, &opts, &mut sink)?;
    sink.flush()?;
    drop(sink);
    if let Some(text) = stdin_text {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()?;
    }
    let code = if !report.errors.is_empty() {
        2
    } else if fails {
        1
    } else {
        0
    };
    Ok(ExitCode::from(code))
}
