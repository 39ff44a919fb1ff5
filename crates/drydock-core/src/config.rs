//! `drydock.toml` / `.drydock.toml`: the configuration model, parsed from
//! text (finding the file is the CLI's job).
//!
//! ```toml
//! # Rules to run (IDs or prefixes); empty means all. Opt-in rules (off by
//! # default, e.g. DRY002) run only when named by their ID (or a prefix
//! # longer than their family): not by `all`, their family or an empty list.
//! select = ["IMG", "CTR", "DMN001"]
//! ignore = ["IMG012"]
//! # The lowest severity that is shown, and the lowest that fails the run.
//! severity = "low"
//! fail-on = "medium"
//! trusted-registries = ["docker.io", "ghcr.io/acme", "*.gcr.io"]
//! # Also read `docker run` lines in scripts, Makefiles, CI files (and Markdown).
//! include-scripts = true
//! include-markdown = true
//!
//! [severity-overrides]
//! IMG001 = "critical"
//!
//! [per-path-ignores]
//! "legacy/**" = ["IMG"]
//!
//! # Labels the final image must carry, with the type of each value
//! # (text, url, spdx, hash, rfc3339, semver, email); checked by IMG077.
//! # `strict-labels = true` (a top-level key) also reports labels not listed.
//! [label-schema]
//! "org.opencontainers.image.source" = "url"
//! "org.opencontainers.image.licenses" = "spdx"
//! ```

use std::collections::BTreeMap;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::rule::Severity;
use crate::text::TextRange;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    select: Vec<String>,
    #[serde(default)]
    ignore: Vec<String>,
    severity: Option<String>,
    fail_on: Option<String>,
    #[serde(default)]
    trusted_registries: Vec<String>,
    #[serde(default)]
    severity_overrides: BTreeMap<String, String>,
    #[serde(default)]
    per_path_ignores: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    label_schema: BTreeMap<String, String>,
    #[serde(default)]
    strict_labels: bool,
    #[serde(default)]
    include_scripts: bool,
    #[serde(default)]
    include_markdown: bool,
    /// `[vulnerabilities]` (`[[vulnerabilities.ignore]]` entries): read and
    /// checked by `drydock image --vulns` (drydock-vulndb's exceptions), not
    /// by the rule settings.
    #[serde(default)]
    #[allow(dead_code)]
    vulnerabilities: Option<toml::Table>,
}

/// An error in a configuration file, with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub message: String,
    pub range: Option<TextRange>,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Whether a selector (a rule ID, an ID prefix such as `IMG` or `IMG01`, or
/// `all`) matches a rule ID; case-insensitive.
pub fn selector_matches(selector: &str, id: &str) -> bool {
    selector.eq_ignore_ascii_case("all")
        || id.len() >= selector.len()
            && id.is_char_boundary(selector.len())
            && id[..selector.len()].eq_ignore_ascii_case(selector)
}

/// How specific a matching selector is (`all` least, a full ID most).
fn specificity(selector: &str) -> usize {
    if selector.eq_ignore_ascii_case("all") {
        0
    } else {
        selector.len()
    }
}

/// Rule selection by ID or ID prefix.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

impl Selection {
    /// A rule is enabled when it matches a `select` entry (or `select` is
    /// empty) and no `ignore` entry at least as specific as that match.
    pub fn is_enabled(&self, id: &str) -> bool {
        let best = |list: &[String]| {
            list.iter()
                .filter(|p| selector_matches(p, id))
                .map(|p| specificity(p))
                .max()
        };
        let selected = if self.select.is_empty() {
            Some(0)
        } else {
            best(&self.select)
        };
        match (selected, best(&self.ignore)) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(s), Some(i)) => s > i,
        }
    }

    /// Like [`Selection::is_enabled`], for a rule that may be opt-in
    /// (`default_enabled == false`, such as `DRY002`). An opt-in rule is
    /// enabled only by a `select` entry more specific than its family: its
    /// full ID or an ID prefix longer than the family letters (`DRY002`,
    /// `DRY00`); an empty `select`, `all` and the family (`DRY`) leave it
    /// off. `ignore` entries apply as usual.
    pub fn is_enabled_for(&self, id: &str, default_enabled: bool) -> bool {
        if default_enabled {
            return self.is_enabled(id);
        }
        let family = id.bytes().take_while(u8::is_ascii_alphabetic).count();
        let Some(selected) = self
            .select
            .iter()
            .filter(|p| selector_matches(p, id) && specificity(p) > family)
            .map(|p| specificity(p))
            .max()
        else {
            return false;
        };
        !self
            .ignore
            .iter()
            .any(|p| selector_matches(p, id) && specificity(p) >= selected)
    }

    /// Layers `other` on top: its lists extend ours.
    pub fn extend(&mut self, other: &Selection) {
        self.select.extend(other.select.iter().cloned());
        self.ignore.extend(other.ignore.iter().cloned());
    }
}

