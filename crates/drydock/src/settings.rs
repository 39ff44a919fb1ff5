//! Finding and reading configuration: `drydock.toml`/`.drydock.toml` and
//! `.hadolint.yaml`, each the nearest one walking up from a scanned file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use drydock_core::config::Config;
use std::sync::Arc;

use drydock_core::Severity;
use drydock_report::ScanError;
use drydock_rules::Settings;

pub const CONFIG_NAMES: [&str; 2] = ["drydock.toml", ".drydock.toml"];
const HADOLINT_NAMES: [&str; 2] = [".hadolint.yaml", ".hadolint.yml"];

/// A configuration file that was found and parsed.
#[derive(Debug)]
pub struct Found {
    pub dir: PathBuf,
    /// The file itself.
    pub path: PathBuf,
    pub config: Config,
}

/// What the command line says, layered over each file's configuration.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub select: Option<Vec<String>>,
    pub extend_ignore: Vec<String>,
    pub no_inline: bool,
}

/// Caches configuration lookups per directory.
#[derive(Default)]
pub struct Resolver {
    explicit: Option<std::sync::Arc<Found>>,
    no_config: bool,
    by_dir: Mutex<HashMap<PathBuf, Option<std::sync::Arc<Found>>>>,
    hadolint_by_dir: Mutex<HashMap<PathBuf, Option<std::sync::Arc<Hadolint>>>>,
    settings_by_dir: Mutex<HashMap<PathBuf, Arc<Settings>>>,
    /// Errors met reading configuration files.
    pub errors: Mutex<Vec<ScanError>>,
}

/// The parts of `.hadolint.yaml` drydock honours.
#[derive(Debug, Default)]
pub struct Hadolint {
    pub ignored: Vec<String>,
    pub trusted_registries: Vec<String>,
    /// `label-schema:` entries (label, type as written).
    pub label_schema: Vec<(String, String)>,
    /// `strict-labels: true`
    pub strict_labels: bool,
}

