//! The word-level pieces of BuildKit's line parsers, with byte positions:
//! flag extraction, quote-aware word splitting, whitespace splitting,
//! heredoc markers and JSON arrays.

use crate::expand::Lexer;
use crate::segmap::{SegMap, SegText};

/// BuildKit's `reWhitespace`: `[\t\v\f\r ]`.
pub(crate) fn is_ascii_ws(c: char) -> bool {
    matches!(c, '\t' | '\x0b' | '\x0c' | '\r' | ' ')
}

/// `parseStringsWhitespaceDelimited`: split on runs of `[\t\v\f\r ]`.
pub(crate) fn split_ws_words(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in s.char_indices() {
        if is_ascii_ws(c) {
            if let Some(st) = start.take() {
                out.push((st, i));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(st) = start {
        out.push((st, s.len()));
    }
    out
}

/// BuildKit's `parseWords`: words separated by Unicode whitespace outside
/// quotes; quotes and escapes are kept in the words (they are removed later,
/// when the word is expanded).
pub(crate) fn parse_words(s: &str, escape: char) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut start = 0;
    let mut it = s.char_indices();
    while let Some((i, ch)) = it.next() {
        if !in_word {
            if ch.is_whitespace() {
                continue;
            }
            in_word = true;
            start = i;
        }
        match quote {
            None => {
                if ch.is_whitespace() {
                    words.push((start, i));
                    in_word = false;
                    continue;
                }
                if ch == '\'' || ch == '"' {
                    quote = Some(ch);
                } else if ch == escape {
                    it.next();
                }
            }
            Some(q) => {
                if ch == q {
                    quote = None;
                } else if ch == escape && q != '\'' {
                    it.next();
                }
            }
        }
    }
    if in_word {
        words.push((start, s.len()));
    }
    words
}

/// A `--flag[=value]` word at the start of an instruction's arguments.
#[derive(Debug, Clone)]
pub(crate) struct RawFlag {
    pub start: usize,
    pub end: usize,
    /// The word with quotes and backslash escapes resolved.
    pub word: String,
}

/// BuildKit's `extractBuilderFlags`: reads `--flag` words from `from`;
/// returns them and the offset where the arguments start.
pub(crate) fn extract_flags(s: &str, from: usize) -> (Vec<RawFlag>, usize) {
    let mut flags = Vec::new();
    let mut pos = from.min(s.len());
    loop {
        let rest = &s[pos..];
        let trimmed = rest.trim_start();
        pos += rest.len() - trimmed.len();
        if pos >= s.len() {
            return (flags, s.len());
        }
        if !trimmed.starts_with("--") {
            return (flags, pos);
        }
        let start = pos;
        let mut word = String::new();
        let mut quote: Option<char> = None;
        let mut end = s.len();
        let mut chars = s[pos..].char_indices();
        while let Some((off, ch)) = chars.next() {
            match quote {
                None => {
                    if ch.is_whitespace() {
                        end = pos + off;
                        break;
                    }
                    if ch == '\'' || ch == '"' {
                        quote = Some(ch);
                    } else if ch == '\\' {
                        if let Some((_, c)) = chars.next() {
                            word.push(c);
                        }
                    } else {
                        word.push(ch);
                    }
                }
                Some(q) => {
                    if ch == q {
                        quote = None;
                    } else if ch == '\\' {
                        match chars.next() {
                            Some((_, c)) => word.push(c),
                            None => quote = None,
                        }
                    } else {
                        word.push(ch);
                    }
                }
            }
        }
        pos = end;
        if word == "--" {
            return (flags, end);
        }
        flags.push(RawFlag { start, end, word });
    }
}

/// A heredoc marker (`<<EOF`, `<<-EOF`, `<<'EOF'`, `2<<EOF`) found in a line.
#[derive(Debug, Clone)]
pub(crate) struct Marker {
    pub start: usize,
    pub end: usize,
    pub name: String,
    pub chomp: bool,
    pub quoted: bool,
    /// A file descriptor number written before `<<`.
    pub fd: Option<u32>,
}

/// Whether a single (raw) word is a heredoc marker: BuildKit's
/// `^(\d*)<<(-?)([^<]*)$` with a non-empty delimiter.
pub(crate) fn heredoc_marker(word: &str) -> Option<(Option<u32>, bool, String, bool)> {
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    let rest = word.get(digits..)?.strip_prefix("<<")?;
    let (chomp, rest) = match rest.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    if rest.is_empty() || rest.contains('<') {
        return None;
    }
    let fd = if digits > 0 {
        word.get(..digits).and_then(|d| d.parse().ok())
    } else {
        None
    };
    let none = |_: &str| None;
    let name = Lexer::new(rest, '\\', &none, true).process_all();
    if name.is_empty() || name.chars().any(char::is_whitespace) {
        return None;
    }
    let count = |s: &str| s.chars().filter(|c| *c == '\'' || *c == '"').count();
    let quoted = count(rest) != count(&name);
    Some((fd, chomp, name, quoted))
}

/// BuildKit's `heredocsFromLine`: every word of the whole line that is a
/// heredoc marker.
pub(crate) fn heredoc_markers(line: &str) -> Vec<Marker> {
    parse_words(line, '\\')
        .into_iter()
        .filter_map(|(s, e)| {
            let (fd, chomp, name, quoted) = heredoc_marker(line.get(s..e)?)?;
            Some(Marker {
                start: s,
                end: e,
                name,
                chomp,
                quoted,
                fd,
            })
        })
        .collect()
}

/// How an argument text reads as a JSON array.
#[derive(Debug)]
pub(crate) enum JsonArgs {
    /// Not a JSON array: shell form.
    NotJson,
    /// A JSON array with a non-string element (BuildKit rejects it).
    NotStrings,
    /// The strings, each with the byte range of its literal (quotes
    /// included) in the text.
    Strings(Vec<(String, usize, usize)>),
}

pub(crate) fn parse_json_array(s: &str) -> JsonArgs {
    if !s.trim_start().starts_with('[') {
        return JsonArgs::NotJson;
    }
    let Ok(values) = serde_json::from_str::<Vec<serde_json::Value>>(s) else {
        return JsonArgs::NotJson;
    };
    let mut strings = Vec::with_capacity(values.len());
    for v in values {
        match v {
            serde_json::Value::String(s) => strings.push(s),
            _ => return JsonArgs::NotStrings,
        }
    }
    let b = s.as_bytes();
    let mut lits = Vec::with_capacity(strings.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'"' {
            let start = i;
            i += 1;
            while i < b.len() {
                match b[i] {
                    b'\\' => i += 2,
                    b'"' => break,
                    _ => i += 1,
                }
            }
            let end = (i + 1).min(b.len());
            lits.push((start, end));
            i = end;
        } else {
            i += 1;
        }
    }
    if lits.len() != strings.len() {
        return JsonArgs::NotJson;
    }
    JsonArgs::Strings(
        strings
            .into_iter()
            .zip(lits)
            .map(|(v, (a, b))| (v, a, b))
            .collect(),
    )
}

/// Decodes the JSON string literal `text[start..end]` (quotes included)
/// into `out`, mapping every character to the file through `map`.
pub(crate) fn decode_json_literal(
    text: &str,
    start: usize,
    end: usize,
    map: &SegMap,
    out: &mut SegText,
) {
    let Some(lit) = text.get(start..end) else {
        return;
    };
    let inner_end = if lit.len() >= 2 && lit.ends_with('"') {
        lit.len() - 1
    } else {
        lit.len()
    };
    let Some(inner) = lit.get(1.min(lit.len())..inner_end) else {
        return;
    };
    let base = start + 1;
    let mut it = inner.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        let at = map.map(base + i);
        if c != '\\' {
            out.push_char(c, at);
            continue;
        }
        let Some((_, e)) = it.next() else { break };
        let decoded = match e {
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'u' => {
                let mut hex = String::new();
                for _ in 0..4 {
                    if let Some((_, h)) = it.next() {
                        hex.push(h);
                    }
                }
                let mut code = u32::from_str_radix(&hex, 16).unwrap_or(0xFFFD);
                if (0xD800..0xDC00).contains(&code) {
                    // A surrogate pair: `\uD83D\uDE00`.
                    let mut low = String::new();
                    if it.peek().is_some_and(|(_, c)| *c == '\\') {
                        it.next();
                        it.next();
                        for _ in 0..4 {
                            if let Some((_, h)) = it.next() {
                                low.push(h);
                            }
                        }
                    }
                    let lo = u32::from_str_radix(&low, 16).unwrap_or(0);
                    code = if (0xDC00..0xE000).contains(&lo) {
                        0x10000 + ((code - 0xD800) << 10) + (lo - 0xDC00)
                    } else {
                        0xFFFD
                    };
                }
                char::from_u32(code).unwrap_or('\u{FFFD}')
            }
            other => other,
        };
        out.push_char(decoded, at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words<'a>(s: &'a str, w: &[(usize, usize)]) -> Vec<&'a str> {
        w.iter().map(|&(a, b)| &s[a..b]).collect()
    }

    #[test]
    fn buildkit_words() {
        let s = r#"a=b "c d"=e f='g h' i\ j=k"#;
        assert_eq!(
            words(s, &parse_words(s, '\\')),
            ["a=b", "\"c d\"=e", "f='g h'", "i\\ j=k"]
        );
        let s = "x`  y z";
        assert_eq!(words(s, &parse_words(s, '`')), ["x` ", "y", "z"]);
        let s = " a\tb\u{a0}c  d ";
        assert_eq!(words(s, &split_ws_words(s)), ["a", "b\u{a0}c", "d"]);
    }

    #[test]
    fn flags() {
        let s =
            "RUN --mount=type=cache,target=/x --network=none  --security=\"insecure\" echo --no";
        let (f, a) = extract_flags(s, 3);
        assert_eq!(f.len(), 3);
        assert_eq!(f[2].word, "--security=insecure");
        assert_eq!(&s[f[0].start..f[0].end], "--mount=type=cache,target=/x");
        assert_eq!(&s[a..], "echo --no");
        let (f, a) = extract_flags("COPY --link -- --x y", 4);
        assert_eq!(f.len(), 1);
        assert_eq!(&"COPY --link -- --x y"[a..], " --x y");
        let (f, a) = extract_flags("X --a", 1);
        assert_eq!((f.len(), a), (1, 5));
    }

    #[test]
    fn markers() {
        let m = heredoc_markers("RUN cat <<EOF >/x && 3<<-'E F' x <<\"Q\" \"<<no\" a<<no");
        let names: Vec<_> = m
            .iter()
            .map(|m| (m.name.as_str(), m.chomp, m.quoted, m.fd))
            .collect();
        assert_eq!(
            names,
            [("EOF", false, false, None), ("Q", false, true, None)]
        );
        let m = heredoc_markers("RUN <<-'END' <<A");
        assert_eq!(m.len(), 2);
        assert_eq!(
            (m[0].name.as_str(), m[0].chomp, m[0].quoted),
            ("END", true, true)
        );
        assert!(heredoc_markers("RUN echo <<").is_empty());
        let m = heredoc_markers("RUN 2<<E");
        assert_eq!(m[0].fd, Some(2));
    }

    #[test]
    fn json() {
        let s = r#"[ "a", "b\"c" ,"\u00e9"]"#;
        match parse_json_array(s) {
            JsonArgs::Strings(v) => {
                assert_eq!(v[0].0, "a");
                assert_eq!(&s[v[1].1..v[1].2], r#""b\"c""#);
                assert_eq!(v[2].0, "é");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse_json_array("[\"a\", 1]"),
            JsonArgs::NotStrings
        ));
        assert!(matches!(parse_json_array("[\"a\""), JsonArgs::NotJson));
        assert!(matches!(parse_json_array("[a]"), JsonArgs::NotJson));
        let mut out = SegText::new();
        let s = r#""x\ty\u00e9z""#;
        decode_json_literal(s, 0, s.len(), &SegMap::identity(100), &mut out);
        assert_eq!(out.text, "x\tyéz");
        assert_eq!(out.map().map(0), 101);
        assert_eq!(out.map().map(2), 104);
        assert_eq!(out.map().map(out.text.len() - 1), 111);
    }
}
