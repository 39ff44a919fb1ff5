//! `drydock db`: import of the real OSV records, status, and update from a
//! local HTTP server started by the test (resume after a cut connection; a
//! failed update keeps the old database). Nothing here needs the internet.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use drydock_testkit::http::{HttpServer, Routes};
use serde_json::Value;

fn osv_dir() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/osv");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipped: {} not found", p.display());
        None
    }
}

fn db(args: &[&str]) -> (Option<i32>, String, String) {
    let o = Command::cargo_bin("drydock")
        .unwrap()
        .arg("db")
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    )
}

/// A zip of the named records of the shared OSV directory.
fn zip_of(dir: &Path, names: &[&str]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for n in names {
        w.start_file(*n, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(&std::fs::read(dir.join(n)).unwrap()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn status(path: &str) -> Value {
    let (code, out, err) = db(&["--db", path, "status", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn import_then_status() {
    let Some(osv) = osv_dir() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("osv.db");
    let p = path.to_str().unwrap();

    let (code, _, err) = db(&["--db", p, "status"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("drydock db update"), "{err}");

    let (code, out, err) = db(&["--db", p, "import", osv.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("9 new"), "{out}");
    let st = status(p);
    assert_eq!(st["records"], 9);
    assert_eq!(st["ecosystems"]["Debian:7"], 1);
    assert_eq!(st["ecosystems"]["Alpine:v3.15"], 1);
    assert!(st["age_seconds"].as_u64().unwrap() < 600);

    // Not OSV at all: an error naming the file, the database unchanged.
    let bad = tmp.path().join("broken.zip");
    std::fs::write(&bad, b"PK\x03\x04 not really a zip").unwrap();
    let (code, _, err) = db(&["--db", p, "import", bad.to_str().unwrap()]);
    assert_ne!(code, Some(0));
    assert!(err.contains("broken.zip"), "{err}");
    assert_eq!(status(p)["records"], 9);
}

#[test]
fn update_from_a_local_server_resumes_and_fails_safely() {
    let Some(osv) = osv_dir() else {
        return;
    };
    let pypi = zip_of(&osv, &["PYSEC-2023-74.json", "GHSA-9v2f-6vcg-3hgv.json"]);
    let npm = zip_of(&osv, &["GHSA-r9p9-mrjm-926w.json"]);
    let server = HttpServer::start(Routes {
        files: BTreeMap::from([
            ("/osv/PyPI/all.zip".to_string(), pypi.clone()),
            ("/osv/npm/all.zip".to_string(), npm),
        ]),
        redirects: BTreeMap::new(),
        cut_first_after: Some(pypi.len() / 2),
    });
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("osv.db");
    let p = path.to_str().unwrap();
    let base = server.url("/osv");
    let args = |extra: &[&str]| {
        let mut v = vec![
            "--db",
            p,
            "update",
            "--base-url",
            base.as_str(),
            "--ecosystem",
            "PyPI",
            "--ecosystem",
            "npm",
        ];
        v.extend_from_slice(extra);
        v.into_iter().map(str::to_string).collect::<Vec<_>>()
    };
    let run = |a: Vec<String>| {
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        db(&refs)
    };

    // The first PyPI download is cut: nothing is imported, no database.
    let (code, _, err) = run(args(&[]));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("run again to resume"), "{err}");
    assert!(!path.exists());

    // Again: PyPI resumes where it stopped, both import.
    let (code, out, err) = run(args(&[]));
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("resumed at"), "{out}");
    let st = status(p);
    assert_eq!(st["records"], 3);
    assert_eq!(st["ecosystems"]["npm"], 1);

    // A source that is gone: the update fails, the database is unchanged.
    let (code, _, err) = run(args(&["--ecosystem", "Go"]));
    assert_eq!(code, Some(2));
    assert!(err.contains("Go") && err.contains("404"), "{err}");
    assert_eq!(status(p)["records"], 3);

    let log = server.log.lock().unwrap().clone();
    assert!(
        log.iter()
            .any(|l| l.starts_with("GET /osv/PyPI/all.zip bytes=")),
        "{log:?}"
    );
}

/// With no `--ecosystem`, `update` fetches what scans recorded beside the
/// database (`<db>.ecosystems`), and only that.
#[test]
fn update_fetches_the_ecosystems_scans_needed() {
    let Some(osv) = osv_dir() else {
        return;
    };
    let server = HttpServer::start(Routes {
        files: BTreeMap::from([
            (
                "/osv/PyPI/all.zip".to_string(),
                zip_of(&osv, &["PYSEC-2023-74.json"]),
            ),
            (
                "/osv/npm/all.zip".to_string(),
                zip_of(&osv, &["GHSA-r9p9-mrjm-926w.json"]),
            ),
        ]),
        redirects: BTreeMap::new(),
        cut_first_after: None,
    });
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("osv.db");
    std::fs::write(tmp.path().join("osv.db.ecosystems"), "PyPI\n").unwrap();
    let base = server.url("/osv");
    let (code, _, err) = db(&[
        "--db",
        path.to_str().unwrap(),
        "update",
        "--base-url",
        base.as_str(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    let st = status(path.to_str().unwrap());
    assert_eq!(st["records"], 1, "{st}");
    let log = server.log.lock().unwrap().clone();
    assert!(log.iter().all(|l| !l.contains("/npm/")), "{log:?}");
}
