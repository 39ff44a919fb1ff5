//! PyPI versions: PEP 440 (as `packaging.version.Version` parses, normalises
//! and orders them).
//!
//! [`compare`] and [`normalize`] accept exactly what `packaging` >= 22
//! accepts (the PEP 440 appendix B regular expression, case-insensitive,
//! surrounding whitespace allowed) and reject everything else.
//!
//! OSV's PyPI data still holds some pre-PEP 440 "legacy" strings (e.g.
//! `0.1-bulbasaur`) that `packaging` < 22 ordered with its `LegacyVersion`
//! (always below every PEP 440 version). osv-scalibr keeps that ordering;
//! [`compare_with_legacy`] reproduces it for callers that must order such
//! strings rather than report them. The strict [`compare`] is what
//! [`crate::Scheme::compare`] uses.

use std::cmp::Ordering;
use std::fmt;

use crate::num::Num;

/// Pre-release phase: `a` < `b` < `rc`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PreKind {
    Alpha,
    Beta,
    Rc,
}

impl PreKind {
    fn as_str(self) -> &'static str {
        match self {
            PreKind::Alpha => "a",
            PreKind::Beta => "b",
            PreKind::Rc => "rc",
        }
    }
}

/// One dot-separated part of a local version label. Alphanumeric parts
/// sort before numeric ones (the derive's variant order).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum LocalPart {
    Str(String),
    Num(Num),
}

/// A parsed PEP 440 version. Equality and ordering follow PEP 440
/// (`1.0 == 1.0.0`, `1.0.dev0 < 1.0a0 < 1.0 < 1.0+local < 1.0.post0`).
#[derive(Clone, Debug)]
pub struct Version {
    epoch: Num,
    release: Vec<Num>,
    pre: Option<(PreKind, Num)>,
    post: Option<Num>,
    dev: Option<Num>,
    local: Vec<LocalPart>,
}

