//! `drydock image`: a `docker save` archive made here (from
//! `tests/data/image/app.image.toml`), a root filesystem directory, damaged
//! archives and an image of a real private daemon; every output format, the
//! JSON report against its schema (with `packages[]`), SARIF against the
//! official schema, the SBOM options, `--max-age` and the scan's
//! `DOCKER_CONTENT_TRUST`.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use drydock_testkit as support;
use serde_json::Value;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/image")
        .join(name)
}

/// The fixture image as a `docker save` tar in `dir`.
fn app_archive(dir: &Path) -> String {
    let text = std::fs::read_to_string(data("app.image.toml")).unwrap();
    let fx = support::archive::ImageFixture::from_toml(&text).unwrap();
    let p = dir.join("app.tar");
    std::fs::write(&p, fx.archive().unwrap()).unwrap();
    p.to_str().unwrap().to_string()
}

struct Run {
    code: Option<i32>,
    out: String,
    err: String,
}

fn image(args: &[&str], envs: &[(&str, Option<&str>)]) -> Run {
    let mut cmd = Command::cargo_bin("drydock").unwrap();
    cmd.arg("image").args(args).arg("--no-config");
    cmd.env("DOCKER_CONTENT_TRUST", "1");
    for (k, v) in envs {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let o = cmd.output().unwrap();
    Run {
        code: o.status.code(),
        out: String::from_utf8(o.stdout).unwrap(),
        err: String::from_utf8(o.stderr).unwrap(),
    }
}

fn schema(path: &Path) -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn assert_valid(v: &jsonschema::Validator, doc: &Value) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema violations: {errors:#?}");
}

fn rules_of(doc: &Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_output_format_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let tar = app_archive(dir.path());
    for format in ["human", "json", "sarif", "junit", "github", "checkstyle"] {
        let r = image(&[&tar, "--format", format, "--color", "never"], &[]);
        assert_eq!(r.code, Some(1), "{format}: {}", r.err);
        assert!(r.err.is_empty(), "{format}: {}", r.err);
        let out = r.out.replace(env!("CARGO_PKG_VERSION"), "[version]");
        insta::with_settings!({ snapshot_suffix => format }, {
            insta::assert_snapshot!("image_app", out);
        });
    }
}

#[test]
fn json_report_has_findings_and_packages_and_validates() {
    let dir = tempfile::tempdir().unwrap();
    let tar = app_archive(dir.path());
    let r = image(&[&tar, "--format", "json"], &[]);
    assert_eq!(r.code, Some(1), "{}", r.err);
    let doc: Value = serde_json::from_str(&r.out).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../drydock-report/schema");
    assert_valid(&schema(&root.join("report-v1.schema.json")), &doc);

    // One concern, one rule: the same rules as for Dockerfiles, each at
    // the place it is about.
    let rules = rules_of(&doc);
    for id in [
        "IMG002", "IMG015", "IMG017", "IMG023", "IMG035", "IMG067", "IMG078", "IMG080", "SEC003",
    ] {
        assert!(rules.iter().any(|r| r == id), "{id} missing from {rules:?}");
    }
    assert!(!rules.iter().any(|r| r == "IMG069"), "content trust is on");
    let find = |id: &str| {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == id)
            .unwrap()
            .clone()
    };
    let shadow = find("IMG067");
    assert_eq!(shadow["path"], "shop/app:fixture!/etc/shadow");
    assert_eq!(shadow["line"], 3);
    assert_eq!(shadow["column"], 1);
    let secret = find("SEC003");
    assert_eq!(secret["path"], "shop/app:fixture!/app/.env");
    assert_eq!(secret["line"], 2);
    assert!(
        !secret["message"]
            .as_str()
            .unwrap()
            .contains("AKIAZ7QW4RT2YX5LMN3P")
    );
    let setuid = find("IMG023");
    assert_eq!(setuid["api_object"], "shop/app:fixture");
    assert_eq!(setuid["api_path"], "/usr/bin/su");

    let img = &doc["image"];
    assert_eq!(img["name"], "shop/app:fixture");
    assert_eq!(img["format"], "docker-save");
    assert_eq!(img["layers"], 3);
    assert_eq!(img["os"]["id"], "debian");
    assert!(img["id"].as_str().unwrap().starts_with("sha256:"));
    let packages = doc["packages"].as_array().unwrap();
    let names: Vec<(&str, &str, &str)> = packages
        .iter()
        .map(|p| {
            (
                p["type"].as_str().unwrap(),
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("deb", "libc6", "2.28-10"),
            ("deb", "openssl", "1.1.1d-0+deb10u3"),
            ("python", "requests", "2.21.0"),
        ]
    );
    let libc = &packages[0];
    assert_eq!(libc["source_name"], "glibc");
    assert_eq!(libc["location"], "/var/lib/dpkg/status");
    assert_eq!(libc["layer"], 0);
    assert_eq!(
        libc["purl"],
        "pkg:deb/debian/libc6@2.28-10?arch=amd64&distro=debian-10&upstream=glibc"
    );
    assert_eq!(packages[2]["layer"], 1);
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/reference/schemas/sarif-2.1.0.json");
    if !path.is_file() {
        eprintln!("skipped: {} not found", path.display());
        return;
    }
    let text = std::fs::read_to_string(&path).unwrap();
    let schema_doc: Value = serde_json::from_str(&text).unwrap();
    let v = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&schema_doc)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let tar = app_archive(dir.path());
    let r = image(&[&tar, "--format", "sarif"], &[]);
    assert_eq!(r.code, Some(1), "{}", r.err);
    let doc: Value = serde_json::from_str(&r.out).unwrap();
    assert_valid(&v, &doc);
    assert!(!doc["runs"][0]["results"].as_array().unwrap().is_empty());
}

