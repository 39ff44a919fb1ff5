#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::path::PathBuf;

use drydock_version::Scheme;

use super::*;

fn record(name: &str) -> Option<Record> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/osv")
        .join(name);
    match std::fs::read(&p) {
        Ok(b) => Some(Record::parse(&b).unwrap()),
        Err(_) => {
            eprintln!("skipped: {} not found", p.display());
            None
        }
    }
}

/// The verdict of the entries of `record` for (ecosystem, name).
fn judge(r: &Record, ecosystem: &str, name: &str, version: &str) -> Vec<Verdict> {
    let scheme = Scheme::of_ecosystem(ecosystem).unwrap();
    r.affected
        .iter()
        .filter(|a| {
            a.package
                .as_ref()
                .is_some_and(|p| p.ecosystem == ecosystem && p.name == name)
        })
        .map(|a| a.judge(scheme, version))
        .collect()
}

fn fixed(v: &str) -> Verdict {
    Verdict::Affected {
        fixed: Some(v.to_string()),
    }
}

#[test]
fn debian_source_package_fixed_in_wheezy3() {
    let Some(r) = record("DSA-3029-1.json") else {
        return;
    };
    assert_eq!(
        judge(&r, "Debian:7", "nginx", "1.2.1-2.2+wheezy2"),
        [fixed("1.2.1-2.2+wheezy3")]
    );
    assert_eq!(
        judge(&r, "Debian:7", "nginx", "1.2.1-2.2+wheezy3"),
        [Verdict::NotAffected]
    );
    assert!(
        r.also_known_as().contains(&"CVE-2014-3616"),
        "{:?}",
        r.aliases
    );
}

#[test]
fn alpine_branches_are_separate() {
    let Some(r) = record("CVE-2018-5407.alpine.json") else {
        return;
    };
    assert_eq!(
        judge(&r, "Alpine:v3.8", "openssl", "1.0.2p-r0"),
        [fixed("1.0.2q-r0")]
    );
    assert_eq!(
        judge(&r, "Alpine:v3.8", "openssl", "1.0.2q-r0"),
        [Verdict::NotAffected]
    );
    // The entry without a package (a GIT range) is kept, and judged by no one.
    assert!(r.affected.iter().any(|a| a.package.is_none()));

    let Some(r) = record("CVE-2022-27449.alpine.json") else {
        return;
    };
    // v3.15's own fix is 10.6.8-r0; v3.12's 10.4.25-r0 must not hide it.
    assert_eq!(
        judge(&r, "Alpine:v3.15", "mariadb", "10.6.7-r0"),
        [fixed("10.6.8-r0")]
    );
    assert_eq!(
        judge(&r, "Alpine:v3.12", "mariadb", "10.6.7-r0"),
        [Verdict::NotAffected]
    );
}

#[test]
fn language_packages() {
    if let Some(r) = record("PYSEC-2023-74.json") {
        assert_eq!(judge(&r, "PyPI", "requests", "2.30.0"), [fixed("2.31.0")]);
        assert_eq!(
            judge(&r, "PyPI", "requests", "2.31.0"),
            [Verdict::NotAffected]
        );
        assert_eq!(
            judge(&r, "PyPI", "requests", "2.2.1"),
            [Verdict::NotAffected]
        );
    }
    if let Some(r) = record("GHSA-r9p9-mrjm-926w.json") {
        assert_eq!(judge(&r, "npm", "elliptic", "6.5.3"), [fixed("6.5.4")]);
        assert_eq!(
            judge(&r, "npm", "elliptic", "6.5.4"),
            [Verdict::NotAffected]
        );
    }
    if let Some(r) = record("GO-2020-0001.json") {
        assert_eq!(
            judge(&r, "Go", "github.com/gin-gonic/gin", "v1.5.0"),
            [fixed("1.6.0")]
        );
        assert_eq!(
            judge(&r, "Go", "github.com/gin-gonic/gin", "v1.6.0"),
            [Verdict::NotAffected]
        );
    }
    if let Some(r) = record("GHSA-838r-hvwh-24h8.json") {
        assert_eq!(
            judge(&r, "Maven", "org.apache.any23:apache-any23", "2.4"),
            [fixed("2.5")]
        );
    }
}

