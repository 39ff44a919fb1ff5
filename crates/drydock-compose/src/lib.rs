//! A Compose file loader with exact positions.
//!
//! [`load`] parses a Compose file with saphyr-parser's event API into a
//! small spanned YAML tree ([`YamlNode`], also available through
//! [`parse_yaml`]), interpolates variables (process environment first, then
//! the `.env` file beside the Compose file), resolves `extends` and
//! `include`, reads `env_file`s, and converts each service into a
//! [`ContainerSpec`] whose every value carries the [`Origin`] where it is
//! written: an aliased or `<<`-merged value points at the anchor's text, a
//! value inherited through `extends` at the base file, an `env_file`
//! variable at the env file.
//!
//! Nothing here panics on bad input; problems become [`ParseError`]s in
//! [`ComposeProject::errors`] (fatal when no model could be built at all).
//!
//! Documented simplifications:
//! * Resources: `deploy.resources.limits`/`reservations` win over the
//!   service-level `mem_limit`, `cpus`, `pids_limit`, `mem_reservation`
//!   (Compose requires them to agree); either is taken when only one is set.
//! * A bare `KEY` in `environment` (or a null map value) gives an empty value
//!   whose origin is the key: the scanner's own environment is not consulted.
//! * `extends` merges the converted specs: single values of the extending
//!   service win; `ports`, `expose`, `cap_add`, `cap_drop`, `security_opt`,
//!   `devices`, `tmpfs`, `env_files`, `secrets`, `configs`, `networks`,
//!   `extra_hosts` are appended (duplicates dropped); `volumes` are merged
//!   by target; `environment`, `labels`, `sysctls`, `ulimits`,
//!   `logging.options` and `build.args` are merged by key.
//! * Relative paths written in an `extends`ed or `include`d file
//!   (`build.context`, `env_file`, bind-mount sources, top-level
//!   `secrets`/`configs` `file`) are rebased onto the main file's directory
//!   (lexically; absolute when the other file's directory is given
//!   absolutely); their origins still point where they are written.
//!   `build.dockerfile` is relative to the build context and is left as
//!   written; a build in another file without a `context` is not given
//!   one. `include`'s `project_directory` is honoured; its `env_file` is not
//!   (the included file's `.env` is read). `build.ssh`/`additional_contexts`
//!   paths are not rebased.
//! * Unknown keys in a service and in its `build`, `deploy`,
//!   `healthcheck`, `logging` and long-form `ports`/`volumes` entries are
//!   reported (with a suggestion for a likely typo); `x-` keys are allowed.
//!   The key lists come from the Compose Specification schema (see
//!   `keys.rs`).
//! * Interpolation applies to every scalar value (not to keys), before
//!   conversion; an interpolated value keeps the origin of the scalar.

mod convert;

/// The rule that reports an `env_file` that does not exist (instead of the
/// syntax rule).
pub const RULE_ENV_FILE_MISSING: &str = "CMP007";
pub mod dotenv;
pub mod interp;
mod keys;
pub mod yaml;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use drydock_core::fs::{FileSystem, FsError};
use drydock_core::spec::{ContainerSpec, KeyValue};
use drydock_core::{FileId, FileKind, Origin, ParseError, SourceFile, SourceMap, Sp, TextRange};

pub use yaml::{
    MAX_ALIAS_NODES, MAX_DEPTH, ScalarStyle, YamlDoc, YamlEntry, YamlKind, YamlNode, YamlScalar,
    parse_yaml, parse_yaml_doc,
};

use convert::Ctx;

/// How deep `extends` chains may go.
const MAX_EXTENDS_DEPTH: usize = 16;
/// How deep `include`s may nest.
const MAX_INCLUDE_DEPTH: usize = 8;

/// What the loader may use besides the Compose text.
pub struct LoadOptions<'a> {
    /// Reads `extends`/`include` files, `.env` and `env_file`s.
    pub fs: &'a dyn FileSystem,
    /// The process environment, for interpolation (wins over `.env`).
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

/// A top-level network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkDef {
    /// The whole `name: {…}` entry.
    pub origin: Origin,
    pub name: Sp<String>,
    pub driver: Option<Sp<String>>,
    pub driver_opts: Vec<KeyValue>,
    pub internal: Option<Sp<bool>>,
    pub external: Option<Sp<bool>>,
    /// `driver_opts` has an `encrypted` key.
    pub encrypted: bool,
}

