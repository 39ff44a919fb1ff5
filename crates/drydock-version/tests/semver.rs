mod common;

use std::cmp::Ordering;

use drydock_version::semver::{Version, compare, compare_loose, compare_npm, compare_strict};
use proptest::prelude::*;

struct Row {
    a: String,
    b: String,
    loose: bool,
}

fn rows(text: &str) -> Vec<Row> {
    let v: Vec<serde_json::Value> = serde_json::from_str(text).expect("a JSON list");
    v.iter()
        .map(|r| Row {
            a: r["a"].as_str().expect("string a").to_string(),
            b: r["b"].as_str().expect("string b").to_string(),
            loose: r["loose"].as_bool().expect("bool loose"),
        })
        .collect()
}

/// Runs a node-semver fixture: `loose: false` rows with node-semver's
/// default parser (SemVer 2.0.0 after trimming whitespace and one `v`),
/// `loose: true` rows with npm's loose parser; every
/// row also with the lenient `compare` unless it uses a form only npm's
/// loose mode takes (`=` or spaces). Returns (strict, loose) row counts.
fn run_node(rel: &str, want: Ordering) -> Option<(usize, usize)> {
    let text = common::vectors(rel)?;
    let rows = rows(&text);
    let mut bad = Vec::new();
    let (mut strict, mut loose) = (0, 0);
    for r in &rows {
        let got = if r.loose {
            loose += 1;
            compare_loose(&r.a, &r.b)
        } else {
            strict += 1;
            compare_npm(&r.a, &r.b)
        };
        if got != Ok(want) {
            bad.push(format!(
                "{:?} vs {:?} (loose: {}): want {want:?}, got {got:?}",
                r.a, r.b, r.loose
            ));
        }
        let npm_only = |s: &str| s.contains('=') || s.contains(' ');
        if !npm_only(&r.a) && !npm_only(&r.b) {
            let got = compare(&r.a, &r.b);
            if got != Ok(want) {
                bad.push(format!(
                    "{:?} vs {:?} (lenient): want {want:?}, got {got:?}",
                    r.a, r.b
                ));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{rel}: {} disagree:\n{}",
        bad.len(),
        bad.join("\n")
    );
    Some((strict, loose))
}

#[test]
fn node_semver_comparisons() {
    let Some(counts) = run_node("node-semver/comparisons.json", Ordering::Greater) else {
        println!("skipped");
        return;
    };
    assert_eq!(counts, (19, 12));
}

#[test]
fn node_semver_equality() {
    let Some(counts) = run_node("node-semver/equality.json", Ordering::Equal) else {
        println!("skipped");
        return;
    };
    assert_eq!(counts, (3, 34));
}

#[test]
fn osv_scalibr_semver_versions() {
    let Some(text) = common::vectors("osv-scalibr/semver-versions.txt") else {
        println!("skipped");
        return;
    };
    let rows = common::op_lines(&text);
    assert_eq!(rows.len(), 86);
    let bad: Vec<String> = rows
        .iter()
        .filter_map(|(a, want, b)| {
            let got = compare(a, b);
            (got != Ok(*want)).then(|| format!("{a} {want:?} {b}: got {got:?}"))
        })
        .collect();
    assert!(
        bad.is_empty(),
        "{} of {} disagree:\n{}",
        bad.len(),
        rows.len(),
        bad.join("\n")
    );
}

fn ident() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..20).prop_map(|n| n.to_string()),
        "[0-9]{15,25}",
        "[a-zA-Z-][a-zA-Z0-9-]{0,4}",
        Just("alpha".to_string()),
        Just("beta".to_string()),
    ]
}

/// Strict SemVer 2.0.0 versions (pre-release identifiers may have leading
/// zeros only when alphanumeric, as required).
fn strict_version() -> impl Strategy<Value = String> {
    let num = prop_oneof![4 => 0u32..4, 1 => 0u32..1000].prop_map(|n| n.to_string());
    let pre = prop_oneof![
        2 => Just(String::new()),
        1 => proptest::collection::vec(ident(), 1..4)
            .prop_map(|v| v.iter().map(|i| if i.len() > 1 && i.starts_with('0') && i.bytes().all(|b| b.is_ascii_digit()) { format!("x{i}") } else { i.clone() }).collect::<Vec<_>>())
            .prop_map(|v| format!("-{}", v.join("."))),
    ];
    let build = prop_oneof![3 => Just(String::new()), 1 => "\\+[a-z0-9]{1,4}(\\.[0-9]{1,2})?"];
    (num.clone(), num.clone(), num, pre, build)
        .prop_map(|(a, b, c, p, m)| format!("{a}.{b}.{c}{p}{m}"))
}

/// Lenient (OSV) versions: optional `v`, 1 to 5 components, pre-release
/// with or without `-`, negative identifiers, build.
fn lenient_version() -> impl Strategy<Value = String> {
    let comps = proptest::collection::vec((0u32..4).prop_map(|n| n.to_string()), 1..6)
        .prop_map(|v| v.join("."));
    let pre = prop_oneof![
        2 => Just(String::new()),
        1 => proptest::collection::vec(prop_oneof![ident(), (0u32..5).prop_map(|n| format!("-{n}"))], 1..3)
            .prop_map(|v| format!("-{}", v.join("."))),
        1 => "[a-z]{1,4}(\\.[0-9])?",
    ];
    let build = prop_oneof![3 => Just(String::new()), 1 => "\\+[a-z0-9]{1,4}"];
    (prop::bool::ANY, comps, pre, build)
        .prop_map(|(v, c, p, b)| format!("{}{c}{p}{b}", if v { "v" } else { "" }))
}

proptest! {
    #[test]
    fn strict_ordering_is_antisymmetric_and_reflexive(a in strict_version(), b in strict_version()) {
        let ab = compare_strict(&a, &b).unwrap();
        prop_assert_eq!(ab, compare_strict(&b, &a).unwrap().reverse());
        prop_assert_eq!(compare_strict(&a, &a).unwrap(), Ordering::Equal);
        // Strict versions order the same in all three parsers.
        prop_assert_eq!(compare(&a, &b).unwrap(), ab);
        prop_assert_eq!(compare_loose(&a, &b).unwrap(), ab);
        prop_assert_eq!(compare_npm(&a, &b).unwrap(), ab);
    }

    #[test]
    fn strict_ordering_is_transitive(a in strict_version(), b in strict_version(), c in strict_version()) {
        let mut v = [a, b, c];
        v.sort_by(|x, y| compare_strict(x, y).unwrap());
        prop_assert_ne!(compare_strict(&v[0], &v[2]).unwrap(), Ordering::Greater);
    }

    #[test]
    fn lenient_ordering_is_antisymmetric_and_transitive(a in lenient_version(), b in lenient_version(), c in lenient_version()) {
        prop_assert_eq!(compare(&a, &b).unwrap(), compare(&b, &a).unwrap().reverse());
        prop_assert_eq!(compare(&a, &a).unwrap(), Ordering::Equal);
        let mut v = [a, b, c];
        v.sort_by(|x, y| compare(x, y).unwrap());
        prop_assert_ne!(compare(&v[0], &v[1]).unwrap(), Ordering::Greater);
        prop_assert_ne!(compare(&v[1], &v[2]).unwrap(), Ordering::Greater);
        prop_assert_ne!(compare(&v[0], &v[2]).unwrap(), Ordering::Greater);
    }

    #[test]
    fn never_panics(s in "\\PC{0,24}") {
        let _ = compare(&s, "1.0.0");
        let _ = Version::parse_strict(&s);
        let _ = Version::parse_loose(&s);
    }
}
