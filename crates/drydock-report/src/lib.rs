//! Renders drydock findings: human (rustc-style snippets), JSON, SARIF 2.1.0,
//! JUnit XML, GitHub workflow annotations and Checkstyle XML.
//!
//! The input is a [`Report`]: findings already resolved to files (with their
//! text, for snippets) or API paths, and the errors met while scanning.
//! Lines and columns are computed here, at render time, from byte ranges.

use std::io::{self, Write};
use std::sync::Arc;

use drydock_core::{Applicability, RuleMeta, Severity, SourceFile, TextRange};

pub mod audit;
mod checkstyle;
mod common;
mod github;
mod human;
mod json;
mod junit;
pub mod resolve;
mod sarif;
pub mod sbom;

pub use common::{ResolvedRange, Summary, file_uri, resolve_range};
pub use human::{image_line, summary_line, vulnerability_table};

/// The JSON Schema (draft 2020-12) of the `json` format, version 1.
pub const JSON_SCHEMA_V1: &str = include_str!("../schema/report-v1.schema.json");

/// The `version` written into the `json` format.
pub const JSON_FORMAT_VERSION: u32 = 1;

/// Where a finding or a related note points.
#[derive(Clone, Debug)]
pub enum Location {
    /// A byte range in a file; the file carries its text and line index.
    File {
        file: Arc<SourceFile>,
        range: TextRange,
    },
    /// An Engine API field path (later sources).
    Api { object: String, path: String },
    /// Nowhere in particular.
    None,
}

/// One edit of a fix, resolved to its file.
#[derive(Clone, Debug)]
pub struct FileEdit {
    pub file: Arc<SourceFile>,
    pub range: TextRange,
    pub content: String,
}

#[derive(Clone, Debug)]
pub struct ReportFix {
    pub title: String,
    pub applicability: Applicability,
    pub edits: Vec<FileEdit>,
}

#[derive(Clone, Debug)]
pub struct ReportRelated {
    pub location: Location,
    pub message: String,
}

/// A finding ready to render.
#[derive(Clone, Debug)]
pub struct ReportItem {
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    pub message: String,
    pub location: Location,
    pub related: Vec<ReportRelated>,
    pub fix: Option<ReportFix>,
}

/// A file or input that could not be read or scanned at all.
#[derive(Clone, Debug)]
pub struct ScanError {
    pub path: String,
    /// 1-based line and column, where the error has a place.
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
}

/// A range of a file that holds a secret: renderers that show source text
/// mask it (all but its first few characters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redaction {
    pub path: String,
    pub range: TextRange,
}

/// Everything one run found, sorted by path, then position, then rule.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub items: Vec<ReportItem>,
    /// Secrets in the scanned files, masked wherever source is shown.
    pub redactions: Vec<Redaction>,
    pub errors: Vec<ScanError>,
    pub files_scanned: usize,
    /// Findings that inline comments or configuration suppressed.
    pub suppressed: usize,
    /// Fixes applied by `--fix` in this run.
    pub fixes_applied: usize,
    /// `drydock image`: what the image is and the packages it holds (the
    /// JSON report's `image` and `packages`).
    pub image: Option<Box<ImageSection>>,
}

/// What `drydock image` read, for the report.
#[derive(Clone, Debug, Default)]
pub struct ImageSection {
    /// How the image is called in the report (its first tag, else the target).
    pub name: String,
    /// The config digest (the image ID), when known.
    pub id: Option<String>,
    pub repo_tags: Vec<String>,
    /// `docker-save`, `docker-save-oci`, `oci-layout`, `rootfs`.
    pub format: String,
    pub platform: Option<String>,
    /// `created` of the config (RFC 3339).
    pub created: Option<String>,
    pub layers: usize,
    /// Uncompressed bytes of all layers.
    pub bytes: u64,
    /// Paths in the final filesystem.
    pub files: usize,
    pub os: Option<drydock_core::package::OsRelease>,
    pub packages: Vec<drydock_core::package::Package>,
    /// `--vulns`: the known vulnerabilities of the packages (after ignore
    /// entries and VEX), sorted by package then id; `None` without `--vulns`.
    pub vulnerabilities: Option<Vec<VulnerabilityRow>>,
}

/// One vulnerable package: what `drydock image --vulns` found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VulnerabilityRow {
    /// The advisory (`DSA-3029-1`, `GHSA-…`, `CVE-…`).
    pub id: String,
    /// Its aliases and upstream IDs (the CVE).
    pub aliases: Vec<String>,
    /// Index into [`ImageSection::packages`].
    pub package: usize,
    /// The OSV ecosystem that matched (`Debian:12`).
    pub ecosystem: String,
    /// The first fixed version; `None`: no fix yet.
    pub fixed: Option<String>,
    /// `critical`, `high`, `medium`, `low`, `none`, or `unknown`.
    pub severity: String,
    pub score: Option<f64>,
    pub vector: Option<String>,
    pub summary: Option<String>,
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Junit,
    Github,
    Checkstyle,
}

impl Format {
    pub const ALL: [Format; 6] = [
        Format::Human,
        Format::Json,
        Format::Sarif,
        Format::Junit,
        Format::Github,
        Format::Checkstyle,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Github => "github",
            Format::Checkstyle => "checkstyle",
        }
    }
}

/// Options that shape the output.
#[derive(Clone, Debug)]
pub struct RenderOptions {
    /// ANSI colours in the human format.
    pub color: bool,
    /// The tool version written into JSON and SARIF.
    pub tool_version: String,
    /// Every rule that was enabled in the run (SARIF lists their metadata).
    pub rules: Vec<&'static RuleMeta>,
}

/// Writes `report` in `format` to `out`.
pub fn render(
    report: &Report,
    format: Format,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(report, opts, out),
        Format::Json => json::render(report, opts, out),
        Format::Sarif => sarif::render(report, opts, out),
        Format::Junit => junit::render(report, opts, out),
        Format::Github => github::render(report, opts, out),
        Format::Checkstyle => checkstyle::render(report, opts, out),
    }
}

/// Renders into a `String` (convenience for tests and callers that buffer).
pub fn render_to_string(
    report: &Report,
    format: Format,
    opts: &RenderOptions,
) -> io::Result<String> {
    let mut buf = Vec::new();
    render(report, format, opts, &mut buf)?;
    String::from_utf8(buf).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

#[cfg(test)]
mod tests;