/// A top-level volume.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedDef {
    pub origin: Origin,
    pub name: Sp<String>,
    pub driver: Option<Sp<String>>,
    pub external: Option<Sp<bool>>,
}

/// A top-level secret or config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretDef {
    pub origin: Origin,
    pub name: Sp<String>,
    pub file: Option<Sp<String>>,
    pub environment: Option<Sp<String>>,
    pub external: Option<Sp<bool>>,
    pub content: Option<Sp<String>>,
}

/// A loaded Compose file (with what it includes).
#[derive(Clone, Debug, Default)]
pub struct ComposeProject {
    pub file: FileId,
    pub name: Option<Sp<String>>,
    /// The obsolete top-level `version:`.
    pub version: Option<Sp<String>>,
    pub services: Vec<ContainerSpec>,
    pub networks: Vec<NetworkDef>,
    pub volumes: Vec<NamedDef>,
    pub secrets: Vec<SecretDef>,
    pub configs: Vec<SecretDef>,
    pub errors: Vec<ParseError>,
    /// `.env` and `env_file` files read (added to the source map).
    pub env_files: Vec<FileId>,
}

impl ComposeProject {
    pub fn service(&self, name: &str) -> Option<&ContainerSpec> {
        self.services.iter().find(|s| s.name == name)
    }

    pub fn has_fatal_error(&self) -> bool {
        self.errors.iter().any(|e| e.fatal)
    }
}

/// Loads the Compose file `path` whose text is already in `sources` as `file`.
pub fn load(
    path: &Path,
    file: FileId,
    sources: &mut SourceMap,
    opts: &LoadOptions<'_>,
) -> ComposeProject {
    let mut l = Loader {
        opts,
        sources,
        parsed: HashMap::new(),
        include_stack: Vec::new(),
    };
    let canon = opts.fs.canonicalize(path);
    l.include_stack.push(canon);
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut proj = l.load_file(path, file, &dir, PathBuf::new());
    // A base service extended twice, or an anchor merged into several
    // services, would report the same problem more than once.
    let mut seen = HashSet::new();
    proj.errors
        .retain(|e| seen.insert((e.file, e.range, e.fatal, e.message.clone())));
    proj
}

/// A parsed and interpolated file.
struct Parsed {
    file: FileId,
    path: PathBuf,
    text: Arc<str>,
    /// The directory relative paths in the file are resolved from (the
    /// file's own, or an `include`'s `project_directory`).
    dir: PathBuf,
    /// `dir` relative to the main Compose file's directory (lexically
    /// normalised; empty for the main file itself), or absolute when it
    /// cannot be told relative to it: what relative paths written in this
    /// file are rebased onto.
    base: PathBuf,
    root: Option<YamlNode>,
    vars: HashMap<String, String>,
}

struct Loader<'o, 's> {
    opts: &'o LoadOptions<'o>,
    sources: &'s mut SourceMap,
    /// Files read for `extends`, by canonical path.
    parsed: HashMap<PathBuf, Rc<Parsed>>,
    include_stack: Vec<PathBuf>,
}

