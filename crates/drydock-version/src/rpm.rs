//! RPM versions: `rpmvercmp` on version strings, and `[epoch:]version[-release]`
//! (EVR) comparison as Red Hat-family OSV records need it.
//!
//! [`rpmvercmp`] is rpm's own algorithm (`rpmio/rpmvercmp.c`, rpm 4.15+ with
//! the `^` caret): strings are split into alphabetic and numeric segments,
//! every other ASCII character (and every non-ASCII byte) only separates
//! segments; `~` sorts before anything, even the end of the string; `^`
//! sorts after the end of the string but before anything else; a numeric
//! segment is newer than an alphabetic one; numbers compare without leading
//! zeros and without overflow.
//!
//! [`compare`] splits an EVR the way rpm's `parseEVR` does (epoch = the
//! digits before a `:` if all characters before the first `:` are digits,
//! `0` when absent or empty; release = after the last `-`) and compares
//! epoch, version and release with `rpmvercmp`. One difference from rpm's
//! `rpmverCmp`, following osv-scalibr's Red Hat comparator (the reference of
//! `redhat-versions.txt`): a version without release sorts before the same
//! version with one (`1 < 1-0`, `1 < 1-`), where rpm would skip the release
//! comparison. For vulnerability ranges that is the safe reading: `1.0` as a
//! fix bound is before every packaged `1.0-N`.
//!
//! # What is invalid
//!
//! `rpmvercmp` orders any string. [`compare`] rejects an empty EVR, an empty
//! version part (`1:`, `-1`, `1:-1`) and whitespace or control characters,
//! none of which rpm lets into a package's version or release.

use std::cmp::Ordering;

/// A parsed `[epoch:]version[-release]`.
#[derive(Clone, Debug)]
pub struct Evr<'a> {
    /// The epoch digits (`"0"` when absent or empty).
    pub epoch: &'a str,
    /// The version (never empty).
    pub version: &'a str,
    /// The release, `None` when there is no `-`.
    pub release: Option<&'a str>,
}

impl<'a> Evr<'a> {
    /// Splits an EVR string; `Err` names what is wrong.
    pub fn parse(input: &'a str) -> Result<Evr<'a>, String> {
        let bad = |why: &str| format!("{input:?}: {why}");
        if input.is_empty() {
            return Err(bad("version is empty"));
        }
        if input.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("whitespace or control character in version"));
        }
        let (epoch, rest) = match input.split_once(':') {
            Some((e, rest)) if e.bytes().all(|c| c.is_ascii_digit()) => {
                (if e.is_empty() { "0" } else { e }, rest)
            }
            _ => ("0", input),
        };
        let (version, release) = match rest.rsplit_once('-') {
            Some((v, r)) => (v, Some(r)),
            None => (rest, None),
        };
        if version.is_empty() {
            return Err(bad("version part is empty"));
        }
        Ok(Evr {
            epoch,
            version,
            release,
        })
    }
}

impl Ord for Evr<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        rpmvercmp(self.epoch, other.epoch)
            .then_with(|| rpmvercmp(self.version, other.version))
            .then_with(|| match (self.release, other.release) {
                (Some(a), Some(b)) => rpmvercmp(a, b),
                (a, b) => a.is_some().cmp(&b.is_some()),
            })
    }
}

impl PartialOrd for Evr<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Evr<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Evr<'_> {}

/// Compares two `[epoch:]version[-release]` strings; Err names the invalid
/// version and what is wrong.
pub fn compare(a: &str, b: &str) -> Result<Ordering, String> {
    Ok(Evr::parse(a)?.cmp(&Evr::parse(b)?))
}

