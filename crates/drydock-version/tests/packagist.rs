mod common;

use drydock_version::packagist::compare;
use proptest::prelude::*;
use std::cmp::Ordering;

/// Runs every `A OP B` line of an osv-scalibr file; returns the count.
fn run(rel: &str) -> Option<usize> {
    common::run_ops(rel, compare)
}

#[test]
fn osv_scalibr_packagist_versions() {
    match run("osv-scalibr/packagist-versions.txt") {
        Some(n) => eprintln!("packagist-versions.txt: {n}/{n}"),
        None => eprintln!("skipped"),
    }
}

#[test]
fn osv_scalibr_packagist_versions_generated() {
    match run("osv-scalibr/packagist-versions-generated.txt") {
        Some(n) => eprintln!("packagist-versions-generated.txt: {n}/{n}"),
        None => eprintln!("skipped"),
    }
}

/// Packagist-shaped versions. `#` is left out: `version_compare` counts a
/// number as `#`, so `1.1 = 1.# = 1.2` while `1.1 < 1.2` (not transitive,
/// by PHP's design; see the unit tests in `src/packagist.rs`).
fn version() -> impl Strategy<Value = String> {
    "[vV]?[0-9]{1,3}([._+-]?([0-9]{1,2}|dev|alpha|a|beta|b|RC|rc|pl|p|patch|foo|)){0,5}"
}

proptest! {
    #[test]
    fn reflexive(a in version()) {
        prop_assert_eq!(compare(&a, &a).unwrap(), Ordering::Equal);
    }

    #[test]
    fn antisymmetric(a in version(), b in version()) {
        prop_assert_eq!(compare(&a, &b).unwrap(), compare(&b, &a).unwrap().reverse());
    }

    #[test]
    fn transitive(a in version(), b in version(), c in version()) {
        let ab = compare(&a, &b).unwrap();
        let bc = compare(&b, &c).unwrap();
        let ac = compare(&a, &c).unwrap();
        if ab != Ordering::Greater && bc != Ordering::Greater {
            prop_assert_ne!(ac, Ordering::Greater);
        }
        if ab == Ordering::Equal && bc == Ordering::Equal {
            prop_assert_eq!(ac, Ordering::Equal);
        }
        if ab == Ordering::Less && bc != Ordering::Greater {
            prop_assert_eq!(ac, Ordering::Less);
        }
    }

    #[test]
    fn any_input_never_panics(a in "\\PC{0,24}", b in ".{0,24}") {
        let _ = compare(&a, &b);
        let _ = compare(&b, &a);
    }
}
