//! SEC003: secrets in the files of a built image, and the two functions the
//! image reader calls on every regular file while the layers stream
//! ([`wants_file`], then [`secret_text`] / [`may_hold_secret`]) to decide
//! which texts to keep for this rule.
//!
//! The reader keeps a file's text when [`secret_text`] returns it; the rule
//! then scans exactly that text with the same scanner, applying the same
//! [`wants_file`] test, so every text kept for secrets yields at least one
//! finding and a text kept for another rule (`/etc/shadow`, `.npmrc`) is
//! judged as if the reader had looked at it for secrets.

use std::borrow::Cow;
use std::collections::HashSet;

use drydock_core::spec::ImageSpec;
use drydock_core::{Origin, RuleMeta, TextRange};

use super::scanner::SCANNER;
use super::to_found;
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports secret values in the files of a built image: credentials of
    /// a known format (AWS, GCP, Azure, GitHub, GitLab, npm, PyPI, Slack,
    /// Stripe, Twilio and SendGrid keys and tokens, private key blocks,
    /// JSON web tokens), passwords in URLs (`scheme://user:password@host`)
    /// and high-entropy values given to a secret-looking name
    /// (`DB_PASSWORD=…`) — the same patterns as the other `SEC` rules. Each
    /// finding names the file, the line and column of the secret, and the
    /// layer that added the file.
    ///
    /// Text files up to 1 MiB are scanned. Files that cannot hold a secret
    /// or whose secrets are known to be fake are skipped: binary files (a
    /// NUL byte in the first 8 KiB), compiled code, archives, images, fonts
    /// and media (by extension), documentation (`/usr/share/doc`, man and
    /// info pages, Markdown), locales, time zones, terminfo, C headers,
    /// package-manager databases, the Python modules of distribution
    /// packages (`/usr/lib/python3/dist-packages`), toolchains shipped with
    /// their test keys (`/usr/local/go`), and the test, example and fixture
    /// directories of third-party packages (Python, Node.js, Ruby, Perl, Go
    /// and vendored code), whose test keys are public. Variable references
    /// (`$TOKEN`, `${TOKEN}`) and placeholders (`changeme`, `<token>`,
    /// `***`, `xxxx`) are not reported. The message shows at most the
    /// first four characters of the secret.
    ///
    /// A private key in `/root/.ssh/id_rsa` is also a credential file (a
    /// rule about the file); this rule reports the value in it.
    ///
    /// ## Why is this bad?
    /// Anyone who can pull the image can read every file in every layer of
    /// it. A secret in a file of the image is published with it, and
    /// deleting the file in a later layer does not take it out of the
    /// layer that added it.
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY .env /app/.env
    /// ```
    /// with `/app/.env` holding
    /// `AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`.
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN --mount=type=secret,id=aws,target=/root/.aws/credentials \
    ///     ./deploy.sh
    /// ```
    /// and give the running container its secrets through the
    /// orchestrator (Compose or Kubernetes secrets, read from a file).
    ///
    /// ## How to fix
    /// Revoke the secret: it has been published with the image. Keep
    /// secrets out of the build context (`.dockerignore`), pass build-time
    /// secrets with `RUN --mount=type=secret` (BuildKit), and runtime
    /// secrets through the orchestrator; then rebuild the image and delete
    /// the published one.
    pub struct SecretInImageFile {
        id: "SEC003",
        name: "secret-in-image-file",
        title: "Secret value in a file of a built image",
        severity: Critical,
        category: Secrets,
        references: ["concern:12", "trivy:secret-scanning", "dockle:CIS-DI-0010"],
        fix: None,
    }
}

impl Rule for SecretInImageFile {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        let Some(files) = image.files.as_deref() else {
            return;
        };
        // Two paths may share one text (hard links): each secret once.
        let mut seen: HashSet<(drydock_core::FileId, TextRange)> = HashSet::new();
        for (path, text) in &files.texts {
            let entry = files.get(path);
            let source = cx.file_text(text.file);
            let size = entry.map_or(source.len() as u64, |e| e.size);
            if !wants_file(path, size) {
                continue;
            }
            let hits = SCANNER.scan(source);
            if hits.is_empty() {
                continue;
            }
            let file = text.file;
            let found = to_found(&hits, source, 0, |h| {
                Origin::file(file, TextRange::from_usize(h.range.start, h.range.end))
            });
            let added = entry.map_or(String::new(), |e| {
                format!(", added in {},", files.layer_label(e.layer))
            });
            for f in found {
                let Some((_, range)) = f.origin.file_range() else {
                    continue;
                };
                if !seen.insert((file, range)) {
                    continue;
                }
                cx.report(
                    &f.origin,
                    format!(
                        "File `{path}`{added} contains {}: anyone who can pull the image can read it",
                        f.what()
                    ),
                )
                .redact = Some(range);
            }
        }
    }
}

