//! A small spanned YAML tree built from saphyr-parser events.
//!
//! Every node records the byte range where it is written. Aliases are
//! resolved while the tree is built: an alias becomes a copy of the anchored
//! node, so its `range` points at the text of the anchor's node (where the
//! value is written) and `alias` records where the `*name` was. `<<` merge
//! keys are applied when a mapping ends: explicit keys win over merged ones,
//! earlier sources in a `<<: [*a, *b]` list win over later ones, and merged
//! entries keep the ranges of their anchored text.
//!
//! Limits (so that hostile input fails fast with a clear error): nesting
//! deeper than [`MAX_DEPTH`] levels, and more than [`MAX_ALIAS_NODES`] nodes
//! materialised by aliases (the "billion laughs" attack) are fatal errors.

use std::collections::{HashMap, HashSet};

use drydock_core::{FileId, ParseError, TextRange};
use saphyr_parser::{Event, Parser, ScalarStyle as SaphyrStyle, Span};

/// Deepest nesting of collections accepted.
pub const MAX_DEPTH: usize = 128;
/// Most nodes that alias expansion may materialise in one document.
pub const MAX_ALIAS_NODES: usize = 100_000;
/// Most nodes that may be copied into the anchor table in one document.
const MAX_ANCHOR_NODES: usize = 1_000_000;

/// How a scalar was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    /// `|` block.
    Literal,
    /// `>` block.
    Folded,
}

/// A scalar's value (after YAML unescaping) and style.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlScalar {
    pub value: String,
    pub style: ScalarStyle,
    /// Interpolation put an empty string where an unset variable's value
    /// belongs: `value` is not what the file means at run time.
    pub unresolved: bool,
}

/// One `key: value` pair of a mapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlEntry {
    pub key: YamlNode,
    pub value: YamlNode,
    /// The entry came from a `<<` merge key.
    pub merged: bool,
}

/// What a node is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum YamlKind {
    Scalar(YamlScalar),
    Seq(Vec<YamlNode>),
    Map(Vec<YamlEntry>),
}

/// A YAML node with its position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlNode {
    /// Byte range of the node as written, without its anchor or tag. For a
    /// quoted scalar it includes the quotes; for a block scalar (`|`, `>`) it
    /// covers the content lines (not the header), trailing blank lines
    /// excluded. For a block collection it runs from its first entry to the
    /// end of its last one.
    pub range: TextRange,
    pub kind: YamlKind,
    /// The tag as written (`!!str`, `!custom`), if any.
    pub tag: Option<String>,
    /// When the node is a copy made for an alias: where the `*alias` is.
    pub alias: Option<TextRange>,
    /// A collection written in flow style (`[…]`, `{…}`).
    pub flow: bool,
    size: usize,
}

impl YamlNode {
    fn new(range: TextRange, kind: YamlKind, tag: Option<String>, flow: bool) -> Self {
        let size = 1 + match &kind {
            YamlKind::Scalar(_) => 0,
            YamlKind::Seq(items) => items.iter().fold(0usize, |a, n| a.saturating_add(n.size)),
            YamlKind::Map(es) => es.iter().fold(0usize, |a, e| {
                a.saturating_add(e.key.size).saturating_add(e.value.size)
            }),
        };
        YamlNode {
            range,
            kind,
            tag,
            alias: None,
            flow,
            size,
        }
    }

    /// Whether this is a scalar whose interpolation left an unset
    /// variable's value out (see [`YamlScalar::unresolved`]).
    pub fn is_unresolved(&self) -> bool {
        matches!(&self.kind, YamlKind::Scalar(s) if s.unresolved)
    }

    /// Builds a plain scalar (for synthesised values).
    pub fn scalar(range: TextRange, value: impl Into<String>, style: ScalarStyle) -> Self {
        Self::new(
            range,
            YamlKind::Scalar(YamlScalar {
                value: value.into(),
                style,
                unresolved: false,
            }),
            None,
            false,
        )
    }

    /// Number of nodes in this subtree (including itself).
    pub fn node_count(&self) -> usize {
        self.size
    }

