//! What a run is configured to do, resolved from drydock.toml, the command
//! line and `.hadolint.yaml`.

use std::collections::BTreeMap;

use drydock_core::config::{Config, LabelType, Selection};
use drydock_core::{RuleMeta, Severity};

use crate::registry::RULES;
use crate::rule::Rule;

#[derive(Debug, Clone)]
pub struct Settings {
    pub selection: Selection,
    pub severity_overrides: BTreeMap<String, Severity>,
    /// Registries base images may come from; empty means no restriction.
    pub trusted_registries: Vec<String>,
    /// hadolint codes listed in a `.hadolint.yaml` `ignored:` list: rules
    /// referencing any of them are off.
    pub hadolint_ignored: Vec<String>,
    /// Honour inline `# drydock:ignore` and `# hadolint ignore` comments.
    pub inline_suppressions: bool,
    /// Labels the final image must carry, with their value types
    /// (`[label-schema]`, `.hadolint.yaml` `label-schema:`); empty: IMG077
    /// checks nothing.
    pub label_schema: BTreeMap<String, LabelType>,
    /// Labels outside `label_schema` are reported (`strict-labels`).
    pub strict_labels: bool,
    /// Host paths of the sockets of the engine being audited (its `-H
    /// unix://…` listeners): a bind mount of one of them exposes the API
    /// whatever the file is called (CTR002).
    pub engine_sockets: Vec<String>,
    /// The current time, as Unix seconds, for rules about dates (image age,
    /// base OS end of life). `None`: those rules judge nothing (the rules
    /// read no clock themselves, so tests are reproducible).
    pub now: Option<i64>,
    /// Oldest acceptable built image, in days (`drydock image --max-age`);
    /// `None`: image age is not judged.
    pub max_image_age_days: Option<u64>,
    /// Set by `drydock image` only: the value of `DOCKER_CONTENT_TRUST` in
    /// the environment of the scan (`Some(None)`: unset). `None`: not an
    /// image scan, content trust of the scanning environment not judged.
    pub scan_content_trust: Option<Option<String>>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            selection: Selection::default(),
            severity_overrides: BTreeMap::new(),
            trusted_registries: Vec::new(),
            hadolint_ignored: Vec::new(),
            inline_suppressions: true,
            label_schema: BTreeMap::new(),
            strict_labels: false,
            engine_sockets: Vec::new(),
            now: None,
            max_image_age_days: None,
            scan_content_trust: None,
        }
    }
}

impl Settings {
    pub fn from_config(config: &Config) -> Self {
        Settings {
            selection: config.selection.clone(),
            severity_overrides: config.severity_overrides.clone(),
            trusted_registries: config.trusted_registries.clone(),
            label_schema: config.label_schema.clone(),
            strict_labels: config.strict_labels,
            ..Settings::default()
        }
    }

    /// Only the given rule IDs or prefixes.
    pub fn only(selectors: &[&str]) -> Self {
        Settings {
            selection: Selection {
                select: selectors.iter().map(|s| (*s).to_string()).collect(),
                ignore: vec![],
            },
            ..Settings::default()
        }
    }

    pub fn is_enabled(&self, meta: &RuleMeta) -> bool {
        self.selection.is_enabled_for(meta.id, meta.default_enabled)
            && !meta.hadolint_codes().any(|c| {
                self.hadolint_ignored
                    .iter()
                    .any(|i| i.eq_ignore_ascii_case(c))
            })
    }

    pub fn enabled_rules(&self) -> Vec<&'static dyn Rule> {
        RULES
            .iter()
            .copied()
            .filter(|r| self.is_enabled(r.meta()))
            .collect()
    }

    /// The severity a finding is shown with: the configured override of its
    /// rule, else the severity the rule gave it (its own, or lower when the
    /// rule is less certain, as CTR034 for an exec whose user is unknown).
    pub fn finding_severity(&self, f: &drydock_core::Finding) -> Severity {
        self.severity_overrides
            .get(f.rule.id)
            .copied()
            .unwrap_or(f.severity)
    }
}
