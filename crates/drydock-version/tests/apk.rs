//! apk comparison against apk-tools' own test data and osv-scalibr's Alpine
//! vectors, plus property tests.
//!
//! The vectors order some invalid versions too (`apk version -t` accepts
//! them), so every `A OP B` row is checked against `compare_lenient`, and
//! `compare` must agree on every row where both versions are valid and
//! return `Err` on every other row.
mod common;

use std::cmp::Ordering;

use drydock_version::apk::{compare, compare_lenient, matches, validate, validate_v3};
use proptest::prelude::*;

struct Tally {
    cases: usize,
    with_invalid: usize,
    bad: Vec<String>,
}

fn check_row(t: &mut Tally, a: &str, want: Ordering, b: &str) {
    t.cases += 1;
    let got = compare_lenient(a, b);
    if got != want {
        t.bad
            .push(format!("{a} {want:?} {b}: apk order got {got:?}"));
    }
    let valid = validate(a).is_ok() && validate(b).is_ok();
    if !valid {
        t.with_invalid += 1;
    }
    match (valid, compare(a, b)) {
        (true, Ok(o)) if o == want => {}
        (false, Err(_)) => {}
        (_, r) => t.bad.push(format!("{a} {want:?} {b}: compare got {r:?}")),
    }
}

fn report(rel: &str, t: &Tally, expected_cases: usize) {
    assert_eq!(t.cases, expected_cases, "{rel}: case count");
    assert!(
        t.bad.is_empty(),
        "{rel}: {} disagreements in {} cases:\n{}",
        t.bad.len(),
        t.cases,
        t.bad.join("\n")
    );
    println!(
        "{rel}: {n}/{n} ({} rows with an invalid version, Err from compare)",
        t.with_invalid,
        n = t.cases
    );
}

fn check_scalibr(rel: &str, expected_cases: usize) {
    let Some(text) = common::vectors(rel) else {
        println!("skipped");
        return;
    };
    let mut t = Tally {
        cases: 0,
        with_invalid: 0,
        bad: Vec::new(),
    };
    for (a, want, b) in common::op_lines(&text) {
        check_row(&mut t, &a, want, &b);
    }
    report(rel, &t, expected_cases);
}

/// apk-tools' own `version.data`: `A OP B [# comment]`, and on master lone
/// `ver` (valid), `!ver` (invalid) and fuzzy operators.
fn check_apk_tools(
    rel: &str,
    expected_ops: usize,
    expected_validity: usize,
    expected_fuzzy: usize,
) {
    let Some(text) = common::vectors(rel) else {
        println!("skipped");
        return;
    };
    let mut t = Tally {
        cases: 0,
        with_invalid: 0,
        bad: Vec::new(),
    };
    let (mut validity, mut fuzzy) = (0, 0);
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split_whitespace().collect();
        match parts.as_slice() {
            [a, op @ ("<" | "=" | ">"), b] => {
                let want = match *op {
                    "<" => Ordering::Less,
                    "=" => Ordering::Equal,
                    _ => Ordering::Greater,
                };
                check_row(&mut t, a, want, b);
            }
            [a, op, b] => {
                fuzzy += 1;
                if matches(a, op, b) != Some(true) {
                    t.bad.push(format!("{line}: does not hold"));
                }
            }
            [v] => {
                validity += 1;
                let (v, want_valid) = match v.strip_prefix('!') {
                    Some(v) => (v, false),
                    None => (*v, true),
                };
                if validate_v3(v).is_ok() != want_valid {
                    t.bad
                        .push(format!("{line}: validate_v3 gave {:?}", validate_v3(v)));
                }
            }
            _ => panic!("malformed line {line:?}"),
        }
    }
    report(rel, &t, expected_ops);
    assert_eq!((validity, fuzzy), (expected_validity, expected_fuzzy));
    println!("{rel}: validity {validity}/{validity}, fuzzy {fuzzy}/{fuzzy}");
}

#[test]
fn apk_tools_2_14_stable() {
    check_apk_tools("apk-tools/version-2.14-stable.data", 733, 0, 0);
}

#[test]
fn apk_tools_master() {
    check_apk_tools("apk-tools/version-master.data", 738, 31, 16);
}

#[test]
fn osv_scalibr_alpine_versions() {
    check_scalibr("osv-scalibr/alpine-versions.txt", 778);
}

#[test]
fn osv_scalibr_alpine_versions_generated() {
    check_scalibr("osv-scalibr/alpine-versions-generated.txt", 13_979);
}

/// Valid apk versions: numbers, optional letter, suffixes, hash, `-rN`.
fn version() -> impl Strategy<Value = String> {
    "(0|[1-9][0-9]{0,2}|0[0-9]{1,2})(\\.[0-9]{1,3}){0,3}([a-c][0-9]{0,2})?(_(alpha|beta|pre|rc|cvs|svn|git|hg|p)[0-9]{0,2}){0,2}(~[0-9a-f]{1,4})?(-r[0-9]{1,2})?"
}

proptest! {
    #[test]
    fn generated_versions_are_valid(a in version()) {
        prop_assert_eq!(validate(&a), Ok(()));
    }

    #[test]
    fn reflexive(a in version()) {
        prop_assert_eq!(compare(&a, &a), Ok(Ordering::Equal));
    }

    #[test]
    fn antisymmetric(a in version(), b in version()) {
        prop_assert_eq!(compare(&a, &b).unwrap(), compare(&b, &a).unwrap().reverse());
    }

    #[test]
    fn transitive(a in version(), b in version(), c in version()) {
        let mut v = [a, b, c];
        v.sort_by(|x, y| compare(x, y).unwrap());
        prop_assert_ne!(compare(&v[0], &v[1]).unwrap(), Ordering::Greater);
        prop_assert_ne!(compare(&v[1], &v[2]).unwrap(), Ordering::Greater);
        prop_assert_ne!(compare(&v[0], &v[2]).unwrap(), Ordering::Greater);
    }

    /// Any string: never panics; the lenient order stays antisymmetric.
    #[test]
    fn never_panics(a in "\\PC{0,12}", b in "[ -~]{0,12}") {
        prop_assert_eq!(compare_lenient(&a, &b), compare_lenient(&b, &a).reverse());
        let _ = validate(&a);
        if let (Ok(ab), Ok(ba)) = (compare(&a, &b), compare(&b, &a)) {
            prop_assert_eq!(ab, ba.reverse());
        }
    }
}
