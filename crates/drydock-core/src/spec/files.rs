//! `ImageFiles`: the final filesystem of a built image, as rules see it.
//!
//! A built image (a `docker save` archive, an OCI layout, an image in the
//! daemon, a root filesystem directory) is read by `drydock-image`; what the
//! rules need of it is put here, without I/O: every path with its metadata
//! and the layer that added it, the text of the files whose contents rules
//! read (as [`SourceFile`](crate::SourceFile)s, so findings name file, line
//! and column), and the operating system.
//!
//! A rule that judges a Dockerfile step (`chmod u+s`, `apt-get update`
//! without removing the lists) judges the same concern in a built image
//! through [`ImageSpec::files`](crate::spec::ImageSpec::files): one rule per
//! concern, whatever the source.

use std::collections::BTreeMap;

use crate::origin::Origin;
use crate::package::OsRelease;
use crate::source::FileId;

/// What kind of filesystem object a path is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageFileKind {
    File,
    Dir,
    /// Target as written in the layer.
    Symlink(String),
    /// Target as an absolute path inside the image.
    Hardlink(String),
    Char,
    Block,
    Fifo,
}

/// One path of the final filesystem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageFile {
    /// Normalised absolute path inside the image (`/usr/bin/su`).
    pub path: String,
    pub kind: ImageFileKind,
    /// Unix mode including the file-type bits (`0o104755`).
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub size: u64,
    /// Index into [`ImageFiles::layers`] of the layer that added it.
    pub layer: usize,
}

impl ImageFile {
    /// Permission bits plus setuid, setgid and sticky (`mode & 0o7777`).
    pub fn perm(&self) -> u32 {
        self.mode & 0o7777
    }

    pub fn is_file(&self) -> bool {
        self.kind == ImageFileKind::File
    }

    pub fn is_dir(&self) -> bool {
        self.kind == ImageFileKind::Dir
    }

    /// The last path component.
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

/// One layer of the image, for messages.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ImageLayer {
    /// The uncompressed digest (`sha256:…`) from the config, else as computed.
    pub diff_id: Option<String>,
    /// Index into the image config's `history` of the entry that made this
    /// layer (entries with `empty_layer` skipped), when known.
    pub history: Option<usize>,
}

/// A file whose text rules read (the whole file, decoded as UTF-8 with
/// invalid bytes replaced).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageText {
    /// The source file holding the text (named `<image>!<path>`).
    pub file: FileId,
}

/// The final filesystem of a built image.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageFiles {
    /// Every path, in path order (the root `/` not included).
    pub entries: Vec<ImageFile>,
    /// Text of files rules read: account files (`/etc/passwd`, `/etc/shadow`,
    /// `/etc/group`), credential files, `/etc/os-release`, and every text
    /// file in which the secret scan found something. Keyed by path.
    pub texts: BTreeMap<String, ImageText>,
    pub layers: Vec<ImageLayer>,
    /// From `/etc/os-release` (or the fallbacks other scanners use).
    pub os: Option<OsRelease>,
    /// What the image is called in reports (`debian.tar`, `alpine:3.20`).
    pub name: String,
}

impl ImageFiles {
    /// The entry at exactly this path (no symlink resolution).
    pub fn get(&self, path: &str) -> Option<&ImageFile> {
        self.entries
            .binary_search_by(|e| e.path.as_str().cmp(path))
            .ok()
            .and_then(|i| self.entries.get(i))
    }

    /// The entries strictly under a directory, in path order.
    pub fn under<'a>(&'a self, dir: &str) -> impl Iterator<Item = &'a ImageFile> + 'a {
        let prefix = if dir.ends_with('/') {
            dir.to_string()
        } else {
            format!("{dir}/")
        };
        let start = self
            .entries
            .partition_point(|e| e.path.as_str() < prefix.as_str());
        self.entries[start..]
            .iter()
            .take_while(move |e| e.path.starts_with(prefix.as_str()))
    }

    /// The source file holding the text of `path`, if it was read.
    pub fn text(&self, path: &str) -> Option<FileId> {
        self.texts.get(path).map(|t| t.file)
    }

    /// Where a path's metadata is reported: `<path>` as an API-style field
    /// of the image (`/usr/bin/su`).
    pub fn origin(&self, file: &ImageFile) -> Origin {
        Origin::api(file.path.clone())
    }

    /// `layer 3 (sha256:1a2b3c4d5e6f)` for messages.
    pub fn layer_label(&self, layer: usize) -> String {
        match self.layers.get(layer).and_then(|l| l.diff_id.as_deref()) {
            Some(d) => {
                let short: String = d
                    .strip_prefix("sha256:")
                    .unwrap_or(d)
                    .chars()
                    .take(12)
                    .collect();
                format!("layer {layer} (sha256:{short})")
            }
            None => format!("layer {layer}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str) -> ImageFile {
        ImageFile {
            path: path.into(),
            kind: ImageFileKind::File,
            mode: 0o100644,
            uid: 0,
            gid: 0,
            size: 1,
            layer: 0,
        }
    }

    #[test]
    fn get_and_under_use_path_order() {
        let files = ImageFiles {
            entries: vec![
                file("/etc"),
                file("/etc/apt"),
                file("/etc/apt/sources.list"),
                file("/etc/apt0"),
                file("/etc/passwd"),
                file("/usr"),
            ],
            ..ImageFiles::default()
        };
        assert_eq!(files.get("/etc/passwd").map(|f| f.name()), Some("passwd"));
        assert!(files.get("/etc/shadow").is_none());
        let under: Vec<&str> = files.under("/etc/apt").map(|f| f.path.as_str()).collect();
        assert_eq!(under, ["/etc/apt/sources.list"]);
        let under: Vec<&str> = files.under("/etc").map(|f| f.path.as_str()).collect();
        assert_eq!(
            under,
            [
                "/etc/apt",
                "/etc/apt/sources.list",
                "/etc/apt0",
                "/etc/passwd"
            ]
        );
    }

    #[test]
    fn layer_label_is_short() {
        let files = ImageFiles {
            layers: vec![
                ImageLayer {
                    diff_id: Some(format!("sha256:{}", "ab".repeat(32))),
                    history: None,
                },
                ImageLayer::default(),
            ],
            ..ImageFiles::default()
        };
        assert_eq!(files.layer_label(0), "layer 0 (sha256:abababababab)");
        assert_eq!(files.layer_label(1), "layer 1");
        assert_eq!(files.layer_label(7), "layer 7");
    }
}
