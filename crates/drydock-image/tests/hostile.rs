//! Hostile archives: every one is read without a panic, a hang or a link
//! followed out of the image, and what could not be read is reported.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::*;
use drydock_image::{EntryKind, ImageScan, Options, ProblemKind, read_path, read_stream};

/// Reads an archive both from a file and as a stream; both must agree on the
/// view and the problems.
fn read_both(archive: &[u8], opts: &Options) -> ImageScan<String> {
    let f = temp_file(archive);
    let a = read_path(f.path(), opts, &Collect::new()).unwrap();
    let b = read_stream(archive, opts, &Collect::new()).unwrap();
    assert_eq!(
        a.fs.iter().collect::<Vec<_>>(),
        b.fs.iter().collect::<Vec<_>>()
    );
    // Same problems (byte counts in messages may differ with buffering).
    let key = |p: &drydock_image::Problem| {
        (
            format!("{:?}", p.kind),
            p.layer,
            p.entry.clone(),
            p.path.clone(),
        )
    };
    let mut pa: Vec<_> = a.problems.iter().map(key).collect();
    let mut pb: Vec<_> = b.problems.iter().map(key).collect();
    pa.sort();
    pb.sort();
    assert_eq!(pa, pb);
    assert_eq!(a.facts, b.facts);
    a
}

fn kinds(scan: &ImageScan<String>) -> Vec<ProblemKind> {
    scan.problems.iter().map(|p| p.kind).collect()
}

#[test]
fn dotdot_and_absolute_entry_paths() {
    let l = Layer::plain(layer(&[
        E::File("../../etc/evil", b"x"),
        E::File("a/../../../outside", b"x"),
        E::File("/etc/abs", b"abs"),
        E::File("./a/../b", b"b"),
    ]));
    let scan = read_both(&docker_save(&[&l]), &Options::default());
    let names: Vec<&str> = scan.fs.iter().map(|(p, _)| p).collect();
    assert_eq!(names, vec!["/b", "/etc/abs"]);
    let escapes: Vec<_> = scan
        .problems
        .iter()
        .filter(|p| p.kind == ProblemKind::PathEscapes)
        .collect();
    assert_eq!(escapes.len(), 2, "{:#?}", scan.problems);
    assert_eq!(escapes[0].layer, Some(0));
    assert_eq!(escapes[0].path.as_deref(), Some("../../etc/evil"));
    assert!(escapes[0].entry.as_deref().unwrap().ends_with("/layer.tar"));
}

#[test]
fn links_pointing_outside_stay_inside() {
    let l = Layer::plain(layer(&[
        E::File("etc/passwd", b"inside"),
        E::Symlink("up", "../../../../../etc/passwd"),
        E::Symlink("abs", "/etc/passwd"),
        E::Symlink("dir", "/../../"),
        E::Hardlink("hl", "../../etc/shadow"),
        E::Hardlink("hl2", "/etc/passwd"),
    ]));
    let scan = read_both(&docker_save(&[&l]), &Options::default());
    // Symlinks are recorded as written and resolve inside the image only.
    assert_eq!(
        scan.fs.get("/up").unwrap().meta.kind,
        EntryKind::Symlink("../../../../../etc/passwd".into())
    );
    assert_eq!(scan.fs.resolve_path("/up").as_deref(), Some("/etc/passwd"));
    assert_eq!(
        scan.fs.resolve_path("/dir/etc/passwd").as_deref(),
        Some("/etc/passwd")
    );
    assert_eq!(scan.fs.resolve("/abs").unwrap().meta.size, 6);
    assert_eq!(scan.fs.resolve("/hl2").unwrap().meta.size, 6);
    assert!(scan.fs.get("/hl").is_none());
    assert_eq!(kinds(&scan), vec![ProblemKind::LinkEscapes]);
    assert!(scan.problems[0].message.contains("../../etc/shadow"));
}

