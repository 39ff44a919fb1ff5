//! Debian and Ubuntu versions, ordered as `dpkg --compare-versions` does
//! (`lib/dpkg/version.c` and `parsehelp.c` in dpkg).
//!
//! A version is `[epoch:]upstream[-revision]`: the epoch is the part before
//! the first `:`, the revision the part after the last `-`. Upstream and
//! revision are compared with dpkg's `verrevcmp`: alternating non-digit and
//! digit runs; in a non-digit run `~` sorts before everything (even the end
//! of the string), then the end, then letters, then every other character;
//! digit runs compare numerically.
//!
//! # What is invalid
//!
//! `Err` is returned exactly where dpkg itself refuses a version (its
//! *errors*): an empty (or all-blank) string, embedded blanks, an epoch that
//! is empty, not a number, negative or above `i32::MAX`, nothing after the
//! epoch colon, an empty revision (`1.0-`) and an empty upstream version
//! (`-1`, `1:-1`). Leading and trailing blanks (space, tab) are trimmed as
//! dpkg does.
//!
//! dpkg only *warns* (and still compares) when the upstream version does not
//! start with a digit or when upstream or revision hold characters outside
//! `[A-Za-z0-9.+~-:]` / `[A-Za-z0-9.+~]`. These versions are accepted here
//! too, so that ordering matches dpkg; [`Version::warning`] reports them.
//!
//! Deliberate differences: non-ASCII bytes are rejected (dpkg orders them
//! by the platform's `char` signedness, and amd64 and arm64 disagree, so no
//! single answer would be right), and so are control characters other than
//! tab (dpkg would warn, or skip them in an epoch as `strtol` does).

use std::cmp::Ordering;
use std::fmt;

/// A parsed dpkg version.
#[derive(Clone, Debug)]
pub struct Version<'a> {
    /// The epoch (0 when absent).
    pub epoch: u32,
    /// The upstream version (never empty).
    pub upstream: &'a str,
    /// The Debian revision (`""` when absent).
    pub revision: &'a str,
    /// dpkg's warning about this version, if it would print one.
    pub warning: Option<&'static str>,
}

impl<'a> Version<'a> {
    /// Parses a version with dpkg's rules; `Err` names what is wrong.
    pub fn parse(input: &'a str) -> Result<Version<'a>, String> {
        let bad = |why: &str| format!("{input:?}: {why}");
        if !input.is_ascii() {
            return Err(bad("non-ASCII character in version"));
        }
        if input.bytes().any(|c| c.is_ascii_control() && c != b'\t') {
            return Err(bad("control character in version"));
        }
        let s = input.trim_matches(is_blank);
        if s.is_empty() {
            return Err(bad("version string is empty"));
        }
        if s.contains(is_blank) {
            return Err(bad("version string has embedded spaces"));
        }
        let (epoch, rest) = match s.split_once(':') {
            Some((e, rest)) => {
                let epoch = parse_epoch(e).map_err(bad)?;
                if rest.is_empty() {
                    return Err(bad("nothing after colon in version number"));
                }
                (epoch, rest)
            }
            None => (0, s),
        };
        let (upstream, revision) = match rest.rsplit_once('-') {
            Some((_, "")) => return Err(bad("revision number is empty")),
            Some((u, r)) => (u, r),
            None => (rest, ""),
        };
        if upstream.is_empty() {
            return Err(bad("version number is empty"));
        }
        let warning = if !upstream.starts_with(|c: char| c.is_ascii_digit()) {
            Some("version number does not start with digit")
        } else if upstream
            .bytes()
            .any(|c| !c.is_ascii_alphanumeric() && !b".-+~:".contains(&c))
        {
            Some("invalid character in version number")
        } else if revision
            .bytes()
            .any(|c| !c.is_ascii_alphanumeric() && !b".+~".contains(&c))
        {
            Some("invalid character in revision number")
        } else {
            None
        };
        Ok(Version {
            epoch,
            upstream,
            revision,
            warning,
        })
    }
}

impl Ord for Version<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(self.upstream, other.upstream))
            .then_with(|| verrevcmp(self.revision, other.revision))
    }
}

impl PartialOrd for Version<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version<'_> {}

impl fmt::Display for Version<'_> {
    /// The canonical form: epoch only when non-zero (or needed because the
    /// upstream version holds a colon), revision only when set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.epoch != 0 || self.upstream.contains(':') {
            write!(f, "{}:", self.epoch)?;
        }
        f.write_str(self.upstream)?;
        if !self.revision.is_empty() {
            write!(f, "-{}", self.revision)?;
        }
        Ok(())
    }
}

/// Compares two versions; Err names the invalid version and what is wrong.
pub fn compare(a: &str, b: &str) -> Result<Ordering, String> {
    Ok(Version::parse(a)?.cmp(&Version::parse(b)?))
}