/// Files larger than this are not scanned (1 MiB). Files that hold
/// secrets — environment and configuration files, keys, credentials,
/// scripts — are a few KiB; files over 1 MiB in an image are data
/// (databases, package indices, logs, bundled assets) whose matches are
/// mostly noise, and the reader buffers every scanned file whole while the
/// layers stream, so the limit also bounds its memory. A secret compiled
/// into a larger JavaScript bundle is missed; its source or `.env` usually
/// is not.
pub const SECRET_SCAN_MAX_BYTES: u64 = 1024 * 1024;

/// A file with a NUL byte in its first this many bytes is binary (the test
/// of `git`, `grep` and `file`).
const BINARY_SNIFF_BYTES: usize = 8 * 1024;

/// A text that is not UTF-8 is decoded lossily unless more than one byte in
/// this many is invalid (counted over at least 8 KiB, so that a short file
/// with a Latin-1 comment is text), which marks compressed or binary data
/// without an early NUL: those would only feed the regexes noise.
const MAX_INVALID_RATIO: usize = 64;

/// Directory prefixes (without the leading `/`) never scanned, with why.
const SKIP_PREFIXES: &[(&str, &str)] = &[
    // Distribution content: documentation and data the packages install;
    // their example keys and tokens are published on purpose.
    (
        "usr/share/doc/",
        "package documentation: example credentials, changelogs",
    ),
    (
        "usr/share/man/",
        "manual pages (compressed, or roff with examples)",
    ),
    ("usr/share/info/", "info manuals"),
    ("usr/share/help/", "GNOME help pages"),
    ("usr/share/gtk-doc/", "API documentation"),
    ("usr/share/common-licenses/", "licence texts"),
    ("usr/share/locale/", "message catalogues"),
    ("usr/lib/locale/", "compiled locales"),
    ("usr/share/i18n/", "locale sources: character tables"),
    ("usr/share/zoneinfo/", "time-zone data"),
    ("usr/share/terminfo/", "terminal descriptions"),
    ("usr/lib/terminfo/", "terminal descriptions"),
    ("lib/terminfo/", "terminal descriptions"),
    ("etc/terminfo/", "terminal descriptions"),
    ("usr/share/mime/", "MIME database"),
    ("usr/share/icons/", "icon themes"),
    ("usr/share/fonts/", "fonts"),
    ("usr/share/X11/locale/", "X compose tables"),
    ("usr/share/ca-certificates/", "public CA certificates only"),
    ("usr/share/perl/5", "Perl's standard library: POD examples"),
    ("usr/share/vim/", "the editor's runtime scripts"),
    (
        "usr/share/tcltk/",
        "Tcl's library: example URLs with passwords",
    ),
    // Only Debian and Ubuntu packages install here (`pip` installs into
    // `/usr/local`): their test keys and documented example tokens.
    (
        "usr/lib/python2.7/dist-packages/",
        "Python modules of distribution packages",
    ),
    (
        "usr/lib/python3/dist-packages/",
        "Python modules of distribution packages",
    ),
    ("usr/include/", "C headers"),
    ("usr/local/include/", "C headers"),
    // Kernel pseudo-filesystems: never real content in an image.
    ("proc/", "kernel pseudo-filesystem"),
    ("sys/", "kernel pseudo-filesystem"),
    ("dev/", "device nodes"),
    // Package-manager databases: package metadata, checksums and
    // maintainer scripts from the distribution.
    (
        "var/lib/dpkg/",
        "dpkg database: package metadata and checksums",
    ),
    ("var/lib/apt/lists/", "APT package indices: checksums"),
    ("var/cache/apt/", "downloaded packages and APT caches"),
    (
        "var/cache/debconf/templates.dat",
        "debconf questions and their translations",
    ),
    (
        "lib/apk/db/",
        "apk database: package metadata and checksums",
    ),
    ("var/lib/rpm/", "rpm database"),
    ("var/cache/ldconfig/", "linker cache"),
    // Toolchains shipped whole, with their test data (Go's crypto tests
    // hold PEM private keys inline).
    ("usr/local/go/", "the Go distribution and its test keys"),
    ("usr/lib/go-", "the Go distribution and its test keys"),
    (
        "usr/lib/google-cloud-sdk/",
        "the Google Cloud SDK package: vendored libraries with their OAuth examples and test keys",
    ),
];

