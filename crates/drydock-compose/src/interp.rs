//! Compose variable interpolation: `$VAR`, `${VAR}`, `${VAR:-default}`,
//! `${VAR-default}`, `${VAR:?err}`, `${VAR?err}`, `${VAR:+alt}`,
//! `${VAR+alt}`, `$$` for a literal `$`, and nested expressions inside the
//! default/alternative words (`${A:-${B}}`). Nesting is bounded.

/// Deepest `${…}` nesting accepted inside defaults.
const MAX_NESTING: usize = 16;

/// The outcome of interpolating one string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interpolated {
    pub value: String,
    /// Problems: `${VAR:?msg}` on an unset variable, malformed expressions.
    pub errors: Vec<String>,
    /// Variables that were unset and had no default, so an empty string
    /// stands where their value belongs: the value is not known here.
    pub unset: Vec<String>,
}

/// Interpolates `s`, looking variables up with `lookup`.
pub fn interpolate(s: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Interpolated {
    let mut out = Interpolated {
        value: String::new(),
        errors: Vec::new(),
        unset: Vec::new(),
    };
    out.value = if s.contains('$') {
        expand(s, lookup, &mut out, 0)
    } else {
        s.to_string()
    };
    out
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Index of the `}` closing a `${` whose body starts at `from`.
fn find_close(b: &[u8], from: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = from;
    while i < b.len() {
        match b[i] {
            b'$' if b.get(i + 1) == Some(&b'$') => i += 1,
            b'$' if b.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

fn expand(
    s: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    st: &mut Interpolated,
    depth: usize,
) -> String {
    if depth > MAX_NESTING {
        st.errors.push(format!(
            "variable expressions nested deeper than {MAX_NESTING} levels"
        ));
        return String::new();
    }
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut lit_start = 0;
    while i < b.len() {
        if b[i] != b'$' {
            i += 1;
            continue;
        }
        out.push_str(&s[lit_start..i]);
        match b.get(i + 1) {
            Some(b'$') => {
                out.push('$');
                i += 2;
            }
            Some(b'{') => {
                let body_start = i + 2;
                match find_close(b, body_start) {
                    None => {
                        st.errors.push(format!(
                            "invalid interpolation format: unclosed `${{` in {s:?}"
                        ));
                        out.push_str(&s[i..]);
                        return out;
                    }
                    Some(close) => {
                        out.push_str(&braced(&s[body_start..close], lookup, st, depth));
                        i = close + 1;
                    }
                }
            }
            Some(&c) if is_name_start(c) => {
                let mut j = i + 1;
                while j < b.len() && is_name_char(b[j]) {
                    j += 1;
                }
                let name = &s[i + 1..j];
                match lookup(name) {
                    Some(v) => out.push_str(&v),
                    None => st.unset.push(name.to_string()),
                }
                i = j;
            }
            _ => {
                out.push('$');
                i += 1;
            }
        }
        lit_start = i;
    }
    out.push_str(&s[lit_start..]);
    out
}

fn braced(
    body: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    st: &mut Interpolated,
    depth: usize,
) -> String {
    let b = body.as_bytes();
    if b.first().is_none_or(|&c| !is_name_start(c)) {
        st.errors.push(format!(
            "invalid interpolation format for `${{{body}}}`: bad variable name"
        ));
        return String::new();
    }
    let mut n = 1;
    while n < b.len() && is_name_char(b[n]) {
        n += 1;
    }
    let name = &body[..n];
    let rest = &body[n..];
    let val = lookup(name);
    let set = val.is_some();
    let nonempty = val.as_deref().is_some_and(|v| !v.is_empty());
    let word = |w: &str, st: &mut Interpolated| expand(w, lookup, st, depth + 1);
    if rest.is_empty() {
        return val.unwrap_or_else(|| {
            st.unset.push(name.to_string());
            String::new()
        });
    }
    let (colon, op, w) = match rest.strip_prefix(':') {
        Some(r) => (
            true,
            r.as_bytes().first().copied(),
            r.get(1..).unwrap_or(""),
        ),
        None => (false, Some(rest.as_bytes()[0]), rest.get(1..).unwrap_or("")),
    };
    let cond = if colon { nonempty } else { set };
    match op {
        Some(b'-') => {
            if cond {
                val.unwrap_or_default()
            } else {
                word(w, st)
            }
        }
        Some(b'?') => {
            if cond {
                val.unwrap_or_default()
            } else {
                let msg = word(w, st);
                let how = if colon && set { "empty" } else { "unset" };
                if msg.is_empty() {
                    st.errors.push(format!("required variable {name} is {how}"));
                } else {
                    st.errors
                        .push(format!("required variable {name} is {how}: {msg}"));
                }
                String::new()
            }
        }
        Some(b'+') => {
            if cond {
                word(w, st)
            } else {
                String::new()
            }
        }
        _ => {
            st.errors
                .push(format!("invalid interpolation format for `${{{body}}}`"));
            String::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "A" => Some("a".into()),
            "E" => Some(String::new()),
            "B" => Some("b".into()),
            _ => None,
        }
    }

    fn i(s: &str) -> Interpolated {
        interpolate(s, &env)
    }

    #[test]
    fn forms() {
        assert_eq!(i("x$A-y").value, "xa-y");
        assert_eq!(i("${A}").value, "a");
        assert_eq!(i("${U}").value, "");
        assert_eq!(i("${U:-d}").value, "d");
        assert_eq!(i("${E:-d}").value, "d");
        assert_eq!(i("${E-d}").value, "");
        assert_eq!(i("${U-d}").value, "d");
        assert_eq!(i("${A:+alt}").value, "alt");
        assert_eq!(i("${E:+alt}").value, "");
        assert_eq!(i("${E+alt}").value, "alt");
        assert_eq!(i("${U+alt}").value, "");
        assert_eq!(i("$$A").value, "$A");
        assert_eq!(i("cost $5").value, "cost $5");
        assert_eq!(i("${U:-${B}}").value, "b");
        assert_eq!(i("${U:-${V:-deep}}x").value, "deepx");
    }

    #[test]
    fn unset_variables_without_default_are_recorded() {
        assert_eq!(i("$U:/x").unset, ["U"]);
        assert_eq!(i("${U}/${A}").unset, ["U"]);
        assert!(i("${U:-/srv}:/x").unset.is_empty());
        assert!(i("${U-}").unset.is_empty());
        assert!(i("$A").unset.is_empty());
    }

    #[test]
    fn errors() {
        let r = i("${U:?must be set}");
        assert_eq!(r.value, "");
        assert_eq!(
            r.errors,
            vec!["required variable U is unset: must be set".to_string()]
        );
        assert!(i("${E?x}").errors.is_empty());
        assert_eq!(i("${E:?}").errors.len(), 1);
        assert_eq!(i("${A").errors.len(), 1);
        assert_eq!(i("${1x}").errors.len(), 1);
        assert_eq!(i("${A/x}").errors.len(), 1);
    }

    #[test]
    fn deep_nesting_bounded() {
        let s = "${U:-".repeat(100) + &"}".repeat(100);
        let r = i(&s);
        assert!(!r.errors.is_empty());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "[$A-Z{}:?+\\-é ]{0,60}") {
            let _ = i(&s);
        }
    }
}
