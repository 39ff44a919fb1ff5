//! Tests of the public interface: `wants`, `parse` dispatch, `finish`.

use super::*;

#[test]
fn wants_by_path_and_mode() {
    assert_eq!(
        wants("/var/lib/dpkg/status", 100, 0o100644),
        Some(limits::PACKAGE_DB)
    );
    assert_eq!(
        wants("/var/lib/dpkg/status.d/libc6", 100, 0o100644),
        Some(limits::PACKAGE_DB)
    );
    assert_eq!(
        wants("/var/lib/dpkg/status.d/libc6.md5sums", 100, 0o100644),
        None
    );
    assert_eq!(
        wants("/etc/os-release", 100, 0o100644),
        Some(limits::OS_RELEASE)
    );
    assert_eq!(
        wants("/usr/share/doc/bash/copyright", 100, 0o100644),
        Some(limits::METADATA)
    );
    assert_eq!(
        wants("/usr/share/doc/bash/changelog.gz", 100, 0o100644),
        None
    );
    assert_eq!(
        wants("/usr/lib/sysimage/rpm/rpmdb.sqlite", 100, 0o100644),
        Some(limits::RPMDB)
    );
    assert_eq!(
        wants(
            "/usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA",
            1,
            0o100644
        ),
        Some(limits::METADATA)
    );
    assert_eq!(
        wants(
            "/usr/lib/python3.11/site-packages/foo-1.0.egg-info",
            1,
            0o100644
        ),
        Some(limits::METADATA)
    );
    assert_eq!(
        wants(
            "/usr/lib/python3.11/site-packages/foo.egg-info/PKG-INFO",
            1,
            0o100644
        ),
        Some(limits::METADATA)
    );
    assert_eq!(
        wants("/app/node_modules/express/package.json", 1, 0o100644),
        Some(limits::METADATA)
    );
    assert_eq!(
        wants("/app/package.json", 1, 0o100644),
        Some(limits::METADATA)
    );
    assert_eq!(
        wants("/app/package-lock.json", 1, 0o100644),
        Some(limits::PACKAGE_DB)
    );
    assert_eq!(
        wants(
            "/usr/local/bundle/specifications/rails-7.0.8.gemspec",
            1,
            0o100644
        ),
        Some(limits::METADATA)
    );
    assert_eq!(
        wants("/app/vendor/composer/installed.json", 1, 0o100644),
        Some(limits::PACKAGE_DB)
    );
    assert_eq!(
        wants("/app/lib/x-1.0.jar", 1, 0o100644),
        Some(limits::BINARY)
    );
    assert_eq!(
        wants("/usr/local/bin/tool", 1, 0o100755),
        Some(limits::BINARY)
    );
    assert_eq!(wants("/etc/passwd", 1, 0o100644), None);
    assert_eq!(wants("/dev/null", 1, 0o020666), None);
}

#[test]
fn parse_dispatch_and_errors_name_the_file() {
    let e = parse("/var/lib/dpkg/status", b"Version: 1\n").unwrap_err();
    assert!(e.starts_with("/var/lib/dpkg/status: "), "{e}");
    let e = parse("/var/lib/rpm/Packages", &[0u8; 64]).unwrap_err();
    assert!(e.contains("unsupported rpmdb format"), "{e}");
    // A shell script with the exec bit: not ELF, no packages, no error.
    assert_eq!(
        parse("/usr/bin/script", b"#!/bin/sh\necho hi\n").unwrap(),
        Vec::new()
    );
}

fn file(path: &str, layer: usize) -> FileRef {
    FileRef {
        path: path.into(),
        layer: Some(layer),
    }
}

fn facts(path: &str, layer: usize, data: &str) -> Vec<(FileRef, Fact)> {
    parse(path, data.as_bytes())
        .unwrap()
        .into_iter()
        .map(|f| (file(path, layer), f))
        .collect()
}

