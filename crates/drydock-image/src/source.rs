//! Where blobs come from (a tar file indexed once, a directory, a stream),
//! how the manifest chooses them, and how layer results become an image.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufRead, Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use ring::digest::{SHA256, digest};

use crate::fsview::FsView;
use crate::json::{Descriptor, DockerManifestEntry, ManifestOrIndex};
use crate::layer::{Budget, LayerResult, process_layer};
use crate::path::{archive_link, archive_name, blob_name, digest_of_name};
use crate::{
    EntryKind, Format, ImageConfig, ImageError, ImageScan, LayerInfo, ManifestInfo, Options,
    Platform, Problem, ProblemKind, Visitor,
};

const MAX_LINK_HOPS: usize = 8;
/// Non-JSON entries of a stream up to this size are kept besides being read as layers.
const KEEP_SMALL: u64 = 64 << 10;

pub(crate) enum BlobError {
    Missing,
    TooLarge(u64),
    /// A stream entry that was not kept because it did not look like JSON.
    NotJson,
    Io(String),
}

impl BlobError {
    fn problem(&self, name: &str, what: &str, max: u64) -> Problem {
        match self {
            BlobError::Missing => Problem::new(
                ProblemKind::Missing,
                format!("{what} is missing from the archive"),
            )
            .entry(name),
            BlobError::TooLarge(n) => Problem::new(
                ProblemKind::Limit,
                format!("{what} is {n} bytes, more than {max} (limit max_json_bytes)"),
            )
            .entry(name),
            BlobError::NotJson => {
                Problem::new(ProblemKind::BadJson, format!("{what} is not JSON")).entry(name)
            }
            BlobError::Io(e) => {
                Problem::new(ProblemKind::Corrupt, format!("cannot read {what}: {e}")).entry(name)
            }
        }
    }
    fn fatal(&self, name: &str, what: &str, max: u64) -> ImageError {
        ImageError::Manifest {
            entry: name.to_string(),
            message: self.problem(name, what, max).message,
        }
    }
}

/// A source of named blobs (names relative, normalised: `blobs/sha256/…`).
pub(crate) trait Store: Sync {
    /// The name of the blob a name designates (after archive links); None if missing.
    fn canonical(&self, name: &str) -> Option<String>;
    fn has(&self, name: &str) -> bool {
        self.canonical(name).is_some()
    }
    /// A small document, read whole (at most `max` bytes).
    fn small(&self, name: &str, max: u64) -> Result<Vec<u8>, BlobError>;
}

/// Seekable stores can open a blob for streaming.
pub(crate) trait SeekStore: Store {
    fn open(&self, name: &str) -> Result<Box<dyn Read + Send + '_>, BlobError>;
}

// ---------------------------------------------------------------- tar file

/// A tar file whose headers were read once: name → (data offset, size).
pub(crate) struct TarStore {
    path: PathBuf,
    files: HashMap<String, (u64, u64)>,
    links: HashMap<String, String>,
}

impl TarStore {
    pub(crate) fn index(path: &Path, opts: &Options) -> Result<TarStore, ImageError> {
        let shown = path.display().to_string();
        let io_err = |e: io::Error| ImageError::Io {
            path: shown.clone(),
            source: e,
        };
        let file = File::open(path).map_err(io_err)?;
        let mut archive = tar::Archive::new(io::BufReader::with_capacity(64 << 10, file));
        let mut files = HashMap::new();
        let mut links = HashMap::new();
        let entries = archive.entries_with_seek().map_err(io_err)?;
        for (n, item) in entries.enumerate() {
            if n as u64 >= opts.max_entries {
                return Err(ImageError::Limit(format!(
                    "{shown}: more than {} entries in the archive (limit max_entries)",
                    opts.max_entries
                )));
            }
            let entry = item.map_err(|e| ImageError::Io {
                path: shown.clone(),
                source: io::Error::new(e.kind(), format!("archive is not a readable tar: {e}")),
            })?;
            let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let Some(name) = archive_name(&raw) else {
                continue;
            };
            match entry.header().entry_type() {
                tar::EntryType::Regular | tar::EntryType::Continuous => {
                    files.insert(name, (entry.raw_file_position(), entry.size()));
                }
                tar::EntryType::Symlink | tar::EntryType::Link => {
                    let target = entry
                        .link_name_bytes()
                        .map(|l| String::from_utf8_lossy(&l).into_owned())
                        .unwrap_or_default();
                    let resolved = if entry.header().entry_type() == tar::EntryType::Symlink {
                        archive_link(&name, &target)
                    } else {
                        archive_name(&target)
                    };
                    if let Some(t) = resolved {
                        links.insert(name, t);
                    }
                }
                _ => {}
            }
        }
        Ok(TarStore {
            path: path.to_path_buf(),
            files,
            links,
        })
    }

