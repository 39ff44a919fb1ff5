//! Builders for test images: layer tars (including hostile entries the `tar`
//! crate's safe API refuses to write), compression, `docker save` archives
//! and OCI layouts.
#![allow(dead_code, clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::io::Write;
use std::sync::Mutex;

use drydock_image::{EntryMeta, Visitor};
use ring::digest::{SHA256, digest};

pub enum E<'a> {
    File(&'a str, &'a [u8]),
    FileMode(&'a str, &'a [u8], u32),
    Dir(&'a str),
    Symlink(&'a str, &'a str),
    Hardlink(&'a str, &'a str),
}

fn raw_header(path: &str, kind: tar::EntryType, size: u64, mode: u32) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(mode);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(1_700_000_000);
    // Raw name bytes: `set_path` refuses `..` and absolute paths, hostile tars don't.
    let name = &mut h.as_old_mut().name;
    name.fill(0);
    let bytes = path.as_bytes();
    assert!(bytes.len() < 100, "test path too long for a raw header");
    name[..bytes.len()].copy_from_slice(bytes);
    h.set_cksum();
    h
}

fn raw_link(path: &str, kind: tar::EntryType, target: &str) -> tar::Header {
    let mut h = raw_header(path, kind, 0, 0o777);
    let ln = &mut h.as_old_mut().linkname;
    ln.fill(0);
    ln[..target.len()].copy_from_slice(target.as_bytes());
    h.set_cksum();
    h
}

/// An uncompressed layer tar.
pub fn layer(entries: &[E<'_>]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        match e {
            E::File(p, data) => b
                .append(
                    &raw_header(p, tar::EntryType::Regular, data.len() as u64, 0o644),
                    *data,
                )
                .unwrap(),
            E::FileMode(p, data, mode) => b
                .append(
                    &raw_header(p, tar::EntryType::Regular, data.len() as u64, *mode),
                    *data,
                )
                .unwrap(),
            E::Dir(p) => b
                .append(&raw_header(p, tar::EntryType::Directory, 0, 0o755), &[][..])
                .unwrap(),
            E::Symlink(p, t) => b
                .append(&raw_link(p, tar::EntryType::Symlink, t), &[][..])
                .unwrap(),
            E::Hardlink(p, t) => b
                .append(&raw_link(p, tar::EntryType::Link, t), &[][..])
                .unwrap(),
        }
    }
    b.into_inner().unwrap()
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).unwrap()
}

pub fn sha(data: &[u8]) -> String {
    let d = digest(&SHA256, data);
    let hex: String = d.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

pub fn hex(d: &str) -> &str {
    d.strip_prefix("sha256:").unwrap()
}

/// A layer as stored (blob) and its uncompressed tar (for the diff_id).
pub struct Layer {
    pub blob: Vec<u8>,
    pub tar: Vec<u8>,
}

impl Layer {
    pub fn plain(tar: Vec<u8>) -> Layer {
        Layer {
            blob: tar.clone(),
            tar,
        }
    }
    pub fn gz(tar: Vec<u8>) -> Layer {
        Layer {
            blob: gzip(&tar),
            tar,
        }
    }
    pub fn zst(tar: Vec<u8>) -> Layer {
        Layer {
            blob: zstd(&tar),
            tar,
        }
    }
}

pub fn config_json(layers: &[&Layer], arch: &str) -> Vec<u8> {
    let diff_ids: Vec<String> = layers.iter().map(|l| sha(&l.tar)).collect();
    serde_json::to_vec(&serde_json::json!({
        "architecture": arch,
        "os": "linux",
        "created": "2024-01-02T03:04:05Z",
        "config": {"User": "app", "Env": ["PATH=/usr/bin", "SECRET=x"], "Cmd": ["/bin/sh"], "ExposedPorts": {"22/tcp": {}},
                   "Labels": {"a": "b"}, "Healthcheck": {"Test": ["CMD", "true"], "Interval": 1000000000}},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created_by": "/bin/sh -c #(nop) ADD file:abc in /"}, {"created_by": "RUN echo", "empty_layer": true}]
    }))
    .unwrap()
}

/// A tar with the given (name, content) files, in order.
pub fn outer(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, name, data.as_slice()).unwrap();
    }
    b.into_inner().unwrap()
}

