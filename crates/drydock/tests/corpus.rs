//! The whole shared corpus through the binary: every Dockerfile parses with
//! no syntax finding, every Compose file loads, and only the one broken on
//! purpose gets a syntax finding.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::path::Path;

use assert_cmd::Command;

#[test]
fn corpus_scan() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if !corpus.is_dir() {
        eprintln!("skipped: {} not found", corpus.display());
        return;
    }
    let o = Command::cargo_bin("drydock")
        .unwrap()
        .args(["scan", "--no-config", "--format", "json"])
        .arg(&corpus)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["errors"].as_array().unwrap().is_empty(),
        "{}",
        v["errors"]
    );
    assert_eq!(v["summary"]["files_scanned"], 220 + 72);
    let findings = v["findings"].as_array().unwrap();
    let syntax: Vec<(&str, &str, &str)> = findings
        .iter()
        .filter(|f| f["rule"].as_str().unwrap().starts_with("SYN"))
        .map(|f| {
            (
                f["rule"].as_str().unwrap(),
                f["path"].as_str().unwrap(),
                f["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        !syntax.iter().any(|(r, _, _)| *r == "SYN001"),
        "Dockerfiles with syntax findings: {syntax:#?}"
    );
    let broken: Vec<_> = syntax
        .iter()
        .filter(|(_, p, _)| p.ends_with("docker-compose-yaml-parse-error.yaml"))
        .collect();
    assert_eq!(broken.len(), 1, "{syntax:#?}");
    // Every rule family finds something real in the corpus.
    for family in ["IMG", "CTR", "CMP"] {
        assert!(
            findings
                .iter()
                .any(|f| f["rule"].as_str().unwrap().starts_with(family)),
            "no {family} finding"
        );
    }
}
