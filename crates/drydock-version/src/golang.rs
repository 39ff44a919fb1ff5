//! Go module versions, ordered as `golang.org/x/mod/semver` orders them.
//!
//! A version is `vMAJOR[.MINOR[.PATCH[-PRE][+BUILD]]]`: the shorthands
//! `v1` and `v1.2` mean `v1.0.0` and `v1.2.0` (but take no pre-release or
//! build), numbers and numeric pre-release identifiers have no leading
//! zeros, build metadata (including `+incompatible`) does not count.
//! Pseudo-versions (`v0.0.0-20191109021931-daa7c04131f5`,
//! `v1.2.4-0.20191109021931-daa7c04131f5`) are ordinary pre-releases and
//! so sort below the release they precede and above their base version.
//!
//! OSV's Go ecosystem writes versions without the `v` (`1.16.5`,
//! `0.0.0-20220314234659-1baeb1ce4c0b`), so a missing `v` is supplied.
//! Where x/mod orders an invalid version below every valid one, this
//! module reports it instead (`Err`).

use std::cmp::Ordering;

use crate::num::cmp_digits;

/// A parsed Go module version; ordering and equality ignore build
/// metadata.
#[derive(Clone, Debug)]
pub struct Version<'a> {
    major: &'a str,
    minor: &'a str,
    patch: &'a str,
    /// Without the leading `-`; empty for a release.
    pre: &'a str,
    /// Without the leading `+`; empty when absent.
    build: &'a str,
    short: bool,
}

/// A decimal number without leading zeros (`0` alone is allowed).
fn is_num(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

impl<'a> Version<'a> {
    /// Parses `v1.2.3-pre+build` (the `v` may be omitted, as in OSV).
    pub fn parse(input: &'a str) -> Result<Version<'a>, String> {
        let bad = |what: &str| Err(format!("{input:?}: {what}"));
        let s = input.strip_prefix('v').unwrap_or(input);
        let (main, build) = match s.split_once('+') {
            Some((m, b)) => (m, Some(b)),
            None => (s, None),
        };
        let (core, pre) = match main.split_once('-') {
            Some((c, p)) => (c, Some(p)),
            None => (main, None),
        };
        let mut parts = core.split('.');
        let major = parts.next().unwrap_or("");
        let minor = parts.next();
        let patch = parts.next();
        if parts.next().is_some() {
            return bad("more than three numeric components");
        }
        for n in [Some(major), minor, patch].into_iter().flatten() {
            if !is_num(n) {
                return bad("components must be numbers without leading zeros");
            }
        }
        let short = patch.is_none();
        if short && (pre.is_some() || build.is_some()) {
            return bad("a shorthand version (v1, v1.2) takes no pre-release or build");
        }
        if let Some(p) = pre {
            for id in p.split('.') {
                if id.is_empty() || !id.bytes().all(is_ident_char) {
                    return bad("invalid pre-release identifier");
                }
                if id.bytes().all(|b| b.is_ascii_digit()) && !is_num(id) {
                    return bad("leading zero in a numeric pre-release identifier");
                }
            }
        }
        if build.is_some_and(|b| {
            b.split('.')
                .any(|id| id.is_empty() || !id.bytes().all(is_ident_char))
        }) {
            return bad("invalid build metadata");
        }
        Ok(Version {
            major,
            minor: minor.unwrap_or("0"),
            patch: patch.unwrap_or("0"),
            pre: pre.unwrap_or(""),
            build: build.unwrap_or(""),
            short,
        })
    }

    /// The canonical form x/mod's `Canonical` gives: shorthands expanded,
    /// build metadata dropped except `+incompatible`.
    pub fn canonical(&self) -> String {
        let mut s = format!("v{}.{}.{}", self.major, self.minor, self.patch);
        if !self.pre.is_empty() {
            s.push('-');
            s.push_str(self.pre);
        }
        if self.build == "incompatible" {
            s.push_str("+incompatible");
        }
        s
    }

    /// `v1`, `v2`, … (x/mod's `Major`).
    pub fn major(&self) -> String {
        format!("v{}", self.major)
    }

    /// The pre-release with its `-`, or "".
    pub fn prerelease(&self) -> String {
        if self.pre.is_empty() {
            String::new()
        } else {
            format!("-{}", self.pre)
        }
    }

    /// The build metadata with its `+`, or "".
    pub fn build(&self) -> String {
        if self.build.is_empty() {
            String::new()
        } else {
            format!("+{}", self.build)
        }
    }

    /// True when written as a shorthand (`v1`, `v1.2`).
    pub fn is_shorthand(&self) -> bool {
        self.short
    }

    /// True for `+incompatible` (a v2+ module without a go.mod).
    pub fn is_incompatible(&self) -> bool {
        self.build == "incompatible"
    }

    /// True for a pseudo-version (`golang.org/x/mod/module.IsPseudoVersion`):
    /// the pre-release ends in `yyyymmddhhmmss-<revision>` and starts
    /// with it (`vX.0.0-…`), or has it after `0.` (`vX.Y.Z-0.…`,
    /// `vX.Y.Z-pre.0.…`).
    pub fn is_pseudo(&self) -> bool {
        let Some((rest, rev)) = self.pre.rsplit_once('-') else {
            return false;
        };
        if rev.is_empty() || !rev.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return false;
        }
        let (prefix, stamp) = match rest.rsplit_once('.') {
            Some((p, t)) => (Some(p), t),
            None => (None, rest),
        };
        if stamp.len() != 14 || !stamp.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        match prefix {
            None => self.minor == "0" && self.patch == "0",
            Some(p) => p == "0" || p.ends_with(".0"),
        }
    }
}

fn cmp_pre(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        (false, false) => {}
    }
    let mut x = a.split('.');
    let mut y = b.split('.');
    loop {
        match (x.next(), y.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(i), Some(j)) => {
                let ni = i.bytes().all(|c| c.is_ascii_digit());
                let nj = j.bytes().all(|c| c.is_ascii_digit());
                let o = match (ni, nj) {
                    (true, true) => cmp_digits(i, j),
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    (false, false) => i.cmp(j),
                };
                if o.is_ne() {
                    return o;
                }
            }
        }
    }
}

