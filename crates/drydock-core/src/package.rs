//! The package model shared by the catalogue, the SBOM writers and the
//! reports: a package found in an image (name, version, type, purl,
//! licences, where it was declared) and the detected operating system.
//!
//! Package URLs follow the purl specification
//! (<https://github.com/package-url/purl-spec>): `pkg:type/namespace/name@version?qualifiers#subpath`,
//! each component percent-encoded, qualifiers sorted by key.

use std::fmt::Write as _;

/// The ecosystem a package belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PackageKind {
    Deb,
    Apk,
    Rpm,
    Python,
    Npm,
    /// A Go module compiled into a binary.
    Go,
    /// The Go standard library of a binary (Syft's `stdlib` package).
    GoStdlib,
    Maven,
    Cargo,
    Gem,
    Composer,
}

impl PackageKind {
    /// Syft's package type name (`syft -o json` `.artifacts[].type`).
    pub fn syft_type(self) -> &'static str {
        match self {
            PackageKind::Deb => "deb",
            PackageKind::Apk => "apk",
            PackageKind::Rpm => "rpm",
            PackageKind::Python => "python",
            PackageKind::Npm => "npm",
            PackageKind::Go | PackageKind::GoStdlib => "go-module",
            PackageKind::Maven => "java-archive",
            PackageKind::Cargo => "rust-crate",
            PackageKind::Gem => "gem",
            PackageKind::Composer => "php-composer",
        }
    }

    /// The purl type.
    pub fn purl_type(self) -> &'static str {
        match self {
            PackageKind::Deb => "deb",
            PackageKind::Apk => "apk",
            PackageKind::Rpm => "rpm",
            PackageKind::Python => "pypi",
            PackageKind::Npm => "npm",
            PackageKind::Go | PackageKind::GoStdlib => "golang",
            PackageKind::Maven => "maven",
            PackageKind::Cargo => "cargo",
            PackageKind::Gem => "gem",
            PackageKind::Composer => "composer",
        }
    }

    /// Whether this is an operating-system package (its purl carries the distro).
    pub fn is_os(self) -> bool {
        matches!(self, PackageKind::Deb | PackageKind::Apk | PackageKind::Rpm)
    }
}

/// One package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub name: String,
    pub version: String,
    pub kind: PackageKind,
    /// Namespace where the ecosystem has one outside the name: the Maven
    /// groupId. (npm scopes, composer vendors and Go paths stay in `name`.)
    pub namespace: Option<String>,
    pub purl: String,
    pub licenses: Vec<String>,
    /// Source package: dpkg `Source:`, apk origin, rpm source rpm; with its
    /// version when it differs from or is stated beside the name.
    pub source: Option<(String, Option<String>)>,
    /// The file that declared it (for nested archives: `outer.jar:inner.jar`).
    pub location: String,
    pub layer: Option<usize>,
    pub arch: Option<String>,
}

impl Package {
    /// A package with its purl computed without distro information.
    pub fn new(
        kind: PackageKind,
        name: impl Into<String>,
        version: impl Into<String>,
        location: impl Into<String>,
    ) -> Package {
        let mut p = Package {
            name: name.into(),
            version: version.into(),
            kind,
            namespace: None,
            purl: String::new(),
            licenses: Vec::new(),
            source: None,
            location: location.into(),
            layer: None,
            arch: None,
        };
        p.purl = p.compute_purl(None);
        p
    }

