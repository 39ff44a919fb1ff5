//! The on-disk database: import of the real OSV records (directory, single
//! files, a zip), lookups, skipped input, atomicity, schema and lock.
#![allow(clippy::unwrap_used)]

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use drydock_vulndb::store::{self, Db, SkipReason, StoreError, import, lock_path};

const OSV: &str = "/work/shared/testdata/osv";

fn osv_dir() -> PathBuf {
    // The work tree sits beside shared/; fall back to the absolute path.
    let rel = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/osv");
    if rel.is_dir() {
        rel
    } else {
        PathBuf::from(OSV)
    }
}

fn real(name: &str) -> PathBuf {
    osv_dir().join(name)
}

fn quiet(_: store::ImportProgress) {}

fn ids(records: &[drydock_vulndb::osv::Record]) -> Vec<&str> {
    records.iter().map(|r| r.id.as_str()).collect()
}

/// A zip holding `entries` (name, bytes), written with the `zip` crate.
fn make_zip(path: &Path, entries: &[(&str, Vec<u8>)]) {
    let mut z = zip::ZipWriter::new(File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        z.start_file(*name, opts).unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap();
}

fn real_records() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in fs::read_dir(osv_dir()).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            out.push((name, fs::read(&p).unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn imports_the_real_directory_and_finds_records() {
    let tmp = tempfile::tempdir().unwrap();
    let db_path = tmp.path().join("cache/drydock/osv.db");
    let seen = std::cell::RefCell::new(Vec::new());
    let report = import(&db_path, &[osv_dir()], &|p| seen.borrow_mut().push(p)).unwrap();
    assert_eq!(report.read, 9, "{report:?}");
    assert_eq!(report.inserted, 9, "{report:?}");
    assert_eq!(report.skipped_total(), 0, "{report:?}");
    assert_eq!(report.records, 9);
    // Progress: a start and an end for the one input.
    let seen = seen.into_inner();
    assert_eq!(seen.first().unwrap().done, 0);
    assert_eq!(seen.last().unwrap().done, 9);
    assert_eq!(seen.last().unwrap().total, Some(9));
    // The lock file stays; the temporary copy is gone.
    assert!(lock_path(&db_path).exists());
    assert!(!tmp.path().join("cache/drydock/osv.db.tmp").exists());

    let db = Db::open(&db_path).unwrap();
    assert_eq!(
        ids(&db.lookup("Debian:7", "nginx").unwrap()),
        ["DSA-3029-1"]
    );
    assert_eq!(
        ids(&db.lookup("Alpine:v3.15", "mariadb").unwrap()),
        ["CVE-2022-27449"]
    );
    // Exact ecosystem strings: another branch or no branch finds nothing.
    assert!(db.lookup("Alpine:v3.17", "mariadb").unwrap().is_empty());
    assert!(db.lookup("Alpine", "mariadb").unwrap().is_empty());
    assert_eq!(
        ids(&db.lookup("Alpine:v3.8", "openssl").unwrap()),
        ["CVE-2018-5407"]
    );
    // PyPI names are PEP 503 normalised on both sides.
    assert_eq!(
        ids(&db.lookup("PyPI", "Requests").unwrap()),
        ["PYSEC-2023-74"]
    );
    assert_eq!(
        ids(&db.lookup("PyPI", "REQUESTS").unwrap()),
        ["PYSEC-2023-74"]
    );
    // Other ecosystems are case-sensitive, as OSV names are.
    assert_eq!(
        ids(&db.lookup("npm", "elliptic").unwrap()),
        ["GHSA-r9p9-mrjm-926w"]
    );
    assert!(db.lookup("npm", "Elliptic").unwrap().is_empty());
    assert_eq!(
        ids(&db.lookup("Ubuntu:Pro:14.04:LTS", "linux").unwrap()),
        ["UBUNTU-CVE-2025-38094"]
    );
    // By id and by alias; Ubuntu's CVE is only in `upstream`.
    assert_eq!(ids(&db.by_id("DSA-3029-1").unwrap()), ["DSA-3029-1"]);
    assert_eq!(ids(&db.by_id("CVE-2014-3616").unwrap()), ["DSA-3029-1"]);
    assert_eq!(
        ids(&db.by_id("CVE-2025-38094").unwrap()),
        ["UBUNTU-CVE-2025-38094"]
    );
    assert!(db.by_id("CVE-0000-0000").unwrap().is_empty());
    // The stored JSON is the input, byte for byte.
    assert_eq!(
        db.raw("DSA-3029-1").unwrap().unwrap(),
        fs::read(real("DSA-3029-1.json")).unwrap()
    );

    let st = db.status().unwrap();
    assert_eq!(st.schema, store::SCHEMA);
    assert_eq!(st.records, 9);
    assert_eq!(st.withdrawn, 0);
    assert_eq!(st.per_ecosystem.get("Debian:7"), Some(&1));
    assert_eq!(st.per_ecosystem.get("Alpine:v3.15"), Some(&1));
    assert_eq!(st.per_ecosystem.get("Ubuntu:Pro:14.04:LTS"), Some(&1));
    assert_eq!(st.per_ecosystem.get("PyPI"), Some(&2));
    assert_eq!(st.sources.len(), 1);
    assert_eq!(st.sources[0].records, 9);
    assert!(st.sources[0].path.ends_with("osv"));
    assert!(st.built_at > 1_700_000_000);
    assert!(st.size_bytes > 0);
}

#[test]
fn single_files_and_a_zip_import_alike() {
    let tmp = tempfile::tempdir().unwrap();
    let zip_path = tmp.path().join("all.zip");
    let entries = real_records();
    let refs: Vec<(&str, Vec<u8>)> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.clone()))
        .collect();
    make_zip(&zip_path, &refs);

    let from_zip = tmp.path().join("zip.db");
    let r = import(&from_zip, &[zip_path], &quiet).unwrap();
    assert_eq!((r.read, r.inserted), (9, 9));

    let from_files = tmp.path().join("files.db");
    let files = [real("DSA-3029-1.json"), real("PYSEC-2023-74.json")];
    let r = import(&from_files, &files, &quiet).unwrap();
    assert_eq!((r.read, r.inserted), (2, 2));

    let z = Db::open(&from_zip).unwrap();
    let f = Db::open(&from_files).unwrap();
    for db in [&z, &f] {
        assert_eq!(
            ids(&db.lookup("Debian:7", "nginx").unwrap()),
            ["DSA-3029-1"]
        );
        assert_eq!(
            ids(&db.lookup("PyPI", "requests").unwrap()),
            ["PYSEC-2023-74"]
        );
        assert_eq!(ids(&db.by_id("CVE-2014-3616").unwrap()), ["DSA-3029-1"]);
    }
    assert_eq!(z.status().unwrap().records, 9);
    assert_eq!(f.status().unwrap().records, 2);
    assert_eq!(f.status().unwrap().sources.len(), 2);
}

#[test]
fn bad_records_are_skipped_and_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let zip_path = tmp.path().join("all.zip");
    make_zip(
        &zip_path,
        &[
            ("DSA-3029-1.json", fs::read(real("DSA-3029-1.json")).unwrap()),
            (
                "UNKNOWN-1.json",
                br#"{"id":"UNK-1","affected":[{"package":{"ecosystem":"Hackage","name":"aeson"}}]}"#
                    .to_vec(),
            ),
            (
                "UNKNOWN-2.json",
                br#"{"id":"UNK-2","affected":[{"package":{"ecosystem":"Hackage","name":"text"}}]}"#
                    .to_vec(),
            ),
            ("not-osv.json", br#"{"hello": "world"}"#.to_vec()),
            ("not-json.json", b"\x00\x01 garbage".to_vec()),
            ("README.txt", b"not a record, not a .json".to_vec()),
        ],
    );
    let db_path = tmp.path().join("osv.db");
    let r = import(&db_path, &[zip_path], &quiet).unwrap();
    assert_eq!(r.inserted, 1, "{r:?}");
    assert_eq!(r.read, 5, "{r:?}");
    assert_eq!(r.skipped.get(&SkipReason::UnsupportedEcosystem), Some(&2));
    assert_eq!(r.skipped.get(&SkipReason::NotOsv), Some(&1));
    assert_eq!(r.skipped.get(&SkipReason::NotJson), Some(&1));
    assert_eq!(r.unsupported_ecosystems.get("Hackage"), Some(&2));
    assert_eq!(r.problems.len(), 4);
    assert!(
        r.problems
            .iter()
            .any(|(e, _)| e.ends_with("all.zip!not-osv.json"))
    );
    let db = Db::open(&db_path).unwrap();
    assert_eq!(db.status().unwrap().records, 1);
    assert!(db.by_id("UNK-1").unwrap().is_empty());
}

#[test]
fn corrupt_zip_fails_naming_it_and_keeps_the_old_database() {
    let tmp = tempfile::tempdir().unwrap();
    let db_path = tmp.path().join("osv.db");
    import(&db_path, &[real("DSA-3029-1.json")], &quiet).unwrap();
    let before = fs::read(&db_path).unwrap();

    // Not a zip at all (but named like one), after a valid input.
    let bad = tmp.path().join("broken-all.zip");
    fs::write(&bad, b"PK\x03\x04 this is not really a zip").unwrap();
    let err = import(&db_path, &[real("PYSEC-2023-74.json"), bad.clone()], &quiet).unwrap_err();
    assert!(matches!(err, StoreError::CorruptZip { .. }), "{err:?}");
    assert!(err.to_string().contains("broken-all.zip"), "{err}");

    // A zip whose directory reads but whose data is damaged: the error
    // comes in the middle of the import.
    let good = tmp.path().join("good.zip");
    let entries = real_records();
    let refs: Vec<(&str, Vec<u8>)> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.clone()))
        .collect();
    make_zip(&good, &refs);
    let mut bytes = fs::read(&good).unwrap();
    // Damage the compressed data of the last entries (before the central
    // directory, which starts well after the first half).
    let at = bytes.len() / 2;
    for b in &mut bytes[at..at + 64] {
        *b ^= 0x5a;
    }
    let damaged = tmp.path().join("damaged.zip");
    fs::write(&damaged, &bytes).unwrap();
    let err = import(&db_path, &[damaged], &quiet).unwrap_err();
    assert!(err.to_string().contains("damaged.zip"), "{err}");

    // The old database is untouched, opens, and has only its old content.
    assert_eq!(fs::read(&db_path).unwrap(), before);
    assert!(!tmp.path().join("osv.db.tmp").exists());
    let db = Db::open(&db_path).unwrap();
    assert_eq!(db.status().unwrap().records, 1);
    assert!(db.lookup("PyPI", "requests").unwrap().is_empty());
    assert_eq!(
        ids(&db.lookup("Debian:7", "nginx").unwrap()),
        ["DSA-3029-1"]
    );
}