fn display(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn fs_msg(e: &FsError) -> String {
    e.to_string()
}

fn is_allowed_top_key(k: &str) -> bool {
    matches!(
        k,
        "version"
            | "name"
            | "services"
            | "networks"
            | "volumes"
            | "secrets"
            | "configs"
            | "include"
            | "models"
    ) || k.starts_with("x-")
}

impl<'o> Loader<'o, '_> {
    /// Adds a file to the source map unless a file with that path is there.
    fn add_source(&mut self, path: &Path, kind: FileKind, text: String) -> (FileId, Arc<str>) {
        let p = display(path);
        if let Some(id) = self.sources.find(&p)
            && let Some(f) = self.sources.get(id)
        {
            return (id, f.text.clone());
        }
        let id = self.sources.add(SourceFile::new(p, kind, text));
        let t = self
            .sources
            .get(id)
            .map_or_else(|| Arc::from(""), |f| f.text.clone());
        (id, t)
    }

    fn lookup<'v>(&self, vars: &'v HashMap<String, String>) -> impl Fn(&str) -> Option<String> + 'v
    where
        'o: 'v,
    {
        make_lookup(self.opts.env, vars)
    }

    /// Reads the `.env` beside a Compose file.
    fn read_dotenv(
        &mut self,
        dir: &Path,
        errors: &mut Vec<ParseError>,
        env_files: &mut Vec<FileId>,
    ) -> HashMap<String, String> {
        let mut vars = HashMap::new();
        let p = dir.join(".env");
        let Ok(text) = self.opts.fs.read_to_string(&p) else {
            return vars;
        };
        let (id, text) = self.add_source(&p, FileKind::Other, text);
        if !env_files.contains(&id) {
            env_files.push(id);
        }
        let (entries, bad) = dotenv::parse(&text);
        for (r, m) in bad {
            errors.push(ParseError::new(id, r, m));
        }
        let env = self.opts.env;
        for e in entries {
            let Some(v) = e.value else { continue };
            let v = if e.literal {
                v
            } else {
                let look = |n: &str| env(n).or_else(|| vars.get(n).cloned());
                let r = interp::interpolate(&v, &look);
                for m in r.errors {
                    errors.push(ParseError::new(id, e.value_range, m));
                }
                r.value
            };
            vars.insert(e.key, v);
        }
        vars
    }

    /// Parses, reads `.env` for, and interpolates one Compose file.
    fn prepare(
        &mut self,
        path: &Path,
        file: FileId,
        (dir, base): (&Path, PathBuf),
        errors: &mut Vec<ParseError>,
        env_files: &mut Vec<FileId>,
    ) -> Parsed {
        let text = self
            .sources
            .get(file)
            .map_or_else(|| Arc::from(""), |f| f.text.clone());
        let dir = dir.to_path_buf();
        let doc = parse_yaml_doc(&text, file);
        errors.extend(doc.errors);
        let vars = self.read_dotenv(&dir, errors, env_files);
        let mut root = doc.root;
        if let Some(r) = root.as_mut() {
            let look = self.lookup(&vars);
            let mut interp_errors = Vec::new();
            // Keys are not interpolated; top-level extension keys are values too.
            r.for_each_value_scalar_mut(&mut |range, s| {
                if s.value.contains('$') {
                    let out = interp::interpolate(&s.value, &look);
                    for m in out.errors {
                        interp_errors.push(ParseError::new(file, range, m));
                    }
                    s.value = out.value;
                    s.unresolved = !out.unset.is_empty();
                }
            });
            errors.extend(interp_errors);
        }
        Parsed {
            file,
            path: path.to_path_buf(),
            text,
            dir,
            base,
            root,
            vars,
        }
    }

    /// Loads one Compose file (the main one or an included one) whose
    /// relative paths are resolved from `dir`, which is `base` seen from
    /// the main file's directory.
    fn load_file(
        &mut self,
        path: &Path,
        file: FileId,
        dir: &Path,
        base: PathBuf,
    ) -> ComposeProject {
        let mut proj = ComposeProject {
            file,
            ..ComposeProject::default()
        };
        let mut errors = Vec::new();
        let mut env_files = Vec::new();
        let parsed = Rc::new(self.prepare(path, file, (dir, base), &mut errors, &mut env_files));
        self.parsed
            .insert(self.opts.fs.canonicalize(path), parsed.clone());
        proj.env_files = env_files;
        let Some(root) = parsed.root.as_ref() else {
            if !errors.iter().any(|e| e.fatal) {
                errors.push(ParseError::new(
                    file,
                    TextRange::EMPTY,
                    "the Compose file is empty",
                ));
            }
            proj.errors = errors;
            return proj;
        };
        let Some(top) = root.as_map() else {
            errors.push(ParseError::fatal(
                file,
                root.range,
                format!(
                    "the top level of a Compose file must be a mapping, not a {}",
                    root.kind_name()
                ),
            ));
            proj.errors = errors;
            return proj;
        };
        let mut services_node = None;
        let mut includes = Vec::new();
        {
            let mut ctx = Ctx {
                file,
                text: &parsed.text,
                errors: &mut errors,
            };
            for e in top {
                let Some(k) = e.key.as_str() else {
                    ctx.err(e.key.range, "top-level keys must be strings");
                    continue;
                };
                let v = &e.value;
                match k {
                    "name" => proj.name = ctx.string(v, k),
                    "version" => proj.version = ctx.string(v, k),
                    "services" => services_node = Some(v),
                    "include" => includes.push(v),
                    "networks" | "volumes" | "secrets" | "configs" => {
                        let Some(defs) = v.as_map() else {
                            if !v.is_null() {
                                ctx.err(v.range, format!("`{k}` must be a mapping"));
                            }
                            continue;
                        };
                        for d in defs {
                            match k {
                                "networks" => {
                                    proj.networks.extend(convert::network_def(&mut ctx, d))
                                }
                                "volumes" => proj.volumes.extend(convert::named_def(&mut ctx, d)),
                                "secrets" => proj
                                    .secrets
                                    .extend(convert::secret_def(&mut ctx, d, "secret")),
                                _ => proj
                                    .configs
                                    .extend(convert::secret_def(&mut ctx, d, "config")),
                            }
                        }
                    }
                    _ if is_allowed_top_key(k) => {}
                    _ => ctx.err(e.key.range, format!("unknown top-level key `{k}`")),
                }
            }
        }
        for d in proj.secrets.iter_mut().chain(proj.configs.iter_mut()) {
            if let Some(f) = d.file.as_mut() {
                rebase_in_place(&parsed.base, f);
            }
        }
        if let Some(sn) = services_node {
            match sn.as_map() {
                Some(svcs) => {
                    for e in svcs {
                        let Some(name) = e.key.as_str() else {
                            errors.push(ParseError::new(
                                file,
                                e.key.range,
                                "service names must be strings",
                            ));
                            continue;
                        };
                        let mut chain = vec![(self.opts.fs.canonicalize(path), name.to_string())];
                        if let Some(spec) = self.service(
                            &parsed,
                            &e.key,
                            name,
                            &e.value,
                            &mut chain,
                            &mut errors,
                            &mut proj.env_files,
                        ) {
                            proj.services.push(spec);
                        }
                    }
                }
                None if sn.is_null() => {}
                None => errors.push(ParseError::new(
                    file,
                    sn.range,
                    format!("`services` must be a mapping, not a {}", sn.kind_name()),
                )),
            }
        }
        for inc in includes {
            self.includes(&parsed, inc, &mut proj, &mut errors);
        }
        proj.errors.extend(errors);
        proj
    }

    fn includes(
        &mut self,
        parsed: &Parsed,
        node: &YamlNode,
        proj: &mut ComposeProject,
        errors: &mut Vec<ParseError>,
    ) {
        let file = parsed.file;
        let Some(items) = node.as_seq() else {
            errors.push(ParseError::new(
                file,
                node.range,
                "`include` must be a list",
            ));
            return;
        };
        // Each path with the entry's `project_directory`, if any.
        let mut paths: Vec<(&YamlNode, Option<&str>)> = Vec::new();
        for it in items {
            if it.as_map().is_some() {
                let pd = it.get("project_directory").and_then(|d| {
                    let s = d.as_str().filter(|_| !d.is_null());
                    if s.is_none() && !d.is_null() {
                        errors.push(ParseError::new(
                            file,
                            d.range,
                            "`include.project_directory` must be a string",
                        ));
                    }
                    s
                });
                match it.get("path") {
                    Some(p) if p.as_seq().is_some() => {
                        paths.extend(p.as_seq().unwrap_or(&[]).iter().map(|p| (p, pd)))
                    }
                    Some(p) => paths.push((p, pd)),
                    None => errors.push(ParseError::new(
                        file,
                        it.range,
                        "an `include` entry needs a `path`",
                    )),
                }
            } else {
                paths.push((it, None));
            }
        }
        for (p, pd) in paths {
            let Some(rel) = p.as_str().filter(|_| !p.is_null()) else {
                errors.push(ParseError::new(
                    file,
                    p.range,
                    "an `include` path must be a string",
                ));
                continue;
            };
            let full = normalize(&parsed.dir.join(rel));
            // Relative paths in the included file are resolved from its
            // `project_directory`, by default its own directory.
            let sub_rel = match pd {
                Some(d) => PathBuf::from(d),
                None => Path::new(rel)
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default(),
            };
            let sub_dir = normalize(&parsed.dir.join(&sub_rel));
            let sub_base = normalize(&parsed.base.join(&sub_rel));
            let canon = self.opts.fs.canonicalize(&full);
            if self.include_stack.contains(&canon) {
                errors.push(ParseError::new(
                    file,
                    p.range,
                    format!("include cycle: {rel} is already being loaded"),
                ));
                continue;
            }
            if self.include_stack.len() > MAX_INCLUDE_DEPTH {
                errors.push(ParseError::new(
                    file,
                    p.range,
                    format!("includes nested deeper than {MAX_INCLUDE_DEPTH} levels"),
                ));
                continue;
            }
            let text = match self.opts.fs.read_to_string(&full) {
                Ok(t) => t,
                Err(e) => {
                    errors.push(ParseError::new(
                        file,
                        p.range,
                        format!(
                            "cannot read included file {}: {}",
                            display(&full),
                            fs_msg(&e)
                        ),
                    ));
                    continue;
                }
            };
            let (id, _) = self.add_source(&full, FileKind::Compose, text);
            self.include_stack.push(canon);
            let sub = self.load_file(&full, id, &sub_dir, sub_base);
            self.include_stack.pop();
            for s in sub.services {
                if proj.services.iter().any(|x| x.name == s.name) {
                    errors.push(ParseError::new(
                        file,
                        p.range,
                        format!(
                            "service `{}` from {} conflicts with a service of the same name",
                            s.name,
                            display(&full)
                        ),
                    ));
                } else {
                    proj.services.push(s);
                }
            }
            proj.networks.extend(sub.networks);
            proj.volumes.extend(sub.volumes);
            proj.secrets.extend(sub.secrets);
            proj.configs.extend(sub.configs);
            errors.extend(sub.errors);
            for f in sub.env_files {
                if !proj.env_files.contains(&f) {
                    proj.env_files.push(f);
                }
            }
        }
    }

    /// Reads (or reuses) a Compose file named by `extends.file`: `rel`,
    /// written in `from`.
    fn parsed_file(
        &mut self,
        from: &Parsed,
        rel: &str,
        errors: &mut Vec<ParseError>,
        env_files: &mut Vec<FileId>,
    ) -> Result<Rc<Parsed>, FsError> {
        let path = normalize(&from.dir.join(rel));
        let canon = self.opts.fs.canonicalize(&path);
        if let Some(p) = self.parsed.get(&canon) {
            return Ok(p.clone());
        }
        let text = self.opts.fs.read_to_string(&path)?;
        let (id, _) = self.add_source(&path, FileKind::Compose, text);
        let rel_dir = Path::new(rel).parent().unwrap_or(Path::new(""));
        let dir = normalize(&from.dir.join(rel_dir));
        let base = normalize(&from.base.join(rel_dir));
        let p = Rc::new(self.prepare(&path, id, (&dir, base), errors, env_files));
        self.parsed.insert(canon, p.clone());
        Ok(p)
    }

    #[allow(clippy::too_many_arguments)]
    fn service(
        &mut self,
        parsed: &Rc<Parsed>,
        key: &YamlNode,
        name: &str,
        node: &YamlNode,
        chain: &mut Vec<(PathBuf, String)>,
        errors: &mut Vec<ParseError>,
        env_files: &mut Vec<FileId>,
    ) -> Option<ContainerSpec> {
        let file = parsed.file;
        if node.as_map().is_none() {
            errors.push(ParseError::new(
                file,
                node.range,
                format!(
                    "service `{name}` must be a mapping, not a {}",
                    node.kind_name()
                ),
            ));
            return None;
        }
        let mut spec = {
            let mut ctx = Ctx {
                file,
                text: &parsed.text,
                errors,
            };
            convert::service(&mut ctx, key, name, node)
        };
        if let Some(ef) = node.get("env_file") {
            self.env_file(parsed, ef, &mut spec, errors, env_files);
        }
        rebase_spec(&parsed.base, &mut spec);
        if let Some(ext) = node.get("extends")
            && let Some(base) = self.extends(parsed, ext, chain, errors, env_files)
        {
            spec = merge_specs(base, spec);
        }
        Some(spec)
    }

    fn extends(
        &mut self,
        parsed: &Rc<Parsed>,
        ext: &YamlNode,
        chain: &mut Vec<(PathBuf, String)>,
        errors: &mut Vec<ParseError>,
        env_files: &mut Vec<FileId>,
    ) -> Option<ContainerSpec> {
        let file = parsed.file;
        let (svc, file_node) = if ext.as_map().is_some() {
            (ext.get("service"), ext.get("file"))
        } else {
            (Some(ext), None)
        };
        let Some(svc_node) = svc else {
            errors.push(ParseError::new(
                file,
                ext.range,
                "`extends` needs a `service`",
            ));
            return None;
        };
        let Some(svc_name) = svc_node.as_str().filter(|_| !svc_node.is_null()) else {
            errors.push(ParseError::new(
                file,
                svc_node.range,
                "`extends.service` must be a string",
            ));
            return None;
        };
        let base_parsed = match file_node.and_then(|f| f.as_str().map(|s| (f, s))) {
            Some((f, rel)) => match self.parsed_file(parsed, rel, errors, env_files) {
                Ok(p) => p,
                Err(e) => {
                    errors.push(ParseError::new(
                        file,
                        f.range,
                        format!(
                            "cannot read {}: {}",
                            display(&normalize(&parsed.dir.join(rel))),
                            fs_msg(&e)
                        ),
                    ));
                    return None;
                }
            },
            None => parsed.clone(),
        };
        let canon = self.opts.fs.canonicalize(&base_parsed.path);
        let link = (canon, svc_name.to_string());
        if chain.contains(&link) {
            errors.push(ParseError::new(
                file,
                svc_node.range,
                format!("`extends` cycle through service `{svc_name}`"),
            ));
            return None;
        }
        if chain.len() > MAX_EXTENDS_DEPTH {
            errors.push(ParseError::new(
                file,
                svc_node.range,
                format!("`extends` chain deeper than {MAX_EXTENDS_DEPTH}"),
            ));
            return None;
        }
        let base_entry = base_parsed
            .root
            .as_ref()
            .and_then(|r| r.get("services"))
            .and_then(|s| s.get_entry(svc_name));
        let Some(base_entry) = base_entry else {
            errors.push(ParseError::new(
                file,
                svc_node.range,
                format!("`extends`: no service `{svc_name}` found"),
            ));
            return None;
        };
        chain.push(link);
        let r = self.service(
            &base_parsed,
            &base_entry.key,
            svc_name,
            &base_entry.value,
            chain,
            errors,
            env_files,
        );
        chain.pop();
        r
    }

    fn env_file(
        &mut self,
        parsed: &Parsed,
        node: &YamlNode,
        spec: &mut ContainerSpec,
        errors: &mut Vec<ParseError>,
        env_files: &mut Vec<FileId>,
    ) {
        let file = parsed.file;
        let items: Vec<&YamlNode> = match &node.kind {
            YamlKind::Seq(items) => items.iter().collect(),
            YamlKind::Scalar(_) if node.is_null() => return,
            YamlKind::Scalar(_) => vec![node],
            YamlKind::Map(_) => {
                errors.push(ParseError::new(
                    file,
                    node.range,
                    "`env_file` must be a string or a list",
                ));
                return;
            }
        };
        let mut from_files: Vec<KeyValue> = Vec::new();
        for it in items {
            let (path_node, required) = if it.as_map().is_some() {
                let req = it.get("required").map(|r| {
                    let mut ctx = Ctx {
                        file,
                        text: &parsed.text,
                        errors,
                    };
                    ctx.boolean(r, "env_file.required").is_none_or(|b| b.value)
                });
                (it.get("path"), req.unwrap_or(true))
            } else {
                (Some(it), true)
            };
            let Some(pn) = path_node else {
                errors.push(ParseError::new(
                    file,
                    it.range,
                    "an `env_file` entry needs a `path`",
                ));
                continue;
            };
            let Some(rel) = pn.as_str().filter(|_| !pn.is_null()) else {
                errors.push(ParseError::new(
                    file,
                    pn.range,
                    "an `env_file` path must be a string",
                ));
                continue;
            };
            spec.env_files
                .push(Sp::new(rel.to_string(), Origin::file(file, pn.range)));
            let full = normalize(&parsed.dir.join(rel));
            let text = match self.opts.fs.read_to_string(&full) {
                Ok(t) => t,
                Err(FsError::NotFound) if !required => continue,
                Err(FsError::NotFound) => {
                    let mut e = ParseError::new(
                        file,
                        pn.range,
                        format!(
                            "env_file `{rel}` does not exist (mark it `required: false` if it is optional)"
                        ),
                    );
                    e.rule = Some(RULE_ENV_FILE_MISSING);
                    errors.push(e);
                    continue;
                }
                Err(e) => {
                    errors.push(ParseError::new(
                        file,
                        pn.range,
                        format!("cannot read env_file {}: {}", display(&full), fs_msg(&e)),
                    ));
                    continue;
                }
            };
            let (id, text) = self.add_source(&full, FileKind::Other, text);
            if !env_files.contains(&id) {
                env_files.push(id);
            }
            let (entries, bad) = dotenv::parse(&text);
            for (r, m) in bad {
                errors.push(ParseError::new(id, r, m));
            }
            let look = self.lookup(&parsed.vars);
            for e in entries {
                let value = match e.value {
                    Some(v) if !e.literal => {
                        let r = interp::interpolate(&v, &look);
                        for m in r.errors {
                            errors.push(ParseError::new(id, e.value_range, m));
                        }
                        r.value
                    }
                    Some(v) => v,
                    None => String::new(),
                };
                from_files.retain(|kv| kv.key.value != e.key);
                from_files.push(KeyValue {
                    origin: Origin::file(id, e.range),
                    key: Sp::new(e.key, Origin::file(id, e.key_range)),
                    value: Sp::new(value, Origin::file(id, e.value_range)),
                });
            }
        }
        // `environment` wins over `env_file`.
        from_files.retain(|kv| !spec.environment.iter().any(|x| x.key.value == kv.key.value));
        from_files.append(&mut spec.environment);
        spec.environment = from_files;
    }
}

