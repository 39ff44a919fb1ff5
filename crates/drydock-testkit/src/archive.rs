//! Image archives made in tests: `docker save` tars built in memory from a
//! list of files, and the `*.image.toml` fixture format the rule fixtures
//! use (`crates/drydock-rules/tests/fixtures/<ID>.image.toml`).
//!
//! ```toml
//! name = "fixture.tar"                  # image name in reports
//! created = "2019-01-01T00:00:00Z"      # optional, config `created`
//! now = "2026-11-23T00:00:00Z"          # optional: the scan's current time
//! max_age_days = 90                     # optional: --max-age
//! content_trust = "0"                   # optional: DOCKER_CONTENT_TRUST of the scan
//! content_trust_unset = true            # optional: DOCKER_CONTENT_TRUST unset
//! history = ["RUN /bin/sh -c apt-get update # buildkit"]   # config history, oldest first
//! [config]                              # the OCI config's `config` object
//! User = "root"
//! [[file]]
//! path = "/etc/shadow"
//! mode = "640"        # octal, incl. setuid/setgid/sticky; default 644 (file) / 755 (dir)
//! kind = "file"       # file | dir | symlink; parents are created implicitly
//! target = "…"        # symlink target
//! uid = 0
//! gid = 0
//! layer = 0           # files of layer N go into the N-th layer
//! text = "…"
//! ```

use std::collections::BTreeSet;

use serde::Deserialize;

/// One path of a layer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureFile {
    pub path: String,
    #[serde(default)]
    pub mode: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub target: Option<String>,
    #[serde(default)]
    pub uid: u64,
    #[serde(default)]
    pub gid: u64,
    #[serde(default)]
    pub layer: usize,
    #[serde(default)]
    pub text: Option<String>,
}

/// An image fixture (see the module documentation).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageFixture {
    pub name: String,
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub now: Option<String>,
    #[serde(default)]
    pub max_age_days: Option<u64>,
    #[serde(default)]
    pub content_trust: Option<String>,
    #[serde(default)]
    pub content_trust_unset: bool,
    #[serde(default)]
    pub history: Vec<String>,
    #[serde(default)]
    pub config: Option<toml::Table>,
    #[serde(default, rename = "file")]
    pub files: Vec<FixtureFile>,
}

impl ImageFixture {
    pub fn from_toml(text: &str) -> Result<ImageFixture, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// The fixture as a classic `docker save` archive: one layer per layer
    /// index used (at least one), the config with `created`, `config` and a
    /// `history` whose non-empty entries line up with the layers.
    pub fn archive(&self) -> Result<Vec<u8>, String> {
        let count = self.files.iter().map(|f| f.layer + 1).max().unwrap_or(1);
        let mut layers = Vec::with_capacity(count);
        for i in 0..count {
            let files: Vec<&FixtureFile> = self.files.iter().filter(|f| f.layer == i).collect();
            layers.push(layer_tar(&files)?);
        }
        let mut config = serde_json::Map::new();
        if let Some(c) = &self.created {
            config.insert("created".into(), c.clone().into());
        }
        if let Some(c) = &self.config {
            let v = serde_json::to_value(c).map_err(|e| e.to_string())?;
            config.insert("config".into(), v);
        }
        // The given history (empty layers), then one entry per layer.
        let mut history: Vec<serde_json::Value> = self
            .history
            .iter()
            .map(|h| serde_json::json!({"created_by": h, "empty_layer": true}))
            .collect();
        for i in 0..count {
            history.push(serde_json::json!({"created_by": format!("COPY layer{i} / # buildkit")}));
        }
        config.insert("history".into(), history.into());
        let reference = format!("{}:fixture", self.name.trim_end_matches(".tar"));
        Ok(docker_save(
            &reference,
            &serde_json::Value::Object(config),
            &layers,
        ))
    }
}

fn octal(mode: &str, path: &str) -> Result<u32, String> {
    u32::from_str_radix(mode, 8).map_err(|_| format!("{path}: mode {mode:?} is not octal"))
}