    pub fn as_scalar(&self) -> Option<&YamlScalar> {
        match &self.kind {
            YamlKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The scalar's text, whatever its style or type.
    pub fn as_str(&self) -> Option<&str> {
        self.as_scalar().map(|s| s.value.as_str())
    }

    pub fn as_seq(&self) -> Option<&[YamlNode]> {
        match &self.kind {
            YamlKind::Seq(v) => Some(v),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[YamlEntry]> {
        match &self.kind {
            YamlKind::Map(v) => Some(v),
            _ => None,
        }
    }

    /// A YAML 1.2 core-schema null: empty plain scalar, `~`, `null`.
    pub fn is_null(&self) -> bool {
        match &self.kind {
            YamlKind::Scalar(s) => {
                s.style == ScalarStyle::Plain
                    && self.tag.is_none()
                    && matches!(s.value.as_str(), "" | "~" | "null" | "Null" | "NULL")
            }
            _ => false,
        }
    }

    /// The entry of a mapping whose key is the scalar `key`.
    pub fn get_entry(&self, key: &str) -> Option<&YamlEntry> {
        self.as_map()?.iter().find(|e| e.key.as_str() == Some(key))
    }

    /// The value of a mapping's `key`.
    pub fn get(&self, key: &str) -> Option<&YamlNode> {
        self.get_entry(key).map(|e| &e.value)
    }

    /// `scalar`, `sequence` or `mapping`, for messages.
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            YamlKind::Scalar(_) if self.is_null() => "null",
            YamlKind::Scalar(_) => "scalar",
            YamlKind::Seq(_) => "sequence",
            YamlKind::Map(_) => "mapping",
        }
    }

    /// Mutable access to every scalar that is a value (not a mapping key),
    /// in document order. Depth is bounded by [`MAX_DEPTH`].
    pub fn for_each_value_scalar_mut(&mut self, f: &mut dyn FnMut(TextRange, &mut YamlScalar)) {
        let range = self.range;
        match &mut self.kind {
            YamlKind::Scalar(s) => f(range, s),
            YamlKind::Seq(items) => items
                .iter_mut()
                .for_each(|n| n.for_each_value_scalar_mut(f)),
            YamlKind::Map(es) => es
                .iter_mut()
                .for_each(|e| e.value.for_each_value_scalar_mut(f)),
        }
    }
}

/// The result of parsing a document: the root (if any) and every problem.
#[derive(Clone, Debug, Default)]
pub struct YamlDoc {
    pub root: Option<YamlNode>,
    /// Fatal errors (syntax, limits) and non-fatal ones (duplicate keys,
    /// extra documents, bad merge values).
    pub errors: Vec<ParseError>,
}

/// Parses the first YAML document of `text`; returns the first fatal error
/// if the text is not usable YAML. An empty document is a null scalar.
pub fn parse_yaml(text: &str, file: FileId) -> Result<YamlNode, ParseError> {
    let doc = parse_yaml_doc(text, file);
    if let Some(e) = doc.errors.iter().find(|e| e.fatal) {
        return Err(e.clone());
    }
    match doc.root {
        Some(r) => Ok(r),
        None => Err(ParseError::fatal(
            file,
            TextRange::EMPTY,
            "empty YAML stream",
        )),
    }
}

/// Converts saphyr's character indexes into byte offsets.
struct Offsets {
    /// Byte offset of each character, plus the text length; `None` for ASCII.
    table: Option<Vec<u32>>,
    len: u32,
}

impl Offsets {
    fn new(text: &str) -> Self {
        let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
        if text.is_ascii() {
            return Offsets { table: None, len };
        }
        let mut t: Vec<u32> = text
            .char_indices()
            .map(|(i, _)| u32::try_from(i).unwrap_or(u32::MAX))
            .collect();
        t.push(len);
        Offsets {
            table: Some(t),
            len,
        }
    }

    fn byte(&self, char_index: usize) -> u32 {
        match &self.table {
            None => u32::try_from(char_index).unwrap_or(u32::MAX).min(self.len),
            Some(t) => t.get(char_index).copied().unwrap_or(self.len),
        }
    }
}

enum FrameKind {
    Seq(Vec<YamlNode>),
    Map(Vec<YamlEntry>, Option<YamlNode>),
}

struct Frame {
    start: u32,
    flow: bool,
    anchor: usize,
    tag: Option<String>,
    kind: FrameKind,
}

struct Builder<'t> {
    text: &'t str,
    file: FileId,
    off: Offsets,
    anchors: HashMap<usize, YamlNode>,
    alias_nodes: usize,
    anchor_nodes: usize,
    errors: Vec<ParseError>,
}

fn tag_string(tag: Option<&saphyr_parser::Tag>) -> Option<String> {
    tag.map(|t| {
        if t.handle == "tag:yaml.org,2002:" {
            format!("!!{}", t.suffix)
        } else {
            format!("{}{}", t.handle, t.suffix)
        }
    })
}

impl Builder<'_> {
    fn range(&self, span: &Span) -> TextRange {
        TextRange::new(
            self.off.byte(span.start.index()),
            self.off.byte(span.end.index()),
        )
    }