/// `path` without `.` components and with `dir/..` pairs folded
/// (lexically, as Compose's `filepath.Join` does).
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                // `/..` is `/`.
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            _ => out.push(c),
        }
    }
    out.iter().collect()
}

/// A path that is not relative to the Compose file's directory: absolute,
/// home-relative, a Windows drive path, a remote build context, or an
/// unresolved variable.
fn is_not_relative(p: &str) -> bool {
    let b = p.as_bytes();
    p.is_empty()
        || p.starts_with(['/', '\\', '~', '$'])
        || (b.len() >= 2 && b[1] == b':' && b[0].is_ascii_alphabetic())
        || p.contains("://")
        || p.starts_with("git@")
        || p.starts_with("github.com/")
}

/// `p`, written in a file whose paths are relative to `base` (see
/// [`Parsed::base`]), relative to the main file's directory instead; `None`
/// when it needs no change. A `./` or `../` at the start is kept as `./`
/// (or `../`) so that a short-syntax bind source still reads as a path.
fn rebase(base: &Path, p: &str) -> Option<String> {
    if base.as_os_str().is_empty() || is_not_relative(p) {
        return None;
    }
    let joined = normalize(&base.join(p));
    let s = joined.to_string_lossy().into_owned();
    let dotted = p == "." || p == ".." || p.starts_with("./") || p.starts_with("../");
    Some(if s.is_empty() {
        ".".to_string()
    } else if dotted && joined.is_relative() && !s.starts_with("..") {
        format!("./{s}")
    } else {
        s
    })
}