    pub(crate) fn format(&self) -> Format {
        names_format(|n| self.has(n))
    }

    fn lookup(&self, name: &str) -> Option<(u64, u64)> {
        self.files.get(&self.canonical(name)?).copied()
    }
}

fn names_format(has: impl Fn(&str) -> bool) -> Format {
    if has("manifest.json") {
        if has("index.json") {
            Format::DockerSaveOci
        } else {
            Format::DockerSave
        }
    } else {
        Format::OciLayout
    }
}

impl Store for TarStore {
    fn canonical(&self, name: &str) -> Option<String> {
        let mut n = name.to_string();
        for _ in 0..MAX_LINK_HOPS {
            if self.files.contains_key(&n) {
                return Some(n);
            }
            n = self.links.get(&n)?.clone();
        }
        None
    }
    fn small(&self, name: &str, max: u64) -> Result<Vec<u8>, BlobError> {
        let (_, size) = self.lookup(name).ok_or(BlobError::Missing)?;
        if size > max {
            return Err(BlobError::TooLarge(size));
        }
        let mut r = self.open(name)?;
        let mut v = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        r.read_to_end(&mut v)
            .map_err(|e| BlobError::Io(e.to_string()))?;
        Ok(v)
    }
}

impl SeekStore for TarStore {
    fn open(&self, name: &str) -> Result<Box<dyn Read + Send + '_>, BlobError> {
        let (off, size) = self.lookup(name).ok_or(BlobError::Missing)?;
        let mut f = File::open(&self.path).map_err(|e| BlobError::Io(e.to_string()))?;
        f.seek(SeekFrom::Start(off))
            .map_err(|e| BlobError::Io(e.to_string()))?;
        Ok(Box::new(f.take(size)))
    }
}

// ---------------------------------------------------------------- directory

/// An OCI layout or extracted `docker save` directory. Names never leave it.
pub(crate) struct DirStore {
    root: PathBuf,
}

pub(crate) fn dir_format(root: &Path) -> Format {
    names_format(|n| root.join(n).is_file())
}

impl DirStore {
    pub(crate) fn new(root: &Path) -> Result<DirStore, ImageError> {
        let root = root.canonicalize().map_err(|e| ImageError::Io {
            path: root.display().to_string(),
            source: e,
        })?;
        Ok(DirStore { root })
    }

    fn resolve(&self, name: &str) -> Option<PathBuf> {
        let name = archive_name(name)?;
        let p = self.root.join(name).canonicalize().ok()?;
        (p.starts_with(&self.root) && p.is_file()).then_some(p)
    }
}

impl Store for DirStore {
    fn canonical(&self, name: &str) -> Option<String> {
        self.resolve(name)?;
        archive_name(name)
    }
    fn small(&self, name: &str, max: u64) -> Result<Vec<u8>, BlobError> {
        let p = self.resolve(name).ok_or(BlobError::Missing)?;
        let f = File::open(&p).map_err(|e| BlobError::Io(e.to_string()))?;
        let size = f
            .metadata()
            .map_err(|e| BlobError::Io(e.to_string()))?
            .len();
        if size > max {
            return Err(BlobError::TooLarge(size));
        }
        let mut v = Vec::new();
        f.take(max)
            .read_to_end(&mut v)
            .map_err(|e| BlobError::Io(e.to_string()))?;
        Ok(v)
    }
}

impl SeekStore for DirStore {
    fn open(&self, name: &str) -> Result<Box<dyn Read + Send + '_>, BlobError> {
        let p = self.resolve(name).ok_or(BlobError::Missing)?;
        let f = File::open(&p).map_err(|e| BlobError::Io(e.to_string()))?;
        Ok(Box::new(f))
    }
}

