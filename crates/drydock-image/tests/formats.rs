//! Happy paths for every input format.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::*;
use drydock_image::{
    Compression, EntryKind, Format, ImageError, ImageScan, NoVisitor, Options, Platform, read_path,
    read_rootfs, read_stream,
};

fn base_layers() -> (Layer, Layer, Layer) {
    let l0 = Layer::plain(layer(&[
        E::Dir("etc/"),
        E::File("etc/os-release", b"ID=debian\n"),
        E::File("etc/passwd", b"root:x:0:0::/root:/bin/sh\n"),
        E::Dir("bin/"),
        E::FileMode("bin/su", b"ELF", 0o4755),
        E::Symlink("bin/sh", "busybox"),
        E::File("bin/busybox", b"BB"),
    ]));
    let l1 = Layer::gz(layer(&[
        E::Dir("etc/"),
        E::File(
            "etc/passwd",
            b"root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/:/bin/sh\n",
        ),
    ]));
    let l2 = Layer::zst(layer(&[
        E::Dir("app/"),
        E::File("app/main.py", b"print(1)\n"),
        E::Hardlink("app/main2.py", "app/main.py"),
    ]));
    (l0, l1, l2)
}

fn check_base(scan: &ImageScan<String>) {
    assert!(scan.problems.is_empty(), "{:#?}", scan.problems);
    assert_eq!(scan.layers.len(), 3);
    assert_eq!(scan.layers[0].compression, Some(Compression::None));
    assert_eq!(scan.layers[1].compression, Some(Compression::Gzip));
    assert_eq!(scan.layers[2].compression, Some(Compression::Zstd));
    for l in &scan.layers {
        assert!(l.complete);
        assert_eq!(l.computed_diff_id, l.diff_id);
    }
    let passwd = scan.fs.get("/etc/passwd").unwrap();
    assert_eq!(passwd.layer, 1);
    assert_eq!(scan.fs.get("/etc/os-release").unwrap().layer, 0);
    assert_eq!(scan.fs.get("/bin/su").unwrap().meta.mode, 0o104755);
    assert_eq!(
        scan.fs.get("/bin/sh").unwrap().meta.kind,
        EntryKind::Symlink("busybox".into())
    );
    assert_eq!(
        scan.fs.resolve_path("/bin/sh").as_deref(),
        Some("/bin/busybox")
    );
    assert_eq!(scan.fs.resolve("/bin/sh").unwrap().meta.size, 2);
    assert_eq!(
        scan.fs.get("/app/main2.py").unwrap().meta.kind,
        EntryKind::Hardlink("/app/main.py".into())
    );
    assert_eq!(scan.fs.resolve("/app/main2.py").unwrap().meta.size, 9);
    // Facts only of the visible files: the first /etc/passwd is dropped.
    let passwd_facts: Vec<_> = scan.facts.iter().filter(|f| f.0 == "/etc/passwd").collect();
    assert_eq!(passwd_facts.len(), 1);
    assert_eq!(passwd_facts[0].1, 1);
    assert!(passwd_facts[0].2.contains("app:x:1000"));
    assert_eq!(
        scan.facts.len(),
        5,
        "{:?}",
        scan.facts.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    let cfg = scan.config.as_ref().unwrap();
    assert_eq!(cfg.config.as_ref().unwrap().user.as_deref(), Some("app"));
    assert_eq!(cfg.history.as_ref().unwrap().len(), 2);
    assert!(scan.config_raw.is_some());
}

#[test]
fn docker_save_classic_file_and_stream() {
    let (l0, l1, l2) = base_layers();
    let archive = docker_save(&[&l0, &l1, &l2]);
    let f = temp_file(&archive);
    let v = Collect::new();
    let scan = read_path(f.path(), &Options::default(), &v).unwrap();
    assert_eq!(scan.format, Format::DockerSave);
    assert_eq!(scan.manifest.repo_tags, vec!["test:latest".to_string()]);
    assert_eq!(
        scan.manifest.platform.as_ref().unwrap().architecture,
        "amd64"
    );
    check_base(&scan);

    let streamed = read_stream(archive.as_slice(), &Options::default(), &Collect::new()).unwrap();
    assert_eq!(streamed.format, Format::DockerSave);
    check_base(&streamed);
    let a: Vec<_> = scan.fs.iter().collect();
    let b: Vec<_> = streamed.fs.iter().collect();
    assert_eq!(a, b);

    let other = Options {
        platform: Some("linux/arm64".parse().unwrap()),
        ..Options::default()
    };
    let scan = read_path(f.path(), &other, &Collect::new()).unwrap();
    assert_eq!(scan.problems.len(), 1);
    assert!(
        scan.problems[0]
            .message
            .contains("the image is linux/amd64"),
        "{}",
        scan.problems[0]
    );

    let sequential = Options {
        parallel: false,
        ..Options::default()
    };
    check_base(&read_path(f.path(), &sequential, &Collect::new()).unwrap());
}

#[test]
fn docker_save_extracted_directory() {
    let (l0, l1, l2) = base_layers();
    let dir = tempfile::tempdir().unwrap();
    write_dir(dir.path(), &docker_save_files(&[&l0, &l1, &l2], None));
    let scan = read_path(dir.path(), &Options::default(), &Collect::new()).unwrap();
    assert_eq!(scan.format, Format::DockerSave);
    check_base(&scan);
}

#[test]
fn docker_save_oci_style_with_symlinked_duplicate_layer() {
    // Docker 25+: manifest.json names blobs/sha256/<hex>; index.json and oci-layout beside it.
    let (l0, l1, l2) = base_layers();
    let (mut files, desc) = oci_image(&[&l0, &l1, &l2], "amd64", None);
    let config_name = files[3].0.clone();
    let layer_names: Vec<String> = files[..3].iter().map(|f| f.0.clone()).collect();
    let manifest =
        serde_json::json!([{"Config": config_name, "RepoTags": ["t:1"], "Layers": layer_names}]);
    oci_index(&mut files, vec![desc]);
    files.push((
        "manifest.json".into(),
        serde_json::to_vec(&manifest).unwrap(),
    ));
    let archive = outer(&files);
    let f = temp_file(&archive);
    let scan = read_path(f.path(), &Options::default(), &Collect::new()).unwrap();
    assert_eq!(scan.format, Format::DockerSaveOci);
    check_base(&scan);
    assert_eq!(
        scan.layers[1].digest.as_deref(),
        Some(sha(&l1.blob).as_str())
    );
    assert_eq!(scan.layers[1].computed_digest, scan.layers[1].digest);
    let streamed = read_stream(archive.as_slice(), &Options::default(), &Collect::new()).unwrap();
    check_base(&streamed);
}

#[test]
fn classic_layer_symlink_to_another_layer() {
    // Old Docker writes `<id2>/layer.tar -> ../<id1>/layer.tar` for identical layers.
    let l0 = Layer::plain(layer(&[E::File("a", b"1")]));
    let l1 = Layer::plain(layer(&[E::File("b", b"2")]));
    let files = docker_save_files(&[&l0, &l1, &l0], None);
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in &files {
        if name.starts_with(&format!("{:064x}", 3)) {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(tar::EntryType::Symlink);
            h.set_size(0);
            b.append_link(&mut h, name, format!("../{:064x}/layer.tar", 1))
                .unwrap();
        } else {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            b.append_data(&mut h, name, data.as_slice()).unwrap();
        }
    }
    let archive = b.into_inner().unwrap();
    let f = temp_file(&archive);
    for scan in [
        read_path(f.path(), &Options::default(), &Collect::new()).unwrap(),
        read_stream(archive.as_slice(), &Options::default(), &Collect::new()).unwrap(),
    ] {
        assert!(scan.problems.is_empty(), "{:#?}", scan.problems);
        assert_eq!(scan.layers.len(), 3);
        assert_eq!(scan.fs.get("/a").unwrap().layer, 2);
        assert_eq!(scan.fs.get("/b").unwrap().layer, 1);
        assert_eq!(
            scan.facts
                .iter()
                .filter(|f| f.0 == "/a")
                .map(|f| f.1)
                .collect::<Vec<_>>(),
            vec![2]
        );
    }
}

fn multi_platform() -> (Vec<(String, Vec<u8>)>, Layer, Layer) {
    let amd = Layer::gz(layer(&[E::File("arch", b"amd64")]));
    let arm = Layer::gz(layer(&[E::File("arch", b"arm64")]));
    let (mut files, amd_desc) = oci_image(&[&amd], "amd64", None);
    let (arm_files, arm_desc) = oci_image(&[&arm], "arm64", Some("v8"));
    files.extend(arm_files);
    // An attestation manifest (platform unknown/unknown), as buildx writes.
    let att = serde_json::json!({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha(b"x"), "size": 1,
        "platform": {"architecture": "unknown", "os": "unknown"}});
    // arm64 behind a nested index.
    let nested = serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [arm_desc]})).unwrap();
    let nd = sha(&nested);
    files.push((format!("blobs/sha256/{}", hex(&nd)), nested.clone()));
    let nested_desc = serde_json::json!({"mediaType": "application/vnd.oci.image.index.v1+json", "digest": nd, "size": nested.len()});
    oci_index(&mut files, vec![att, amd_desc, nested_desc]);
    (files, amd, arm)
}

