//! Reads a container image — a `docker save` archive (classic or the OCI-style
//! layout of Docker 25+), an OCI image layout (directory or tar), a root
//! filesystem directory, or a non-seekable `docker save` stream — into the
//! final filesystem view, streaming every layer once.
//!
//! * Layers are sniffed by magic bytes (plain tar, gzip, zstd), hashed while
//!   they stream (the uncompressed sha256 is checked against the config's
//!   `rootfs.diff_ids`, the blob digest against the manifest) and never
//!   unpacked to disk.
//! * Whiteouts (`.wh.<name>`) and opaque directories (`.wh..wh..opq`) are
//!   applied in layer order; each path of the [`FsView`] knows the layer that
//!   added it.
//! * A [`Visitor`] sees the regular files of every layer; what it returns is
//!   kept per (layer, path) and dropped when a later layer deletes or
//!   replaces the file.
//! * Every size, count, ratio and depth is capped by [`Options`]. A violation
//!   is a [`Problem`] naming the archive entry (or, when nothing sensible
//!   remains, an [`ImageError`]); hostile input never panics, hangs, writes to
//!   disk or makes the reader follow a link out of the image.
//!
//! # Visitor and the size cap
//! [`Visitor::wants`] answers with the number of bytes it needs. A regular
//! file larger than that (or than [`Options::max_file_bytes`]) is not handed
//! to [`Visitor::visit`] at all: it is skipped and recorded as a
//! [`ProblemKind::FileTooLarge`] problem (so the caller can say what was not
//! examined). Files the visitor does not want cost nothing but the skip.
//! Hard links, symlinks and special files are recorded in the view but not
//! visited.
//!
//! # Semantics of the view (as Docker applies layers, without touching disk)
//! * Entry names are cleaned like Docker's `filepath.Clean`: `./a//b` and
//!   `/a/b` are `/a/b`; a name climbing above the root (`../x`, `a/../../x`)
//!   is skipped with a [`ProblemKind::PathEscapes`] problem. Non-UTF-8 bytes
//!   in names are replaced (U+FFFD).
//! * A later entry of the same path wins (within a layer and across layers);
//!   a non-directory replacing a directory removes everything under it; an
//!   entry under a path that is not a directory turns that path into a
//!   directory (a [`ProblemKind::Note`]).
//! * Whiteouts and opaque markers delete from lower layers only (OCI image
//!   spec); they are not entries of the view.
//! * Symlink targets are kept as written; [`FsView::resolve`] follows them
//!   with the image root as `/` (`..` at the root stays there), at most
//!   [`Options::max_symlink_hops`] hops. Hard-link targets are cleaned like
//!   names; one climbing out of the image is dropped ([`ProblemKind::LinkEscapes`]).
//! * A layer that cannot be read to its end keeps the entries read before
//!   the failure (and is `complete: false`, without a computed diff_id).
//! * Digests: the uncompressed sha256 of every layer is compared with the
//!   config's `rootfs.diff_ids`; the stored blob's sha256 with the manifest
//!   descriptor (OCI) or the `blobs/sha256/<hex>` name (Docker 25+ archives);
//!   the config's with its descriptor or `<hex>.json` name. A mismatch is a
//!   [`ProblemKind::DigestMismatch`]; reading goes on.
//!
//! # Memory and speed
//! Layers stream: nothing is unpacked, only per-layer entry lists, the facts
//! the visitor returns and the small JSON documents are kept (a `docker save`
//! stream also keeps non-JSON entries up to 64 KiB). A seekable archive's
//! tar headers are read first; then manifest and config; then the distinct
//! layer blobs, in parallel with rayon when [`Options::parallel`]. Each
//! layer's sha256 (the costliest step) then runs on a helper thread, in
//! 1 MiB chunks, beside decompression and tar parsing — for streams too.

mod fsview;
mod json;
mod layer;
mod path;
mod rootfs;
mod source;

use std::fmt;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;

pub use fsview::FsView;
pub use json::{ContainerConfig, Healthcheck, History, ImageConfig, RootFs};