// ---------------------------------------------------------------- plan

pub(crate) struct PlannedLayer {
    /// The name the manifest uses.
    pub source: String,
    /// The blob it designates (after archive links), the key of layer results.
    pub blob: String,
    pub media_type: Option<String>,
    pub digest: Option<String>,
    pub size: Option<u64>,
    pub diff_id: Option<String>,
}

pub(crate) struct Plan {
    pub format: Format,
    pub manifest: ManifestInfo,
    pub config: Option<ImageConfig>,
    pub config_raw: Option<serde_json::Value>,
    pub layers: Vec<PlannedLayer>,
}

fn sha256_hex(data: &[u8]) -> String {
    let d = digest(&SHA256, data);
    let mut s = String::from("sha256:");
    for b in d.as_ref() {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

fn check_digest(
    data: &[u8],
    expected: Option<&str>,
    name: &str,
    what: &str,
    problems: &mut Vec<Problem>,
) {
    let Some(exp) = expected else { return };
    if !exp.starts_with("sha256:") {
        problems.push(
            Problem::new(
                ProblemKind::Unsupported,
                format!("{what} digest {exp} uses an algorithm this reader does not check"),
            )
            .entry(name),
        );
        return;
    }
    let got = sha256_hex(data);
    if got != exp {
        problems.push(
            Problem::new(
                ProblemKind::DigestMismatch,
                format!("{what} has digest {got}, expected {exp}"),
            )
            .entry(name),
        );
    }
}

fn parse_config(
    store: &dyn Store,
    name: &str,
    expected_digest: Option<&str>,
    opts: &Options,
    plan: &mut Plan,
    problems: &mut Vec<Problem>,
) {
    plan.manifest.config_source = Some(name.to_string());
    let bytes = match store.small(name, opts.max_json_bytes) {
        Ok(b) => b,
        Err(e) => {
            problems.push(e.problem(name, "the image config", opts.max_json_bytes));
            plan.manifest.config_digest = expected_digest.map(str::to_string);
            return;
        }
    };
    check_digest(&bytes, expected_digest, name, "the image config", problems);
    plan.manifest.config_digest = Some(
        expected_digest
            .map(str::to_string)
            .unwrap_or_else(|| sha256_hex(&bytes)),
    );
    let value: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            problems.push(
                Problem::new(
                    ProblemKind::BadJson,
                    format!("the image config is not JSON: {e}; reading the layers without it"),
                )
                .entry(name),
            );
            return;
        }
    };
    match serde_json::from_value::<ImageConfig>(value.clone()) {
        Ok(c) => {
            if plan.manifest.platform.is_none()
                && let (Some(os), Some(arch)) = (&c.os, &c.architecture)
            {
                plan.manifest.platform = Some(Platform {
                    os: os.clone(),
                    architecture: arch.clone(),
                    variant: c.variant.clone(),
                });
            }
            plan.config = Some(c);
        }
        Err(e) => problems.push(
            Problem::new(
                ProblemKind::BadJson,
                format!("the image config does not have the expected shape: {e}"),
            )
            .entry(name),
        ),
    }
    plan.config_raw = Some(value);
}

fn json_doc<T: serde::de::DeserializeOwned>(
    store: &dyn Store,
    name: &str,
    what: &str,
    opts: &Options,
) -> Result<(T, Vec<u8>), ImageError> {
    let bytes = store
        .small(name, opts.max_json_bytes)
        .map_err(|e| e.fatal(name, what, opts.max_json_bytes))?;
    let v = serde_json::from_slice(&bytes).map_err(|e| ImageError::Manifest {
        entry: name.to_string(),
        message: format!("{what} is not valid: {e}"),
    })?;
    Ok((v, bytes))
}