#[test]
fn newer_schema_is_refused_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let db_path = tmp.path().join("osv.db");
    import(&db_path, &[real("DSA-3029-1.json")], &quiet).unwrap();
    {
        let c = rusqlite::Connection::open(&db_path).unwrap();
        c.pragma_update(None, "user_version", store::SCHEMA + 1)
            .unwrap();
    }
    let err = Db::open(&db_path).unwrap_err();
    let want = format!(
        "written by a newer drydock (schema {}, this one reads {})",
        store::SCHEMA + 1,
        store::SCHEMA
    );
    assert!(err.to_string().contains(&want), "{err}");
    assert!(err.to_string().contains("osv.db"), "{err}");
    // An import refuses to overwrite it too.
    let err = import(&db_path, &[real("PYSEC-2023-74.json")], &quiet).unwrap_err();
    assert!(matches!(err, StoreError::NewerSchema { .. }), "{err:?}");
}

#[test]
fn missing_and_foreign_files_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("none.db");
    let err = Db::open(&missing).unwrap_err();
    assert!(matches!(err, StoreError::Missing { .. }), "{err:?}");
    assert!(err.to_string().contains("drydock db import"), "{err}");

    let foreign = tmp.path().join("foreign.db");
    fs::write(
        &foreign,
        b"hello, not sqlite at all, padded to look like a page ........",
    )
    .unwrap();
    let err = Db::open(&foreign).unwrap_err();
    assert!(matches!(err, StoreError::NotADatabase { .. }), "{err:?}");

    let other_sqlite = tmp.path().join("other.db");
    rusqlite::Connection::open(&other_sqlite)
        .unwrap()
        .execute_batch("CREATE TABLE t(x)")
        .unwrap();
    let err = Db::open(&other_sqlite).unwrap_err();
    assert!(matches!(err, StoreError::NotADatabase { .. }), "{err:?}");
}