impl Resolver {
    pub fn new(explicit: Option<&Path>, no_config: bool) -> anyhow::Result<Self> {
        let explicit = match explicit {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))?;
                let config = Config::from_toml(&text)
                    .map_err(|e| anyhow::anyhow!("{}: {}", p.display(), describe(&text, &e)))?;
                // Absolute, so that per-path-ignores match scanned files.
                let dir = absolute(p.parent().unwrap_or(Path::new("")));
                Some(std::sync::Arc::new(Found {
                    dir,
                    path: p.to_path_buf(),
                    config,
                }))
            }
            None => None,
        };
        Ok(Resolver {
            explicit,
            no_config,
            ..Resolver::default()
        })
    }

    /// The configuration that applies to files in `dir`.
    pub fn config_for(&self, dir: &Path) -> Option<std::sync::Arc<Found>> {
        if self.explicit.is_some() || self.no_config {
            return self.explicit.clone();
        }
        let dir = absolute(dir);
        if let Some(hit) = self.by_dir.lock().ok().and_then(|m| m.get(&dir).cloned()) {
            return hit;
        }
        let mut found = None;
        for name in CONFIG_NAMES {
            let candidate = dir.join(name);
            if candidate.is_file() {
                match std::fs::read_to_string(&candidate) {
                    Ok(text) => match Config::from_toml(&text) {
                        Ok(config) => {
                            found = Some(std::sync::Arc::new(Found {
                                dir: dir.clone(),
                                path: candidate.clone(),
                                config,
                            }))
                        }
                        Err(e) => {
                            let (line, col) = position(&text, &e).unzip();
                            if let Ok(mut errs) = self.errors.lock() {
                                errs.push(ScanError {
                                    path: candidate.display().to_string(),
                                    line,
                                    column: col,
                                    message: format!("invalid configuration: {}", e.message),
                                });
                            }
                        }
                    },
                    Err(e) => {
                        if let Ok(mut errs) = self.errors.lock() {
                            errs.push(ScanError {
                                path: candidate.display().to_string(),
                                line: None,
                                column: None,
                                message: format!("cannot read: {e}"),
                            });
                        }
                    }
                }
                break;
            }
        }
        if found.is_none()
            && let Some(parent) = dir.parent()
        {
            found = self.config_for(parent);
        }
        if let Ok(mut m) = self.by_dir.lock() {
            m.insert(dir, found.clone());
        }
        found
    }

    /// The `.hadolint.yaml` that applies to files in `dir`.
    pub fn hadolint_for(&self, dir: &Path) -> Option<std::sync::Arc<Hadolint>> {
        if self.no_config {
            return None;
        }
        let dir = absolute(dir);
        if let Some(hit) = self
            .hadolint_by_dir
            .lock()
            .ok()
            .and_then(|m| m.get(&dir).cloned())
        {
            return hit;
        }
        let mut found = None;
        for name in HADOLINT_NAMES {
            let candidate = dir.join(name);
            if let Ok(text) = std::fs::read_to_string(&candidate) {
                let h = parse_hadolint(&text);
                for (label, ty) in &h.label_schema {
                    if let Err(e) = ty.parse::<drydock_core::config::LabelType>()
                        && let Ok(mut errs) = self.errors.lock()
                    {
                        errs.push(ScanError {
                            path: candidate.display().to_string(),
                            line: None,
                            column: None,
                            message: format!("invalid configuration: label-schema: `{label}`: {e}"),
                        });
                    }
                }
                found = Some(std::sync::Arc::new(h));
                break;
            }
        }
        if found.is_none()
            && let Some(parent) = dir.parent()
        {
            found = self.hadolint_for(parent);
        }
        if let Ok(mut m) = self.hadolint_by_dir.lock() {
            m.insert(dir, found.clone());
        }
        found
    }

    /// The settings for one file.
    /// The settings for one file. Settings are built once per directory;
    /// a file matched by `per-path-ignores` gets its own copy.
    pub fn settings_for(&self, path: &Path, overrides: &Overrides) -> Arc<Settings> {
        let dir = path.parent().unwrap_or(Path::new("."));
        let found = self.config_for(dir);
        let base = self.dir_settings(dir, found.as_ref(), overrides);
        let Some(f) = found.filter(|f| f.config.has_per_path_ignores()) else {
            return base;
        };
        let abs = absolute(path);
        let Ok(rel) = abs.strip_prefix(&f.dir) else {
            return base;
        };
        let ignored = f
            .config
            .ignored_for_path(&rel.to_string_lossy().replace('\\', "/"));
        if ignored.is_empty() {
            return base;
        }
        let mut s = (*base).clone();
        s.selection
            .ignore
            .extend(ignored.into_iter().map(str::to_string));
        Arc::new(s)
    }

    fn dir_settings(
        &self,
        dir: &Path,
        found: Option<&Arc<Found>>,
        overrides: &Overrides,
    ) -> Arc<Settings> {
        if let Some(hit) = self
            .settings_by_dir
            .lock()
            .ok()
            .and_then(|m| m.get(dir).cloned())
        {
            return hit;
        }
        let mut s = found.map_or_else(Settings::default, |f| Settings::from_config(&f.config));
        if let Some(h) = self.hadolint_for(dir) {
            s.hadolint_ignored = h.ignored.clone();
            s.trusted_registries
                .extend(h.trusted_registries.iter().cloned());
            for (label, ty) in &h.label_schema {
                // An unknown type was reported when the file was read.
                if let Ok(t) = ty.parse::<drydock_core::config::LabelType>() {
                    s.label_schema.entry(label.clone()).or_insert(t);
                }
            }
            s.strict_labels |= h.strict_labels;
        }
        if let Some(sel) = &overrides.select {
            s.selection.select = sel.clone();
        }
        s.selection
            .ignore
            .extend(overrides.extend_ignore.iter().cloned());
        if overrides.no_inline {
            s.inline_suppressions = false;
        }
        let s = Arc::new(s);
        if let Ok(mut m) = self.settings_by_dir.lock() {
            m.insert(dir.to_path_buf(), s.clone());
        }
        s
    }

    /// The lowest severity shown and the lowest that fails, for one file:
    /// the command line's, else its configuration's; failing never starts
    /// below what is shown.
    pub fn thresholds_for(
        &self,
        path: &Path,
        shown: Option<Severity>,
        fail_on: Option<Severity>,
    ) -> Thresholds {
        let found = self.config_for(path.parent().unwrap_or(Path::new(".")));
        let config = found.as_ref().map(|f| &f.config);
        let shown = shown
            .or_else(|| config.and_then(|c| c.severity))
            .unwrap_or(Severity::Info);
        let fail_on = fail_on
            .or_else(|| config.and_then(|c| c.fail_on))
            .unwrap_or(shown)
            .max(shown);
        Thresholds { shown, fail_on }
    }
}