/// Whitespace as Python's `re` `\s` sees it for `str` patterns.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// A cursor over the (ASCII-lowercased) input.
struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn digits(&mut self) -> Option<&str> {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        if self.i == start {
            None
        } else {
            std::str::from_utf8(&self.s[start..self.i]).ok()
        }
    }

    fn sep(&mut self) -> bool {
        if matches!(self.peek(), Some(b'-' | b'_' | b'.')) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn starts_with(&self, w: &str) -> bool {
        self.s[self.i..].starts_with(w.as_bytes())
    }

    /// The first of `words` found here (longest alternatives listed first).
    fn keyword(&mut self, words: &[&'static str]) -> Option<&'static str> {
        let w = words.iter().find(|w| self.starts_with(w))?;
        self.i += w.len();
        Some(w)
    }

    /// `[-_.]? keyword [-_.]? digits?` (a PEP 440 pre/post/dev segment).
    fn segment(&mut self, words: &[&'static str]) -> Option<(&'static str, Num)> {
        let save = self.i;
        self.sep();
        let Some(word) = self.keyword(words) else {
            self.i = save;
            return None;
        };
        // A separator with no number after it still belongs to the segment,
        // as in the regular expression (`1.0a.` is `1.0a0`); a following
        // segment never needs it, as each allows its own optional separator.
        self.sep();
        let n = self.digits().map_or_else(Num::zero, Num::new);
        Some((word, n))
    }
}

impl Version {
    /// Parses a version as `packaging.version.Version` does.
    pub fn parse(input: &str) -> Result<Version, String> {
        let bad = |what: &str| Err(format!("{input:?}: {what}"));
        let trimmed = input.trim_matches(is_py_space);
        if trimmed.is_empty() {
            return bad("empty version");
        }
        if !trimmed.is_ascii() {
            return bad("contains a non-ASCII character");
        }
        let lower = trimmed.to_ascii_lowercase();
        let mut c = Cursor {
            s: lower.as_bytes(),
            i: 0,
        };
        if c.peek() == Some(b'v') {
            c.i += 1;
        }
        let Some(first) = c.digits().map(Num::new) else {
            return bad("does not start with a number");
        };
        let mut epoch = Num::zero();
        let mut release = Vec::new();
        if c.peek() == Some(b'!') {
            c.i += 1;
            epoch = first;
            match c.digits() {
                Some(d) => release.push(Num::new(d)),
                None => return bad("no release number after the epoch"),
            }
        } else {
            release.push(first);
        }
        while c.peek() == Some(b'.') && c.s.get(c.i + 1).is_some_and(|d| d.is_ascii_digit()) {
            c.i += 1;
            if let Some(d) = c.digits() {
                release.push(Num::new(d));
            }
        }
        let pre = c
            .segment(&["alpha", "a", "beta", "b", "preview", "pre", "c", "rc"])
            .map(|(w, n)| {
                let kind = match w {
                    "alpha" | "a" => PreKind::Alpha,
                    "beta" | "b" => PreKind::Beta,
                    _ => PreKind::Rc,
                };
                (kind, n)
            });
        let post = if c.peek() == Some(b'-') && c.s.get(c.i + 1).is_some_and(|d| d.is_ascii_digit())
        {
            c.i += 1;
            c.digits().map(Num::new)
        } else {
            c.segment(&["post", "rev", "r"]).map(|(_, n)| n)
        };
        let dev = c.segment(&["dev"]).map(|(_, n)| n);
        let mut local = Vec::new();
        if c.peek() == Some(b'+') {
            c.i += 1;
            loop {
                let start = c.i;
                while c.peek().is_some_and(|b| b.is_ascii_alphanumeric()) {
                    c.i += 1;
                }
                if c.i == start {
                    return bad("empty or invalid part in the local version label");
                }
                let part = &lower[start..c.i];
                local.push(if part.bytes().all(|b| b.is_ascii_digit()) {
                    LocalPart::Num(Num::new(part))
                } else {
                    LocalPart::Str(part.to_string())
                });
                if !c.sep() {
                    break;
                }
            }
        }
        if c.i != c.s.len() {
            return bad(&format!("unexpected text {:?}", &trimmed[c.i..]));
        }
        Ok(Version {
            epoch,
            release,
            pre,
            post,
            dev,
            local,
        })
    }

    /// True for a pre-release or development release.
    pub fn is_prerelease(&self) -> bool {
        self.pre.is_some() || self.dev.is_some()
    }

    /// The version without its local label (`1.0+abc` → `1.0`), as PEP 440
    /// matching of public versions needs.
    pub fn public(&self) -> Version {
        Version {
            local: Vec::new(),
            ..self.clone()
        }
    }

    /// `packaging`'s `_cmpkey` for the pre-release: a dev release without
    /// pre or post sorts before every pre-release of its release.
    fn pre_key(&self) -> (u8, Option<&(PreKind, Num)>) {
        match (&self.pre, &self.post, &self.dev) {
            (None, None, Some(_)) => (0, None),
            (Some(p), _, _) => (1, Some(p)),
            (None, _, _) => (2, None),
        }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| {
                // Trailing zeros do not count: 1.0 == 1.0.0.
                let n = self.release.len().max(other.release.len());
                let zero = Num::zero();
                (0..n)
                    .map(|i| {
                        let a = self.release.get(i).unwrap_or(&zero);
                        let b = other.release.get(i).unwrap_or(&zero);
                        a.cmp(b)
                    })
                    .find(|o| o.is_ne())
                    .unwrap_or(Ordering::Equal)
            })
            .then_with(|| self.pre_key().cmp(&other.pre_key()))
            .then_with(|| self.post.cmp(&other.post))
            .then_with(|| match (&self.dev, &other.dev) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => a.cmp(b),
            })
            .then_with(|| self.local.cmp(&other.local))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl std::str::FromStr for Version {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Version::parse(s)
    }
}

/// The normalised form, as `str(packaging.version.Version(v))`.
impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.epoch.is_zero() {
            write!(f, "{}!", self.epoch)?;
        }
        for (i, n) in self.release.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{n}")?;
        }
        if let Some((kind, n)) = &self.pre {
            write!(f, "{}{n}", kind.as_str())?;
        }
        if let Some(n) = &self.post {
            write!(f, ".post{n}")?;
        }
        if let Some(n) = &self.dev {
            write!(f, ".dev{n}")?;
        }
        for (i, part) in self.local.iter().enumerate() {
            f.write_str(if i == 0 { "+" } else { "." })?;
            match part {
                LocalPart::Str(s) => f.write_str(s)?,
                LocalPart::Num(n) => write!(f, "{n}")?,
            }
        }
        Ok(())
    }
}

/// Compares two versions; Err names the invalid version and what is wrong.
pub fn compare(a: &str, b: &str) -> Result<Ordering, String> {
    Ok(Version::parse(a)?.cmp(&Version::parse(b)?))
}

/// The PEP 440 normal form of `v` (`1.0-ALPHA1` → `1.0a1`, `v1.01` → `1.1`).
pub fn normalize(v: &str) -> Result<String, String> {
    Version::parse(v).map(|v| v.to_string())
}

/// A PyPI version that may be a pre-PEP 440 legacy string.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum AnyVersion {
    /// Not PEP 440: its `LegacyVersion` key (the parts joined). Every
    /// legacy version sorts before every PEP 440 version.
    Legacy(String),
    Pep440(Version),
}

impl AnyVersion {
    /// PEP 440 if it parses, else the legacy key. Empty (or all
    /// whitespace) input is still an error.
    pub fn parse(input: &str) -> Result<AnyVersion, String> {
        if input.trim_matches(is_py_space).is_empty() {
            return Err(format!("{input:?}: empty version"));
        }
        Ok(match Version::parse(input) {
            Ok(v) => AnyVersion::Pep440(v),
            Err(_) => AnyVersion::Legacy(legacy_key(input)),
        })
    }
}