#[test]
fn a_held_lock_blocks_a_concurrent_import() {
    let tmp = tempfile::tempdir().unwrap();
    let db_path = tmp.path().join("osv.db");
    import(&db_path, &[real("DSA-3029-1.json")], &quiet).unwrap();
    // Another importer (here: this test) holds the lock.
    let holder = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path(&db_path))
        .unwrap();
    holder.lock().unwrap();
    let err = import(&db_path, &[real("PYSEC-2023-74.json")], &quiet).unwrap_err();
    assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
    assert!(err.to_string().contains("osv.db.lock"), "{err}");
    // Readers are not blocked: the file is always complete.
    assert_eq!(Db::open(&db_path).unwrap().status().unwrap().records, 1);
    holder.unlock().unwrap();
    let r = import(&db_path, &[real("PYSEC-2023-74.json")], &quiet).unwrap();
    assert_eq!(r.records, 2);
}

fn with_modified(bytes: &[u8], modified: &str, summary: &str) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    v["modified"] = serde_json::Value::String(modified.into());
    v["summary"] = serde_json::Value::String(summary.into());
    serde_json::to_vec(&v).unwrap()
}

#[test]
fn newer_modified_replaces_older_is_kept_out() {
    let tmp = tempfile::tempdir().unwrap();
    let db_path = tmp.path().join("osv.db");
    let orig = fs::read(real("GHSA-r9p9-mrjm-926w.json")).unwrap();
    let write = |name: &str, modified: &str, summary: &str| {
        let p = tmp.path().join(name);
        fs::write(&p, with_modified(&orig, modified, summary)).unwrap();
        p
    };
    let v1 = write("v1.json", "2021-01-01T00:00:00Z", "first");
    let r = import(&db_path, &[v1], &quiet).unwrap();
    assert_eq!(r.inserted, 1);

    // Newer (fractional seconds and an offset still compare as times).
    let v2 = write("v2.json", "2021-01-01T01:00:00.5+01:00", "second");
    let r = import(&db_path, &[v2], &quiet).unwrap();
    assert_eq!((r.inserted, r.replaced), (0, 1), "{r:?}");
    let db = Db::open(&db_path).unwrap();
    let got = db.lookup("npm", "elliptic").unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].summary.as_deref(), Some("second"));
    drop(db);

    // Older: left out.
    let v0 = write("v0.json", "2020-06-01T00:00:00Z", "older");
    let r = import(&db_path, &[v0], &quiet).unwrap();
    assert_eq!((r.replaced, r.kept_newer), (0, 1), "{r:?}");
    // Equal: replaces.
    let v2b = write("v2b.json", "2021-01-01T00:00:00.5Z", "same time");
    let r = import(&db_path, &[v2b], &quiet).unwrap();
    assert_eq!(r.replaced, 1, "{r:?}");
    let db = Db::open(&db_path).unwrap();
    assert_eq!(
        db.by_id("GHSA-r9p9-mrjm-926w").unwrap()[0]
            .summary
            .as_deref(),
        Some("same time")
    );
    assert_eq!(db.status().unwrap().records, 1);
}