/// Classic `docker save`: `<n>/layer.tar`, `<hex>.json`, `manifest.json` (last, as Docker writes it).
pub fn docker_save_files(layers: &[&Layer], config: Option<Vec<u8>>) -> Vec<(String, Vec<u8>)> {
    let config = config.unwrap_or_else(|| config_json(layers, "amd64"));
    let config_name = format!("{}.json", hex(&sha(&config)));
    let mut files = Vec::new();
    let mut names = Vec::new();
    for (i, l) in layers.iter().enumerate() {
        let name = format!("{:064x}/layer.tar", i + 1);
        files.push((name.clone(), l.blob.clone()));
        names.push(name);
    }
    files.push((config_name.clone(), config));
    let manifest =
        serde_json::json!([{"Config": config_name, "RepoTags": ["test:latest"], "Layers": names}]);
    files.push((
        "manifest.json".into(),
        serde_json::to_vec(&manifest).unwrap(),
    ));
    files.push((
        "repositories".into(),
        br#"{"test":{"latest":"x"}}"#.to_vec(),
    ));
    files
}

pub fn docker_save(layers: &[&Layer]) -> Vec<u8> {
    outer(&docker_save_files(layers, None))
}

/// An OCI image manifest + config blobs for `layers`, returns (files, manifest descriptor JSON).
pub fn oci_image(
    layers: &[&Layer],
    arch: &str,
    variant: Option<&str>,
) -> (Vec<(String, Vec<u8>)>, serde_json::Value) {
    let config = config_json(layers, arch);
    let mut files = Vec::new();
    let mut descs = Vec::new();
    for l in layers {
        let d = sha(&l.blob);
        files.push((format!("blobs/sha256/{}", hex(&d)), l.blob.clone()));
        descs.push(serde_json::json!({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": d, "size": l.blob.len()}));
    }
    let cd = sha(&config);
    files.push((format!("blobs/sha256/{}", hex(&cd)), config.clone()));
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": config.len()},
        "layers": descs
    }))
    .unwrap();
    let md = sha(&manifest);
    files.push((format!("blobs/sha256/{}", hex(&md)), manifest.clone()));
    let mut platform = serde_json::json!({"architecture": arch, "os": "linux"});
    if let Some(v) = variant {
        platform["variant"] = serde_json::json!(v);
    }
    let desc = serde_json::json!({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": manifest.len(), "platform": platform});
    (files, desc)
}

pub fn oci_index(files: &mut Vec<(String, Vec<u8>)>, manifests: Vec<serde_json::Value>) {
    let index = serde_json::json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests});
    files.push((
        "oci-layout".into(),
        br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
    ));
    files.push(("index.json".into(), serde_json::to_vec(&index).unwrap()));
}

pub fn write_dir(dir: &std::path::Path, files: &[(String, Vec<u8>)]) {
    for (name, data) in files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    }
}

/// Wants every file up to `cap` bytes; a fact is (path, content).
pub struct Collect {
    pub cap: u64,
    pub calls: Mutex<u64>,
}

impl Collect {
    pub fn new() -> Collect {
        Collect {
            cap: 1 << 20,
            calls: Mutex::new(0),
        }
    }
}

impl Visitor for Collect {
    type Fact = String;
    fn wants(&self, _path: &str, _entry: &EntryMeta) -> Option<u64> {
        Some(self.cap)
    }
    fn visit(&self, _path: &str, _entry: &EntryMeta, data: &[u8]) -> Vec<String> {
        *self.calls.lock().unwrap() += 1;
        vec![String::from_utf8_lossy(data).into_owned()]
    }
}

/// Writes bytes to a temp file and returns it (kept alive by the caller).
pub fn temp_file(data: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(data).unwrap();
    f.flush().unwrap();
    f
}
