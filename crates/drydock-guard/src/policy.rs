//! The guard's policy (`guard.toml`): which findings deny and which only
//! log, what exec may do, which registries images may be pulled from, and
//! the exceptions. Every error names its line and column.
//!
//! ```toml
//! [rules]
//! deny = ["CTR:high", "SEC001"]   # rule IDs or prefixes, severities, or PREFIX:severity
//! log = ["all"]                   # findings that are only logged
//!
//! [exec]
//! privileged = "deny"             # CIS 5.23: deny | log | allow
//! root = "log"                    # CIS 5.24
//!
//! [registries]
//! allow = ["docker.io", "registry.example.com"]
//!
//! [host]
//! engine-sockets = ["/srv/docker/api.sock"]
//!
//! [[exceptions]]
//! name = "traefik*"
//! rules = ["CTR002"]
//! reason = "the proxy reads container labels through the socket"
//! ```

use std::collections::HashMap;
use std::path::Path;

use drydock_core::{Finding, ImageRef, LineIndex, Severity};
use globset::{Glob, GlobMatcher};
use serde::Deserialize;
use toml::Spanned;

/// A policy error with its place in the file (1-based; `line` 0 when the
/// place is not known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl PolicyError {
    /// `file:line:col: message`.
    pub fn display(&self, file: &str) -> String {
        if self.line == 0 {
            format!("{file}: {}", self.message)
        } else {
            format!("{file}:{}:{}: {}", self.line, self.column, self.message)
        }
    }
}

/// Which findings a selector takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// Every finding.
    All,
    /// Findings at or above a severity.
    Severity(Severity),
    /// Findings of rules whose ID starts with a prefix (a whole ID is a
    /// prefix too), at or above a severity when one is given.
    Rule {
        prefix: String,
        min: Option<Severity>,
    },
}

impl Selector {
    /// Parses `all`, `high`, `CTR`, `CTR001`, `CTR:high`.
    pub fn parse(s: &str) -> Result<Selector, String> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("all") {
            return Ok(Selector::All);
        }
        if let Ok(sev) = s.to_ascii_lowercase().parse::<Severity>() {
            return Ok(Selector::Severity(sev));
        }
        let (prefix, min) = match s.split_once(':') {
            Some((p, sev)) => {
                let sev = sev
                    .trim()
                    .to_ascii_lowercase()
                    .parse::<Severity>()
                    .map_err(|e| format!("`{s}`: {e}"))?;
                (p.trim(), Some(sev))
            }
            None => (s, None),
        };
        let prefix = prefix.to_ascii_uppercase();
        if prefix.is_empty() {
            return Err(format!("`{s}`: a rule ID or prefix is missing"));
        }
        if !drydock_rules::all_rules().any(|r| r.meta().id.starts_with(&prefix)) {
            return Err(format!(
                "`{s}` selects no rule (expected a rule ID or prefix such as `CTR001` or `CTR`, a severity, `PREFIX:severity` or `all`)"
            ));
        }
        Ok(Selector::Rule { prefix, min })
    }

    pub fn matches(&self, f: &Finding) -> bool {
        match self {
            Selector::All => true,
            Selector::Severity(s) => f.severity >= *s,
            Selector::Rule { prefix, min } => {
                f.rule.id.starts_with(prefix.as_str()) && min.is_none_or(|m| f.severity >= m)
            }
        }
    }
}

/// What happens to an exec that asks for something a CIS check advises
/// against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecAction {
    Deny,
    Log,
    Allow,
}

impl ExecAction {
    fn parse(s: &str) -> Result<ExecAction, String> {
        match s {
            "deny" => Ok(ExecAction::Deny),
            "log" => Ok(ExecAction::Log),
            "allow" => Ok(ExecAction::Allow),
            _ => Err(format!(
                "`{s}` is not an exec action (expected `deny`, `log` or `allow`)"
            )),
        }
    }
}

/// An exception: findings about matching containers that do not deny.
#[derive(Debug, Clone)]
pub struct Exception {
    pub name: Option<(String, GlobMatcher)>,
    /// `key=value`, or `key` alone for any value.
    pub label: Option<(String, Option<String>)>,
    pub image: Option<(String, GlobMatcher)>,
    /// The findings it covers; empty: every finding.
    pub rules: Vec<Selector>,
    pub reason: String,
    /// Its line in the policy file (0 for a built one).
    pub line: u32,
}