/// A path that has one of these components (with slashes) is in a tree of
/// third-party packages: its test and example directories are skipped.
const THIRD_PARTY_MARKERS: &[&str] = &[
    "/site-packages/",
    "/dist-packages/",
    "/node_modules/",
    "/gems/",
    "/vendor/",
    "/pkg/mod/",
    "/perl5/",
    "/third_party/",
    "/third-party/",
    "/vendored/",
    "/.cargo/registry/",
    "/.m2/repository/",
];

/// Prefixes (without the leading `/`) of language runtimes whose standard
/// libraries are third-party trees in the same sense.
const THIRD_PARTY_PREFIXES: &[&str] = &[
    "usr/lib/python",
    "usr/local/lib/python",
    "usr/lib/ruby/",
    "usr/local/lib/ruby/",
    "usr/share/perl",
    "usr/lib/x86_64-linux-gnu/perl",
    "usr/lib/aarch64-linux-gnu/perl",
    "usr/local/bundle/",
    "usr/local/lib/node_modules/",
    "usr/lib/node_modules/",
    "opt/yarn-v",
];

/// Directory names of test suites, examples, fixtures and documentation in
/// third-party packages: their keys and tokens are fake, and many
/// (CPython's `Lib/test/keycert.pem`, Node packages' `test/fixtures/*.pem`,
/// `requests/tests/certs/*.key`) are real private keys published on
/// purpose. Besides these, any directory whose name starts with `test` or
/// ends with `tests` or `_test` (`tests_async`, `system_tests`), and package
/// metadata directories (`*.dist-info`, `*.egg-info`: the README as
/// `METADATA`/`PKG-INFO`, with its examples).
const TEST_DIRS: &[&str] = &[
    "test",
    "tests",
    "testing",
    "testdata",
    "test_data",
    "test-data",
    "__tests__",
    "idle_test",
    "spec",
    "specs",
    "fixtures",
    "__fixtures__",
    "example",
    "examples",
    "sample",
    "samples",
    "docs",
    "doc",
];

/// File names of tests in third-party packages (suffixes, lower-case).
const TEST_FILE_SUFFIXES: &[&str] = &[
    "_test.go",
    "_test.py",
    "_test.rb",
    "_spec.rb",
    ".test.js",
    ".spec.js",
    ".test.ts",
    ".spec.ts",
    ".test.mjs",
    ".test.cjs",
];

/// Extensions (lower-case, without the dot) of files never scanned, with why.
const SKIP_EXTENSIONS: &[(&[&str], &str)] = &[
    (
        &[
            "so", "a", "o", "ko", "pyc", "pyo", "pyd", "class", "dll", "exe", "dylib", "node",
            "wasm", "beam", "elc",
        ],
        "compiled code: binary",
    ),
    (
        &[
            "jar", "war", "ear", "whl", "egg", "zip", "gz", "tgz", "bz2", "tbz2", "xz", "txz",
            "zst", "lz", "lz4", "lzma", "7z", "rar", "tar", "deb", "rpm", "apk", "cpio", "iso",
        ],
        "archives and packages: compressed",
    ),
    (
        &[
            "png", "jpg", "jpeg", "gif", "bmp", "ico", "icns", "webp", "tif", "tiff", "psd", "xcf",
            "svg", "svgz",
        ],
        "images (SVG path data and embedded base64 images are high-entropy noise)",
    ),
    (
        &[
            "ttf", "otf", "woff", "woff2", "eot", "pfb", "pfa", "afm", "pcf", "psf",
        ],
        "fonts",
    ),
    (
        &[
            "mp3", "mp4", "m4a", "ogg", "oga", "wav", "flac", "avi", "mkv", "mov", "webm", "pdf",
        ],
        "media and documents: binary",
    ),
    (&["mo", "gmo", "qm"], "compiled message catalogues"),
    (
        &["md", "markdown", "rst", "adoc"],
        "documentation: example credentials (Trivy skips Markdown likewise)",
    ),
    (
        &["map"],
        "source maps: a copy of the sources of a bundle that is itself scanned",
    ),
];

/// Whether the image reader should read `path` (a normalised absolute path
/// in the image) of `size` bytes for the secret scan: not too large, not
/// under a skipped directory, not of a skipped kind. Cheap: no allocation.
pub fn wants_file(path: &str, size: u64) -> bool {
    if size == 0 || size > SECRET_SCAN_MAX_BYTES {
        return false;
    }
    let rel = path.trim_start_matches("./").trim_start_matches('/');
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if skipped_extension(name) {
        return false;
    }
    if SKIP_PREFIXES.iter().any(|(p, _)| rel.starts_with(p)) {
        return false;
    }
    !in_third_party_tests(rel, name)
}