/// What a label's value must be, in a label schema (`[label-schema]`, or
/// `label-schema:` in `.hadolint.yaml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LabelType {
    /// Any non-empty text.
    Text,
    /// An absolute URL (`https://…`).
    Url,
    /// An SPDX license expression (`MIT`, `MIT OR Apache-2.0`).
    Spdx,
    /// A git commit hash, short (7) or full (40 hex digits).
    Hash,
    /// An RFC 3339 date-time (`2024-05-01T12:00:00Z`).
    Rfc3339,
    /// A semantic version (`1.2.3`, `1.0.0-rc.1`).
    Semver,
    /// An e-mail address.
    Email,
}

impl LabelType {
    pub const NAMES: [&'static str; 7] =
        ["text", "url", "spdx", "hash", "rfc3339", "semver", "email"];

    pub fn name(self) -> &'static str {
        match self {
            LabelType::Text => "text",
            LabelType::Url => "url",
            LabelType::Spdx => "spdx",
            LabelType::Hash => "hash",
            LabelType::Rfc3339 => "rfc3339",
            LabelType::Semver => "semver",
            LabelType::Email => "email",
        }
    }
}

impl std::str::FromStr for LabelType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "text" => LabelType::Text,
            "url" => LabelType::Url,
            "spdx" => LabelType::Spdx,
            "hash" => LabelType::Hash,
            "rfc3339" => LabelType::Rfc3339,
            "semver" => LabelType::Semver,
            "email" => LabelType::Email,
            other => {
                return Err(format!(
                    "unknown label type `{other}` (expected one of {})",
                    LabelType::NAMES.join(", ")
                ));
            }
        })
    }
}

/// A parsed configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub selection: Selection,
    pub severity: Option<Severity>,
    pub fail_on: Option<Severity>,
    pub trusted_registries: Vec<String>,
    pub severity_overrides: BTreeMap<String, Severity>,
    /// `[label-schema]`: the labels the final image must carry, and the
    /// type of each one's value.
    pub label_schema: BTreeMap<String, LabelType>,
    /// `strict-labels = true`: labels not in the schema are reported.
    pub strict_labels: bool,
    /// `include-scripts = true`: also scan shell scripts, Makefiles and CI
    /// files for `docker run` lines (as `--include-scripts`).
    pub include_scripts: bool,
    /// `include-markdown = true`: also scan Markdown code blocks (as
    /// `--include-markdown`).
    pub include_markdown: bool,
    per_path: Vec<(String, Vec<String>)>,
    per_path_set: Option<GlobSet>,
}