#[test]
fn oci_layout_multi_platform_index_dir_and_tar() {
    let (files, _amd, _arm) = multi_platform();
    let dir = tempfile::tempdir().unwrap();
    write_dir(dir.path(), &files);
    let tarball = outer(&files);
    let f = temp_file(&tarball);
    for (platform, want) in [
        ("linux/amd64", "amd64"),
        ("linux/arm64", "arm64"),
        ("linux/arm64/v8", "arm64"),
    ] {
        let opts = Options {
            platform: Some(platform.parse().unwrap()),
            ..Options::default()
        };
        for scan in [
            read_path(dir.path(), &opts, &Collect::new()).unwrap(),
            read_path(f.path(), &opts, &Collect::new()).unwrap(),
            read_stream(tarball.as_slice(), &opts, &Collect::new()).unwrap(),
        ] {
            assert_eq!(scan.format, Format::OciLayout);
            assert!(scan.problems.is_empty(), "{:#?}", scan.problems);
            assert_eq!(scan.facts, vec![("/arch".to_string(), 0, want.to_string())]);
            assert_eq!(scan.manifest.platform.as_ref().unwrap().architecture, want);
            assert!(scan.manifest.manifest_digest.is_some());
            assert_eq!(scan.layers[0].computed_digest, scan.layers[0].digest);
        }
    }
    let opts = Options {
        platform: Some("linux/s390x".parse().unwrap()),
        ..Options::default()
    };
    match read_path(dir.path(), &opts, &NoVisitor) {
        Err(ImageError::PlatformNotFound {
            requested,
            available,
        }) => {
            assert_eq!(requested, "linux/s390x");
            assert!(
                available.contains("linux/amd64") && available.contains("linux/arm64/v8"),
                "{available}"
            );
        }
        other => panic!("expected PlatformNotFound, got {other:?}"),
    }
    // Default: the host's platform.
    let host = Platform::host();
    let r = read_path(dir.path(), &Options::default(), &Collect::new());
    if host.architecture == "amd64" || host.architecture == "arm64" {
        assert_eq!(r.unwrap().facts[0].2, host.architecture);
    }
}

