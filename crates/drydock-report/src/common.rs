//! Helpers shared by the renderers: clamping byte ranges to a file and
//! turning them into lines and columns, counting findings, file URIs.

use std::collections::HashMap;

use drydock_core::{Applicability, LineCol, Severity, SourceFile, TextRange};

use crate::{Location, Report};

/// A byte range clamped to its file and snapped to character boundaries,
/// with 1-based lines and columns (columns count characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResolvedRange {
    /// Start byte offset (clamped to the text, on a character boundary).
    pub offset: u32,
    /// End byte offset (clamped, on a character boundary, `>= offset`).
    pub end_offset: u32,
    pub start: LineCol,
    /// The position just after the last character of the range.
    pub end: LineCol,
}

/// The length of `text` in bytes, saturated to `u32`.
pub(crate) fn text_len(text: &str) -> u32 {
    u32::try_from(text.len()).unwrap_or(u32::MAX)
}

/// The greatest character boundary `<= off` (and `<= text.len()`).
pub(crate) fn snap_down(text: &str, off: u32) -> u32 {
    let mut o = (off as usize).min(text.len());
    while o > 0 && !text.is_char_boundary(o) {
        o -= 1;
    }
    u32::try_from(o).unwrap_or(u32::MAX)
}

/// The smallest character boundary `>= off`, clamped to `text.len()`.
pub(crate) fn snap_up(text: &str, off: u32) -> u32 {
    let mut o = (off as usize).min(text.len());
    while o < text.len() && !text.is_char_boundary(o) {
        o += 1;
    }
    u32::try_from(o).unwrap_or(u32::MAX)
}

/// Clamps `range` to `file` (ranges past the end move to the end, ranges
/// that cut a character widen to cover it) and computes lines and columns.
pub fn resolve_range(file: &SourceFile, range: TextRange) -> ResolvedRange {
    let text = &*file.text;
    let offset = snap_down(text, range.start.min(text_len(text)));
    let end_offset = snap_up(text, range.end.min(text_len(text))).max(offset);
    ResolvedRange {
        offset,
        end_offset,
        start: file.line_col(offset),
        end: file.line_col(end_offset),
    }
}

/// Counts of one report, for summary lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub findings: usize,
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
    /// Findings with a safe fix (applied by `--fix`).
    pub fixable_safe: usize,
    /// Findings with an unsafe fix (applied by `--fix --unsafe-fixes`).
    pub fixable_unsafe: usize,
    pub errors: usize,
}

impl Summary {
    pub fn of(report: &Report) -> Summary {
        let mut s = Summary {
            findings: report.items.len(),
            errors: report.errors.len(),
            ..Summary::default()
        };
        for item in &report.items {
            *s.count_mut(item.severity) += 1;
            match item.fix.as_ref().map(|f| f.applicability) {
                Some(Applicability::Safe) => s.fixable_safe += 1,
                Some(Applicability::Unsafe) => s.fixable_unsafe += 1,
                None => {}
            }
        }
        s
    }

    pub fn count(&self, severity: Severity) -> usize {
        match severity {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }

    fn count_mut(&mut self, severity: Severity) -> &mut usize {
        match severity {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Info => &mut self.info,
        }
    }
}

/// Severities from most to least severe.
pub(crate) const SEVERITIES_DESC: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
];

