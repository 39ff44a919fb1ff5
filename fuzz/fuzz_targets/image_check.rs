//! The whole `drydock image` pipeline over a well-formed archive whose
//! contents are arbitrary: the input, split at 0xFF bytes, becomes the
//! config's `config` object and history, `/etc/passwd`, `/etc/shadow`,
//! `/etc/group`, `/etc/os-release`, `/app/.env`, `/root/.npmrc` and the
//! mode bits of a file; the image is read, assembled and judged by every
//! rule. Never panics, never hangs.
#![no_main]

use drydock_image::Options;
use drydock_imagespec::{ImageVisitor, Wants};
use drydock_rules::Settings;
use drydock_rules::rules::image::files::wants_text;
use drydock_rules::rules::secrets::image_file::{may_hold_secret, wants_file};
use libfuzzer_sys::fuzz_target;

const FILES: [&str; 6] = [
    "etc/passwd",
    "etc/shadow",
    "etc/group",
    "etc/os-release",
    "app/.env",
    "root/.npmrc",
];

fn sha256(d: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    for b in ring::digest::digest(&ring::digest::SHA256, d).as_ref() {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn archive(data: &[u8]) -> Option<Vec<u8>> {
    let parts: Vec<&[u8]> = data.split(|b| *b == 0xFF).collect();
    let part = |i: usize| parts.get(i).copied().unwrap_or_default();
    let mut layer = tar::Builder::new(Vec::new());
    for (i, name) in FILES.iter().enumerate() {
        let body = part(i + 2);
        let mut h = tar::Header::new_gnu();
        h.set_size(body.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        layer.append_data(&mut h, name, body).ok()?;
    }
    let mode = part(8);
    let mut h = tar::Header::new_gnu();
    h.set_size(0);
    h.set_mode(u32::from(mode.first().copied().unwrap_or(0)) << 4 | 0o7);
    h.set_entry_type(if mode.get(1).is_some_and(|b| b & 1 == 1) {
        tar::EntryType::Directory
    } else {
        tar::EntryType::Regular
    });
    h.set_cksum();
    layer.append_data(&mut h, "usr/bin/x", std::io::empty()).ok()?;
    let layer = layer.into_inner().ok()?;
    let diff_id = sha256(&layer);
    let config_obj: serde_json::Value =
        serde_json::from_slice(part(0)).unwrap_or(serde_json::Value::Null);
    let history: Vec<serde_json::Value> = String::from_utf8_lossy(part(1))
        .lines()
        .map(|l| serde_json::json!({"created_by": l}))
        .collect();
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64", "os": "linux", "created": "2020-01-01T00:00:00Z",
        "config": config_obj, "history": history,
        "rootfs": {"type": "layers", "diff_ids": [format!("sha256:{diff_id}")]},
    }))
    .ok()?;
    let cfg_name = format!("{}.json", sha256(&config));
    let manifest = serde_json::to_vec(&serde_json::json!([{
        "Config": cfg_name, "RepoTags": ["fuzz:latest"], "Layers": [format!("{diff_id}/layer.tar")],
    }]))
    .ok()?;
    let mut outer = tar::Builder::new(Vec::new());
    for (name, body) in [
        (format!("{diff_id}/layer.tar"), layer.as_slice()),
        (cfg_name.clone(), config.as_slice()),
        ("manifest.json".to_string(), manifest.as_slice()),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_size(body.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        outer.append_data(&mut h, name, body).ok()?;
    }
    outer.into_inner().ok()
}

fuzz_target!(|data: &[u8]| {
    let Some(tar) = archive(data) else {
        return;
    };
    let visitor = ImageVisitor {
        wants: Wants {
            text: &wants_text,
            secret_file: &wants_file,
            secret: &may_hold_secret,
        },
        catalog: true,
    };
    let opts = Options {
        parallel: false,
        ..Options::default()
    };
    let Ok(scan) = drydock_image::read_stream(tar.as_slice(), &opts, &visitor) else {
        return;
    };
    let built = drydock_imagespec::assemble(scan, "fuzz");
    let settings = Settings {
        now: Some(1_790_000_000),
        max_image_age_days: Some(30),
        scan_content_trust: Some(None),
        ..Settings::default()
    };
    let mut findings = drydock_rules::check_built_image(&built.spec, &built.sources, &settings);
    for f in &mut findings {
        built.relocate(f);
        if let Some((file, range)) = f.origin.file_range() {
            let text = &built.sources.get(file).expect("finding in a known file").text;
            assert!(range.end as usize <= text.len(), "range past the end");
        }
    }
});
