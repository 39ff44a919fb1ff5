//! `.env` and `env_file` parsing: `KEY=VALUE` lines, an optional `export `
//! prefix, `#` comments, single quotes (literal), double quotes (with `\n`,
//! `\t`, `\\`, `\"` escapes; may span lines), unquoted values (trimmed, ` #`
//! starts a comment), and a bare `KEY` (no value).

use drydock_core::TextRange;

/// One variable of an env file, with byte ranges into that file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvEntry {
    pub key: String,
    pub key_range: TextRange,
    /// `None` for a bare `KEY` line.
    pub value: Option<String>,
    /// The value as written (with its quotes); empty at the end of the key
    /// for a bare `KEY`.
    pub value_range: TextRange,
    /// Whole entry, from the key to the end of the value.
    pub range: TextRange,
    /// The value was single-quoted (and so is not interpolated).
    pub literal: bool,
}

/// Parses env-file text; returns the entries and the ranges of bad lines.
pub fn parse(text: &str) -> (Vec<EnvEntry>, Vec<(TextRange, String)>) {
    let b = text.as_bytes();
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    let mut i = 0usize;
    let r = |s: usize, e: usize| TextRange::from_usize(s, e);
    while i < b.len() {
        let line_end = memchr_nl(b, i);
        // Skip leading blanks.
        let mut p = i;
        while p < line_end && matches!(b[p], b' ' | b'\t' | b'\r') {
            p += 1;
        }
        if p == line_end || b[p] == b'#' {
            i = line_end + 1;
            continue;
        }
        if text[p..line_end].starts_with("export ") {
            p += 7;
            while p < line_end && matches!(b[p], b' ' | b'\t') {
                p += 1;
            }
        }
        let key_start = p;
        while p < line_end && !matches!(b[p], b'=' | b' ' | b'\t' | b'\r') {
            p += 1;
        }
        let key_end = p;
        let key = &text[key_start..key_end];
        while p < line_end && matches!(b[p], b' ' | b'\t' | b'\r') {
            p += 1;
        }
        if key.is_empty() || (p < line_end && b[p] != b'=') {
            errors.push((
                r(i, line_end),
                format!("malformed env line {:?}", text[i..line_end].trim_end()),
            ));
            i = line_end + 1;
            continue;
        }
        if p >= line_end {
            entries.push(EnvEntry {
                key: key.to_string(),
                key_range: r(key_start, key_end),
                value: None,
                value_range: r(key_end, key_end),
                range: r(key_start, key_end),
                literal: false,
            });
            i = line_end + 1;
            continue;
        }
        p += 1; // '='
        while p < line_end && matches!(b[p], b' ' | b'\t') {
            p += 1;
        }
        let vstart = p;
        let (value, vend, next, literal) = match b.get(p) {
            Some(&q @ (b'\'' | b'"')) if p < line_end => {
                let mut j = p + 1;
                let mut v = String::new();
                let mut closed = false;
                let mut seg = j;
                while j < b.len() {
                    if b[j] == q {
                        v.push_str(&text[seg..j]);
                        closed = true;
                        break;
                    }
                    if q == b'"' && b[j] == b'\\' && j + 1 < b.len() {
                        v.push_str(&text[seg..j]);
                        let esc = match b[j + 1] {
                            b'n' => Some("\n"),
                            b't' => Some("\t"),
                            b'r' => Some("\r"),
                            b'\\' => Some("\\"),
                            b'"' => Some("\""),
                            b'$' => Some("$$"),
                            _ => None,
                        };
                        match esc {
                            Some(e) => {
                                v.push_str(e);
                                j += 2;
                            }
                            None => {
                                // Unknown escape: keep the backslash, read on.
                                v.push('\\');
                                j += 1;
                            }
                        }
                        seg = j;
                        continue;
                    }
                    j += 1;
                }
                if !closed {
                    errors.push((r(vstart, line_end), "unterminated quoted value".to_string()));
                    i = line_end + 1;
                    continue;
                }
                let vend = j + 1;
                (v, vend, memchr_nl(b, vend) + 1, q == b'\'')
            }
            _ => {
                let mut e = line_end;
                if let Some(c) = text[vstart..line_end]
                    .find(" #")
                    .or_else(|| text[vstart..line_end].find("\t#"))
                {
                    e = vstart + c;
                }
                if text[vstart..line_end].starts_with('#') {
                    e = vstart;
                }
                while e > vstart && matches!(b[e - 1], b' ' | b'\t' | b'\r') {
                    e -= 1;
                }
                (text[vstart..e].to_string(), e, line_end + 1, false)
            }
        };
        entries.push(EnvEntry {
            key: key.to_string(),
            key_range: r(key_start, key_end),
            value: Some(value),
            value_range: r(vstart, vend),
            range: r(key_start, vend),
            literal,
        });
        i = next;
    }
    (entries, errors)
}

fn memchr_nl(b: &[u8], from: usize) -> usize {
    b.get(from..)
        .and_then(|s| s.iter().position(|&c| c == b'\n'))
        .map_or(b.len(), |p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        let t = "# c\nA=1\nexport B = two words # note\nC='lit $X'\nD=\"a\\nb\"\nE\n\nF=\nbad line\nG=\"multi\nline\"\nH=x#y\n";
        let (e, errs) = parse(t);
        let m: Vec<(&str, Option<&str>)> = e
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_deref()))
            .collect();
        assert_eq!(
            m,
            vec![
                ("A", Some("1")),
                ("B", Some("two words")),
                ("C", Some("lit $X")),
                ("D", Some("a\nb")),
                ("E", None),
                ("F", Some("")),
                ("G", Some("multi\nline")),
                ("H", Some("x#y")),
            ]
        );
        assert_eq!(e[1].value_range.slice(t), "two words");
        assert_eq!(e[2].value_range.slice(t), "'lit $X'");
        assert!(e[2].literal);
        assert_eq!(e[0].range.slice(t), "A=1");
        assert_eq!(errs.len(), 1);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "[A-Z=\"'\\\\# \né\n]{0,80}") {
            let _ = parse(&s);
        }
    }
}
