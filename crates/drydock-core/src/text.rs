//! Byte ranges and the line index that turns them into lines and columns at
//! render time. Positions are stored as byte offsets only.

use std::fmt;

/// A half-open byte range `start..end` into one source text.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct TextRange {
    pub start: u32,
    pub end: u32,
}

impl TextRange {
    pub const EMPTY: TextRange = TextRange { start: 0, end: 0 };

    /// # Panics
    /// Never: an inverted range is normalised.
    pub fn new(start: u32, end: u32) -> Self {
        if start <= end {
            TextRange { start, end }
        } else {
            TextRange {
                start: end,
                end: start,
            }
        }
    }

    /// Builds a range from `usize` offsets, saturating at `u32::MAX` (inputs
    /// larger than 4 GiB are rejected before parsing).
    pub fn from_usize(start: usize, end: usize) -> Self {
        let c = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        Self::new(c(start), c(end))
    }

    pub fn empty_at(offset: u32) -> Self {
        TextRange {
            start: offset,
            end: offset,
        }
    }

    pub fn len(self) -> u32 {
        self.end - self.start
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    pub fn contains(self, offset: u32) -> bool {
        self.start <= offset && offset < self.end
    }

    pub fn contains_range(self, other: TextRange) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    pub fn overlaps(self, other: TextRange) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// The smallest range covering both.
    pub fn cover(self, other: TextRange) -> TextRange {
        TextRange {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn shift(self, by: u32) -> TextRange {
        TextRange {
            start: self.start.saturating_add(by),
            end: self.end.saturating_add(by),
        }
    }

    pub fn as_usize(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The text this range covers in `src`, or `""` when it does not fall on
    /// character boundaries inside `src`.
    pub fn slice(self, src: &str) -> &str {
        src.get(self.as_usize()).unwrap_or("")
    }
}

impl fmt::Debug for TextRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// A 1-based line and a 1-based column counted in Unicode scalar values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// Start offsets of every line of a text; built once per file, on demand.
#[derive(Clone, Debug, Default)]
pub struct LineIndex {
    line_starts: Vec<u32>,
    len: u32,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = Vec::with_capacity(text.len() / 32 + 1);
        line_starts.push(0);
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
            }
        }
        LineIndex {
            line_starts,
            len: u32::try_from(text.len()).unwrap_or(u32::MAX),
        }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// 0-based line number containing `offset`.
    pub fn line_of(&self, offset: u32) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// Byte range of 0-based line `line`, without its line terminator.
    pub fn line_range(&self, line: usize, text: &str) -> TextRange {
        let start = self.line_starts.get(line).copied().unwrap_or(self.len);
        let mut end = self.line_starts.get(line + 1).copied().unwrap_or(self.len);
        let bytes = text.as_bytes();
        while end > start && matches!(bytes.get(end as usize - 1), Some(b'\n' | b'\r')) {
            end -= 1;
        }
        TextRange::new(start, end)
    }

    pub fn line_start(&self, line: usize) -> u32 {
        self.line_starts.get(line).copied().unwrap_or(self.len)
    }

    /// Line and column (both 1-based) of a byte offset; the column counts
    /// characters, not bytes. Offsets past the end clamp to the end.
    pub fn line_col(&self, offset: u32, text: &str) -> LineCol {
        let offset = offset.min(self.len);
        let line = self.line_of(offset);
        let start = self.line_starts[line] as usize;
        let mut end = offset as usize;
        while end > start && !text.is_char_boundary(end) {
            end -= 1;
        }
        let column = text
            .get(start..end)
            .map_or(end - start, |s| s.chars().count());
        LineCol {
            line: u32::try_from(line + 1).unwrap_or(u32::MAX),
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
        }
    }
}

/// Nanoseconds as a Go-style duration: `30s`, `1m30s`, `500ms`.
pub fn format_duration_ns(ns: i64) -> String {
    if ns <= 0 {
        return "0s".to_string();
    }
    if ns % 1_000_000_000 != 0 {
        if ns % 1_000_000 == 0 {
            return format!("{}ms", ns / 1_000_000);
        }
        return format!("{}s", ns as f64 / 1e9);
    }
    let mut s = ns / 1_000_000_000;
    let mut out = String::new();
    if s >= 3600 {
        out.push_str(&format!("{}h", s / 3600));
        s %= 3600;
    }
    if s >= 60 {
        out.push_str(&format!("{}m", s / 60));
        s %= 60;
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_chars() {
        let text = "ab\nçé x\n\nlast";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(0, text), LineCol { line: 1, column: 1 });
        assert_eq!(idx.line_col(3, text), LineCol { line: 2, column: 1 });
        // "çé " is 5 bytes; 'x' is the 4th character.
        assert_eq!(idx.line_col(8, text), LineCol { line: 2, column: 4 });
        assert_eq!(idx.line_col(11, text), LineCol { line: 4, column: 1 });
        assert_eq!(idx.line_col(999, text), LineCol { line: 4, column: 5 });
        assert_eq!(idx.line_range(1, text).slice(text), "çé x");
    }

    #[test]
    fn mid_char_offset_does_not_panic() {
        let text = "é";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(1, text).column, 1);
    }

    proptest::proptest! {
        #[test]
        fn line_col_never_panics(text in ".{0,200}", off in 0u32..400) {
            let idx = LineIndex::new(&text);
            let lc = idx.line_col(off, &text);
            proptest::prop_assert!(lc.line >= 1 && lc.column >= 1);
            proptest::prop_assert!((lc.line as usize) <= idx.line_count());
        }
    }
}
