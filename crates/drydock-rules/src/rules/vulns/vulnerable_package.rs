use drydock_core::RuleMeta;

use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Reports a package of an image whose version a published advisory
    /// says is vulnerable: OS packages (dpkg, apk, rpm) by their source
    /// package and the distribution release, language packages (PyPI, npm,
    /// Go, Maven, crates.io, RubyGems, Packagist) by name, each version
    /// compared by its ecosystem's own rules against the advisory's ranges.
    /// The advisories are OSV records in the offline database (`drydock db
    /// update` or `drydock db import`); the finding's severity is the
    /// advisory's CVSS base score (v4.0, else v3.x), else the ecosystem's
    /// own rating. It runs with `drydock image --vulns`.
    ///
    /// ## Why is this bad?
    /// A known vulnerability has a public description and often a public
    /// exploit; scanners find it in minutes. Most are fixed by a newer
    /// package version that the image does not have yet.
    ///
    /// ## Example
    /// ```text
    /// openssl 1.1.1n-0+deb11u3 (source openssl) on Debian 11: CVE-2023-0286, fixed in 1.1.1n-0+deb11u4
    /// ```
    ///
    /// ## How to fix
    /// Rebuild the image on an updated base image, or upgrade the package to
    /// the fixed version (`apt-get install --only-upgrade openssl`, a newer
    /// pin in `requirements.txt`). Where a vulnerability does not apply,
    /// record why: an entry with a reason and an expiry date in
    /// `.drydockignore.toml`, or an OpenVEX statement (`--vex FILE`).
    pub struct VulnerablePackage {
        id: "VUL001",
        name: "vulnerable-package",
        title: "Package with a known vulnerability",
        severity: High,
        category: SupplyChain,
        references: ["cis-docker-1.6:4.4", "trivy:vulnerability", "grype:vulnerability"],
        fix: None,
    }
}

impl Rule for VulnerablePackage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
