//! `drydock image --vulns` end to end: root filesystems made here with the
//! real package versions of the issue's cases, a database imported from the
//! real OSV records of ../shared/testdata/osv, and the verdicts, fixed
//! versions, exceptions (ignore file with expiry, OpenVEX), `--ignore-unfixed`
//! and the output formats.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::path::{Path, PathBuf};

use assert_cmd::Command;
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

/// A database of the shared records, in `dir`.
fn database(dir: &Path) -> Option<String> {
    let osv = osv_dir()?;
    let db = dir.join("osv.db");
    let o = Command::cargo_bin("drydock")
        .unwrap()
        .args(["db", "--db", db.to_str().unwrap(), "import"])
        .arg(&osv)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    Some(db.to_str().unwrap().to_string())
}

/// A root filesystem with these files (path, content).
fn rootfs(dir: &Path, name: &str, files: &[(&str, &str)]) -> String {
    let root = dir.join(name);
    for (path, text) in files {
        let p = root.join(path.trim_start_matches('/'));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    root.to_str().unwrap().to_string()
}

fn scan(target: &str, db: &str, extra: &[&str]) -> (Option<i32>, String, String) {
    let o = Command::cargo_bin("drydock")
        .unwrap()
        .args(["image", target, "--no-config", "--vulns", "--db", db])
        .args(extra)
        .env("DOCKER_CONTENT_TRUST", "1")
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    )
}