/// What an exception is matched against.
pub struct Subject<'a> {
    pub name: Option<&'a str>,
    pub labels: &'a HashMap<String, String>,
    pub image: Option<&'a str>,
}

impl Exception {
    pub fn matches(&self, s: &Subject<'_>, f: &Finding) -> bool {
        let name_ok = self.name.as_ref().is_none_or(|(_, g)| {
            s.name
                .is_some_and(|n| g.is_match(n) || g.is_match(n.trim_start_matches('/')))
        });
        let label_ok = self.label.as_ref().is_none_or(|(k, v)| {
            s.labels
                .get(k)
                .is_some_and(|have| v.as_ref().is_none_or(|v| v == have))
        });
        let image_ok = self.image.as_ref().is_none_or(|(_, g)| {
            s.image.is_some_and(|i| {
                g.is_match(i)
                    || ImageRef::parse(i).is_some_and(|r| {
                        // The full name and the familiar one (`traefik`
                        // for `docker.io/library/traefik`), with and
                        // without the tag.
                        let full = r.full_name();
                        let familiar = full
                            .strip_prefix("docker.io/")
                            .map(|f| f.strip_prefix("library/").unwrap_or(f).to_string());
                        let suffix = match (&r.tag, &r.digest) {
                            (_, Some(d)) => format!("@{d}"),
                            (Some(t), None) => format!(":{t}"),
                            (None, None) => ":latest".to_string(),
                        };
                        std::iter::once(full)
                            .chain(familiar)
                            .any(|n| g.is_match(&n) || g.is_match(format!("{n}{suffix}")))
                    })
            })
        });
        let rule_ok = self.rules.is_empty() || self.rules.iter().any(|r| r.matches(f));
        name_ok && label_ok && image_ok && rule_ok
    }
}

/// A loaded policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub deny: Vec<Selector>,
    pub log: Vec<Selector>,
    pub exec_privileged: ExecAction,
    pub exec_root: ExecAction,
    /// Registry patterns (`docker.io`, `ghcr.io/acme`, `*.gcr.io`); empty:
    /// any registry.
    pub registries: Vec<String>,
    /// Engine API sockets besides those of the running dockerd processes.
    pub engine_sockets: Vec<String>,
    pub exceptions: Vec<Exception>,
}