/// `--sbom` alone prints the SBOM (as `drydock sbom` does); with
/// `--sbom-output` the SBOM goes to that file and the report is printed,
/// from one read.
#[test]
fn sbom_options() {
    let dir = tempfile::tempdir().unwrap();
    let tar = app_archive(dir.path());
    let r = image(&[&tar, "--sbom", "cyclonedx"], &[]);
    assert_eq!(r.code, Some(0), "{}", r.err);
    let doc: Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(doc["bomFormat"], "CycloneDX");
    let with_purl = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["purl"].is_string())
        .count();
    assert_eq!(with_purl, 3, "{}", doc["components"]);

    let sbom = dir.path().join("sbom.spdx.json");
    let r = image(
        &[
            &tar,
            "--sbom",
            "spdx",
            "--sbom-output",
            sbom.to_str().unwrap(),
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(r.code, Some(1), "{}", r.err);
    let report: Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(report["packages"].as_array().unwrap().len(), 3);
    let spdx: Value = serde_json::from_str(&std::fs::read_to_string(&sbom).unwrap()).unwrap();
    assert_eq!(spdx["spdxVersion"], "SPDX-2.3");
}

/// What only a built image shows: its age against `--max-age`, and content
/// trust in the environment of the scan.
#[test]
fn image_age_and_content_trust() {
    let dir = tempfile::tempdir().unwrap();
    let tar = app_archive(dir.path());
    let r = image(
        &[&tar, "--format", "json", "--select", "IMG079,IMG069"],
        &[],
    );
    assert_eq!(r.code, Some(0), "{}", r.err);
    let doc: Value = serde_json::from_str(&r.out).unwrap();
    assert!(rules_of(&doc).is_empty(), "{:?}", rules_of(&doc));

    let r = image(
        &[
            &tar,
            "--format",
            "json",
            "--select",
            "IMG079,IMG069",
            "--max-age",
            "90",
        ],
        &[("DOCKER_CONTENT_TRUST", None)],
    );
    assert_eq!(r.code, Some(1), "{}", r.err);
    let doc: Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(rules_of(&doc), ["IMG069", "IMG079"]);
    let age = &doc["findings"][1];
    assert_eq!(age["api_path"], "created");
    assert!(
        age["message"].as_str().unwrap().contains("2019-06-01"),
        "{age}"
    );
}

/// A root filesystem directory is an image of one layer.
#[test]
fn root_filesystem_directory() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rootfs");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(
        root.join("etc/shadow"),
        "root:*:18000:0:99999:7:::\nops::18000:0:99999:7:::\n",
    )
    .unwrap();
    std::fs::write(
        root.join("etc/os-release"),
        "ID=alpine\nVERSION_ID=3.20.3\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("lib/apk/db")).unwrap();
    std::fs::write(
        root.join("lib/apk/db/installed"),
        "P:musl\nV:1.2.5-r0\nA:x86_64\no:musl\nL:MIT\n\n",
    )
    .unwrap();
    let r = image(&[root.to_str().unwrap(), "--format", "json"], &[]);
    assert_eq!(r.code, Some(1), "{}", r.err);
    let doc: Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(doc["image"]["format"], "rootfs");
    assert_eq!(doc["packages"][0]["name"], "musl");
    assert_eq!(doc["packages"][0]["type"], "apk");
    let shadow = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "IMG067")
        .unwrap();
    assert_eq!(shadow["line"], 2);
}

