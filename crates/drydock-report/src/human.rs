//! The human format: rustc-style diagnostics drawn by `annotate-snippets`,
//! then scan errors, then a summary line.
//!
//! Snippets are cut from a small window around each range (a few lines, and
//! a few hundred bytes either side on long lines), never from the whole
//! file, so huge or minified files render fast.

use std::borrow::Cow;
use std::io::{self, Write};

use std::collections::HashMap;

use annotate_snippets::renderer::DecorStyle;
use annotate_snippets::{
    Annotation, AnnotationKind, Element, Group, Level, Origin, Renderer, Snippet,
    normalize_untrusted_str,
};
use drydock_core::{Applicability, Severity, SourceFile, TextRange};

use crate::common::{
    SEVERITIES_DESC, Summary, api_label, plural, resolve_range, snap_down, snap_up,
};
use crate::{Location, RenderOptions, Report, ReportItem};

/// At most this many lines of a multi-line range are shown.
const MAX_LINES: usize = 8;
/// At most this many bytes of a range are shown.
const MAX_SPAN_BYTES: u32 = 2048;
/// A line is cut when more than this many bytes precede or follow the range.
const LONG_LINE: u32 = 1024;
/// Bytes of context kept on each side of a range on a cut line (the
/// renderer trims further to the terminal width).
const CONTEXT_BYTES: u32 = 200;
const ELLIPSIS: &str = "...";

pub(crate) fn render(report: &Report, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let renderer = if opts.color {
        Renderer::styled()
    } else {
        Renderer::plain()
    }
    .decor_style(DecorStyle::Ascii);
    let mut masks: Masks<'_> = HashMap::new();
    for r in &report.redactions {
        masks.entry(r.path.as_str()).or_default().push(r.range);
    }
    for item in &report.items {
        let text = render_item(&renderer, item, &masks);
        writeln!(out, "{text}\n")?;
    }
    for error in &report.errors {
        let mut place = error.path.clone();
        if let Some(line) = error.line {
            place.push_str(&format!(":{line}"));
            if let Some(col) = error.column {
                place.push_str(&format!(":{col}"));
            }
        }
        let group =
            Group::with_title(Level::ERROR.primary_title(format!("{place}: {}", error.message)));
        writeln!(out, "{}", renderer.render(&[group]))?;
    }
    if !report.errors.is_empty() {
        writeln!(out)?;
    }
    if let Some(image) = &report.image {
        if let Some(rows) = &image.vulnerabilities {
            write!(out, "{}", vulnerability_table(image, rows))?;
        }
        writeln!(out, "{}", image_line(image))?;
    }
    writeln!(out, "{}", summary_line(report))
}

/// The vulnerabilities grouped by package: the package line (name,
/// version, type, where it was declared), then one line per advisory with
/// its severity, score, aliases and the fixed version.
pub fn vulnerability_table(
    image: &crate::ImageSection,
    rows: &[crate::VulnerabilityRow],
) -> String {
    let mut out = String::new();
    if rows.is_empty() {
        out.push_str("No known vulnerabilities.\n");
        return out;
    }
    let mut current: Option<usize> = None;
    for v in rows {
        if current != Some(v.package) {
            current = Some(v.package);
            match image.packages.get(v.package) {
                Some(p) => out.push_str(&format!(
                    "{} {} ({}, {})\n",
                    p.name,
                    p.version,
                    p.kind.syft_type(),
                    p.location
                )),
                None => out.push_str("(unknown package)\n"),
            }
        }
        let score = v.score.map(|s| format!(" {s:.1}")).unwrap_or_default();
        let aliases = if v.aliases.is_empty() {
            String::new()
        } else {
            format!(" ({})", v.aliases.join(", "))
        };
        let fixed = match &v.fixed {
            Some(f) => format!("fixed in {f}"),
            None => "no fix yet".to_string(),
        };
        out.push_str(&format!(
            "  {:<8}{score:<5} {}{aliases}: {fixed}\n",
            v.severity, v.id
        ));
    }
    let packages: std::collections::BTreeSet<usize> = rows.iter().map(|v| v.package).collect();
    out.push_str(&format!(
        "{} in {}.\n\n",
        plural(rows.len(), "vulnerability", "vulnerabilities"),
        plural(packages.len(), "package", "packages")
    ));
    out
}