impl Ord for Version<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_digits(self.major, other.major)
            .then_with(|| cmp_digits(self.minor, other.minor))
            .then_with(|| cmp_digits(self.patch, other.patch))
            .then_with(|| cmp_pre(self.pre, other.pre))
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

/// True when `v` is a valid Go module version (the `v` may be omitted).
pub fn is_valid(v: &str) -> bool {
    Version::parse(v).is_ok()
}

/// Compares two versions; Err names the invalid version and what is wrong.
pub fn compare(a: &str, b: &str) -> Result<Ordering, String> {
    Ok(Version::parse(a)?.cmp(&Version::parse(b)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        compare(a, b).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn incompatible_is_ignored_for_ordering() {
        assert_eq!(cmp("v2.0.0+incompatible", "v2.0.0"), Ordering::Equal);
        assert_eq!(cmp("v2.0.1+incompatible", "v2.0.0"), Ordering::Greater);
        let v = Version::parse("v2.0.0+incompatible").unwrap_or_else(|e| panic!("{e}"));
        assert!(v.is_incompatible());
        assert_eq!(v.canonical(), "v2.0.0+incompatible");
        let m = Version::parse("v1.2.3+meta").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.canonical(), "v1.2.3");
    }

    #[test]
    fn pseudo_versions_sit_between_base_and_next_release() {
        // The three forms of go.dev/ref/mod#pseudo-versions.
        assert_eq!(
            cmp("v0.0.0-20191109021931-daa7c04131f5", "v0.0.0"),
            Ordering::Less
        );
        assert_eq!(
            cmp("v1.2.3", "v1.2.4-0.20191109021931-daa7c04131f5"),
            Ordering::Less
        );
        assert_eq!(
            cmp("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4"),
            Ordering::Less
        );
        assert_eq!(
            cmp("v1.2.4-pre", "v1.2.4-pre.0.20191109021931-daa7c04131f5"),
            Ordering::Less
        );
        assert_eq!(
            cmp(
                "v0.0.0-20191109021931-daa7c04131f5",
                "v0.0.0-20200101000000-aaaaaaaaaaaa"
            ),
            Ordering::Less
        );
        for p in [
            "v0.0.0-20191109021931-daa7c04131f5",
            "v1.2.4-0.20191109021931-daa7c04131f5",
            "v1.2.4-pre.0.20191109021931-daa7c04131f5",
            "v2.0.0-20191109021931-daa7c04131f5+incompatible",
        ] {
            assert!(Version::parse(p).is_ok_and(|v| v.is_pseudo()), "{p}");
        }
        for p in [
            "v1.2.3",
            "v1.2.4-pre",
            "v1.2.4-1.20191109021931-daa7c04131f5",
        ] {
            assert!(!Version::parse(p).is_ok_and(|v| v.is_pseudo()), "{p}");
        }
    }

    #[test]
    fn osv_form_without_v() {
        assert_eq!(cmp("1.16.5", "v1.16.5"), Ordering::Equal);
        assert_eq!(cmp("0", "0.0.0"), Ordering::Equal);
        assert_eq!(
            cmp("0.0.0-20220314234659-1baeb1ce4c0b", "0.1.0"),
            Ordering::Less
        );
    }

    #[test]
    fn invalid_versions_are_reported() {
        for bad in [
            "",
            "v",
            "bad",
            "v1.2.3.4",
            "v01.2.3",
            "v1.2.3-01",
            "v1.2.3-",
            "v1.2.3+",
            "v1.2-pre",
            "v1+meta",
            "vv1.2.3",
            "V1.2.3",
            "v1.2.3-a..b",
            " v1.2.3",
        ] {
            assert!(compare(bad, "v1.0.0").is_err(), "{bad:?} accepted");
        }
    }
}
