//! The `json` format, version 1. Its schema is
//! `schema/report-v1.schema.json` ([`crate::JSON_SCHEMA_V1`]).
//!
//! Lines and columns are 1-based, columns count Unicode scalar values, end
//! positions are exclusive (the position just after the range), offsets are
//! byte offsets into the file. Fields that do not apply are `null`, never
//! missing, so the key set of every object is fixed.

use std::io::{self, Write};

use serde::Serialize;

use crate::common::{Summary as Counts, resolve_range};
use crate::{
    FileEdit, JSON_FORMAT_VERSION, Location, RenderOptions, Report, ReportItem, ReportRelated,
    ScanError,
};

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: Tool<'a>,
    summary: Summary,
    findings: Vec<Finding<'a>>,
    errors: Vec<Error<'a>>,
    /// `drydock image` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<Image<'a>>,
    /// `drydock image` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    packages: Option<Vec<PackageJson<'a>>>,
    /// `drydock image --vulns` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    vulnerabilities: Option<Vec<VulnJson<'a>>>,
}

#[derive(Serialize)]
struct VulnJson<'a> {
    id: &'a str,
    aliases: &'a [String],
    /// Index into `packages`.
    package: usize,
    package_name: &'a str,
    package_version: &'a str,
    purl: &'a str,
    ecosystem: &'a str,
    fixed: Option<&'a str>,
    severity: &'a str,
    score: Option<f64>,
    vector: Option<&'a str>,
    summary: Option<&'a str>,
}

#[derive(Serialize)]
struct Image<'a> {
    name: &'a str,
    id: Option<&'a str>,
    repo_tags: &'a [String],
    format: &'a str,
    platform: Option<&'a str>,
    created: Option<&'a str>,
    layers: usize,
    bytes: u64,
    files: usize,
    os: Option<Os<'a>>,
}

#[derive(Serialize)]
struct Os<'a> {
    id: Option<&'a str>,
    version_id: Option<&'a str>,
    version_codename: Option<&'a str>,
    pretty_name: Option<&'a str>,
}

#[derive(Serialize)]
struct PackageJson<'a> {
    name: &'a str,
    version: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    namespace: Option<&'a str>,
    purl: &'a str,
    licenses: &'a [String],
    source_name: Option<&'a str>,
    source_version: Option<&'a str>,
    arch: Option<&'a str>,
    location: &'a str,
    layer: Option<usize>,
}

fn image(s: &crate::ImageSection) -> (Image<'_>, Vec<PackageJson<'_>>) {
    let img = Image {
        name: &s.name,
        id: s.id.as_deref(),
        repo_tags: &s.repo_tags,
        format: &s.format,
        platform: s.platform.as_deref(),
        created: s.created.as_deref(),
        layers: s.layers,
        bytes: s.bytes,
        files: s.files,
        os: s.os.as_ref().map(|o| Os {
            id: o.id.as_deref(),
            version_id: o.version_id.as_deref(),
            version_codename: o.version_codename.as_deref(),
            pretty_name: o.pretty_name.as_deref(),
        }),
    };
    let packages = s
        .packages
        .iter()
        .map(|p| PackageJson {
            name: &p.name,
            version: &p.version,
            kind: p.kind.syft_type(),
            namespace: p.namespace.as_deref(),
            purl: &p.purl,
            licenses: &p.licenses,
            source_name: p.source.as_ref().map(|s| s.0.as_str()),
            source_version: p.source.as_ref().and_then(|s| s.1.as_deref()),
            arch: p.arch.as_deref(),
            location: &p.location,
            layer: p.layer,
        })
        .collect();
    (img, packages)
}

#[derive(Serialize)]
struct Tool<'a> {
    name: &'static str,
    version: &'a str,
}

#[derive(Serialize)]
struct Summary {
    files_scanned: usize,
    findings: usize,
    by_severity: BySeverity,
    fixable: usize,
    fixable_unsafe: usize,
    suppressed: usize,
    fixes_applied: usize,
    errors: usize,
}

#[derive(Serialize)]
struct BySeverity {
    critical: usize,
    high: usize,
    medium: usize,
    low: usize,
    info: usize,
}

/// Position fields shared by findings, related locations and edits.
#[derive(Serialize, Default)]
struct Place<'a> {
    path: Option<&'a str>,
    line: Option<u32>,
    column: Option<u32>,
    end_line: Option<u32>,
    end_column: Option<u32>,
    offset: Option<u32>,
    end_offset: Option<u32>,
    api_object: Option<&'a str>,
    api_path: Option<&'a str>,
}

