use drydock_core::RuleMeta;
use drydock_core::spec::{ImageSpec, StepKind};

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a `LABEL` key that breaks Docker's label key rules (the same
    /// test as hadolint's DL3048, version 2.15): a key must be made of
    /// lower-case letters, digits, `.`, `-`, `_` and `/`, start with a
    /// letter, end with a letter or digit, have no `..` or `--`, and not use
    /// the namespaces Docker
    /// reserves (`com.docker.*`, `io.docker.*`, `org.dockerproject.*`). Keys
    /// holding an unexpanded variable are not judged.
    ///
    /// ## Why is this bad?
    /// Tools that read labels (registries, scanners, orchestrators) match
    /// keys exactly: `Version` and `version` are different labels, so a
    /// wrongly spelled key is as good as missing. Keys in Docker's reserved
    /// namespaces may clash with metadata Docker itself sets.
    ///
    /// ## Example
    /// ```dockerfile
    /// LABEL Maintainer="jane@example.com" com.docker.version="1"
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// LABEL org.opencontainers.image.authors="jane@example.com" org.example.version="1"
    /// ```
    ///
    /// ## How to fix
    /// Use a lower-case, reverse-DNS key in your own namespace, or one of
    /// the OCI `org.opencontainers.image.*` annotation keys.
    pub struct InvalidLabelKey {
        id: "IMG076",
        name: "invalid-label-key",
        title: "Invalid label key",
        severity: Info,
        category: BestPractice,
        references: ["concern:77", "hadolint:DL3048"],
        fix: None,
    }
}

/// Why a label key is invalid, or `None` when it is valid.
pub(crate) fn key_problem(key: &str) -> Option<&'static str> {
    if !key.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Some("does not start with a lower-case letter");
    }
    if !key.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit()) {
        return Some("does not end with a lower-case letter or digit");
    }
    if !key
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_' | '/'))
    {
        return Some("may hold only lower-case letters, digits, `.`, `-`, `_` and `/`");
    }
    if ["com.docker.", "io.docker.", "org.dockerproject."]
        .iter()
        .any(|p| key.starts_with(p))
    {
        return Some("is in a namespace reserved by Docker");
    }
    if key.contains("..") || key.contains("--") {
        return Some("has consecutive separators");
    }
    None
}

impl Rule for InvalidLabelKey {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for step in &image.steps {
            let StepKind::Label(pairs) = &step.kind else {
                continue;
            };
            for kv in pairs {
                let key = &kv.key.value;
                if key.contains('$') {
                    continue;
                }
                if let Some(why) = key_problem(key) {
                    cx.report(&kv.key.origin, format!("label key `{key}` {why}"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::key_problem;

    #[test]
    fn keys() {
        for ok in [
            "version",
            "org.opencontainers.image.source",
            "org.label-schema.vcs-url",
            "a1",
            "a.-b",
            "com.redhat.license_terms",
            "a/b",
        ] {
            assert_eq!(key_problem(ok), None, "{ok}");
        }
        for bad in [
            "Version",
            "1abc",
            "abc.",
            "ab c",
            "a_",
            "_a",
            "a..b",
            "a--b",
            "com.docker.x",
            "io.docker.y",
            "org.dockerproject.z",
            "",
            "maintainer ",
        ] {
            assert!(key_problem(bad).is_some(), "{bad}");
        }
    }
}