/// A layer tar of `files`, their parent directories created first
/// (mode 755, root).
pub fn layer_tar(files: &[&FixtureFile]) -> Result<Vec<u8>, String> {
    let mut b = tar::Builder::new(Vec::new());
    let mut dirs: BTreeSet<String> = BTreeSet::new();
    for f in files {
        let rel = f.path.trim_start_matches('/');
        let parts: Vec<&str> = rel.split('/').collect();
        for i in 1..parts.len() {
            dirs.insert(parts[..i].join("/"));
        }
    }
    let explicit: BTreeSet<&str> = files
        .iter()
        .filter(|f| f.kind.as_deref() == Some("dir"))
        .map(|f| f.path.trim_start_matches('/'))
        .collect();
    let err = |e: std::io::Error| e.to_string();
    for d in dirs.iter().filter(|d| !explicit.contains(d.as_str())) {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_mode(0o755);
        h.set_size(0);
        h.set_cksum();
        b.append_data(&mut h, format!("{d}/"), std::io::empty())
            .map_err(err)?;
    }
    for f in files {
        let rel = f.path.trim_start_matches('/');
        let mut h = tar::Header::new_gnu();
        h.set_uid(f.uid);
        h.set_gid(f.gid);
        match f.kind.as_deref().unwrap_or("file") {
            "file" => {
                let data = f.text.as_deref().unwrap_or("").as_bytes();
                h.set_entry_type(tar::EntryType::Regular);
                h.set_mode(octal(f.mode.as_deref().unwrap_or("644"), &f.path)?);
                h.set_size(data.len() as u64);
                h.set_cksum();
                b.append_data(&mut h, rel, data).map_err(err)?;
            }
            "dir" => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(octal(f.mode.as_deref().unwrap_or("755"), &f.path)?);
                h.set_size(0);
                h.set_cksum();
                b.append_data(&mut h, format!("{rel}/"), std::io::empty())
                    .map_err(err)?;
            }
            "symlink" => {
                let target = f
                    .target
                    .as_deref()
                    .ok_or_else(|| format!("{}: a symlink needs a target", f.path))?;
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_mode(0o777);
                h.set_size(0);
                b.append_link(&mut h, rel, target).map_err(err)?;
            }
            other => return Err(format!("{}: unknown kind {other:?}", f.path)),
        }
    }
    b.into_inner().map_err(err)
}

fn sha256_hex(d: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, d)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A classic `docker save` archive (`manifest.json`, `<hex>.json`,
/// `<hex>/layer.tar`) of `layers` (uncompressed tars, oldest first) tagged
/// `reference`, whose config is `config` with `architecture`, `os` and
/// `rootfs` filled in.
pub fn docker_save(reference: &str, config: &serde_json::Value, layers: &[Vec<u8>]) -> Vec<u8> {
    let diff_ids: Vec<String> = layers.iter().map(|l| sha256_hex(l)).collect();
    let mut cfg = config.clone();
    cfg["architecture"] = "amd64".into();
    cfg["os"] = "linux".into();
    cfg["rootfs"] = serde_json::json!({
        "type": "layers",
        "diff_ids": diff_ids.iter().map(|d| format!("sha256:{d}")).collect::<Vec<_>>(),
    });
    let cfg = serde_json::to_vec(&cfg).unwrap_or_default();
    let cfg_name = format!("{}.json", sha256_hex(&cfg));
    let manifest = serde_json::to_vec(&serde_json::json!([{
        "Config": cfg_name,
        "RepoTags": [reference],
        "Layers": diff_ids.iter().map(|d| format!("{d}/layer.tar")).collect::<Vec<_>>(),
    }]))
    .unwrap_or_default();
    let mut b = tar::Builder::new(Vec::new());
    let mut add = |path: &str, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        // Appending to a Vec cannot fail.
        let _ = b.append_data(&mut h, path, data);
    };
    for (d, l) in diff_ids.iter().zip(layers) {
        add(&format!("{d}/layer.tar"), l);
    }
    add(&cfg_name, &cfg);
    add("manifest.json", &manifest);
    b.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixture_becomes_an_archive_with_its_layers() {
        let f = ImageFixture::from_toml(
            r#"
name = "x.tar"
created = "2020-01-01T00:00:00Z"
history = ["RUN /bin/sh -c true # buildkit"]
[config]
User = "app"
[[file]]
path = "/usr/bin/su"
mode = "4755"
[[file]]
path = "/app/.env"
layer = 1
text = "A=1\n"
"#,
        )
        .unwrap();
        let tar = f.archive().unwrap();
        let mut a = tar::Archive::new(tar.as_slice());
        let names: Vec<String> = a
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect();
        assert_eq!(names.len(), 4, "{names:?}");
        assert!(names.iter().any(|n| n == "manifest.json"));
        assert_eq!(
            names.iter().filter(|n| n.ends_with("/layer.tar")).count(),
            2
        );
    }

    #[test]
    fn bad_fixtures_are_errors() {
        assert!(ImageFixture::from_toml("name = 1").is_err());
        assert!(ImageFixture::from_toml("name = \"a\"\nbogus = 1").is_err());
        let f = ImageFixture::from_toml("name = \"a\"\n[[file]]\npath = \"/x\"\nmode = \"9z\"\n")
            .unwrap();
        assert!(f.archive().is_err());
    }
}
