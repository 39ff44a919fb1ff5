use proptest::prelude::*;

use super::*;
use crate::osv::{Event, Package, Range};

fn entry(eco: &str, name: &str, ranges: Vec<Range>, versions: Vec<String>) -> Affected {
    Affected {
        package: Some(Package {
            ecosystem: eco.into(),
            name: name.into(),
            purl: None,
        }),
        severity: Vec::new(),
        ranges,
        versions,
    }
}

fn ev(kind: u8, v: &str) -> Event {
    let s = Some(v.to_string());
    match kind {
        0 => Event {
            introduced: s,
            ..Event::default()
        },
        1 => Event {
            fixed: s,
            ..Event::default()
        },
        2 => Event {
            last_affected: s,
            ..Event::default()
        },
        _ => Event {
            limit: s,
            ..Event::default()
        },
    }
}

/// The verdicts the index gives for `version`, per record id, beside the
/// verdicts of [`Affected::judge`] on the original entries.
type Verdicts = Vec<(String, Vec<Verdict>)>;

fn both(eco: &str, name: &str, records: &[Record], version: &str) -> (Verdicts, Verdicts) {
    let scheme = Scheme::of_ecosystem(eco).expect("scheme");
    let refs: Vec<(u64, &Record)> = records
        .iter()
        .enumerate()
        .map(|(i, r)| (i as u64, r))
        .collect();
    let blob = build(eco, name, &refs).expect("index");
    let j = judge(&blob, scheme, version).expect("judge");
    let got: Vec<(String, Vec<Verdict>)> = j
        .hits
        .iter()
        .map(|h| (h.meta.id.clone(), h.verdicts.clone()))
        .collect();
    let mut want = Vec::new();
    let mut sorted: Vec<&Record> = records.iter().filter(|r| r.withdrawn.is_none()).collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    for r in sorted {
        let vs: Vec<Verdict> = r
            .affected
            .iter()
            .filter(|a| {
                a.package.as_ref().is_some_and(|p| {
                    p.ecosystem == eco && normalise_name(eco, &p.name) == normalise_name(eco, name)
                })
            })
            .map(|a| a.judge(scheme, version))
            .collect();
        if vs.iter().any(|v| !matches!(v, Verdict::NotAffected)) {
            want.push((r.id.clone(), vs));
        }
    }
    (got, want)
}

fn shared_records() -> Vec<Record> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/osv");
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return out;
    };
    for e in rd.flatten() {
        if e.path().extension().is_some_and(|x| x == "json") {
            let bytes = std::fs::read(e.path()).expect("read");
            out.push(Record::parse(&bytes).expect("record"));
        }
    }
    out
}

