//! Version comparison: for every scheme, `compare` never panics on any two
//! strings, a version that parses equals itself, and comparing the other
//! way round gives the reverse order. The first byte picks the scheme; the
//! rest is two versions separated by a NUL byte.
#![no_main]

use std::cmp::Ordering;

use drydock_version::Scheme;
use libfuzzer_sys::fuzz_target;

const SCHEMES: [Scheme; 10] = [
    Scheme::Dpkg,
    Scheme::Apk,
    Scheme::Rpm,
    Scheme::Pep440,
    Scheme::Semver,
    Scheme::Go,
    Scheme::Maven,
    Scheme::RubyGems,
    Scheme::Packagist,
    Scheme::NuGet,
];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let scheme = SCHEMES[usize::from(sel) % SCHEMES.len()];
    let text = String::from_utf8_lossy(rest);
    let (a, b) = text.split_once('\0').unwrap_or((&text, "1.0"));
    for v in [a, b] {
        if scheme.compare(v, v).is_ok() {
            assert_eq!(
                scheme.compare(v, v),
                Ok(Ordering::Equal),
                "{scheme:?} {v:?}"
            );
        }
    }
    match (scheme.compare(a, b), scheme.compare(b, a)) {
        (Ok(x), Ok(y)) => assert_eq!(x, y.reverse(), "{scheme:?} {a:?} {b:?}"),
        (Err(_), Err(_)) => {}
        (x, y) => panic!("{scheme:?} {a:?} {b:?}: one way {x:?}, the other {y:?}"),
    }
});
