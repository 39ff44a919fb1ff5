//! npm and crates.io versions: SemVer 2.0.0 precedence.
//!
//! Three parsers share one ordering (numeric core, then pre-release
//! identifiers; build metadata ignored):
//!
//! * [`Version::parse`], used by [`compare`]: the lenient form OSV ranges
//!   need, ordering exactly as osv-scalibr's SemVer comparator does (the
//!   one osv-scanner uses for npm and crates.io): an optional leading `v`,
//!   one or more numeric components (missing ones count as 0, leading
//!   zeros allowed, any size), a pre-release with or without its `-`, and
//!   `+build`. Like osv-scalibr, components after the third are appended
//!   to the pre-release (`1.2.3.4` orders as `1.2.3-.4`, `1.2.3.4-b` as
//!   `1.2.3-b.4`) and an identifier of the form `-N` is the negative
//!   number -N. Unlike osv-scalibr, which orders any string, it rejects
//!   text that is not version-shaped (empty, no leading number, empty
//!   components or identifiers, characters outside `[0-9A-Za-z.+-]`).
//! * [`Version::parse_strict`]: SemVer 2.0.0 exactly;
//!   [`Version::parse_npm`]: the same after trimming whitespace and one
//!   `v`, as node-semver parses by default (`loose: false`).
//! * [`Version::parse_loose`]: node-semver's `loose: true` parsing
//!   (leading `v`, `=` and spaces, pre-release without `-`, leading zeros).

use std::cmp::Ordering;

use crate::num::Num;

/// A pre-release identifier. Numbers sort below words; words sort by
/// ASCII. `Neg` only comes from the lenient parser (see the module doc).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Ident {
    Neg(Num),
    Num(Num),
    Str(String),
}

impl Ident {
    fn rank(&self) -> u8 {
        match self {
            Ident::Neg(_) | Ident::Num(_) => 0,
            Ident::Str(_) => 1,
        }
    }
}

