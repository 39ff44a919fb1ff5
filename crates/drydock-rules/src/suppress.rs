//! Inline suppressions.
//!
//! * `# drydock:ignore=ID[,ID…] reason` on its own line suppresses those
//!   rules (IDs or prefixes, or `all`) on the next instruction (Dockerfile)
//!   or the next line (YAML); written after code on a line, it covers that
//!   line.
//! * `# drydock:ignore-file=ID[,ID…] reason` anywhere: the whole file.
//! * In Dockerfiles, hadolint's `# hadolint ignore=DL3008,…` (next
//!   instruction) and `# hadolint global ignore=…` (whole file) suppress the
//!   rules that reference those hadolint codes.
//!
//! A drydock suppression that suppresses nothing is itself reported (rule
//! `DRY001`), so stale comments do not pile up.

use drydock_core::config::selector_matches;
use drydock_core::{Edit, FileId, FileKind, Finding, Fix, Origin, TextRange};
use drydock_dockerfile::Dockerfile;

use crate::registry::RULES;
use crate::rules::meta::UnusedSuppression;
use crate::settings::Settings;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Drydock,
    Hadolint,
}

/// One rule selector in a suppression comment.
#[derive(Clone, Debug)]
pub struct Selector {
    pub code: String,
    pub range: TextRange,
    pub used: bool,
}

/// A parsed suppression comment.
#[derive(Clone, Debug)]
pub struct Suppression {
    pub dialect: Dialect,
    /// The comment, from `#` to the end of the line.
    pub comment: TextRange,
    /// The comment stands alone on its line; `line` is that line with its
    /// terminator.
    pub own_line: bool,
    pub line: TextRange,
    /// What it covers; `None` for the whole file.
    pub covers: Option<TextRange>,
    pub selectors: Vec<Selector>,
}

impl Suppression {
    fn matches(&self, finding: &Finding) -> Option<usize> {
        let meta = finding.rule;
        self.selectors.iter().position(|s| match self.dialect {
            Dialect::Drydock => selector_matches(&s.code, meta.id),
            Dialect::Hadolint => meta
                .hadolint_codes()
                .any(|c| c.eq_ignore_ascii_case(&s.code)),
        })
    }
}

/// Finds suppression comments in a file.
pub fn collect(text: &str, kind: FileKind, dockerfile: Option<&Dockerfile>) -> Vec<Suppression> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut line_start = 0usize;
    while line_start < text.len() {
        let line_end = memchr_newline(bytes, line_start);
        let next = (line_end + 1).min(text.len());
        // A CRLF file's `\r` belongs to the line break, not to the comment.
        let content_end = if line_end > line_start && bytes[line_end - 1] == b'\r' {
            line_end - 1
        } else {
            line_end
        };
        let line = &text[line_start..content_end];
        if let Some(hash) = comment_start(line, kind) {
            let comment_abs = line_start + hash;
            let own_line = line[..hash].trim().is_empty();
            if let Some(mut s) = parse_comment(&line[hash..], comment_abs) {
                s.own_line = own_line;
                s.line = TextRange::from_usize(line_start, next);
                // A trailing comment is removed with the blanks before it.
                let blanks = line[..hash].len() - line[..hash].trim_end_matches([' ', '\t']).len();
                let comment_start = if own_line {
                    comment_abs
                } else {
                    comment_abs - blanks
                };
                s.comment = TextRange::from_usize(comment_start, content_end);
                if s.covers.is_some() {
                    s.covers = Some(if own_line {
                        next_target(text, comment_abs, next, kind, dockerfile)
                    } else {
                        TextRange::from_usize(line_start, content_end)
                    });
                }
                out.push(s);
            }
        }
        line_start = next;
    }
    out
}

fn memchr_newline(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| from + i)
}

/// Where a `#` comment starts on a line, if any. Dockerfiles only have
/// whole-line comments; YAML comments start at a `#` after whitespace.
fn comment_start(line: &str, kind: FileKind) -> Option<usize> {
    let trimmed = line.trim_start();
    if trimmed.starts_with('#') {
        return Some(line.len() - trimmed.len());
    }
    if kind == FileKind::Dockerfile {
        return None;
    }
    let b = line.as_bytes();
    (1..b.len()).find(|&i| b[i] == b'#' && (b[i - 1] == b' ' || b[i - 1] == b'\t'))
}