impl Default for Policy {
    /// Critical and high findings of the container rules deny, every other
    /// finding is logged, privileged exec is denied, exec as root logged,
    /// any registry allowed.
    fn default() -> Self {
        Policy {
            deny: vec![Selector::Rule {
                prefix: "CTR".into(),
                min: Some(Severity::High),
            }],
            log: vec![Selector::All],
            exec_privileged: ExecAction::Deny,
            exec_root: ExecAction::Log,
            registries: Vec::new(),
            engine_sockets: Vec::new(),
            exceptions: Vec::new(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPolicy {
    rules: Option<RawRules>,
    exec: Option<RawExec>,
    registries: Option<RawRegistries>,
    host: Option<RawHost>,
    #[serde(default)]
    exceptions: Vec<Spanned<RawException>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRules {
    deny: Option<Vec<Spanned<String>>>,
    log: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawExec {
    privileged: Option<Spanned<String>>,
    root: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRegistries {
    #[serde(default)]
    allow: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawHost {
    #[serde(default)]
    engine_sockets: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawException {
    name: Option<Spanned<String>>,
    label: Option<Spanned<String>>,
    image: Option<Spanned<String>>,
    rules: Option<Vec<Spanned<String>>>,
    reason: Option<Spanned<String>>,
}

fn glob(s: &str) -> Result<GlobMatcher, String> {
    Glob::new(s)
        .map(|g| g.compile_matcher())
        .map_err(|e| format!("`{s}` is not a valid glob: {e}"))
}

impl Policy {
    /// Parses a policy. Every error is returned, each with its position.
    pub fn parse(text: &str) -> Result<Policy, Vec<PolicyError>> {
        let index = LineIndex::new(text);
        let at = |offset: usize, message: String| {
            let lc = index.line_col(u32::try_from(offset).unwrap_or(u32::MAX), text);
            PolicyError {
                line: lc.line,
                column: lc.column,
                message,
            }
        };
        let raw: RawPolicy = toml::from_str(text).map_err(|e| {
            vec![match e.span() {
                Some(s) => at(s.start, e.message().to_string()),
                None => PolicyError {
                    line: 0,
                    column: 0,
                    message: e.message().to_string(),
                },
            }]
        })?;
        let mut errors = Vec::new();
        let mut p = Policy::default();
        let selectors = |list: &[Spanned<String>], errors: &mut Vec<PolicyError>| {
            let mut out = Vec::new();
            for s in list {
                match Selector::parse(s.get_ref()) {
                    Ok(sel) => out.push(sel),
                    Err(e) => errors.push(at(s.span().start, e)),
                }
            }
            out
        };
        if let Some(r) = &raw.rules {
            if let Some(d) = &r.deny {
                p.deny = selectors(d, &mut errors);
            }
            if let Some(l) = &r.log {
                p.log = selectors(l, &mut errors);
            }
        }
        if let Some(e) = &raw.exec {
            for (v, slot) in [
                (&e.privileged, &mut p.exec_privileged),
                (&e.root, &mut p.exec_root),
            ] {
                if let Some(v) = v {
                    match ExecAction::parse(v.get_ref()) {
                        Ok(a) => *slot = a,
                        Err(m) => errors.push(at(v.span().start, m)),
                    }
                }
            }
        }
        if let Some(r) = &raw.registries {
            for reg in &r.allow {
                let v = reg.get_ref().trim();
                if v.is_empty() || v.contains(char::is_whitespace) || v.contains("://") {
                    errors.push(at(
                        reg.span().start,
                        format!(
                            "`{v}` is not a registry (expected `host`, `host/path` or `*.domain`)"
                        ),
                    ));
                } else {
                    p.registries.push(v.to_string());
                }
            }
        }
        if let Some(h) = &raw.host {
            for s in &h.engine_sockets {
                if s.get_ref().starts_with('/') {
                    p.engine_sockets.push(s.get_ref().clone());
                } else {
                    errors.push(at(
                        s.span().start,
                        format!("`{}` is not an absolute path", s.get_ref()),
                    ));
                }
            }
        }
        for ex in &raw.exceptions {
            let start = ex.span().start;
            let e = ex.get_ref();
            let line = at(start, String::new()).line;
            let mut one = Exception {
                name: None,
                label: None,
                image: None,
                rules: Vec::new(),
                reason: String::new(),
                line,
            };
            match &e.reason {
                Some(r) if !r.get_ref().trim().is_empty() => {
                    one.reason = r.get_ref().trim().to_string();
                }
                Some(r) => errors.push(at(r.span().start, "the reason is empty".into())),
                None => errors.push(at(
                    start,
                    "an exception needs a `reason`: why the findings it covers are accepted".into(),
                )),
            }
            if e.name.is_none() && e.label.is_none() && e.image.is_none() {
                errors.push(at(
                    start,
                    "an exception needs `name`, `label` or `image`: which containers it covers"
                        .into(),
                ));
            }
            if let Some(n) = &e.name {
                match glob(n.get_ref()) {
                    Ok(g) => one.name = Some((n.get_ref().clone(), g)),
                    Err(m) => errors.push(at(n.span().start, m)),
                }
            }
            if let Some(i) = &e.image {
                match glob(i.get_ref()) {
                    Ok(g) => one.image = Some((i.get_ref().clone(), g)),
                    Err(m) => errors.push(at(i.span().start, m)),
                }
            }
            if let Some(l) = &e.label {
                let v = l.get_ref();
                match v.split_once('=') {
                    Some((k, _)) if k.trim().is_empty() => {
                        errors.push(at(l.span().start, format!("`{v}`: the label key is empty")));
                    }
                    Some((k, val)) => one.label = Some((k.trim().into(), Some(val.into()))),
                    None if v.trim().is_empty() => {
                        errors.push(at(l.span().start, "the label is empty".into()));
                    }
                    None => one.label = Some((v.trim().into(), None)),
                }
            }
            if let Some(r) = &e.rules {
                one.rules = selectors(r, &mut errors);
            }
            p.exceptions.push(one);
        }
        if errors.is_empty() {
            Ok(p)
        } else {
            errors.sort_by_key(|e| (e.line, e.column));
            Err(errors)
        }
    }

    /// Reads and parses a policy file; the errors are rendered as
    /// `file:line:col: message`, one a line.
    pub fn load(path: &Path) -> Result<Policy, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read the policy: {e}", path.display()))?;
        Policy::parse(&text).map_err(|errors| {
            let file = path.display().to_string();
            errors
                .iter()
                .map(|e| e.display(&file))
                .collect::<Vec<_>>()
                .join("\n")
        })
    }

    /// Whether an image reference may be pulled under `[registries] allow`.
    pub fn registry_allowed(&self, image: &ImageRef) -> bool {
        self.registries.is_empty() || self.registries.iter().any(|r| image.matches_registry(r))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn errors(text: &str) -> Vec<PolicyError> {
        Policy::parse(text).unwrap_err()
    }

    #[test]
    fn full_policy() {
        let p = Policy::parse(
            r#"
[rules]
deny = ["CTR:high", "SEC001", "critical"]
log = ["all"]

[exec]
privileged = "deny"
root = "deny"

[registries]
allow = ["docker.io", "registry.example.com"]

[host]
engine-sockets = ["/srv/api.sock"]

[[exceptions]]
name = "traefik*"
label = "role=proxy"
image = "docker.io/library/traefik:*"
rules = ["CTR002"]
reason = "reads labels through the socket"
"#,
        )
        .unwrap();
        assert_eq!(p.deny.len(), 3);
        assert_eq!(
            p.deny[0],
            Selector::Rule {
                prefix: "CTR".into(),
                min: Some(Severity::High)
            }
        );
        assert_eq!(p.deny[2], Selector::Severity(Severity::Critical));
        assert_eq!(p.exec_root, ExecAction::Deny);
        assert_eq!(p.registries, ["docker.io", "registry.example.com"]);
        assert_eq!(p.engine_sockets, ["/srv/api.sock"]);
        assert_eq!(p.exceptions.len(), 1);
        assert_eq!(p.exceptions[0].line, 16);
        assert_eq!(
            p.exceptions[0].label,
            Some(("role".to_string(), Some("proxy".to_string())))
        );
    }

    #[test]
    fn empty_policy_is_the_default() {
        let p = Policy::parse("").unwrap();
        let d = Policy::default();
        assert_eq!(p.deny, d.deny);
        assert_eq!(p.log, d.log);
        assert_eq!(p.exec_privileged, ExecAction::Deny);
        assert!(p.registries.is_empty());
    }

    #[test]
    fn unknown_keys_have_positions() {
        let e = errors("[rules]\ndeny = [\"CTR\"]\nblock = []\n");
        assert_eq!((e[0].line, e[0].column), (3, 1), "{e:?}");
        assert!(e[0].message.contains("block"), "{e:?}");
        let e = errors("[registry]\nallow = []\n");
        assert_eq!(e[0].line, 1, "{e:?}");
        let e = errors("[[exceptions]]\nname = \"x\"\nreason = \"r\"\nrule = [\"CTR\"]\n");
        assert_eq!(e[0].line, 4, "{e:?}");
    }

    #[test]
    fn bad_values_have_positions() {
        let e = errors("[rules]\ndeny = [\"CTR\", \"NOPE9\", \"CTR:extreme\"]\n");
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!((e[0].line, e[0].column), (2, 16));
        assert!(e[0].message.contains("NOPE9"));
        assert_eq!((e[1].line, e[1].column), (2, 25));
        let e = errors("[exec]\nprivileged = \"maybe\"\n");
        assert_eq!((e[0].line, e[0].column), (2, 14));
        let e = errors("\n[[exceptions]]\nrules = [\"CTR002\"]\n");
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e.iter().all(|e| e.line == 2), "{e:?}");
        assert!(e.iter().any(|e| e.message.contains("reason")));
        let e = errors("[[exceptions]]\nname = \"[\"\nreason = \"r\"\n");
        assert_eq!(e[0].line, 2);
        let e = errors("[registries]\nallow = [\"https://x\"]\n");
        assert_eq!((e[0].line, e[0].column), (2, 10));
        let e = errors("[rules]\ndeny = \"CTR\"\n");
        assert_eq!(e[0].line, 2, "{e:?}");
        assert_eq!(
            e[0].display("guard.toml"),
            format!("guard.toml:2:8: {}", e[0].message)
        );
    }

    #[test]
    fn registries() {
        let p =
            Policy::parse("[registries]\nallow = [\"docker.io\", \"*.example.com\"]\n").unwrap();
        let ok = |r: &str| p.registry_allowed(&ImageRef::parse(r).unwrap());
        assert!(ok("busybox"));
        assert!(ok("docker.io/library/busybox"));
        assert!(ok("a.example.com/x"));
        assert!(!ok("other.registry.invalid/x"));
        assert!(!ok("ghcr.io/x/y"));
        assert!(Policy::default().registry_allowed(&ImageRef::parse("ghcr.io/x").unwrap()));
    }
}
