//! RubyGems versions, ordered as `Gem::Version#<=>`.
//!
//! * Surrounding whitespace is ignored; `-` means `.pre.`.
//! * The segments are the runs of digits and the runs of letters
//!   (`1.0.a10` → `1 0 a 10`); a version is a prerelease when a letter
//!   appears.
//! * Canonical segments: the numeric release part (before the first
//!   letter segment) and the rest each lose their trailing zeros, so
//!   `1.0 = 1` and `1.a.0 = 1.a`.
//! * Segments are compared pairwise, the shorter side padded with `0`:
//!   numbers numerically (any size), letters bytewise, and a letter segment
//!   sorts before a number, so `1.a < 1 < 1.0.1`.
//!
//! Validity follows `Gem::Version.correct?` with one leniency osv-scalibr
//! also has: letters may follow digits without a dot (`1beta`, `0.12.3a`).
//! Accepted: a digit first, then dot-separated segments of ASCII letters and
//! digits, then optionally `-` and dot-separated segments of letters, digits
//! and `-`.

use std::cmp::Ordering;

use crate::num::cmp_digits;

/// One segment: a number (digits without leading zeros, `""` is 0) or a
/// run of letters.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Num(String),
    Str(String),
}

/// A parsed RubyGems version, ordered as `Gem::Version`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    segments: Vec<Segment>,
    prerelease: bool,
}

impl Version {
    /// Parses a version; Err names it and what is wrong.
    pub fn parse(s: &str) -> Result<Version, String> {
        let v = s.trim();
        validate(v).map_err(|why| format!("RubyGems version {s:?}: {why}"))?;
        let mut segments = Vec::new();
        let bytes = v.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b == b'-' {
                // `-` is `.pre.`
                segments.push(Segment::Str("pre".to_string()));
                i += 1;
            } else if b.is_ascii_digit() {
                let start = i;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                let digits = v[start..i].trim_start_matches('0');
                segments.push(Segment::Num(digits.to_string()));
            } else if b.is_ascii_alphabetic() {
                let start = i;
                while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                    i += 1;
                }
                segments.push(Segment::Str(v[start..i].to_string()));
            } else {
                i += 1;
            }
        }
        let prerelease = v.bytes().any(|b| b.is_ascii_alphabetic());
        Ok(Version {
            segments: canonical(segments),
            prerelease,
        })
    }

    /// True when a letter appears (`1.0.a1`, `2.0.0-rc1`).
    pub fn is_prerelease(&self) -> bool {
        self.prerelease
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        let zero = Segment::Num(String::new());
        let n = self.segments.len().max(other.segments.len());
        for i in 0..n {
            let a = self.segments.get(i).unwrap_or(&zero);
            let b = other.segments.get(i).unwrap_or(&zero);
            let o = match (a, b) {
                (Segment::Num(x), Segment::Num(y)) => cmp_digits(x, y),
                (Segment::Str(x), Segment::Str(y)) => x.as_bytes().cmp(y.as_bytes()),
                (Segment::Str(_), Segment::Num(_)) => Ordering::Less,
                (Segment::Num(_), Segment::Str(_)) => Ordering::Greater,
            };
            if o.is_ne() {
                return o;
            }
        }
        Ordering::Equal
    }
}

/// Compares two versions; Err names the invalid version and what is wrong.
pub fn compare(a: &str, b: &str) -> Result<Ordering, String> {
    Ok(Version::parse(a)?.cmp(&Version::parse(b)?))
}

fn validate(v: &str) -> Result<(), &'static str> {
    if v.is_empty() {
        return Err("empty");
    }
    if !v.as_bytes()[0].is_ascii_digit() {
        return Err("does not start with a digit");
    }
    let (release, pre) = match v.split_once('-') {
        Some((r, p)) => (r, Some(p)),
        None => (v, None),
    };
    if release
        .split('.')
        .any(|s| s.is_empty() || !s.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return Err("release segments must be non-empty runs of ASCII letters and digits");
    }
    if let Some(pre) = pre {
        let ok =
            |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !pre.split('.').all(ok) {
            return Err(
                "prerelease segments must be non-empty runs of ASCII letters, digits and '-'",
            );
        }
    }
    Ok(())
}

/// Drops trailing zeros from the numeric release part and from the rest.
fn canonical(mut segs: Vec<Segment>) -> Vec<Segment> {
    let is_zero = |s: &Segment| matches!(s, Segment::Num(d) if d.is_empty());
    let split = segs
        .iter()
        .position(|s| matches!(s, Segment::Str(_)))
        .unwrap_or(segs.len());
    let mut rest = segs.split_off(split);
    while segs.last().is_some_and(is_zero) {
        segs.pop();
    }
    while rest.last().is_some_and(is_zero) {
        rest.pop();
    }
    segs.append(&mut rest);
    segs
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering::{Equal, Greater, Less};

    fn c(a: &str, b: &str) -> Ordering {
        compare(a, b).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn prerelease_before_release() {
        assert_eq!(c("1.0.a1", "1.0"), Less);
        assert_eq!(c("1.0.0-rc1", "1.0.0"), Less);
        assert_eq!(c("1.0.b1", "1.0.a.2"), Greater);
        assert!(
            Version::parse("1.0.a")
                .map(|v| v.is_prerelease())
                .unwrap_or(false)
        );
        assert!(
            !Version::parse("1.0")
                .map(|v| v.is_prerelease())
                .unwrap_or(true)
        );
    }

    #[test]
    fn trailing_zeros_and_split_segments() {
        assert_eq!(c("1.0.0", "1"), Equal);
        assert_eq!(c("1.0.a2", "1.0.a.2"), Equal);
        assert_eq!(c("1.a.0", "1.a"), Equal);
        assert_eq!(c("3.10", "3.2"), Greater);
        assert_eq!(c(" 1.2 ", "1.2"), Equal);
    }

    #[test]
    fn dash_is_pre() {
        assert_eq!(c("1.0-rc1", "1.0.pre.rc1"), Equal);
        assert_eq!(c("1.0-1", "1.0"), Less);
    }

    #[test]
    fn invalid() {
        for v in [
            "", "  ", "a1", "1..2", "1.2.", "1 2", "1_2", "1.0-", "1.0-a..b", "é",
        ] {
            assert!(compare(v, "1").is_err(), "{v:?} accepted");
        }
    }
}
