//! Exceptions: the ignore file and OpenVEX documents.
//!
//! The ignore file, `.drydockignore.toml`:
//!
//! ```toml
//! [[ignore]]
//! id = "CVE-2023-32681"         # the record id or any of its aliases
//! package = "requests"          # optional: package or source name, or a purl prefix
//! reason = "not reachable: we never follow redirects with auth"   # required
//! expires = 2026-12-31          # optional; a TOML date or "2026-12-31"
//! ```
//!
//! The same entries may sit in `drydock.toml` as `[[vulnerabilities.ignore]]`.
//! An entry suppresses through the whole of its expiry day (UTC); from the
//! next day on it suppresses nothing and is reported in [`Applied::expired`].
//!
//! OpenVEX (`--vex FILE`, <https://github.com/openvex/spec>): statements
//! with status `not_affected` or `fixed` suppress the matches whose id or
//! alias is the statement's vulnerability (`name`, `@id` or `aliases`) and
//! whose package purl equals a product's or subcomponent's purl (`@id` or
//! `identifiers.purl`) ignoring qualifiers and subpath; a purl without a
//! version covers every version. When several statements speak about the
//! same vulnerability and package, the latest `timestamp` wins (ties: the
//! later one read). A statement about the image itself with no
//! subcomponents names no package and suppresses nothing here.

use drydock_core::package::{Package, pep503_normalise};
use serde::Deserialize;
use serde_json::Value;

use crate::matcher::Match;

/// One `[[ignore]]` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnoreEntry {
    pub id: String,
    pub package: Option<String>,
    pub reason: String,
    /// As written (`2026-12-31`).
    pub expires: Option<String>,
    /// The expiry day, in days since 1970-01-01.
    pub expires_day: Option<i64>,
    /// `file:line` of the entry.
    pub origin: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: String,
    #[serde(default)]
    package: Option<String>,
    reason: String,
    #[serde(default)]
    expires: Option<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IgnoreFile {
    #[serde(default)]
    ignore: Vec<toml::Spanned<RawEntry>>,
}

#[derive(Deserialize)]
struct ConfigFile {
    #[serde(default)]
    vulnerabilities: Option<VulnSection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VulnSection {
    #[serde(default)]
    ignore: Vec<toml::Spanned<RawEntry>>,
}

/// Parses a `.drydockignore.toml` (top-level `[[ignore]]`).
pub fn parse_ignore_file(text: &str, file: &str) -> Result<Vec<IgnoreEntry>, String> {
    let f: IgnoreFile = toml::from_str(text).map_err(|e| format!("{file}: {e}"))?;
    entries(text, file, f.ignore)
}

/// Parses the `[[vulnerabilities.ignore]]` entries of a `drydock.toml`
/// (its other tables are not looked at).
pub fn parse_config_ignores(text: &str, file: &str) -> Result<Vec<IgnoreEntry>, String> {
    let f: ConfigFile = toml::from_str(text).map_err(|e| format!("{file}: {e}"))?;
    entries(
        text,
        file,
        f.vulnerabilities.map(|v| v.ignore).unwrap_or_default(),
    )
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()
        .iter()
        .take(offset)
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn entries(
    text: &str,
    file: &str,
    raw: Vec<toml::Spanned<RawEntry>>,
) -> Result<Vec<IgnoreEntry>, String> {
    let mut out = Vec::with_capacity(raw.len());
    for s in raw {
        let origin = format!("{file}:{}", line_of(text, s.span().start));
        let r = s.into_inner();
        let id = r.id.trim().to_string();
        if id.is_empty() {
            return Err(format!("{origin}: ignore entry: `id` is empty"));
        }
        let reason = r.reason.trim().to_string();
        if reason.is_empty() {
            return Err(format!(
                "{origin}: ignore entry for {id}: `reason` is empty (say why it is safe to ignore)"
            ));
        }
        let package = r
            .package
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty());
        let (expires, expires_day) = match r.expires {
            None => (None, None),
            Some(v) => {
                let text = match &v {
                    toml::Value::String(s) => s.trim().to_string(),
                    toml::Value::Datetime(d) => d.to_string(),
                    other => {
                        return Err(format!(
                            "{origin}: ignore entry for {id}: `expires` must be a date (YYYY-MM-DD), not {}",
                            other.type_str()
                        ));
                    }
                };
                let day = parse_date(&text).ok_or_else(|| {
                    format!(
                        "{origin}: ignore entry for {id}: `expires` = {text:?} is not a date (YYYY-MM-DD)"
                    )
                })?;
                (Some(text), Some(day))
            }
        };
        out.push(IgnoreEntry {
            id,
            package,
            reason,
            expires,
            expires_day,
            origin,
        });
    }
    Ok(out)
}

/// `YYYY-MM-DD` → days since 1970-01-01 (proleptic Gregorian).
pub use drydock_core::time::parse_date;

/// An OpenVEX status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VexStatus {
    NotAffected,
    Fixed,
    Affected,
    UnderInvestigation,
}

