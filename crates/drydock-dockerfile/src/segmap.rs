//! Building a text out of pieces of the file while remembering where each
//! piece came from (the `(text_offset, file_offset)` segments that
//! `drydock_shell::OffsetMap` takes).

use drydock_core::TextRange;

fn to_u32(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// A text assembled from pieces of a file, with its segment map.
#[derive(Clone, Debug, Default)]
pub(crate) struct SegText {
    pub text: String,
    /// `(text_offset, file_offset)`, sorted by text offset, first at 0 when
    /// the text is not empty.
    pub segs: Vec<(usize, usize)>,
}

impl SegText {
    pub fn new() -> Self {
        SegText::default()
    }

    /// Appends `s`, a verbatim copy of the file starting at `file_off`.
    pub fn push_str(&mut self, s: &str, file_off: usize) {
        if s.is_empty() {
            return;
        }
        let here = self.text.len();
        let contiguous = self
            .segs
            .last()
            .is_some_and(|&(t, f)| f + (here - t) == file_off);
        if !contiguous {
            self.segs.push((here, file_off));
        }
        self.text.push_str(s);
    }

    /// Appends a character that stands for the file bytes starting at
    /// `file_off` (verbatim or not: a decoded escape maps to its start).
    pub fn push_char(&mut self, c: char, file_off: usize) {
        let mut buf = [0u8; 4];
        let s: &str = c.encode_utf8(&mut buf);
        let here = self.text.len();
        let contiguous = self
            .segs
            .last()
            .is_some_and(|&(t, f)| f + (here - t) == file_off);
        if !contiguous {
            self.segs.push((here, file_off));
        }
        self.text.push_str(s);
    }

    pub fn map(&self) -> SegMap {
        SegMap {
            segs: self.segs.clone(),
        }
    }
}

/// Offsets in an assembled text → offsets in the file.
#[derive(Clone, Debug, Default)]
pub(crate) struct SegMap {
    segs: Vec<(usize, usize)>,
}

impl SegMap {
    pub fn identity(base: usize) -> Self {
        SegMap {
            segs: vec![(0, base)],
        }
    }

    pub fn map(&self, t: usize) -> usize {
        let i = self.segs.partition_point(|s| s.0 <= t);
        match i.checked_sub(1).and_then(|i| self.segs.get(i)) {
            Some(&(st, sf)) => sf + (t - st),
            None => self
                .segs
                .first()
                .map_or(t, |&(st, sf)| sf.saturating_sub(st - t)),
        }
    }

    /// File range of text bytes `s..e` (the last byte is mapped, so a range
    /// ending before a removed continuation does not swallow it).
    pub fn range(&self, s: usize, e: usize) -> TextRange {
        if e <= s {
            let m = self.map(s);
            return TextRange::from_usize(m, m);
        }
        TextRange::from_usize(self.map(s), self.map(e - 1) + 1)
    }

    /// The map of the sub-text starting at text offset `from`.
    pub fn sub(&self, from: usize) -> SegMap {
        let mut segs = vec![(0, self.map(from))];
        segs.extend(
            self.segs
                .iter()
                .filter(|s| s.0 > from)
                .map(|&(t, f)| (t - from, f)),
        );
        SegMap { segs }
    }

    pub fn to_u32_segments(&self) -> Vec<(u32, u32)> {
        self.segs
            .iter()
            .map(|&(t, f)| (to_u32(t), to_u32(f)))
            .collect()
    }

    pub fn to_offset_map(&self) -> drydock_shell::OffsetMap {
        if self.segs.is_empty() {
            return drydock_shell::OffsetMap::identity(0);
        }
        drydock_shell::OffsetMap::from_segments(self.to_u32_segments())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_and_maps() {
        let mut t = SegText::new();
        t.push_str("ab", 10);
        t.push_str("cd", 12);
        t.push_str("ef", 20);
        assert_eq!(t.text, "abcdef");
        assert_eq!(t.segs, vec![(0, 10), (4, 20)]);
        let m = t.map();
        assert_eq!(m.map(3), 13);
        assert_eq!(m.map(4), 20);
        assert_eq!(m.range(2, 4), TextRange::new(12, 14));
        assert_eq!(m.range(3, 5), TextRange::new(13, 21));
        let s = m.sub(3);
        assert_eq!(s.map(0), 13);
        assert_eq!(s.map(1), 20);
        assert_eq!(s.map(2), 21);
    }
}