/// Limits and choices for reading an image. Every limit has a sane default
/// ([`Options::default`]); a violated limit yields a [`Problem`] (or an
/// [`ImageError`] when nothing of the image can be read).
#[derive(Debug, Clone)]
pub struct Options {
    /// Platform to pick from a multi-platform index. `None`: the host's
    /// (`linux/amd64` on x86-64, `linux/arm64/v8` on aarch64, …).
    pub platform: Option<Platform>,
    /// Maximum decompressed bytes of one layer (default 8 GiB).
    pub max_layer_bytes: u64,
    /// Maximum decompressed bytes of all layers together (default 32 GiB).
    pub max_total_bytes: u64,
    /// Maximum ratio of decompressed to compressed bytes of a layer
    /// (default 250), enforced once a layer has produced more than
    /// [`Options::ratio_grace_bytes`]. Stops decompression bombs early.
    pub max_ratio: u64,
    /// Decompressed bytes a layer may produce before the ratio is enforced
    /// (default 64 MiB), so that small, very compressible layers are fine.
    pub ratio_grace_bytes: u64,
    /// Maximum tar entries: of all layers together, and of the outer archive
    /// (default 2 000 000).
    pub max_entries: u64,
    /// Maximum length in bytes of an entry path (default 4096, Linux PATH_MAX).
    pub max_path_len: usize,
    /// Maximum size of a JSON document: manifest, index, config (default 8 MiB).
    pub max_json_bytes: u64,
    /// Maximum symlinks followed while resolving one path (default 40, as Linux).
    pub max_symlink_hops: u32,
    /// Ceiling on the bytes handed to the visitor for one file, whatever it
    /// asks for (default 256 MiB).
    pub max_file_bytes: u64,
    /// Maximum depth of nested image indexes (default 4).
    pub max_index_depth: u32,
    /// Maximum manifests and indexes read while choosing the image from an
    /// index (default 1000): nested indexes cannot fan out without bound.
    pub max_manifests: u32,
    /// Maximum number of layers in a manifest (default 1000; Docker allows 127).
    pub max_layers: usize,
    /// Use more than one thread (default true): the layers of a seekable
    /// archive are read in parallel, and each layer's sha256 runs on a helper
    /// thread beside decompression and tar parsing (streams too). False: all
    /// on the calling thread.
    pub parallel: bool,
    /// Called with the number of bytes of layer blobs read as stored
    /// (compressed), as they are read, from whichever thread reads: for a
    /// progress bar. Must be cheap.
    pub progress: Option<Progress>,
}

/// A progress callback (see [`Options::progress`]).
#[derive(Clone)]
pub struct Progress(pub std::sync::Arc<dyn Fn(u64) + Send + Sync>);

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Progress(..)")
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            platform: None,
            max_layer_bytes: 8 << 30,
            max_total_bytes: 32 << 30,
            max_ratio: 250,
            ratio_grace_bytes: 64 << 20,
            max_entries: 2_000_000,
            max_path_len: 4096,
            max_json_bytes: 8 << 20,
            max_symlink_hops: 40,
            max_file_bytes: 256 << 20,
            max_index_depth: 4,
            max_manifests: 1000,
            max_layers: 1000,
            parallel: true,
            progress: None,
        }
    }
}

/// An OCI platform: `os/arch[/variant]`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl Platform {
    /// The platform of the machine running drydock (always `linux`: images are).
    pub fn host() -> Platform {
        let (arch, variant) = match std::env::consts::ARCH {
            "x86_64" => ("amd64", None),
            "aarch64" => ("arm64", Some("v8")),
            "x86" => ("386", None),
            "arm" => ("arm", Some("v7")),
            "powerpc64" => ("ppc64le", None),
            "loongarch64" => ("loong64", None),
            other => (other, None),
        };
        Platform {
            os: "linux".into(),
            architecture: arch.into(),
            variant: variant.map(str::to_string),
        }
    }

    fn norm_arch(a: &str) -> &str {
        match a {
            "x86_64" | "x86-64" => "amd64",
            "aarch64" => "arm64",
            "i386" | "i686" => "386",
            other => other,
        }
    }

    fn norm_variant<'a>(arch: &str, v: Option<&'a str>) -> Option<&'a str> {
        match (arch, v) {
            ("arm64", None) => Some("v8"),
            (_, v) => v,
        }
    }

    /// Whether an image of platform `other` satisfies this requested one: os
    /// and architecture equal; the variant only if this one names it
    /// (`arm64` without a variant is `v8`).
    pub fn matches(&self, other: &Platform) -> bool {
        let a = Self::norm_arch(&self.architecture);
        let b = Self::norm_arch(&other.architecture);
        if !self.os.eq_ignore_ascii_case(&other.os) || a != b {
            return false;
        }
        match self.variant.as_deref() {
            None => true,
            Some(v) => {
                Self::norm_variant(a, Some(v)) == Self::norm_variant(b, other.variant.as_deref())
            }
        }
    }
}