impl VexStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VexStatus::NotAffected => "not_affected",
            VexStatus::Fixed => "fixed",
            VexStatus::Affected => "affected",
            VexStatus::UnderInvestigation => "under_investigation",
        }
    }

    /// Whether the status removes the finding.
    pub fn suppresses(self) -> bool {
        matches!(self, VexStatus::NotAffected | VexStatus::Fixed)
    }
}

/// One statement, as much as matching needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VexStatement {
    /// Index in the document's `statements`.
    pub index: usize,
    /// The vulnerability's name, `@id` and aliases.
    pub vulnerability: Vec<String>,
    /// Purls of the products and their subcomponents.
    pub purls: Vec<String>,
    pub status: VexStatus,
    pub justification: Option<String>,
    pub impact_statement: Option<String>,
    /// The statement's timestamp, else the document's.
    pub timestamp: Option<String>,
}

/// A parsed OpenVEX document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VexDocument {
    pub file: String,
    pub statements: Vec<VexStatement>,
}

fn str_field(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl VexDocument {
    /// Parses an OpenVEX JSON document; errors name the file and the place
    /// (`line:column` for syntax, `statements[i].field` for content).
    pub fn parse(bytes: &[u8], file: &str) -> Result<VexDocument, String> {
        let doc: Value = serde_json::from_slice(bytes)
            .map_err(|e| format!("{file}:{}:{}: {e}", e.line(), e.column()))?;
        if !doc.is_object() {
            return Err(format!(
                "{file}: not an OpenVEX document (not a JSON object)"
            ));
        }
        let doc_time = str_field(&doc, "timestamp");
        let stmts = doc
            .get("statements")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("{file}: `statements` is missing or not an array"))?;
        let mut out = Vec::with_capacity(stmts.len());
        for (i, s) in stmts.iter().enumerate() {
            let at = |what: &str| format!("{file}: statements[{i}]{what}");
            if !s.is_object() {
                return Err(format!("{}: not an object", at("")));
            }
            let mut vulnerability = Vec::new();
            match s.get("vulnerability") {
                Some(Value::String(v)) if !v.trim().is_empty() => {
                    vulnerability.push(v.trim().to_string());
                }
                Some(v @ Value::Object(_)) => {
                    vulnerability.extend(str_field(v, "name"));
                    vulnerability.extend(str_field(v, "@id"));
                    if let Some(al) = v.get("aliases").and_then(Value::as_array) {
                        vulnerability.extend(
                            al.iter()
                                .filter_map(Value::as_str)
                                .map(str::trim)
                                .filter(|a| !a.is_empty())
                                .map(str::to_string),
                        );
                    }
                }
                _ => {}
            }
            if vulnerability.is_empty() {
                return Err(format!(
                    "{}: no vulnerability name or @id",
                    at(".vulnerability")
                ));
            }
            let status = match s.get("status").and_then(Value::as_str) {
                Some("not_affected") => VexStatus::NotAffected,
                Some("fixed") => VexStatus::Fixed,
                Some("affected") => VexStatus::Affected,
                Some("under_investigation") => VexStatus::UnderInvestigation,
                Some(other) => {
                    return Err(format!(
                        "{}: unknown status `{other}` (not_affected, fixed, affected, under_investigation)",
                        at(".status")
                    ));
                }
                None => return Err(format!("{}: missing", at(".status"))),
            };
            let mut purls = Vec::new();
            let products = match s.get("products") {
                None => &[][..],
                Some(Value::Array(a)) => a.as_slice(),
                Some(_) => return Err(format!("{}: not an array", at(".products"))),
            };
            for (j, p) in products.iter().enumerate() {
                collect_purls(p, &mut purls)
                    .map_err(|e| format!("{}: {e}", at(&format!(".products[{j}]"))))?;
                if let Some(subs) = p.get("subcomponents") {
                    let Some(subs) = subs.as_array() else {
                        return Err(format!(
                            "{}: not an array",
                            at(&format!(".products[{j}].subcomponents"))
                        ));
                    };
                    for (k, sc) in subs.iter().enumerate() {
                        collect_purls(sc, &mut purls).map_err(|e| {
                            format!("{}: {e}", at(&format!(".products[{j}].subcomponents[{k}]")))
                        })?;
                    }
                }
            }
            out.push(VexStatement {
                index: i,
                vulnerability,
                purls,
                status,
                justification: str_field(s, "justification"),
                impact_statement: str_field(s, "impact_statement"),
                timestamp: str_field(s, "timestamp").or_else(|| doc_time.clone()),
            });
        }
        Ok(VexDocument {
            file: file.to_string(),
            statements: out,
        })
    }
}

