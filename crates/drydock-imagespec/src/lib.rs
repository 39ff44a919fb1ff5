//! A read image as the rules see it.
//!
//! `drydock-image` reads an image once, streaming; [`ImageVisitor`] rides
//! along and collects, per file of every layer, what later steps need: the
//! package catalogue's facts (`drydock-catalog`) and the text of the files
//! rules read (account and credential files, `/etc/os-release`, and every
//! text file in which the secret scan finds something). [`assemble`] then
//! turns the [`ImageScan`] into one [`ImageSpec`]:
//!
//! * the configuration (`Config.User`, `Config.Env[2]`, …) with
//!   `Origin::Api` origins named like `docker inspect`'s fields;
//! * the history as build steps (`drydock_dockerfile::HistoryDocument`),
//!   RUN, ADD, COPY, ARG, ONBUILD and MAINTAINER only (the configuration
//!   holds what ENV, USER, LABEL and the rest left behind); a finding in a
//!   step is reported as `history[n].created_by` ([`Built::history_origin`]);
//! * the final filesystem as [`ImageFiles`], with each read text a
//!   [`SourceFile`] named `<image>!<path>`, so findings in it name file,
//!   line and column.
//!
//! The rules themselves are not called here: the caller passes what they
//! want to read ([`Wants`]) and runs them over [`Built::spec`].

use std::collections::BTreeMap;
use std::sync::Arc;

use drydock_catalog::{Catalogue, FileRef};
use drydock_core::imageref::ImageRef;
use drydock_core::spec::{
    BaseImage, CommandLine, Healthcheck, ImageFile, ImageFileKind, ImageFiles, ImageLayer,
    ImageSpec, ImageText, KeyValue, StepKind,
};
use drydock_core::{FileKind, Origin, SourceFile, SourceMap, Sp};
use drydock_dockerfile::HistoryDocument;
use drydock_image::{EntryKind, EntryMeta, ImageScan, ProblemKind, Visitor};

/// Largest file whose text is kept for the rules that read it (account and
/// credential files are a few KiB; a larger one is reported as not
/// examined).
pub const TEXT_MAX_BYTES: u64 = 1 << 20;

/// Where the OS release is read from: always kept as text, so that a
/// finding about the OS (end of life) points at its `VERSION_ID=` line.
pub const OS_RELEASE_PATHS: &[&str] = &["/etc/os-release", "/usr/lib/os-release"];

/// What the rules want to read, decided per file while the layers stream
/// (in parallel: the functions must be `Sync` and cheap).
#[derive(Clone, Copy)]
pub struct Wants<'a> {
    /// Files whose whole text rules read (`/etc/shadow`, `.npmrc`, …).
    pub text: &'a (dyn Fn(&str) -> bool + Sync),
    /// Files the secret scan looks at, by path and size.
    pub secret_file: &'a (dyn Fn(&str, u64) -> bool + Sync),
    /// Whether the bytes of such a file hold a secret: only then is its
    /// text kept.
    pub secret: &'a (dyn Fn(&[u8]) -> bool + Sync),
}

impl Wants<'static> {
    /// Reads no text (the catalogue only).
    pub const NOTHING: Wants<'static> = Wants {
        text: &|_| false,
        secret_file: &|_, _| false,
        secret: &|_| false,
    };
}

/// What one file yields.
#[derive(Debug)]
pub enum Fact {
    /// A catalogue fact, or why the file did not parse (boxed: a package
    /// is much larger than a text's `String`).
    Catalog(Box<Result<drydock_catalog::Fact, String>>),
    /// The file's text (invalid UTF-8 replaced).
    Text(String),
}

/// The visitor [`drydock_image`] calls for every regular file.
pub struct ImageVisitor<'a> {
    pub wants: Wants<'a>,
    /// Collect the package catalogue.
    pub catalog: bool,
}

impl ImageVisitor<'_> {
    fn wants_text(&self, path: &str) -> bool {
        OS_RELEASE_PATHS.contains(&path) || (self.wants.text)(path)
    }
}