/// `"1 finding"`, `"2 findings"`.
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Turns a display path into a URI reference: relative paths stay relative
/// (with `/` separators), absolute paths become `file://` URIs, and every
/// byte outside the URI's unreserved and path characters is percent-encoded
/// (spaces, `%`, `#`, `?`, `:`, non-ASCII).
pub fn file_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let bytes = path.as_bytes();
    let is_drive =
        bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    let mut out = String::with_capacity(path.len() + 8);
    let rest: &str = if is_drive {
        out.push_str("file:///");
        out.push(char::from(bytes[0]));
        out.push(':');
        path.get(2..).unwrap_or("")
    } else if path.starts_with("//") {
        // A UNC path `//server/share/x`.
        out.push_str("file:");
        &path
    } else if path.starts_with('/') {
        out.push_str("file://");
        &path
    } else {
        &path
    };
    for &b in rest.as_bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.' | b'_' | b'~' | b'/' | b'!' | b'$' | b'&' | b'\'' | b'(' | b')'
            )
            || matches!(b, b'*' | b'+' | b',' | b';' | b'=' | b'@');
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Converts byte offsets into character (code point) offsets, for SARIF's
/// `charOffset`. Built once per file and render; queries cost at most one
/// chunk scan.
#[derive(Default)]
pub(crate) struct CharOffsets {
    files: HashMap<usize, Vec<u32>>,
}

const CHUNK: usize = 16 * 1024;

fn count_chars(bytes: &[u8]) -> u32 {
    let n = bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl CharOffsets {
    /// The number of characters of `file` before byte `offset` (clamped).
    pub(crate) fn char_offset(&mut self, file: &SourceFile, offset: u32) -> u32 {
        let bytes = file.text.as_bytes();
        let key = file.text.as_ptr() as usize;
        let checkpoints = self.files.entry(key).or_insert_with(|| {
            let mut v = Vec::with_capacity(bytes.len() / CHUNK + 1);
            let mut total = 0u32;
            v.push(0);
            for chunk in bytes.chunks(CHUNK) {
                total = total.saturating_add(count_chars(chunk));
                v.push(total);
            }
            v
        });
        let off = (offset as usize).min(bytes.len());
        let k = off / CHUNK;
        let base = checkpoints.get(k).copied().unwrap_or(0);
        base.saturating_add(count_chars(bytes.get(k * CHUNK..off).unwrap_or(&[])))
    }
}

/// `path:line:col` of a location, or the API path, or `None`.
pub(crate) fn location_label(location: &Location) -> Option<String> {
    match location {
        Location::File { file, range } => {
            let r = resolve_range(file, *range);
            Some(format!("{}:{}:{}", file.path, r.start.line, r.start.column))
        }
        Location::Api { object, path } => Some(api_label(object, path)),
        Location::None => None,
    }
}

pub(crate) fn api_label(object: &str, path: &str) -> String {
    if path.is_empty() {
        object.to_string()
    } else {
        format!("{object}: {path}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use drydock_core::FileKind;

    #[test]
    fn uris() {
        assert_eq!(file_uri("a dir/Dockerfile"), "a%20dir/Dockerfile");
        assert_eq!(file_uri("sub\\x.yml"), "sub/x.yml");
        assert_eq!(file_uri("/abs/p#1"), "file:///abs/p%231");
        assert_eq!(file_uri("C:\\w\\d f"), "file:///C:/w/d%20f");
        assert_eq!(file_uri("é:x"), "%C3%A9%3Ax");
        assert_eq!(file_uri("-"), "-");
    }

    #[test]
    fn resolve_clamps_and_snaps() {
        let f = SourceFile::new("f", FileKind::Other, "aé\nb");
        // 2 is inside 'é' (bytes 1..3).
        let r = resolve_range(&f, TextRange::new(2, 2));
        assert_eq!((r.offset, r.end_offset), (1, 3));
        let r = resolve_range(&f, TextRange::new(90, 100));
        assert_eq!((r.offset, r.end_offset), (5, 5));
        assert_eq!(r.start, LineCol { line: 2, column: 2 });
    }

    #[test]
    fn char_offsets() {
        let text = "é".repeat(CHUNK);
        let f = SourceFile::new("f", FileKind::Other, text.as_str());
        let mut c = CharOffsets::default();
        assert_eq!(c.char_offset(&f, 4), 2);
        assert_eq!(
            c.char_offset(&f, (CHUNK * 2 - 2) as u32),
            (CHUNK - 1) as u32
        );
        assert_eq!(c.char_offset(&f, u32::MAX), CHUNK as u32);
    }
}