/// A product or subcomponent: a string identifier or an object with
/// `@id` and `identifiers.purl`. Identifiers that are not purls are kept
/// out (they cannot name a package here).
fn collect_purls(p: &Value, out: &mut Vec<String>) -> Result<(), String> {
    match p {
        Value::String(s) => {
            if s.starts_with("pkg:") {
                out.push(s.clone());
            }
            Ok(())
        }
        Value::Object(_) => {
            if let Some(id) = str_field(p, "@id").filter(|s| s.starts_with("pkg:")) {
                out.push(id);
            }
            if let Some(purl) = p.get("identifiers").and_then(|i| str_field(i, "purl")) {
                out.push(purl);
            }
            Ok(())
        }
        _ => Err("neither an identifier string nor an object".into()),
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(h) = s.get(i + 1..i + 3)
            && let Ok(v) = u8::from_str_radix(h, 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A purl without qualifiers and subpath, split into its decoded
/// `type/namespace/name` (type lowercased) and version.
fn purl_parts(purl: &str) -> (String, Option<String>) {
    let p = purl.split('#').next().unwrap_or(purl);
    let p = p.split('?').next().unwrap_or(p);
    let last_slash = p.rfind('/').unwrap_or(0);
    let (base, version) = match p.rfind('@') {
        Some(at) if at > last_slash => (&p[..at], Some(percent_decode(&p[at + 1..]))),
        _ => (p, None),
    };
    let base = match base.split_once('/') {
        Some((ty, rest)) => format!("{}/{}", ty.to_ascii_lowercase(), percent_decode(rest)),
        None => base.to_ascii_lowercase(),
    };
    (base, version.filter(|v| !v.is_empty()))
}

/// Whether a VEX product purl names this package purl.
pub fn purl_covers(product: &str, package: &str) -> bool {
    let (pb, pv) = purl_parts(product);
    let (kb, kv) = purl_parts(package);
    pb == kb && (pv.is_none() || pv == kv)
}

fn entry_covers_package(pattern: &str, pkg: &Package) -> bool {
    if pattern.starts_with("pkg:") {
        let purl = pkg.purl.as_str();
        let (pat, target) = (percent_decode(pattern), percent_decode(purl));
        return target.strip_prefix(pat.as_str()).is_some_and(|rest| {
            rest.is_empty() || pat.ends_with('/') || rest.starts_with(['@', '?', '#', '/'])
        });
    }
    if pattern == pkg.name || pkg.source.as_ref().is_some_and(|(s, _)| s == pattern) {
        return true;
    }
    if let Some(ns) = &pkg.namespace
        && format!("{ns}:{}", pkg.name) == pattern
    {
        return true;
    }
    pkg.kind == drydock_core::package::PackageKind::Python
        && pep503_normalise(pattern) == pep503_normalise(&pkg.name)
}

fn names_vulnerability(m: &Match, id: &str) -> bool {
    m.id.eq_ignore_ascii_case(id) || m.aliases.iter().any(|a| a.eq_ignore_ascii_case(id))
}

/// Why a match was suppressed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Why {
    Ignored(IgnoreEntry),
    Vex {
        file: String,
        statement: usize,
        status: VexStatus,
        justification: Option<String>,
        impact_statement: Option<String>,
    },
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Applied {
    pub kept: Vec<Match>,
    pub suppressed: Vec<(Match, Why)>,
    /// Entries past their expiry date: they suppressed nothing.
    pub expired: Vec<IgnoreEntry>,
}

/// Applies the ignore entries (those not expired on `today`, a Unix time in
/// seconds) and then the VEX documents to the matches.
pub fn apply(
    matches: Vec<Match>,
    packages: &[Package],
    rules: &[IgnoreEntry],
    vex: &[VexDocument],
    today: i64,
) -> Applied {
    let day = today.div_euclid(86_400);
    let (live, expired): (Vec<&IgnoreEntry>, Vec<&IgnoreEntry>) = rules
        .iter()
        .partition(|r| r.expires_day.is_none_or(|d| day <= d));
    let mut out = Applied {
        expired: expired.into_iter().cloned().collect(),
        ..Applied::default()
    };
    for m in matches {
        let pkg = packages.get(m.package);
        let rule = live.iter().find(|r| {
            names_vulnerability(&m, &r.id)
                && match (&r.package, pkg) {
                    (None, _) => true,
                    (Some(p), Some(pkg)) => entry_covers_package(p, pkg),
                    (Some(_), None) => false,
                }
        });
        if let Some(r) = rule {
            let why = Why::Ignored((*r).clone());
            out.suppressed.push((m, why));
            continue;
        }
        // The latest statement about this vulnerability and package decides.
        let mut last: Option<(&VexDocument, &VexStatement)> = None;
        if let Some(pkg) = pkg {
            for d in vex {
                for s in &d.statements {
                    let speaks = s.vulnerability.iter().any(|v| names_vulnerability(&m, v))
                        && s.purls.iter().any(|p| purl_covers(p, &pkg.purl));
                    if speaks && last.is_none_or(|(_, l)| l.timestamp <= s.timestamp) {
                        last = Some((d, s));
                    }
                }
            }
        }
        match last {
            Some((d, s)) if s.status.suppresses() => {
                let why = Why::Vex {
                    file: d.file.clone(),
                    statement: s.index,
                    status: s.status,
                    justification: s.justification.clone(),
                    impact_statement: s.impact_statement.clone(),
                };
                out.suppressed.push((m, why));
            }
            _ => out.kept.push(m),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2000-03-01"), Some(11_017));
        assert_eq!(parse_date("2024-02-29"), Some(19_782));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("2026-1-01"), None);
        assert_eq!(parse_date("+026-01-01"), None);
    }

    #[test]
    fn ignore_file_errors_name_the_place() {
        let e = parse_ignore_file("[[ignore]]\nid = \"CVE-1\"\n", "x.toml").unwrap_err();
        assert!(e.starts_with("x.toml: ") && e.contains("reason"), "{e}");
        let e = parse_ignore_file(
            "\n[[ignore]]\nid = \"CVE-1\"\nreason = \"r\"\nexpires = \"tomorrow\"\n",
            "x.toml",
        )
        .unwrap_err();
        assert!(e.starts_with("x.toml:2: ") && e.contains("tomorrow"), "{e}");
        let e = parse_ignore_file("[[ignore]]\nid = \"CVE-1\"\nreason = \" \"\n", "x.toml")
            .unwrap_err();
        assert!(e.starts_with("x.toml:1: ") && e.contains("reason"), "{e}");
        let e = parse_ignore_file(
            "[[ignore]]\nid = \"C\"\nreason = \"r\"\nwhy = 1\n",
            "x.toml",
        )
        .unwrap_err();
        assert!(e.contains("why"), "{e}");
    }

    #[test]
    fn ignore_file_and_config() {
        let text = "[[ignore]]\nid = \"CVE-1\"\nreason = \"r\"\nexpires = 2026-12-31\n\n[[ignore]]\nid = \"GHSA-x\"\npackage = \"pkg:npm/elliptic\"\nreason = \"s\"\n";
        let e = parse_ignore_file(text, "f").unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].expires.as_deref(), Some("2026-12-31"));
        assert_eq!(e[0].expires_day, parse_date("2026-12-31"));
        assert_eq!(e[1].origin, "f:6");
        let cfg = "select = [\"all\"]\n[vulnerabilities]\n[[vulnerabilities.ignore]]\nid = \"CVE-2\"\nreason = \"r\"\n";
        let c = parse_config_ignores(cfg, "drydock.toml").unwrap();
        assert_eq!(
            (c[0].id.as_str(), c[0].origin.as_str()),
            ("CVE-2", "drydock.toml:3")
        );
        // A misspelt key is an error naming it, not a silent no-op.
        let typo = "[vulnerabilities]\nignored = []\n";
        let e = parse_config_ignores(typo, "drydock.toml").unwrap_err();
        assert!(e.contains("drydock.toml") && e.contains("ignored"), "{e}");
        assert!(
            parse_config_ignores("select = []\n", "d")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn purls() {
        assert!(purl_covers(
            "pkg:deb/debian/nginx-full@1.2.1-2.2%2Bwheezy2",
            "pkg:deb/debian/nginx-full@1.2.1-2.2%2Bwheezy2?arch=amd64&distro=debian-7"
        ));
        assert!(purl_covers(
            "pkg:deb/debian/nginx-full@1.2.1-2.2+wheezy2?arch=i386",
            "pkg:deb/debian/nginx-full@1.2.1-2.2%2Bwheezy2?arch=amd64"
        ));
        assert!(purl_covers("PKG:npm/@scope/x", "pkg:npm/%40scope/x@1.0.0"));
        assert!(!purl_covers("pkg:npm/x@1.0.1", "pkg:npm/x@1.0.0"));
        assert!(!purl_covers("pkg:npm/x", "pkg:npm/xy@1.0.0"));
    }

    #[test]
    fn vex_errors_name_the_place() {
        let e = VexDocument::parse(b"{\n \"statements\": [\n", "v.json").unwrap_err();
        assert!(e.starts_with("v.json:3:"), "{e}");
        let e = VexDocument::parse(
            br#"{"statements":[{"vulnerability":{"name":"CVE-1"},"status":"maybe"}]}"#,
            "v.json",
        )
        .unwrap_err();
        assert!(
            e.starts_with("v.json: statements[0].status: unknown status `maybe`"),
            "{e}"
        );
        let e =
            VexDocument::parse(br#"{"statements":[{"status":"fixed"}]}"#, "v.json").unwrap_err();
        assert!(e.contains("statements[0].vulnerability"), "{e}");
        let e = VexDocument::parse(
            br#"{"statements":[{"vulnerability":"CVE-1","status":"fixed","products":[3]}]}"#,
            "v.json",
        )
        .unwrap_err();
        assert!(e.contains("statements[0].products[0]"), "{e}");
    }
}