/// The range covered by an own-line suppression at `comment` whose next
/// line starts at `from`: in a Dockerfile, the instruction the comment sits
/// in (a comment between continuation lines or in a heredoc body) or else
/// the next one; elsewhere the next non-blank, non-comment line.
fn next_target(
    text: &str,
    comment: usize,
    from: usize,
    kind: FileKind,
    df: Option<&Dockerfile>,
) -> TextRange {
    if kind == FileKind::Dockerfile
        && let Some(df) = df
    {
        let at = u32::try_from(comment).unwrap_or(u32::MAX);
        if let Some(ins) = df
            .instructions
            .iter()
            .find(|i| i.range.contains(at))
            .or_else(|| {
                df.instructions
                    .iter()
                    .find(|i| i.range.start as usize >= from)
            })
        {
            return ins.range;
        }
    }
    let mut start = from;
    while start < text.len() {
        let end = memchr_newline(text.as_bytes(), start);
        let l = text[start..end].trim();
        if !l.is_empty() && !l.starts_with('#') {
            return TextRange::from_usize(start, end);
        }
        start = end + 1;
    }
    TextRange::from_usize(from, from)
}

fn parse_comment(comment: &str, abs: usize) -> Option<Suppression> {
    let body = comment.strip_prefix('#')?;
    let lead = body.len() - body.trim_start().len();
    let body_t = body.trim_start();
    let (dialect, file_level, rest, rest_off) =
        if let Some(r) = body_t.strip_prefix("drydock:ignore-file=") {
            (Dialect::Drydock, true, r, "drydock:ignore-file=".len())
        } else if let Some(r) = body_t.strip_prefix("drydock:ignore=") {
            (Dialect::Drydock, false, r, "drydock:ignore=".len())
        } else if let Some(r) = body_t.strip_prefix("hadolint global ignore=") {
            (Dialect::Hadolint, true, r, "hadolint global ignore=".len())
        } else if let Some(r) = body_t.strip_prefix("hadolint ignore=") {
            (Dialect::Hadolint, false, r, "hadolint ignore=".len())
        } else {
            return None;
        };
    let list_start = abs + 1 + lead + rest_off;
    let list_len = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let mut selectors = Vec::new();
    let mut pos = 0;
    for part in rest[..list_len].split(',') {
        let code = part.trim();
        if !code.is_empty() {
            let off = list_start + pos + (part.len() - part.trim_start().len());
            selectors.push(Selector {
                code: code.to_string(),
                range: TextRange::from_usize(off, off + code.len()),
                used: false,
            });
        }
        pos += part.len() + 1;
    }
    if selectors.is_empty() {
        return None;
    }
    Some(Suppression {
        dialect,
        comment: TextRange::EMPTY,
        own_line: true,
        line: TextRange::EMPTY,
        covers: if file_level {
            None
        } else {
            Some(TextRange::EMPTY)
        },
        selectors,
    })
}

/// Removes the findings in `file` that a suppression covers; returns how
/// many were removed.
pub fn apply(findings: &mut Vec<Finding>, file: FileId, suppressions: &mut [Suppression]) -> usize {
    let before = findings.len();
    findings.retain(|f| {
        let start = match f.origin.file_range() {
            Some((fid, r)) if fid == file => Some(r.start),
            // Findings outside this file (an env_file, an extended file) can
            // only be suppressed file-wide.
            _ => None,
        };
        for s in suppressions.iter_mut() {
            let covered = match (s.covers, start) {
                (None, _) => true,
                (Some(c), Some(st)) => c.contains(st) || (c.is_empty() && c.start == st),
                (Some(_), None) => false,
            };
            if covered && let Some(i) = s.matches(f) {
                s.selectors[i].used = true;
                return false;
            }
        }
        true
    });
    before - findings.len()
}

