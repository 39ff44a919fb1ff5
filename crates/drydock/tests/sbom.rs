//! `drydock sbom`: a root filesystem directory and an image of a real
//! private daemon (streamed through the image export) to CycloneDX 1.6 and
//! SPDX 2.3, each validated against the official schema.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::path::Path;

use assert_cmd::Command;
use drydock_testkit as support;
use serde_json::Value;

fn validate(doc: &Value, spdx: bool) {
    use support::schemas::{Sbom, assert_valid};
    assert_valid(
        if spdx {
            Sbom::Spdx23
        } else {
            Sbom::CycloneDx16
        },
        doc,
    );
}

fn sbom(args: &[&str]) -> (Option<i32>, Value, String) {
    let o = Command::cargo_bin("drydock")
        .unwrap()
        .env_remove("DOCKER_HOST")
        .arg("sbom")
        .args(args)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let doc = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    (o.status.code(), doc, err)
}

const STATUS: &str = "\
Package: libssl3
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 6375
Maintainer: Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>
Architecture: amd64
Multi-Arch: same
Source: openssl
Version: 3.0.11-1~deb12u2
Depends: libc6 (>= 2.34)
Description: Secure Sockets Layer toolkit - shared libraries
 This package is part of the OpenSSL project's implementation of the SSL
 and TLS cryptographic protocols for secure communication over the
 Internet.

Package: removed-pkg
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1
Description: gone

Package: tzdata
Status: install ok installed
Architecture: all
Version: 2024a-0+deb12u1
Description: time zone and daylight-saving time data
";

fn rootfs(dir: &Path) {
    let w = |p: &str, s: &str| {
        let p = dir.join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, s).unwrap();
    };
    w(
        "etc/os-release",
        "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n",
    );
    w("var/lib/dpkg/status", STATUS);
    w(
        "usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA",
        "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nLicense: Apache 2.0\n",
    );
}

#[test]
fn rootfs_directory_to_cyclonedx_and_spdx() {
    let dir = tempfile::tempdir().unwrap();
    rootfs(dir.path());
    let target = dir.path().to_str().unwrap();

    let (code, doc, err) = sbom(&[target]);
    assert_eq!(code, Some(0), "{err}");
    validate(&doc, false);
    let purls: Vec<&str> = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["purl"].as_str())
        .collect();
    assert_eq!(
        purls,
        [
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl",
            "pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all&distro=debian-12",
            "pkg:pypi/requests@2.31.0",
        ]
    );
    assert_eq!(doc["components"][0]["type"], "operating-system");

    let (code, doc, err) = sbom(&[target, "--format", "spdx"]);
    assert_eq!(code, Some(0), "{err}");
    validate(&doc, true);
    let names: Vec<&str> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names[1..], ["libssl3", "tzdata", "requests"]);

    // -o writes the file; stdout stays empty.
    let out = dir.path().join("sbom.json");
    let (code, _, err) = sbom(&[target, "-o", out.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    validate(
        &serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap(),
        false,
    );
}

#[test]
fn unreadable_package_database_is_reported_and_the_exit_code_says_so() {
    let dir = tempfile::tempdir().unwrap();
    rootfs(dir.path());
    // A package.json under node_modules that is not JSON.
    let p = dir.path().join("app/node_modules/left-pad/package.json");
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, "{ not json").unwrap();
    let (code, doc, err) = sbom(&[dir.path().to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("/app/node_modules/left-pad/package.json"),
        "{err}"
    );
    // Everything else is still catalogued.
    validate(&doc, false);
    assert_eq!(doc["components"].as_array().unwrap().len(), 4);
}

#[test]
fn nothing_to_read_exits_2() {
    let (code, doc, err) = sbom(&[
        "/nonexistent/image.tar",
        "--host",
        "unix:///nonexistent.sock",
    ]);
    assert_eq!(code, Some(2));
    assert_eq!(doc, Value::Null);
    assert!(err.contains("/nonexistent/image.tar"), "{err}");
}

/// An image of a real daemon, read from the image export stream.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn image_of_the_daemon_is_streamed() {
    let Some(d) = support::daemon(None) else {
        return;
    };
    let e = d.connect().await;
    support::import_test_image(&e).await;
    let host = format!("unix://{}", d.socket.display());
    let (code, doc, err) = sbom(&["--host", &host, support::IMAGE, "--format", "spdx"]);
    assert_eq!(code, Some(0), "{err}");
    validate(&doc, true);
    assert_eq!(doc["name"], support::IMAGE);
    assert!(
        doc["packages"][0]["versionInfo"]
            .as_str()
            .unwrap()
            .starts_with("sha256:"),
        "{}",
        doc["packages"][0]
    );
    let (code, _, err) = sbom(&["--host", &host, "no/such:image"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no/such:image"), "{err}");
}

/// `docker save` archives made here: a sound one, one whose layer does not
/// match its diff_id, and a truncated one. What can be read is written; the
/// exit code and stderr say what could not.
#[test]
fn damaged_archives_are_reported_and_the_exit_code_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = serde_json::json!({"config": {"User": "1000"}});
    let good = support::image_archive("example/app:1", &cfg);
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_str().unwrap().to_string()
    };

    let (code, doc, err) = sbom(&[&write("good.tar", &good)]);
    assert_eq!(code, Some(0), "{err}");
    validate(&doc, false);
    assert_eq!(doc["metadata"]["component"]["name"], "example/app:1");
    assert!(
        doc["metadata"]["component"]["version"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );

    // One byte of a file inside the layer changed: the layer's sha256 no
    // longer matches rootfs.diff_ids.
    let mut tampered = good.clone();
    let at = tampered
        .windows(18)
        .position(|w| w == b"drydock test image")
        .unwrap();
    tampered[at] = b'D';
    let (code, doc, err) = sbom(&[&write("tampered.tar", &tampered)]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("drydock: error:") && err.contains("tampered.tar"),
        "{err}"
    );
    assert!(
        err.to_lowercase().contains("diff_id") || err.contains("digest"),
        "{err}"
    );
    validate(&doc, false);

    // Cut in the middle of the layer: manifest.json (written last) is gone.
    let (code, doc, err) = sbom(&[&write("cut.tar", &good[..good.len() / 2])]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("cut.tar"), "{err}");
    assert_eq!(doc, Value::Null, "nothing to describe: no SBOM");
}