#[test]
fn withdrawn_records_are_stored_and_flagged() {
    let tmp = tempfile::tempdir().unwrap();
    let db_path = tmp.path().join("osv.db");
    let mut v: serde_json::Value =
        serde_json::from_slice(&fs::read(real("GO-2020-0001.json")).unwrap()).unwrap();
    v["withdrawn"] = serde_json::Value::String("2024-01-01T00:00:00Z".into());
    let p = tmp.path().join("withdrawn.json");
    fs::write(&p, serde_json::to_vec(&v).unwrap()).unwrap();
    import(&db_path, &[p, real("DSA-3029-1.json")], &quiet).unwrap();
    let db = Db::open(&db_path).unwrap();
    let st = db.status().unwrap();
    assert_eq!((st.records, st.withdrawn), (2, 1));
    let got = db.by_id("GO-2020-0001").unwrap();
    assert_eq!(got.len(), 1);
    assert!(got[0].withdrawn.is_some());
}

#[test]
fn an_open_reader_survives_a_reimport() {
    let tmp = tempfile::tempdir().unwrap();
    let db_path = tmp.path().join("osv.db");
    import(&db_path, &[real("DSA-3029-1.json")], &quiet).unwrap();
    let old = Db::open(&db_path).unwrap();
    import(&db_path, &[real("PYSEC-2023-74.json")], &quiet).unwrap();
    // The reader keeps its snapshot; a new one sees both.
    assert_eq!(old.status().unwrap().records, 1);
    assert_eq!(
        ids(&old.lookup("Debian:7", "nginx").unwrap()),
        ["DSA-3029-1"]
    );
    assert_eq!(Db::open(&db_path).unwrap().status().unwrap().records, 2);
}

