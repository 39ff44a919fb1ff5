//! The end-to-end matching cases of issue 6, against the real OSV records of
//! `/work/shared/testdata/osv` (`../shared/testdata/osv` from the workspace).
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use drydock_core::package::{OsRelease, Package, PackageKind};
use drydock_vulndb::cvss::Rating;
use drydock_vulndb::exceptions::{self, VexDocument, VexStatus, Why};
use drydock_vulndb::matcher::{Lookup, MatchReport, MemoryDb, match_packages};
use drydock_vulndb::osv::Record;

fn osv_dir() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/osv");
    if root.is_dir() {
        root
    } else {
        PathBuf::from("/work/shared/testdata/osv")
    }
}

fn record(file: &str) -> Record {
    Record::parse(&std::fs::read(osv_dir().join(file)).unwrap()).unwrap()
}

/// Every real record in the directory.
fn db() -> MemoryDb {
    let mut files: Vec<PathBuf> = std::fs::read_dir(osv_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 9, "{files:?}");
    files
        .iter()
        .map(|p| Record::parse(&std::fs::read(p).unwrap()).unwrap())
        .collect()
}

fn os(id: &str, version_id: &str) -> OsRelease {
    OsRelease {
        id: Some(id.into()),
        version_id: Some(version_id.into()),
        ..OsRelease::default()
    }
}

fn with_source(mut p: Package, src: &str, ver: Option<&str>) -> Package {
    p.source = Some((src.into(), ver.map(str::to_string)));
    p
}

fn ids(r: &MatchReport) -> Vec<(usize, &str, Option<&str>)> {
    r.matches
        .iter()
        .map(|m| (m.package, m.id.as_str(), m.fixed.as_deref()))
        .collect()
}

#[test]
fn debian_7_nginx_by_source_package() {
    let db = db();
    let wheezy = os("debian", "7");
    // dpkg: `Package: nginx-full`, `Source: nginx` (binary version = source version).
    let pkgs = [
        with_source(
            Package::new(PackageKind::Deb, "nginx-full", "1.2.1-2.2+wheezy2", "s"),
            "nginx",
            None,
        ),
        with_source(
            Package::new(PackageKind::Deb, "nginx-full", "1.2.1-2.2+wheezy3", "s"),
            "nginx",
            None,
        ),
    ];
    let r = match_packages(&db, &pkgs, Some(&wheezy));
    assert_eq!(ids(&r), [(0, "DSA-3029-1", Some("1.2.1-2.2+wheezy3"))]);
    assert_eq!(r.matches[0].aliases, ["CVE-2014-3616"]);
    assert_eq!(r.matches[0].ecosystem, "Debian:7");
    assert!(r.unknown.is_empty() && r.unsupported.is_empty());
    // The binary name alone names nothing; another Debian release neither.
    let bare = [Package::new(
        PackageKind::Deb,
        "nginx-full",
        "1.2.1-2.2+wheezy2",
        "s",
    )];
    assert!(match_packages(&db, &bare, Some(&wheezy)).matches.is_empty());
    assert!(
        match_packages(&db, &pkgs[..1], Some(&os("debian", "8")))
            .matches
            .is_empty()
    );
}

#[test]
fn alpine_3_8_libcrypto_from_openssl_origin() {
    let db = db();
    let pkgs = [
        with_source(
            Package::new(PackageKind::Apk, "libcrypto1.0", "1.0.2p-r0", "s"),
            "openssl",
            None,
        ),
        with_source(
            Package::new(PackageKind::Apk, "libcrypto1.0", "1.0.2q-r0", "s"),
            "openssl",
            None,
        ),
    ];
    let r = match_packages(&db, &pkgs, Some(&os("alpine", "3.8.1")));
    assert_eq!(ids(&r), [(0, "CVE-2018-5407", Some("1.0.2q-r0"))]);
    // CVSS_V3 vector of the record, base score computed.
    let sev = r.matches[0].severity.as_ref().unwrap();
    assert_eq!(sev.kind, "CVSS_V3");
    assert_eq!(sev.score, Some(4.7));
    assert_eq!(sev.rating, Rating::Medium);
    assert_eq!(
        sev.vector.as_deref(),
        Some("CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:N/A:N")
    );
}