impl FromStr for Platform {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let parts: Vec<&str> = s.split('/').collect();
        let ok = |p: &str| {
            p.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
        };
        match parts.as_slice() {
            [os, arch] if ok(os) && ok(arch) => Ok(Platform {
                os: os.to_ascii_lowercase(),
                architecture: arch.to_ascii_lowercase(),
                variant: None,
            }),
            [os, arch, variant] if ok(os) && ok(arch) && ok(variant) => Ok(Platform {
                os: os.to_ascii_lowercase(),
                architecture: arch.to_ascii_lowercase(),
                variant: Some(variant.to_ascii_lowercase()),
            }),
            _ => Err(format!(
                "invalid platform {s:?}: expected os/arch[/variant], e.g. linux/arm64/v8"
            )),
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// What kind of filesystem object an entry is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "type", content = "target", rename_all = "lowercase")]
pub enum EntryKind {
    File,
    Dir,
    /// Target exactly as written in the layer (may be relative or absolute;
    /// see [`FsView::resolve`]).
    Symlink(String),
    /// Target as a normalised absolute path inside the image.
    Hardlink(String),
    Char,
    Block,
    Fifo,
}

/// Metadata of one entry, as in its tar header (or `lstat` for a root
/// filesystem directory).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EntryMeta {
    pub kind: EntryKind,
    /// Unix mode bits including the file type bits (`0o100755`).
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub size: u64,
    pub mtime: u64,
}

impl EntryMeta {
    /// Permission bits plus setuid/setgid/sticky (`mode & 0o7777`).
    pub fn perm(&self) -> u32 {
        self.mode & 0o7777
    }
}

/// One path of the final filesystem view.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FinalEntry {
    pub meta: EntryMeta,
    /// Index into [`ImageScan::layers`] of the layer that added it (0 for a
    /// root filesystem directory).
    pub layer: usize,
}

/// The catalogue (or any rule) that looks at file contents, called while the
/// layers stream. Must be `Sync`: layers may be read in parallel.
pub trait Visitor: Sync {
    type Fact: Send;
    /// Called for each regular file of each layer: how many bytes of it to
    /// hand over (None: skip it). A larger file is skipped and reported as a
    /// [`ProblemKind::FileTooLarge`] problem.
    fn wants(&self, path: &str, entry: &EntryMeta) -> Option<u64>;
    /// The facts one file yields. `data` is the whole file.
    fn visit(&self, path: &str, entry: &EntryMeta, data: &[u8]) -> Vec<Self::Fact>;
}

/// A visitor that wants nothing: reads the filesystem view only.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoVisitor;

impl Visitor for NoVisitor {
    type Fact = ();
    fn wants(&self, _: &str, _: &EntryMeta) -> Option<u64> {
        None
    }
    fn visit(&self, _: &str, _: &EntryMeta, _: &[u8]) -> Vec<()> {
        Vec::new()
    }
}

/// Which input format the image came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// `docker save`: `manifest.json`, `<id>/layer.tar`, `<config>.json`.
    DockerSave,
    /// `docker save` of Docker 25+: `manifest.json` plus an OCI layout (`blobs/sha256/…`).
    DockerSaveOci,
    /// An OCI image layout (`oci-layout`, `index.json`, `blobs/`).
    OciLayout,
    /// A root filesystem directory (one pseudo-layer, index 0).
    #[serde(rename = "rootfs")]
    RootFs,
}

/// Compression of a layer blob, as sniffed from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// What the manifest says and what was read for one layer.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LayerInfo {
    /// Archive entry (or blob path) the layer was read from.
    pub source: String,
    pub media_type: Option<String>,
    /// Blob digest from the manifest (or implied by a `blobs/sha256/<hex>` name).
    pub digest: Option<String>,
    /// Blob size from the manifest descriptor.
    pub size: Option<u64>,
    /// `rootfs.diff_ids[i]` from the config.
    pub diff_id: Option<String>,
    /// sha256 of the uncompressed layer as read (None if it could not be read to the end).
    pub computed_diff_id: Option<String>,
    /// sha256 of the blob as stored (None if it could not be read to the end).
    pub computed_digest: Option<String>,
    pub compression: Option<Compression>,
    pub compressed_bytes: u64,
    pub uncompressed_bytes: u64,
    pub entries: u64,
    /// The layer was read to its end without error.
    pub complete: bool,
}

/// What the manifest(s) said about the image.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ManifestInfo {
    /// `RepoTags` of a `docker save` archive, or `org.opencontainers.image.ref.name` of an OCI index entry.
    pub repo_tags: Vec<String>,
    /// Digest of the chosen image manifest (OCI).
    pub manifest_digest: Option<String>,
    /// Digest of the config blob (from its descriptor or name), else computed.
    pub config_digest: Option<String>,
    /// Archive entry of the config.
    pub config_source: Option<String>,
    /// The platform of the chosen manifest (from the index, else the config).
    pub platform: Option<Platform>,
}

/// The result of reading an image.
#[derive(Debug)]
pub struct ImageScan<F> {
    pub format: Format,
    pub manifest: ManifestInfo,
    /// The parsed config (None if missing or not JSON; see `problems`).
    pub config: Option<ImageConfig>,
    /// The config as JSON, for fields [`ImageConfig`] does not model.
    pub config_raw: Option<serde_json::Value>,
    pub layers: Vec<LayerInfo>,
    /// The final filesystem view.
    pub fs: FsView,
    /// What the visitor returned, for files visible in the final view only:
    /// (path, layer, fact).
    pub facts: Vec<(String, usize, F)>,
    /// What could not be read, and where.
    pub problems: Vec<Problem>,
}