#[test]
fn finish_fills_distro_merges_status_d_and_licences() {
    let mut all = Vec::new();
    all.extend(facts(
        "/etc/os-release",
        0,
        "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n",
    ));
    all.extend(facts("/etc/debian_version", 0, "12.5\n"));
    all.extend(facts(
        "/var/lib/dpkg/status",
        0,
        "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: 3.0.11-1~deb12u2\n\nPackage: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\n",
    ));
    // Same package again in status.d (distroless-style layer on top): kept once.
    all.extend(facts(
        "/var/lib/dpkg/status.d/libssl3",
        1,
        "Package: libssl3\nArchitecture: amd64\nSource: openssl\nVersion: 3.0.11-1~deb12u2\n",
    ));
    all.extend(facts(
        "/usr/share/doc/zlib1g/copyright",
        0,
        "Files: *\nLicense: Zlib\n",
    ));
    all.extend(facts(
        "/app/node_modules/ms/package.json",
        2,
        r#"{"name":"ms","version":"2.1.3","license":"MIT"}"#,
    ));
    let cat = finish(all);
    let os = cat.os.clone().unwrap();
    assert_eq!(os.id.as_deref(), Some("debian"));
    assert_eq!(
        os.pretty_name.as_deref(),
        Some("Debian GNU/Linux 12 (bookworm)")
    );
    let got: Vec<_> = cat
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.purl.as_str(), p.layer))
        .collect();
    assert_eq!(
        got,
        [
            (
                "libssl3",
                "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl",
                Some(0)
            ),
            (
                "zlib1g",
                "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib",
                Some(0)
            ),
            ("ms", "pkg:npm/ms@2.1.3", Some(2)),
        ]
    );
    assert_eq!(cat.packages[1].licenses, vec!["Zlib".to_string()]);
}

#[test]
fn finish_os_fallbacks() {
    let mut all = Vec::new();
    all.extend(facts("/etc/alpine-release", 0, "3.19.1\n"));
    all.extend(facts(
        "/lib/apk/db/installed",
        0,
        "P:musl\nV:1.2.4-r2\nA:x86_64\no:musl\nL:MIT\n",
    ));
    let cat = finish(all);
    assert_eq!(
        cat.os
            .as_ref()
            .and_then(|o| o.distro_qualifier())
            .as_deref(),
        Some("alpine-3.19.1")
    );
    assert_eq!(
        cat.packages[0].purl,
        "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.1&upstream=musl"
    );
    assert_eq!(finish(Vec::new()), Catalogue::default());
}

#[test]
fn executables_go_and_rust() {
    use crate::elf::build::elf64;
    let go = elf64(
        &[(
            ".go.buildinfo",
            crate::golang::tests::inline_section(
                "go1.22.1",
                "path\tex.com/a\nmod\tex.com/a\tv1.0.0\t\n",
            ),
        )],
        0x400000,
    );
    let f = parse("/usr/local/bin/a", &go).unwrap();
    assert_eq!(f.len(), 2);
    let rs = elf64(
        &[(
            ".dep-v0",
            crate::rust_audit::tests::dep_section(
                r#"{"packages":[{"name":"x","version":"0.1.0","source":"local","root":true}]}"#,
            ),
        )],
        0x400000,
    );
    match parse("/usr/local/bin/x", &rs).unwrap().as_slice() {
        [Fact::Package(p)] => assert_eq!(p.purl, "pkg:cargo/x@0.1.0"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn finish_prefers_installed_npm_over_lockfile() {
    let mut all = Vec::new();
    all.extend(facts(
        "/app/package-lock.json",
        1,
        r#"{"lockfileVersion":3,"packages":{"":{"name":"app","version":"1.0.0"},"node_modules/ms":{"version":"2.1.3"},"node_modules/debug":{"version":"4.3.4"}}}"#,
    ));
    all.extend(facts(
        "/app/node_modules/ms/package.json",
        2,
        r#"{"name":"ms","version":"2.1.3"}"#,
    ));
    all.extend(facts(
        "/app/package.json",
        1,
        r#"{"name":"app","version":"1.0.0","private":true}"#,
    ));
    let cat = finish(all);
    let got: Vec<_> = cat
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.location.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("app", "/app/package.json"),
            ("debug", "/app/package-lock.json"),
            ("ms", "/app/node_modules/ms/package.json"),
        ]
    );
}