#[test]
fn alpine_3_15_mariadb_fix_on_another_branch_does_not_hide_it() {
    let db = db();
    // 10.6.7-r0 is above the v3.13/v3.14 fix (10.5.16-r0) but below v3.15's.
    let pkgs = [Package::new(PackageKind::Apk, "mariadb", "10.6.7-r0", "s")];
    let r = match_packages(&db, &pkgs, Some(&os("alpine", "3.15.4")));
    assert_eq!(ids(&r), [(0, "CVE-2022-27449", Some("10.6.8-r0"))]);
    // On v3.14 the same version is past that branch's fix.
    assert!(
        match_packages(&db, &pkgs, Some(&os("alpine", "3.14.0")))
            .matches
            .is_empty()
    );
    let fixed = [Package::new(PackageKind::Apk, "mariadb", "10.6.8-r0", "s")];
    assert!(
        match_packages(&db, &fixed, Some(&os("alpine", "3.15.4")))
            .matches
            .is_empty()
    );
}

#[test]
fn pypi_requests_and_npm_elliptic() {
    let db = db();
    let pkgs = [
        Package::new(PackageKind::Python, "Requests", "2.30.0", "x"),
        Package::new(PackageKind::Python, "requests", "2.31.0", "x"),
        Package::new(PackageKind::Npm, "elliptic", "6.5.3", "x"),
        Package::new(PackageKind::Npm, "elliptic", "6.5.4", "x"),
    ];
    let r = match_packages(&db, &pkgs, None);
    assert_eq!(
        ids(&r),
        [
            (0, "PYSEC-2023-74", Some("2.31.0")),
            (2, "GHSA-r9p9-mrjm-926w", Some("6.5.4")),
        ]
    );
    assert_eq!(
        r.matches[0].aliases,
        ["CVE-2023-32681", "GHSA-j8r2-6x86-q33q"]
    );
    // The GHSA record: CVSS 3.1 AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N = 6.8.
    let sev = r.matches[1].severity.as_ref().unwrap();
    assert_eq!((sev.score, sev.rating), (Some(6.8), Rating::Medium));
}

#[test]
fn go_maven_and_listed_versions() {
    let db = db();
    let mut any23 = Package::new(PackageKind::Maven, "apache-any23", "2.4", "x");
    any23.namespace = Some("org.apache.any23".into());
    let pkgs = [
        Package::new(PackageKind::Go, "github.com/gin-gonic/gin", "v1.5.0", "x"),
        Package::new(PackageKind::Go, "github.com/gin-gonic/gin", "v1.6.0", "x"),
        any23,
    ];
    let r = match_packages(&db, &pkgs, None);
    assert_eq!(
        ids(&r),
        [
            (0, "GO-2020-0001", Some("1.6.0")),
            (2, "GHSA-838r-hvwh-24h8", Some("2.5")),
        ]
    );
    // GHSA-9v2f-6vcg-3hgv: `versions` list only, PyPI name `Gradio`.
    let rec = record("GHSA-9v2f-6vcg-3hgv.json");
    let listed = rec.affected[0].versions[0].clone();
    let p = [Package::new(PackageKind::Python, "gradio", listed, "x")];
    let r = match_packages(&db, &p, None);
    assert_eq!(ids(&r), [(0, "GHSA-9v2f-6vcg-3hgv", None)]);
}

#[test]
fn ubuntu_affected_no_fix_yet_through_esm() {
    let db = db();
    let rec = record("UBUNTU-CVE-2025-38094.json");
    let listed = rec.affected[0].versions[0].clone();
    let trusty = os("ubuntu", "14.04");
    // Binary `linux-image-…` built from source `linux`.
    let pkgs = [with_source(
        Package::new(PackageKind::Deb, "linux-image-generic", listed.clone(), "s"),
        "linux",
        Some(&listed),
    )];
    let r = match_packages(&db, &pkgs, Some(&trusty));
    assert_eq!(ids(&r), [(0, "UBUNTU-CVE-2025-38094", None)]);
    let m = &r.matches[0];
    assert_eq!(m.ecosystem, "Ubuntu:Pro:14.04:LTS");
    // The CVE is only in `upstream`.
    assert_eq!(m.aliases, ["CVE-2025-38094"]);
    // Ecosystem rating (type `Ubuntu`, `medium`).
    let sev = m.severity.as_ref().unwrap();
    assert_eq!(
        (sev.kind.as_str(), sev.score, sev.rating),
        ("Ubuntu", None, Rating::Medium)
    );
    // Range `introduced: 0` without a fix: any later version is affected too.
    let later = [with_source(
        Package::new(
            PackageKind::Deb,
            "linux-image-generic",
            "3.13.0-999.999",
            "s",
        ),
        "linux",
        None,
    )];
    assert_eq!(
        ids(&match_packages(&db, &later, Some(&trusty))),
        [(0, "UBUNTU-CVE-2025-38094", None)]
    );
    // Another Ubuntu release does not see the 14.04 ESM entry.
    assert!(
        match_packages(&db, &later, Some(&os("ubuntu", "16.04")))
            .matches
            .is_empty()
    );
}