fn skipped_extension(name: &str) -> bool {
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return false;
    };
    if stem.is_empty() {
        // A dot file (`.env`, `.npmrc`): no extension.
        return false;
    }
    if SKIP_EXTENSIONS
        .iter()
        .any(|(exts, _)| exts.iter().any(|e| e.eq_ignore_ascii_case(ext)))
    {
        return true;
    }
    // Versioned shared libraries: `libssl.so.3`, `libc.so.6.0.1`.
    match name.find(".so.") {
        Some(i) => name[i + 4..]
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.'),
        None => false,
    }
}

/// Whether `rel` (the path without its leading `/`) is a test, example or
/// fixture of a third-party package.
fn in_third_party_tests(rel: &str, name: &str) -> bool {
    // With a leading slash so that markers match the first component too.
    let marker_at = THIRD_PARTY_MARKERS
        .iter()
        .filter_map(|m| find_component_run(rel, m))
        .min();
    let start = match marker_at {
        Some(i) => Some(i),
        None => THIRD_PARTY_PREFIXES
            .iter()
            .any(|p| rel.starts_with(p))
            .then_some(0),
    };
    let Some(start) = start else {
        return false;
    };
    let inside = &rel[start..];
    let dirs = inside.rsplit_once('/').map_or("", |(d, _)| d);
    let test_dir = dirs.split('/').any(|c| {
        let lower_end = |s: &str| {
            c.len() >= s.len()
                && c.is_char_boundary(c.len() - s.len())
                && c[c.len() - s.len()..].eq_ignore_ascii_case(s)
        };
        TEST_DIRS.iter().any(|t| c.eq_ignore_ascii_case(t))
            || c.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("test"))
            || lower_end("tests")
            || lower_end("_test")
            || lower_end(".dist-info")
            || lower_end(".egg-info")
    });
    if test_dir {
        return true;
    }
    let lower_ends = |s: &str| {
        name.len() >= s.len()
            && name.is_char_boundary(name.len() - s.len())
            && name[name.len() - s.len()..].eq_ignore_ascii_case(s)
    };
    TEST_FILE_SUFFIXES.iter().any(|s| lower_ends(s))
        || (name
            .get(..5)
            .is_some_and(|p| p.eq_ignore_ascii_case("test_"))
            && lower_ends(".py"))
}

/// The byte offset in `rel` just after the marker `/x/` (which may also
/// begin `rel` as `x/`).
fn find_component_run(rel: &str, marker: &str) -> Option<usize> {
    let bare = &marker[1..];
    if rel.starts_with(bare) {
        return Some(bare.len());
    }
    rel.find(marker).map(|i| i + marker.len())
}

/// The text of a file for the secret scan: `None` for binary data (a NUL
/// byte in the first 8 KiB, or more than one invalid UTF-8 byte in 64);
/// other invalid UTF-8 (a Latin-1 comment) is replaced with U+FFFD. The
/// reader stores this text, so that the rule scans what was tested.
pub fn image_text(bytes: &[u8]) -> Option<Cow<'_, str>> {
    let head = &bytes[..bytes.len().min(BINARY_SNIFF_BYTES)];
    if memchr_nul(head) {
        return None;
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Some(Cow::Borrowed(s)),
        Err(_) => {
            let invalid: usize = bytes.utf8_chunks().map(|c| c.invalid().len()).sum();
            if invalid * MAX_INVALID_RATIO > bytes.len().max(BINARY_SNIFF_BYTES) {
                return None;
            }
            Some(String::from_utf8_lossy(bytes))
        }
    }
}

fn memchr_nul(bytes: &[u8]) -> bool {
    bytes.contains(&0)
}

/// The text of a file when the secret scan finds at least one secret in it
/// (the same scan, placeholders and entropy tests included, as the rule
/// runs); the reader keeps exactly these texts.
pub fn secret_text(bytes: &[u8]) -> Option<Cow<'_, str>> {
    let text = image_text(bytes)?;
    SCANNER.has_secret(&text).then_some(text)
}

