//! Hostile and broken inputs: no panic, no hang, no unbounded memory; a
//! clear error naming the file and the position; the rest of the scan
//! completes; exit code 2 only where an input could not be read at all.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use assert_cmd::Command;

fn scan(dir: &Path, extra: &[&str]) -> Output {
    Command::cargo_bin("drydock")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(["scan", "--no-config", "--format", "json"])
        .args(extra)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap()
}

fn json(o: &Output) -> serde_json::Value {
    assert!(
        o.status.code().is_some(),
        "drydock was killed (timeout or signal): {o:?}"
    );
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

fn errors(v: &serde_json::Value) -> Vec<(String, Option<u64>, String)> {
    v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap().to_string(),
                e["line"].as_u64(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A well-formed file beside the bad ones, to prove the scan goes on.
fn with_good_file(dir: &Path) {
    std::fs::write(dir.join("good.Dockerfile"), "FROM alpine:latest\n").unwrap();
}

fn good_file_scanned(v: &serde_json::Value) -> bool {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["path"] == "good.Dockerfile" && f["rule"] == "IMG004")
}

#[test]
fn truncated_corpus_files() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if !corpus.is_dir() {
        eprintln!("skipped: {} not found", corpus.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Deterministic pseudo-random cut points (xorshift), several per file.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut n = 0;
    for sub in ["dockerfiles", "compose"] {
        for entry in walk(&corpus.join(sub)) {
            let bytes = std::fs::read(&entry).unwrap();
            for _ in 0..3 {
                let cut = (next() as usize) % (bytes.len() + 1);
                n += 1;
                let name = if sub == "dockerfiles" {
                    format!("t{n}.Dockerfile")
                } else {
                    format!("compose.t{n}.yaml")
                };
                std::fs::write(dir.path().join(name), &bytes[..cut]).unwrap();
            }
        }
    }
    let o = scan(dir.path(), &[]);
    let v = json(&o);
    // Cutting inside a multi-byte character makes invalid UTF-8: those files
    // are reported as unreadable with a position; everything else is scanned.
    for (path, line, message) in errors(&v) {
        assert!(
            message.contains("UTF-8") && line.is_some(),
            "{path}: {message}"
        );
    }
    let scanned = v["summary"]["files_scanned"].as_u64().unwrap();
    assert!(
        scanned as usize + errors(&v).len() >= n,
        "{scanned} scanned of {n}"
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn invalid_utf8_is_an_error_with_position() {
    let dir = tempfile::tempdir().unwrap();
    with_good_file(dir.path());
    std::fs::write(
        dir.path().join("Dockerfile"),
        b"FROM alpine:3.20\nRUN echo \xff\xfe\n",
    )
    .unwrap();
    let o = scan(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    let v = json(&o);
    let errs = errors(&v);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].0, "Dockerfile");
    assert_eq!(errs[0].1, Some(2));
    assert_eq!(v["errors"][0]["column"], 10);
    assert!(errs[0].2.contains("UTF-8"));
    assert!(good_file_scanned(&v));
}

#[test]
fn huge_file_is_refused_not_read() {
    let dir = tempfile::tempdir().unwrap();
    with_good_file(dir.path());
    let mut big = b"FROM alpine:3.20\n".to_vec();
    big.resize(50 * 1024 * 1024, b'#');
    std::fs::write(dir.path().join("Dockerfile"), &big).unwrap();
    let o = scan(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    let v = json(&o);
    let errs = errors(&v);
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].0 == "Dockerfile" && errs[0].2.contains("limit"),
        "{errs:?}"
    );
    assert!(good_file_scanned(&v));
}

#[test]
fn yaml_alias_bomb() {
    let dir = tempfile::tempdir().unwrap();
    with_good_file(dir.path());
    let mut bomb = String::from(
        "x-a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for w in names.windows(2) {
        let refs = vec![format!("*{}", w[0]); 9].join(",");
        bomb.push_str(&format!("x-{}: &{} [{refs}]\n", w[1], w[1]));
    }
    bomb.push_str("services:\n  web:\n    image: nginx:1.27\n    labels: *i\n");
    std::fs::write(dir.path().join("compose.yaml"), bomb).unwrap();
    let o = scan(dir.path(), &[]);
    let v = json(&o);
    // The file was readable: the problem is a finding of the Compose syntax rule, with a position.
    assert_eq!(o.status.code(), Some(1));
    let syn: Vec<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "SYN002")
        .collect();
    assert!(!syn.is_empty(), "{v}");
    assert!(
        syn[0]["message"].as_str().unwrap().contains("alias"),
        "{}",
        syn[0]["message"]
    );
    assert!(syn[0]["line"].as_u64().is_some());
    assert!(good_file_scanned(&v));
}

#[test]
fn deeply_nested_json_and_yaml() {
    let dir = tempfile::tempdir().unwrap();
    with_good_file(dir.path());
    std::fs::write(dir.path().join("daemon.json"), "[".repeat(10_000)).unwrap();
    let mut yaml = String::from("services: ");
    yaml.push_str(&"[".repeat(10_000));
    std::fs::write(dir.path().join("compose.yaml"), yaml).unwrap();
    let mut nested = String::from("services:\n");
    // 3,000 levels of block mappings (the indentation grows with depth, so
    // 10,000 would exceed drydock's file size limit).
    for i in 0..3_000 {
        nested.push_str(&" ".repeat(i + 2));
        nested.push_str("a:\n");
    }
    std::fs::write(dir.path().join("docker-compose.yml"), nested).unwrap();
    let o = scan(dir.path(), &[]);
    let v = json(&o);
    assert_eq!(o.status.code(), Some(1));
    for (rule, path) in [
        ("SYN003", "daemon.json"),
        ("SYN002", "compose.yaml"),
        ("SYN002", "docker-compose.yml"),
    ] {
        assert!(
            v["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["rule"] == rule && f["path"] == path),
            "no {rule} for {path}"
        );
    }
    assert!(good_file_scanned(&v));
}

#[cfg(unix)]
#[test]
fn directory_symlink_loop() {
    let dir = tempfile::tempdir().unwrap();
    with_good_file(dir.path());
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::os::unix::fs::symlink("..", dir.path().join("sub/loop")).unwrap();
    let o = scan(dir.path(), &[]);
    let v = json(&o);
    let errs = errors(&v);
    assert!(
        errs.iter()
            .any(|(p, _, m)| p.contains("loop") && m.contains("loop")),
        "{errs:?}"
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(good_file_scanned(&v));
    assert_eq!(v["summary"]["files_scanned"], 1);
}

#[cfg(unix)]
#[test]
fn unreadable_files() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    with_good_file(dir.path());
    // A dangling symlink cannot be read by anyone, root included.
    std::os::unix::fs::symlink("/nonexistent/drydock", dir.path().join("daemon.json")).unwrap();
    // Permission bits stop everyone but root.
    let locked = dir.path().join("locked.Dockerfile");
    std::fs::write(&locked, "FROM alpine:3.20\n").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let o = scan(dir.path(), &[]);
    let v = json(&o);
    let errs = errors(&v);
    assert!(errs.iter().any(|(p, _, _)| p == "daemon.json"), "{errs:?}");
    assert_eq!(o.status.code(), Some(2));
    assert!(good_file_scanned(&v));
    // Named explicitly, the error names the file too.
    let o = scan(dir.path(), &["daemon.json", "good.Dockerfile"]);
    let v = json(&o);
    assert!(
        errors(&v)
            .iter()
            .any(|(p, _, m)| p == "daemon.json" && m.contains("cannot read"))
    );
    assert!(good_file_scanned(&v));
}

#[test]
fn binary_garbage_named_like_inputs() {
    let dir = tempfile::tempdir().unwrap();
    with_good_file(dir.path());
    let garbage: Vec<u8> = (0..20_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 & 0x7f)
        .collect();
    std::fs::write(dir.path().join("Dockerfile"), &garbage).unwrap();
    std::fs::write(dir.path().join("compose.yml"), &garbage).unwrap();
    std::fs::write(dir.path().join("daemon.json"), &garbage).unwrap();
    let o = scan(dir.path(), &[]);
    let v = json(&o);
    assert!(errors(&v).is_empty());
    assert!(good_file_scanned(&v));
    assert_eq!(v["summary"]["files_scanned"], 4);
}
