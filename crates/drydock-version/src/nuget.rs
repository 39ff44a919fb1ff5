//! NuGet versions (NuGet's SemVer 2.0 with up to four numeric parts), ordered
//! as NuGet's `VersionComparer.Default`.
//!
//! * `major[.minor[.patch[.revision]]][-prerelease][+metadata]`; missing
//!   parts are 0, leading zeros are ignored (`1.0.01 = 1.0.1.0`); numbers
//!   may be of any size.
//! * A version without prerelease labels is greater than one with them;
//!   labels are compared pairwise: numeric labels numerically, numeric
//!   before alphanumeric, alphanumeric case-insensitively (ordinal); more
//!   labels win when all shared ones are equal.
//! * Build metadata after `+` is ignored.
//!
//! Rejected: empty parts or labels, more than four numeric parts, characters
//! outside `[0-9A-Za-z-]` in labels and metadata.

use std::cmp::Ordering;

use crate::num::cmp_digits;

/// A parsed NuGet version.
#[derive(Clone, Debug)]
pub struct Version {
    /// The numeric parts without leading zeros (`""` is 0), always four.
    release: [String; 4],
    /// The prerelease labels (empty for a release).
    pre: Vec<String>,
}

impl Version {
    /// Parses a version; Err names it and what is wrong.
    pub fn parse(s: &str) -> Result<Version, String> {
        let err = |why: &str| format!("NuGet version {s:?}: {why}");
        let (rest, meta) = match s.split_once('+') {
            Some((r, m)) => (r, Some(m)),
            None => (s, None),
        };
        if meta.is_some_and(|m| !m.split('.').all(is_label)) {
            return Err(err("metadata must be dot-separated [0-9A-Za-z-] labels"));
        }
        let (nums, pre) = match rest.split_once('-') {
            Some((n, p)) => (n, Some(p)),
            None => (rest, None),
        };
        let mut release: [String; 4] = Default::default();
        for (i, part) in nums.split('.').enumerate() {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err("numeric parts must be non-empty runs of digits"));
            }
            let Some(slot) = release.get_mut(i) else {
                return Err(err("more than four numeric parts"));
            };
            *slot = part.trim_start_matches('0').to_string();
        }
        let pre = match pre {
            None => Vec::new(),
            Some(p) => {
                if !p.split('.').all(is_label) {
                    return Err(err("prerelease must be dot-separated [0-9A-Za-z-] labels"));
                }
                p.split('.').map(str::to_string).collect()
            }
        };
        Ok(Version { release, pre })
    }

    /// True when the version has prerelease labels.
    pub fn is_prerelease(&self) -> bool {
        !self.pre.is_empty()
    }
}

fn is_label(l: &str) -> bool {
    !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn is_number(l: &str) -> bool {
    l.bytes().all(|b| b.is_ascii_digit())
}

fn cmp_labels(a: &str, b: &str) -> Ordering {
    match (is_number(a), is_number(b)) {
        (true, true) => cmp_digits(a, b),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a
            .bytes()
            .map(|b| b.to_ascii_lowercase())
            .cmp(b.bytes().map(|b| b.to_ascii_lowercase())),
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
        for (a, b) in self.release.iter().zip(&other.release) {
            let o = cmp_digits(a, b);
            if o.is_ne() {
                return o;
            }
        }
        match (self.pre.is_empty(), other.pre.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Greater,
            (false, true) => return Ordering::Less,
            (false, false) => {}
        }
        for (a, b) in self.pre.iter().zip(&other.pre) {
            let o = cmp_labels(a, b);
            if o.is_ne() {
                return o;
            }
        }
        self.pre.len().cmp(&other.pre.len())
    }
}

/// Compares two versions; Err names the invalid version and what is wrong.
pub fn compare(a: &str, b: &str) -> Result<Ordering, String> {
    Ok(Version::parse(a)?.cmp(&Version::parse(b)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering::{Equal, Less};

    fn c(a: &str, b: &str) -> Ordering {
        compare(a, b).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn four_parts_and_padding() {
        assert_eq!(c("1.0", "1.0.0.0"), Equal);
        assert_eq!(c("1", "1.0.0"), Equal);
        assert_eq!(c("1.0.01", "1.0.1.0"), Equal);
        assert_eq!(c("1.0.0", "1.0.0.1"), Less);
        assert_eq!(c("1.0.0.1-alpha", "1.0.0.1"), Less);
    }

    #[test]
    fn prerelease_labels() {
        assert_eq!(c("1.0.0-BETA", "1.0.0-beta"), Equal);
        assert_eq!(c("1.0.0-beta", "1.0.0-beta2"), Less);
        assert_eq!(c("1.0.0-beta.2", "1.0.0-beta.10"), Less);
        assert_eq!(c("1.0.0-1", "1.0.0-a"), Less);
        assert_eq!(c("1.0.0-beta", "1.0.0-beta.1"), Less);
        assert_eq!(c("1.0.0-rc.1", "1.0.0"), Less);
    }

    #[test]
    fn metadata_ignored() {
        assert_eq!(c("1.0.0+abc", "1.0.0"), Equal);
        assert_eq!(c("1.0.0-beta+AA", "1.0.0-BETA+zz"), Equal);
    }

    #[test]
    fn invalid() {
        for v in [
            "",
            "1.",
            ".1",
            "1..0",
            "1.2.3.4.5",
            "1.0-",
            "1.0-a..b",
            "1.0+",
            "v1.0",
            "1.0 ",
        ] {
            assert!(compare(v, "1.0").is_err(), "{v:?} accepted");
        }
        assert!(
            Version::parse("1.0-rc")
                .map(|v| v.is_prerelease())
                .unwrap_or(false)
        );
    }
}