/// The rules a selector names.
fn matching_rules(selector: &str) -> impl Iterator<Item = &'static dyn crate::rule::Rule> + '_ {
    RULES
        .iter()
        .copied()
        .filter(move |r| selector_matches(selector, r.meta().id))
}

/// `DRY001` findings for drydock suppressions that suppressed nothing.
pub fn unused(file: FileId, suppressions: &[Suppression], settings: &Settings) -> Vec<Finding> {
    let meta = &UnusedSuppression::META;
    let mut out = Vec::new();
    for s in suppressions
        .iter()
        .filter(|s| s.dialect == Dialect::Drydock)
    {
        let unused: Vec<&Selector> = s.selectors.iter().filter(|sel| !sel.used).collect();
        // A selector naming no rule is reported; one naming only rules
        // switched off in this run is not known to be stale.
        let matching = |sel: &Selector| matching_rules(&sel.code).collect::<Vec<_>>().into_iter();
        let reportable: Vec<&Selector> = unused
            .iter()
            .copied()
            .filter(|sel| {
                matching(sel).next().is_none()
                    || matching(sel).any(|r| settings.is_enabled(r.meta()))
            })
            .collect();
        if reportable.is_empty() {
            continue;
        }
        let all_unused = unused.len() == s.selectors.len() && reportable.len() == unused.len();
        for sel in &reportable {
            let message = if matching(sel).next().is_some() {
                format!("suppression of `{}` suppresses nothing here", sel.code)
            } else {
                format!(
                    "suppression names `{}`, which is not a drydock rule",
                    sel.code
                )
            };
            let mut f = Finding::new(meta, Origin::file(file, sel.range), message);
            let edit = if all_unused {
                let range = if s.own_line { s.line } else { s.comment };
                Some(Edit::delete(file, range))
            } else {
                None
            };
            if let Some(edit) = edit {
                f.fix = Some(Fix::safe(
                    "Remove the unused suppression comment",
                    vec![edit],
                ));
            }
            out.push(f);
            if all_unused {
                // One finding (and one fix) per comment when all of it is stale.
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forms() {
        let text = "# drydock:ignore=IMG001,IMG002 legacy\nFROM x\n";
        let s = collect(text, FileKind::Compose, None);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].selectors.len(), 2);
        assert_eq!(s[0].selectors[1].range.slice(text), "IMG002");
        assert_eq!(s[0].covers.map(|c| c.slice(text)), Some("FROM x"));
        let text =
            "a: b # drydock:ignore=CTR001\n# drydock:ignore-file=all\n# hadolint ignore=DL3008\n";
        let s = collect(text, FileKind::Compose, None);
        assert_eq!(s.len(), 3);
        assert!(!s[0].own_line);
        assert_eq!(
            s[0].covers.map(|c| c.slice(text)),
            Some("a: b # drydock:ignore=CTR001")
        );
        assert!(s[1].covers.is_none());
        assert_eq!(s[2].dialect, Dialect::Hadolint);
    }

    #[test]
    fn crlf_and_trailing_comments() {
        let text = "a: b   # drydock:ignore=CTR001\r\nc: d\r\n";
        let s = collect(text, FileKind::Compose, None);
        assert_eq!(s[0].comment.slice(text), "   # drydock:ignore=CTR001");
        assert_eq!(s[0].selectors[0].range.slice(text), "CTR001");
    }

    #[test]
    fn comment_inside_a_continuation_covers_its_instruction() {
        let text = "FROM a\nRUN apt-get update && \\\n# drydock:ignore=IMG013\n    apt-get install -y x\nADD a /a\n";
        let df = drydock_dockerfile::parse(text, FileId(0));
        let s = collect(text, FileKind::Dockerfile, Some(&df));
        let covered = s[0].covers.map(|c| c.slice(text)).unwrap_or("");
        assert!(covered.starts_with("RUN apt-get update"), "{covered:?}");
    }

    #[test]
    fn ignores_non_suppressions() {
        assert!(collect("# just a comment\nkey: 'a#b'\n", FileKind::Compose, None).is_empty());
        assert!(collect("# drydock:ignore=\n", FileKind::Compose, None).is_empty());
    }
}
