//! rpm comparison against rpm's own rpmvercmp tests and osv-scalibr's
//! Red Hat vectors, plus property tests.
mod common;

use std::cmp::Ordering;

use drydock_version::rpm::{compare, rpmvercmp};
use proptest::prelude::*;

#[test]
fn rpm_rpmvercmp_tsv() {
    let Some(text) = common::vectors("rpm/rpmvercmp.tsv") else {
        println!("skipped");
        return;
    };
    let mut n = 0;
    let mut bad = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let parts: Vec<&str> = line.split('\t').collect();
        let [a, b, r] = parts.as_slice() else {
            panic!("malformed line {line:?}");
        };
        let want = r.trim().parse::<i32>().unwrap().cmp(&0);
        n += 1;
        let got = rpmvercmp(a, b);
        if got != want {
            bad.push(format!("{a:?} {b:?}: want {want:?}, got {got:?}"));
        }
    }
    assert_eq!(n, 91);
    assert!(
        bad.is_empty(),
        "{} of {n} disagree:\n{}",
        bad.len(),
        bad.join("\n")
    );
    println!("rpm/rpmvercmp.tsv: {n}/{n}");
}

#[test]
fn osv_scalibr_redhat_versions() {
    let Some(text) = common::vectors("osv-scalibr/redhat-versions.txt") else {
        println!("skipped");
        return;
    };
    let cases = common::op_lines(&text);
    let mut bad = Vec::new();
    for (a, want, b) in &cases {
        match compare(a, b) {
            Ok(got) if got == *want => {}
            got => bad.push(format!("{a} {want:?} {b}: got {got:?}")),
        }
    }
    let n = cases.len();
    assert_eq!(n, 165);
    assert!(
        bad.is_empty(),
        "{} of {n} disagree:\n{}",
        bad.len(),
        bad.join("\n")
    );
    println!("osv-scalibr/redhat-versions.txt: {n}/{n}");
}

/// Version strings shaped like RPM's: alphanumeric segments with `.`, `_`,
/// `+`, `~` and `^`.
fn ver() -> impl Strategy<Value = String> {
    "[0-9a-zA-Z]{0,3}([._+~^][0-9a-z]{0,3}){0,4}"
}

/// `[epoch:]version[-release]` with a non-empty version.
fn evr() -> impl Strategy<Value = String> {
    (
        prop::option::of(0u32..3),
        "[0-9][0-9a-z.~^+]{0,8}",
        prop::option::of(ver()),
    )
        .prop_map(|(e, v, r)| {
            let mut s = e.map(|e| format!("{e}:")).unwrap_or_default();
            s.push_str(&v);
            if let Some(r) = r {
                s.push('-');
                s.push_str(&r);
            }
            s
        })
}

proptest! {
    #[test]
    fn rpmvercmp_reflexive(a in ver()) {
        prop_assert_eq!(rpmvercmp(&a, &a), Ordering::Equal);
    }

    #[test]
    fn rpmvercmp_antisymmetric(a in ver(), b in ver()) {
        prop_assert_eq!(rpmvercmp(&a, &b), rpmvercmp(&b, &a).reverse());
    }

    #[test]
    fn rpmvercmp_transitive(a in ver(), b in ver(), c in ver()) {
        let mut v = [a, b, c];
        v.sort_by(|x, y| rpmvercmp(x, y));
        prop_assert_ne!(rpmvercmp(&v[0], &v[1]), Ordering::Greater);
        prop_assert_ne!(rpmvercmp(&v[1], &v[2]), Ordering::Greater);
        prop_assert_ne!(rpmvercmp(&v[0], &v[2]), Ordering::Greater);
    }

    #[test]
    fn evr_reflexive(a in evr()) {
        prop_assert_eq!(compare(&a, &a), Ok(Ordering::Equal));
    }

    #[test]
    fn evr_antisymmetric(a in evr(), b in evr()) {
        prop_assert_eq!(compare(&a, &b).unwrap(), compare(&b, &a).unwrap().reverse());
    }

    #[test]
    fn evr_transitive(a in evr(), b in evr(), c in evr()) {
        let mut v = [a, b, c];
        v.sort_by(|x, y| compare(x, y).unwrap());
        prop_assert_ne!(compare(&v[0], &v[1]).unwrap(), Ordering::Greater);
        prop_assert_ne!(compare(&v[1], &v[2]).unwrap(), Ordering::Greater);
        prop_assert_ne!(compare(&v[0], &v[2]).unwrap(), Ordering::Greater);
    }

    /// Any string: never panics, rpmvercmp stays antisymmetric.
    #[test]
    fn never_panics(a in "\\PC{0,12}", b in "[ -~]{0,12}") {
        prop_assert_eq!(rpmvercmp(&a, &b), rpmvercmp(&b, &a).reverse());
        if let (Ok(ab), Ok(ba)) = (compare(&a, &b), compare(&b, &a)) {
            prop_assert_eq!(ab, ba.reverse());
        }
    }
}