/// dpkg's `c_isblank`: space and tab only.
fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// The epoch as dpkg reads it with `strtol`: optional sign, decimal digits,
/// and nothing else before the colon.
fn parse_epoch(e: &str) -> Result<u32, &'static str> {
    let (negative, digits) = match e.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, e.strip_prefix('+').unwrap_or(e)),
    };
    // strtol consumed nothing: dpkg calls that an empty epoch.
    if !digits.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("epoch in version is empty");
    }
    if !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err("epoch in version is not number");
    }
    let significant = digits.trim_start_matches('0');
    if significant.is_empty() {
        return Ok(0);
    }
    if negative {
        return Err("epoch in version is negative");
    }
    match significant.parse::<u32>() {
        Ok(n) if i32::try_from(n).is_ok() => Ok(n),
        _ => Err("epoch in version is too big"),
    }
}

/// dpkg's `order()`: weight of a character in a non-digit run; `None` is
/// the end of the string.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        Some(c) => i32::from(c) + 256,
    }
}

/// dpkg's `verrevcmp` on one part (upstream version or revision).
pub fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    let digit_at = |s: &[u8], k: usize| s.get(k).is_some_and(u8::is_ascii_digit);
    while i < a.len() || j < b.len() {
        while (i < a.len() && !digit_at(a, i)) || (j < b.len() && !digit_at(b, j)) {
            let ac = order(a.get(i).copied());
            let bc = order(b.get(j).copied());
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while a.get(i) == Some(&b'0') {
            i += 1;
        }
        while b.get(j) == Some(&b'0') {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while digit_at(a, i) && digit_at(b, j) {
            if first_diff == Ordering::Equal {
                first_diff = a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
        if digit_at(a, i) {
            return Ordering::Greater;
        }
        if digit_at(b, j) {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::{Equal, Greater, Less};

    fn cmp(a: &str, b: &str) -> Ordering {
        compare(a, b).unwrap()
    }

    #[test]
    fn tilde_sorts_before_everything() {
        assert_eq!(cmp("1.0~rc1", "1.0"), Less);
        assert_eq!(cmp("1.0~~", "1.0~"), Less);
        assert_eq!(cmp("1.0~", "1.0"), Less);
        assert_eq!(cmp("1.0", "1.0+"), Less);
        assert_eq!(cmp("1.0a", "1.0+"), Less);
        assert_eq!(cmp("1.2.3-1~deb7u1", "1.2.3-1"), Less);
    }

    #[test]
    fn epochs_and_revisions() {
        assert_eq!(cmp("1:0.1", "9.9"), Greater);
        assert_eq!(cmp("0:1.0", "1.0"), Equal);
        assert_eq!(cmp("1.0-0", "1.0"), Equal);
        assert_eq!(cmp("1.0-00", "1.0"), Equal);
        assert_eq!(cmp("1.0-1", "1.0"), Greater);
        assert_eq!(cmp("007:1", "7:1"), Equal);
        assert_eq!(cmp("+1:1", "1:1"), Equal);
        assert_eq!(cmp("-0:1", "1"), Equal);
        // Revision is after the LAST hyphen; the upstream may contain hyphens.
        let v = Version::parse("1:2.0-rc-3").unwrap();
        assert_eq!((v.epoch, v.upstream, v.revision), (1, "2.0-rc", "3"));
        assert_eq!(v.to_string(), "1:2.0-rc-3");
        // Colons after the first one belong to the upstream version.
        let v = Version::parse("1:2:3").unwrap();
        assert_eq!((v.epoch, v.upstream), (1, "2:3"));
        assert_eq!(Version::parse("0:2:3").unwrap().to_string(), "0:2:3");
        assert_eq!(Version::parse("0:2.3-0").unwrap().to_string(), "2.3-0");
    }

    #[test]
    fn leading_zeros_and_long_numbers() {
        assert_eq!(cmp("1.0000", "1.0"), Equal);
        assert_eq!(cmp("1.09", "1.9"), Equal);
        let big = "1.99999999999999999999999999999999999999";
        assert_eq!(
            cmp(big, "1.99999999999999999999999999999999999998"),
            Greater
        );
        assert_eq!(cmp(big, big), Equal);
    }

    #[test]
    fn dpkg_errors_are_err() {
        for bad in [
            "",
            "   ",
            "1 2",
            ":1",
            "a:1",
            "1a:1",
            "-1:1",
            "2147483648:1",
            "99999999999999999999:1",
            "1:",
            "1.0-",
            "-1",
            "1:-1",
            "1.0é",
        ] {
            assert!(Version::parse(bad).is_err(), "{bad:?} should be invalid");
            assert!(compare(bad, "1.0").is_err());
            assert!(compare("1.0", bad).is_err());
        }
        let e = compare("1.0", "1:").unwrap_err();
        assert!(e.contains("\"1:\""), "{e}");
    }

    #[test]
    fn dpkg_warnings_are_accepted() {
        assert_eq!(
            Version::parse("a1.0").unwrap().warning,
            Some("version number does not start with digit")
        );
        assert_eq!(
            Version::parse("1.0_1").unwrap().warning,
            Some("invalid character in version number")
        );
        assert_eq!(
            Version::parse("1.0-a_b").unwrap().warning,
            Some("invalid character in revision number")
        );
        assert_eq!(
            Version::parse("2147483647:1.0~rc1+dfsg-1ubuntu0.1")
                .unwrap()
                .warning,
            None
        );
        assert_eq!(cmp("a", "b"), Less);
        assert_eq!(cmp(" 1.0\t", "1.0"), Equal);
        assert_eq!(cmp("1.0_1", "1.0+1"), Greater);
    }
}