impl<'a> Place<'a> {
    fn of(location: &'a Location) -> Place<'a> {
        match location {
            Location::File { file, range } => {
                let r = resolve_range(file, *range);
                Place {
                    path: Some(&file.path),
                    line: Some(r.start.line),
                    column: Some(r.start.column),
                    end_line: Some(r.end.line),
                    end_column: Some(r.end.column),
                    offset: Some(r.offset),
                    end_offset: Some(r.end_offset),
                    ..Place::default()
                }
            }
            Location::Api { object, path } => Place {
                api_object: Some(object),
                api_path: Some(path),
                ..Place::default()
            },
            Location::None => Place::default(),
        }
    }
}

#[derive(Serialize)]
struct Finding<'a> {
    rule: &'static str,
    name: &'static str,
    severity: &'static str,
    category: &'static str,
    title: &'static str,
    #[serde(flatten)]
    place: Place<'a>,
    message: &'a str,
    references: &'static [&'static str],
    related: Vec<Related<'a>>,
    fix: Option<Fix<'a>>,
}

#[derive(Serialize)]
struct Related<'a> {
    #[serde(flatten)]
    place: Place<'a>,
    message: &'a str,
}

#[derive(Serialize)]
struct Fix<'a> {
    title: &'a str,
    applicability: &'static str,
    edits: Vec<Edit<'a>>,
}

#[derive(Serialize)]
struct Edit<'a> {
    path: &'a str,
    offset: u32,
    end_offset: u32,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    content: &'a str,
}

#[derive(Serialize)]
struct Error<'a> {
    path: &'a str,
    line: Option<u32>,
    column: Option<u32>,
    message: &'a str,
}

fn finding(item: &ReportItem) -> Finding<'_> {
    Finding {
        rule: item.rule.id,
        name: item.rule.name,
        severity: item.severity.as_str(),
        category: item.rule.category.as_str(),
        title: item.rule.title,
        place: Place::of(&item.location),
        message: &item.message,
        references: item.rule.references,
        related: item.related.iter().map(related).collect(),
        fix: item.fix.as_ref().map(|f| Fix {
            title: &f.title,
            applicability: f.applicability.as_str(),
            edits: f.edits.iter().map(edit).collect(),
        }),
    }
}

fn related(rel: &ReportRelated) -> Related<'_> {
    Related {
        place: Place::of(&rel.location),
        message: &rel.message,
    }
}

fn edit(e: &FileEdit) -> Edit<'_> {
    let r = resolve_range(&e.file, e.range);
    Edit {
        path: &e.file.path,
        offset: r.offset,
        end_offset: r.end_offset,
        line: r.start.line,
        column: r.start.column,
        end_line: r.end.line,
        end_column: r.end.column,
        content: &e.content,
    }
}

fn error(e: &ScanError) -> Error<'_> {
    Error {
        path: &e.path,
        line: e.line,
        column: e.column,
        message: &e.message,
    }
}

pub(crate) fn render(report: &Report, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let c = Counts::of(report);
    let doc = Document {
        version: JSON_FORMAT_VERSION,
        tool: Tool {
            name: "drydock",
            version: &opts.tool_version,
        },
        summary: Summary {
            files_scanned: report.files_scanned,
            findings: c.findings,
            by_severity: BySeverity {
                critical: c.critical,
                high: c.high,
                medium: c.medium,
                low: c.low,
                info: c.info,
            },
            fixable: c.fixable_safe,
            fixable_unsafe: c.fixable_unsafe,
            suppressed: report.suppressed,
            fixes_applied: report.fixes_applied,
            errors: c.errors,
        },
        findings: report.items.iter().map(finding).collect(),
        errors: report.errors.iter().map(error).collect(),
        image: None,
        packages: None,
        vulnerabilities: None,
    };
    let mut doc = doc;
    if let Some(s) = &report.image {
        let (img, packages) = image(s);
        doc.image = Some(img);
        doc.packages = Some(packages);
        doc.vulnerabilities = s.vulnerabilities.as_ref().map(|rows| {
            rows.iter()
                .map(|v| {
                    let p = s.packages.get(v.package);
                    VulnJson {
                        id: &v.id,
                        aliases: &v.aliases,
                        package: v.package,
                        package_name: p.map_or("", |p| p.name.as_str()),
                        package_version: p.map_or("", |p| p.version.as_str()),
                        purl: p.map_or("", |p| p.purl.as_str()),
                        ecosystem: &v.ecosystem,
                        fixed: v.fixed.as_deref(),
                        severity: &v.severity,
                        score: v.score,
                        vector: v.vector.as_deref(),
                        summary: v.summary.as_deref(),
                    }
                })
                .collect()
        });
    }
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    writeln!(out)
}