impl Config {
    /// Parses configuration text. Every error names its place in the text.
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError {
            message: e.message().to_string(),
            range: e.span().map(|s| TextRange::from_usize(s.start, s.end)),
        })?;
        let sev = |s: &str| {
            s.parse::<Severity>().map_err(|message| ConfigError {
                message,
                range: None,
            })
        };
        let mut severity_overrides = BTreeMap::new();
        for (id, s) in &raw.severity_overrides {
            severity_overrides.insert(id.to_ascii_uppercase(), sev(s)?);
        }
        let mut label_schema = BTreeMap::new();
        for (label, ty) in &raw.label_schema {
            let ty = ty.parse::<LabelType>().map_err(|e| ConfigError {
                message: format!("label-schema: `{label}`: {e}"),
                range: None,
            })?;
            label_schema.insert(label.clone(), ty);
        }
        let mut builder = GlobSetBuilder::new();
        let mut per_path = Vec::new();
        for (pattern, rules) in raw.per_path_ignores {
            let glob = Glob::new(&pattern).map_err(|e| ConfigError {
                message: format!("invalid glob `{pattern}` in per-path-ignores: {e}"),
                range: None,
            })?;
            builder.add(glob);
            per_path.push((pattern, rules));
        }
        let per_path_set = builder.build().map_err(|e| ConfigError {
            message: format!("invalid per-path-ignores: {e}"),
            range: None,
        })?;
        Ok(Config {
            selection: Selection {
                select: raw.select,
                ignore: raw.ignore,
            },
            severity: raw.severity.as_deref().map(sev).transpose()?,
            fail_on: raw.fail_on.as_deref().map(sev).transpose()?,
            trusted_registries: raw.trusted_registries,
            severity_overrides,
            label_schema,
            strict_labels: raw.strict_labels,
            include_scripts: raw.include_scripts,
            include_markdown: raw.include_markdown,
            per_path,
            per_path_set: Some(per_path_set),
        })
    }

    /// Whether any `per-path-ignores` pattern is configured.
    pub fn has_per_path_ignores(&self) -> bool {
        !self.per_path.is_empty()
    }

    /// Rule IDs or prefixes ignored for `path` (relative to the config file's
    /// directory, with `/` separators).
    pub fn ignored_for_path(&self, path: &str) -> Vec<&str> {
        let Some(set) = &self.per_path_set else {
            return Vec::new();
        };
        set.matches(path)
            .into_iter()
            .flat_map(|i| self.per_path[i].1.iter().map(String::as_str))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_specificity() {
        let s = Selection {
            select: vec!["IMG".into()],
            ignore: vec!["IMG00".into()],
        };
        assert!(!s.is_enabled("IMG001"));
        assert!(s.is_enabled("IMG101"));
        assert!(!s.is_enabled("CTR001"));
        let s = Selection {
            select: vec!["IMG001".into()],
            ignore: vec!["IMG".into()],
        };
        assert!(s.is_enabled("IMG001"));
        assert!(!s.is_enabled("IMG002"));
        let s = Selection::default();
        assert!(s.is_enabled("anything"));
    }

    #[test]
    fn opt_in_rules_need_a_precise_selector() {
        let sel = |select: &[&str], ignore: &[&str]| Selection {
            select: select.iter().map(|s| (*s).to_string()).collect(),
            ignore: ignore.iter().map(|s| (*s).to_string()).collect(),
        };
        for off in [sel(&[], &[]), sel(&["all"], &[]), sel(&["DRY"], &[])] {
            assert!(!off.is_enabled_for("DRY002", false), "{off:?}");
            assert!(off.is_enabled_for("DRY001", true), "{off:?}");
        }
        assert!(sel(&["DRY002"], &[]).is_enabled_for("DRY002", false));
        assert!(sel(&["dry00", "IMG"], &[]).is_enabled_for("DRY002", false));
        assert!(!sel(&["DRY002"], &["DRY002"]).is_enabled_for("DRY002", false));
        assert!(sel(&["DRY002"], &["DRY"]).is_enabled_for("DRY002", false));
    }

    #[test]
    fn parses_config() {
        let c = Config::from_toml(
            "select=['IMG']\nfail-on='high'\n[severity-overrides]\nimg001='low'\n[per-path-ignores]\n'legacy/**'=['IMG002']\n",
        )
        .unwrap();
        assert_eq!(c.fail_on, Some(Severity::High));
        assert_eq!(c.severity_overrides.get("IMG001"), Some(&Severity::Low));
        assert_eq!(c.ignored_for_path("legacy/a/Dockerfile"), vec!["IMG002"]);
        assert!(c.ignored_for_path("src/Dockerfile").is_empty());
    }

    #[test]
    fn label_schema() {
        let c = Config::from_toml(
            "strict-labels = true\n[label-schema]\n\"org.opencontainers.image.source\" = \"url\"\nauthor = \"Text\"\n",
        )
        .unwrap();
        assert!(c.strict_labels);
        assert_eq!(
            c.label_schema.get("org.opencontainers.image.source"),
            Some(&LabelType::Url)
        );
        assert_eq!(c.label_schema.get("author"), Some(&LabelType::Text));
        let e = Config::from_toml("[label-schema]\nversion = \"number\"\n").unwrap_err();
        assert!(
            e.message.contains("`version`") && e.message.contains("number"),
            "{}",
            e.message
        );
    }

    #[test]
    fn errors_have_positions() {
        let e = Config::from_toml("select = 3\n").unwrap_err();
        assert!(e.range.is_some());
        let e = Config::from_toml("bogus = 1\n").unwrap_err();
        assert!(e.message.contains("bogus"), "{}", e.message);
    }
}
