//! GitHub Actions workflow commands (`::error file=…,line=…::message`), one
//! per finding and per scan error, so findings show as annotations on the
//! pull request.

use std::io::{self, Write};

use drydock_core::{Applicability, Severity};

use crate::common::{location_label, resolve_range};
use crate::{Location, RenderOptions, Report, ReportItem};

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "notice",
    }
}

/// Escapes a command's message (`%`, CR, LF).
pub(crate) fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a property value (`%`, CR, LF, `:` and `,`).
pub(crate) fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn message(item: &ReportItem) -> String {
    let mut msg = item.message.clone();
    if let Location::Api { .. } = item.location
        && let Some(label) = location_label(&item.location)
    {
        msg.push_str(&format!(" (at {label})"));
    }
    for rel in &item.related {
        match location_label(&rel.location) {
            Some(label) => msg.push_str(&format!("\nnote: {label}: {}", rel.message)),
            None => msg.push_str(&format!("\nnote: {}", rel.message)),
        }
    }
    if let Some(fix) = &item.fix {
        let unsafe_note = if fix.applicability == Applicability::Unsafe {
            " (unsafe fix)"
        } else {
            ""
        };
        msg.push_str(&format!("\nhelp: {}{unsafe_note}", fix.title));
    }
    msg
}

pub(crate) fn render(
    report: &Report,
    _opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    for item in &report.items {
        let mut props = Vec::new();
        if let Location::File { file, range } = &item.location {
            let r = resolve_range(file, *range);
            props.push(format!("file={}", escape_property(&file.path)));
            props.push(format!("line={}", r.start.line));
            props.push(format!("col={}", r.start.column));
            props.push(format!("endLine={}", r.end.line));
            props.push(format!("endColumn={}", r.end.column));
        }
        props.push(format!(
            "title={}",
            escape_property(&format!("{}: {}", item.rule.id, item.rule.title))
        ));
        writeln!(
            out,
            "::{} {}::{}",
            command(item.severity),
            props.join(","),
            escape_data(&message(item))
        )?;
    }
    for error in &report.errors {
        let mut props = vec![format!("file={}", escape_property(&error.path))];
        if let Some(line) = error.line {
            props.push(format!("line={line}"));
            if let Some(col) = error.column {
                props.push(format!("col={col}"));
            }
        }
        props.push("title=drydock".to_string());
        writeln!(
            out,
            "::error {}::{}",
            props.join(","),
            escape_data(&error.message)
        )?;
    }
    Ok(())
}
