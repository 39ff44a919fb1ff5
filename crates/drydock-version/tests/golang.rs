//! Go module versions. No vector file exists for Go in
//! `../shared/testdata/versions`, so the cases below are written here:
//! `X_MOD_TESTS` is golang.org/x/mod/semver's `semver_test.go` table as
//! recalled from memory (NOT copied from a checked file; it may differ in
//! detail from upstream), the rest is taken from the Go modules reference
//! (go.dev/ref/mod, "Versions" and "Pseudo-versions") as remembered.
mod common;

use std::cmp::Ordering;

use drydock_version::golang::{Version, compare, is_valid};
use proptest::prelude::*;

/// x/mod's test table (from memory): `(input, canonical)`, "" when
/// invalid. Valid entries are listed in ascending order; adjacent entries
/// with the same canonical form are equal.
const X_MOD_TESTS: &[(&str, &str)] = &[
    ("bad", ""),
    ("v1-alpha.beta.gamma", ""),
    ("v1-pre", ""),
    ("v1+meta", ""),
    ("v1-pre+meta", ""),
    ("v1.2-pre", ""),
    ("v1.2+meta", ""),
    ("v1.2-pre+meta", ""),
    ("v1.0.0-alpha", "v1.0.0-alpha"),
    ("v1.0.0-alpha.1", "v1.0.0-alpha.1"),
    ("v1.0.0-alpha.beta", "v1.0.0-alpha.beta"),
    ("v1.0.0-beta", "v1.0.0-beta"),
    ("v1.0.0-beta.2", "v1.0.0-beta.2"),
    ("v1.0.0-beta.11", "v1.0.0-beta.11"),
    ("v1.0.0-rc.1", "v1.0.0-rc.1"),
    ("v1", "v1.0.0"),
    ("v1.0", "v1.0.0"),
    ("v1.0.0", "v1.0.0"),
    ("v1.2", "v1.2.0"),
    ("v1.2.0", "v1.2.0"),
    ("v1.2.3-456", "v1.2.3-456"),
    ("v1.2.3-456.789", "v1.2.3-456.789"),
    ("v1.2.3-456-789", "v1.2.3-456-789"),
    ("v1.2.3-456a", "v1.2.3-456a"),
    ("v1.2.3-pre", "v1.2.3-pre"),
    ("v1.2.3-pre+meta", "v1.2.3-pre"),
    ("v1.2.3-pre.1", "v1.2.3-pre.1"),
    ("v1.2.3-zzz", "v1.2.3-zzz"),
    ("v1.2.3", "v1.2.3"),
    ("v1.2.3+meta", "v1.2.3"),
    ("v1.2.3+meta-pre", "v1.2.3"),
    ("v1.2.3+meta-pre.sha.256a", "v1.2.3"),
];

