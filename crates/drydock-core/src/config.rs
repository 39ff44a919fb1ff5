//! `drydock.toml` / `.drydock.toml`: the configuration model, parsed from
//! text (finding the file is the CLI's job).
//!
//! ```toml
//! # Rules to run (IDs or prefixes); empty means all.
//! select = ["IMG", "CTR", "DMN001"]
//! ignore = ["IMG012"]
//! # The lowest severity that is shown, and the lowest that fails the run.
//! severity = "low"
//! fail-on = "medium"
//! trusted-registries = ["docker.io", "ghcr.io/acme", "*.gcr.io"]
//!
//! [severity-overrides]
//! IMG001 = "critical"
//!
//! [per-path-ignores]
//! "legacy/**" = ["IMG"]
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

    /// Layers `other` on top: its lists extend ours.
    pub fn extend(&mut self, other: &Selection) {
        self.select.extend(other.select.iter().cloned());
        self.ignore.extend(other.ignore.iter().cloned());
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
    fn errors_have_positions() {
        let e = Config::from_toml("select = 3\n").unwrap_err();
        assert!(e.range.is_some());
        let e = Config::from_toml("bogus = 1\n").unwrap_err();
        assert!(e.message.contains("bogus"), "{}", e.message);
    }
}