/// `Image debian.tar: linux/amd64, Debian GNU/Linux 12 (bookworm), 1 layer,
/// 211.3 MB, 9123 files, 88 packages (88 deb).`
pub fn image_line(image: &crate::ImageSection) -> String {
    let mut parts = Vec::new();
    if let Some(p) = &image.platform {
        parts.push(p.clone());
    }
    if let Some(os) = &image.os {
        let name = os.pretty_name.clone().or_else(|| os.distro_qualifier());
        if let Some(n) = name {
            parts.push(n);
        }
    }
    parts.push(plural(image.layers, "layer", "layers"));
    parts.push(format!("{:.1} MB", image.bytes as f64 / 1e6));
    parts.push(plural(image.files, "file", "files"));
    let mut kinds: Vec<(&'static str, usize)> = Vec::new();
    for p in &image.packages {
        let t = p.kind.syft_type();
        match kinds.iter_mut().find(|(k, _)| *k == t) {
            Some((_, n)) => *n += 1,
            None => kinds.push((t, 1)),
        }
    }
    let mut packages = plural(image.packages.len(), "package", "packages");
    if !kinds.is_empty() {
        let by: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
        packages.push_str(&format!(" ({})", by.join(", ")));
    }
    parts.push(packages);
    format!("Image {}: {}.", image.name, parts.join(", "))
}

fn level_for(severity: Severity) -> Level<'static> {
    let level = match severity {
        Severity::Critical | Severity::High => Level::ERROR,
        Severity::Medium | Severity::Low => Level::WARNING,
        Severity::Info => Level::INFO,
    };
    level.with_name(severity.as_str())
}

/// Secret ranges to mask, by file path.
pub(crate) type Masks<'a> = HashMap<&'a str, Vec<TextRange>>;

/// One item as a rendered diagnostic (no trailing newline).
pub(crate) fn render_item(renderer: &Renderer, item: &ReportItem, masks: &Masks<'_>) -> String {
    let mut elements: Vec<Element<'_>> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut related_done = vec![false; item.related.len()];

    // Windows whose rendered origin column must be corrected (see `fix_origin_columns`).
    let mut origins: Vec<(String, u32, u32, bool)> = Vec::new();

    match &item.location {
        Location::File { file, range } => {
            let r = resolve_range(file, *range);
            // Related ranges of the same file and a few lines away share the
            // primary snippet when the combined window needs no cutting.
            let index = file.line_index();
            let line = index.line_of(r.offset);
            let mut cover = TextRange::new(r.offset, r.end_offset);
            let mut shared = Vec::new();
            for (i, rel) in item.related.iter().enumerate() {
                if let Location::File {
                    file: rfile,
                    range: rrange,
                } = &rel.location
                    && std::ptr::eq(&**rfile, &**file)
                {
                    let rr = resolve_range(rfile, *rrange);
                    if index.line_of(rr.offset).abs_diff(line) < MAX_LINES {
                        cover = cover.cover(TextRange::new(rr.offset, rr.end_offset));
                        shared.push((i, rr));
                    }
                }
            }
            let mut window = Window::new(file, cover);
            if window.clipped || window.prefix || window.suffix {
                window = Window::new(file, *range);
                shared.clear();
            }
            let mut annotations =
                vec![AnnotationKind::Primary.span(window.span(r.offset, r.end_offset))];
            for (i, rr) in shared {
                annotations.push(
                    AnnotationKind::Context
                        .span(window.span(rr.offset, rr.end_offset))
                        .label(normalize_untrusted_str(&item.related[i].message)),
                );
                related_done[i] = true;
            }
            origins.push((
                file.path.clone(),
                r.start.line,
                r.start.column,
                window.prefix,
            ));
            let m = masks.get(file.path.as_str()).map_or(&[][..], Vec::as_slice);
            elements.push(
                window
                    .snippet(annotations, m)
                    .path(file.path.as_str())
                    .into(),
            );
            if window.clipped {
                notes.push(format!(
                    "the highlighted range is cut short; it ends at {}:{}:{}",
                    file.path, r.end.line, r.end.column
                ));
            }
        }
        Location::Api { object, path } => {
            elements.push(Origin::path(api_label(object, path)).into());
        }
        Location::None => {}
    }

    for (i, rel) in item.related.iter().enumerate() {
        if related_done[i] {
            continue;
        }
        match &rel.location {
            Location::File { file, range } => {
                let window = Window::new(file, *range);
                let r = resolve_range(file, *range);
                let ann = AnnotationKind::Context
                    .span(window.span(r.offset, r.end_offset))
                    .label(normalize_untrusted_str(&rel.message));
                origins.push((
                    file.path.clone(),
                    r.start.line,
                    r.start.column,
                    window.prefix,
                ));
                let m = masks.get(file.path.as_str()).map_or(&[][..], Vec::as_slice);
                elements.push(window.snippet(vec![ann], m).path(file.path.as_str()).into());
            }
            Location::Api { object, path } => {
                notes.push(format!("{}: {}", api_label(object, path), rel.message));
            }
            Location::None => notes.push(rel.message.clone()),
        }
    }

    for note in notes {
        elements.push(Level::NOTE.message(normalize_untrusted_str(&note)).into());
    }
    if let Some(fix) = &item.fix {
        let mut help = normalize_untrusted_str(&fix.title);
        if fix.applicability == Applicability::Unsafe {
            help.push_str(" (unsafe fix)");
        }
        elements.push(Level::HELP.message(help).into());
    }

    let title = level_for(item.severity)
        .primary_title(item.message.as_str())
        .id(item.rule.id);
    let group = Group::with_title(title).elements(elements);
    fix_origin_columns(renderer.render(&[group]), &origins)
}

