//! Variable expansion and quote removal the way BuildKit's shell lexer
//! (`frontend/dockerfile/shell/lex.go`) does it for `FROM`, `ENV`, `COPY`…

/// Nesting limit for `${a:-${b:-…}}`; deeper text is taken literally.
const MAX_DEPTH: u32 = 32;
/// Values longer than this are not matched against `#`/`%`/`/` patterns.
const MAX_PATTERN_SUBJECT: usize = 4096;

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
    /// The first error met (BuildKit would stop the build); the output is
    /// still produced, leniently.
    pub error: Option<String>,
}

impl<'a> Lexer<'a> {
    pub fn new(s: &str, escape: char, lookup: Lookup<'a>, keep_unset: bool) -> Self {
        Lexer {
            s: s.chars().collect(),
            i: 0,
            escape,
            lookup,
            keep_unset,
            depth: 0,
            error: None,
        }
    }

    pub fn process_all(&mut self) -> String {
        self.process_stop_on(None, false)
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
                let pattern: Vec<char> = self.process_stop_on(Some('}'), true).chars().collect();
                let Some(value) = self.get(name) else {
                    return if self.keep_unset {
                        self.raw_since(start)
                    } else {
                        String::new()
                    };
                };
                let v: Vec<char> = value.chars().collect();
                if v.len() > MAX_PATTERN_SUBJECT {
                    return value;
                }
                let esc = self.escape;
                let lens: Box<dyn Iterator<Item = usize>> = if longest {
                    Box::new((0..=v.len()).rev())
                } else {
                    Box::new(0..=v.len())
                };
                for n in lens {
                    if op == '#' {
                        if glob(&pattern, &v[..n], esc) {
                            return v[n..].iter().collect();
                        }
                    } else if glob(&pattern, &v[v.len() - n..], esc) {
                        return v[..v.len() - n].iter().collect();
                    }
                }
                value
            }
            Some('/') if !null_is_unset => {
                let all = self.peek() == Some('/');
                if all {
                    self.i += 1;
                }
                let pattern: Vec<char> = self.process_stop_on(Some('/'), true).chars().collect();
                let replacement = self.process_stop_on(Some('}'), true);
                let Some(value) = self.get(name) else {
                    return if self.keep_unset {
                        self.raw_since(start)
                    } else {
                        String::new()
                    };
                };
                let v: Vec<char> = value.chars().collect();
                if v.len() > MAX_PATTERN_SUBJECT || pattern.is_empty() {
                    return value;
                }
                let mut out = String::new();
                let mut i = 0;
                let mut replaced = false;
                while i < v.len() {
                    let found = if replaced && !all {
                        None
                    } else {
                        (i + 1..=v.len())
                            .rev()
                            .find(|&e| glob(&pattern, &v[i..e], self.escape))
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

/// Shell pattern match of the whole `s` against `p` (`*`, `?`, escaped
/// characters literal). Iterative, O(|p|·|s|).
fn glob(p: &[char], s: &[char], escape: char) -> bool {
    // Tokenise the pattern: Some(c) literal, None = '*', and '?' as a flag.
    #[derive(Clone, Copy, PartialEq)]
    enum T {
        Lit(char),
        Any,
        Star,
    }
    let mut toks = Vec::with_capacity(p.len());
    let mut i = 0;
    while i < p.len() {
        let c = p[i];
        if c == escape && i + 1 < p.len() {
            toks.push(T::Lit(p[i + 1]));
            i += 2;
            continue;
        }
        toks.push(match c {
            '*' => T::Star,
            '?' => T::Any,
            c => T::Lit(c),
        });
        i += 1;
    }
    let (mut pi, mut si) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match toks.get(pi) {
            Some(T::Star) => {
                star = Some((pi, si));
                pi += 1;
            }
            Some(T::Any) => {
                pi += 1;
                si += 1;
            }
            Some(T::Lit(c)) if *c == s[si] => {
                pi += 1;
                si += 1;
            }
            _ => match star {
                Some((sp, ss)) => {
                    pi = sp + 1;
                    si = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return false,
            },
        }
    }
    toks[pi.min(toks.len())..].iter().all(|t| *t == T::Star)
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
    fn globbing() {
        let c = |s: &str| s.chars().collect::<Vec<_>>();
        assert!(glob(&c("a*b?"), &c("axxbz"), '\\'));
        assert!(!glob(&c("a*b"), &c("axxbz"), '\\'));
        assert!(glob(&c("\\*"), &c("*"), '\\'));
        assert!(!glob(&c("\\*"), &c("x"), '\\'));
    }
}