#[test]
fn versions_list_only_and_unfixed() {
    if let Some(r) = record("GHSA-9v2f-6vcg-3hgv.json") {
        let a = &r.affected[0];
        assert!(a.ranges.is_empty());
        let listed = a.versions[0].clone();
        let scheme = Scheme::of_ecosystem(&a.package.as_ref().unwrap().ecosystem).unwrap();
        assert_eq!(a.judge(scheme, &listed), Verdict::Affected { fixed: None });
    }
    if let Some(r) = record("UBUNTU-CVE-2025-38094.json") {
        // Introduced 0, no fix: every version is affected, with no fix yet.
        assert_eq!(
            judge(&r, "Ubuntu:Pro:14.04:LTS", "linux", "3.13.0-206.257"),
            [Verdict::Affected { fixed: None }]
        );
        assert_eq!(r.also_known_as(), ["CVE-2025-38094"]);
        assert!(r.aliases.is_empty());
    }
}

fn entry(events: &[(&str, &str)], versions: &[&str]) -> Affected {
    Affected {
        package: None,
        severity: Vec::new(),
        ranges: vec![Range {
            kind: "ECOSYSTEM".into(),
            events: events
                .iter()
                .map(|(k, v)| {
                    let v = Some(v.to_string());
                    match *k {
                        "introduced" => Event {
                            introduced: v,
                            ..Event::default()
                        },
                        "fixed" => Event {
                            fixed: v,
                            ..Event::default()
                        },
                        "last_affected" => Event {
                            last_affected: v,
                            ..Event::default()
                        },
                        _ => Event {
                            limit: v,
                            ..Event::default()
                        },
                    }
                })
                .collect(),
        }],
        versions: versions.iter().map(|v| v.to_string()).collect(),
    }
}

#[test]
fn range_events() {
    let s = Scheme::Pep440;
    // Two windows, unsorted on purpose.
    let a = entry(
        &[
            ("fixed", "1.5"),
            ("introduced", "2.0"),
            ("introduced", "1.0"),
            ("fixed", "2.3"),
        ],
        &[],
    );
    assert_eq!(a.judge(s, "0.9"), Verdict::NotAffected);
    assert_eq!(a.judge(s, "1.0"), fixed("1.5"));
    assert_eq!(a.judge(s, "1.5"), Verdict::NotAffected);
    assert_eq!(a.judge(s, "2.1"), fixed("2.3"));
    assert_eq!(a.judge(s, "3.0"), Verdict::NotAffected);
    // last_affected is inclusive.
    let a = entry(&[("introduced", "0"), ("last_affected", "1.4")], &[]);
    assert_eq!(a.judge(s, "1.4"), Verdict::Affected { fixed: None });
    assert_eq!(a.judge(s, "1.4.1"), Verdict::NotAffected);
    // limit bounds the range.
    let a = entry(&[("introduced", "0"), ("limit", "2.0")], &[]);
    assert_eq!(a.judge(s, "1.9"), Verdict::Affected { fixed: None });
    assert_eq!(a.judge(s, "2.0"), Verdict::NotAffected);
    // A version that does not parse is never "not affected" silently.
    assert!(matches!(a.judge(s, "not a version!"), Verdict::Unknown(_)));
    let bad = entry(&[("introduced", "0"), ("fixed", "%%%")], &[]);
    assert!(matches!(bad.judge(s, "1.0"), Verdict::Unknown(_)));
}

#[test]
fn not_osv_is_an_error() {
    assert!(Record::parse(b"[]").is_err());
    assert!(Record::parse(b"{\"summary\": \"x\"}").is_err());
    assert!(Record::parse(b"{").is_err());
    // Unknown fields and ecosystems are fine.
    let r = Record::parse(
        br#"{"id":"X-1","new_field":1,"affected":[{"package":{"ecosystem":"Bitnami","name":"a"}}]}"#,
    )
    .unwrap();
    assert_eq!(r.affected.len(), 1);
}