/// A tar header for a huge file followed by gzip members of zeros: tiny
/// input, unbounded output.
fn gzip_bomb(members: usize) -> Vec<u8> {
    let mut h = tar::Header::new_gnu();
    h.set_path("bomb").unwrap();
    h.set_size(1 << 40);
    h.set_mode(0o644);
    h.set_cksum();
    let mut out = gzip(h.as_bytes());
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(&vec![0u8; 1 << 20]).unwrap();
    let zeros = e.finish().unwrap();
    for _ in 0..members {
        out.extend_from_slice(&zeros);
    }
    out
}

fn bomb_archive(blob: Vec<u8>) -> Vec<u8> {
    let l = Layer {
        blob,
        tar: Vec::new(),
    };
    let ok = Layer::plain(layer(&[E::File("fine", b"ok")]));
    docker_save(&[&ok, &l])
}

#[test]
fn gzip_bomb_stops_at_the_ratio_quickly() {
    let archive = bomb_archive(gzip_bomb(2000)); // ~2 MB in, 2 GB out
    let start = Instant::now();
    let scan = read_both(&archive, &Options::default());
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
    // The visitor asked for 1 MiB: the 1 TiB file is reported, then skipped, and the skip hits the ratio cap.
    assert_eq!(
        kinds(&scan),
        vec![ProblemKind::FileTooLarge, ProblemKind::Limit],
        "{:#?}",
        scan.problems
    );
    let limit = &scan.problems[1..];
    assert!(
        limit[0].message.contains("compression ratio"),
        "{}",
        limit[0].message
    );
    assert_eq!(limit[0].layer, Some(1));
    assert!(!scan.layers[1].complete);
    assert!(scan.layers[1].uncompressed_bytes < 100 << 20);
    // What could be read still is.
    assert!(scan.fs.get("/fine").is_some());
    // Its header was read: the entry is there, with the size it claims.
    assert_eq!(scan.fs.get("/bomb").unwrap().meta.size, 1 << 40);
}

#[test]
fn layer_and_total_byte_caps() {
    let archive = bomb_archive(gzip_bomb(30));
    let opts = Options {
        max_layer_bytes: 8 << 20,
        ..Options::default()
    };
    let scan = read_both(&archive, &opts);
    let limit: Vec<_> = scan
        .problems
        .iter()
        .filter(|p| p.kind == ProblemKind::Limit)
        .collect();
    assert_eq!(limit.len(), 1);
    assert!(
        limit[0].message.contains("max_layer_bytes"),
        "{}",
        limit[0].message
    );

    let opts = Options {
        max_total_bytes: 4 << 20,
        ..Options::default()
    };
    let f = temp_file(&archive);
    let scan = read_path(f.path(), &opts, &Collect::new()).unwrap();
    assert!(
        scan.problems
            .iter()
            .any(|p| p.message.contains("max_total_bytes")),
        "{:#?}",
        scan.problems
    );
}

#[test]
fn zstd_bomb_stops_at_the_ratio() {
    let mut h = tar::Header::new_gnu();
    h.set_path("bomb").unwrap();
    h.set_size(1 << 34);
    h.set_cksum();
    let mut enc = zstd::Encoder::new(Vec::new(), 19).unwrap();
    enc.write_all(h.as_bytes()).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..256 {
        enc.write_all(&zeros).unwrap();
    }
    let blob = enc.finish().unwrap();
    assert!(blob.len() < 1 << 20);
    let scan = read_both(&bomb_archive(blob), &Options::default());
    assert!(
        scan.problems
            .iter()
            .any(|p| p.kind == ProblemKind::Limit && p.message.contains("compression ratio")),
        "{:#?}",
        scan.problems
    );
}