impl Visitor for ImageVisitor<'_> {
    type Fact = Fact;

    fn wants(&self, path: &str, entry: &EntryMeta) -> Option<u64> {
        let mut want: Option<u64> = None;
        let mut add = |n: u64| want = Some(want.map_or(n, |w| w.max(n)));
        if self.catalog
            && let Some(n) = drydock_catalog::wants(path, entry.size, entry.mode)
        {
            add(n);
        }
        if self.wants_text(path) {
            add(TEXT_MAX_BYTES);
        }
        if (self.wants.secret_file)(path, entry.size) {
            add(entry.size);
        }
        want
    }

    fn visit(&self, path: &str, entry: &EntryMeta, data: &[u8]) -> Vec<Fact> {
        let mut out = Vec::new();
        if self.catalog && drydock_catalog::wants(path, entry.size, entry.mode).is_some() {
            match drydock_catalog::parse(path, data) {
                Ok(facts) => out.extend(facts.into_iter().map(|f| Fact::Catalog(Box::new(Ok(f))))),
                Err(e) => out.push(Fact::Catalog(Box::new(Err(e)))),
            }
        }
        let keep = (self.wants_text(path) && data.len() as u64 <= TEXT_MAX_BYTES)
            || ((self.wants.secret_file)(path, entry.size) && (self.wants.secret)(data));
        if keep {
            out.push(Fact::Text(String::from_utf8_lossy(data).into_owned()));
        }
        out
    }
}

/// Something about the image that could not be read, and whether it leaves
/// the result incomplete (an error) or not (a note, a file too large to
/// examine, an unsupported format).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub error: bool,
    pub message: String,
}

/// What the image is, for reports.
#[derive(Debug, Clone, Default)]
pub struct ImageInfo {
    /// How reports call the image.
    pub name: String,
    pub format: Option<drydock_image::Format>,
    pub repo_tags: Vec<String>,
    /// Digest of the config (the image ID).
    pub id: Option<String>,
    pub manifest_digest: Option<String>,
    pub platform: Option<String>,
    pub created: Option<String>,
    pub layers: usize,
    /// Uncompressed bytes of all layers.
    pub bytes: u64,
    pub files: usize,
}

/// An image ready for the rules.
pub struct Built {
    /// The image as one spec: configuration, history steps, files.
    pub spec: ImageSpec,
    /// The history document and the texts of the image's files.
    pub sources: SourceMap,
    pub catalogue: Catalogue,
    pub info: ImageInfo,
    pub notes: Vec<Note>,
    history: Option<History>,
}

struct History {
    file: drydock_core::FileId,
    doc: HistoryDocument,
}

impl Built {
    /// Whether something that matters could not be read.
    pub fn incomplete(&self) -> bool {
        self.notes.iter().any(|n| n.error)
    }

    /// Reports a finding in the history document as the history entry it
    /// is about (`history[n].created_by`, no longer a file: no redaction
    /// range), for the finding and its related places.
    pub fn relocate(&self, f: &mut drydock_core::Finding) {
        if let Some(p) = self.history_origin(&f.origin) {
            f.origin = Origin::api(p);
            f.redact = None;
        }
        for r in &mut f.related {
            if let Some(p) = self.history_origin(&r.origin) {
                r.origin = Origin::api(p);
            }
        }
    }

    /// The field a finding in the history document is about:
    /// `history[n].created_by`, `n` indexing the config's `history`
    /// (oldest first). `None` for other origins.
    pub fn history_origin(&self, origin: &Origin) -> Option<String> {
        let h = self.history.as_ref()?;
        let (file, range) = origin.file_range()?;
        if file != h.file {
            return None;
        }
        let n = h.doc.entry_at(range.start)?;
        Some(format!("history[{n}].created_by"))
    }
}