pub(crate) fn plan(
    store: &dyn Store,
    format: Format,
    opts: &Options,
    problems: &mut Vec<Problem>,
) -> Result<Plan, ImageError> {
    let mut plan = Plan {
        format,
        manifest: ManifestInfo::default(),
        config: None,
        config_raw: None,
        layers: Vec::new(),
    };
    let mut descriptors: Vec<Descriptor> = Vec::new();
    let mut layer_names: Vec<String> = Vec::new();
    if store.has("manifest.json") {
        let (entries, _) =
            json_doc::<Vec<DockerManifestEntry>>(store, "manifest.json", "manifest.json", opts)?;
        let Some(first) = entries.first() else {
            return Err(ImageError::Manifest {
                entry: "manifest.json".into(),
                message: "manifest.json lists no image".into(),
            });
        };
        if entries.len() > 1 {
            problems.push(
                Problem::new(
                    ProblemKind::Note,
                    format!(
                        "the archive holds {} images; reading the first",
                        entries.len()
                    ),
                )
                .entry("manifest.json"),
            );
        }
        plan.manifest.repo_tags = first.repo_tags.clone().unwrap_or_default();
        let config_name = archive_name(&first.config).ok_or_else(|| ImageError::Manifest {
            entry: "manifest.json".into(),
            message: format!("config name {:?} is not inside the archive", first.config),
        })?;
        let expected = digest_of_name(&config_name).or_else(|| {
            let hex = config_name.strip_suffix(".json")?;
            (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| format!("sha256:{hex}"))
        });
        parse_config(
            store,
            &config_name,
            expected.as_deref(),
            opts,
            &mut plan,
            problems,
        );
        // A `docker save` archive holds one platform: say so if it is not the one asked for.
        if let (Some(req), Some(got)) = (&opts.platform, &plan.manifest.platform)
            && !req.matches(got)
        {
            problems.push(
                Problem::new(
                    ProblemKind::Note,
                    format!("platform {req} was asked for, but the image is {got}; reading it"),
                )
                .entry(&config_name),
            );
        }
        for l in &first.layers {
            match archive_name(l) {
                Some(n) => layer_names.push(n),
                None => {
                    return Err(ImageError::Manifest {
                        entry: "manifest.json".into(),
                        message: format!("layer name {l:?} is not inside the archive"),
                    });
                }
            }
        }
    } else if store.has("index.json") {
        let (index, _) = json_doc::<ManifestOrIndex>(store, "index.json", "index.json", opts)?;
        let requested = opts.platform.clone().unwrap_or_else(Platform::host);
        let (desc, manifest) = select_manifest(
            &Chooser {
                store,
                requested: &requested,
                opts,
            },
            index,
            "index.json",
            0,
            &mut 0,
            problems,
        )?;
        if let Some(a) = &desc.annotations
            && let Some(r) = a.get("org.opencontainers.image.ref.name")
        {
            plan.manifest.repo_tags.push(r.clone());
        }
        plan.manifest.manifest_digest = Some(desc.digest.clone());
        plan.manifest.platform = desc.platform.as_ref().map(|p| p.to_platform());
        let config = manifest
            .config
            .as_ref()
            .ok_or_else(|| ImageError::Manifest {
                entry: blob_name(&desc.digest).unwrap_or_default(),
                message: "the image manifest has no config".into(),
            })?;
        match blob_name(&config.digest) {
            Some(n) => parse_config(store, &n, Some(&config.digest), opts, &mut plan, problems),
            None => problems.push(
                Problem::new(
                    ProblemKind::BadJson,
                    format!("config digest {:?} is malformed", config.digest),
                )
                .entry(&blob_name(&desc.digest).unwrap_or_default()),
            ),
        }
        for l in manifest.layers.unwrap_or_default() {
            match blob_name(&l.digest) {
                Some(n) => {
                    layer_names.push(n);
                    descriptors.push(l);
                }
                None => {
                    return Err(ImageError::Manifest {
                        entry: blob_name(&desc.digest).unwrap_or_default(),
                        message: format!("layer digest {:?} is malformed", l.digest),
                    });
                }
            }
        }
    } else {
        return Err(ImageError::NotAnImage("archive".into()));
    }
    if layer_names.len() > opts.max_layers {
        return Err(ImageError::Limit(format!(
            "the manifest lists {} layers, more than {} (limit max_layers)",
            layer_names.len(),
            opts.max_layers
        )));
    }
    let diff_ids: Vec<String> = plan
        .config
        .as_ref()
        .and_then(|c| c.rootfs.as_ref())
        .map(|r| r.diff_ids.clone())
        .unwrap_or_default();
    if plan.config.is_some() && diff_ids.len() != layer_names.len() {
        problems.push(
            Problem::new(
                ProblemKind::DigestMismatch,
                format!(
                    "the manifest lists {} layers but the config's rootfs.diff_ids has {}",
                    layer_names.len(),
                    diff_ids.len()
                ),
            )
            .entry(plan.manifest.config_source.as_deref().unwrap_or("config")),
        );
    }
    for (i, name) in layer_names.into_iter().enumerate() {
        let d = descriptors.get(i);
        plan.layers.push(PlannedLayer {
            digest: d
                .map(|d| d.digest.clone())
                .or_else(|| digest_of_name(&name)),
            media_type: d.and_then(|d| d.media_type.clone()),
            size: d.and_then(|d| d.size),
            diff_id: diff_ids.get(i).cloned(),
            blob: store.canonical(&name).unwrap_or_else(|| name.clone()),
            source: name,
        });
    }
    Ok(plan)
}

