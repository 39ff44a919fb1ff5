//! What the rules need of a built image's filesystem ([`ImageFiles`]):
//! which files' text they read ([`wants_text`], called by the image reader),
//! the paths they leave alone (documentation and test data of libraries),
//! and small helpers for messages and line positions.

use std::collections::BTreeSet;

use drydock_core::spec::{ImageFile, ImageFiles, ImageSpec};
use drydock_core::{FileId, Origin, TextRange};

/// Whether the rules read the text of the file at `path` (an absolute path
/// inside the image). The image reader calls this for every regular file
/// and puts the text of those it accepts (up to its size limit) into
/// [`ImageFiles::texts`]:
///
/// * the account databases `/etc/passwd`, `/etc/shadow`, `/etc/group`
///   (IMG067, IMG068);
/// * `/etc/os-release` and `/usr/lib/os-release` (IMG080);
/// * `*.pem` and `*.key` files, `.npmrc`, `.pypirc` and
///   `.docker/config.json` anywhere outside library documentation and test
///   data (see [`is_library_example`]) (IMG063).
pub fn wants_text(path: &str) -> bool {
    if matches!(
        path,
        "/etc/passwd" | "/etc/shadow" | "/etc/group" | "/etc/os-release" | "/usr/lib/os-release"
    ) {
        return true;
    }
    if is_library_example(path) {
        return false;
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    (lower.ends_with(".pem") && lower.len() > 4)
        || (lower.ends_with(".key") && lower.len() > 4)
        || name == ".npmrc"
        || name == ".pypirc"
        || path.ends_with("/.docker/config.json")
}

/// Directories below which libraries and toolchains keep their own files
/// (a package's `Dockerfile`, `.env` or test key is not the image's).
const LIBRARY_ROOTS: &[&str] = &[
    "/node_modules/",
    "/site-packages/",
    "/dist-packages/",
    "/usr/lib/python",
    "/usr/local/lib/python",
    "/usr/local/go/",
    "/usr/lib/go",
    "/go/pkg/mod/",
    "/usr/share/",
    "/usr/lib/jvm/",
    "/usr/local/lib/ruby/",
    "/usr/lib/ruby/",
    "/usr/local/bundle/",
    "/vendor/",
];

/// Path components that hold test data and examples.
const TEST_DIRS: &[&str] = &[
    "test",
    "tests",
    "testdata",
    "__tests__",
    "fixtures",
    "example",
    "examples",
];

/// Paths whose files are documentation, test data or examples of a library
/// or toolchain, not the image's own: everything under `/usr/share/doc/`,
/// and below a library root (`node_modules`, `site-packages`,
/// `dist-packages`, Python's standard library, Go's source tree and module
/// cache, Ruby gems, `vendor`, `/usr/share`) a path with a `test`, `tests`,
/// `testdata`, `__tests__`, `fixtures`, `example` or `examples` component.
pub(crate) fn is_library_example(path: &str) -> bool {
    if path.starts_with("/usr/share/doc/") {
        return true;
    }
    let Some(root) = LIBRARY_ROOTS
        .iter()
        .filter_map(|r| path.find(r).map(|i| i + r.len()))
        .min()
    else {
        return false;
    };
    path.get(root..)
        .unwrap_or("")
        .split('/')
        .any(|c| TEST_DIRS.contains(&c))
}

/// Whether a path lies in a library's own tree (see [`LIBRARY_ROOTS`]).
pub(crate) fn in_library(path: &str) -> bool {
    path.starts_with("/usr/share/doc/") || LIBRARY_ROOTS.iter().any(|r| path.contains(r))
}

/// Whether the spec is a built image (its configuration read from an image
/// or the daemon) rather than a Dockerfile stage.
pub(crate) fn is_built(image: &ImageSpec) -> bool {
    matches!(image.origin, Origin::Api(_))
}

/// `` `/usr/bin/su` in layer 3 (sha256:…) `` for messages: the path and
/// the layer that wrote it.
pub(crate) fn at(files: &ImageFiles, e: &ImageFile) -> String {
    format!("`{}` in {}", e.path, files.layer_label(e.layer))
}

/// The lines of a text with their ranges (without the line break).
pub(crate) fn lines(text: &str) -> impl Iterator<Item = (TextRange, &str)> {
    let mut offset = 0usize;
    text.split_inclusive('\n').map(move |raw| {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        (TextRange::from_usize(start, start + line.len()), line)
    })
}

/// The origin of a range of an image file's text.
pub(crate) fn in_text(file: FileId, range: TextRange) -> Origin {
    Origin::file(file, range)
}

/// The origin of a path: its entry when it exists, else the path itself.
pub(crate) fn origin_of(files: &ImageFiles, path: &str) -> Origin {
    files
        .get(path)
        .map_or_else(|| Origin::api(path.to_string()), |e| files.origin(e))
}

/// Home directories: `/root` and every directory directly under `/home`.
/// Whether a strict ancestor directory of `path` is in `reported` (rules
/// that report a directory once, not each path under it).
pub(crate) fn under_reported(path: &str, reported: &std::collections::HashSet<&str>) -> bool {
    let mut ancestor = path;
    while let Some(i) = ancestor.rfind('/') {
        ancestor = &ancestor[..i];
        if reported.contains(ancestor) {
            return true;
        }
    }
    false
}

pub(crate) fn homes(files: &ImageFiles) -> Vec<String> {
    let mut out = vec!["/root".to_string()];
    out.extend(
        files
            .under("/home")
            .filter(|e| e.is_dir() && e.path.matches('/').count() == 2)
            .map(|e| e.path.clone()),
    );
    out
}

/// Regular files below `dir` that `keep` does not exclude (it gets the path
/// relative to `dir`).
pub(crate) struct Leftover {
    pub count: usize,
    pub bytes: u64,
    pub layers: BTreeSet<usize>,
}

pub(crate) fn leftover(files: &ImageFiles, dir: &str, keep: impl Fn(&str) -> bool) -> Leftover {
    let mut out = Leftover {
        count: 0,
        bytes: 0,
        layers: BTreeSet::new(),
    };
    let prefix = format!("{}/", dir.trim_end_matches('/'));
    for e in files.under(dir).filter(|e| e.is_file()) {
        let rel = e.path.strip_prefix(prefix.as_str()).unwrap_or(&e.path);
        if keep(rel) {
            continue;
        }
        out.count += 1;
        out.bytes = out.bytes.saturating_add(e.size);
        out.layers.insert(e.layer);
    }
    out
}

impl Leftover {
    /// `12 files (3.4 MB) added in layer 1 (sha256:…)`.
    pub(crate) fn describe(&self, files: &ImageFiles) -> String {
        let layers: Vec<String> = self
            .layers
            .iter()
            .take(3)
            .map(|l| files.layer_label(*l))
            .collect();
        let more = if self.layers.len() > 3 {
            format!(" and {} more", self.layers.len() - 3)
        } else {
            String::new()
        };
        format!(
            "{} file{} ({}) added in {}{more}",
            self.count,
            if self.count == 1 { "" } else { "s" },
            human_size(self.bytes),
            layers.join(", ")
        )
    }
}

/// Reports `dir` when it holds regular files that `keep` does not exclude:
/// one finding at the directory, with their count, size and layers.
pub(crate) fn report_leftover(
    cx: &mut crate::rule::Checker<'_>,
    files: &ImageFiles,
    dir: &str,
    keep: impl Fn(&str) -> bool,
    what: &str,
) {
    let left = leftover(files, dir, keep);
    if left.count == 0 {
        return;
    }
    let origin = origin_of(files, dir);
    cx.report(
        &origin,
        format!("`{dir}` holds {}: {what}", left.describe(files)),
    );
}

/// `512 B`, `4.0 KiB`, `12.3 MiB`, `1.2 GiB`.
pub(crate) fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut v = bytes as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// A mode's permission bits in octal as `ls`/`chmod` write them (`4755`).
pub(crate) fn octal(perm: u32) -> String {
    format!("{:04o}", perm & 0o7777)
}

#[cfg(test)]
pub(crate) mod testkit {
    //! Built-image specs for rule tests.
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;

    use drydock_core::spec::{
        BaseImage, ImageFile, ImageFileKind, ImageFiles, ImageLayer, ImageSpec, ImageText,
    };
    use drydock_core::{FileKind, Finding, Origin, SourceFile, SourceMap, Sp};

    use crate::rule::{Checker, Rule};
    use crate::settings::Settings;

    /// An image under construction: its files and the texts of some.
    pub(crate) struct Img {
        pub files: ImageFiles,
        pub sources: SourceMap,
        pub settings: Settings,
        pub created: Option<String>,
        pub env: Vec<(String, String)>,
    }

    impl Img {
        pub(crate) fn new() -> Self {
            Img {
                files: ImageFiles {
                    name: "fixture.tar".into(),
                    layers: vec![
                        ImageLayer {
                            diff_id: Some(format!("sha256:{}", "ab".repeat(32))),
                            history: None,
                        },
                        ImageLayer::default(),
                    ],
                    ..ImageFiles::default()
                },
                sources: SourceMap::new(),
                settings: Settings::default(),
                created: None,
                env: Vec::new(),
            }
        }

        fn push(&mut self, path: &str, kind: ImageFileKind, mode: u32, size: u64) {
            self.files.entries.retain(|e| e.path != path);
            self.files.entries.push(ImageFile {
                path: path.into(),
                kind,
                mode,
                uid: 0,
                gid: 0,
                size,
                layer: 0,
            });
            self.files.entries.sort_by(|a, b| a.path.cmp(&b.path));
        }

        /// A regular file with these permission bits and size.
        pub(crate) fn file(mut self, path: &str, perm: u32, size: u64) -> Self {
            self.push(path, ImageFileKind::File, 0o100000 | perm, size);
            self
        }

        pub(crate) fn dir(mut self, path: &str, perm: u32) -> Self {
            self.push(path, ImageFileKind::Dir, 0o040000 | perm, 0);
            self
        }

        pub(crate) fn symlink(mut self, path: &str, target: &str) -> Self {
            self.push(path, ImageFileKind::Symlink(target.into()), 0o120777, 0);
            self
        }

        /// Sets owner and layer of the last-added path.
        pub(crate) fn owned(mut self, path: &str, uid: u64, layer: usize) -> Self {
            if let Some(e) = self.files.entries.iter_mut().find(|e| e.path == path) {
                e.uid = uid;
                e.layer = layer;
            }
            self
        }

        /// A regular file (0644) whose text was read.
        pub(crate) fn text(mut self, path: &str, text: &str) -> Self {
            self.push(path, ImageFileKind::File, 0o100644, text.len() as u64);
            let id = self.sources.add(SourceFile::new(
                format!("fixture.tar!{path}"),
                FileKind::Other,
                text,
            ));
            self.files.texts.insert(path.into(), ImageText { file: id });
            self
        }

        pub(crate) fn spec(&self) -> ImageSpec {
            let mut spec = ImageSpec::new(
                Origin::api("Config"),
                0,
                true,
                Sp::new(
                    BaseImage::Unresolved("fixture.tar".into()),
                    Origin::api("RepoTags"),
                ),
            );
            spec.created = self
                .created
                .as_ref()
                .map(|c| Sp::new(c.clone(), Origin::api("created")));
            spec.env = self
                .env
                .iter()
                .map(|(k, v)| drydock_core::spec::KeyValue {
                    origin: Origin::api("Config.Env"),
                    key: Sp::new(k.clone(), Origin::api("Config.Env")),
                    value: Sp::new(v.clone(), Origin::api("Config.Env")),
                })
                .collect();
            spec.files = Some(Arc::new(self.files.clone()));
            spec
        }

        /// Runs one rule's `check_image` on the image.
        pub(crate) fn check(&self, rule: &dyn Rule) -> Vec<Finding> {
            self.check_spec(rule, &self.spec())
        }

        pub(crate) fn check_spec(&self, rule: &dyn Rule, spec: &ImageSpec) -> Vec<Finding> {
            let mut cx = Checker::new(rule.meta(), &self.settings, &self.sources);
            rule.check_image(&mut cx, spec);
            cx.into_findings()
        }

        /// `path:line` (1-based) of a finding in an image file's text, or
        /// `api:<path>` for other origins.
        /// `<place> <message>` of each finding, for assertions.
        pub(crate) fn described(&self, found: &[Finding]) -> Vec<String> {
            found
                .iter()
                .map(|f| format!("{} {}", self.place(f), f.message))
                .collect()
        }

        pub(crate) fn place(&self, f: &Finding) -> String {
            match f.origin.file_range() {
                Some((file, range)) => {
                    let src = self.sources.get(file).unwrap();
                    let lc = src.line_col(range.start);
                    format!("{}:{}", src.path, lc.line)
                }
                None => format!("{:?}", f.origin),
            }
        }

        /// The text a finding's range covers.
        pub(crate) fn covered<'a>(&'a self, f: &Finding) -> &'a str {
            let (file, range) = f.origin.file_range().unwrap();
            range.slice(&self.sources.get(file).unwrap().text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wanted_texts() {
        for p in [
            "/etc/passwd",
            "/etc/shadow",
            "/etc/group",
            "/etc/os-release",
            "/usr/lib/os-release",
            "/etc/ssl/private/ssl-cert-snakeoil.key",
            "/app/certs/server.pem",
            "/root/.npmrc",
            "/home/app/.pypirc",
            "/root/.docker/config.json",
        ] {
            assert!(wants_text(p), "{p}");
        }
        for p in [
            "/etc/hostname",
            "/usr/lib/python3.12/test/certdata/keycert.pem",
            "/usr/local/lib/python3.12/site-packages/requests/tests/key.pem",
            "/usr/share/doc/openssl/demo.key",
            "/usr/local/go/src/crypto/tls/testdata/example-key.pem",
            "/app/config.json",
            "/.key",
        ] {
            assert!(!wants_text(p), "{p}");
        }
    }

    #[test]
    fn library_examples() {
        assert!(is_library_example(
            "/app/node_modules/pkg/test/fixtures/.env"
        ));
        assert!(!is_library_example("/app/tests/.env"));
        assert!(!is_library_example(
            "/etc/ssl/private/ssl-cert-snakeoil.key"
        ));
        assert!(in_library("/app/node_modules/pkg/Dockerfile"));
        assert!(!in_library("/app/Dockerfile"));
    }

    #[test]
    fn line_ranges() {
        let text = "a:1\r\n\nbb:2";
        let got: Vec<(std::ops::Range<usize>, &str)> =
            lines(text).map(|(r, l)| (r.as_usize(), l)).collect();
        assert_eq!(got, [(0..3, "a:1"), (5..5, ""), (6..10, "bb:2")]);
    }

    #[test]
    fn sizes_and_modes() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(5 * 1024 * 1024), "5.0 MiB");
        assert_eq!(octal(0o104755), "4755");
        assert_eq!(octal(0o755), "0755");
    }
}