impl Ord for Ident {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Ident::Num(a), Ident::Num(b)) => a.cmp(b),
            (Ident::Neg(a), Ident::Neg(b)) => b.cmp(a),
            (Ident::Neg(_), Ident::Num(_)) => Ordering::Less,
            (Ident::Num(_), Ident::Neg(_)) => Ordering::Greater,
            (Ident::Str(a), Ident::Str(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl PartialOrd for Ident {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A parsed version. Equality and ordering are SemVer precedence: build
/// metadata does not count (`1.0.0+a == 1.0.0+b`).
#[derive(Clone, Debug)]
pub struct Version {
    major: Num,
    minor: Num,
    patch: Num,
    pre: Vec<Ident>,
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

/// Non-empty identifiers of `[0-9A-Za-z-]` separated by single dots.
fn valid_idents(s: &str) -> bool {
    s.split('.')
        .all(|i| !i.is_empty() && i.bytes().all(is_ident_char))
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

impl Version {
    /// The lenient parser [`compare`] uses (see the module doc).
    pub fn parse(input: &str) -> Result<Version, String> {
        let bad = |what: &str| Err(format!("{input:?}: {what}"));
        let s = input.strip_prefix('v').unwrap_or(input);
        let core_end = s
            .bytes()
            .position(|b| !(b.is_ascii_digit() || b == b'.'))
            .unwrap_or(s.len());
        let (core, rest) = s.split_at(core_end);
        if core.is_empty() {
            return bad("does not start with a number");
        }
        let comps: Vec<&str> = core.split('.').collect();
        if comps.iter().any(|c| c.is_empty()) {
            return bad("empty numeric component");
        }
        // Validate the rest: `-`? pre-release, then `+build`.
        let (pre_part, build) = match rest.split_once('+') {
            Some((p, b)) => (p, Some(b)),
            None => (rest, None),
        };
        if build.is_some_and(|b| !valid_idents(b)) {
            return bad("invalid build metadata");
        }
        let pre_text = pre_part.strip_prefix('-').unwrap_or(pre_part);
        if (!pre_part.is_empty() && !valid_idents(pre_text)) || (pre_part == "-") {
            return bad("invalid pre-release");
        }
        // Order as osv-scalibr: components past the third are appended
        // to the build string, which (without `+…` and one leading `-`)
        // is the pre-release.
        let mut osv_build = rest.to_string();
        for c in comps.iter().skip(3) {
            osv_build.push('.');
            osv_build.push_str(&Num::new(c).to_string());
        }
        let pre_str = osv_build.split('+').next().unwrap_or("");
        let pre_str = pre_str.strip_prefix('-').unwrap_or(pre_str);
        let pre = if pre_str.is_empty() {
            Vec::new()
        } else {
            pre_str
                .split('.')
                .map(|i| match i.strip_prefix('-') {
                    Some(d) if all_digits(d) => {
                        let n = Num::new(d);
                        if n.is_zero() {
                            Ident::Num(n)
                        } else {
                            Ident::Neg(n)
                        }
                    }
                    _ if all_digits(i) => Ident::Num(Num::new(i)),
                    _ => Ident::Str(i.to_string()),
                })
                .collect()
        };
        let num = |i: usize| Num::new(comps.get(i).copied().unwrap_or("0"));
        Ok(Version {
            major: num(0),
            minor: num(1),
            patch: num(2),
            pre,
        })
    }

    /// SemVer 2.0.0 exactly: `MAJOR.MINOR.PATCH[-PRE][+BUILD]`, no leading
    /// zeros in numbers or numeric pre-release identifiers.
    pub fn parse_strict(input: &str) -> Result<Version, String> {
        Self::parse_full(input, false)
    }

    /// node-semver's default (`loose: false`) parsing: strict SemVer 2.0.0
    /// after trimming surrounding whitespace and one leading `v`.
    pub fn parse_npm(input: &str) -> Result<Version, String> {
        let s = input.trim();
        Self::parse_full(s.strip_prefix('v').unwrap_or(s), false)
            .map_err(|e| format!("{input:?}: {e}"))
    }

    /// node-semver's loose parsing: surrounding spaces and leading `v`/`=`
    /// are ignored, the pre-release `-` is optional and leading zeros are
    /// allowed.
    pub fn parse_loose(input: &str) -> Result<Version, String> {
        let s = input
            .trim()
            .trim_start_matches(|c: char| c == 'v' || c == '=' || c.is_whitespace());
        Self::parse_full(s, true).map_err(|e| format!("{input:?}: {e}"))
    }

    fn parse_full(s: &str, loose: bool) -> Result<Version, String> {
        let bad = |what: &str| Err(format!("{s:?}: {what}"));
        let (main, build) = match s.split_once('+') {
            Some((m, b)) => (m, Some(b)),
            None => (s, None),
        };
        if build.is_some_and(|b| !valid_idents(b)) {
            return bad("invalid build metadata");
        }
        let mut it = main.splitn(3, '.');
        let (Some(ma), Some(mi), Some(rest)) = (it.next(), it.next(), it.next()) else {
            return bad("needs MAJOR.MINOR.PATCH");
        };
        let patch_end = rest
            .bytes()
            .position(|b| !b.is_ascii_digit())
            .unwrap_or(rest.len());
        let (pa, pre_part) = rest.split_at(patch_end);
        for n in [ma, mi, pa] {
            if !all_digits(n) {
                return bad("MAJOR, MINOR and PATCH must be numbers");
            }
            if !loose && n.len() > 1 && n.starts_with('0') {
                return bad("leading zero in a number");
            }
        }
        let pre_text = match pre_part.strip_prefix('-') {
            Some(p) => p,
            None if loose => pre_part,
            None if pre_part.is_empty() => pre_part,
            None => return bad("pre-release must start with '-'"),
        };
        if pre_part.starts_with('-') && pre_text.is_empty() {
            return bad("empty pre-release");
        }
        let mut pre = Vec::new();
        if !pre_text.is_empty() {
            if !valid_idents(pre_text) {
                return bad("invalid pre-release");
            }
            for i in pre_text.split('.') {
                if all_digits(i) {
                    if !loose && i.len() > 1 && i.starts_with('0') {
                        return bad("leading zero in a numeric pre-release identifier");
                    }
                    pre.push(Ident::Num(Num::new(i)));
                } else {
                    pre.push(Ident::Str(i.to_string()));
                }
            }
        }
        Ok(Version {
            major: Num::new(ma),
            minor: Num::new(mi),
            patch: Num::new(pa),
            pre,
        })
    }

    /// True when the version has a pre-release.
    pub fn is_prerelease(&self) -> bool {
        !self.pre.is_empty()
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.major
            .cmp(&other.major)
            .then_with(|| self.minor.cmp(&other.minor))
            .then_with(|| self.patch.cmp(&other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&other.pre),
            })
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

/// Compares two versions; Err names the invalid version and what is wrong.
pub fn compare(a: &str, b: &str) -> Result<Ordering, String> {
    Ok(Version::parse(a)?.cmp(&Version::parse(b)?))
}

/// Compares two strict SemVer 2.0.0 versions.
pub fn compare_strict(a: &str, b: &str) -> Result<Ordering, String> {
    Ok(Version::parse_strict(a)?.cmp(&Version::parse_strict(b)?))
}

/// Compares two versions as node-semver does by default (`loose: false`).
pub fn compare_npm(a: &str, b: &str) -> Result<Ordering, String> {
    Ok(Version::parse_npm(a)?.cmp(&Version::parse_npm(b)?))
}

/// Compares two versions with node-semver's loose parsing.
pub fn compare_loose(a: &str, b: &str) -> Result<Ordering, String> {
    Ok(Version::parse_loose(a)?.cmp(&Version::parse_loose(b)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        compare(a, b).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn spec_precedence_example() {
        // SemVer 2.0.0, item 11.
        let order = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
        ];
        for w in order.windows(2) {
            assert_eq!(cmp(w[0], w[1]), Ordering::Less, "{} < {}", w[0], w[1]);
            assert_eq!(compare_strict(w[0], w[1]), Ok(Ordering::Less));
        }
    }

    #[test]
    fn lenient_forms() {
        assert_eq!(cmp("1.0", "1.0.0"), Ordering::Equal);
        assert_eq!(cmp("v1", "1.0.0"), Ordering::Equal);
        assert_eq!(cmp("1.2.3beta", "1.2.3-beta"), Ordering::Equal);
        assert_eq!(cmp("01.2.3", "1.2.3"), Ordering::Equal);
        assert_eq!(cmp("1.2.3+a", "1.2.3+b"), Ordering::Equal);
        // osv-scalibr: extra components become a pre-release.
        assert_eq!(cmp("1.2.3.4", "1.2.3"), Ordering::Less);
        assert_eq!(cmp("1.2.3.4-b", "1.2.3-b.4"), Ordering::Equal);
        assert_eq!(cmp("1.2.3.4+x", "1.2.3"), Ordering::Equal);
        assert_eq!(cmp("1.2.3--5", "1.2.3-0"), Ordering::Less);
        assert_eq!(cmp("1.2.3--0", "1.2.3-0"), Ordering::Equal);
        for bad in [
            "",
            "v",
            "x1",
            "1..2",
            "1.2.",
            "1.2.3-",
            "1.2.3+",
            "1.2.3-a..b",
            "1.2.3 ",
            "=1.2.3",
            "1.2.3_4",
        ] {
            assert!(compare(bad, "1.0.0").is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn strict_rejects_what_semver_forbids() {
        for bad in [
            "1.0",
            "v1.0.0",
            "01.0.0",
            "1.0.0-01",
            "1.0.0beta",
            "1.0.0-",
            "1.0.0+",
            "1.0.0-a..b",
            " 1.0.0",
        ] {
            assert!(Version::parse_strict(bad).is_err(), "{bad:?} accepted");
        }
        assert!(Version::parse_strict("1.0.0-0a.--+x-y.01").is_ok());
    }

    #[test]
    fn loose_accepts_npm_forms() {
        assert_eq!(compare_loose("=1.2.3", " v1.2.3 "), Ok(Ordering::Equal));
        assert_eq!(
            compare_loose("1.2.3beta", "1.2.3-beta"),
            Ok(Ordering::Equal)
        );
        assert_eq!(compare_loose("1.2.3-01", "1.2.3-1"), Ok(Ordering::Equal));
        assert!(Version::parse_loose("1.2").is_err());
        assert_eq!(compare_npm(" v1.2.3 ", "1.2.3"), Ok(Ordering::Equal));
        assert!(Version::parse_npm("=1.2.3").is_err());
        assert!(Version::parse_npm("1.2.3beta").is_err());
    }

    #[test]
    fn huge_numbers() {
        assert_eq!(
            cmp("99999999999999999999999", "100000000000000000000000"),
            Ordering::Less
        );
    }
}