#[test]
fn x_mod_semver_table_validity_and_canonical_form() {
    let mut bad = Vec::new();
    for &(input, want) in X_MOD_TESTS {
        let got = Version::parse(input)
            .map(|v| v.canonical())
            .unwrap_or_default();
        if got != want {
            bad.push(format!("{input}: canonical want {want:?}, got {got:?}"));
        }
        if is_valid(input) == want.is_empty() {
            bad.push(format!("{input}: validity"));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// x/mod's `TestCompare`: for valid entries i, j, Compare is 0 when the
/// canonical forms match, else the sign of i - j. (x/mod orders invalid
/// versions below valid ones; this comparator reports them instead.)
#[test]
fn x_mod_semver_table_ordering() {
    let valid: Vec<(usize, &str, &str)> = X_MOD_TESTS
        .iter()
        .enumerate()
        .filter(|(_, (_, c))| !c.is_empty())
        .map(|(i, &(v, c))| (i, v, c))
        .collect();
    let mut bad = Vec::new();
    let mut pairs = 0;
    for &(i, a, ca) in &valid {
        for &(j, b, cb) in &valid {
            pairs += 1;
            let want = if ca == cb { Ordering::Equal } else { i.cmp(&j) };
            match compare(a, b) {
                Ok(o) if o == want => {}
                got => bad.push(format!("{a} vs {b}: want {want:?}, got {got:?}")),
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {pairs} disagree:\n{}",
        bad.len(),
        bad.join("\n")
    );
    for &(input, c) in X_MOD_TESTS {
        if c.is_empty() {
            assert!(
                compare(input, "v1.0.0").is_err() && compare("v1.0.0", input).is_err(),
                "{input}"
            );
        }
    }
}

/// x/mod's `Major`, `Prerelease` and `Build` on some table entries (from
/// memory).
#[test]
fn x_mod_accessors() {
    let p = |s| Version::parse(s).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p("v1.2.3-pre+meta").major(), "v1");
    assert_eq!(p("v1.2.3-pre+meta").prerelease(), "-pre");
    assert_eq!(p("v1.2.3-pre+meta").build(), "+meta");
    assert_eq!(p("v1.2.3").prerelease(), "");
    assert_eq!(p("v1.2.3+meta-pre.sha.256a").build(), "+meta-pre.sha.256a");
    assert_eq!(p("v2").major(), "v2");
    assert!(p("v1.2").is_shorthand());
}

/// An ascending sequence from the Go modules reference: pre-releases,
/// the three pseudo-version forms between their base and the next
/// release, `+incompatible` majors and a large number.
#[test]
fn go_reference_ordering() {
    let ascending = [
        "v0.0.0-20170915032832-14c0d48ead0c",
        "v0.0.0-20191109021931-daa7c04131f5",
        "v0.0.0",
        "v0.1.0",
        "v1.0.0-alpha",
        "v1.0.0-beta",
        "v1.0.0",
        "v1.2.3",
        "v1.2.4-0.20191109021931-daa7c04131f5",
        "v1.2.4-pre",
        "v1.2.4-pre.0.20191109021931-daa7c04131f5",
        "v1.2.4",
        "v1.10.0",
        "v2.0.0-20180919180830-4ce1b8c2de51+incompatible",
        "v2.0.0+incompatible",
        "v2.0.1",
        "v3.1.0+incompatible",
        "v10.0.0",
        "v18446744073709551616.0.0",
    ];
    let mut bad = Vec::new();
    for (i, a) in ascending.iter().enumerate() {
        for (j, b) in ascending.iter().enumerate() {
            let want = i.cmp(&j);
            match compare(a, b) {
                Ok(o) if o == want => {}
                got => bad.push(format!("{a} vs {b}: want {want:?}, got {got:?}")),
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    // `+incompatible` and other build metadata do not count.
    assert_eq!(
        compare("v2.0.0+incompatible", "v2.0.0"),
        Ok(Ordering::Equal)
    );
    // OSV writes Go versions without `v`.
    assert_eq!(
        compare("1.2.4-0.20191109021931-daa7c04131f5", "v1.2.3"),
        Ok(Ordering::Greater)
    );
    // There is no vector file for Go; make sure none appeared unnoticed.
    assert!(common::vectors("go/versions.txt").is_none());
}

fn version() -> impl Strategy<Value = String> {
    let num = prop_oneof![4 => 0u32..4, 1 => 0u32..100_000].prop_map(|n| n.to_string());
    let ident = prop_oneof![
        (0u32..20).prop_map(|n| n.to_string()),
        "[a-zA-Z-][a-zA-Z0-9-]{0,4}",
        "20[0-9]{12}-[0-9a-f]{12}",
    ];
    let pre = prop_oneof![
        2 => Just(String::new()),
        1 => proptest::collection::vec(ident, 1..4).prop_map(|v| format!("-{}", v.join("."))),
    ];
    let build = prop_oneof![3 => Just(String::new()), 1 => Just("+incompatible".to_string()), 1 => "\\+[a-z0-9]{1,4}"];
    let full = (num.clone(), num.clone(), num.clone(), pre, build)
        .prop_map(|(a, b, c, p, m)| format!("v{a}.{b}.{c}{p}{m}"));
    let short = (num.clone(), proptest::option::of(num)).prop_map(|(a, b)| match b {
        Some(b) => format!("{a}.{b}"),
        None => a,
    });
    prop_oneof![4 => full, 1 => short.prop_map(|s| format!("v{s}")), 1 => Just("0".to_string())]
}

proptest! {
    #[test]
    fn ordering_is_antisymmetric_and_reflexive(a in version(), b in version()) {
        let ab = compare(&a, &b).unwrap();
        prop_assert_eq!(ab, compare(&b, &a).unwrap().reverse());
        prop_assert_eq!(compare(&a, &a).unwrap(), Ordering::Equal);
        // The canonical form is equal and valid.
        let c = Version::parse(&a).unwrap().canonical();
        prop_assert_eq!(compare(&c, &a).unwrap(), Ordering::Equal);
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
    fn never_panics(s in "\\PC{0,24}") {
        let _ = compare(&s, "v1.0.0");
        if let Ok(v) = Version::parse(&s) {
            let _ = v.is_pseudo();
            prop_assert!(is_valid(&v.canonical()));
        }
    }
}
