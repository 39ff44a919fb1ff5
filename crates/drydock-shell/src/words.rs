//! Static values of shell words: quote removal and escapes.

use tree_sitter::Node;

/// Deepest concatenation/command-name nesting we follow inside one word.
const MAX_WORD_DEPTH: u32 = 16;

/// The value the shell would pass for `node`, when it is static (no
/// expansion, substitution, glob, tilde or brace expansion). `None` when
/// the word is dynamic.
pub(crate) fn static_value(node: Node<'_>, src: &str) -> Option<String> {
    value(node, src, 0)
}

fn raw<'s>(node: Node<'_>, src: &'s str) -> &'s str {
    src.get(node.byte_range()).unwrap_or("")
}

fn value(node: Node<'_>, src: &str, depth: u32) -> Option<String> {
    if depth > MAX_WORD_DEPTH {
        return None;
    }
    let text = raw(node, src);
    match node.kind() {
        "word" => unquoted(text),
        "raw_string" => text
            .strip_prefix('\'')
            .and_then(|t| t.strip_suffix('\''))
            .map(str::to_owned),
        "string" => {
            let mut c = node.walk();
            // Anything but plain content (`$x`, `$(…)`, a lone `$`) is dynamic.
            let dynamic = node
                .children(&mut c)
                .any(|ch| ch.kind() != "string_content" && ch.kind() != "\"");
            if dynamic {
                return None;
            }
            let inner = text.strip_prefix('"').and_then(|t| t.strip_suffix('"'))?;
            double_quoted(inner)
        }
        "ansi_c_string" => {
            let inner = text.strip_prefix("$'").and_then(|t| t.strip_suffix('\''))?;
            Some(ansi_c(inner))
        }
        "number" => (node.named_child_count() == 0).then(|| text.to_owned()),
        "variable_name" | "test_operator" | "file_descriptor" => Some(text.to_owned()),
        "command_name" => node.named_child(0).and_then(|n| value(n, src, depth + 1)),
        "concatenation" => {
            let mut out = String::new();
            let mut c = node.walk();
            for (i, ch) in node.children(&mut c).enumerate() {
                // `{a,b}` comes out as the words `{`, `a,b`, `}`.
                if ch.kind() == "word" && raw(ch, src) == "{" {
                    return None;
                }
                // A tilde only expands at the start of a word.
                if i > 0 && ch.kind() == "word" && raw(ch, src).starts_with('~') {
                    out.push_str(&unquoted(&raw(ch, src)[1..]).map(|s| format!("~{s}"))?);
                    continue;
                }
                out.push_str(&value(ch, src, depth + 1)?);
            }
            Some(out)
        }
        "variable_assignment" => {
            let value_node = node.child_by_field_name("value");
            match value_node {
                None => Some(text.to_owned()),
                Some(v) => {
                    let head = src.get(node.start_byte()..v.start_byte())?;
                    // A tilde right after `=` expands in assignments.
                    if raw(v, src).starts_with('~') {
                        return None;
                    }
                    Some(format!("{head}{}", value(v, src, depth + 1)?))
                }
            }
        }
        _ => None,
    }
}

/// An unquoted word: backslash escapes removed; `None` on globs, a leading
/// tilde or a stray `$`/backtick.
fn unquoted(text: &str) -> Option<String> {
    if text.starts_with('~') {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, '\n')) => {}
                Some((_, e)) => out.push(e),
                None => out.push('\\'),
            },
            '*' | '?' | '$' | '`' => return None,
            '[' if text[i + 1..].contains(']') => return None,
            _ => out.push(c),
        }
    }
    Some(out)
}

/// The content of `"…"` without expansions: `\` only escapes `$`, `` ` ``,
/// `"`, `\` and newline.
fn double_quoted(inner: &str) -> Option<String> {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(e @ ('$' | '`' | '"' | '\\')) => out.push(e),
                Some(e) => {
                    out.push('\\');
                    out.push(e);
                }
                None => out.push('\\'),
            },
            '$' | '`' => return None,
            _ => out.push(c),
        }
    }
    Some(out)
}

/// The content of `$'…'` with its C-style escapes decoded.
fn ansi_c(inner: &str) -> String {
    let bytes = inner.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    let hex = |b: u8| (b as char).to_digit(16);
    while i < bytes.len() {
        let b = bytes[i];
        if b != b'\\' || i + 1 >= bytes.len() {
            out.push(b);
            i += 1;
            continue;
        }
        let e = bytes[i + 1];
        i += 2;
        match e {
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'e' | b'E' => out.push(27),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'\\' | b'\'' | b'"' | b'?' => out.push(e),
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                let mut n = 1;
                while n < 3 && i < bytes.len() && (b'0'..=b'7').contains(&bytes[i]) {
                    v = v * 8 + u32::from(bytes[i] - b'0');
                    i += 1;
                    n += 1;
                }
                out.push((v & 0xff) as u8);
            }
            b'x' | b'u' | b'U' => {
                let max = match e {
                    b'x' => 2,
                    b'u' => 4,
                    _ => 8,
                };
                let mut v: u32 = 0;
                let mut n = 0;
                while n < max && i < bytes.len() {
                    let Some(d) = hex(bytes[i]) else { break };
                    v = v * 16 + d;
                    i += 1;
                    n += 1;
                }
                if n == 0 {
                    out.push(b'\\');
                    out.push(e);
                } else if e == b'x' {
                    out.push((v & 0xff) as u8);
                } else {
                    let ch = char::from_u32(v).unwrap_or(char::REPLACEMENT_CHARACTER);
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
            }
            b'c' if i < bytes.len() => {
                out.push(bytes[i] & 0x1f);
                i += 1;
            }
            _ => {
                out.push(b'\\');
                out.push(e);
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquoted_words() {
        assert_eq!(unquoted(r"a\ b").as_deref(), Some("a b"));
        assert_eq!(unquoted("a\\\nb").as_deref(), Some("ab"));
        assert_eq!(unquoted(r"\*").as_deref(), Some("*"));
        assert_eq!(unquoted("/tmp/*"), None);
        assert_eq!(unquoted("~/x"), None);
        assert_eq!(unquoted("a[").as_deref(), Some("a["));
        assert_eq!(unquoted("a[0]"), None);
        assert_eq!(unquoted("x\\").as_deref(), Some("x\\"));
    }

    #[test]
    fn double_quotes() {
        assert_eq!(double_quoted(r#"a\"b"#).as_deref(), Some("a\"b"));
        assert_eq!(double_quoted(r"a\nb").as_deref(), Some(r"a\nb"));
        assert_eq!(double_quoted(r"\$x\\").as_deref(), Some(r"$x\"));
        assert_eq!(double_quoted("a$"), None);
    }

    #[test]
    fn ansi_c_escapes() {
        assert_eq!(ansi_c(r"a\nb\t\x41\101\'\u00e9\cA"), "a\nb\tAA'é\u{1}");
        assert_eq!(ansi_c(r"\xZ\q\"), "\\xZ\\q\\");
    }
}
