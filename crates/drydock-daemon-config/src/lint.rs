//! Checks on the token stream for what jsonc-parser accepts but dockerd's
//! Go JSON decoder rejects: comments, trailing and missing commas, unquoted
//! keys, single-quoted strings, JSON5 numbers and string escapes, raw
//! control characters in strings.

use drydock_core::{FileId, ParseError, TextRange};
use jsonc_parser::common::Range;
use jsonc_parser::tokens::{Token, TokenAndRange};

pub(crate) const COMMENT_MESSAGE: &str =
    "comments are not allowed in daemon.json; dockerd refuses to start";

pub(crate) fn range(r: Range) -> TextRange {
    TextRange::from_usize(r.start, r.end)
}

fn is_comment(t: &Token<'_>) -> bool {
    matches!(t, Token::CommentLine(_) | Token::CommentBlock(_))
}

fn ends_value(t: &Token<'_>) -> bool {
    matches!(
        t,
        Token::String(_)
            | Token::Number(_)
            | Token::Boolean(_)
            | Token::Null
            | Token::Word(_)
            | Token::CloseBrace
            | Token::CloseBracket
    )
}

fn starts_value(t: &Token<'_>) -> bool {
    matches!(
        t,
        Token::String(_)
            | Token::Number(_)
            | Token::Boolean(_)
            | Token::Null
            | Token::Word(_)
            | Token::OpenBrace
            | Token::OpenBracket
    )
}

/// Reports every non-JSON construct in `tokens` (which include comments) and
/// returns the comments' ranges.
pub(crate) fn check_tokens(
    text: &str,
    tokens: &[TokenAndRange<'_>],
    file: FileId,
    errors: &mut Vec<ParseError>,
) -> Vec<TextRange> {
    let mut comments = Vec::new();
    let mut prev: Option<&TokenAndRange<'_>> = None;
    for tok in tokens {
        let r = range(tok.range);
        if is_comment(&tok.token) {
            comments.push(r);
            errors.push(ParseError::new(file, r, COMMENT_MESSAGE));
            continue;
        }
        if let Some(p) = prev {
            if matches!(p.token, Token::Comma)
                && matches!(tok.token, Token::CloseBrace | Token::CloseBracket)
            {
                errors.push(ParseError::new(
                    file,
                    range(p.range),
                    "trailing comma is not allowed in daemon.json; dockerd refuses to start",
                ));
            }
            if ends_value(&p.token) && starts_value(&tok.token) {
                errors.push(ParseError::new(
                    file,
                    TextRange::empty_at(r.start),
                    "missing comma before this value; dockerd refuses to start",
                ));
            }
            if matches!(tok.token, Token::Colon) && !matches!(p.token, Token::String(_)) {
                errors.push(ParseError::new(
                    file,
                    range(p.range),
                    "object keys must be double-quoted strings in daemon.json; dockerd refuses to start",
                ));
            }
        }
        match &tok.token {
            Token::String(_) => check_string(r.slice(text), r, file, errors),
            Token::Number(raw) if !is_json_number(raw) => {
                errors.push(ParseError::new(
                    file,
                    r,
                    format!("`{raw}` is not a JSON number; dockerd refuses to start"),
                ));
            }
            _ => {}
        }
        prev = Some(tok);
    }
    comments
}

/// Checks the raw text of a string token (quotes included).
fn check_string(raw: &str, r: TextRange, file: FileId, errors: &mut Vec<ParseError>) {
    if raw.starts_with('\'') {
        errors.push(ParseError::new(
            file,
            r,
            "strings must be double-quoted in daemon.json; dockerd refuses to start",
        ));
        return;
    }
    let bytes = raw.as_bytes();
    let mut i = 1;
    let end = bytes.len().saturating_sub(1);
    while i < end {
        let b = bytes[i];
        if b == b'\\' {
            let next = bytes.get(i + 1).copied();
            let ok = match next {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => true,
                Some(b'u') => bytes
                    .get(i + 2..i + 6)
                    .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)),
                _ => false,
            };
            if !ok {
                let at = r.start.saturating_add(u32::try_from(i).unwrap_or(u32::MAX));
                errors.push(ParseError::new(
                    file,
                    TextRange::new(at, at.saturating_add(2).min(r.end)),
                    "invalid escape sequence in a JSON string; dockerd refuses to start",
                ));
            }
            i += 2;
            continue;
        }
        if b < 0x20 {
            let at = r.start.saturating_add(u32::try_from(i).unwrap_or(u32::MAX));
            errors.push(ParseError::new(
                file,
                TextRange::new(at, at.saturating_add(1)),
                "control character in a JSON string (write it escaped, e.g. `\\n`); dockerd refuses to start",
            ));
        }
        i += 1;
    }
}

/// The JSON number grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
pub(crate) fn is_json_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if b.first() == Some(&b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_numbers() {
        for ok in ["0", "-0", "1", "12", "1.5", "-1.5e10", "1E+2", "0.0"] {
            assert!(is_json_number(ok), "{ok}");
        }
        for bad in [
            "", "-", "01", "+1", ".5", "5.", "0x10", "Infinity", "NaN", "1e", "1.e3", "--1",
        ] {
            assert!(!is_json_number(bad), "{bad}");
        }
    }
}
