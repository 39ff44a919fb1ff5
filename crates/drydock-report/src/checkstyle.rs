//! Checkstyle XML (the format reviewdog, Jenkins' warnings plugin and many
//! CI dashboards read): one `<file>` per path in the order first seen, one
//! `<error>` per finding. Findings located by API path go under a `<file>`
//! named after the API object; findings without a location under a `<file>`
//! with an empty name. Scan errors use the source `drydock.scan-error`.

use std::io::{self, Write};

use drydock_core::Severity;

use crate::common::{location_label, resolve_range};
use crate::{Location, RenderOptions, Report};

/// Escapes text for an XML attribute value. Characters that XML 1.0 does
/// not allow at all (most C0 controls, U+FFFE, U+FFFF) become U+FFFD.
pub(crate) fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "info",
    }
}

struct Entry {
    line: Option<u32>,
    column: Option<u32>,
    severity: &'static str,
    message: String,
    source: String,
}

pub(crate) fn render(
    report: &Report,
    _opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut files: Vec<(String, Vec<Entry>)> = Vec::new();
    let mut push = |name: &str, entry: Entry| match files.iter_mut().find(|(n, _)| n == name) {
        Some((_, entries)) => entries.push(entry),
        None => files.push((name.to_string(), vec![entry])),
    };
    for item in &report.items {
        let mut message = item.message.clone();
        for rel in &item.related {
            match location_label(&rel.location) {
                Some(label) => message.push_str(&format!(" (note: {label}: {})", rel.message)),
                None => message.push_str(&format!(" (note: {})", rel.message)),
            }
        }
        let source = format!("drydock.{}", item.rule.id);
        let sev = severity(item.severity);
        match &item.location {
            Location::File { file, range } => {
                let r = resolve_range(file, *range);
                let entry = Entry {
                    line: Some(r.start.line),
                    column: Some(r.start.column),
                    severity: sev,
                    message,
                    source,
                };
                push(&file.path, entry);
            }
            Location::Api { object, path } => {
                if !path.is_empty() {
                    message = format!("{path}: {message}");
                }
                push(
                    object,
                    Entry {
                        line: None,
                        column: None,
                        severity: sev,
                        message,
                        source,
                    },
                );
            }
            Location::None => push(
                "",
                Entry {
                    line: None,
                    column: None,
                    severity: sev,
                    message,
                    source,
                },
            ),
        }
    }
    for error in &report.errors {
        let entry = Entry {
            line: error.line,
            column: error.column,
            severity: "error",
            message: error.message.clone(),
            source: "drydock.scan-error".to_string(),
        };
        push(&error.path, entry);
    }

    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(out, r#"<checkstyle version="4.3">"#)?;
    for (name, entries) in &files {
        writeln!(out, r#"  <file name="{}">"#, escape_xml(name))?;
        for e in entries {
            write!(out, "    <error")?;
            if let Some(line) = e.line {
                write!(out, r#" line="{line}""#)?;
            }
            if let Some(column) = e.column {
                write!(out, r#" column="{column}""#)?;
            }
            writeln!(
                out,
                r#" severity="{}" message="{}" source="{}"/>"#,
                e.severity,
                escape_xml(&e.message),
                escape_xml(&e.source)
            )?;
        }
        writeln!(out, "  </file>")?;
    }
    writeln!(out, "</checkstyle>")
}

#[cfg(test)]
mod tests {
    use super::escape_xml;

    #[test]
    fn escapes() {
        assert_eq!(
            escape_xml("a<b>&\"'\n\u{1}\u{7f}"),
            "a&lt;b&gt;&amp;&quot;&apos;&#10;\u{FFFD}\u{7f}"
        );
    }
}