fn rebase_in_place(base: &Path, p: &mut Sp<String>) {
    if let Some(v) = rebase(base, &p.value) {
        p.value = v;
    }
}

/// Rebases the relative paths of a service written in a file other than the
/// main one: `build.context` (`build.dockerfile` is relative to the context
/// and stays as written), `env_file`s and bind-mount sources. Origins are
/// unchanged: they still point where the paths are written.
fn rebase_spec(base: &Path, spec: &mut ContainerSpec) {
    if base.as_os_str().is_empty() {
        return;
    }
    if let Some(c) = spec.build.as_mut().and_then(|b| b.context.as_mut()) {
        rebase_in_place(base, c);
    }
    for f in &mut spec.env_files {
        rebase_in_place(base, f);
    }
    for m in &mut spec.mounts {
        if m.kind.value == drydock_core::spec::MountKind::Bind
            && let Some(src) = m.source.as_mut()
        {
            rebase_in_place(base, src);
        }
    }
}

fn make_lookup<'v>(
    env: &'v dyn Fn(&str) -> Option<String>,
    vars: &'v HashMap<String, String>,
) -> impl Fn(&str) -> Option<String> + 'v {
    move |name: &str| env(name).or_else(|| vars.get(name).cloned())
}

fn merge_by<T: Clone>(base: Vec<T>, over: Vec<T>, same: impl Fn(&T, &T) -> bool) -> Vec<T> {
    let mut out: Vec<T> = base
        .into_iter()
        .filter(|b| !over.iter().any(|o| same(b, o)))
        .collect();
    out.extend(over);
    out
}