#[test]
fn unparsable_version_is_reported_not_clean() {
    let db = db();
    let pkgs = [
        Package::new(PackageKind::Python, "requests", "not a version!", "x"),
        // No ecosystem: an OS package without os-release.
        Package::new(PackageKind::Deb, "nginx", "1.2.1-2.2+wheezy2", "s"),
    ];
    let r = match_packages(&db, &pkgs, None);
    assert!(r.matches.is_empty());
    assert_eq!(r.unknown.len(), 1);
    assert_eq!(
        (r.unknown[0].package, r.unknown[0].record.as_str()),
        (0, "PYSEC-2023-74")
    );
    assert!(
        r.unknown[0].error.contains("PEP 440"),
        "{}",
        r.unknown[0].error
    );
    assert_eq!(r.unsupported, [1]);
}

#[test]
fn withdrawn_record_is_ignored() {
    let mut rec = record("GHSA-r9p9-mrjm-926w.json");
    let pkgs = [Package::new(PackageKind::Npm, "elliptic", "6.5.3", "x")];
    let live: MemoryDb = [rec.clone()].into_iter().collect();
    assert_eq!(match_packages(&live, &pkgs, None).matches.len(), 1);
    rec.withdrawn = Some("2021-02-01T00:00:00Z".into());
    let gone: MemoryDb = [rec].into_iter().collect();
    let r = match_packages(&gone, &pkgs, None);
    assert!(r.matches.is_empty() && r.unknown.is_empty());
}

struct Failing;
impl Lookup for Failing {
    fn index(&self, ecosystem: &str, name: &str) -> Result<Option<Vec<u8>>, String> {
        Err(format!("database locked ({ecosystem}/{name})"))
    }
}

#[test]
fn lookup_errors_are_reported() {
    let pkgs = [
        Package::new(PackageKind::Npm, "elliptic", "6.5.3", "x"),
        Package::new(PackageKind::Npm, "elliptic", "6.5.4", "x"),
    ];
    let r = match_packages(&Failing, &pkgs, None);
    assert_eq!(r.lookup_errors.len(), 2);
    assert_eq!(r.lookup_errors[1].package, 1);
    assert!(r.lookup_errors[0].error.contains("npm/elliptic"));
}

fn scan() -> (Vec<Package>, Vec<drydock_vulndb::matcher::Match>) {
    let pkgs = vec![
        Package::new(PackageKind::Python, "requests", "2.30.0", "x"),
        Package::new(PackageKind::Npm, "elliptic", "6.5.3", "x"),
    ];
    let m = match_packages(&db(), &pkgs, None).matches;
    assert_eq!(m.len(), 2);
    (pkgs, m)
}

const DAY: i64 = 86_400;