#[test]
fn truncated_gzip_and_zstd() {
    // Incompressible content, so that half of the blob holds the first entries
    // (zstd decodes whole blocks of 128 KiB: the content spans several).
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let noise: Vec<u8> = (0..600_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let tar = layer(&[
        E::File("first", b"1"),
        E::File("second", &noise),
        E::File("third", b"3"),
    ]);
    for blob in [gzip(&tar), zstd(&tar)] {
        let cut = blob[..blob.len() / 2].to_vec();
        let l = Layer {
            blob: cut,
            tar: tar.clone(),
        };
        let scan = read_both(&docker_save(&[&l]), &Options::default());
        assert_eq!(
            kinds(&scan),
            vec![ProblemKind::Corrupt],
            "{:#?}",
            scan.problems
        );
        assert_eq!(scan.problems[0].layer, Some(0));
        assert!(!scan.layers[0].complete);
        assert!(scan.layers[0].computed_diff_id.is_none());
        assert!(
            scan.fs.get("/first").is_some(),
            "{:?} {:#?}",
            scan.layers[0].compression,
            scan.problems
        );
        assert!(scan.fs.get("/third").is_none());
    }
}

#[test]
fn truncated_outer_stream_reports_and_keeps_going() {
    let l = Layer::plain(layer(&[E::File("a", b"1")]));
    let archive = docker_save(&[&l]);
    let cut = &archive[..archive.len() - 3000];
    // The manifest came last and is lost: nothing sensible remains.
    let err = read_stream(cut, &Options::default(), &Collect::new()).unwrap_err();
    assert!(
        err.to_string().contains("truncated") && err.to_string().contains("no manifest.json"),
        "{err}"
    );
}

#[test]
fn duplicate_entries_last_wins() {
    let l = Layer::plain(layer(&[
        E::File("etc/conf", b"first"),
        E::Dir("d/"),
        E::File("d/x", b"x"),
        E::File("etc/conf", b"second"),
    ]));
    let l2 = Layer::plain(layer(&[E::File("d/x", b"y"), E::File("d/x", b"z")]));
    let scan = read_both(&docker_save(&[&l, &l2]), &Options::default());
    assert!(scan.problems.is_empty(), "{:#?}", scan.problems);
    let conf: Vec<_> = scan.facts.iter().filter(|f| f.0 == "/etc/conf").collect();
    assert_eq!(conf.len(), 1);
    assert_eq!(conf[0].2, "second");
    let x: Vec<_> = scan.facts.iter().filter(|f| f.0 == "/d/x").collect();
    assert_eq!(x.len(), 1);
    assert_eq!((x[0].1, x[0].2.as_str()), (1, "z"));
}

#[test]
fn manifest_naming_a_missing_layer() {
    let l0 = Layer::plain(layer(&[E::File("a", b"1")]));
    let l1 = Layer::plain(layer(&[E::File("b", b"2")]));
    let mut files = docker_save_files(&[&l0, &l1], None);
    files.remove(1); // the second layer.tar
    let scan = read_both(&outer(&files), &Options::default());
    assert_eq!(kinds(&scan), vec![ProblemKind::Missing]);
    assert_eq!(scan.problems[0].layer, Some(1));
    assert!(scan.fs.get("/a").is_some());
    assert!(!scan.layers[1].complete);
}

#[test]
fn config_that_is_not_json() {
    let l0 = Layer::plain(layer(&[E::File("a", b"1")]));
    let files = docker_save_files(&[&l0], Some(b"this is { not json".to_vec()));
    let scan = read_both(&outer(&files), &Options::default());
    assert!(scan.config.is_none());
    assert_eq!(kinds(&scan), vec![ProblemKind::BadJson]);
    assert!(scan.problems[0].message.contains("not JSON"));
    assert!(
        scan.problems[0]
            .entry
            .as_deref()
            .unwrap()
            .ends_with(".json")
    );
    assert!(scan.fs.get("/a").is_some());
    // A config of the wrong shape keeps the raw JSON.
    let files = docker_save_files(&[&l0], Some(br#"{"config": {"Env": "notalist"}}"#.to_vec()));
    let scan = read_both(&outer(&files), &Options::default());
    assert!(scan.config.is_none() && scan.config_raw.is_some());
    assert_eq!(kinds(&scan), vec![ProblemKind::BadJson]);
}

#[test]
fn manifest_that_is_not_json_is_fatal_and_clear() {
    let files = vec![("manifest.json".to_string(), b"[{".to_vec())];
    let archive = outer(&files);
    let f = temp_file(&archive);
    let err = read_path(f.path(), &Options::default(), &Collect::new()).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("manifest.json: manifest.json is not valid"),
        "{err}"
    );
    let files = vec![(
        "manifest.json".to_string(),
        br#"[{"Config":"../../etc/passwd","Layers":[]}]"#.to_vec(),
    )];
    let err = read_stream(
        outer(&files).as_slice(),
        &Options::default(),
        &Collect::new(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("not inside the archive"), "{err}");
}

#[test]
fn diff_id_mismatch_is_reported_and_reading_goes_on() {
    let l0 = Layer::gz(layer(&[E::File("a", b"1")]));
    let l1 = Layer::plain(layer(&[E::File("b", b"2")]));
    let config = config_json(&[&l0, &l1], "amd64");
    let other = Layer::plain(layer(&[E::File("b", b"tampered")]));
    let files = docker_save_files(&[&l0, &other], Some(config));
    let scan = read_both(&outer(&files), &Options::default());
    assert_eq!(kinds(&scan), vec![ProblemKind::DigestMismatch]);
    assert_eq!(scan.problems[0].layer, Some(1));
    assert!(
        scan.problems[0].message.contains("rootfs.diff_ids[1]"),
        "{}",
        scan.problems[0]
    );
    assert!(scan.fs.get("/b").is_some());
}

#[test]
fn oci_blob_digest_mismatch() {
    let l = Layer::gz(layer(&[E::File("a", b"1")]));
    let (mut files, desc) = oci_image(&[&l], "amd64", None);
    // Replace the layer blob's content, keep its name.
    let tampered = gzip(&l.tar);
    let mut tampered = tampered;
    tampered[4] ^= 1; // mtime byte of the gzip header: still decodes
    files[0].1 = tampered;
    oci_index(&mut files, vec![desc]);
    let scan = read_both(&outer(&files), &Options::default());
    assert_eq!(
        kinds(&scan),
        vec![ProblemKind::DigestMismatch],
        "{:#?}",
        scan.problems
    );
    assert!(scan.problems[0].message.contains("manifest says"));
}

#[test]
fn symlink_loops_and_long_chains() {
    let mut entries = vec![
        E::Symlink("a", "b"),
        E::Symlink("b", "a"),
        E::Symlink("self", "self/x"),
        E::File("end", b"e"),
    ];
    let names: Vec<String> = (0..60).map(|i| format!("c{i}")).collect();
    let targets: Vec<String> = (0..60)
        .map(|i| {
            if i == 59 {
                "end".to_string()
            } else {
                format!("c{}", i + 1)
            }
        })
        .collect();
    for i in 0..60 {
        entries.push(E::Symlink(&names[i], &targets[i]));
    }
    let l = Layer::plain(layer(&entries));
    let scan = read_both(&docker_save(&[&l]), &Options::default());
    assert!(scan.problems.is_empty());
    assert!(scan.fs.resolve("/a").is_none());
    assert!(scan.fs.resolve("/self").is_none());
    assert!(scan.fs.resolve("/c59").is_some());
    assert!(scan.fs.resolve("/c30").is_some());
    assert!(scan.fs.resolve("/c0").is_none()); // 60 hops > 40
}

#[test]
fn whiteouts_of_earlier_layers() {
    let l0 = Layer::plain(layer(&[
        E::Dir("etc/"),
        E::File("etc/a", b"a"),
        E::File("etc/b", b"b"),
        E::Dir("dir/"),
        E::File("dir/x", b"x"),
        E::File("dir/sub/y", b"y"),
    ]));
    let l1 = Layer::gz(layer(&[
        E::File("etc/.wh.a", b""),
        E::File(".wh.dir", b""),
        E::File("etc/c", b"c"),
        E::File("etc/.wh.c", b""),
    ]));
    let l2 = Layer::plain(layer(&[E::File("dir/new", b"n")]));
    let scan = read_both(&docker_save(&[&l0, &l1, &l2]), &Options::default());
    assert!(scan.problems.is_empty(), "{:#?}", scan.problems);
    let names: Vec<&str> = scan.fs.iter().map(|(p, _)| p).collect();
    // etc/c survives: a whiteout applies to lower layers only.
    assert_eq!(names, vec!["/dir/new", "/etc", "/etc/b", "/etc/c"]);
    let fact_paths: Vec<&str> = scan.facts.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(fact_paths, vec!["/etc/b", "/etc/c", "/dir/new"]);
}

#[test]
fn opaque_directories() {
    let l0 = Layer::plain(layer(&[
        E::Dir("d/"),
        E::File("d/x", b"x"),
        E::File("d/s/y", b"y"),
        E::File("dx", b"sibling"),
    ]));
    let l1 = Layer::plain(layer(&[
        E::Dir("d/"),
        E::File("d/z", b"z"),
        E::File("d/.wh..wh..opq", b""),
        // AUFS metadata is skipped, not taken for whiteouts or files.
        E::File(".wh..wh.aufs", b""),
        E::File(".wh..wh.plnk/123.456", b"x"),
        E::File("d/.wh..wh.other", b""),
    ]));
    let scan = read_both(&docker_save(&[&l0, &l1]), &Options::default());
    let names: Vec<&str> = scan.fs.iter().map(|(p, _)| p).collect();
    assert_eq!(names, vec!["/d", "/d/z", "/dx"]);
    assert_eq!(scan.fs.get("/d").unwrap().layer, 1);
}

#[test]
fn file_replaces_directory() {
    let l0 = Layer::plain(layer(&[
        E::Dir("d/"),
        E::File("d/x", b"x"),
        E::File("f", b"file"),
    ]));
    // Across layers: /d becomes a file; within one layer: /e dir then file.
    let l1 = Layer::plain(layer(&[
        E::File("d", b"now a file"),
        E::Dir("e/"),
        E::File("e/inner", b"i"),
        E::File("e", b"replaced"),
        E::File("f/child", b"c"),
    ]));
    let scan = read_both(&docker_save(&[&l0, &l1]), &Options::default());
    let names: Vec<&str> = scan.fs.iter().map(|(p, _)| p).collect();
    assert_eq!(names, vec!["/d", "/e", "/f", "/f/child"]);
    assert_eq!(scan.fs.get("/d").unwrap().meta.kind, EntryKind::File);
    assert_eq!(scan.fs.get("/f").unwrap().meta.kind, EntryKind::Dir);
    assert!(
        scan.facts
            .iter()
            .all(|f| f.0 != "/d/x" && f.0 != "/e/inner" && f.0 != "/f")
    );
    // A file under a non-directory is noted.
    assert_eq!(kinds(&scan), vec![ProblemKind::Note]);
}

#[test]
fn limits_on_entries_paths_and_files() {
    let long = "p/".repeat(40) + "file";
    let l = Layer::plain(layer(&[
        E::File("a", b"1"),
        E::File(&long, b"2"),
        E::File("big", &[0u8; 5000]),
        E::File("c", b"3"),
    ]));
    let archive = docker_save(&[&l]);
    let opts = Options {
        max_path_len: 50,
        ..Options::default()
    };
    let v = Collect {
        cap: 1000,
        calls: Default::default(),
    };
    let f = temp_file(&archive);
    let scan = read_path(f.path(), &opts, &v).unwrap();
    assert_eq!(
        kinds(&scan),
        vec![ProblemKind::PathTooLong, ProblemKind::FileTooLarge]
    );
    assert_eq!(scan.problems[1].path.as_deref(), Some("/big"));
    assert!(scan.fs.get("/big").is_some());
    assert_eq!(*v.calls.lock().unwrap(), 2);

    let names: Vec<String> = (0..10).map(|i| format!("f{i}")).collect();
    let many: Vec<E<'_>> = names.iter().map(|n| E::File(n, b"x")).collect();
    let opts = Options {
        max_entries: 5,
        ..Options::default()
    };
    let scan = read_both(&docker_save(&[&Layer::plain(layer(&many))]), &opts);
    assert_eq!(kinds(&scan), vec![ProblemKind::Limit]);
    assert!(
        scan.problems[0].message.contains("max_entries"),
        "{:#?}",
        scan.problems
    );
    assert_eq!(scan.fs.len(), 5);

    let opts = Options {
        max_json_bytes: 10,
        ..Options::default()
    };
    let err = read_path(f.path(), &opts, &Collect::new()).unwrap_err();
    assert!(err.to_string().contains("max_json_bytes"), "{err}");
}

#[test]
fn garbage_inputs_are_errors_not_panics() {
    for data in [&b""[..], b"garbage", &[0u8; 4096], &[0x1f, 0x8b, 0, 0]] {
        assert!(read_stream(data, &Options::default(), &Collect::new()).is_err());
        let f = temp_file(data);
        assert!(read_path(f.path(), &Options::default(), &Collect::new()).is_err());
    }
}

#[test]
fn nested_index_depth_and_fan_out_are_capped() {
    // An index that names itself: the depth cap ends it.
    let looped = serde_json::to_vec(&serde_json::json!({"manifests": [
        {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": "sha256:self"}
    ]}))
    .unwrap();
    let files = vec![
        ("index.json".to_string(), looped.clone()),
        ("blobs/sha256/self".to_string(), looped),
    ];
    let err = read_stream(
        outer(&files).as_slice(),
        &Options::default(),
        &Collect::new(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("max_index_depth"), "{err}");

    // A wide index of indexes whose leaves match no platform: the document cap ends it.
    let leaf = serde_json::to_vec(&serde_json::json!({"manifests": [
        {"digest": "sha256:none", "platform": {"os": "plan9", "architecture": "mips"}}
    ]}))
    .unwrap();
    let wide = |child: &str| {
        let d: Vec<_> = (0..50)
            .map(|_| serde_json::json!({"mediaType": "application/vnd.oci.image.index.v1+json", "digest": format!("sha256:{child}")}))
            .collect();
        serde_json::to_vec(&serde_json::json!({ "manifests": d })).unwrap()
    };
    let files = vec![
        ("index.json".to_string(), wide("b")),
        ("blobs/sha256/b".to_string(), wide("c")),
        ("blobs/sha256/c".to_string(), wide("leaf")),
        ("blobs/sha256/leaf".to_string(), leaf),
    ];
    let start = Instant::now();
    let err = read_stream(
        outer(&files).as_slice(),
        &Options::default(),
        &Collect::new(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("max_manifests"), "{err}");
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn several_images_in_one_archive_reads_the_first_and_says_so() {
    let l0 = Layer::plain(layer(&[E::File("a", b"1")]));
    let mut files = docker_save_files(&[&l0], None);
    let m = files.iter_mut().find(|f| f.0 == "manifest.json").unwrap();
    let mut v: serde_json::Value = serde_json::from_slice(&m.1).unwrap();
    let first = v[0].clone();
    v.as_array_mut().unwrap().push(first);
    m.1 = serde_json::to_vec(&v).unwrap();
    let scan = read_both(&outer(&files), &Options::default());
    assert_eq!(kinds(&scan), vec![ProblemKind::Note]);
    assert!(scan.problems[0].message.contains("2 images"));
}

#[test]
fn oci_directory_blob_symlinked_outside_is_not_read() {
    let l = Layer::gz(layer(&[E::File("a", b"1")]));
    let (mut files, desc) = oci_image(&[&l], "amd64", None);
    oci_index(&mut files, vec![desc]);
    let dir = tempfile::tempdir().unwrap();
    write_dir(dir.path(), &files);
    let outside = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(outside.path(), &l.blob).unwrap();
    let blob = dir.path().join(&files[0].0);
    std::fs::remove_file(&blob).unwrap();
    std::os::unix::fs::symlink(outside.path(), &blob).unwrap();
    let scan = read_path(dir.path(), &Options::default(), &Collect::new()).unwrap();
    assert_eq!(kinds(&scan), vec![ProblemKind::Missing]);
    assert!(scan.fs.is_empty());
}