fn is_index(desc: &Descriptor) -> bool {
    matches!(
        desc.media_type.as_deref(),
        Some(
            "application/vnd.oci.image.index.v1+json"
                | "application/vnd.docker.distribution.manifest.list.v2+json"
        )
    )
}

/// Picks the manifest for `requested` from an index, descending into nested
/// indexes (at most `max_index_depth`).
/// What choosing a manifest from an index needs.
struct Chooser<'a> {
    store: &'a dyn Store,
    requested: &'a Platform,
    opts: &'a Options,
}

fn select_manifest(
    c: &Chooser<'_>,
    index: ManifestOrIndex,
    index_name: &str,
    depth: u32,
    loads: &mut u32,
    problems: &mut Vec<Problem>,
) -> Result<(Descriptor, ManifestOrIndex), ImageError> {
    if depth > c.opts.max_index_depth {
        return Err(ImageError::Limit(format!(
            "{index_name}: image indexes nested more than {} deep (limit max_index_depth)",
            c.opts.max_index_depth
        )));
    }
    let manifests = index.manifests.unwrap_or_default();
    let mut available = Vec::new();
    let mut unplatformed = Vec::new();
    for d in &manifests {
        match &d.platform {
            Some(p) => {
                let p = p.to_platform();
                if c.requested.matches(&p) {
                    return load_descriptor(c, d, depth, loads, problems);
                }
                if p.os != "unknown" {
                    available.push(p.to_string());
                }
            }
            None => unplatformed.push(d),
        }
    }
    // Descriptors without a platform (single-image layouts, nested indexes).
    for d in unplatformed {
        match load_descriptor(c, d, depth, loads, problems) {
            Ok((desc, m)) => {
                if !is_index(d) && manifests.len() > 1 {
                    problems.push(
                        Problem::new(
                            ProblemKind::Note,
                            format!(
                                "no manifest of {index_name} names platform {}; reading {}",
                                c.requested, d.digest
                            ),
                        )
                        .entry(index_name),
                    );
                }
                return Ok((desc, m));
            }
            Err(ImageError::PlatformNotFound { available: a, .. }) => available.push(a),
            Err(e) => return Err(e),
        }
    }
    Err(ImageError::PlatformNotFound {
        requested: c.requested.to_string(),
        available: if available.is_empty() {
            "none".into()
        } else {
            available.join(", ")
        },
    })
}

fn load_descriptor(
    c: &Chooser<'_>,
    d: &Descriptor,
    depth: u32,
    loads: &mut u32,
    problems: &mut Vec<Problem>,
) -> Result<(Descriptor, ManifestOrIndex), ImageError> {
    let name = blob_name(&d.digest).ok_or_else(|| ImageError::Manifest {
        entry: "index.json".into(),
        message: format!("manifest digest {:?} is malformed", d.digest),
    })?;
    *loads += 1;
    if *loads > c.opts.max_manifests {
        return Err(ImageError::Limit(format!(
            "{name}: more than {} manifests and indexes read while choosing the image (limit max_manifests)",
            c.opts.max_manifests
        )));
    }
    let (doc, bytes) = json_doc::<ManifestOrIndex>(c.store, &name, "the manifest", c.opts)?;
    check_digest(&bytes, Some(&d.digest), &name, "the manifest", problems);
    if doc.manifests.is_some() || is_index(d) {
        return select_manifest(c, doc, &name, depth + 1, loads, problems);
    }
    if doc.layers.is_none() && doc.config.is_none() {
        return Err(ImageError::Manifest {
            entry: name,
            message: format!(
                "neither an image manifest nor an index (mediaType {:?})",
                doc.media_type
            ),
        });
    }
    Ok((d.clone(), doc))
}