    /// Skips anchors and tags (and the blanks and comments after them) at `pos`.
    fn skip_props(&self, mut pos: usize, limit: usize) -> usize {
        let b = self.text.as_bytes();
        while pos < limit && matches!(b.get(pos), Some(b'&' | b'!')) {
            while pos < limit && !matches!(b.get(pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                pos += 1;
            }
            loop {
                match b.get(pos) {
                    Some(b' ' | b'\t' | b'\n' | b'\r') if pos < limit => pos += 1,
                    Some(b'#') if pos < limit => {
                        while pos < limit && !matches!(b.get(pos), Some(b'\n')) {
                            pos += 1;
                        }
                    }
                    _ => break,
                }
            }
        }
        pos.min(limit)
    }

    fn err(&mut self, range: TextRange, msg: impl Into<String>) {
        self.errors.push(ParseError::new(self.file, range, msg));
    }

    fn fatal(&self, range: TextRange, msg: impl Into<String>) -> ParseError {
        ParseError::fatal(self.file, range, msg)
    }

    fn scalar_node(
        &self,
        value: String,
        style: SaphyrStyle,
        tag: Option<String>,
        span: &Span,
    ) -> YamlNode {
        let r = self.range(span);
        let start = self.skip_props(r.start as usize, r.end as usize);
        let mut end = r.end as usize;
        let style = match style {
            SaphyrStyle::Plain => ScalarStyle::Plain,
            SaphyrStyle::SingleQuoted => ScalarStyle::SingleQuoted,
            SaphyrStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
            SaphyrStyle::Literal => ScalarStyle::Literal,
            SaphyrStyle::Folded => ScalarStyle::Folded,
        };
        if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
            let b = self.text.as_bytes();
            while end > start && matches!(b.get(end - 1), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                end -= 1;
            }
        }
        YamlNode::scalar(TextRange::from_usize(start, end), value, style).with_tag(tag)
    }

    /// Applies `<<` merge keys of a finished mapping.
    fn apply_merges(&mut self, entries: Vec<YamlEntry>) -> Vec<YamlEntry> {
        let is_merge = |e: &YamlEntry| {
            e.key.tag.is_none()
                && matches!(&e.key.kind, YamlKind::Scalar(s) if s.style == ScalarStyle::Plain && s.value == "<<")
        };
        if !entries.iter().any(is_merge) {
            return entries;
        }
        let explicit: HashSet<String> = entries
            .iter()
            .filter(|e| !is_merge(e))
            .filter_map(|e| e.key.as_str().map(str::to_string))
            .collect();
        let mut seen = explicit;
        let mut out = Vec::with_capacity(entries.len());
        for e in entries {
            if !is_merge(&e) {
                out.push(e);
                continue;
            }
            let sources: Vec<YamlNode> = match e.value.kind {
                YamlKind::Map(_) => vec![e.value],
                YamlKind::Seq(items) => items,
                _ => {
                    self.err(
                        e.value.range,
                        "the value of a `<<` merge key must be a mapping or a list of mappings",
                    );
                    continue;
                }
            };
            for src in sources {
                match src.kind {
                    YamlKind::Map(src_entries) => {
                        for se in src_entries {
                            let fresh = match se.key.as_str() {
                                Some(k) => seen.insert(k.to_string()),
                                None => true,
                            };
                            if fresh {
                                out.push(YamlEntry { merged: true, ..se });
                            }
                        }
                    }
                    _ => self.err(src.range, "a `<<` merge source must be a mapping"),
                }
            }
        }
        out
    }

    fn check_duplicates(&mut self, entries: &[YamlEntry]) {
        let mut keys: HashSet<&str> = HashSet::new();
        let mut dups = Vec::new();
        for e in entries.iter().filter(|e| !e.merged) {
            if let Some(k) = e.key.as_str()
                && !keys.insert(k)
            {
                dups.push((e.key.range, k.to_string()));
            }
        }
        for (r, k) in dups {
            self.err(r, format!("duplicate mapping key `{k}`"));
        }
    }
}

impl YamlNode {
    fn with_tag(mut self, tag: Option<String>) -> Self {
        self.tag = tag;
        self
    }
}