#[test]
fn real_records_judge_as_the_entries_do() {
    let records = shared_records();
    assert!(records.len() >= 9, "the shared OSV records are missing");
    let mut checked = 0;
    for r in &records {
        for a in &r.affected {
            let Some(p) = &a.package else { continue };
            if Scheme::of_ecosystem(&p.ecosystem).is_none() {
                continue;
            }
            // Every version the record names, and neighbours of each.
            let mut versions: Vec<String> = a.versions.clone();
            for range in &a.ranges {
                for e in &range.events {
                    for v in [&e.introduced, &e.fixed, &e.last_affected, &e.limit]
                        .into_iter()
                        .flatten()
                    {
                        versions.push(v.clone());
                        versions.push(format!("{v}1"));
                        versions.push(format!("{v}.1"));
                        versions.push(format!("{v}~1"));
                    }
                }
            }
            versions.extend(
                ["0", "0.0.1", "1.0", "99.99", "v1.2.3", "not a version!"].map(String::from),
            );
            for v in &versions {
                let (got, want) = both(&p.ecosystem, &p.name, &records, v);
                assert_eq!(got, want, "{} {} {v}", p.ecosystem, p.name);
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "{checked}");
}

#[test]
fn meta_carries_the_reported_fields() {
    let records = shared_records();
    let rec = records
        .iter()
        .find(|r| r.id == "GHSA-r9p9-mrjm-926w")
        .expect("record");
    let refs = [(7u64, rec)];
    let blob = build("npm", "elliptic", &refs).expect("index");
    let j = judge(&blob, Scheme::Semver, "6.5.3").expect("judge");
    assert_eq!(j.seen, vec![7]);
    let hit = &j.hits[0];
    assert_eq!(hit.meta.id, "GHSA-r9p9-mrjm-926w");
    assert!(hit.meta.aliases.iter().any(|a| a.starts_with("CVE-")));
    assert!(hit.meta.summary.is_some());
    assert!(hit.meta.severity.is_some());
    assert_eq!(
        hit.verdicts,
        vec![Verdict::Affected {
            fixed: Some("6.5.4".into())
        }]
    );
}

#[test]
fn withdrawn_and_other_packages_are_left_out() {
    let a = entry(
        "npm",
        "left-pad",
        vec![Range {
            kind: "SEMVER".into(),
            events: vec![ev(0, "0")],
        }],
        vec![],
    );
    let live = Record {
        id: "A".into(),
        affected: vec![a.clone()],
        ..Record::default()
    };
    let gone = Record {
        id: "B".into(),
        withdrawn: Some("2024-01-01T00:00:00Z".into()),
        affected: vec![a],
        ..Record::default()
    };
    let other = Record {
        id: "C".into(),
        affected: vec![entry(
            "npm",
            "right-pad",
            vec![Range {
                kind: "SEMVER".into(),
                events: vec![ev(0, "0")],
            }],
            vec![],
        )],
        ..Record::default()
    };
    let refs = [(1, &live), (2, &gone), (3, &other)];
    let blob = build("npm", "left-pad", &refs).expect("index");
    let j = judge(&blob, Scheme::Semver, "1.0.0").expect("judge");
    assert_eq!(j.seen, vec![1]);
    assert!(build("Nope:1", "x", &refs).is_none());
}

#[test]
fn entries_with_bad_versions_are_kept_and_say_why() {
    let a = entry(
        "PyPI",
        "pkg",
        vec![Range {
            kind: "ECOSYSTEM".into(),
            events: vec![ev(0, "0"), ev(1, "not.a.version!")],
        }],
        vec![],
    );
    let rec = Record {
        id: "X".into(),
        affected: vec![a.clone()],
        ..Record::default()
    };
    let refs = [(1, &rec)];
    let blob = build("PyPI", "pkg", &refs).expect("index");
    let j = judge(&blob, Scheme::Pep440, "1.0").expect("judge");
    assert_eq!(j.hits.len(), 1);
    assert!(matches!(j.hits[0].verdicts[0], Verdict::Unknown(_)));
    assert_eq!(j.hits[0].verdicts[0], a.judge(Scheme::Pep440, "1.0"));
}

#[test]
fn corrupt_blobs_are_errors_never_panics() {
    let records = shared_records();
    let refs: Vec<(u64, &Record)> = records
        .iter()
        .enumerate()
        .map(|(i, r)| (i as u64, r))
        .collect();
    let blob = build("Debian:7", "nginx", &refs).expect("index");
    assert!(judge(&blob, Scheme::Dpkg, "1.2.1-2.2+wheezy2").is_ok());
    for cut in 0..blob.len() {
        assert!(
            judge(&blob[..cut], Scheme::Dpkg, "1.2.1-2.2+wheezy2").is_err(),
            "cut at {cut}"
        );
    }
    let mut flipped = blob.clone();
    for i in 0..flipped.len() {
        flipped[i] ^= 0xff;
        let _ = judge(&flipped, Scheme::Dpkg, "1.0");
        flipped[i] ^= 0xff;
    }
    assert_eq!(
        judge(&[9], Scheme::Dpkg, "1.0"),
        Err(IndexError("unknown format"))
    );
}

const POOL: &[&str] = &[
    "0",
    "*",
    "1.0.0",
    "1.0",
    "1.0.1",
    "1.1.0",
    "1.1.0-rc.1",
    "2.0.0",
    "2.0.0-alpha",
    "v1.0.0",
    "10.0.0",
    "0.9.9",
    "1.0.0+build",
    "bogus!",
    "",
];

fn arb_event() -> impl Strategy<Value = Event> {
    (0u8..4, prop::sample::select(POOL)).prop_map(|(k, v)| ev(k, v))
}

fn arb_range() -> impl Strategy<Value = Range> {
    (
        prop::sample::select(&["ECOSYSTEM", "SEMVER", "GIT"][..]),
        prop::collection::vec(arb_event(), 0..6),
    )
        .prop_map(|(k, events)| Range {
            kind: k.to_string(),
            events,
        })
}

fn arb_entry(eco: &'static str) -> impl Strategy<Value = Affected> {
    (
        prop::collection::vec(arb_range(), 0..3),
        prop::collection::vec(prop::sample::select(POOL).prop_map(String::from), 0..3),
    )
        .prop_map(move |(ranges, versions)| entry(eco, "p", ranges, versions))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// The index judges exactly as the entries do, for any ranges
    /// (valid or not) and any version, in three orders.
    #[test]
    fn index_agrees_with_entries(
        eco in prop::sample::select(&["npm", "PyPI", "Debian:12", "Go"][..]),
        entries in prop::collection::vec(prop::collection::vec(arb_entry("npm"), 1..3), 1..4),
        version in prop::sample::select(POOL),
    ) {
        let records: Vec<Record> = entries
            .into_iter()
            .enumerate()
            .map(|(i, mut es)| {
                for a in &mut es {
                    if let Some(p) = &mut a.package { p.ecosystem = eco.to_string(); }
                }
                Record { id: format!("R{i}"), affected: es, ..Record::default() }
            })
            .collect();
        let (got, want) = both(eco, "p", &records, version);
        prop_assert_eq!(got, want);
    }

    /// No input blob panics the reader.
    #[test]
    fn any_bytes_are_safe(bytes in prop::collection::vec(any::<u8>(), 0..256), version in prop::sample::select(POOL)) {
        let _ = judge(&bytes, Scheme::Semver, version);
        let mut b = bytes;
        b.insert(0, FORMAT);
        let _ = judge(&b, Scheme::Semver, version);
    }
}