// ---------------------------------------------------------------- assembly

/// Turns per-source layer results into the image: digests checked, layers
/// merged in manifest order, facts of replaced files dropped.
fn assemble<F>(
    plan: Plan,
    mut results: HashMap<String, LayerResult<F>>,
    mut problems: Vec<Problem>,
    opts: &Options,
) -> ImageScan<F> {
    let mut fs = FsView::new(opts.max_symlink_hops);
    let mut layers = Vec::with_capacity(plan.layers.len());
    let mut facts = Vec::new();
    let last_use: HashMap<&str, usize> = plan
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| (l.blob.as_str(), i))
        .collect();
    let mut layer_facts: Vec<(usize, HashMap<String, Vec<F>>)> = Vec::new();
    for (i, pl) in plan.layers.iter().enumerate() {
        let mut info = LayerInfo {
            source: pl.source.clone(),
            media_type: pl.media_type.clone(),
            digest: pl.digest.clone(),
            size: pl.size,
            diff_id: pl.diff_id.clone(),
            computed_diff_id: None,
            computed_digest: None,
            compression: None,
            compressed_bytes: 0,
            uncompressed_bytes: 0,
            entries: 0,
            complete: false,
        };
        let is_last = last_use.get(pl.blob.as_str()) == Some(&i);
        let Some(r) = results.get_mut(&pl.blob) else {
            let mut p = Problem::new(
                ProblemKind::Missing,
                "the manifest names this layer but the archive does not contain it",
            )
            .entry(&pl.source);
            p.layer = Some(i);
            problems.push(p);
            layers.push(info);
            continue;
        };
        info.computed_diff_id = r.diff_id.clone();
        info.computed_digest = r.digest.clone();
        info.compression = r.compression;
        info.compressed_bytes = r.compressed_bytes;
        info.uncompressed_bytes = r.uncompressed_bytes;
        info.entries = r.entries;
        info.complete = r.complete;
        let mut local = Vec::new();
        if r.complete {
            if let (Some(exp), Some(got)) = (&pl.diff_id, &r.diff_id)
                && exp != got
            {
                local.push(
                    Problem::new(
                        ProblemKind::DigestMismatch,
                        format!("uncompressed layer has {got}, but the config's rootfs.diff_ids[{i}] is {exp}"),
                    )
                    .entry(&pl.source),
                );
            }
            if let (Some(exp), Some(got)) = (&pl.digest, &r.digest) {
                if !exp.starts_with("sha256:") {
                    local.push(
                        Problem::new(
                            ProblemKind::Unsupported,
                            format!("layer digest {exp}: only sha256 is checked"),
                        )
                        .entry(&pl.source),
                    );
                } else if exp != got {
                    local.push(
                        Problem::new(
                            ProblemKind::DigestMismatch,
                            format!("layer blob has {got}, but the manifest says {exp}"),
                        )
                        .entry(&pl.source),
                    );
                }
            }
            if let Some(size) = pl.size
                && size != r.compressed_bytes
            {
                local.push(
                    Problem::new(
                        ProblemKind::DigestMismatch,
                        format!(
                            "layer blob is {} bytes, but the manifest says {size}",
                            r.compressed_bytes
                        ),
                    )
                    .entry(&pl.source),
                );
            }
        }
        if is_last {
            local.append(&mut r.problems);
        }
        for mut p in local {
            p.layer = Some(i);
            problems.push(p);
        }
        // The last use of a blob gives its entries away (freed as merged).
        let ops = if is_last {
            std::mem::take(&mut r.ops)
        } else {
            r.ops.clone()
        };
        fs.apply(i, ops, &mut problems, &pl.source);
        if is_last {
            layer_facts.push((i, std::mem::take(&mut r.facts)));
        }
        layers.push(info);
    }
    for (i, map) in layer_facts {
        for (path, fs_facts) in map {
            let visible =
                matches!(fs.get(&path), Some(e) if e.layer == i && e.meta.kind == EntryKind::File);
            if visible {
                for f in fs_facts {
                    facts.push((path.clone(), i, f));
                }
            }
        }
    }
    facts.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    ImageScan {
        format: plan.format,
        manifest: plan.manifest,
        config: plan.config,
        config_raw: plan.config_raw,
        layers,
        fs,
        facts,
        problems,
    }
}