/// `annotate-snippets` computes the column of a snippet's `path:line:col`
/// header from the snippet source; when the window starts mid-line (long
/// lines), that column is relative to the cut. This rewrites those headers,
/// in order, with the column computed from the whole file.
fn fix_origin_columns(mut rendered: String, origins: &[(String, u32, u32, bool)]) -> String {
    // Skip the title line: the message could contain the same text.
    let mut cursor = rendered.find('\n').unwrap_or(rendered.len());
    for (path, line, column, cut) in origins {
        let needle = format!("{}:{line}:", normalize_untrusted_str(path));
        let Some(found) = rendered.get(cursor..).and_then(|rest| rest.find(&needle)) else {
            continue;
        };
        let digits_start = cursor + found + needle.len();
        let digits_len = rendered.get(digits_start..).map_or(0, |rest| {
            rest.bytes().take_while(u8::is_ascii_digit).count()
        });
        if *cut && digits_len > 0 {
            rendered.replace_range(digits_start..digits_start + digits_len, &column.to_string());
        }
        cursor = digits_start;
    }
    rendered
}

/// `text[start..end]` with every masked range replaced by `*` after its
/// first few characters. Byte lengths are kept (a masked multi-byte
/// character becomes several `*`), so annotation offsets stay right.
fn mask(text: &str, start: u32, end: u32, masks: &[TextRange]) -> String {
    let mut bytes = text
        .as_bytes()
        .get(start as usize..end as usize)
        .unwrap_or(&[])
        .to_vec();
    for m in masks {
        let secret = text.get(m.start as usize..m.end as usize).unwrap_or("");
        let keep = drydock_core::shown_secret_prefix(secret.chars().count());
        let keep_end = secret
            .char_indices()
            .nth(keep)
            .map_or(m.end as usize, |(i, _)| m.start as usize + i);
        for pos in keep_end.max(start as usize)..(m.end as usize).min(end as usize) {
            if let Some(b) = bytes.get_mut(pos - start as usize) {
                *b = b'*';
            }
        }
    }
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// A slice of a file around a range, ready to be a snippet's source.
struct Window<'a> {
    file: &'a SourceFile,
    /// Byte offsets of the slice in the file.
    start: u32,
    end: u32,
    prefix: bool,
    suffix: bool,
    /// 1-based line of `start`.
    line: usize,
    /// The range did not fit and was cut.
    clipped: bool,
}

