//! dpkg comparison against dpkg's own test data and osv-scalibr's Debian
//! vectors, plus property tests.
mod common;

use std::cmp::Ordering;

use drydock_version::dpkg::{Version, compare};
use proptest::prelude::*;

/// Runs `A OP B` cases; returns (cases, disagreements).
fn run_op_file(rel: &str) -> Option<(usize, Vec<String>)> {
    let text = common::vectors(rel)?;
    let cases = common::op_lines(&text);
    let mut bad = Vec::new();
    for (a, want, b) in &cases {
        match compare(a, b) {
            Ok(got) if got == *want => {}
            got => bad.push(format!("{a} {want:?} {b}: got {got:?}")),
        }
    }
    Some((cases.len(), bad))
}

fn check_op_file(rel: &str, expected_cases: usize) {
    let Some((n, bad)) = run_op_file(rel) else {
        println!("skipped");
        return;
    };
    assert_eq!(n, expected_cases, "{rel}: case count");
    assert!(
        bad.is_empty(),
        "{rel}: {} of {n} disagree:\n{}",
        bad.len(),
        bad.join("\n")
    );
    println!("{rel}: {n}/{n}");
}

#[test]
fn osv_scalibr_debian_versions() {
    check_op_file("osv-scalibr/debian-versions.txt", 30);
}

#[test]
fn osv_scalibr_debian_versions_generated() {
    check_op_file("osv-scalibr/debian-versions-generated.txt", 14_442);
}

#[test]
fn dpkg_version_data() {
    let Some(text) = common::vectors("dpkg/Dpkg_Version.data") else {
        println!("skipped");
        return;
    };
    let mut n = 0;
    let mut bad = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [a, b, r] = parts.as_slice() else {
            panic!("malformed line {line:?}");
        };
        let want = r.parse::<i32>().unwrap().cmp(&0);
        n += 1;
        match compare(a, b) {
            Ok(got) if got == want => {}
            got => bad.push(format!("{line}: got {got:?}")),
        }
    }
    assert_eq!(n, 43);
    assert!(
        bad.is_empty(),
        "{} of {n} disagree:\n{}",
        bad.len(),
        bad.join("\n")
    );
    println!("dpkg/Dpkg_Version.data: {n}/{n}");
}

/// Versions shaped like Debian's: optional epoch, upstream with digits,
/// letters, `.+~`, optional revision (also with `~`, `+`).
fn version() -> impl Strategy<Value = String> {
    (
        prop::option::of(0u32..3),
        "[0-9]{1,3}([.+~][0-9a-z]{1,3}){0,3}~?",
        prop::option::of("[0-9a-z]{1,3}([.+~][0-9a-z]{1,3}){0,2}"),
    )
        .prop_map(|(e, u, r)| {
            let mut s = e.map(|e| format!("{e}:")).unwrap_or_default();
            s.push_str(&u);
            if let Some(r) = r {
                s.push('-');
                s.push_str(&r);
            }
            s
        })
}

proptest! {
    #[test]
    fn reflexive(a in version()) {
        prop_assert_eq!(compare(&a, &a), Ok(Ordering::Equal));
    }

    #[test]
    fn antisymmetric(a in version(), b in version()) {
        let ab = compare(&a, &b).unwrap();
        let ba = compare(&b, &a).unwrap();
        prop_assert_eq!(ab, ba.reverse());
    }

    #[test]
    fn transitive(a in version(), b in version(), c in version()) {
        let mut v = [a, b, c];
        v.sort_by(|x, y| compare(x, y).unwrap());
        prop_assert_ne!(compare(&v[0], &v[1]).unwrap(), Ordering::Greater);
        prop_assert_ne!(compare(&v[1], &v[2]).unwrap(), Ordering::Greater);
        prop_assert_ne!(compare(&v[0], &v[2]).unwrap(), Ordering::Greater);
    }

    #[test]
    fn canonical_form_compares_equal(a in version()) {
        let canonical = Version::parse(&a).unwrap().to_string();
        prop_assert_eq!(compare(&a, &canonical), Ok(Ordering::Equal));
    }

    /// Any string: never panics, and is either an error or a consistent order.
    #[test]
    fn never_panics(a in "\\PC{0,12}", b in "[ -~]{0,12}") {
        if let (Ok(ab), Ok(ba)) = (compare(&a, &b), compare(&b, &a)) {
            prop_assert_eq!(ab, ba.reverse());
        }
    }
}