/// Reads an image from a seekable store: manifest and config first, then
/// each distinct layer blob (in parallel if `opts.parallel`).
pub(crate) fn read_seekable<S: SeekStore, V: Visitor>(
    store: &S,
    format: Format,
    opts: &Options,
    visitor: &V,
) -> Result<ImageScan<V::Fact>, ImageError> {
    let mut problems = Vec::new();
    let plan = plan(store, format, opts, &mut problems)?;
    let mut seen = HashSet::new();
    let unique: Vec<(&str, bool)> = plan
        .layers
        .iter()
        .filter(|l| seen.insert(l.blob.as_str()))
        .map(|l| (l.blob.as_str(), l.digest.is_some()))
        .collect();
    let budget = Budget::new();
    let read_one = |(name, blob_digest): &(&str, bool)| -> Option<(String, LayerResult<V::Fact>)> {
        match store.open(name) {
            Ok(r) => Some((
                name.to_string(),
                process_layer(r, name, *blob_digest, opts, &budget, visitor),
            )),
            // Missing: assemble() reports it where the manifest names it.
            Err(BlobError::Missing) => None,
            Err(e) => Some((
                name.to_string(),
                LayerResult::failed(e.problem(name, "the layer blob", opts.max_json_bytes)),
            )),
        }
    };
    let results: HashMap<String, LayerResult<V::Fact>> = if opts.parallel && unique.len() > 1 {
        unique.par_iter().filter_map(read_one).collect()
    } else {
        unique.iter().filter_map(read_one).collect()
    };
    Ok(assemble(plan, results, problems, opts))
}

// ---------------------------------------------------------------- stream

/// Blobs seen in a stream: small documents kept whole, layer results by name.
struct StreamStore {
    small: HashMap<String, Vec<u8>>,
    links: HashMap<String, String>,
    /// Entries not kept, with their size.
    large: HashMap<String, u64>,
}

impl StreamStore {
    fn target(&self, name: &str) -> Option<String> {
        let mut n = name.to_string();
        for _ in 0..MAX_LINK_HOPS {
            if self.small.contains_key(&n) || self.large.contains_key(&n) {
                return Some(n);
            }
            n = self.links.get(&n)?.clone();
        }
        None
    }
}

impl Store for StreamStore {
    fn canonical(&self, name: &str) -> Option<String> {
        self.target(name)
    }
    fn small(&self, name: &str, max: u64) -> Result<Vec<u8>, BlobError> {
        let t = self.target(name).ok_or(BlobError::Missing)?;
        match self.small.get(&t) {
            Some(v) if v.len() as u64 <= max => Ok(v.clone()),
            Some(v) => Err(BlobError::TooLarge(v.len() as u64)),
            None => match self.large.get(&t) {
                Some(size) if *size > max => Err(BlobError::TooLarge(*size)),
                _ => Err(BlobError::NotJson),
            },
        }
    }
}