#[test]
fn rootfs_directory() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/os-release"), "ID=alpine\n").unwrap();
    std::fs::write(root.join("big"), vec![b'x'; 4096]).unwrap();
    std::os::unix::fs::symlink("/etc/os-release", root.join("link")).unwrap();
    // A symlink pointing out of the root must not be followed by the walk.
    std::os::unix::fs::symlink("/", root.join("escape")).unwrap();
    let v = Collect {
        cap: 1024,
        calls: Default::default(),
    };
    let scan = read_rootfs(root, &Options::default(), &v).unwrap();
    assert_eq!(scan.format, Format::RootFs);
    assert_eq!(scan.layers.len(), 1);
    assert_eq!(
        scan.facts,
        vec![("/etc/os-release".to_string(), 0, "ID=alpine\n".to_string())]
    );
    assert_eq!(scan.fs.resolve("/link").unwrap().meta.size, 10);
    assert_eq!(
        scan.fs.get("/escape").unwrap().meta.kind,
        EntryKind::Symlink("/".into())
    );
    assert!(scan.fs.get("/escape/etc").is_none());
    assert_eq!(scan.problems.len(), 1, "{:#?}", scan.problems);
    assert_eq!(
        scan.problems[0].kind,
        drydock_image::ProblemKind::FileTooLarge
    );
    assert_eq!(scan.problems[0].path.as_deref(), Some("/big"));
    // read_path on a plain directory is a root filesystem too.
    assert_eq!(
        read_path(root, &Options::default(), &NoVisitor)
            .unwrap()
            .format,
        Format::RootFs
    );
}

#[test]
fn platform_parsing_and_matching() {
    let p: Platform = "linux/arm64".parse().unwrap();
    assert!(p.matches(&Platform {
        os: "linux".into(),
        architecture: "arm64".into(),
        variant: Some("v8".into())
    }));
    let v7: Platform = "linux/arm/v7".parse().unwrap();
    assert_eq!(v7.to_string(), "linux/arm/v7");
    assert!(!v7.matches(&Platform {
        os: "linux".into(),
        architecture: "arm".into(),
        variant: Some("v6".into())
    }));
    assert!("linux".parse::<Platform>().is_err());
    assert!("linux/amd64/v2/x".parse::<Platform>().is_err());
    assert!("linux/../x".parse::<Platform>().is_err());
}
