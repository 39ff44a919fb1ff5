//! Packagist (Composer) versions, ordered as PHP's `version_compare` after
//! the normalisation osv-scalibr applies.
//!
//! * Leading `v`/`V` are dropped (the vectors' generator compares
//!   `ltrim($v, "vV")`).
//! * `-`, `_` and `+` become `.`, and a `.` is inserted at every
//!   transition between a digit and a non-digit: `1.0rc1` → `1.0.rc.1`.
//! * Parts are compared pairwise: numbers numerically (any size); other
//!   parts by their special form, matched by prefix and case-sensitively:
//!   `dev < alpha = a < beta = b < RC = rc < # < pl = p`, where a number
//!   counts as `#` against a non-number and an unknown word ranks with
//!   `dev`.
//! * When one side runs out, a remaining number makes the longer side
//!   greater; otherwise its remaining words are compared with `#`, so
//!   `1.0 < 1.0.0`, `1.0rc1 < 1.0 < 1.0pl1`.
//!
//! `version_compare` accepts any string; so does this comparator, except
//! the empty string and strings holding whitespace or control characters,
//! which no Packagist release has and which are rejected so that a matcher
//! reports them.

use std::cmp::Ordering;

use crate::num::cmp_digits;

/// The weight of a non-numeric part (`#` is what a number counts as).
fn weight(part: &str) -> u8 {
    if part.starts_with("RC") {
        return 3;
    }
    const SPECIAL: [(&str, u8); 6] = [
        ("dev", 0),
        ("a", 1),
        ("b", 2),
        ("rc", 3),
        ("#", 4),
        ("p", 5),
    ];
    SPECIAL
        .iter()
        .find(|(prefix, _)| part.starts_with(prefix))
        .map_or(UNKNOWN, |&(_, w)| w)
}

/// The weight of a word that is no special form (ranks with `dev`).
const UNKNOWN: u8 = 0;
/// The weight of `#`, which is what a number counts as against a word.
const NUMBER: u8 = 4;

fn is_number(part: &str) -> bool {
    !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit())
}

fn cmp_parts(a: &str, b: &str) -> Ordering {
    match (is_number(a), is_number(b)) {
        (true, true) => cmp_digits(a, b),
        (false, false) => weight(a).cmp(&weight(b)),
        (true, false) => NUMBER.cmp(&weight(b)),
        (false, true) => weight(a).cmp(&NUMBER),
    }
}

/// Orders the parts left over on the longer side against nothing: the
/// first number decides (greater), words are weighed against `#`.
fn cmp_tail(tail: &[String]) -> Ordering {
    for part in tail {
        if is_number(part) {
            return Ordering::Greater;
        }
        let o = weight(part).cmp(&NUMBER);
        if o.is_ne() {
            return o;
        }
    }
    Ordering::Equal
}

/// A parsed Packagist version: its canonical parts.
#[derive(Clone, Debug)]
pub struct Version {
    parts: Vec<String>,
}

impl Version {
    /// Parses a version; Err for the empty string and for whitespace or
    /// control characters.
    pub fn parse(s: &str) -> Result<Version, String> {
        if s.is_empty() {
            return Err("empty Packagist version".to_string());
        }
        if let Some(c) = s.chars().find(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("Packagist version {s:?} contains {c:?}"));
        }
        let v = s.trim_start_matches(['v', 'V']);
        let mut canon = String::with_capacity(v.len() + 8);
        let mut prev: Option<char> = None;
        for c in v.chars() {
            let c = if matches!(c, '-' | '_' | '+') { '.' } else { c };
            if let Some(p) = prev {
                let digit_then_word = p.is_ascii_digit() && c != '.' && !c.is_ascii_digit();
                let word_then_digit = p != '.' && !p.is_ascii_digit() && c.is_ascii_digit();
                if digit_then_word || word_then_digit {
                    canon.push('.');
                }
            }
            canon.push(c);
            prev = Some(c);
        }
        Ok(Version {
            parts: canon.split('.').map(str::to_string).collect(),
        })
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (&self.parts, &other.parts);
        for (x, y) in a.iter().zip(b) {
            let o = cmp_parts(x, y);
            if o.is_ne() {
                return o;
            }
        }
        match a.len().cmp(&b.len()) {
            Ordering::Greater => cmp_tail(&a[b.len()..]),
            Ordering::Less => cmp_tail(&b[a.len()..]).reverse(),
            Ordering::Equal => Ordering::Equal,
        }
    }
}

/// Compares two versions; Err names the invalid version and what is wrong.
pub fn compare(a: &str, b: &str) -> Result<Ordering, String> {
    Ok(Version::parse(a)?.cmp(&Version::parse(b)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering::{Equal, Greater, Less};

    fn c(a: &str, b: &str) -> Ordering {
        compare(a, b).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn special_forms() {
        let ordered = ["1.0-dev", "1.0alpha1", "1.0b1", "1.0RC1", "1.0", "1.0pl1"];
        for w in ordered.windows(2) {
            assert_eq!(c(w[0], w[1]), Less, "{} < {}", w[0], w[1]);
            assert_eq!(c(w[1], w[0]), Greater, "{} > {}", w[1], w[0]);
        }
        assert_eq!(c("1.0RC1", "1.0rc1"), Equal);
        assert_eq!(c("1.0a1", "1.0alpha1"), Equal);
        // A patch level outranks any number at the same place.
        assert_eq!(c("1.0pl1", "1.0.1"), Greater);
        // Special forms are matched case-sensitively (only `RC` is upper).
        assert_eq!(c("1.0Beta1", "1.0-dev1"), Equal);
    }

    #[test]
    fn normalisation() {
        assert_eq!(c("1.0.0rc2", "1.0.0.rc2"), Equal);
        assert_eq!(c("1.25.0-beta2.1", "1.25.0-b.2.1"), Equal);
        assert_eq!(c("v1.0.0", "V1.0.0"), Equal);
        assert_eq!(c("1.0_1", "1.0+1"), Equal);
        assert_eq!(c("1.0.0", "1.0"), Greater);
    }

    #[test]
    fn tails() {
        assert_eq!(c("1.2.3.#", "1.2.3"), Equal);
        assert_eq!(c("1.2.3.#.beta", "1.2.3"), Less);
        assert_eq!(c("1.2.3.#.1", "1.2.3"), Greater);
        assert_eq!(c("1.0.", "1.0"), Less);
    }

    #[test]
    fn hash_equals_every_number() {
        // As in PHP, a number counts as `#` against a word, so `#` equals
        // every number and equality is not transitive through it.
        assert_eq!(c("1.1", "1.#"), Equal);
        assert_eq!(c("1.#", "1.2"), Equal);
        assert_eq!(c("1.1", "1.2"), Less);
    }

    #[test]
    fn invalid() {
        assert!(compare("", "1").is_err());
        assert!(compare("1", "1 0").is_err());
    }
}