impl<'a> Window<'a> {
    fn new(file: &'a SourceFile, range: TextRange) -> Window<'a> {
        let text = &*file.text;
        let index = file.line_index();
        let r = resolve_range(file, range);
        let (s, e) = (r.offset, r.end_offset);

        let first_line = index.line_of(s);
        let line_start = index.line_start(first_line);

        // Clip the end of the range: at most MAX_LINES lines, MAX_SPAN_BYTES bytes.
        let mut clip_end = e;
        let last_allowed = index.line_range(first_line + MAX_LINES - 1, text).end;
        if clip_end > last_allowed && index.line_of(clip_end) >= first_line + MAX_LINES {
            clip_end = last_allowed.max(s);
        }
        if clip_end - s > MAX_SPAN_BYTES {
            clip_end = snap_down(text, s + MAX_SPAN_BYTES).max(s);
        }
        let clipped = clip_end < e;

        // The line the (clipped) range ends on; a range that ends right after
        // a newline ends on the line before.
        let end_probe =
            if clip_end > s && text.as_bytes().get(clip_end as usize - 1) == Some(&b'\n') {
                clip_end - 1
            } else {
                clip_end
            };
        let last_line = index.line_of(end_probe);
        let line_end = index.line_range(last_line, text).end;

        let mut start = line_start;
        let mut prefix = false;
        if s.saturating_sub(line_start) > LONG_LINE {
            start = snap_down(text, s - CONTEXT_BYTES);
            prefix = start > line_start;
        }
        let mut end = line_end.max(start);
        let mut suffix = false;
        if line_end > clip_end.saturating_add(LONG_LINE) {
            end = snap_up(text, clip_end.saturating_add(CONTEXT_BYTES));
            suffix = end < line_end;
        }
        Window {
            file,
            start,
            end,
            prefix,
            suffix,
            line: first_line + 1,
            clipped,
        }
    }

    /// A file byte range as a range into the snippet source.
    fn span(&self, s: u32, e: u32) -> std::ops::Range<usize> {
        let shift = if self.prefix { ELLIPSIS.len() } else { 0 };
        let clamp = |o: u32| (o.clamp(self.start, self.end) - self.start) as usize + shift;
        clamp(s)..clamp(e)
    }

    fn source(&self, masks: &[TextRange]) -> String {
        let body = self
            .file
            .text
            .get(self.start as usize..self.end as usize)
            .unwrap_or("");
        let masked;
        let body = if masks
            .iter()
            .any(|m| m.start < self.end && self.start < m.end)
        {
            masked = mask(&self.file.text, self.start, self.end, masks);
            masked.as_str()
        } else {
            body
        };
        let mut src = String::with_capacity(body.len() + 2 * ELLIPSIS.len());
        if self.prefix {
            src.push_str(ELLIPSIS);
        }
        src.push_str(body);
        if self.suffix {
            src.push_str(ELLIPSIS);
        }
        src
    }

    fn snippet<'b>(
        &self,
        annotations: Vec<Annotation<'b>>,
        masks: &[TextRange],
    ) -> Snippet<'b, Annotation<'b>> {
        Snippet::source(Cow::Owned(self.source(masks)))
            .line_start(self.line)
            .annotations(annotations)
    }
}

/// `Found 3 findings (1 high, 2 low) in 2 files; …` or `No findings in 2 files.`
pub fn summary_line(report: &Report) -> String {
    let s = Summary::of(report);
    let files = plural(report.files_scanned, "file", "files");
    let mut parts = Vec::new();
    if s.findings == 0 {
        parts.push(format!("No findings in {files}"));
    } else {
        let by: Vec<String> = SEVERITIES_DESC
            .iter()
            .filter(|sev| s.count(**sev) > 0)
            .map(|sev| format!("{} {}", s.count(*sev), sev.as_str()))
            .collect();
        parts.push(format!(
            "Found {} ({}) in {files}",
            plural(s.findings, "finding", "findings"),
            by.join(", ")
        ));
        if s.fixable_safe > 0 || s.fixable_unsafe > 0 {
            let mut fixable = format!("{} fixable with --fix", s.fixable_safe);
            if s.fixable_unsafe > 0 {
                fixable.push_str(&format!(" ({} more with --unsafe-fixes)", s.fixable_unsafe));
            }
            parts.push(fixable);
        }
    }
    if report.suppressed > 0 {
        parts.push(format!("{} suppressed", report.suppressed));
    }
    if report.fixes_applied > 0 {
        parts.push(format!(
            "{} applied",
            plural(report.fixes_applied, "fix", "fixes")
        ));
    }
    if s.errors > 0 {
        parts.push(plural(s.errors, "error", "errors"));
    }
    format!("{}.", parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_the_same_short_prefix_as_messages() {
        let text = "ENV DB_PASSWORD=hunter2hunter2 X=1";
        let secret = TextRange { start: 16, end: 30 };
        // 14 characters: 3 stay visible, as in the finding's message.
        assert_eq!(
            mask(text, 0, text.len() as u32, &[secret]),
            "ENV DB_PASSWORD=hun*********** X=1"
        );
        // A short password keeps most of itself hidden.
        let text = "p=hunter2";
        assert_eq!(
            mask(text, 0, 9, &[TextRange { start: 2, end: 9 }]),
            "p=h******"
        );
        // A window that starts inside the secret shows none of its prefix
        // beyond what the rule allows.
        assert_eq!(mask(text, 4, 9, &[TextRange { start: 2, end: 9 }]), "*****");
    }
}