#[test]
fn older_schema_is_named_and_rebuilt_by_an_import() {
    let tmp = tempfile::tempdir().unwrap();
    let db_path = tmp.path().join("osv.db");
    import(&db_path, &[real("DSA-3029-1.json")], &quiet).unwrap();
    {
        let c = rusqlite::Connection::open(&db_path).unwrap();
        c.pragma_update(None, "user_version", store::SCHEMA - 1)
            .unwrap();
    }
    let err = Db::open(&db_path).unwrap_err();
    assert!(matches!(err, StoreError::OlderSchema { .. }), "{err:?}");
    assert!(err.to_string().contains("older drydock"), "{err}");
    let r = import(&db_path, &[real("PYSEC-2023-74.json")], &quiet).unwrap();
    assert_eq!(r.replaced_older_schema, Some(store::SCHEMA - 1));
    let db = Db::open(&db_path).unwrap();
    // Only this import's records: the old ones could not be read.
    assert_eq!(db.status().unwrap().records, 1);
    assert!(db.index("PyPI", "requests").unwrap().is_some());
    assert!(db.index("Debian:7", "nginx").unwrap().is_none());
}

/// The per-package match index follows every import: records added by a
/// later import join a package's index, and a replaced record that no
/// longer names a package leaves it.
#[test]
fn the_match_index_follows_imports_and_replacements() {
    use drydock_version::Scheme;
    use drydock_vulndb::index;
    let tmp = tempfile::tempdir().unwrap();
    let db_path = tmp.path().join("osv.db");
    let orig = fs::read(real("GHSA-r9p9-mrjm-926w.json")).unwrap();
    let a = tmp.path().join("a.json");
    fs::write(&a, with_modified(&orig, "2021-01-01T00:00:00Z", "first")).unwrap();
    import(&db_path, &[a], &quiet).unwrap();
    // A second record for the same package, in a later import.
    let mut other: serde_json::Value = serde_json::from_slice(&orig).unwrap();
    other["id"] = "GHSA-test-0000-0000".into();
    other["aliases"] = serde_json::json!([]);
    let b = tmp.path().join("b.json");
    fs::write(&b, serde_json::to_vec(&other).unwrap()).unwrap();
    import(&db_path, &[b], &quiet).unwrap();
    let ids_at = |db: &Db, name: &str, v: &str| -> Vec<String> {
        db.index("npm", name)
            .unwrap()
            .map(|blob| {
                index::judge(&blob, Scheme::Semver, v)
                    .unwrap()
                    .hits
                    .into_iter()
                    .map(|h| h.meta.id)
                    .collect()
            })
            .unwrap_or_default()
    };
    let db = Db::open(&db_path).unwrap();
    assert_eq!(
        ids_at(&db, "elliptic", "6.5.3"),
        ["GHSA-r9p9-mrjm-926w", "GHSA-test-0000-0000"]
    );
    assert!(ids_at(&db, "elliptic", "6.5.4").is_empty());
    drop(db);
    // The first record, replaced by a version naming another package.
    let mut moved: serde_json::Value =
        serde_json::from_slice(&with_modified(&orig, "2022-01-01T00:00:00Z", "moved")).unwrap();
    moved["affected"][0]["package"]["name"] = "elliptic-fork".into();
    let c = tmp.path().join("c.json");
    fs::write(&c, serde_json::to_vec(&moved).unwrap()).unwrap();
    let r = import(&db_path, &[c], &quiet).unwrap();
    assert_eq!(r.replaced, 1, "{r:?}");
    let db = Db::open(&db_path).unwrap();
    assert_eq!(ids_at(&db, "elliptic", "6.5.3"), ["GHSA-test-0000-0000"]);
    assert_eq!(
        ids_at(&db, "elliptic-fork", "6.5.3"),
        ["GHSA-r9p9-mrjm-926w"]
    );
}