/// Whether the secret scan finds at least one secret in a file's bytes
/// (see [`secret_text`], which also gives the text to keep).
pub fn may_hold_secret(bytes: &[u8]) -> bool {
    secret_text(bytes).is_some()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use drydock_core::spec::{
        BaseImage, ImageFile, ImageFileKind, ImageFiles, ImageLayer, ImageText,
    };
    use drydock_core::{FileKind, SourceFile, SourceMap, Sp};

    use super::*;
    use crate::Settings;

    /// Test tokens are assembled from pieces so that no complete
    /// token-shaped literal sits in the source.
    fn tok(prefix: &str, body: &str) -> String {
        format!("{prefix}{body}")
    }

    fn aws_secret() -> String {
        tok("wJalrXUtnFEMI/K7MDENG/", "bPxRfiCYEXAMPLEKEY")
    }

    fn ghp() -> String {
        tok("ghp_", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8")
    }

    fn pem() -> String {
        format!(
            "-----BEGIN RSA {}-----\nMIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi\nZ1BjP5CE/Wm/Rr500P\n-----END RSA PRIVATE KEY-----\n",
            "PRIVATE KEY"
        )
    }

    /// A built image holding `files` (path, text, layer), each text kept
    /// when the reader would keep it; the findings of SEC003 as (path,
    /// line, column, secret text, message).
    fn run(files: &[(&str, &str, usize)]) -> Vec<(String, u32, u32, String, String)> {
        run_with(files, &[])
    }

    fn run_with(
        files: &[(&str, &str, usize)],
        extra_texts: &[(&str, &str)],
    ) -> Vec<(String, u32, u32, String, String)> {
        let mut sources = SourceMap::new();
        let mut entries = Vec::new();
        let mut texts = std::collections::BTreeMap::new();
        for (path, text, layer) in files {
            entries.push(ImageFile {
                path: (*path).into(),
                kind: ImageFileKind::File,
                mode: 0o100644,
                uid: 0,
                gid: 0,
                size: text.len() as u64,
                layer: *layer,
            });
            if wants_file(path, text.len() as u64)
                && let Some(t) = secret_text(text.as_bytes())
            {
                let id = sources.add(SourceFile::new(
                    format!("fixture.tar!{path}"),
                    FileKind::Other,
                    t.into_owned(),
                ));
                texts.insert((*path).to_string(), ImageText { file: id });
            }
        }
        // Texts kept for other rules, whatever the secret scan says.
        for (path, text) in extra_texts {
            let id = sources.add(SourceFile::new(
                format!("fixture.tar!{path}"),
                FileKind::Other,
                *text,
            ));
            texts.insert((*path).to_string(), ImageText { file: id });
        }
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        let image_files = ImageFiles {
            entries,
            texts,
            layers: vec![
                ImageLayer {
                    diff_id: Some(format!("sha256:{}", "ab".repeat(32))),
                    history: None,
                },
                ImageLayer::default(),
            ],
            os: None,
            name: "fixture.tar".into(),
        };
        let mut image = ImageSpec::new(Origin::Implicit, 0, true, Sp::implicit(BaseImage::Scratch));
        image.files = Some(Arc::new(image_files));
        let settings = Settings::default();
        let mut cx = Checker::new(&SecretInImageFile::META, &settings, &sources);
        SecretInImageFile.check_image(&mut cx, &image);
        cx.into_findings()
            .into_iter()
            .map(|f| {
                let (file, range) = f.origin.file_range().expect("file origin");
                assert_eq!(f.redact, Some(range));
                let src = sources.get(file).expect("source");
                let pos = src.line_col(range.start);
                (
                    src.path.trim_start_matches("fixture.tar!").to_string(),
                    pos.line,
                    pos.column,
                    range.slice(&src.text).to_string(),
                    f.message.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn env_file_with_aws_key() {
        let env = format!("DB_HOST=db\nAWS_SECRET_ACCESS_KEY={}\n", aws_secret());
        let found = run(&[("/app/.env", &env, 0)]);
        assert_eq!(found.len(), 1, "{found:?}");
        let (path, line, col, secret, message) = &found[0];
        assert_eq!((path.as_str(), *line, *col), ("/app/.env", 2, 23));
        assert_eq!(secret, &aws_secret());
        assert_eq!(
            message,
            "File `/app/.env`, added in layer 0 (sha256:abababababab), contains a secret \
             (AWS secret access key: `AWS_SECRET_ACCESS_KEY=wJal…`): anyone who can pull \
             the image can read it"
        );
        assert!(!message.contains(&aws_secret()));
    }

    #[test]
    fn config_with_github_token_and_layer() {
        let conf = format!("[auth]\nuser = ci\ntoken = {}\n", ghp());
        let found = run(&[("/etc/app/config.ini", &conf, 1)]);
        assert_eq!(found.len(), 1, "{found:?}");
        let (path, line, col, secret, message) = &found[0];
        assert_eq!((path.as_str(), *line, *col), ("/etc/app/config.ini", 3, 9));
        assert_eq!(secret, &ghp());
        assert!(message.contains("GitHub token: `ghp_…`"), "{message}");
        assert!(message.contains("added in layer 1,"), "{message}");
    }

    #[test]
    fn private_key_pem() {
        let found = run(&[("/root/.ssh/id_rsa", &pem(), 0)]);
        assert_eq!(found.len(), 1, "{found:?}");
        let (_, line, col, secret, message) = &found[0];
        assert_eq!((*line, *col), (1, 1));
        assert!(secret.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
        assert!(message.contains("private key"), "{message}");
    }

    #[test]
    fn several_secrets_and_files_each_once() {
        let text = format!("A={}\nB={}\n", ghp(), ghp().replace('a', "z"));
        let found = run(&[("/app/a.env", &text, 0), ("/app/b.sh", &text, 0)]);
        let lines: Vec<(&str, u32)> = found.iter().map(|f| (f.0.as_str(), f.1)).collect();
        assert_eq!(
            lines,
            [
                ("/app/a.env", 1),
                ("/app/a.env", 2),
                ("/app/b.sh", 1),
                ("/app/b.sh", 2)
            ]
        );
    }

    #[test]
    fn shared_text_is_reported_once() {
        // Two paths with one text (a hard link the reader stored once).
        let env = format!("GH={}\n", ghp());
        let mut sources = SourceMap::new();
        let id = sources.add(SourceFile::new(
            "fixture.tar!/a",
            FileKind::Other,
            env.clone(),
        ));
        let mut texts = std::collections::BTreeMap::new();
        for p in ["/a", "/b"] {
            texts.insert(p.to_string(), ImageText { file: id });
        }
        let mut image = ImageSpec::new(Origin::Implicit, 0, true, Sp::implicit(BaseImage::Scratch));
        image.files = Some(Arc::new(ImageFiles {
            texts,
            ..ImageFiles::default()
        }));
        let settings = Settings::default();
        let mut cx = Checker::new(&SecretInImageFile::META, &settings, &sources);
        SecretInImageFile.check_image(&mut cx, &image);
        let findings = cx.into_findings();
        assert_eq!(findings.len(), 1);
        // Without a known entry, no layer is named.
        assert!(
            findings[0].message.starts_with("File `/a` contains"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn negatives() {
        let env = format!("AWS_SECRET_ACCESS_KEY={}\n", aws_secret());
        let placeholders = "DB_PASSWORD=changeme\nAPI_TOKEN=<your-token>\nAWS_SECRET_ACCESS_KEY=${AWS_SECRET}\n\
                            GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n";
        let found = run(&[
            ("/app/.env.example", placeholders, 0),
            // Skipped paths.
            ("/usr/share/doc/app/README", &env, 0),
            (
                "/usr/lib/python3/dist-packages/botocore/tests/creds.env",
                &env,
                0,
            ),
            ("/app/node_modules/x/test-fixtures/key.pem", &pem(), 0),
            ("/usr/local/go/src/crypto/tls/handshake_test.go", &pem(), 0),
            ("/app/docs/setup.md", &env, 0),
        ]);
        assert!(found.is_empty(), "{found:?}");
        // A text kept for another rule in a skipped path is not scanned.
        let found = run_with(&[], &[("/usr/share/doc/app/creds", &env)]);
        assert!(found.is_empty(), "{found:?}");
        // The same text kept for another rule elsewhere is.
        let found = run_with(&[], &[("/root/.aws/credentials", &env)]);
        assert_eq!(found.len(), 1, "{found:?}");
    }

    #[test]
    fn wants_file_paths_and_sizes() {
        for p in [
            "/app/.env",
            "/root/.ssh/id_rsa",
            "/etc/app/config.yaml",
            "/root/.npmrc",
            "/usr/local/bin/entrypoint.sh",
            "/app/tests/.env",
            "/usr/share/nginx/html/main.js",
            "/etc/ssl/private/server.pem",
            "/var/cache/debconf/passwords.dat",
            "/usr/lib/python3.12/site-packages/app/settings.py",
            "/usr/local/lib/python3.12/site-packages/app/settings.py",
            "/app/vendor/x/config.php",
            "/app/libsomething.so.conf",
            "/app/requirements.txt",
        ] {
            assert!(wants_file(p, 100), "{p}");
        }
        for p in [
            "/usr/share/doc/bash/README",
            "/usr/share/man/man1/ls.1.gz",
            "/usr/share/zoneinfo/Europe/Paris",
            "/usr/include/stdio.h",
            "/proc/1/environ",
            "/var/lib/dpkg/status",
            "/usr/lib/x86_64-linux-gnu/libc.so.6",
            "/usr/lib/x86_64-linux-gnu/libssl.so.3.0.1",
            "/usr/lib/x86_64-linux-gnu/libz.so",
            "/app/__pycache__/x.cpython-311.pyc",
            "/app/static/logo.PNG",
            "/app/fonts/a.woff2",
            "/app/backup.tar.gz",
            "/usr/lib/python3.11/test/keycert.pem",
            "/usr/lib/python3/dist-packages/app/settings.py",
            "/usr/share/vim/vim90/autoload/netrw.vim",
            "/usr/lib/google-cloud-sdk/platform/gsutil/third_party/requests/tests/certs/server.key",
            "/usr/lib/google-cloud-sdk/lib/third_party/x/tests_async/test_x.py",
            "/usr/local/lib/python3.12/site-packages/PyJWT-2.6.0.dist-info/METADATA",
            "/usr/local/lib/python3.12/site-packages/PyJWT.egg-info/PKG-INFO",
            "/usr/local/lib/python3.12/site-packages/tornado/test/test.key",
            "/app/node_modules/ws/test/fixtures/key.pem",
            "/app/node_modules/node-forge/tests/unit/rsa.js",
            "/app/node_modules/jws/testing/key.pem",
            "/usr/local/lib/python3.12/site-packages/x/test_auth.py",
            "/go/pkg/mod/golang.org/x/crypto@v0.1.0/ssh/testdata/keys.go",
            "/go/pkg/mod/golang.org/x/crypto@v0.1.0/ssh/keys_test.go",
            "/usr/local/go/src/crypto/x509/x509.go",
            "/app/vendor/github.com/x/y/examples/main.go",
            "/app/README.md",
            "/app/static/app.js.map",
            "./usr/share/doc/x",
            "usr/include/x.h",
        ] {
            assert!(!wants_file(p, 100), "{p}");
        }
        assert!(wants_file("/app/.env", SECRET_SCAN_MAX_BYTES));
        assert!(!wants_file("/app/.env", SECRET_SCAN_MAX_BYTES + 1));
        assert!(!wants_file("/app/.env", 0));
    }

    #[test]
    fn binary_and_encoding() {
        let env = format!("GITHUB_TOKEN={}\n", ghp());
        assert!(may_hold_secret(env.as_bytes()));
        // A NUL in the first 8 KiB: binary.
        let mut bin = b"\x7fELF\0\0\0".to_vec();
        bin.extend_from_slice(env.as_bytes());
        assert!(!may_hold_secret(&bin));
        // A NUL after the sniffed head: text.
        let mut late = env.clone().into_bytes();
        late.extend(std::iter::repeat_n(b'x', BINARY_SNIFF_BYTES));
        late.push(0);
        assert!(may_hold_secret(&late));
        // A Latin-1 comment: decoded lossily, the secret still found, and
        // the text to keep is what the rule scans.
        let mut latin1 = b"# caf\xe9\n".to_vec();
        latin1.extend_from_slice(env.as_bytes());
        let t = secret_text(&latin1).expect("kept");
        assert!(t.starts_with("# caf\u{fffd}\n"));
        // Mostly invalid UTF-8 without NUL (compressed data): binary.
        let mut noise: Vec<u8> = (0..16384u32).map(|i| 0x80 | (i % 0x7f) as u8).collect();
        noise.extend_from_slice(env.as_bytes());
        assert!(image_text(&noise).is_none());
        assert!(!may_hold_secret(&noise));
        // Plain text without a secret, and placeholders.
        assert!(!may_hold_secret(b"#!/bin/sh\nexec \"$@\"\n"));
        assert!(!may_hold_secret(b"DB_PASSWORD=changeme\nTOKEN=${TOKEN}\n"));
        assert!(!may_hold_secret(b""));
    }

    #[test]
    fn skip_tables_are_well_formed() {
        for (p, why) in SKIP_PREFIXES {
            assert!(!p.starts_with('/') && !why.is_empty(), "{p}");
        }
        for (exts, why) in SKIP_EXTENSIONS {
            assert!(!why.is_empty());
            for e in *exts {
                assert!(!e.starts_with('.') && e.to_ascii_lowercase() == *e, "{e}");
            }
        }
        for m in THIRD_PARTY_MARKERS {
            assert!(m.starts_with('/') && m.ends_with('/'), "{m}");
        }
        for p in THIRD_PARTY_PREFIXES {
            assert!(!p.starts_with('/'), "{p}");
        }
        for t in TEST_DIRS.iter().chain(TEST_FILE_SUFFIXES) {
            assert_eq!(t.to_ascii_lowercase(), *t);
        }
    }

    /// The reader's side over a real root filesystem: `bench/secret_scan.sh`
    /// extracts an image into a directory and runs this with
    /// `SECRET_SCAN_ROOT` set. Prints throughput and the files kept; asserts
    /// nothing about time.
    #[test]
    #[ignore = "benchmark: needs SECRET_SCAN_ROOT (run bench/secret_scan.sh)"]
    fn bench_reader_side() {
        let Ok(root) = std::env::var("SECRET_SCAN_ROOT") else {
            eprintln!("SECRET_SCAN_ROOT not set");
            return;
        };
        let root = std::path::PathBuf::from(root);
        // Where the tree sits in the image (`/usr` for a host's `/usr`).
        let prefix = std::env::var("SECRET_SCAN_PREFIX").unwrap_or_default();
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        let mut total = 0u64;
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in rd.flatten() {
                let p = e.path();
                let Ok(md) = std::fs::symlink_metadata(&p) else {
                    continue;
                };
                if md.is_dir() {
                    stack.push(p);
                } else if md.is_file() {
                    let rel = p.strip_prefix(&root).expect("under root");
                    total += md.len();
                    // Larger files are never scanned: not kept in memory.
                    if md.len() <= SECRET_SCAN_MAX_BYTES {
                        let bytes = std::fs::read(&p).unwrap_or_default();
                        files.push((format!("{prefix}/{}", rel.display()), bytes));
                    }
                }
            }
        }
        files.sort();
        let total = usize::try_from(total).unwrap_or(usize::MAX);
        let run = |files: &[(String, Vec<u8>)]| {
            let mut wanted = 0usize;
            let mut wanted_bytes = 0usize;
            let mut kept = Vec::new();
            for (path, bytes) in files {
                if wants_file(path, bytes.len() as u64) {
                    wanted += 1;
                    wanted_bytes += bytes.len();
                    if may_hold_secret(bytes) {
                        kept.push(path.clone());
                    }
                }
            }
            (wanted, wanted_bytes, kept)
        };
        let mut times = Vec::new();
        let mut last = (0, 0, Vec::new());
        for _ in 0..5 {
            let t = std::time::Instant::now();
            last = std::hint::black_box(run(&files));
            times.push(t.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        let (wanted, wanted_bytes, kept) = last;
        let mb = |b: usize| b as f64 / 1e6;
        println!(
            "files: {} regular up to {} bytes, {:.1} MB of regular files in all; wanted {} ({:.1} MB); kept {}",
            files.len(),
            SECRET_SCAN_MAX_BYTES,
            mb(total),
            wanted,
            mb(wanted_bytes),
            kept.len()
        );
        println!(
            "time: median {:.1} ms, best {:.1} ms (one thread); {:.0} MB/s over all bytes, {:.0} MB/s over scanned bytes",
            median * 1e3,
            times[0] * 1e3,
            mb(total) / median,
            mb(wanted_bytes) / median
        );
        for path in &kept {
            let Some((_, bytes)) = files.iter().find(|(p, _)| p == path) else {
                continue;
            };
            let text = image_text(bytes).unwrap_or_default();
            let hits = SCANNER.scan(&text);
            let shown: Vec<String> = (0..hits.len())
                .map(|i| {
                    let id = SCANNER.pattern(&hits[i]).map_or("?", |p| p.id.as_str());
                    format!(
                        "{id} `{}`",
                        super::super::scanner::display(&text, &hits, i, 0)
                    )
                })
                .collect();
            println!("kept {path}: {}", shown.join(", "));
        }
        // Without the path skip list (size and binary tests only): what the
        // skip list saves, and the false positives it avoids.
        let t = std::time::Instant::now();
        let mut unfiltered = Vec::new();
        for (path, bytes) in &files {
            if !bytes.is_empty()
                && bytes.len() as u64 <= SECRET_SCAN_MAX_BYTES
                && may_hold_secret(bytes)
            {
                unfiltered.push(path.as_str());
            }
        }
        println!(
            "without the path skip list: kept {} in {:.1} ms",
            unfiltered.len(),
            t.elapsed().as_secs_f64() * 1e3
        );
        for p in unfiltered.iter().filter(|p| !kept.iter().any(|k| k == *p)) {
            println!("  skipped by path: {p}");
        }
    }
}