/// Turns a read image into the spec rules judge. `name` is how reports call
/// the image (texts are named `<name>!<path>`).
pub fn assemble(scan: ImageScan<Fact>, name: &str) -> Built {
    let mut notes: Vec<Note> = scan
        .problems
        .iter()
        .map(|p| Note {
            error: !matches!(
                p.kind,
                ProblemKind::Note | ProblemKind::FileTooLarge | ProblemKind::Unsupported
            ),
            message: p.to_string(),
        })
        .collect();
    let mut sources = SourceMap::new();
    let config = scan.config.clone().unwrap_or_default();

    // Catalogue facts and texts, for files of the final view.
    let mut catalog_facts = Vec::new();
    let mut texts = BTreeMap::new();
    for (path, layer, fact) in scan.facts {
        match fact {
            Fact::Catalog(c) => match *c {
                Ok(f) => catalog_facts.push((
                    FileRef {
                        path,
                        layer: Some(layer),
                    },
                    f,
                )),
                Err(e) => notes.push(Note {
                    error: true,
                    message: format!("layer {layer}: {path}: {e}"),
                }),
            },
            Fact::Text(text) => {
                let file = sources.add(SourceFile::new(
                    format!("{name}!{path}"),
                    FileKind::Other,
                    text,
                ));
                texts.insert(path, ImageText { file });
            }
        }
    }
    let catalogue = drydock_catalog::finish(catalog_facts);

    // Layers, each with the history entry that made it.
    let history_entries = config.history.clone().unwrap_or_default();
    let layer_history: Vec<usize> = history_entries
        .iter()
        .enumerate()
        .filter(|(_, h)| h.empty_layer != Some(true))
        .map(|(i, _)| i)
        .collect();
    let layers: Vec<ImageLayer> = scan
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| ImageLayer {
            diff_id: l.diff_id.clone().or_else(|| l.computed_diff_id.clone()),
            history: layer_history.get(i).copied(),
        })
        .collect();

    let bytes = scan.layers.iter().map(|l| l.uncompressed_bytes).sum();
    let layer_count = scan.layers.len();
    let mut entries: Vec<ImageFile> = Vec::with_capacity(scan.fs.len());
    entries.extend(scan.fs.into_entries().map(|(path, e)| ImageFile {
        path,
        kind: match e.meta.kind {
            EntryKind::File => ImageFileKind::File,
            EntryKind::Dir => ImageFileKind::Dir,
            EntryKind::Symlink(t) => ImageFileKind::Symlink(t),
            EntryKind::Hardlink(t) => ImageFileKind::Hardlink(t),
            EntryKind::Char => ImageFileKind::Char,
            EntryKind::Block => ImageFileKind::Block,
            EntryKind::Fifo => ImageFileKind::Fifo,
        },
        mode: e.meta.mode,
        uid: e.meta.uid,
        gid: e.meta.gid,
        size: e.meta.size,
        layer: e.layer,
    }));

    let info = ImageInfo {
        name: name.to_string(),
        format: Some(scan.format),
        repo_tags: scan.manifest.repo_tags.clone(),
        id: scan.manifest.config_digest.clone(),
        manifest_digest: scan.manifest.manifest_digest.clone(),
        platform: scan
            .manifest
            .platform
            .as_ref()
            .map(ToString::to_string)
            .or_else(|| {
                let os = config.os.as_deref().filter(|s| !s.is_empty())?;
                let arch = config.architecture.as_deref().unwrap_or("");
                Some(match config.variant.as_deref().filter(|v| !v.is_empty()) {
                    Some(v) => format!("{os}/{arch}/{v}"),
                    None => format!("{os}/{arch}"),
                })
            }),
        created: config.created.clone(),
        layers: layer_count,
        bytes,
        files: entries.len(),
    };

    let files = ImageFiles {
        entries,
        texts,
        layers,
        os: catalogue.os.clone(),
        name: name.to_string(),
    };

    let mut spec = config_spec(&config, &info, name);

    // The history as build steps.
    let history = if history_entries.is_empty() {
        None
    } else {
        let mut created: Vec<&str> = history_entries
            .iter()
            .map(|h| h.created_by.as_deref().unwrap_or(""))
            .collect();
        // The first `ADD … /` unpacked the base root filesystem: not a
        // choice of this image's author.
        if let Some(first) = created.first()
            && drydock_dockerfile::history::is_rootfs_add(first)
        {
            created[0] = "";
        }
        let doc = HistoryDocument::new(&created);
        let file = sources.add(SourceFile::new(
            format!("{name} (history)"),
            FileKind::Dockerfile,
            doc.text.as_str(),
        ));
        spec.steps = doc
            .steps(file)
            .into_iter()
            .filter(|s| {
                matches!(
                    s.kind,
                    StepKind::Run(_)
                        | StepKind::Add(_)
                        | StepKind::Copy(_)
                        | StepKind::Arg(_)
                        | StepKind::Onbuild(_)
                        | StepKind::Maintainer(_)
                )
            })
            .collect();
        Some(History { file, doc })
    };
    spec.files = Some(Arc::new(files));

    Built {
        spec,
        sources,
        catalogue,
        info,
        notes,
        history,
    }
}