/// (package, id, fixed) of the JSON report's vulnerabilities.
fn vulns(target: &str, db: &str, extra: &[&str]) -> Vec<(String, String, Option<String>)> {
    let mut args = vec!["--format", "json", "--select", "VUL"];
    args.extend_from_slice(extra);
    let (code, out, err) = scan(target, db, &args);
    assert!(matches!(code, Some(0 | 1)), "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    doc["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["package_name"].as_str().unwrap().to_string(),
                v["id"].as_str().unwrap().to_string(),
                v["fixed"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn v(p: &str, id: &str, fixed: Option<&str>) -> (String, String, Option<String>) {
    (p.into(), id.into(), fixed.map(str::to_string))
}

/// An image with PyPI `requests` 2.30.0 and npm `elliptic` 6.5.3, one known
/// vulnerability each.
fn requests_and_elliptic(d: &Path) -> String {
    rootfs(
        d,
        "img",
        &[
            (
                "/usr/lib/python3/dist-packages/requests-2.30.0.dist-info/METADATA",
                "Metadata-Version: 2.1\nName: requests\nVersion: 2.30.0\n",
            ),
            (
                "/app/node_modules/elliptic/package.json",
                r#"{"name": "elliptic", "version": "6.5.3"}"#,
            ),
        ],
    )
}

fn dpkg(name: &str, source: &str, version: &str) -> String {
    format!(
        "Package: {name}\nStatus: install ok installed\nArchitecture: amd64\nSource: {source}\nVersion: {version}\n\n"
    )
}

fn apk(name: &str, origin: &str, version: &str) -> String {
    format!("P:{name}\nV:{version}\nA:x86_64\no:{origin}\n\n")
}

#[test]
fn the_issue_end_to_end_cases() {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = database(dir.path()) else {
        return;
    };
    let d = dir.path();

    // Debian 7: nginx-full built from source nginx.
    let wheezy = |v: &str, n: &str| {
        rootfs(
            d,
            n,
            &[
                ("/etc/os-release", "ID=debian\nVERSION_ID=\"7\"\n"),
                ("/var/lib/dpkg/status", &dpkg("nginx-full", "nginx", v)),
            ],
        )
    };
    assert_eq!(
        vulns(&wheezy("1.2.1-2.2+wheezy2", "deb2"), &db, &[]),
        [v("nginx-full", "DSA-3029-1", Some("1.2.1-2.2+wheezy3"))]
    );
    assert!(vulns(&wheezy("1.2.1-2.2+wheezy3", "deb3"), &db, &[]).is_empty());

    // Alpine 3.8: libcrypto1.0 from origin openssl.
    let alpine = |rel: &str, pkg: &str, n: &str| {
        rootfs(
            d,
            n,
            &[
                ("/etc/os-release", &format!("ID=alpine\nVERSION_ID={rel}\n")),
                ("/lib/apk/db/installed", pkg),
            ],
        )
    };
    assert_eq!(
        vulns(
            &alpine("3.8.2", &apk("libcrypto1.0", "openssl", "1.0.2p-r0"), "a1"),
            &db,
            &[]
        ),
        [v("libcrypto1.0", "CVE-2018-5407", Some("1.0.2q-r0"))]
    );
    assert!(
        vulns(
            &alpine("3.8.2", &apk("libcrypto1.0", "openssl", "1.0.2q-r0"), "a2"),
            &db,
            &[]
        )
        .is_empty()
    );
    // Alpine 3.15 mariadb: fixed on other branches, not on 3.15's.
    assert_eq!(
        vulns(
            &alpine("3.15.4", &apk("mariadb", "mariadb", "10.6.7-r0"), "a3"),
            &db,
            &[]
        ),
        [v("mariadb", "CVE-2022-27449", Some("10.6.8-r0"))]
    );

    // PyPI requests and npm elliptic in one image.
    let lang = rootfs(
        d,
        "lang",
        &[
            (
                "/usr/lib/python3/dist-packages/requests-2.30.0.dist-info/METADATA",
                "Metadata-Version: 2.1\nName: requests\nVersion: 2.30.0\n",
            ),
            (
                "/app/node_modules/elliptic/package.json",
                r#"{"name": "elliptic", "version": "6.5.3"}"#,
            ),
        ],
    );
    assert_eq!(
        vulns(&lang, &db, &[]),
        [
            v("requests", "PYSEC-2023-74", Some("2.31.0")),
            v("elliptic", "GHSA-r9p9-mrjm-926w", Some("6.5.4")),
        ]
    );

    // Ubuntu 14.04: affected, no fix yet; --ignore-unfixed leaves it out.
    let trusty = rootfs(
        d,
        "trusty",
        &[
            ("/etc/os-release", "ID=ubuntu\nVERSION_ID=\"14.04\"\n"),
            (
                "/var/lib/dpkg/status",
                &dpkg("linux-image-3.13.0-206-generic", "linux", "3.13.0-206.257"),
            ),
        ],
    );
    assert_eq!(
        vulns(&trusty, &db, &[]),
        [v(
            "linux-image-3.13.0-206-generic",
            "UBUNTU-CVE-2025-38094",
            None
        )]
    );
    assert!(vulns(&trusty, &db, &["--ignore-unfixed"]).is_empty());
}

#[test]
fn exceptions_outputs_and_a_missing_database() {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = database(dir.path()) else {
        return;
    };
    let d = dir.path();
    let image = requests_and_elliptic(d);

    // Human: a table grouped by package, with the fixed versions; exit 1.
    let (code, out, err) = scan(&image, &db, &["--select", "VUL"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(out.contains("requests 2.30.0 (python,"), "{out}");
    assert!(
        out.contains("PYSEC-2023-74") && out.contains("fixed in 2.31.0"),
        "{out}"
    );
    assert!(out.contains("2 vulnerabilities in 2 packages."), "{out}");

    // SARIF and JUnit carry them as VUL001 results.
    for format in ["sarif", "junit"] {
        let (code, out, err) = scan(&image, &db, &["--select", "VUL", "--format", format]);
        assert_eq!(code, Some(1), "{err}");
        assert!(out.matches("VUL001").count() >= 2, "{format}: {out}");
    }

    // An ignore entry that expired suppresses nothing and is reported; a
    // current one suppresses.
    let ignore = d.join("ignore.toml");
    std::fs::write(
        &ignore,
        "[[ignore]]\nid = \"CVE-2023-32681\"\nreason = \"not reachable\"\nexpires = \"2020-01-01\"\n\n[[ignore]]\nid = \"GHSA-r9p9-mrjm-926w\"\npackage = \"elliptic\"\nreason = \"signatures are not verified here\"\nexpires = \"2099-01-01\"\n",
    )
    .unwrap();
    let ig = ignore.to_str().unwrap();
    let (code, out, err) = scan(
        &image,
        &db,
        &["--select", "VUL", "--format", "json", "--ignore-file", ig],
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("expired on 2020-01-01"), "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../drydock-report/schema/report-v1.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::options().build(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let ids: Vec<&str> = doc["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["PYSEC-2023-74"]);
    assert_eq!(doc["summary"]["suppressed"], 1);

    // OpenVEX: requests is not affected.
    let vex = d.join("vex.json");
    std::fs::write(
        &vex,
        r#"{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/1",
            "author": "test", "timestamp": "2026-01-01T00:00:00Z", "version": 1,
            "statements": [{"vulnerability": {"name": "PYSEC-2023-74"},
              "products": [{"@id": "pkg:pypi/requests@2.30.0"}],
              "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}"#,
    )
    .unwrap();
    let (code, out, err) = scan(
        &image,
        &db,
        &[
            "--select",
            "VUL",
            "--format",
            "json",
            "--ignore-file",
            ig,
            "--vex",
            vex.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["vulnerabilities"], serde_json::json!([]));

    // The CycloneDX SBOM carries them, each affecting its component, and
    // still validates against the official schema.
    let (code, out, err) = scan(&image, &db, &["--sbom", "cyclonedx"]);
    assert_eq!(code, Some(0), "{err}");
    let bom: Value = serde_json::from_str(&out).unwrap();
    drydock_testkit::schemas::assert_valid(drydock_testkit::schemas::Sbom::CycloneDx16, &bom);
    let vulns = bom["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), 2, "{vulns:#?}");
    let pysec = vulns.iter().find(|v| v["id"] == "PYSEC-2023-74").unwrap();
    assert_eq!(pysec["recommendation"], "Upgrade to 2.31.0");
    let affected = pysec["affects"][0]["ref"].as_str().unwrap();
    assert!(
        bom["components"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["bom-ref"] == affected && c["name"] == "requests"),
        "{affected}"
    );

    // No database: a clear error, exit 2.
    let missing = d.join("none.db");
    let (code, _, err) = scan(&image, missing.to_str().unwrap(), &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("drydock db update"), "{err}");
}

/// `[[vulnerabilities.ignore]]` in the drydock.toml that applies, with its
/// place in messages; and the ecosystems an image needs are remembered
/// beside the database (even when there is none yet) for `db update`.
#[test]
fn config_ignores_and_remembered_ecosystems() {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = database(dir.path()) else {
        return;
    };
    let d = dir.path();
    let image = requests_and_elliptic(d);
    let work = d.join("project");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(
        work.join("drydock.toml"),
        "[[vulnerabilities.ignore]]\nid = \"CVE-2020-28498\"\npackage = \"elliptic\"\nreason = \"not used for signatures\"\n",
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let o = Command::cargo_bin("drydock")
            .unwrap()
            .current_dir(&work)
            .args(["image", &image, "--vulns", "--db", &db, "--select", "VUL"])
            .args(extra)
            .env("DOCKER_CONTENT_TRUST", "1")
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8(o.stdout).unwrap(),
            String::from_utf8(o.stderr).unwrap(),
        )
    };
    // The alias (CVE) of the GHSA record is enough to ignore it.
    let (code, out, err) = run(&["--format", "json"]);
    assert_eq!(code, Some(1), "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let ids: Vec<&str> = doc["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["PYSEC-2023-74"]);
    assert_eq!(doc["summary"]["suppressed"], 1);
    // --no-config drops it.
    let (_, out, _) = run(&["--format", "json", "--no-config"]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["vulnerabilities"].as_array().unwrap().len(), 2);
    // A misspelt key in [vulnerabilities] is an error naming the file.
    std::fs::write(
        work.join("drydock.toml"),
        "[vulnerabilities]\nignores = []\n",
    )
    .unwrap();
    let (code, _, err) = run(&[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("drydock.toml") && err.contains("ignores"),
        "{err}"
    );

    // Remembered ecosystems: a scan with no database still records them.
    let fresh = d.join("cache/osv.db");
    let (code, _, err) = scan(&image, fresh.to_str().unwrap(), &[]);
    assert_eq!(code, Some(2), "{err}");
    let seen = std::fs::read_to_string(d.join("cache/osv.db.ecosystems")).unwrap();
    assert_eq!(seen.lines().collect::<Vec<_>>(), ["PyPI", "npm"]);
}
