//! `parse` never panics, whatever the bytes, for every kind of path the
//! catalogue recognises; `wants` and `finish` neither.

use drydock_catalog::{EXAMPLE_PATHS as PATHS, FileRef, finish, parse, wants};
use proptest::prelude::*;

/// Inputs that start like the real formats, so mutations reach deep code.
fn seeded() -> impl Strategy<Value = Vec<u8>> {
    let prefixes: Vec<Vec<u8>> = vec![
        b"\x7fELF\x02\x01\x01\0".to_vec(),
        b"PK\x03\x04".to_vec(),
        b"SQLite format 3\0".to_vec(),
        b"Package: a\nVersion: 1\n".to_vec(),
        b"P:a\nV:1\n".to_vec(),
        b"{\"packages\":".to_vec(),
        Vec::new(),
    ];
    (
        proptest::sample::select(prefixes),
        proptest::collection::vec(any::<u8>(), 0..2048),
    )
        .prop_map(|(mut p, rest)| {
            p.extend(rest);
            p
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_never_panics(path in proptest::sample::select(PATHS), data in seeded()) {
        let _ = wants(path, data.len() as u64, 0o100755);
        if let Ok(facts) = parse(path, &data) {
            let _ = finish(facts.into_iter().map(|f| (FileRef { path: path.to_string(), layer: Some(0) }, f)).collect());
        }
    }

    #[test]
    fn truncated_real_rpmdb_never_panics(cut in 0usize..217_088, flip in any::<(usize, u8)>()) {
        let mut bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/rpmdb.sqlite")).unwrap_or_default();
        if !bytes.is_empty() {
            let i = flip.0 % bytes.len();
            bytes[i] ^= flip.1;
        }
        bytes.truncate(cut);
        let _ = parse("/var/lib/rpm/rpmdb.sqlite", &bytes);
    }
}
