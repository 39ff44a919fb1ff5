//! Variable expansion and quote removal the way BuildKit's shell lexer
//! (`frontend/dockerfile/shell/lex.go`) does it for `FROM`, `ENV`, `COPY`…

/// Nesting limit for `${a:-${b:-…}}`; deeper text is taken literally.
const MAX_DEPTH: u32 = 32;
/// Pattern-matching work (subject length × pattern length) a word may
/// spend, per character of the word: `${V//*/x}` on long values is bounded.
const WORK_PER_CHAR: usize = 256;
/// Default output cap of one word: a base plus so much per input character.
const DEFAULT_LIMIT_BASE: usize = 1 << 20;
const DEFAULT_LIMIT_PER_CHAR: usize = 64;

pub(crate) type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// One word being expanded.
pub(crate) struct Lexer<'a> {
    s: Vec<char>,
    i: usize,
    escape: char,
    lookup: Lookup<'a>,
    /// Keep `$NAME` / `${NAME…}` as written when NAME is unset (BuildKit's
    /// `SkipUnsetEnv`), instead of expanding to the empty string.
    keep_unset: bool,
    depth: u32,
    /// Output longer than this is cut (and an error recorded).
    limit: usize,
    /// Pattern-matching work left (see [`WORK_PER_CHAR`]).
    budget: usize,
    /// The first error met (BuildKit would stop the build); the output is
    /// still produced, leniently.
    pub error: Option<String>,
}

impl<'a> Lexer<'a> {
    pub fn new(s: &str, escape: char, lookup: Lookup<'a>, keep_unset: bool) -> Self {
        let s: Vec<char> = s.chars().collect();
        let budget = WORK_PER_CHAR.saturating_mul(s.len() + 16);
        let limit =
            DEFAULT_LIMIT_BASE.saturating_add(s.len().saturating_mul(DEFAULT_LIMIT_PER_CHAR));
        Lexer {
            s,
            i: 0,
            escape,
            lookup,
            keep_unset,
            depth: 0,
            limit,
            budget,
            error: None,
        }
    }

    /// Caps the output length (bytes).
    pub fn with_limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// Stops when the output has grown past the limit.
    fn over(&mut self, out: &mut String) -> bool {
        if out.len() <= self.limit {
            return false;
        }
        let mut cut = self.limit;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        self.err("expansion too long");
        self.i = self.s.len();
        true
    }

    pub fn process_all(&mut self) -> String {
        let mut out = self.process_stop_on(None, false);
        self.over(&mut out);
        out
    }

    /// Spends pattern-matching work; `false` when the budget is exhausted.
    fn charge(&mut self, cost: usize) -> bool {
        if cost > self.budget {
            self.budget = 0;
            return false;
        }
        self.budget -= cost;
        true
    }