    /// The package URL, with the `distro=` qualifier (and the namespace of
    /// OS packages) taken from `os` when given.
    pub fn compute_purl(&self, os: Option<&OsRelease>) -> String {
        let os_id = os.and_then(|o| o.id.as_deref()).filter(|s| !s.is_empty());
        let distro = os.and_then(OsRelease::distro_qualifier);
        let mut q: Vec<(&str, String)> = Vec::new();
        let ty = self.kind.purl_type();
        let (namespace, name, version): (Option<String>, String, Option<String>) = match self.kind {
            PackageKind::Deb => {
                if let Some(a) = &self.arch {
                    q.push(("arch", a.clone()));
                }
                if let Some((src, srcver)) = &self.source {
                    let v = match srcver {
                        Some(sv) if *sv != self.version => format!("{src}@{sv}"),
                        _ => src.clone(),
                    };
                    q.push(("upstream", v));
                }
                if let Some(d) = &distro {
                    q.push(("distro", d.clone()));
                }
                (
                    Some(os_id.unwrap_or("debian").to_string()),
                    self.name.clone(),
                    Some(self.version.clone()),
                )
            }
            PackageKind::Apk => {
                if let Some(a) = &self.arch {
                    q.push(("arch", a.clone()));
                }
                if let Some((src, _)) = &self.source {
                    q.push(("upstream", src.clone()));
                }
                if let Some(d) = &distro {
                    q.push(("distro", d.clone()));
                }
                (
                    Some(os_id.unwrap_or("alpine").to_string()),
                    self.name.clone(),
                    Some(self.version.clone()),
                )
            }
            PackageKind::Rpm => {
                // Version is `[epoch:]version-release`; the purl puts the epoch in a qualifier.
                let (epoch, ver) = match self.version.split_once(':') {
                    Some((e, v)) if !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()) => {
                        (Some(e), v)
                    }
                    _ => (None, self.version.as_str()),
                };
                if let Some(a) = &self.arch {
                    q.push(("arch", a.clone()));
                }
                if let Some(e) = epoch {
                    q.push(("epoch", e.to_string()));
                }
                if let Some((src, _)) = &self.source {
                    q.push(("upstream", src.clone()));
                }
                if let Some(d) = &distro {
                    q.push(("distro", d.clone()));
                }
                (
                    Some(os_id.unwrap_or("redhat").to_string()),
                    self.name.clone(),
                    Some(ver.to_string()),
                )
            }
            PackageKind::Python => (
                None,
                pep503_normalise(&self.name),
                Some(self.version.clone()),
            ),
            PackageKind::Npm | PackageKind::Composer | PackageKind::Go => {
                // The last path segment is the name; the rest the namespace.
                match self.name.rsplit_once('/') {
                    Some((ns, n)) => (
                        Some(ns.to_string()),
                        n.to_string(),
                        Some(self.version.clone()),
                    ),
                    None => (None, self.name.clone(), Some(self.version.clone())),
                }
            }
            PackageKind::GoStdlib => (
                None,
                "stdlib".to_string(),
                Some(self.version.trim_start_matches("go").to_string()),
            ),
            PackageKind::Maven => (
                self.namespace.clone(),
                self.name.clone(),
                Some(self.version.clone()),
            ),
            PackageKind::Cargo | PackageKind::Gem => {
                (None, self.name.clone(), Some(self.version.clone()))
            }
        };
        let version = version.filter(|v| !v.is_empty());
        purl(
            ty,
            namespace.as_deref(),
            &name,
            version.as_deref(),
            &q,
            None,
        )
    }
}

/// PEP 503 name normalisation: runs of `-`, `_`, `.` become one `-`, lowercase.
pub fn pep503_normalise(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_sep {
                out.push('-');
            }
            in_sep = true;
        } else {
            out.extend(c.to_lowercase());
            in_sep = false;
        }
    }
    out
}

/// The operating system of an image, from `/etc/os-release` or a fallback.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OsRelease {
    /// `ID` (`debian`, `alpine`, `rhel`, …).
    pub id: Option<String>,
    pub version_id: Option<String>,
    pub version_codename: Option<String>,
    pub pretty_name: Option<String>,
    pub id_like: Vec<String>,
}

impl OsRelease {
    /// The purl `distro=` qualifier value: `<id>-<version_id>` (`debian-12`, `alpine-3.19.1`).
    pub fn distro_qualifier(&self) -> Option<String> {
        let id = self.id.as_deref().filter(|s| !s.is_empty())?;
        Some(match self.version_id.as_deref().filter(|s| !s.is_empty()) {
            Some(v) => format!("{id}-{v}"),
            None => id.to_string(),
        })
    }
}

