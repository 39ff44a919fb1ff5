//! Rule metadata: what every rule declares once, and what `drydock rules`,
//! `drydock explain`, the SARIF report and `docs/rules/` are made from.

use std::fmt;
use std::str::FromStr;

/// How bad a finding is. Ordered from least to most severe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            other => Err(format!(
                "unknown severity `{other}` (expected info, low, medium, high or critical)"
            )),
        }
    }
}

/// What a rule is about; used to group rules in listings and docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// Files that cannot be read or understood.
    Syntax,
    /// Users, capabilities, privileged mode, no-new-privileges.
    Privilege,
    /// Namespaces, seccomp, AppArmor, SELinux, devices, sysctls.
    Isolation,
    /// Credentials in images, environments and files.
    Secrets,
    /// Base images, registries, downloads, package sources.
    SupplyChain,
    /// Ports, networks, the daemon socket.
    Network,
    /// Memory, CPU, PIDs, ulimits, restart policies.
    Resources,
    /// Logging and auditing.
    Logging,
    /// The daemon's own configuration.
    Daemon,
    /// Build hygiene and correctness that affects the resulting image.
    BestPractice,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Syntax => "syntax",
            Category::Privilege => "privilege",
            Category::Isolation => "isolation",
            Category::Secrets => "secrets",
            Category::SupplyChain => "supply-chain",
            Category::Network => "network",
            Category::Resources => "resources",
            Category::Logging => "logging",
            Category::Daemon => "daemon",
            Category::BestPractice => "best-practice",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a rule can offer a fix, and how safe applying it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FixAvailability {
    None,
    /// A fix that keeps the meaning of the file apart from the problem it
    /// removes; applied by `--fix`.
    Safe,
    /// A fix that may change behaviour (for example dropping capabilities);
    /// applied only with `--unsafe-fixes`.
    Unsafe,
}

impl FixAvailability {
    pub fn as_str(self) -> &'static str {
        match self {
            FixAvailability::None => "none",
            FixAvailability::Safe => "safe",
            FixAvailability::Unsafe => "unsafe",
        }
    }
}

/// Everything a rule declares about itself. `docs` is the rule's doc comment,
/// with the sections `## What it does`, `## Why is this bad?`, `## Example`
/// and `## How to fix`; [`RuleMeta::rationale`] and
/// [`RuleMeta::remediation`] are read from it so that there is one source.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable identifier, e.g. `IMG001`. Never reused or renamed.
    pub id: &'static str,
    /// kebab-case name, e.g. `last-user-root`.
    pub name: &'static str,
    /// One line, no trailing period.
    pub title: &'static str,
    pub severity: Severity,
    pub category: Category,
    /// `cis-docker-1.6:5.4`, `hadolint:DL3002`, `checkov:CKV_DOCKER_3`,
    /// `trivy:DS002`, `dockle:CIS-DI-0001`, `concern:N`, …
    pub references: &'static [&'static str],
    pub fix: FixAvailability,
    /// The Markdown documentation (the rule's doc comment).
    pub docs: &'static str,
    /// `false` for an opt-in rule: it runs only when a selector names it
    /// more precisely than its family (`DRY002` or `DRY00`, not `DRY` or
    /// `all`); see [`crate::config::Selection::is_enabled_for`].
    pub default_enabled: bool,
}

impl RuleMeta {
    /// The body of a `## Heading` section of the docs, trimmed.
    pub fn section(&self, heading: &str) -> Option<&'static str> {
        doc_section(self.docs, heading)
    }

    pub fn summary(&self) -> &'static str {
        self.section("What it does").unwrap_or(self.title)
    }

    pub fn rationale(&self) -> &'static str {
        self.section("Why is this bad?").unwrap_or("")
    }

    pub fn remediation(&self) -> &'static str {
        self.section("How to fix").unwrap_or("")
    }

    /// The hadolint codes this rule stands in for (for `# hadolint ignore=`).
    pub fn hadolint_codes(&self) -> impl Iterator<Item = &'static str> {
        self.references
            .iter()
            .filter_map(|r| r.strip_prefix("hadolint:"))
    }
}

/// Removes the one leading space that `///` doc comments leave on each line.
pub fn clean_docs(docs: &str) -> String {
    let mut out = String::with_capacity(docs.len());
    for line in docs.lines() {
        out.push_str(line.strip_prefix(' ').unwrap_or(line));
        out.push('\n');
    }
    out.trim().to_string()
}

/// Extracts a `## heading` section from Markdown text (leading spaces of
/// doc-comment lines are kept; see [`clean_docs`]).
pub fn doc_section<'a>(docs: &'a str, heading: &str) -> Option<&'a str> {
    let mut start = None;
    let mut offset = 0;
    for line in docs.split_inclusive('\n') {
        let trimmed = line.trim();
        if let Some(h) = trimmed.strip_prefix("## ") {
            if let Some(s) = start {
                return Some(docs[s..offset].trim());
            }
            if h.trim() == heading {
                start = Some(offset + line.len());
            }
        }
        offset += line.len();
    }
    start.map(|s| docs[s..].trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections() {
        let docs = "## What it does\nA.\n\n## Why is this bad?\nB\nC\n## How to fix\nD\n";
        assert_eq!(doc_section(docs, "What it does"), Some("A."));
        assert_eq!(doc_section(docs, "Why is this bad?"), Some("B\nC"));
        assert_eq!(doc_section(docs, "How to fix"), Some("D"));
        assert_eq!(doc_section(docs, "Example"), None);
    }

    #[test]
    fn severity_order_and_parse() {
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Info);
        assert_eq!("HIGH".parse::<Severity>(), Ok(Severity::High));
        assert!("bad".parse::<Severity>().is_err());
    }
}