/// See [`Resolver::thresholds_for`].
#[derive(Clone, Copy, Debug)]
pub struct Thresholds {
    pub shown: Severity,
    pub fail_on: Severity,
}

fn absolute(p: &Path) -> PathBuf {
    if p.as_os_str().is_empty() {
        return std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    }
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Line and column of a configuration error, where it has a place.
fn position(text: &str, e: &drydock_core::config::ConfigError) -> Option<(u32, u32)> {
    let r = e.range?;
    let lc = drydock_core::LineIndex::new(text).line_col(r.start, text);
    Some((lc.line, lc.column))
}

fn describe(text: &str, e: &drydock_core::config::ConfigError) -> String {
    match position(text, e) {
        Some((line, column)) => format!("{line}:{column}: {}", e.message),
        None => e.message.clone(),
    }
}

/// Reads the `ignored:` and `trustedRegistries:` lists of a `.hadolint.yaml`
/// (block or flow sequences, or a single string for trustedRegistries).
pub fn parse_hadolint(text: &str) -> Hadolint {
    let mut h = Hadolint::default();
    let mut current: Option<&str> = None;
    let mut label_schema = false;
    for raw in text.lines() {
        let line = raw.split(" #").next().unwrap_or(raw);
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let indented = line.starts_with([' ', '\t']);
        let t = line.trim();
        if !indented || !t.starts_with('-') {
            current = None;
        }
        if indented
            && label_schema
            && let Some((key, value)) = t.split_once(':')
        {
            let (key, value) = (unquote(key), unquote(value));
            if !key.is_empty() && !value.is_empty() {
                h.label_schema.push((key, value));
            }
            continue;
        }
        label_schema = false;
        if !indented && let Some((key, value)) = t.split_once(':') {
            let key = key.trim();
            if key == "label-schema" {
                label_schema = true;
                continue;
            }
            if key == "strict-labels" {
                h.strict_labels = unquote(value).eq_ignore_ascii_case("true");
                continue;
            }
            if key == "ignored" || key == "trustedRegistries" {
                current = Some(if key == "ignored" {
                    "ignored"
                } else {
                    "trusted"
                });
                let v = value.trim();
                let items: Vec<String> =
                    if let Some(inner) = v.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
                        inner
                            .split(',')
                            .map(unquote)
                            .filter(|s| !s.is_empty())
                            .collect()
                    } else if !v.is_empty() {
                        vec![unquote(v)]
                    } else {
                        vec![]
                    };
                push(&mut h, current, items);
            }
            continue;
        }
        if let Some(item) = t.strip_prefix('-') {
            push(&mut h, current, vec![unquote(item)]);
        }
    }
    h
}

fn unquote(s: &str) -> String {
    s.trim().trim_matches(['"', '\'']).to_string()
}

fn push(h: &mut Hadolint, current: Option<&str>, items: Vec<String>) {
    match current {
        Some("ignored") => h.ignored.extend(items),
        Some("trusted") => h.trusted_registries.extend(items),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::parse_hadolint;

    #[test]
    fn hadolint_lists() {
        let h = parse_hadolint(
            "failure-threshold: info\nignored:\n  - DL3008 # pins\n  - 'DL3015'\ntrustedRegistries: [docker.io, \"ghcr.io\"]\nlabel-schema:\n  author: text\n",
        );
        assert_eq!(h.ignored, ["DL3008", "DL3015"]);
        assert_eq!(h.trusted_registries, ["docker.io", "ghcr.io"]);
        assert_eq!(h.label_schema, [("author".to_string(), "text".to_string())]);
        assert!(!h.strict_labels);
        let h = parse_hadolint(
            "label-schema:\n  'org.opencontainers.image.source': url # where\n  version: semver\nstrict-labels: true\nignored: [DL3007]\n",
        );
        assert_eq!(
            h.label_schema,
            [
                (
                    "org.opencontainers.image.source".to_string(),
                    "url".to_string()
                ),
                ("version".to_string(), "semver".to_string())
            ]
        );
        assert!(h.strict_labels);
        assert_eq!(h.ignored, ["DL3007"]);
        let h = parse_hadolint("ignored: [DL3007]\ntrustedRegistries: my.registry\n");
        assert_eq!(h.ignored, ["DL3007"]);
        assert_eq!(h.trusted_registries, ["my.registry"]);
    }
}
