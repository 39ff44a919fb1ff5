//! A word-by-word reader for the `docker` lines the shell parser could not
//! follow (an unbalanced quote, syntax of another shell). It splits words
//! the way the shell does for the simple cases; a word holding an
//! expansion or an unterminated quote is not literal, so the argument
//! parser treats it as unknown.

use drydock_core::{FileId, TextRange};
use drydock_shell::OffsetMap;

use crate::argv::{ArgWord, RunLine, is_docker_program, parse_invocation};
use crate::exec::{ExecLine, parse_exec_invocation};
use crate::{ShellText, verbatim_start};

struct Token {
    start: usize,
    end: usize,
    value: String,
    literal: bool,
}

/// Splits `text` into simple commands of words. Operators (`;`, `&`, `|`,
/// `(`, `)`, `<`, `>`) and unescaped line breaks end a command.
fn tokenize(text: &str) -> Vec<Vec<Token>> {
    let b = text.as_bytes();
    let mut cmds = Vec::new();
    let mut cur: Vec<Token> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\r' => i += 1,
            b'\\' if b.get(i + 1) == Some(&b'\n') => i += 2,
            b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>' => {
                if !cur.is_empty() {
                    cmds.push(std::mem::take(&mut cur));
                }
                i += 1;
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            _ => {
                let (tok, next) = word(text, i);
                cur.push(tok);
                i = next.max(i + 1);
            }
        }
    }
    if !cur.is_empty() {
        cmds.push(cur);
    }
    cmds
}

/// Reads one word starting at `start`; returns it and where it ends.
fn word(text: &str, start: usize) -> (Token, usize) {
    let b = text.as_bytes();
    let mut value = String::new();
    let mut literal = true;
    let mut i = start;
    let line_end = text[start..].find('\n').map_or(text.len(), |p| start + p);
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>' => break,
            b'\\' => {
                if b.get(i + 1) == Some(&b'\n') {
                    i += 2;
                    continue;
                }
                // `\x` is `x`; the word is no longer a verbatim copy.
                let next = text[i + 1..].chars().next();
                if let Some(ch) = next {
                    value.push(ch);
                    i += 1 + ch.len_utf8();
                } else {
                    i += 1;
                }
            }
            q @ (b'\'' | b'"') => match text[i + 1..].find(q as char) {
                Some(p) if q == b'\'' || !text[i + 1..i + 1 + p].contains('\\') => {
                    let inner = &text[i + 1..i + 1 + p];
                    if q == b'"' && inner.contains(['$', '`']) {
                        literal = false;
                    }
                    value.push_str(inner);
                    i += p + 2;
                }
                _ => {
                    // Unterminated (or with escapes we do not resolve): the
                    // word is unknown up to the end of the line.
                    literal = false;
                    i = line_end;
                    break;
                }
            },
            b'$' | b'`' => {
                literal = false;
                value.push(b[i] as char);
                i += 1;
            }
            _ => {
                let ch = text[i..].chars().next().unwrap_or(' ');
                value.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    let end = i.max(start);
    if !literal {
        value = text[start..end].to_string();
    }
    (
        Token {
            start,
            end,
            value,
            literal,
        },
        end,
    )
}

/// The offset of the first quote that is never closed, if any.
pub(crate) fn first_unbalanced_quote(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'#' if i == 0 || b[i - 1].is_ascii_whitespace() => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            q @ (b'\'' | b'"') => {
                let mut j = i + 1;
                loop {
                    match b.get(j) {
                        None => return Some(i),
                        Some(&c) if c == q => break,
                        Some(b'\\') if q == b'"' => j += 2,
                        Some(_) => j += 1,
                    }
                }
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    None
}

fn arg(t: &Token, map: &OffsetMap, file_text: &str, fixed: Option<TextRange>) -> ArgWord {
    let range = fixed.unwrap_or_else(|| map.map_range(t.start, t.end));
    let verbatim = if fixed.is_some() {
        None
    } else {
        verbatim_start(file_text, range, &t.value)
    };
    ArgWord {
        text: t.value.clone(),
        literal: t.literal,
        range,
        verbatim,
    }
}

/// The run and exec lines of `st` whose `docker` word is not in `covered`.
pub(crate) fn scan(
    st: &ShellText,
    map: &OffsetMap,
    file_text: &str,
    file: FileId,
    covered: &[TextRange],
) -> (Vec<RunLine>, Vec<ExecLine>) {
    let mut out = Vec::new();
    let mut execs = Vec::new();
    for cmd in tokenize(&st.text) {
        let Some(k) = cmd
            .iter()
            .position(|t| t.literal && is_docker_program(&t.value))
        else {
            continue;
        };
        let program = arg(&cmd[k], map, file_text, st.fixed);
        if covered.iter().any(|r| r.contains(program.range.start)) {
            continue;
        }
        let assigns: Vec<ArgWord> = cmd[..k]
            .iter()
            .filter(|t| t.value.contains('=') && !t.value.starts_with(['-', '=']))
            .map(|t| arg(t, map, file_text, st.fixed))
            .collect();
        let args: Vec<ArgWord> = cmd[k + 1..]
            .iter()
            .map(|t| arg(t, map, file_text, st.fixed))
            .collect();
        if let Some(line) = parse_invocation(file, &program, &args, &assigns) {
            out.push(line);
        } else if let Some(exec) = parse_exec_invocation(file, &program, &args, &assigns) {
            execs.push(exec);
        }
    }
    (out, execs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_words() {
        let cmds = tokenize("docker run -e 'A=1 2' \"x\"y \\\n --rm img; echo $X");
        let words: Vec<Vec<(String, bool)>> = cmds
            .iter()
            .map(|c| c.iter().map(|t| (t.value.clone(), t.literal)).collect())
            .collect();
        assert_eq!(words[0][3], ("A=1 2".to_string(), true));
        assert_eq!(words[0][4], ("xy".to_string(), true));
        assert_eq!(words[0][5], ("--rm".to_string(), true));
        assert_eq!(words[1][1], ("$X".to_string(), false));
    }

    #[test]
    fn unbalanced_quote_is_unknown_to_line_end() {
        let cmds = tokenize("docker run -v \"/a:/b --privileged img\nls");
        assert_eq!(cmds[0].len(), 4);
        assert!(!cmds[0][3].literal);
        assert_eq!(cmds[1][0].value, "ls");
        assert_eq!(first_unbalanced_quote("a 'b' \"c"), Some(6));
        assert_eq!(first_unbalanced_quote("a 'b' # it's"), None);
    }
}