fn api<T>(value: T, path: impl Into<String>) -> Sp<T> {
    Sp::new(value, Origin::api(path))
}

/// `Config.Labels["a.b"]`: a map key as a path element (as the engine
/// converter names them).
fn key_path(base: &str, key: &str) -> String {
    let quoted = key.replace('\\', "\\\\").replace('"', "\\\"");
    format!("{base}[\"{quoted}\"]")
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

/// The configuration part of the spec.
fn config_spec(config: &drydock_image::ImageConfig, info: &ImageInfo, name: &str) -> ImageSpec {
    let reference = info
        .repo_tags
        .iter()
        .find(|t| t.as_str() != "<none>:<none>")
        .cloned();
    let base = match reference.as_deref().and_then(ImageRef::parse) {
        Some(r) => BaseImage::Image(r),
        None => BaseImage::Unresolved(reference.unwrap_or_else(|| name.to_string())),
    };
    let mut spec = ImageSpec::new(Origin::api("Config"), 0, true, api(base, "RepoTags"));
    spec.platform = info.platform.clone().map(|p| api(p, "os"));
    spec.created = non_empty(&config.created).map(|c| api(c.to_string(), "created"));
    let Some(c) = &config.config else {
        return spec;
    };
    spec.user = non_empty(&c.user).map(|u| api(u.to_string(), "Config.User"));
    spec.workdir = non_empty(&c.working_dir).map(|w| api(w.to_string(), "Config.WorkingDir"));
    spec.env = c
        .env
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, e)| {
            let path = format!("Config.Env[{i}]");
            let (k, v) = e.split_once('=').unwrap_or((e.as_str(), ""));
            KeyValue {
                origin: Origin::api(path.clone()),
                key: api(k.to_string(), path.clone()),
                value: api(v.to_string(), path),
            }
        })
        .collect();
    spec.labels = c
        .labels
        .iter()
        .flatten()
        .map(|(k, v)| {
            let path = key_path("Config.Labels", k);
            KeyValue {
                origin: Origin::api(path.clone()),
                key: api(k.clone(), path.clone()),
                value: api(v.clone(), path),
            }
        })
        .collect();
    spec.exposed_ports = c
        .exposed_ports
        .iter()
        .flatten()
        .map(|(p, _)| api(p.clone(), key_path("Config.ExposedPorts", p)))
        .collect();
    spec.volumes = c
        .volumes
        .iter()
        .flatten()
        .map(|(v, _)| api(v.clone(), key_path("Config.Volumes", v)))
        .collect();
    spec.healthcheck = c.healthcheck.as_ref().and_then(|h| {
        Healthcheck::from_config(
            h.test.as_deref(),
            h.interval,
            h.timeout,
            h.start_period,
            h.retries,
        )
        .map(|hc| api(hc, "Config.Healthcheck"))
    });
    let command = |args: &Option<Vec<String>>, path: &str| {
        let args = args.as_ref().filter(|a| !a.is_empty())?;
        Some(api(
            CommandLine {
                exec_form: true,
                args: args.clone(),
            },
            path,
        ))
    };
    spec.entrypoint = command(&c.entrypoint, "Config.Entrypoint");
    spec.cmd = command(&c.cmd, "Config.Cmd");
    spec.shell = c
        .shell
        .as_ref()
        .filter(|s| !s.is_empty())
        .map(|s| api(s.clone(), "Config.Shell"));
    spec
}

#[cfg(test)]
mod tests;