/// rpm's `rpmvercmp` on two version (or release) strings.
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    let is_sep = |c: &u8| !c.is_ascii_alphanumeric() && *c != b'~' && *c != b'^';
    loop {
        while a.get(i).is_some_and(is_sep) {
            i += 1;
        }
        while b.get(j).is_some_and(is_sep) {
            j += 1;
        }
        let (ca, cb) = (a.get(i).copied(), b.get(j).copied());
        if ca.is_none() && cb.is_none() {
            return Ordering::Equal;
        }
        // `~` sorts before everything, even the end.
        if ca == Some(b'~') || cb == Some(b'~') {
            if ca != Some(b'~') {
                return Ordering::Greater;
            }
            if cb != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        // `^` sorts after the end but before everything else.
        if ca == Some(b'^') || cb == Some(b'^') {
            if ca.is_none() {
                return Ordering::Less;
            }
            if cb.is_none() {
                return Ordering::Greater;
            }
            if ca != Some(b'^') {
                return Ordering::Greater;
            }
            if cb != Some(b'^') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        let (Some(first), Some(_)) = (ca, cb) else {
            // One string is exhausted: whichever has something left wins.
            return ca.is_some().cmp(&cb.is_some());
        };
        let numeric = first.is_ascii_digit();
        let in_segment = |c: &u8| {
            if numeric {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        let seg_len = |s: &[u8], k: usize| s[k..].iter().take_while(|c| in_segment(c)).count();
        let (la, lb) = (seg_len(a, i), seg_len(b, j));
        let (mut sa, mut sb) = (&a[i..i + la], &b[j..j + lb]);
        i += la;
        j += lb;
        if sb.is_empty() {
            // Different segment types: numeric is newer than alphabetic.
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        if numeric {
            while let [b'0', rest @ ..] = sa {
                sa = rest;
            }
            while let [b'0', rest @ ..] = sb {
                sb = rest;
            }
            match sa.len().cmp(&sb.len()) {
                Ordering::Equal => {}
                longer => return longer,
            }
        }
        match sa.cmp(sb) {
            Ordering::Equal => {}
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::{Equal, Greater, Less};

    #[test]
    fn rpmvercmp_segments() {
        assert_eq!(rpmvercmp("1.0", "1.0.0"), Less);
        assert_eq!(rpmvercmp("1.0a", "1.0"), Greater);
        assert_eq!(rpmvercmp("1.a", "1.1"), Less);
        assert_eq!(rpmvercmp("1a", "1.a"), Equal);
        assert_eq!(rpmvercmp("1.010", "1.10"), Equal);
        assert_eq!(rpmvercmp("1.0.", "1.0"), Equal);
        assert_eq!(rpmvercmp("", ""), Equal);
        assert_eq!(rpmvercmp("", "."), Equal);
        assert_eq!(rpmvercmp("", "a"), Less);
        let big = "1.123456789012345678901234567890";
        assert_eq!(rpmvercmp(big, "1.123456789012345678901234567891"), Less);
        assert_eq!(rpmvercmp("1.α", "1.β"), Equal);
    }

    #[test]
    fn tilde_and_caret() {
        assert_eq!(rpmvercmp("1.0~rc1", "1.0"), Less);
        assert_eq!(rpmvercmp("1.0~", "1.0"), Less);
        assert_eq!(rpmvercmp("1.0^", "1.0"), Greater);
        assert_eq!(rpmvercmp("1.0^git1", "1.0.1"), Less);
        assert_eq!(rpmvercmp("1.0^git1", "1.0~rc1"), Greater);
        assert_eq!(rpmvercmp("1.0^git1~pre", "1.0^git1"), Less);
        assert_eq!(rpmvercmp("1.0^", "1.0~"), Greater);
    }

    #[test]
    fn evr_split_and_order() {
        let e = Evr::parse("2:1.0-3.el9").unwrap();
        assert_eq!((e.epoch, e.version, e.release), ("2", "1.0", Some("3.el9")));
        let e = Evr::parse("a:1.0").unwrap();
        assert_eq!((e.epoch, e.version, e.release), ("0", "a:1.0", None));
        let e = Evr::parse(":1.0-1-2").unwrap();
        assert_eq!((e.epoch, e.version, e.release), ("0", "1.0-1", Some("2")));
        assert_eq!(compare("1:1.0", "2.0").unwrap(), Greater);
        assert_eq!(compare("0:1.0-1", "1.0-1").unwrap(), Equal);
        assert_eq!(compare("01:1", "1:1").unwrap(), Equal);
        assert_eq!(compare("1.0", "1.0-0").unwrap(), Less);
        assert_eq!(compare("1.0-", "1.0-").unwrap(), Equal);
        assert_eq!(compare("1.0-1", "1.0-1.el7").unwrap(), Less);
        assert_eq!(
            compare("0:3.10.0-229.el7", "0:3.10.0-229.1.2.ael7b").unwrap(),
            Less
        );
    }

    #[test]
    fn invalid_evrs() {
        for bad in ["", "1:", "-1", "1:-1", "1.0 -1", "1.0\n"] {
            assert!(Evr::parse(bad).is_err(), "{bad:?} should be invalid");
            assert!(compare(bad, "1.0").is_err());
            assert!(compare("1.0", bad).is_err());
        }
    }
}