fn looks_like_json(data: &[u8]) -> bool {
    data.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{' || *b == b'[')
}

pub(crate) fn read_stream<R: Read, V: Visitor>(
    reader: R,
    opts: &Options,
    visitor: &V,
) -> Result<ImageScan<V::Fact>, ImageError> {
    let mut archive = tar::Archive::new(reader);
    let budget = Budget::new();
    let mut store = StreamStore {
        small: HashMap::new(),
        links: HashMap::new(),
        large: HashMap::new(),
    };
    let mut results: HashMap<String, LayerResult<V::Fact>> = HashMap::new();
    let mut problems = Vec::new();
    let mut small_total = 0u64;
    let small_cap = opts.max_json_bytes.saturating_mul(8);
    let stream_err = |e: io::Error| ImageError::Io {
        path: "image stream".into(),
        source: e,
    };
    let entries = archive.entries().map_err(stream_err)?;
    let mut cut_short = false;
    for (n, item) in entries.enumerate() {
        if n as u64 >= opts.max_entries {
            return Err(ImageError::Limit(format!(
                "image stream: more than {} entries (limit max_entries)",
                opts.max_entries
            )));
        }
        let mut entry = match item {
            Ok(e) => e,
            Err(e) => {
                problems.push(Problem::new(
                    ProblemKind::Corrupt,
                    format!(
                        "the image stream is corrupt or truncated: {e}; reading what came before"
                    ),
                ));
                cut_short = true;
                break;
            }
        };
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let Some(name) = archive_name(&raw) else {
            continue;
        };
        let et = entry.header().entry_type();
        match et {
            tar::EntryType::Symlink | tar::EntryType::Link => {
                let target = entry
                    .link_name_bytes()
                    .map(|l| String::from_utf8_lossy(&l).into_owned())
                    .unwrap_or_default();
                let resolved = if et == tar::EntryType::Symlink {
                    archive_link(&name, &target)
                } else {
                    archive_name(&target)
                };
                if let Some(t) = resolved {
                    store.links.insert(name, t);
                }
                continue;
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {}
            _ => continue,
        }
        let size = entry.size();
        let truncated = |e: io::Error| {
            Problem::new(
                ProblemKind::Corrupt,
                format!("the image stream is truncated: {e}; reading what came before"),
            )
            .entry(&name)
        };
        // Peek: JSON documents are kept whole, anything else streams through
        // the layer reader (only tiny entries are also kept, so that a config
        // that is not JSON is still reported as such).
        let mut body = io::BufReader::with_capacity(64 << 10, entry.by_ref().take(size));
        let head = match body.fill_buf() {
            Ok(h) => h,
            Err(e) => {
                problems.push(truncated(e));
                cut_short = true;
                break;
            }
        };
        let json = looks_like_json(head) || name == "oci-layout";
        if (json && size <= opts.max_json_bytes) || size <= KEEP_SMALL {
            let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
            if let Err(e) = body.read_to_end(&mut data) {
                problems.push(truncated(e));
                cut_short = true;
                break;
            }
            if !json {
                let r = process_layer(
                    Cursor::new(data.as_slice()),
                    &name,
                    digest_of_name(&name).is_some(),
                    opts,
                    &budget,
                    visitor,
                );
                results.insert(name.clone(), r);
            }
            if small_total + size > small_cap {
                if !json {
                    // Already read as a layer; only not kept.
                    store.large.insert(name, size);
                    continue;
                }
                problems.push(
                    Problem::new(
                        ProblemKind::Limit,
                        format!(
                            "more than {small_cap} bytes of small documents in the stream; ignored"
                        ),
                    )
                    .entry(&name),
                );
                store.large.insert(name, size);
                continue;
            }
            small_total += size;
            store.small.insert(name, data);
        } else {
            let r = process_layer(
                body,
                &name,
                digest_of_name(&name).is_some(),
                opts,
                &budget,
                visitor,
            );
            store.large.insert(name.clone(), size);
            results.insert(name, r);
        }
    }
    let format = names_format(|n| store.has(n));
    let plan = match plan(&store, format, opts, &mut problems) {
        Ok(p) => p,
        Err(ImageError::NotAnImage(_)) if cut_short => {
            return Err(ImageError::Manifest {
                entry: "image stream".into(),
                message: problems
                    .iter()
                    .find(|p| p.kind == ProblemKind::Corrupt)
                    .map(|p| format!("{p}; no manifest.json or index.json came before"))
                    .unwrap_or_else(|| "the stream ended before its manifest".into()),
            });
        }
        Err(e) => return Err(e),
    };
    // Small layers that looked like JSON are read now that the manifest says they are layers.
    for pl in &plan.layers {
        if !results.contains_key(&pl.blob)
            && let Some(data) = store.small.get(&pl.blob)
        {
            let r = process_layer(
                Cursor::new(data.as_slice()),
                &pl.blob,
                pl.digest.is_some(),
                opts,
                &budget,
                visitor,
            );
            results.insert(pl.blob.clone(), r);
        }
    }
    Ok(assemble(plan, results, problems, opts))
}
