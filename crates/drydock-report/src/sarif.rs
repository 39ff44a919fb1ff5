//! SARIF 2.1.0. Columns count Unicode code points (`run.columnKind` is
//! `unicodeCodePoints`), and so do `charOffset` and `charLength`.

use std::io::{self, Write};

use serde::Serialize;

use drydock_core::{RuleMeta, Severity, SourceFile, TextRange};

use drydock_core::rule::clean_docs;

use crate::common::{CharOffsets, api_label, file_uri, resolve_range};
use crate::{FileEdit, Location, RenderOptions, Report, ReportItem, ReportRelated};

const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    invocations: Vec<Invocation>,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    severity: &'static str,
    category: &'static str,
    tags: Vec<&'static str>,
    references: &'static [&'static str],
    /// GitHub code scanning ranks alerts by this CVSS-like score.
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
    locations: Vec<SarifLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<SarifLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix>,
    properties: ResultProperties,
}

#[derive(Serialize)]
struct ResultProperties {
    severity: &'static str,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    char_offset: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    char_length: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    fully_qualified_name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix {
    description: Text,
    artifact_changes: Vec<ArtifactChange>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    deleted_region: Region,
    inserted_content: Text,
}

pub(crate) fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "note",
    }
}

fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

fn rule(meta: &'static RuleMeta) -> Rule {
    let docs = clean_docs(meta.docs);
    let remediation = meta.remediation();
    let help_text = if remediation.is_empty() {
        meta.summary().to_string()
    } else {
        clean_docs(remediation)
    };
    Rule {
        id: meta.id,
        name: meta.name,
        short_description: Text {
            text: meta.title.to_string(),
        },
        full_description: Text {
            text: clean_docs(meta.summary()),
        },
        help: Help {
            text: help_text,
            markdown: if docs.is_empty() {
                meta.title.to_string()
            } else {
                docs
            },
        },
        default_configuration: Configuration {
            level: level(meta.severity),
        },
        properties: RuleProperties {
            severity: meta.severity.as_str(),
            category: meta.category.as_str(),
            tags: vec!["security", meta.category.as_str()],
            references: meta.references,
            security_severity: security_severity(meta.severity),
        },
    }
}

struct Ctx {
    chars: CharOffsets,
}

impl Ctx {
    fn region(&mut self, file: &SourceFile, range: TextRange) -> Region {
        let r = resolve_range(file, range);
        let char_offset = self.chars.char_offset(file, r.offset);
        let char_end = self.chars.char_offset(file, r.end_offset);
        Region {
            start_line: r.start.line,
            start_column: Some(r.start.column),
            end_line: Some(r.end.line),
            end_column: Some(r.end.column),
            char_offset: Some(char_offset),
            char_length: Some(char_end.saturating_sub(char_offset)),
        }
    }

    fn location(
        &mut self,
        location: &Location,
        message: Option<&str>,
        id: Option<usize>,
    ) -> SarifLocation {
        let message = message.map(|m| Text {
            text: m.to_string(),
        });
        match location {
            Location::File { file, range } => SarifLocation {
                id,
                physical_location: Some(PhysicalLocation {
                    artifact_location: ArtifactLocation {
                        uri: file_uri(&file.path),
                    },
                    region: Some(self.region(file, *range)),
                }),
                message,
                ..SarifLocation::default()
            },
            Location::Api { object, path } => SarifLocation {
                id,
                logical_locations: vec![LogicalLocation {
                    name: if path.is_empty() {
                        object.clone()
                    } else {
                        path.clone()
                    },
                    fully_qualified_name: api_label(object, path),
                }],
                message,
                ..SarifLocation::default()
            },
            Location::None => SarifLocation {
                id,
                message,
                ..SarifLocation::default()
            },
        }
    }

    fn related(&mut self, i: usize, rel: &ReportRelated) -> SarifLocation {
        self.location(&rel.location, Some(&rel.message), Some(i))
    }

    fn fix_changes(&mut self, edits: &[FileEdit]) -> Vec<ArtifactChange> {
        let mut changes: Vec<ArtifactChange> = Vec::new();
        for edit in edits {
            let uri = file_uri(&edit.file.path);
            let replacement = Replacement {
                deleted_region: self.region(&edit.file, edit.range),
                inserted_content: Text {
                    text: edit.content.clone(),
                },
            };
            match changes.iter_mut().find(|c| c.artifact_location.uri == uri) {
                Some(change) => change.replacements.push(replacement),
                None => changes.push(ArtifactChange {
                    artifact_location: ArtifactLocation { uri },
                    replacements: vec![replacement],
                }),
            }
        }
        changes
    }

    fn result(&mut self, item: &ReportItem, rule_index: usize) -> SarifResult {
        let locations = match item.location {
            Location::None => Vec::new(),
            ref loc => vec![self.location(loc, None, None)],
        };
        SarifResult {
            rule_id: item.rule.id,
            rule_index,
            level: level(item.severity),
            message: Text {
                text: item.message.clone(),
            },
            locations,
            related_locations: item
                .related
                .iter()
                .enumerate()
                .map(|(i, r)| self.related(i, r))
                .collect(),
            fixes: item
                .fix
                .iter()
                .map(|f| SarifFix {
                    description: Text {
                        text: f.title.clone(),
                    },
                    artifact_changes: self.fix_changes(&f.edits),
                })
                .collect(),
            properties: ResultProperties {
                severity: item.severity.as_str(),
            },
        }
    }
}

pub(crate) fn render(report: &Report, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    // The enabled rules, then any rule that reported without being listed.
    let mut metas: Vec<&'static RuleMeta> = Vec::new();
    for meta in opts
        .rules
        .iter()
        .copied()
        .chain(report.items.iter().map(|i| i.rule))
    {
        if !metas.iter().any(|m| m.id == meta.id) {
            metas.push(meta);
        }
    }
    let mut ctx = Ctx {
        chars: CharOffsets::default(),
    };
    let results = report
        .items
        .iter()
        .map(|item| {
            let index = metas.iter().position(|m| m.id == item.rule.id).unwrap_or(0);
            ctx.result(item, index)
        })
        .collect();
    let notifications = report
        .errors
        .iter()
        .map(|e| {
            let region = e.line.map(|line| Region {
                start_line: line.max(1),
                start_column: e.column.map(|c| c.max(1)),
                ..Region::default()
            });
            Notification {
                level: "error",
                message: Text {
                    text: e.message.clone(),
                },
                locations: vec![SarifLocation {
                    physical_location: Some(PhysicalLocation {
                        artifact_location: ArtifactLocation {
                            uri: file_uri(&e.path),
                        },
                        region,
                    }),
                    ..SarifLocation::default()
                }],
            }
        })
        .collect();
    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "drydock",
                    version: &opts.tool_version,
                    information_uri: Some(env!("CARGO_PKG_REPOSITORY")).filter(|u| !u.is_empty()),
                    rules: metas.iter().map(|m| rule(m)).collect(),
                },
            },
            invocations: vec![Invocation {
                execution_successful: report.errors.is_empty(),
                tool_execution_notifications: notifications,
            }],
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log).map_err(io::Error::other)?;
    writeln!(out)
}