    fn err(&mut self, msg: &str) {
        if self.error.is_none() {
            self.error = Some(msg.to_string());
        }
    }

    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.s.get(self.i).copied();
        if c.is_some() {
            self.i += 1;
        }
        c
    }

    fn raw_since(&self, start: usize) -> String {
        self.s
            .get(start..self.i)
            .map(|c| c.iter().collect())
            .unwrap_or_default()
    }

    fn process_stop_on(&mut self, stop: Option<char>, raw_escapes: bool) -> String {
        let mut out = String::new();
        while let Some(ch) = self.peek() {
            if self.over(&mut out) {
                return out;
            }
            if Some(ch) == stop {
                self.i += 1;
                return out;
            }
            match ch {
                '\'' => out.push_str(&self.single_quote()),
                '"' => out.push_str(&self.double_quote()),
                '$' => out.push_str(&self.dollar()),
                _ => {
                    self.i += 1;
                    if ch == self.escape {
                        if raw_escapes {
                            out.push(ch);
                        }
                        match self.next() {
                            Some(c) => out.push(c),
                            None => break,
                        }
                    } else {
                        out.push(ch);
                    }
                }
            }
        }
        if let Some(c) = stop {
            self.err(&format!(
                "unexpected end of statement while looking for matching {c}"
            ));
        }
        out
    }

    fn single_quote(&mut self) -> String {
        self.i += 1;
        let mut out = String::new();
        loop {
            match self.next() {
                None => {
                    self.err("unexpected end of statement while looking for matching single-quote");
                    return out;
                }
                Some('\'') => return out,
                Some(c) => out.push(c),
            }
        }
    }

    fn double_quote(&mut self) -> String {
        self.i += 1;
        let mut out = String::new();
        loop {
            if self.over(&mut out) {
                return out;
            }
            match self.peek() {
                None => {
                    self.err("unexpected end of statement while looking for matching double-quote");
                    return out;
                }
                Some('"') => {
                    self.i += 1;
                    return out;
                }
                Some('$') => out.push_str(&self.dollar()),
                Some(mut ch) => {
                    self.i += 1;
                    if ch == self.escape {
                        match self.peek() {
                            None => continue,
                            Some(n) if n == '"' || n == '$' || n == self.escape => {
                                ch = n;
                                self.i += 1;
                            }
                            Some(_) => {}
                        }
                    }
                    out.push(ch);
                }
            }
        }
    }

    fn name(&mut self) -> String {
        let mut name = String::new();
        while let Some(ch) = self.peek() {
            if name.is_empty() && ch.is_ascii_digit() {
                while let Some(d) = self.peek().filter(char::is_ascii_digit) {
                    name.push(d);
                    self.i += 1;
                }
                return name;
            }
            if name.is_empty() && matches!(ch, '@' | '*' | '#' | '?' | '-' | '$' | '!') {
                self.i += 1;
                name.push(ch);
                return name;
            }
            if !(ch.is_alphanumeric() || ch == '_') {
                break;
            }
            self.i += 1;
            name.push(ch);
        }
        name
    }

    fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
    }

    fn dollar(&mut self) -> String {
        let start = self.i;
        self.i += 1;
        if self.peek() != Some('{') {
            let name = self.name();
            if name.is_empty() {
                return "$".into();
            }
            return match self.get(&name) {
                Some(v) => v,
                None if self.keep_unset => self.raw_since(start),
                None => String::new(),
            };
        }
        self.i += 1;
        match self.peek() {
            None => {
                self.err("syntax error: missing '}'");
                return self.raw_since(start);
            }
            Some('{' | '}' | ':') => {
                self.err("syntax error: bad substitution");
                self.skip_past_brace();
                return String::new();
            }
            Some(_) => {}
        }
        if self.depth >= MAX_DEPTH {
            self.err("substitution nested too deeply");
            self.skip_past_brace();
            return self.raw_since(start);
        }
        let name = self.name();
        let null_is_unset;
        let modifier = match self.next() {
            None => {
                self.err("syntax error: missing '}'");
                return self.raw_since(start);
            }
            Some('}') => {
                return match self.get(&name) {
                    Some(v) => v,
                    None if self.keep_unset => self.raw_since(start),
                    None => String::new(),
                };
            }
            Some(':') => {
                null_is_unset = true;
                self.next()
            }
            Some(c) => {
                null_is_unset = false;
                Some(c)
            }
        };
        self.depth += 1;
        let result = self.modifier(start, &name, modifier, null_is_unset);
        self.depth -= 1;
        result
    }

    fn skip_past_brace(&mut self) {
        while let Some(c) = self.next() {
            if c == '}' {
                break;
            }
        }
    }

    fn modifier(
        &mut self,
        start: usize,
        name: &str,
        m: Option<char>,
        null_is_unset: bool,
    ) -> String {
        match m {
            Some(op @ ('-' | '+' | '?')) => {
                let word = self.process_stop_on(Some('}'), false);
                let value = self.get(name);
                // A default (`-`) or alternative (`+`) says what an unknown
                // variable gives; only `?` keeps the text.
                if value.is_none() && self.keep_unset && op == '?' {
                    return self.raw_since(start);
                }
                let unset = match &value {
                    None => true,
                    Some(v) => null_is_unset && v.is_empty(),
                };
                match op {
                    '-' => {
                        if unset {
                            word
                        } else {
                            value.unwrap_or_default()
                        }
                    }
                    '+' => {
                        if unset {
                            String::new()
                        } else {
                            word
                        }
                    }
                    _ => {
                        if unset {
                            let msg = if word.is_empty() {
                                "is not allowed to be unset or empty".to_string()
                            } else {
                                word
                            };
                            self.err(&format!("{name}: {msg}"));
                            String::new()
                        } else {
                            value.unwrap_or_default()
                        }
                    }
                }
            }
            Some(op @ ('#' | '%')) if !null_is_unset => {
                let longest = self.peek() == Some(op);
                if longest {
                    self.i += 1;
                }
                let pattern = self.process_stop_on(Some('}'), true);
                let Some(value) = self.get(name) else {
                    return if self.keep_unset {
                        self.raw_since(start)
                    } else {
                        String::new()
                    };
                };
                let mut toks = tokens(&pattern, self.escape);
                let mut v: Vec<char> = value.chars().collect();
                if !self.charge(v.len().saturating_mul(toks.len() + 1)) {
                    return value;
                }
                if op == '%' {
                    // A suffix of v matching p is a prefix of reversed v
                    // matching reversed p.
                    v.reverse();
                    toks.reverse();
                }
                let ends = match_ends(&toks, &v);
                let n = if longest {
                    ends.iter().rposition(|&m| m)
                } else {
                    ends.iter().position(|&m| m)
                };
                match n {
                    None => value,
                    Some(n) if op == '#' => v[n..].iter().collect(),
                    Some(n) => v[n..].iter().rev().collect(),
                }
            }
            Some('/') if !null_is_unset => {
                let all = self.peek() == Some('/');
                if all {
                    self.i += 1;
                }
                let pattern = self.process_stop_on(Some('/'), true);
                let replacement = self.process_stop_on(Some('}'), true);
                let Some(value) = self.get(name) else {
                    return if self.keep_unset {
                        self.raw_since(start)
                    } else {
                        String::new()
                    };
                };
                let toks = tokens(&pattern, self.escape);
                let v: Vec<char> = value.chars().collect();
                if toks.is_empty() {
                    return value;
                }
                let mut out = String::new();
                let mut i = 0;
                let mut replaced = false;
                while i < v.len() {
                    let found = if replaced && !all {
                        None
                    } else if !self.charge((v.len() - i).saturating_mul(toks.len() + 1)) {
                        // Out of budget: leave the rest as it is.
                        out.extend(&v[i..]);
                        return out;
                    } else {
                        // Longest non-empty match starting at i.
                        match_ends(&toks, &v[i..])
                            .iter()
                            .rposition(|&m| m)
                            .filter(|&n| n > 0)
                            .map(|n| i + n)
                    };
                    match found {
                        Some(e) => {
                            out.push_str(&replacement);
                            replaced = true;
                            i = e;
                        }
                        None => {
                            out.push(v[i]);
                            i += 1;
                        }
                    }
                }
                out
            }
            other => {
                let shown = other.map(String::from).unwrap_or_default();
                self.err(&format!("unsupported modifier ({shown}) in substitution"));
                self.skip_past_brace();
                String::new()
            }
        }
    }
}