/// Parses the first document of `text`, collecting every problem. Extra
/// documents are reported (non-fatal) and ignored.
pub fn parse_yaml_doc(text: &str, file: FileId) -> YamlDoc {
    let mut doc = parse_once(text, file);
    // saphyr rejects a flow collection whose closing `]`/`}` sits at the
    // indentation of the enclosing block key, which libyaml (and so Docker
    // Compose) accepts. Retry with that line joined to the previous one:
    // only line breaks and comment-only lines become spaces, so every byte
    // offset stays the same.
    let mut patched: Option<String> = None;
    let mut first_err: Option<ParseError> = None;
    for _ in 0..32 {
        let Some(e) = doc.errors.iter().find(|e| e.fatal).cloned() else {
            break;
        };
        if !e.message.ends_with("invalid indentation") {
            break;
        }
        let cur = patched.as_deref().unwrap_or(text);
        let Some(next) = join_flow_closer(cur, e.range.start as usize) else {
            break;
        };
        first_err.get_or_insert(e);
        doc = parse_once(&next, file);
        patched = Some(next);
    }
    if let Some(first) = first_err
        && let Some(i) = doc.errors.iter().position(|e| e.fatal)
        && doc.errors[i].range.start <= first.range.start
    {
        doc.errors[i] = first;
    }
    doc
}

/// Joins the line holding a flow closer at `at` to the previous content
/// line (blanking comment-only lines between); `None` when not applicable.
fn join_flow_closer(text: &str, at: usize) -> Option<String> {
    let mut b = text.as_bytes().to_vec();
    if !matches!(b.get(at), Some(b']' | b'}')) {
        return None;
    }
    let line_start = |b: &[u8], p: usize| {
        b[..p]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |i| i + 1)
    };
    let mut ls = line_start(&b, at);
    if !b[ls..at].iter().all(|&c| c == b' ' || c == b'\t') {
        return None;
    }
    loop {
        if ls == 0 {
            return None;
        }
        b[ls - 1] = b' ';
        if ls >= 2 && b[ls - 2] == b'\r' {
            b[ls - 2] = b' ';
        }
        let nl = ls - 1;
        let pls = line_start(&b, nl);
        let content = b[pls..nl]
            .iter()
            .position(|&c| !matches!(c, b' ' | b'\t' | b'\r'));
        match content.map(|i| b[pls + i]) {
            None => ls = pls,
            Some(b'#') => {
                b[pls..nl].iter_mut().for_each(|c| *c = b' ');
                ls = pls;
            }
            Some(_) => break,
        }
    }
    String::from_utf8(b).ok()
}

fn parse_once(text: &str, file: FileId) -> YamlDoc {
    let mut b = Builder {
        text,
        file,
        off: Offsets::new(text),
        anchors: HashMap::new(),
        alias_nodes: 0,
        anchor_nodes: 0,
        errors: Vec::new(),
    };
    match build(&mut b) {
        Ok(root) => YamlDoc {
            root,
            errors: b.errors,
        },
        Err(e) => {
            let mut errors = b.errors;
            errors.push(e);
            YamlDoc { root: None, errors }
        }
    }
}