fn merge_kv(base: Vec<KeyValue>, over: Vec<KeyValue>) -> Vec<KeyValue> {
    merge_by(base, over, |a, b| a.key.value == b.key.value)
}

fn merge_strs(base: Vec<Sp<String>>, over: Vec<Sp<String>>) -> Vec<Sp<String>> {
    merge_by(base, over, |a, b| a.value == b.value)
}

/// Merges a base service (from `extends`) with the service extending it.
fn merge_specs(base: ContainerSpec, over: ContainerSpec) -> ContainerSpec {
    let build = match (base.build, over.build) {
        (Some(b), Some(o)) => Some(drydock_core::spec::BuildSpec {
            origin: o.origin,
            context: o.context.or(b.context),
            dockerfile: o.dockerfile.or(b.dockerfile),
            dockerfile_inline: o.dockerfile_inline.or(b.dockerfile_inline),
            target: o.target.or(b.target),
            args: merge_by(b.args, o.args, |x, y| x.0.value == y.0.value),
            secrets: merge_strs(b.secrets, o.secrets),
            ssh: merge_strs(b.ssh, o.ssh),
            privileged: o.privileged.or(b.privileged),
            network: o.network.or(b.network),
            entitlements: merge_strs(b.entitlements, o.entitlements),
        }),
        (b, o) => o.or(b),
    };
    let logging = match (base.logging, over.logging) {
        (Some(b), Some(o)) => Some(drydock_core::spec::Logging {
            origin: o.origin,
            driver: o.driver.or(b.driver),
            options: merge_kv(b.options, o.options),
        }),
        (b, o) => o.or(b),
    };
    let (br, or) = (base.resources, over.resources);
    let (image, image_ref) = if over.image.is_some() {
        (over.image, over.image_ref)
    } else {
        (base.image, base.image_ref)
    };
    ContainerSpec {
        origin: over.origin,
        source: over.source,
        name: over.name,
        image,
        image_ref,
        image_spec: over.image_spec.or(base.image_spec),
        build,
        container_name: over.container_name.or(base.container_name),
        user: over.user.or(base.user),
        privileged: over.privileged.or(base.privileged),
        cap_add: merge_strs(base.cap_add, over.cap_add),
        cap_drop: merge_strs(base.cap_drop, over.cap_drop),
        cap_drop_key: over.cap_drop_key.or(base.cap_drop_key),
        security_opt: merge_strs(base.security_opt, over.security_opt),
        read_only: over.read_only.or(base.read_only),
        tmpfs: merge_strs(base.tmpfs, over.tmpfs),
        mounts: merge_by(base.mounts, over.mounts, |a, b| {
            a.target.value == b.target.value
        }),
        ports: merge_by(base.ports, over.ports, |a, b| {
            a.target.value == b.target.value
                && a.published.as_ref().map(|p| &p.value) == b.published.as_ref().map(|p| &p.value)
                && a.host_ip.as_ref().map(|p| &p.value) == b.host_ip.as_ref().map(|p| &p.value)
                && a.protocol.as_ref().map(|p| &p.value) == b.protocol.as_ref().map(|p| &p.value)
        }),
        expose: merge_strs(base.expose, over.expose),
        network_mode: over.network_mode.or(base.network_mode),
        networks: merge_strs(base.networks, over.networks),
        pid: over.pid.or(base.pid),
        ipc: over.ipc.or(base.ipc),
        uts: over.uts.or(base.uts),
        userns_mode: over.userns_mode.or(base.userns_mode),
        cgroup: over.cgroup.or(base.cgroup),
        cgroup_parent: over.cgroup_parent.or(base.cgroup_parent),
        resources: drydock_core::spec::Resources {
            memory: or.memory.or(br.memory),
            memory_reservation: or.memory_reservation.or(br.memory_reservation),
            memswap: or.memswap.or(br.memswap),
            cpus: or.cpus.or(br.cpus),
            cpu_shares: or.cpu_shares.or(br.cpu_shares),
            pids: or.pids.or(br.pids),
        },
        ulimits: merge_kv(base.ulimits, over.ulimits),
        devices: merge_strs(base.devices, over.devices),
        sysctls: merge_kv(base.sysctls, over.sysctls),
        logging,
        restart: over.restart.or(base.restart),
        healthcheck: over.healthcheck.or(base.healthcheck),
        environment: merge_kv(base.environment, over.environment),
        env_files: merge_strs(base.env_files, over.env_files),
        secrets: merge_strs(base.secrets, over.secrets),
        configs: merge_strs(base.configs, over.configs),
        oom_kill_disable: over.oom_kill_disable.or(base.oom_kill_disable),
        oom_score_adj: over.oom_score_adj.or(base.oom_score_adj),
        extra_hosts: merge_strs(base.extra_hosts, over.extra_hosts),
        labels: merge_kv(base.labels, over.labels),
        insert_at: over.insert_at,
        engine: over.engine.or(base.engine),
        unknown: [base.unknown, over.unknown].concat(),
    }
}

#[cfg(test)]
mod tests;