/// A shell pattern token.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Tok {
    Lit(char),
    /// `?`
    Any,
    /// `*`
    Star,
}

/// Tokenises a pattern: `*`, `?`, an escaped character is literal.
fn tokens(p: &str, escape: char) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut it = p.chars();
    while let Some(c) = it.next() {
        out.push(match c {
            c if c == escape => match it.next() {
                Some(n) => Tok::Lit(n),
                None => Tok::Lit(c),
            },
            '*' => Tok::Star,
            '?' => Tok::Any,
            c => Tok::Lit(c),
        });
    }
    out
}

/// `ends[k]` is whether `s[..k]` matches the whole pattern: one pass of a
/// set-of-positions automaton, O(|s|·|toks|).
fn match_ends(toks: &[Tok], s: &[char]) -> Vec<bool> {
    let n = toks.len();
    let close = |set: &mut Vec<bool>| {
        for j in 0..n {
            if set[j] && toks[j] == Tok::Star {
                set[j + 1] = true;
            }
        }
    };
    let mut cur = vec![false; n + 1];
    cur[0] = true;
    close(&mut cur);
    let mut ends = Vec::with_capacity(s.len() + 1);
    ends.push(cur[n]);
    let mut next = vec![false; n + 1];
    for &c in s {
        next.iter_mut().for_each(|b| *b = false);
        for j in 0..n {
            if !cur[j] {
                continue;
            }
            match toks[j] {
                Tok::Star => next[j] = true,
                Tok::Any => next[j + 1] = true,
                Tok::Lit(l) if l == c => next[j + 1] = true,
                Tok::Lit(_) => {}
            }
        }
        close(&mut next);
        std::mem::swap(&mut cur, &mut next);
        ends.push(cur[n]);
        if !cur.iter().any(|&b| b) {
            ends.resize(s.len() + 1, false);
            break;
        }
    }
    ends
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expand;

    fn env(name: &str) -> Option<String> {
        match name {
            "A" => Some("alpha".into()),
            "E" => Some(String::new()),
            "P" => Some("/usr/local/bin/app.tar.gz".into()),
            _ => None,
        }
    }

    fn x(s: &str) -> String {
        expand(s, '\\', &env)
    }

    #[test]
    fn forms() {
        assert_eq!(x("$A ${A} $U. ${U}"), "alpha alpha . ");
        assert_eq!(x("${U:-d} ${E:-d} ${E-d} ${A:-d}"), "d d  alpha");
        assert_eq!(x("${U:+a} ${E:+a} ${E+a} ${A:+a}"), "  a a");
        assert_eq!(x("${U-d}|${U+a}|${A?e}|${U:?e}"), "d||alpha|");
        assert_eq!(x("${U:-${A}x}"), "alphax");
        assert_eq!(x("'$A' \"$A\" \\$A a\\ b"), "$A alpha $A a b");
        assert_eq!(x(r#""a\"b\c""#), r#"a"bc"#.replace("bc", "b\\c"));
        assert_eq!(x("$ $1 $"), "$  $");
        assert_eq!(
            x("${P#*/} ${P##*/} ${P%.*} ${P%%.*}"),
            "usr/local/bin/app.tar.gz app.tar.gz /usr/local/bin/app.tar /usr/local/bin/app"
        );
        assert_eq!(
            x("${P/local/opt} ${P//a/_}"),
            "/usr/opt/bin/app.tar.gz /usr/loc_l/bin/_pp.t_r.gz"
        );
    }

    #[test]
    fn backtick_escape() {
        assert_eq!(expand("C:\\dir `$A", '`', &env), "C:\\dir $A");
    }

    #[test]
    fn keep_unset() {
        let mut l = Lexer::new("a:${U} $V ${W:-x} ${W+y} ${W?} ${W#x} $A", '\\', &env, true);
        assert_eq!(l.process_all(), "a:${U} $V x  ${W?} ${W#x} alpha");
    }

    #[test]
    fn lenient_errors() {
        let mut l = Lexer::new("'abc ${", '\\', &env, false);
        let _ = l.process_all();
        assert!(l.error.is_some());
        let deep = "${a:-".repeat(10_000);
        let _ = x(&deep);
    }

    #[test]
    fn pattern_matching() {
        let c = |s: &str| s.chars().collect::<Vec<_>>();
        let m = |p: &str, s: &str| {
            match_ends(&tokens(p, '\\'), &c(s))
                .last()
                .copied()
                .unwrap_or(false)
        };
        assert!(m("a*b?", "axxbz"));
        assert!(!m("a*b", "axxbz"));
        assert!(m("\\*", "*"));
        assert!(!m("\\*", "x"));
        assert!(m("*", ""));
        assert_eq!(
            match_ends(&tokens("a*", '\\'), &c("ab")),
            [false, true, true]
        );
    }

    #[test]
    fn pattern_work_is_bounded() {
        let long = "ab".repeat(50_000);
        let lk = |_: &str| Some(long.clone());
        let t = std::time::Instant::now();
        for _ in 0..50 {
            let _ = expand("${V//*a*b*c/x}${V##*b*z}${V%%a*q}", '\\', &lk);
        }
        assert!(t.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(expand("${V/ab/X}", '\\', &|_| Some("abab".into())), "Xab");
    }
}