/// The `LegacyVersion` key of `packaging` < 22 as osv-scalibr computes it:
/// lowercase, take the runs of `\d+`, `[a-z]+`, `.` and `-` (everything
/// else is dropped), rename `pre`/`preview`/`rc` to `c`, `dev` to `@` and
/// `-` to `final-`, zero-pad numbers to 8 digits, mark words with `*`,
/// drop `-` before a pre-release word and trailing zero numbers before a
/// word, end with `*final`; the parts are compared joined as one string.
fn legacy_key(input: &str) -> String {
    let lower = input.to_lowercase();
    let b = lower.as_bytes();
    let mut tokens: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        if b[i].is_ascii_digit() {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
        } else if b[i].is_ascii_lowercase() {
            while i < b.len() && b[i].is_ascii_lowercase() {
                i += 1;
            }
        } else if b[i] == b'.' || b[i] == b'-' {
            i += 1;
        } else {
            i += 1;
            continue;
        }
        tokens.push(&lower[start..i]);
    }
    tokens.push("final");
    let mut parts: Vec<String> = Vec::new();
    for tok in tokens {
        if tok.is_empty() || tok == "." {
            continue;
        }
        let tok = match tok {
            "pre" | "preview" | "rc" => "c",
            "-" => "final-",
            "dev" => "@",
            t => t,
        };
        let part = if tok.as_bytes()[0].is_ascii_digit() {
            format!("{tok:0>8}")
        } else {
            format!("*{tok}")
        };
        if part.starts_with('*') {
            if part.as_str() < "*final" {
                while parts.last().is_some_and(|p| p == "*final-") {
                    parts.pop();
                }
            }
            while parts.last().is_some_and(|p| p == "00000000") {
                parts.pop();
            }
        }
        parts.push(part);
    }
    parts.concat()
}

/// Compares like [`compare`], but orders non-PEP 440 strings as legacy
/// versions (below every PEP 440 version) instead of rejecting them, as
/// osv-scalibr does for OSV PyPI data. Only empty input is an error.
pub fn compare_with_legacy(a: &str, b: &str) -> Result<Ordering, String> {
    Ok(AnyVersion::parse(a)?.cmp(&AnyVersion::parse(b)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        compare(a, b).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn trailing_zeros_and_leading_zeros_are_equal() {
        assert_eq!(cmp("1.0", "1.0.0"), Ordering::Equal);
        assert_eq!(cmp("1.01", "1.1"), Ordering::Equal);
        assert_eq!(cmp("0!1.0", "1"), Ordering::Equal);
        assert_eq!(cmp("1.0+AbC", "1.0+abc"), Ordering::Equal);
    }

    #[test]
    fn dev_only_release_sorts_before_pre_releases() {
        assert_eq!(cmp("1.0.dev5", "1.0a0"), Ordering::Less);
        assert_eq!(cmp("1.0a0.dev5", "1.0a0"), Ordering::Less);
        assert_eq!(cmp("1.0.post0.dev1", "1.0"), Ordering::Greater);
        assert_eq!(cmp("1.0.post0.dev1", "1.0.post0"), Ordering::Less);
    }

    #[test]
    fn local_labels() {
        assert_eq!(cmp("1.0+local", "1.0"), Ordering::Greater);
        assert_eq!(cmp("1.0+local", "1.0.post0"), Ordering::Less);
        assert_eq!(cmp("1.0+a", "1.0+0"), Ordering::Less);
        assert_eq!(cmp("1.0+1.abc", "1.0+1.1"), Ordering::Less);
        assert_eq!(cmp("1.0+1", "1.0+1.0"), Ordering::Less);
    }

    #[test]
    fn huge_numbers_compare_numerically() {
        assert_eq!(
            cmp(
                "99999999999999999999999999999",
                "100000000000000000000000000000"
            ),
            Ordering::Less
        );
        assert_eq!(
            cmp("1.0a0000000000000000000000001", "1.0a1"),
            Ordering::Equal
        );
    }

    #[test]
    fn regex_quirks() {
        // A separator after a pre-release word needs no number.
        assert_eq!(normalize("1.0a.").as_deref(), Ok("1.0a0"));
        assert_eq!(normalize("1.0a-1").as_deref(), Ok("1.0a1"));
        assert_eq!(normalize("1.0a.-1").as_deref(), Ok("1.0a0.post1"));
        assert_eq!(normalize("1.0-1.dev2").as_deref(), Ok("1.0.post1.dev2"));
        assert_eq!(normalize("V1.0\u{a0}").as_deref(), Ok("1.0"));
        assert_eq!(normalize("1.0+01.0a").as_deref(), Ok("1.0+1.0a"));
        assert!(normalize("1.0-").is_err());
        assert!(normalize("1.0+").is_err());
        assert!(normalize("1!").is_err());
        assert!(normalize("1.0ab").is_err());
        assert!(normalize("1.0.a.b").is_err());
        assert!(normalize("").is_err());
    }

    #[test]
    fn legacy_versions_sort_first() {
        let c = |a, b| compare_with_legacy(a, b).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c("0.1-bulbasaur", "0.0.1"), Ordering::Less);
        assert_eq!(c("0.1-bulbasaur", "0.1-charmander"), Ordering::Less);
        assert_eq!(c("1.0", "1.0.0"), Ordering::Equal);
        assert!(compare("0.1-bulbasaur", "1.0").is_err());
        assert!(compare_with_legacy(" ", "1.0").is_err());
    }
}