/// Matching through the store (its indexes read on several connections
/// when there are many packages) gives the same report as the in-memory
/// database built from the same records.
#[test]
fn the_store_matches_as_the_memory_database_does() {
    use drydock_vulndb::matcher::{MemoryDb, Query, match_queries};
    use drydock_vulndb::osv::Record;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("records");
    fs::create_dir_all(&dir).unwrap();
    let mut records = Vec::new();
    for i in 0..400 {
        let json = serde_json::json!({
            "id": format!("TEST-{i:04}"),
            "modified": "2024-01-01T00:00:00Z",
            "aliases": [format!("CVE-2024-{i:05}")],
            "summary": format!("flaw {i}"),
            "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
            "affected": [{
                "package": {"ecosystem": "npm", "name": format!("pkg-{}", i % 300)},
                "ranges": [{"type": "SEMVER", "events": [
                    {"introduced": "0"}, {"fixed": format!("1.{}.0", i % 7)}
                ]}],
                "versions": ["0.0.1-weird+x"]
            }]
        });
        let bytes = serde_json::to_vec(&json).unwrap();
        records.push(Record::parse(&bytes).unwrap());
        fs::write(dir.join(format!("{i}.json")), bytes).unwrap();
    }
    let db_path = tmp.path().join("osv.db");
    import(&db_path, &[dir], &quiet).unwrap();
    let db = Db::open(&db_path).unwrap();
    let mem: MemoryDb = records.into_iter().collect();
    let queries: Vec<Vec<Query>> = (0..320)
        .map(|i| {
            vec![Query {
                ecosystem: "npm".into(),
                name: format!("pkg-{i}"),
                version: format!("1.{}.0", i % 5),
            }]
        })
        .collect();
    let from_store = match_queries(&db, &queries);
    let from_memory = match_queries(&mem, &queries);
    assert!(
        from_store.matches.len() > 100,
        "{}",
        from_store.matches.len()
    );
    assert!(from_store.lookup_errors.is_empty(), "{from_store:?}");
    assert_eq!(from_store, from_memory);
}