/// Category of a [`Problem`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// A size, count, ratio or depth limit of [`Options`] was reached.
    Limit,
    /// An entry path climbs above the image root (`../`).
    PathEscapes,
    /// A hard link points above the image root.
    LinkEscapes,
    /// An entry path is longer than [`Options::max_path_len`].
    PathTooLong,
    /// A stream is truncated or corrupt (gzip, zstd, tar).
    Corrupt,
    /// A digest or size does not match what the manifest or config says.
    DigestMismatch,
    /// The manifest names something the archive does not contain.
    Missing,
    /// A JSON document is malformed or does not have the expected shape.
    BadJson,
    /// A file is larger than what the visitor asked for: not examined.
    FileTooLarge,
    /// Something valid that this reader does not handle (and says so).
    Unsupported,
    /// Something that was read but surprising (noted, not an error).
    Note,
}

/// Something that could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub kind: ProblemKind,
    /// Layer index, if the problem is inside a layer of the final manifest.
    pub layer: Option<usize>,
    /// Archive entry or blob (`blobs/sha256/…`, `<id>/layer.tar`, `manifest.json`).
    pub entry: Option<String>,
    /// Path inside the layer or filesystem.
    pub path: Option<String>,
    pub message: String,
}

impl Problem {
    pub(crate) fn new(kind: ProblemKind, message: impl Into<String>) -> Problem {
        Problem {
            kind,
            layer: None,
            entry: None,
            path: None,
            message: message.into(),
        }
    }
    pub(crate) fn entry(mut self, entry: &str) -> Problem {
        self.entry = Some(entry.to_string());
        self
    }
    pub(crate) fn path(mut self, path: &str) -> Problem {
        self.path = Some(path.to_string());
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(l) = self.layer {
            write!(f, "layer {l}: ")?;
        }
        if let Some(e) = &self.entry {
            write!(f, "{e}: ")?;
        }
        if let Some(p) = &self.path {
            write!(f, "{p}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// An image that cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}: not an image: no manifest.json or index.json (and not a directory)")]
    NotAnImage(String),
    #[error("{entry}: {message}")]
    Manifest { entry: String, message: String },
    #[error("no image for platform {requested} in the index (available: {available})")]
    PlatformNotFound {
        requested: String,
        available: String,
    },
    #[error("{0}")]
    Limit(String),
}

/// Reads an image from a path: a directory with `index.json` or
/// `manifest.json` (OCI layout, extracted `docker save`), any other directory
/// (a root filesystem), or a tar file (`docker save` archive or OCI layout tar).
pub fn read_path<V: Visitor>(
    path: &Path,
    opts: &Options,
    visitor: &V,
) -> Result<ImageScan<V::Fact>, ImageError> {
    let meta = std::fs::metadata(path).map_err(|e| ImageError::Io {
        path: path.display().to_string(),
        source: e,
    })?;
    if meta.is_dir() {
        if path.join("index.json").is_file() || path.join("manifest.json").is_file() {
            let store = source::DirStore::new(path)?;
            source::read_seekable(&store, source::dir_format(path), opts, visitor)
        } else {
            rootfs::read_rootfs(path, opts, visitor)
        }
    } else {
        let store = source::TarStore::index(path, opts)?;
        let format = store.format();
        source::read_seekable(&store, format, opts, visitor).map_err(|e| match e {
            ImageError::NotAnImage(_) => ImageError::NotAnImage(path.display().to_string()),
            e => e,
        })
    }
}

/// Reads a root filesystem directory (walked without following symlinks) as
/// one layer, index 0.
pub fn read_rootfs<V: Visitor>(
    dir: &Path,
    opts: &Options,
    visitor: &V,
) -> Result<ImageScan<V::Fact>, ImageError> {
    rootfs::read_rootfs(dir, opts, visitor)
}

/// Reads a `docker save` (or OCI layout) tar from a non-seekable stream, e.g.
/// the Engine API's image export. Layers are processed in the order they
/// appear and ordered afterwards by the manifest; nothing is written to disk
/// and nothing but per-layer indexes, facts and the small JSON documents is
/// kept in memory.
pub fn read_stream<R: Read, V: Visitor>(
    reader: R,
    opts: &Options,
    visitor: &V,
) -> Result<ImageScan<V::Fact>, ImageError> {
    source::read_stream(reader, opts, visitor).map_err(|e| match e {
        ImageError::NotAnImage(_) => ImageError::NotAnImage("image stream".into()),
        e => e,
    })
}
