//! Turns engine findings (origins as file ids and byte ranges) into report
//! items (files with their text).

use crate::{FileEdit, Location, Redaction, ReportFix, ReportItem, ReportRelated};
use drydock_core::{Finding, Origin, SourceMap};

/// The report location of an origin.
pub fn location(origin: &Origin, sources: &SourceMap) -> Location {
    match origin {
        Origin::File { file, range } => match sources.get(*file) {
            Some(f) => Location::File {
                file: f.clone(),
                range: *range,
            },
            None => Location::None,
        },
        Origin::Api(path) => Location::Api {
            object: String::new(),
            path: path.clone(),
        },
        Origin::Implicit => Location::None,
    }
}

/// A report item for a finding whose origins name files in `sources`.
pub fn item(f: &Finding, sources: &SourceMap) -> ReportItem {
    ReportItem {
        rule: f.rule,
        severity: f.severity,
        message: f.message.clone(),
        location: location(&f.origin, sources),
        related: f
            .related
            .iter()
            .map(|r| ReportRelated {
                location: location(&r.origin, sources),
                message: r.message.clone(),
            })
            .collect(),
        fix: f.fix.as_ref().map(|fix| ReportFix {
            title: fix.title.clone(),
            applicability: fix.applicability,
            edits: fix
                .edits
                .iter()
                .filter_map(|e| {
                    Some(FileEdit {
                        file: sources.get(e.file)?.clone(),
                        range: e.range,
                        content: e.content.clone(),
                    })
                })
                .collect(),
        }),
    }
}

/// The secret ranges findings ask to mask, with their files' paths.
pub fn redactions(findings: &[Finding], sources: &SourceMap) -> Vec<Redaction> {
    findings
        .iter()
        .filter_map(|f| {
            let range = f.redact?;
            let (file, _) = f.origin.file_range()?;
            Some(Redaction {
                path: sources.get(file)?.path.clone(),
                range,
            })
        })
        .collect()
}
