//! Version comparison per package ecosystem.
//!
//! Vulnerability matching asks one question per ecosystem: is version `a`
//! before, equal to or after version `b`, by that ecosystem's own rules?
//! Each scheme lives in its own module and exposes
//! `pub fn compare(a: &str, b: &str) -> Result<Ordering, String>`: `Err`
//! names a version that is not valid in the scheme (a matcher must report
//! it, never treat it as "not affected").
//!
//! Every comparator is tested against the upstream vectors in
//! `../shared/testdata/versions` (dpkg, rpm, apk-tools, pypa/packaging,
//! node-semver, osv-scalibr), see `tests/`.

use std::cmp::Ordering;
use std::fmt;

pub mod apk;
pub mod dpkg;
pub mod golang;
pub mod maven;
pub mod nuget;
mod num;
pub mod packagist;
pub mod pep440;
pub mod rpm;
pub mod rubygems;
pub mod semver;

/// A version scheme: how one ecosystem orders its versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scheme {
    /// Debian and Ubuntu (`dpkg --compare-versions`).
    Dpkg,
    /// Alpine (`apk version -t`).
    Apk,
    /// RPM: `[epoch:]version[-release]` with rpmvercmp (Red Hat, Rocky,
    /// Alma, SUSE, Amazon Linux, Oracle, Fedora).
    Rpm,
    /// PyPI (PEP 440).
    Pep440,
    /// npm and crates.io (SemVer 2.0.0).
    Semver,
    /// Go modules (SemVer with `v`, pseudo-versions, `+incompatible`).
    Go,
    /// Maven.
    Maven,
    /// RubyGems.
    RubyGems,
    /// Packagist (Composer).
    Packagist,
    /// NuGet.
    NuGet,
}

impl Scheme {
    /// The scheme of an OSV ecosystem name (`Debian:12`, `Alpine:v3.19`,
    /// `PyPI`, `crates.io`, …); `None` for ecosystems without one here.
    pub fn of_ecosystem(ecosystem: &str) -> Option<Scheme> {
        let base = ecosystem.split(':').next().unwrap_or(ecosystem);
        Some(match base {
            "Debian" | "Ubuntu" => Scheme::Dpkg,
            "Alpine" | "Wolfi" | "Chainguard" => Scheme::Apk,
            "Red Hat" | "Rocky Linux" | "AlmaLinux" | "SUSE" | "openSUSE" | "Mageia"
            | "Amazon Linux" | "Oracle Linux" | "Fedora" => Scheme::Rpm,
            "PyPI" => Scheme::Pep440,
            "npm" | "crates.io" => Scheme::Semver,
            "Go" => Scheme::Go,
            "Maven" => Scheme::Maven,
            "RubyGems" => Scheme::RubyGems,
            "Packagist" => Scheme::Packagist,
            "NuGet" => Scheme::NuGet,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Scheme::Dpkg => "dpkg",
            Scheme::Apk => "apk",
            Scheme::Rpm => "rpm",
            Scheme::Pep440 => "PEP 440",
            Scheme::Semver => "SemVer",
            Scheme::Go => "Go",
            Scheme::Maven => "Maven",
            Scheme::RubyGems => "RubyGems",
            Scheme::Packagist => "Packagist",
            Scheme::NuGet => "NuGet",
        }
    }

    /// Compares two versions of this scheme.
    pub fn compare(self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        let r = match self {
            Scheme::Dpkg => dpkg::compare(a, b),
            Scheme::Apk => apk::compare(a, b),
            Scheme::Rpm => rpm::compare(a, b),
            Scheme::Pep440 => pep440::compare(a, b),
            Scheme::Semver => semver::compare(a, b),
            Scheme::Go => golang::compare(a, b),
            Scheme::Maven => maven::compare(a, b),
            Scheme::RubyGems => rubygems::compare(a, b),
            Scheme::Packagist => packagist::compare(a, b),
            Scheme::NuGet => nuget::compare(a, b),
        };
        r.map_err(|reason| VersionError {
            scheme: self,
            reason,
        })
    }
}

/// A version that is not valid in its scheme.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionError {
    pub scheme: Scheme,
    /// Names the version and what is wrong with it.
    pub reason: String,
}

impl fmt::Display for VersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not a valid {} version: {}",
            self.scheme.name(),
            self.reason
        )
    }
}

impl std::error::Error for VersionError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecosystems_map_to_schemes() {
        assert_eq!(Scheme::of_ecosystem("Debian:12"), Some(Scheme::Dpkg));
        assert_eq!(Scheme::of_ecosystem("Ubuntu:22.04:LTS"), Some(Scheme::Dpkg));
        assert_eq!(Scheme::of_ecosystem("Alpine:v3.19"), Some(Scheme::Apk));
        assert_eq!(Scheme::of_ecosystem("crates.io"), Some(Scheme::Semver));
        assert_eq!(
            Scheme::of_ecosystem("Red Hat:enterprise_linux:9"),
            Some(Scheme::Rpm)
        );
        assert_eq!(Scheme::of_ecosystem("Hackage"), None);
    }
}