#[test]
fn ignore_file_suppresses_until_expiry() {
    let (pkgs, matches) = scan();
    let rules = exceptions::parse_ignore_file(
        r#"
[[ignore]]
id = "cve-2023-32681"          # an alias, any case
package = "requests"
reason = "we never send auth across redirects"
expires = 2026-12-31

[[ignore]]
id = "GHSA-r9p9-mrjm-926w"
package = "pkg:npm/elliptic"
reason = "signatures are not verified with secp256k1"
expires = "2025-01-31"
"#,
        ".drydockignore.toml",
    )
    .unwrap();
    let dec31 = exceptions::parse_date("2026-12-31").unwrap() * DAY;
    // Last second of 2026-12-31: the first entry still suppresses; the
    // second expired on 2025-01-31.
    let a = exceptions::apply(matches.clone(), &pkgs, &rules, &[], dec31 + DAY - 1);
    assert_eq!(a.suppressed.len(), 1);
    assert_eq!(a.suppressed[0].0.id, "PYSEC-2023-74");
    assert!(matches!(&a.suppressed[0].1, Why::Ignored(e) if e.origin == ".drydockignore.toml:2"));
    // The expired entry is reported and no longer suppresses.
    assert_eq!(a.expired.len(), 1);
    assert_eq!(a.expired[0].id, "GHSA-r9p9-mrjm-926w");
    assert_eq!(a.kept.len(), 1);
    assert_eq!(a.kept[0].id, "GHSA-r9p9-mrjm-926w");
    // The next day the first one has expired too.
    let b = exceptions::apply(matches.clone(), &pkgs, &rules, &[], dec31 + DAY);
    assert_eq!(
        (b.kept.len(), b.suppressed.len(), b.expired.len()),
        (2, 0, 2)
    );
    // Before both expiry dates everything is suppressed.
    let c = exceptions::apply(matches, &pkgs, &rules, &[], 0);
    assert_eq!(
        (c.kept.len(), c.suppressed.len(), c.expired.len()),
        (0, 2, 0)
    );
}

#[test]
fn ignore_entry_for_another_package_does_not_suppress() {
    let (pkgs, matches) = scan();
    let rules = exceptions::parse_config_ignores(
        "[[vulnerabilities.ignore]]\nid = \"PYSEC-2023-74\"\npackage = \"urllib3\"\nreason = \"r\"\n",
        "drydock.toml",
    )
    .unwrap();
    let a = exceptions::apply(matches, &pkgs, &rules, &[], 0);
    assert_eq!((a.kept.len(), a.suppressed.len()), (2, 0));
}

#[test]
fn openvex_not_affected_suppresses() {
    let (pkgs, matches) = scan();
    let vex = VexDocument::parse(
        br#"{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://example.invalid/vex/1",
  "author": "Security team",
  "timestamp": "2024-01-01T00:00:00Z",
  "version": 1,
  "statements": [
    {
      "vulnerability": { "name": "CVE-2023-32681" },
      "products": [
        { "@id": "pkg:oci/app@sha256:abc",
          "subcomponents": [ { "@id": "pkg:pypi/requests@2.30.0" } ] }
      ],
      "status": "not_affected",
      "justification": "vulnerable_code_not_in_execute_path"
    },
    {
      "vulnerability": { "@id": "GHSA-r9p9-mrjm-926w" },
      "products": [ { "identifiers": { "purl": "pkg:npm/elliptic" } } ],
      "status": "under_investigation"
    }
  ]
}"#,
        "app.vex.json",
    )
    .unwrap();
    let a = exceptions::apply(matches.clone(), &pkgs, &[], std::slice::from_ref(&vex), 0);
    assert_eq!(a.kept.len(), 1);
    assert_eq!(a.kept[0].id, "GHSA-r9p9-mrjm-926w");
    assert_eq!(a.suppressed.len(), 1);
    let (m, why) = &a.suppressed[0];
    assert_eq!(m.id, "PYSEC-2023-74");
    assert_eq!(
        why,
        &Why::Vex {
            file: "app.vex.json".into(),
            statement: 0,
            status: VexStatus::NotAffected,
            justification: Some("vulnerable_code_not_in_execute_path".into()),
            impact_statement: None,
        }
    );
    // A later `affected` statement overrides the earlier `not_affected`.
    let later = VexDocument::parse(
        br#"{"timestamp":"2024-06-01T00:00:00Z","statements":[
            {"vulnerability":{"name":"CVE-2023-32681"},"products":["pkg:pypi/requests"],"status":"affected"}]}"#,
        "later.json",
    )
    .unwrap();
    let b = exceptions::apply(matches.clone(), &pkgs, &[], &[vex.clone(), later], 0);
    assert_eq!((b.kept.len(), b.suppressed.len()), (2, 0));
    // `fixed` for another version does not apply.
    let other = VexDocument::parse(
        br#"{"statements":[{"vulnerability":"GHSA-r9p9-mrjm-926w","products":["pkg:npm/elliptic@6.5.2"],"status":"fixed"}]}"#,
        "other.json",
    )
    .unwrap();
    let c = exceptions::apply(matches, &pkgs, &[], &[other], 0);
    assert_eq!(c.kept.len(), 2);
}