/// Damaged archives: what can be read is judged and reported, what could
/// not is an error naming the archive entry, and the exit code is 2.
#[test]
fn damaged_archives_are_reported_with_what_could_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let tar = app_archive(dir.path());
    let good = std::fs::read(&tar).unwrap();

    // A byte of the .env file changed: that layer no longer matches its
    // diff_id; the rest is still judged.
    let mut tampered = good.clone();
    let at = tampered.windows(7).position(|w| w == b"DB_HOST").unwrap();
    tampered[at] = b'X';
    let p = dir.path().join("tampered.tar");
    std::fs::write(&p, &tampered).unwrap();
    let r = image(&[p.to_str().unwrap(), "--format", "json"], &[]);
    assert_eq!(r.code, Some(2), "{}", r.err);
    let doc: Value = serde_json::from_str(&r.out).unwrap();
    let errors = doc["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["message"].as_str().unwrap().contains("diff_id")),
        "{errors:?}"
    );
    assert!(rules_of(&doc).iter().any(|r| r == "IMG067"));

    // Cut short: nothing to judge, a clear error, exit 2.
    let p = dir.path().join("cut.tar");
    std::fs::write(&p, &good[..good.len() / 3]).unwrap();
    let r = image(&[p.to_str().unwrap()], &[]);
    assert_eq!(r.code, Some(2));
    assert!(r.err.contains("cut.tar"), "{}", r.err);

    // Not an image at all.
    let p = dir.path().join("notes.txt");
    std::fs::write(&p, "hello").unwrap();
    let r = image(&[p.to_str().unwrap()], &[]);
    assert_eq!(r.code, Some(2));
    assert!(r.err.contains("notes.txt"), "{}", r.err);
}

/// An image of a real private daemon, streamed through the image export.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn image_of_the_daemon_is_streamed_and_judged() {
    let Some(d) = support::daemon(None) else {
        return;
    };
    let e = d.connect().await;
    let dir = tempfile::tempdir().unwrap();
    let tar = std::fs::read(app_archive(dir.path())).unwrap();
    support::load_image(&e, tar).await;
    let host = format!("unix://{}", d.socket.display());
    let r = image(
        &["--host", &host, "shop/app:fixture", "--format", "json"],
        &[],
    );
    assert_eq!(r.code, Some(1), "{}", r.err);
    let doc: Value = serde_json::from_str(&r.out).unwrap();
    let rules = rules_of(&doc);
    for id in ["IMG023", "IMG067", "SEC003", "IMG080"] {
        assert!(rules.iter().any(|r| r == id), "{id} missing from {rules:?}");
    }
    assert_eq!(doc["packages"].as_array().unwrap().len(), 3);
    let r = image(&["--host", &host, "no/such:image"], &[]);
    assert_eq!(r.code, Some(2));
    assert!(r.err.contains("no/such:image"), "{}", r.err);
}