fn build(b: &mut Builder<'_>) -> Result<Option<YamlNode>, ParseError> {
    let mut parser = Parser::new_from_str(b.text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<YamlNode> = None;
    let mut in_doc = false;
    while let Some(ev) = parser.next_event() {
        let (ev, span) = match ev {
            Ok(v) => v,
            Err(e) => {
                let at = b.off.byte(e.marker().index());
                return Err(b.fatal(
                    TextRange::empty_at(at),
                    format!("YAML syntax error: {}", e.info()),
                ));
            }
        };
        let completed: Option<(YamlNode, usize)> = match ev {
            Event::StreamStart | Event::Nothing => None,
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                if root.is_some() || in_doc {
                    let r = b.range(&span);
                    b.err(
                        r,
                        "the file holds more than one YAML document; only the first is used",
                    );
                    break;
                }
                in_doc = true;
                None
            }
            Event::DocumentEnd => {
                in_doc = false;
                None
            }
            Event::Scalar(v, style, anchor, tag) => {
                let tag = tag_string(tag.as_deref());
                Some((b.scalar_node(v.into_owned(), style, tag, &span), anchor))
            }
            Event::Alias(id) => {
                let r = b.range(&span);
                let Some(target) = b.anchors.get(&id) else {
                    return Err(b.fatal(
                        r,
                        "alias to an unknown anchor, or to an anchor that encloses it",
                    ));
                };
                b.alias_nodes = b.alias_nodes.saturating_add(target.size);
                if b.alias_nodes > MAX_ALIAS_NODES {
                    return Err(b.fatal(
                        r,
                        format!("aliases expand to more than {MAX_ALIAS_NODES} nodes (an alias bomb?); refusing to expand"),
                    ));
                }
                let mut n = target.clone();
                n.alias = Some(r);
                Some((n, 0))
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                let is_seq = matches!(ev, Event::SequenceStart(..));
                let r = b.range(&span);
                if stack.len() >= MAX_DEPTH {
                    return Err(
                        b.fatal(r, format!("YAML nesting is deeper than {MAX_DEPTH} levels"))
                    );
                }
                let flow = matches!(
                    b.text.as_bytes().get((r.end as usize).wrapping_sub(1)),
                    Some(b'[' | b'{')
                ) && !r.is_empty();
                let start = if flow {
                    r.end.saturating_sub(1)
                } else {
                    u32::try_from(b.skip_props(r.start as usize, b.text.len())).unwrap_or(u32::MAX)
                };
                let kind = if is_seq {
                    FrameKind::Seq(Vec::new())
                } else {
                    FrameKind::Map(Vec::new(), None)
                };
                stack.push(Frame {
                    start,
                    flow,
                    anchor,
                    tag: tag_string(tag.as_deref()),
                    kind,
                });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = stack.pop() else {
                    return Err(b.fatal(b.range(&span), "unbalanced collection end"));
                };
                let end_r = b.range(&span);
                let (kind, last_end) = match frame.kind {
                    FrameKind::Seq(items) => {
                        let le = items.last().map(|n| n.range.end);
                        (YamlKind::Seq(items), le)
                    }
                    FrameKind::Map(entries, pending) => {
                        if let Some(k) = pending {
                            return Err(b.fatal(k.range, "mapping key without a value"));
                        }
                        b.check_duplicates(&entries);
                        let le = entries
                            .last()
                            .map(|e| e.value.range.end.max(e.key.range.end));
                        let entries = b.apply_merges(entries);
                        (YamlKind::Map(entries), le)
                    }
                };
                let end = if frame.flow {
                    end_r.end
                } else {
                    last_end.unwrap_or(frame.start)
                };
                let mut start = frame.start;
                if !frame.flow && matches!(kind, YamlKind::Seq(_)) {
                    // Start a block sequence at its first `-`.
                    let bytes = b.text.as_bytes();
                    let mut p = start as usize;
                    while p > 0 && matches!(bytes.get(p - 1), Some(b' ' | b'\t')) {
                        p -= 1;
                    }
                    if p > 0 && bytes.get(p - 1) == Some(&b'-') {
                        start = u32::try_from(p - 1).unwrap_or(start);
                    }
                }
                let node = YamlNode::new(
                    TextRange::new(start, end.max(start)),
                    kind,
                    frame.tag,
                    frame.flow,
                );
                Some((node, frame.anchor))
            }
        };
        let Some((node, anchor)) = completed else {
            continue;
        };
        if anchor != 0 {
            b.anchor_nodes = b.anchor_nodes.saturating_add(node.size);
            if b.anchor_nodes > MAX_ANCHOR_NODES {
                return Err(b.fatal(node.range, "anchored nodes are too large"));
            }
            b.anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame {
                kind: FrameKind::Seq(items),
                ..
            }) => items.push(node),
            Some(Frame {
                kind: FrameKind::Map(entries, pending),
                ..
            }) => match pending.take() {
                None => *pending = Some(node),
                Some(key) => entries.push(YamlEntry {
                    key,
                    value: node,
                    merged: false,
                }),
            },
        }
    }
    Ok(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> YamlNode {
        parse_yaml(text, FileId(0)).unwrap()
    }

    #[test]
    fn ranges_are_bytes() {
        let t = "é: ü\nk: \"vé\"\n";
        let n = p(t);
        let v = n.get("k").unwrap();
        assert_eq!(v.range.slice(t), "\"vé\"");
        assert_eq!(n.get("é").unwrap().range.slice(t), "ü");
    }

    #[test]
    fn anchors_aliases_and_merge() {
        let t = "x: &d\n  a: 1\n  b: 2\ny:\n  <<: *d\n  b: 3\nz: *d\n";
        let n = p(t);
        let y = n.get("y").unwrap();
        let a = y.get_entry("a").unwrap();
        assert!(a.merged);
        assert_eq!(a.value.range.slice(t), "1");
        assert_eq!(a.value.range.start, 11);
        assert_eq!(y.get("b").unwrap().range.slice(t), "3");
        let z = n.get("z").unwrap();
        assert_eq!(z.range.slice(t), "a: 1\n  b: 2");
        assert_eq!(z.alias.unwrap().slice(t), "*d");
    }

    #[test]
    fn merge_list_first_wins() {
        let t = "a: &a {k: 1}\nb: &b {k: 2, j: 3}\nc:\n  <<: [*a, *b]\n";
        let n = p(t);
        let c = n.get("c").unwrap();
        assert_eq!(c.get("k").unwrap().as_str(), Some("1"));
        assert_eq!(c.get("j").unwrap().as_str(), Some("3"));
        assert!(c.get("<<").is_none());
    }

    #[test]
    fn scalar_with_props() {
        let t = "a: &x !!str 5\nb: *x\nc: &m\n  k: v\n";
        let n = p(t);
        assert_eq!(n.get("a").unwrap().range.slice(t), "5");
        assert_eq!(n.get("a").unwrap().tag.as_deref(), Some("!!str"));
        assert_eq!(n.get("b").unwrap().range.slice(t), "5");
        assert_eq!(n.get("c").unwrap().range.slice(t), "k: v");
    }

    #[test]
    fn block_seq_and_flow_ranges() {
        let t = "a:\n  - x\n  - y\nb: [1, 2]\nc: |\n  lit\n\nd: 1\n";
        let n = p(t);
        assert_eq!(n.get("a").unwrap().range.slice(t), "- x\n  - y");
        assert_eq!(n.get("b").unwrap().range.slice(t), "[1, 2]");
        assert!(n.get("b").unwrap().flow);
        assert_eq!(n.get("c").unwrap().range.slice(t), "lit");
    }

    #[test]
    fn syntax_error_has_position() {
        let e = parse_yaml("a: [1\nb: 2\n", FileId(3)).unwrap_err();
        assert!(e.fatal);
        assert_eq!(e.file, FileId(3));
        assert!(e.range.start > 0);
    }

    #[test]
    fn billion_laughs_rejected() {
        let mut t = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            t.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let start = std::time::Instant::now();
        let e = parse_yaml(&t, FileId(0)).unwrap_err();
        assert!(e.message.contains("alias"), "{}", e.message);
        assert!(start.elapsed().as_secs() < 2);
    }

    #[test]
    fn deep_nesting_rejected() {
        let t = "[".repeat(10_000) + &"]".repeat(10_000);
        let e = parse_yaml(&t, FileId(0)).unwrap_err();
        assert!(
            e.message.contains("deeper") || e.message.contains("recursion"),
            "{}",
            e.message
        );
        let mut t = String::new();
        for _ in 0..10_000 {
            t.push_str("{a: ");
        }
        t.push('1');
        t.push_str(&"}".repeat(10_000));
        assert!(parse_yaml(&t, FileId(0)).is_err());
        let mut t = String::new();
        for i in 0..10_000 {
            t.push_str(&" ".repeat(i));
            t.push_str("a:\n");
        }
        assert!(parse_yaml(&t, FileId(0)).is_err());
    }

    #[test]
    fn flow_closer_at_key_indent_is_accepted() {
        let t = "a:\n  test: [\n      \"x\",\n      # note é\n      \"y\"\n  ]\n  b: 1\n";
        let n = p(t);
        let a = n.get("a").unwrap();
        assert_eq!(a.get("test").unwrap().as_seq().unwrap().len(), 2);
        assert_eq!(a.get("b").unwrap().range.slice(t), "1");
        assert!(parse_yaml("a: [\n]x: 1\n b\n", FileId(0)).is_err());
    }

    #[test]
    fn recursive_alias_rejected() {
        assert!(parse_yaml("a: &a [*a]\n", FileId(0)).is_err());
    }

    #[test]
    fn duplicate_key_reported() {
        let d = parse_yaml_doc("a: 1\na: 2\n", FileId(0));
        assert!(d.root.is_some());
        assert_eq!(d.errors.len(), 1);
        assert!(!d.errors[0].fatal);
    }

    #[test]
    fn multi_document() {
        let d = parse_yaml_doc("a: 1\n---\nb: 2\n", FileId(0));
        assert!(d.root.unwrap().get("a").is_some());
        assert_eq!(d.errors.len(), 1);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "[a-z:&*<>\\[\\]{}!|'\" \n#,é-]{0,120}") {
            let _ = parse_yaml_doc(&s, FileId(0));
        }
    }
}
