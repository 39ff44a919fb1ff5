//! End-to-end tests of the `drydock` binary: every output format (snapshot),
//! schema validation of JSON and SARIF, exit codes, fixes, configuration,
//! suppressions, and the committed rule docs.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use common::drydock;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fresh copy of a test data directory, so tests can modify it.
fn copy_of(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(data(name)).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    dir
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn every_output_format_snapshot() {
    let dir = copy_of("sample");
    for format in ["human", "json", "sarif", "junit", "github", "checkstyle"] {
        let o = drydock(dir.path(), &["scan", "--format", format]);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{format}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let out = stdout(&o);
        insta::with_settings!({ snapshot_suffix => format }, {
            insta::assert_snapshot!("scan_sample", out);
        });
    }
}

fn validate(schema_text: &str, instance: &serde_json::Value, draft7: bool) {
    let schema: serde_json::Value = serde_json::from_str(schema_text).unwrap();
    let mut opts = jsonschema::options();
    if draft7 {
        opts = opts.with_draft(jsonschema::Draft::Draft7);
    }
    let validator = opts.should_validate_formats(true).build(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema violations: {errors:#?}");
}

#[test]
fn sarif_output_validates_against_the_official_schema() {
    let schema_path = repo_root().join("../shared/reference/schemas/sarif-2.1.0.json");
    let Ok(schema) = std::fs::read_to_string(&schema_path) else {
        eprintln!("skipped: {} not found", schema_path.display());
        return;
    };
    let dir = copy_of("sample");
    // All rules, with fixes, over the bundled examples as well.
    for args in [
        vec!["scan", "--format", "sarif"],
        vec![
            "scan",
            "--no-config",
            "--format",
            "sarif",
            repo_root().join("examples").to_str().unwrap(),
        ],
    ] {
        let o = drydock(dir.path(), &args);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        validate(&schema, &v, true);
        assert!(!v["runs"][0]["results"].as_array().unwrap().is_empty());
    }
}

#[test]
fn json_output_validates_and_documented_schema_is_current() {
    let documented =
        std::fs::read_to_string(repo_root().join("docs/schema/report-v1.schema.json")).unwrap();
    assert_eq!(
        documented,
        drydock_report::JSON_SCHEMA_V1,
        "docs/schema/report-v1.schema.json is stale: copy crates/drydock-report/schema/report-v1.schema.json"
    );
    let dir = copy_of("sample");
    let o = drydock(
        dir.path(),
        &[
            "scan",
            "--no-config",
            "--format",
            "json",
            repo_root().join("examples").to_str().unwrap(),
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    validate(&documented, &v, false);
    let first = &v["findings"][0];
    for key in [
        "rule",
        "severity",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "message",
        "fix",
    ] {
        assert!(first.get(key).is_some(), "finding lacks `{key}`");
    }
    assert_eq!(v["version"], 1);
    assert!(v["errors"].as_array().unwrap().is_empty());
}

#[test]
fn rules_json_lists_every_rule_with_metadata() {
    let o = drydock(&repo_root(), &["rules", "--format", "json"]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rules = v.as_array().unwrap();
    assert!(rules.len() >= 25);
    for r in rules {
        for key in ["id", "title", "severity", "category", "references", "fix"] {
            assert!(r.get(key).is_some(), "{r}: lacks {key}");
        }
        assert!(["none", "safe", "unsafe"].contains(&r["fix"].as_str().unwrap()));
    }
    let table = stdout(&drydock(&repo_root(), &["rules"]));
    assert!(table.contains("IMG002") && table.contains("last-user-root"));
}

#[test]
fn explain_prints_the_rule_docs() {
    let o = drydock(&repo_root(), &["explain", "ctr001"]);
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(
        out.contains("# CTR001")
            && out.contains("## Why is this bad?")
            && out.contains("cis-docker-1.6")
    );
    let o = drydock(&repo_root(), &["explain", "last-user-root"]);
    assert!(stdout(&o).contains("IMG002"));
    let o = drydock(&repo_root(), &["explain", "NOPE999"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn committed_rule_docs_are_current() {
    let dir = repo_root().join("docs/rules");
    let mut stale = Vec::new();
    let pages = drydock_rules::docs::all_pages();
    for (name, content) in &pages {
        if std::fs::read_to_string(dir.join(name)).ok().as_deref() != Some(content.as_str()) {
            stale.push(name.clone());
        }
    }
    let on_disk = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
    assert!(
        stale.is_empty() && on_disk == pages.len(),
        "docs/rules is stale ({stale:?}; {on_disk} files on disk, {} generated): run `cargo run -p drydock -- rules --write-docs docs/rules`",
        pages.len()
    );
}

#[test]
fn committed_coverage_page_is_current() {
    let path = repo_root().join("docs/coverage.md");
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == drydock_rules::coverage::coverage_page(),
        "docs/coverage.md is stale: run `cargo run -p drydock -- rules --write-coverage docs/coverage.md`"
    );
}

#[test]
fn exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), "FROM alpine:3.20@sha256:0000000000000000000000000000000000000000000000000000000000000000\nUSER 10001\nHEALTHCHECK CMD [\"true\"]\n").unwrap();
    let o = drydock(dir.path(), &["scan"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("No findings in 1 file"));

    std::fs::write(dir.path().join("Dockerfile"), "FROM alpine:latest\n").unwrap();
    assert_eq!(drydock(dir.path(), &["scan"]).status.code(), Some(1));
    // Medium and low findings only: --fail-on high passes, --severity high shows nothing.
    assert_eq!(
        drydock(
            dir.path(),
            &["scan", "--fail-on", "high", "--ignore", "IMG001,IMG002"]
        )
        .status
        .code(),
        Some(0)
    );
    let o = drydock(dir.path(), &["scan", "--severity", "critical"]);
    assert_eq!(o.status.code(), Some(0));

    assert_eq!(
        drydock(dir.path(), &["scan", "does-not-exist"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        drydock(dir.path(), &["scan", "--format", "nope"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(drydock(dir.path(), &["bogus"]).status.code(), Some(2));
}

#[test]
fn syntax_errors_are_findings_with_positions() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), "FROM alpine:3.20\nFORM x\n").unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  web: [unclosed\n",
    )
    .unwrap();
    let o = drydock(dir.path(), &["scan", "--format", "json", "--select", "SYN"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let found: Vec<(String, String, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().into(),
                f["path"].as_str().unwrap().into(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        found.contains(&("SYN001".into(), "Dockerfile".into(), 2)),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|(r, p, _)| r == "SYN002" && p == "compose.yaml"),
        "{found:?}"
    );
}

#[test]
fn fix_and_diff() {
    let dir = tempfile::tempdir().unwrap();
    let df = dir.path().join("Dockerfile");
    let original = "FROM debian:12\nMAINTAINER me\nRUN apt-get update && apt-get install curl\nADD a.txt /a.txt\n";
    std::fs::write(&df, original).unwrap();

    let o = drydock(dir.path(), &["scan", "--diff"]);
    assert_eq!(o.status.code(), Some(1));
    let diff = stdout(&o);
    assert!(
        diff.contains("+COPY a.txt /a.txt")
            && diff.contains("+LABEL org.opencontainers.image.authors=\"me\""),
        "{diff}"
    );
    assert!(
        !diff.contains("--no-install-recommends"),
        "unsafe fix shown without --unsafe-fixes: {diff}"
    );
    assert_eq!(
        std::fs::read_to_string(&df).unwrap(),
        original,
        "--diff must not write"
    );

    let o = drydock(dir.path(), &["scan", "--diff", "--unsafe-fixes"]);
    assert!(stdout(&o).contains("--no-install-recommends"));

    drydock(dir.path(), &["scan", "--fix"]);
    let fixed = std::fs::read_to_string(&df).unwrap();
    assert_eq!(
        fixed,
        "FROM debian:12\nLABEL org.opencontainers.image.authors=\"me\"\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\nCOPY a.txt /a.txt\n"
    );
    // Nothing left to fix safely.
    assert_eq!(
        drydock(dir.path(), &["scan", "--diff"]).status.code(),
        Some(0)
    );
}

#[test]
fn stdin_input() {
    let o = Command::cargo_bin("drydock")
        .unwrap()
        .args(["scan", "-", "--format", "json"])
        .write_stdin("FROM ubuntu\nUSER root\n")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"IMG005") && rules.contains(&"IMG002"),
        "{rules:?}"
    );
    assert_eq!(v["findings"][0]["path"], "-");

    let o = Command::cargo_bin("drydock")
        .unwrap()
        .args([
            "scan",
            "-",
            "--stdin-filename",
            "compose.yaml",
            "--format",
            "json",
            "--select",
            "CTR001",
        ])
        .write_stdin("services:\n  a:\n    image: x:1\n    privileged: true\n")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["findings"][0]["path"], "compose.yaml");
    assert_eq!(v["findings"][0]["line"], 4);
}

#[test]
fn configuration_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("legacy")).unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM alpine:latest\nUSER root\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("legacy/Dockerfile"),
        "FROM alpine:latest\nUSER root\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("drydock.toml"),
        "select = ['IMG002', 'IMG004']\n[severity-overrides]\nIMG004 = 'critical'\n[per-path-ignores]\n'legacy/**' = ['IMG004']\n",
    )
    .unwrap();
    let o = drydock(dir.path(), &["scan", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let got: Vec<(String, String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().into(),
                f["rule"].as_str().unwrap().into(),
                f["severity"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("Dockerfile".into(), "IMG004".into(), "critical".into()),
            ("Dockerfile".into(), "IMG002".into(), "high".into()),
            ("legacy/Dockerfile".into(), "IMG002".into(), "high".into()),
        ]
    );
    // --select on the command line replaces the configuration's selection.
    let o = drydock(
        dir.path(),
        &["scan", "--format", "json", "--select", "IMG005"],
    );
    assert_eq!(o.status.code(), Some(0));

    std::fs::write(
        dir.path().join("drydock.toml"),
        "select = ['IMG002']\nfail-on = 'loud'\n",
    )
    .unwrap();
    let o = drydock(dir.path(), &["scan"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stdout(&o).contains("drydock.toml") && stdout(&o).contains("invalid configuration"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn inline_and_hadolint_suppressions() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM ubuntu:24.04\n# drydock:ignore=IMG013 fonts need the recommends\nRUN apt-get install -y fontconfig\n# hadolint ignore=DL3015\nRUN apt-get install -y curl\n# drydock:ignore=IMG002 stale\nRUN true\nRUN apt-get install -y git\n",
    )
    .unwrap();
    let o = drydock(
        dir.path(),
        &["scan", "--format", "json", "--select", "IMG013,IMG002,DRY"],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let got: Vec<(String, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().into(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, vec![("DRY001".into(), 6), ("IMG013".into(), 8)]);
    assert_eq!(v["summary"]["suppressed"], 2);

    // .hadolint.yaml's ignored list switches off the rules referencing those codes.
    std::fs::write(dir.path().join(".hadolint.yaml"), "ignored:\n  - DL3015\n").unwrap();
    let o = drydock(
        dir.path(),
        &["scan", "--format", "json", "--select", "IMG013"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));

    // --no-inline-suppressions reports everything again.
    std::fs::remove_file(dir.path().join(".hadolint.yaml")).unwrap();
    let o = drydock(
        dir.path(),
        &[
            "scan",
            "--format",
            "json",
            "--select",
            "IMG013",
            "--no-inline-suppressions",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 3);
}

#[test]
fn output_file_and_gitignore() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("vendor")).unwrap();
    std::fs::write(dir.path().join(".gitignore"), "vendor/\n").unwrap();
    std::fs::write(dir.path().join("vendor/Dockerfile"), "FROM alpine:latest\n").unwrap();
    std::fs::write(dir.path().join("app.Dockerfile"), "FROM alpine:latest\n").unwrap();
    let o = drydock(
        dir.path(),
        &[
            "scan",
            "--select",
            "IMG004",
            "--format",
            "json",
            "-o",
            "report.json",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    assert_eq!(v["summary"]["files_scanned"], 1);
    let o = drydock(
        dir.path(),
        &[
            "scan",
            "--select",
            "IMG004",
            "--format",
            "json",
            "--no-ignore",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["summary"]["files_scanned"], 2);
}

#[test]
fn config_severity_and_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM alpine:latest\nUSER root\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("drydock.toml"),
        "severity = 'high'\nfail-on = 'critical'\n",
    )
    .unwrap();
    let o = drydock(dir.path(), &["scan", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let severities: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["severity"].as_str().unwrap())
        .collect();
    assert!(
        !severities.is_empty() && severities.iter().all(|s| *s == "high"),
        "{severities:?}"
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "only high findings, fail-on critical"
    );
    // The command line wins over the file.
    assert_eq!(
        drydock(dir.path(), &["scan", "--fail-on", "high"])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn fix_on_stdin_writes_text_to_stdout_and_report_to_stderr() {
    let o = Command::cargo_bin("drydock")
        .unwrap()
        .args([
            "scan",
            "--fix",
            "--stdin-filename",
            "Dockerfile",
            "--select",
            "IMG008",
            "-",
        ])
        .write_stdin("FROM alpine:3.20\nADD a.txt /a\n")
        .output()
        .unwrap();
    assert_eq!(stdout(&o), "FROM alpine:3.20\nCOPY a.txt /a\n");
    assert!(String::from_utf8_lossy(&o.stderr).contains("No findings"));
    // Nothing to fix: the input comes back unchanged.
    let o = Command::cargo_bin("drydock")
        .unwrap()
        .args([
            "scan",
            "--fix",
            "--stdin-filename",
            "Dockerfile",
            "--select",
            "IMG008",
            "-",
        ])
        .write_stdin("FROM alpine:3.20\n")
        .output()
        .unwrap();
    assert_eq!(stdout(&o), "FROM alpine:3.20\n");
}

#[test]
fn type_applies_to_named_files_only_and_duplicates_are_scanned_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "hello world\n").unwrap();
    std::fs::write(dir.path().join("Dockerfile"), "FROM alpine:latest\n").unwrap();
    std::fs::write(dir.path().join("base.img"), "FROM alpine:latest\n").unwrap();
    let o = drydock(
        dir.path(),
        &[
            "scan",
            "--type",
            "dockerfile",
            "--format",
            "json",
            "--select",
            "SYN,IMG004",
            ".",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["summary"]["files_scanned"], 1, "{v}");
    let o = drydock(
        dir.path(),
        &[
            "scan",
            "--type",
            "dockerfile",
            "--format",
            "json",
            "--select",
            "IMG004",
            "base.img",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["findings"][0]["path"], "base.img");
    let o = drydock(
        dir.path(),
        &[
            "scan",
            "--format",
            "json",
            "--select",
            "IMG004",
            ".",
            "Dockerfile",
            "./Dockerfile",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["summary"]["files_scanned"], 1);
}

#[test]
fn per_path_ignores_with_a_relative_config_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("legacy")).unwrap();
    std::fs::write(dir.path().join("legacy/Dockerfile"), "FROM alpine:latest\n").unwrap();
    std::fs::write(
        dir.path().join("ci.toml"),
        "select = ['IMG004']\n[per-path-ignores]\n'legacy/**' = ['IMG004']\n",
    )
    .unwrap();
    for config in ["ci.toml", "./ci.toml"] {
        let o = drydock(dir.path(), &["scan", "--config", config, "legacy"]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "--config {config}: {}",
            stdout(&o)
        );
    }
}

#[test]
fn suppression_between_continuation_lines() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM debian:12\nRUN apt-get update && \\\n# drydock:ignore=IMG013 needs the recommends\n    apt-get install -y fonts-dejavu\nADD a /a\n",
    )
    .unwrap();
    let o = drydock(dir.path(), &["scan", "--select", "IMG013,DRY"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}