/// Percent-encode a purl component: everything but ASCII alphanumerics and
/// `.-_~` is encoded (so `@` → `%40`, `+` → `%2B`, space → `%20`), except
/// the colon: the purl standard's *Character encoding* clause says `:` is
/// never percent-encoded, separator or not (`pkg:deb/debian/login@1:4.13`).
pub fn purl_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~' | b':') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Build a canonical purl. The namespace is split on `/` and each segment
/// encoded; empty segments are dropped. Qualifiers with empty values are
/// dropped, keys lowercased and sorted. The subpath's segments are encoded.
pub fn purl(
    ty: &str,
    namespace: Option<&str>,
    name: &str,
    version: Option<&str>,
    qualifiers: &[(&str, String)],
    subpath: Option<&str>,
) -> String {
    let mut out = String::from("pkg:");
    out.push_str(&ty.to_ascii_lowercase());
    out.push('/');
    if let Some(ns) = namespace {
        for seg in ns.split('/').filter(|s| !s.is_empty()) {
            out.push_str(&purl_encode(seg));
            out.push('/');
        }
    }
    out.push_str(&purl_encode(name));
    if let Some(v) = version {
        out.push('@');
        out.push_str(&purl_encode(v));
    }
    let mut q: Vec<(String, &str)> = qualifiers
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.to_ascii_lowercase(), v.as_str()))
        .collect();
    q.sort();
    for (i, (k, v)) in q.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(k);
        out.push('=');
        out.push_str(&purl_encode(v));
    }
    if let Some(sp) = subpath {
        let segs: Vec<String> = sp
            .split('/')
            .filter(|s| !s.is_empty() && *s != "." && *s != "..")
            .map(purl_encode)
            .collect();
        if !segs.is_empty() {
            out.push('#');
            out.push_str(&segs.join("/"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
    }

    #[test]
    fn purl_spec_examples() {
        // From the purl specification's README and test-suite-data.json.
        assert_eq!(
            purl(
                "deb",
                Some("debian"),
                "curl",
                Some("7.50.3-1"),
                &q(&[("arch", "i386"), ("distro", "jessie")]),
                None
            ),
            "pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie"
        );
        assert_eq!(
            purl(
                "npm",
                Some("@angular"),
                "animation",
                Some("12.3.1"),
                &[],
                None
            ),
            "pkg:npm/%40angular/animation@12.3.1"
        );
        assert_eq!(
            purl("npm", None, "foobar", Some("12.3.1"), &[], None),
            "pkg:npm/foobar@12.3.1"
        );
        assert_eq!(
            purl(
                "maven",
                Some("org.apache.commons"),
                "io",
                Some("1.3.4"),
                &[],
                None
            ),
            "pkg:maven/org.apache.commons/io@1.3.4"
        );
        assert_eq!(
            purl(
                "golang",
                Some("google.golang.org"),
                "genproto",
                None,
                &[],
                Some("googleapis/api/annotations")
            ),
            "pkg:golang/google.golang.org/genproto#googleapis/api/annotations"
        );
        assert_eq!(
            purl(
                "rpm",
                Some("fedora"),
                "curl",
                Some("7.50.3-1.fc25"),
                &q(&[("distro", "fedora-25"), ("arch", "i386")]),
                None
            ),
            "pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=i386&distro=fedora-25"
        );
        assert_eq!(
            purl(
                "gem",
                None,
                "ruby-advisory-db-check",
                Some("0.12.4"),
                &[],
                None
            ),
            "pkg:gem/ruby-advisory-db-check@0.12.4"
        );
        assert_eq!(
            purl("pypi", None, "django", Some("1.11.1"), &[], None),
            "pkg:pypi/django@1.11.1"
        );
        assert_eq!(
            purl("cargo", None, "rand", Some("0.7.2"), &[], None),
            "pkg:cargo/rand@0.7.2"
        );
        assert_eq!(
            purl(
                "docker",
                Some("customer"),
                "dockerimage",
                Some("sha256:244fd47e07d10"),
                &q(&[("repository_url", "gcr.io")]),
                None
            ),
            "pkg:docker/customer/dockerimage@sha256:244fd47e07d10?repository_url=gcr.io"
        );
        assert_eq!(
            purl(
                "composer",
                Some("laravel"),
                "laravel",
                Some("5.5.0"),
                &[],
                None
            ),
            "pkg:composer/laravel/laravel@5.5.0"
        );
        // Empty qualifier values are dropped.
        assert_eq!(
            purl("cargo", None, "x", Some("1"), &q(&[("arch", "")]), None),
            "pkg:cargo/x@1"
        );
    }

    fn os(id: &str, ver: &str) -> OsRelease {
        OsRelease {
            id: Some(id.into()),
            version_id: Some(ver.into()),
            ..OsRelease::default()
        }
    }

    #[test]
    fn package_purls() {
        let mut p = Package::new(
            PackageKind::Deb,
            "openssl",
            "3.0.11-1~deb12u2",
            "/var/lib/dpkg/status",
        );
        p.arch = Some("amd64".into());
        assert_eq!(
            p.compute_purl(Some(&os("debian", "12"))),
            "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12"
        );
        p.source = Some(("glibc".into(), None));
        p.version = "2.36-9+deb12u4".into();
        assert_eq!(
            p.compute_purl(Some(&os("debian", "12"))),
            "pkg:deb/debian/openssl@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc"
        );
        p.source = Some(("glibc".into(), Some("2.36-9".into())));
        assert!(
            p.compute_purl(None).ends_with("upstream=glibc%402.36-9"),
            "{}",
            p.compute_purl(None)
        );

        let mut a = Package::new(
            PackageKind::Apk,
            "musl",
            "1.2.4-r2",
            "/lib/apk/db/installed",
        );
        a.arch = Some("x86_64".into());
        assert_eq!(
            a.compute_purl(Some(&os("alpine", "3.19.1"))),
            "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.1"
        );

        let mut r = Package::new(
            PackageKind::Rpm,
            "openssl-libs",
            "1:3.0.7-25.el9",
            "/var/lib/rpm/rpmdb.sqlite",
        );
        r.arch = Some("x86_64".into());
        assert_eq!(
            r.compute_purl(Some(&os("rhel", "9.3"))),
            "pkg:rpm/rhel/openssl-libs@3.0.7-25.el9?arch=x86_64&distro=rhel-9.3&epoch=1"
        );
        assert_eq!(
            Package::new(PackageKind::Python, "Flask_SQLAlchemy", "3.1.1", "x").purl,
            "pkg:pypi/flask-sqlalchemy@3.1.1"
        );
        assert_eq!(
            Package::new(PackageKind::Npm, "@scope/name", "1.0.0", "x").purl,
            "pkg:npm/%40scope/name@1.0.0"
        );
        assert_eq!(
            Package::new(PackageKind::Go, "github.com/x/y", "v1.2.3", "x").purl,
            "pkg:golang/github.com/x/y@v1.2.3"
        );
        assert_eq!(
            Package::new(PackageKind::GoStdlib, "stdlib", "go1.21.5", "x").purl,
            "pkg:golang/stdlib@1.21.5"
        );
        let mut m = Package::new(PackageKind::Maven, "artifact", "1.0", "x");
        m.namespace = Some("group".into());
        assert_eq!(m.compute_purl(None), "pkg:maven/group/artifact@1.0");
        assert_eq!(
            Package::new(PackageKind::Cargo, "serde", "1.0.0", "x").purl,
            "pkg:cargo/serde@1.0.0"
        );
        assert_eq!(
            Package::new(PackageKind::Gem, "rails", "7.0.0", "x").purl,
            "pkg:gem/rails@7.0.0"
        );
        assert_eq!(
            Package::new(PackageKind::Composer, "vendor/name", "1.0.0", "x").purl,
            "pkg:composer/vendor/name@1.0.0"
        );
    }

    #[test]
    fn pep503() {
        assert_eq!(pep503_normalise("Friendly-Bard"), "friendly-bard");
        assert_eq!(pep503_normalise("FRIENDLY-BARD"), "friendly-bard");
        assert_eq!(pep503_normalise("friendly.bard"), "friendly-bard");
        assert_eq!(pep503_normalise("friendly_bard"), "friendly-bard");
        assert_eq!(pep503_normalise("friendly--bard"), "friendly-bard");
        assert_eq!(pep503_normalise("FrIeNdLy-._.-bArD"), "friendly-bard");
    }

    #[test]
    fn encode() {
        assert_eq!(purl_encode("a b+c:d@e/f"), "a%20b%2Bc:d%40e%2Ff");
        assert_eq!(purl_encode("é"), "%C3%A9");
    }

    fn decode(s: &str) -> Vec<u8> {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn encoding_is_safe_and_reversible(s in "\\PC*") {
            let e = purl_encode(&s);
            proptest::prop_assert!(e.bytes().all(|b| b.is_ascii_alphanumeric() || b"._~-%:".contains(&b)));
            proptest::prop_assert_eq!(decode(&e), s.as_bytes().to_vec());
        }
    }
}
