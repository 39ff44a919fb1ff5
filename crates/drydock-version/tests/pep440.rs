mod common;

use std::cmp::Ordering;

use drydock_version::pep440::{compare, compare_with_legacy, normalize};
use proptest::prelude::*;

/// pypa/packaging's `VERSIONS`: strictly ascending, so every pair
/// (i < j) must compare Less, and every version equals itself.
#[test]
fn pypa_ordered_list() {
    let Some(text) = common::vectors("pypa-packaging/pep440-ordered.txt") else {
        println!("skipped");
        return;
    };
    let list: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(list.len(), 92);
    let mut bad = Vec::new();
    let mut pairs = 0;
    for (i, a) in list.iter().enumerate() {
        for (j, b) in list.iter().enumerate() {
            pairs += 1;
            let want = i.cmp(&j);
            match compare(a, b) {
                Ok(o) if o == want => {}
                got => bad.push(format!("{a} vs {b}: want {want:?}, got {got:?}")),
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {pairs} pairs disagree:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn pypa_invalid_versions_are_rejected() {
    let Some(text) = common::vectors("pypa-packaging/pep440-invalid.json") else {
        println!("skipped");
        return;
    };
    let list: Vec<String> = serde_json::from_str(&text).unwrap();
    assert_eq!(list.len(), 20);
    let accepted: Vec<String> = list
        .iter()
        .filter_map(|v| {
            normalize(v)
                .ok()
                .map(|n| format!("{v:?} accepted as {n:?}"))
        })
        .collect();
    assert!(accepted.is_empty(), "{}", accepted.join("\n"));
    for v in &list {
        assert!(
            compare(v, "1.0").is_err() && compare("1.0", v).is_err(),
            "{v:?}"
        );
    }
}

#[test]
fn pypa_normalized_versions() {
    let Some(text) = common::vectors("pypa-packaging/pep440-normalized.json") else {
        println!("skipped");
        return;
    };
    let list: Vec<(String, String)> = serde_json::from_str(&text).unwrap();
    assert_eq!(list.len(), 102);
    let bad: Vec<String> = list
        .iter()
        .filter_map(|(input, want)| {
            let got = normalize(input);
            // The normal form is itself valid, normal and equal.
            let ok = got.as_deref() == Ok(want.as_str())
                && normalize(want).as_deref() == Ok(want.as_str())
                && compare(input, want) == Ok(Ordering::Equal);
            (!ok).then(|| format!("{input:?}: want {want:?}, got {got:?}"))
        })
        .collect();
    assert!(
        bad.is_empty(),
        "{} of {} disagree:\n{}",
        bad.len(),
        list.len(),
        bad.join("\n")
    );
}

/// Runs an osv-scalibr PyPI file: every row with `compare_with_legacy`
/// (osv-scalibr orders legacy strings); rows with two PEP 440 versions
/// also with the strict `compare`. Returns (rows, legacy rows).
fn run_osv(rel: &str) -> Option<(usize, usize)> {
    let text = common::vectors(rel)?;
    let rows = common::op_lines(&text);
    let mut bad = Vec::new();
    let mut legacy = 0;
    for (a, want, b) in &rows {
        match compare_with_legacy(a, b) {
            Ok(o) if o == *want => {}
            got => bad.push(format!("{a} {want:?} {b}: got {got:?} (with legacy)")),
        }
        match compare(a, b) {
            Ok(o) if o == *want => {}
            Ok(o) => bad.push(format!("{a} {want:?} {b}: got {o:?} (strict)")),
            Err(_) => legacy += 1,
        }
    }
    assert!(
        bad.is_empty(),
        "{rel}: {} of {} disagree:\n{}",
        bad.len(),
        rows.len(),
        bad.join("\n")
    );
    Some((rows.len(), legacy))
}

#[test]
fn osv_scalibr_pypi_versions() {
    let Some((rows, legacy)) = run_osv("osv-scalibr/pypi-versions.txt") else {
        println!("skipped");
        return;
    };
    assert_eq!(rows, 37);
    // The 11 rows with pre-PEP 440 strings (SOURCES.md), ordered only by
    // compare_with_legacy.
    assert_eq!(legacy, 11);
}

#[test]
fn osv_scalibr_pypi_versions_generated() {
    let Some((rows, legacy)) = run_osv("osv-scalibr/pypi-versions-generated.txt") else {
        println!("skipped");
        return;
    };
    assert_eq!(rows, 12_375);
    assert_eq!(legacy, 69);
}

/// Versions of every PEP 440 shape, written in varied spellings.
fn version() -> impl Strategy<Value = String> {
    let num = prop_oneof![4 => 0u32..4, 1 => 0u32..100_000].prop_map(|n| n.to_string());
    let epoch = prop_oneof![3 => Just(String::new()), 1 => (0u32..3).prop_map(|e| format!("{e}!"))];
    let release = proptest::collection::vec(num.clone(), 1..4).prop_map(|v| v.join("."));
    let pre = prop_oneof![
        3 => Just(String::new()),
        1 => (prop::sample::select(vec!["a", "b", "rc", "c", "alpha", "-beta", ".pre", "preview"]), num.clone())
            .prop_map(|(l, n)| format!("{l}{n}")),
    ];
    let post = prop_oneof![
        3 => Just(String::new()),
        1 => num.clone().prop_map(|n| format!(".post{n}")),
        1 => num.clone().prop_map(|n| format!("-{n}")),
        1 => Just("rev".to_string()),
    ];
    let dev =
        prop_oneof![3 => Just(String::new()), 1 => num.clone().prop_map(|n| format!(".dev{n}"))];
    let local = prop_oneof![
        3 => Just(String::new()),
        1 => proptest::collection::vec(prop_oneof![num, "[a-z]{1,3}"], 1..3).prop_map(|v| format!("+{}", v.join("."))),
    ];
    (epoch, release, pre, post, dev, local)
        .prop_map(|(e, r, p, o, d, l)| format!("{e}{r}{p}{o}{d}{l}"))
}

proptest! {
    #[test]
    fn ordering_is_antisymmetric_and_reflexive(a in version(), b in version()) {
        let ab = compare(&a, &b).unwrap();
        prop_assert_eq!(ab, compare(&b, &a).unwrap().reverse());
        prop_assert_eq!(compare(&a, &a).unwrap(), Ordering::Equal);
        // Normalising keeps the version.
        prop_assert_eq!(compare(&normalize(&a).unwrap(), &a).unwrap(), Ordering::Equal);
    }

    #[test]
    fn ordering_is_transitive(a in version(), b in version(), c in version()) {
        let mut v = [a, b, c];
        v.sort_by(|x, y| compare(x, y).unwrap());
        prop_assert_ne!(compare(&v[0], &v[1]).unwrap(), Ordering::Greater);
        prop_assert_ne!(compare(&v[1], &v[2]).unwrap(), Ordering::Greater);
        prop_assert_ne!(compare(&v[0], &v[2]).unwrap(), Ordering::Greater);
    }

    #[test]
    fn legacy_ordering_is_antisymmetric_and_transitive(a in "[ -~]{1,12}", b in "[ -~]{1,12}", c in version()) {
        if let (Ok(ab), Ok(ba)) = (compare_with_legacy(&a, &b), compare_with_legacy(&b, &a)) {
            prop_assert_eq!(ab, ba.reverse());
            let bc = compare_with_legacy(&b, &c).unwrap();
            let ac = compare_with_legacy(&a, &c).unwrap();
            if ab != Ordering::Greater && bc != Ordering::Greater {
                prop_assert_ne!(ac, Ordering::Greater);
            }
        }
    }

    #[test]
    fn never_panics(s in "\\PC{0,24}") {
        let _ = compare(&s, "1.0");
        let _ = normalize(&s);
        let _ = compare_with_legacy(&s, "1.0");
    }
}
