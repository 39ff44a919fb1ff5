//! Mapping byte offsets of the text handed to the parser back to the file.

use drydock_core::TextRange;

/// Maps byte offsets in the text handed to the parser back to byte offsets
/// in the original file.
#[derive(Clone, Debug)]
pub struct OffsetMap {
    /// `(text_offset, file_offset)`, sorted by `text_offset`, first at 0.
    segments: Vec<(u32, u32)>,
    /// When set, every offset maps into this one range: the text is not a
    /// verbatim copy of any part of the file (an `sh -c` string whose
    /// escapes were resolved), so the best we can point at is the whole
    /// word it came from.
    fixed: Option<TextRange>,
}

fn to_u32(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

impl OffsetMap {
    /// The text starts at `base` in the file and is a verbatim copy.
    pub fn identity(base: u32) -> Self {
        OffsetMap {
            segments: vec![(0, base)],
            fixed: None,
        }
    }

    /// Piecewise: each `(text_offset, file_offset)` pair says that text
    /// bytes from `text_offset` (up to the next pair's `text_offset`) are a
    /// verbatim copy of file bytes starting at `file_offset`. Pairs should
    /// be sorted by `text_offset` with the first at 0; other input is
    /// normalised (sorted, duplicates dropped, a missing start
    /// extrapolated), never rejected.
    pub fn from_segments(mut segments: Vec<(u32, u32)>) -> Self {
        segments.sort_by_key(|s| s.0);
        segments.dedup_by_key(|s| s.0);
        match segments.first().copied() {
            None => return OffsetMap::identity(0),
            Some((t, f)) if t != 0 => segments.insert(0, (0, f.saturating_sub(t))),
            Some(_) => {}
        }
        OffsetMap {
            segments,
            fixed: None,
        }
    }

    /// A map sending every offset to `range` (see the `fixed` field).
    pub(crate) fn fixed(range: TextRange) -> Self {
        OffsetMap {
            segments: vec![(0, range.start)],
            fixed: Some(range),
        }
    }

    pub fn map(&self, text_offset: usize) -> u32 {
        if let Some(r) = self.fixed {
            return r.start;
        }
        let t = to_u32(text_offset);
        let i = self.segments.partition_point(|s| s.0 <= t);
        match i.checked_sub(1).and_then(|i| self.segments.get(i)) {
            Some(&(st, sf)) => sf.saturating_add(t - st),
            None => t,
        }
    }

    pub fn map_range(&self, start: usize, end: usize) -> TextRange {
        if let Some(r) = self.fixed {
            return r;
        }
        if end <= start {
            return TextRange::empty_at(self.map(start));
        }
        // Map the last byte rather than `end`, so that a range ending right
        // before a removed line continuation does not swallow it.
        TextRange::new(self.map(start), self.map(end - 1).saturating_add(1))
    }

    /// The map for the sub-text `start..end` of this map's text (a nested
    /// `sh -c` string that is a verbatim slice).
    pub(crate) fn sub(&self, start: usize, end: usize) -> OffsetMap {
        if let Some(r) = self.fixed {
            return OffsetMap::fixed(r);
        }
        let (s, e) = (to_u32(start), to_u32(end));
        let mut segments = vec![(0, self.map(start))];
        segments.extend(
            self.segments
                .iter()
                .filter(|seg| s < seg.0 && seg.0 < e)
                .map(|&(t, f)| (t - s, f)),
        );
        OffsetMap {
            segments,
            fixed: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_and_segments() {
        let m = OffsetMap::identity(10);
        assert_eq!(m.map(0), 10);
        assert_eq!(m.map_range(2, 5), TextRange::new(12, 15));
        // File "ab\\\ncd": text "abcd" with the continuation removed.
        let m = OffsetMap::from_segments(vec![(0, 0), (2, 4)]);
        assert_eq!(m.map(1), 1);
        assert_eq!(m.map(2), 4);
        assert_eq!(m.map_range(0, 2), TextRange::new(0, 2));
        assert_eq!(m.map_range(1, 3), TextRange::new(1, 5));
        assert_eq!(m.map_range(3, 3), TextRange::empty_at(5));
    }

    #[test]
    fn normalises_bad_segments() {
        let m = OffsetMap::from_segments(vec![]);
        assert_eq!(m.map(3), 3);
        let m = OffsetMap::from_segments(vec![(5, 100), (2, 50)]);
        assert_eq!(m.map(0), 48);
        assert_eq!(m.map(6), 101);
        let m = OffsetMap::from_segments(vec![(5, 2)]);
        assert_eq!(m.map(0), 0);
    }

    #[test]
    fn sub_maps_compose() {
        let m = OffsetMap::from_segments(vec![(0, 0), (10, 20), (15, 40)]);
        let s = m.sub(8, 17);
        assert_eq!(s.map(0), 8);
        assert_eq!(s.map(2), 20);
        assert_eq!(s.map(7), 40);
        assert_eq!(s.map(8), 41);
        let f = OffsetMap::fixed(TextRange::new(3, 9));
        assert_eq!(f.map_range(100, 200), TextRange::new(3, 9));
        assert_eq!(f.sub(1, 2).map_range(0, 1), TextRange::new(3, 9));
    }
}
