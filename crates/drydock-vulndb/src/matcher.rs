//! Matching catalogued packages against OSV records.
//!
//! Each package becomes one or more [`Query`]s (OSV ecosystem, name in that
//! ecosystem, version) by [`ecosystem_of`]; [`match_packages`] looks each
//! query up in a [`Lookup`] (the on-disk store, or [`MemoryDb`]) and judges
//! every `affected` entry naming that ecosystem and package with the
//! ecosystem's own version order.
//!
//! Choices worth knowing:
//!
//! * OS packages are matched by **source** package (dpkg `Source:`, apk
//!   origin, the name inside an rpm's source rpm where OSV keys by source),
//!   with the source version when the catalogue states one.
//! * The release comes from `/etc/os-release`: `Debian:<major>` from
//!   `VERSION_ID`; Debian testing and sid carry no `VERSION_ID`, only
//!   `VERSION_CODENAME` (the release being prepared, `trixie`, `forky`, …),
//!   which is mapped to that release's number (testing and sid are matched
//!   as the release they will become); with neither, the packages are
//!   reported as unsupported, never silently clean.
//! * Ubuntu: `Ubuntu:YY.MM` for interim releases; for LTS releases both
//!   `Ubuntu:YY.MM:LTS` and the ESM ecosystem `Ubuntu:Pro:YY.MM:LTS` (plus
//!   the `Pro:FIPS*` ones for packages whose version says `fips`). When a
//!   record has entries for several of these, the first ecosystem of that
//!   list that names the package decides (the standard archive before ESM).
//! * A fix on another release branch never counts: the ecosystem string
//!   (`Alpine:v3.15`) must be equal, not just its base.
//! * Withdrawn records match nothing. A version that does not parse in its
//!   ecosystem is reported in [`MatchReport::unknown`], never taken as
//!   "not affected".

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::OnceLock;

use drydock_core::package::{OsRelease, Package, PackageKind, pep503_normalise};
use drydock_version::Scheme;

use crate::cvss::{self, Rating};
use crate::index::{self, Hit};
use crate::osv::{Affected, Record, Severity, Verdict};

/// Where records come from: the compiled index ([`crate::index`]) of every
/// record with an `affected` entry for this ecosystem and package name (the
/// name as [`normalise_name`] gives it), or `None` when no record names it.
pub trait Lookup {
    fn index(&self, ecosystem: &str, name: &str) -> Result<Option<Vec<u8>>, String>;

    /// Calls `f(i, index)` for each `keys[i]` (ecosystem, normalised name),
    /// possibly from several threads at once and in any order; the index is
    /// only borrowed for the call. The default asks [`Lookup::index`] for
    /// each key in turn; the on-disk store reads on every core.
    fn each_index(&self, keys: &[(&str, &str)], f: &EachIndex<'_>) {
        for (i, (e, n)) in keys.iter().enumerate() {
            match self.index(e, n) {
                Ok(b) => f(i, Ok(b.as_deref())),
                Err(e) => f(i, Err(e)),
            }
        }
    }
}

/// The callback of [`Lookup::each_index`].
pub type EachIndex<'a> = dyn Fn(usize, Result<Option<&[u8]>, String>) + Sync + 'a;

/// One question to the database for a package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    pub ecosystem: String,
    pub name: String,
    pub version: String,
}

/// The OSV package name as compared: PEP 503 for PyPI, as written otherwise.
pub fn normalise_name(ecosystem: &str, name: &str) -> String {
    if base_ecosystem(ecosystem) == "PyPI" {
        pep503_normalise(name)
    } else {
        name.to_string()
    }
}

fn base_ecosystem(ecosystem: &str) -> &str {
    ecosystem.split(':').next().unwrap_or(ecosystem)
}

/// An in-memory database (tests, small imports): records indexed by
/// (ecosystem, normalised name) of each `affected` entry.
#[derive(Clone, Debug, Default)]
pub struct MemoryDb {
    records: Vec<Record>,
    index: HashMap<(String, String), Vec<usize>>,
}

impl MemoryDb {
    pub fn new() -> MemoryDb {
        MemoryDb::default()
    }

    pub fn insert(&mut self, record: Record) {
        let at = self.records.len();
        for a in &record.affected {
            if let Some(p) = &a.package {
                let key = (p.ecosystem.clone(), normalise_name(&p.ecosystem, &p.name));
                let slot = self.index.entry(key).or_default();
                if slot.last() != Some(&at) {
                    slot.push(at);
                }
            }
        }
        self.records.push(record);
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

impl FromIterator<Record> for MemoryDb {
    fn from_iter<I: IntoIterator<Item = Record>>(iter: I) -> MemoryDb {
        let mut db = MemoryDb::new();
        for r in iter {
            db.insert(r);
        }
        db
    }
}

impl Lookup for MemoryDb {
    fn index(&self, ecosystem: &str, name: &str) -> Result<Option<Vec<u8>>, String> {
        let key = (ecosystem.to_string(), normalise_name(ecosystem, name));
        let Some(ix) = self.index.get(&key) else {
            return Ok(None);
        };
        let records: Vec<(u64, &Record)> = ix
            .iter()
            .filter_map(|&i| self.records.get(i).map(|r| (i as u64, r)))
            .collect();
        Ok(index::build(ecosystem, name, &records))
    }
}

/// Debian release numbers by codename (distro-info-data), for images whose
/// os-release has no `VERSION_ID` (testing, sid).
const DEBIAN_CODENAMES: &[(&str, &str)] = &[
    ("wheezy", "7"),
    ("jessie", "8"),
    ("stretch", "9"),
    ("buster", "10"),
    ("bullseye", "11"),
    ("bookworm", "12"),
    ("trixie", "13"),
    ("forky", "14"),
    ("duke", "15"),
];

fn non_empty(s: Option<&String>) -> Option<&str> {
    s.map(|s| s.trim()).filter(|s| !s.is_empty())
}

fn major(v: &str) -> &str {
    v.split('.').next().unwrap_or(v)
}

fn major_minor(v: &str) -> Option<String> {
    let mut it = v.split('.');
    let a = it
        .next()
        .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))?;
    let b: String = it
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    if b.is_empty() {
        return None;
    }
    Some(format!("{a}.{b}"))
}

fn debian_release(os: &OsRelease) -> Option<String> {
    if let Some(v) = non_empty(os.version_id.as_ref()) {
        return Some(major(v).to_string());
    }
    let code = non_empty(os.version_codename.as_ref())?;
    DEBIAN_CODENAMES
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code))
        .map(|(_, n)| (*n).to_string())
}

fn ubuntu_ecosystems(os: &OsRelease, version: &str) -> Vec<String> {
    let Some(v) = non_empty(os.version_id.as_ref()) else {
        return Vec::new();
    };
    let Some((yy, mm)) = v.split_once('.') else {
        return Vec::new();
    };
    let (Ok(y), true) = (yy.parse::<u32>(), mm.len() == 2) else {
        return Vec::new();
    };
    let lts = mm == "04" && y % 2 == 0;
    if !lts {
        return vec![format!("Ubuntu:{v}")];
    }
    let mut out = vec![format!("Ubuntu:{v}:LTS"), format!("Ubuntu:Pro:{v}:LTS")];
    if version.contains("fips") {
        for f in ["FIPS-updates", "FIPS", "FIPS-preview"] {
            out.insert(0, format!("Ubuntu:Pro:{f}:{v}:LTS"));
        }
    }
    out
}

/// The name of a source rpm file: `openssl-3.0.7-25.el9.src.rpm` → `openssl`.
fn srpm_name(srpm: &str) -> Option<&str> {
    let s = srpm
        .strip_suffix(".src.rpm")
        .or_else(|| srpm.strip_suffix(".nosrc.rpm"))
        .unwrap_or(srpm);
    if s.len() == srpm.len() {
        // Not a file name: a bare source name.
        return Some(srpm).filter(|s| !s.is_empty());
    }
    let (rest, _release) = s.rsplit_once('-')?;
    let (name, _version) = rest.rsplit_once('-')?;
    Some(name).filter(|n| !n.is_empty())
}

/// A Go toolchain version as SemVer: `go1.21.5` → `1.21.5`, `go1.21` →
/// `1.21.0`, `go1.21rc2` → `1.21.0-rc.2`.
fn go_stdlib_version(v: &str) -> String {
    let v = v.split_whitespace().next().unwrap_or("");
    let v = v.strip_prefix("go").unwrap_or(v);
    let cut = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let (num, pre) = v.split_at(cut);
    let mut parts: Vec<&str> = num.split('.').filter(|s| !s.is_empty()).collect();
    while parts.len() < 3 {
        parts.push("0");
    }
    let mut out = parts.join(".");
    if !pre.is_empty() {
        let kind: String = pre.chars().take_while(char::is_ascii_alphabetic).collect();
        let n = &pre[kind.len()..];
        out.push('-');
        out.push_str(&kind);
        if !n.is_empty() {
            out.push('.');
            out.push_str(n);
        }
    }
    out
}

/// The OSV queries for one package: empty when its ecosystem (or, for OS
/// packages, its distribution release) has no OSV counterpart.
pub fn ecosystem_of(pkg: &Package, os: Option<&OsRelease>) -> Vec<Query> {
    let q = |eco: String, name: &str, version: &str| Query {
        ecosystem: eco,
        name: name.to_string(),
        version: version.to_string(),
    };
    let (src_name, src_version) = match &pkg.source {
        Some((n, v)) if !n.is_empty() => (n.as_str(), v.as_deref().unwrap_or(&pkg.version)),
        _ => (pkg.name.as_str(), pkg.version.as_str()),
    };
    match pkg.kind {
        PackageKind::Deb | PackageKind::Apk | PackageKind::Rpm => {
            let Some(os) = os else {
                return Vec::new();
            };
            let id = non_empty(os.id.as_ref()).unwrap_or("").to_ascii_lowercase();
            match (pkg.kind, id.as_str()) {
                (PackageKind::Deb, "debian") => debian_release(os)
                    .map(|r| vec![q(format!("Debian:{r}"), src_name, src_version)])
                    .unwrap_or_default(),
                (PackageKind::Deb, "ubuntu") => ubuntu_ecosystems(os, src_version)
                    .into_iter()
                    .map(|e| q(e, src_name, src_version))
                    .collect(),
                (PackageKind::Apk, "alpine") => non_empty(os.version_id.as_ref())
                    .and_then(major_minor)
                    .map(|r| vec![q(format!("Alpine:v{r}"), src_name, src_version)])
                    .unwrap_or_default(),
                (PackageKind::Apk, "wolfi") => vec![q("Wolfi".into(), src_name, src_version)],
                (PackageKind::Apk, "chainguard") => {
                    vec![q("Chainguard".into(), src_name, src_version)]
                }
                (PackageKind::Rpm, _) => rpm_queries(pkg, os, &id),
                _ => Vec::new(),
            }
        }
        PackageKind::Python => vec![q("PyPI".into(), &pep503_normalise(&pkg.name), &pkg.version)],
        PackageKind::Npm => vec![q("npm".into(), &pkg.name, &pkg.version)],
        PackageKind::Go => vec![q("Go".into(), &pkg.name, &pkg.version)],
        PackageKind::GoStdlib => vec![q("Go".into(), "stdlib", &go_stdlib_version(&pkg.version))],
        PackageKind::Maven => {
            let name = match pkg.namespace.as_deref().filter(|n| !n.is_empty()) {
                Some(g) => format!("{g}:{}", pkg.name),
                None => pkg.name.clone(),
            };
            vec![q("Maven".into(), &name, &pkg.version)]
        }
        PackageKind::Cargo => vec![q("crates.io".into(), &pkg.name, &pkg.version)],
        PackageKind::Gem => vec![q("RubyGems".into(), &pkg.name, &pkg.version)],
        PackageKind::Composer => vec![q("Packagist".into(), &pkg.name, &pkg.version)],
    }
}

/// rpm distributions that OSV covers. Rocky, Alma, SUSE, openSUSE and
/// Mageia key by source rpm name; Red Hat by CPE-scoped streams (the base
/// OS, AppStream and CodeReady Builder of the major release are asked,
/// binary name first, then source name); Photon OS by binary name.
fn rpm_queries(pkg: &Package, os: &OsRelease, id: &str) -> Vec<Query> {
    let source = pkg
        .source
        .as_ref()
        .and_then(|(s, _)| srpm_name(s))
        .unwrap_or(&pkg.name);
    let q = |eco: String, name: &str| Query {
        ecosystem: eco,
        name: name.to_string(),
        version: pkg.version.clone(),
    };
    let version_id = non_empty(os.version_id.as_ref());
    let pretty = non_empty(os.pretty_name.as_ref());
    match id {
        "rocky" => version_id
            .map(|v| vec![q(format!("Rocky Linux:{}", major(v)), source)])
            .unwrap_or_default(),
        "almalinux" => version_id
            .map(|v| vec![q(format!("AlmaLinux:{}", major(v)), source)])
            .unwrap_or_default(),
        "mageia" => version_id
            .map(|v| vec![q(format!("Mageia:{}", major(v)), source)])
            .unwrap_or_default(),
        "photon" => version_id
            .map(|v| vec![q(format!("Photon OS:{v}"), &pkg.name)])
            .unwrap_or_default(),
        "sles" | "sled" | "sle-micro" => pretty
            .map(|p| {
                let rel = p.strip_prefix("SUSE ").unwrap_or(p);
                vec![q(format!("SUSE:{rel}"), source)]
            })
            .unwrap_or_default(),
        "opensuse" | "opensuse-leap" | "opensuse-tumbleweed" => pretty
            .map(|p| {
                let rel = p.strip_prefix("openSUSE ").unwrap_or(p);
                vec![q(format!("openSUSE:{rel}"), source)]
            })
            .unwrap_or_default(),
        "rhel" => {
            let Some(v) = version_id else {
                return Vec::new();
            };
            let m = major(v);
            let mut out = Vec::new();
            for stream in ["baseos", "appstream", "crb"] {
                let eco = format!("Red Hat:enterprise_linux:{m}::{stream}");
                out.push(q(eco.clone(), &pkg.name));
                if source != pkg.name {
                    out.push(q(eco, source));
                }
            }
            out
        }
        _ => Vec::new(),
    }
}

/// A severity for a match: a computed CVSS base score, or the ecosystem's
/// own rating (`score` None).
#[derive(Clone, Debug, PartialEq)]
pub struct SeverityInfo {
    /// The OSV severity type it came from: `CVSS_V4`, `CVSS_V3`, `Ubuntu`, …
    pub kind: String,
    pub score: Option<f64>,
    pub rating: Rating,
    /// The CVSS vector, for CVSS severities.
    pub vector: Option<String>,
}

/// One vulnerable package.
#[derive(Clone, Debug, PartialEq)]
pub struct Match {
    /// Index into the scanned packages.
    pub package: usize,
    pub id: String,
    /// The OSV ecosystem of the entry that matched (`Debian:7`).
    pub ecosystem: String,
    /// `aliases` then `upstream` (the CVE of Ubuntu records).
    pub aliases: Vec<String>,
    pub summary: Option<String>,
    /// The first fixed version above the installed one; None: no fix yet.
    pub fixed: Option<String>,
    pub severity: Option<SeverityInfo>,
}

/// A record that names the package but whose verdict could not be reached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownVersion {
    pub package: usize,
    pub record: String,
    pub error: String,
}

/// A failed database lookup (the package is then unjudged, not clean).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookupError {
    pub package: usize,
    pub ecosystem: String,
    pub name: String,
    pub error: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct MatchReport {
    /// Sorted by package index, then record id.
    pub matches: Vec<Match>,
    pub unknown: Vec<UnknownVersion>,
    /// Packages with no OSV ecosystem (indexes).
    pub unsupported: Vec<usize>,
    pub lookup_errors: Vec<LookupError>,
}

/// Matches every package against the database.
pub fn match_packages(
    db: &dyn Lookup,
    packages: &[Package],
    os: Option<&OsRelease>,
) -> MatchReport {
    let queries: Vec<Vec<Query>> = packages.iter().map(|p| ecosystem_of(p, os)).collect();
    match_queries(db, &queries)
}

/// Matches the queries of each package (`queries[i]` for package `i`, as
/// [`ecosystem_of`] makes them): the core of [`match_packages`].
pub fn match_queries(db: &dyn Lookup, queries: &[Vec<Query>]) -> MatchReport {
    // 1. Each index read once (many binary packages share one source),
    //    each (index, version) pair planned once: `slot[i][k]` is the pair
    //    of package i's k-th query, None when its ecosystem has no order.
    let mut indexes: HashMap<(&str, String), usize> = HashMap::new();
    let mut keys: Vec<(&str, String)> = Vec::new();
    let mut pairs: HashMap<(usize, &str), usize> = HashMap::new();
    // Per index: its pairs (slot, scheme, version, ecosystem).
    let mut per_index: Vec<Vec<(usize, Scheme, &str, &str)>> = Vec::new();
    let mut uses: Vec<usize> = Vec::new();
    let mut slots: Vec<Vec<Option<usize>>> = Vec::with_capacity(queries.len());
    for qs in queries {
        let mut row = Vec::with_capacity(qs.len());
        for q in qs {
            let Some(scheme) = Scheme::of_ecosystem(&q.ecosystem) else {
                row.push(None);
                continue;
            };
            let norm = normalise_name(&q.ecosystem, &q.name);
            let b = *indexes
                .entry((q.ecosystem.as_str(), norm))
                .or_insert_with_key(|k| {
                    keys.push((k.0, k.1.clone()));
                    per_index.push(Vec::new());
                    keys.len() - 1
                });
            let slot = *pairs.entry((b, q.version.as_str())).or_insert_with(|| {
                uses.push(0);
                per_index[b].push((
                    uses.len() - 1,
                    scheme,
                    q.version.as_str(),
                    q.ecosystem.as_str(),
                ));
                uses.len() - 1
            });
            uses[slot] += 1;
            row.push(Some(slot));
        }
        slots.push(row);
    }
    // 2. Each index read and each of its pairs judged where it is read (on
    //    every core for the store). Per pair: every record seen, and the
    //    outcomes.
    type Judged = Result<(Vec<u64>, Vec<(u64, Outcome)>), String>;
    let cells: Vec<OnceLock<Judged>> = (0..uses.len()).map(|_| OnceLock::new()).collect();
    let key_refs: Vec<(&str, &str)> = keys.iter().map(|(e, n)| (*e, n.as_str())).collect();
    db.each_index(&key_refs, &|b, blob| {
        for &(slot, scheme, version, ecosystem) in per_index.get(b).map_or(&[][..], Vec::as_slice) {
            let judged = match &blob {
                Ok(Some(blob)) => index::judge(blob, scheme, version)
                    .map_err(|e| e.to_string())
                    .map(|j| {
                        let outcomes = j
                            .hits
                            .into_iter()
                            .filter_map(|h| outcome(h, ecosystem, scheme))
                            .collect();
                        (j.seen, outcomes)
                    }),
                Ok(None) => Ok((Vec::new(), Vec::new())),
                Err(e) => Err(e.clone()),
            };
            if let Some(cell) = cells.get(slot) {
                let _ = cell.set(judged);
            }
        }
    });
    let mut judged: Vec<Judged> = cells
        .into_iter()
        .map(|c| {
            c.into_inner()
                .unwrap_or_else(|| Err("the database gave no answer for this package".into()))
        })
        .collect();
    // 3. The report, package by package. A pair's outcomes are moved to
    //    its last user and copied for the others.
    let mut report = MatchReport::default();
    for (i, (queries, row)) in queries.iter().zip(&slots).enumerate() {
        if queries.is_empty() {
            report.unsupported.push(i);
            continue;
        }
        let mut decided: Vec<u64> = Vec::new();
        for (q, slot) in queries.iter().zip(row) {
            let Some(slot) = *slot else {
                report.lookup_errors.push(LookupError {
                    package: i,
                    ecosystem: q.ecosystem.clone(),
                    name: q.name.clone(),
                    error: format!("no version order known for ecosystem `{}`", q.ecosystem),
                });
                continue;
            };
            uses[slot] -= 1;
            let last = uses[slot] == 0;
            let (seen, outcomes) = match judged.get_mut(slot) {
                Some(Ok(j)) => j,
                Some(Err(e)) => {
                    report.lookup_errors.push(LookupError {
                        package: i,
                        ecosystem: q.ecosystem.clone(),
                        name: q.name.clone(),
                        error: e.clone(),
                    });
                    continue;
                }
                None => continue,
            };
            // The first ecosystem of the package's list that names a record
            // decides it (Ubuntu's standard archive before ESM).
            let before = decided.len();
            let taken = if last {
                std::mem::take(outcomes)
            } else {
                outcomes.clone()
            };
            for (rid, o) in taken {
                if decided[..before].contains(&rid) {
                    continue;
                }
                match o {
                    Outcome::Match(mut m) => {
                        m.package = i;
                        report.matches.push(m);
                    }
                    Outcome::Unknown { record, error } => report.unknown.push(UnknownVersion {
                        package: i,
                        record,
                        error,
                    }),
                }
            }
            if queries.len() > 1 {
                // Duplicates are harmless here: only membership is asked.
                decided.extend_from_slice(seen);
            }
        }
    }
    report
        .matches
        .sort_by(|a, b| a.package.cmp(&b.package).then_with(|| a.id.cmp(&b.id)));
    report
}

/// What one record means for one version: a match, a verdict that could
/// not be reached, or nothing.
#[derive(Clone, Debug)]
enum Outcome {
    /// `package` is filled in when the outcome is given to a package.
    Match(Match),
    Unknown {
        record: String,
        error: String,
    },
}

/// The outcome of a record's verdicts (one per `affected` entry); takes the
/// hit so that its strings move into the match instead of being copied.
fn outcome(hit: Hit, ecosystem: &str, scheme: Scheme) -> Option<(u64, Outcome)> {
    let mut affected = false;
    let mut unfixed = false;
    let mut fixes: Vec<&str> = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    for v in &hit.verdicts {
        match v {
            Verdict::NotAffected => {}
            Verdict::Affected { fixed: Some(f) } => {
                affected = true;
                fixes.push(f);
            }
            Verdict::Affected { fixed: None } => {
                affected = true;
                unfixed = true;
            }
            Verdict::Unknown(e) => {
                let e = e.to_string();
                if !errors.contains(&e) {
                    errors.push(e);
                }
            }
        }
    }
    if affected {
        // Every affected entry must be cleared: the highest of their fixes.
        let fixed = if unfixed {
            None
        } else {
            fixes
                .into_iter()
                .reduce(|a, b| {
                    if scheme.compare(a, b) == Ok(Ordering::Less) {
                        b
                    } else {
                        a
                    }
                })
                .map(str::to_string)
        };
        let meta = hit.meta;
        Some((
            hit.rid,
            Outcome::Match(Match {
                package: 0,
                id: meta.id,
                ecosystem: ecosystem.to_string(),
                aliases: meta.aliases,
                summary: meta.summary,
                fixed,
                severity: meta.severity,
            }),
        ))
    } else if !errors.is_empty() {
        Some((
            hit.rid,
            Outcome::Unknown {
                record: hit.meta.id,
                error: errors.join("; "),
            },
        ))
    } else {
        None
    }
}

/// CVSS v4, then v3 (base score computed), from the matched entries then
/// the record; else an ecosystem rating (`Ubuntu`: `medium`, …); else the
/// record's `database_specific.severity` (GitHub's `MODERATE`, …).
pub(crate) fn severity_of(entries: &[&Affected], rec: &Record) -> Option<SeverityInfo> {
    let all: Vec<&Severity> = entries
        .iter()
        .flat_map(|a| a.severity.iter())
        .chain(rec.severity.iter())
        .collect();
    for kind in ["CVSS_V4", "CVSS_V3"] {
        for s in all.iter().filter(|s| s.kind == kind) {
            if let Ok(c) = cvss::score(s.score.trim()) {
                return Some(SeverityInfo {
                    kind: kind.to_string(),
                    score: Some(c.base_score),
                    rating: c.rating,
                    vector: Some(c.vector),
                });
            }
        }
    }
    all.iter()
        .filter(|s| !s.kind.starts_with("CVSS_"))
        .find_map(|s| {
            Rating::from_str_loose(s.score.trim()).map(|rating| SeverityInfo {
                kind: s.kind.clone(),
                score: None,
                rating,
                vector: None,
            })
        })
        .or_else(|| {
            let word = rec.database_severity.as_deref()?;
            Rating::from_str_loose(word).map(|rating| SeverityInfo {
                kind: "database_specific".to_string(),
                score: None,
                rating,
                vector: None,
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(id: &str, version_id: Option<&str>, codename: Option<&str>) -> OsRelease {
        OsRelease {
            id: Some(id.into()),
            version_id: version_id.map(str::to_string),
            version_codename: codename.map(str::to_string),
            ..OsRelease::default()
        }
    }

    fn ecos(pkg: &Package, os: Option<&OsRelease>) -> Vec<String> {
        ecosystem_of(pkg, os)
            .into_iter()
            .map(|q| q.ecosystem)
            .collect()
    }

    #[test]
    fn debian_releases() {
        let mut p = Package::new(PackageKind::Deb, "libssl3", "3.0.11-1~deb12u2", "s");
        p.source = Some(("openssl".into(), None));
        let qs = ecosystem_of(&p, Some(&os("debian", Some("12"), Some("bookworm"))));
        assert_eq!(
            qs,
            vec![Query {
                ecosystem: "Debian:12".into(),
                name: "openssl".into(),
                version: "3.0.11-1~deb12u2".into()
            }]
        );
        // Testing/sid: codename only.
        assert_eq!(
            ecos(&p, Some(&os("debian", None, Some("trixie")))),
            ["Debian:13"]
        );
        // Nothing to go by, or no os-release: unsupported.
        assert!(ecos(&p, Some(&os("debian", None, None))).is_empty());
        assert!(ecos(&p, None).is_empty());
        // Source version stated.
        p.source = Some(("openssl".into(), Some("3.0.11-1".into())));
        assert_eq!(
            ecosystem_of(&p, Some(&os("debian", Some("12"), None)))[0].version,
            "3.0.11-1"
        );
    }

    #[test]
    fn ubuntu_variants() {
        let p = Package::new(PackageKind::Deb, "linux", "3.13.0-100.147", "s");
        assert_eq!(
            ecos(&p, Some(&os("ubuntu", Some("14.04"), None))),
            ["Ubuntu:14.04:LTS", "Ubuntu:Pro:14.04:LTS"]
        );
        assert_eq!(
            ecos(&p, Some(&os("ubuntu", Some("23.10"), None))),
            ["Ubuntu:23.10"]
        );
        let f = Package::new(PackageKind::Deb, "openssl", "1.1.1f-1ubuntu2.fips.2", "s");
        assert_eq!(ecos(&f, Some(&os("ubuntu", Some("20.04"), None))).len(), 5);
    }

    #[test]
    fn alpine_rpm_and_languages() {
        let mut a = Package::new(PackageKind::Apk, "libcrypto1.0", "1.0.2p-r0", "s");
        a.source = Some(("openssl".into(), None));
        let qs = ecosystem_of(&a, Some(&os("alpine", Some("3.8.1"), None)));
        assert_eq!(
            (qs[0].ecosystem.as_str(), qs[0].name.as_str()),
            ("Alpine:v3.8", "openssl")
        );
        assert_eq!(
            ecos(&a, Some(&os("alpine", Some("3.21.0_alpha20240807"), None))),
            ["Alpine:v3.21"]
        );

        let mut r = Package::new(PackageKind::Rpm, "openssl-libs", "1:3.0.7-25.el9", "s");
        r.source = Some(("openssl-3.0.7-25.el9.src.rpm".into(), None));
        let qs = ecosystem_of(&r, Some(&os("rocky", Some("9.3"), None)));
        assert_eq!(
            (
                qs[0].ecosystem.as_str(),
                qs[0].name.as_str(),
                qs[0].version.as_str()
            ),
            ("Rocky Linux:9", "openssl", "1:3.0.7-25.el9")
        );
        assert_eq!(
            ecos(&r, Some(&os("almalinux", Some("8.9"), None))),
            ["AlmaLinux:8"]
        );
        assert_eq!(ecos(&r, Some(&os("rhel", Some("9.3"), None))).len(), 6);
        assert!(ecos(&r, Some(&os("fedora", Some("40"), None))).is_empty());
        let mut suse = os("sles", Some("15.5"), None);
        suse.pretty_name = Some("SUSE Linux Enterprise Server 15 SP5".into());
        assert_eq!(
            ecos(&r, Some(&suse)),
            ["SUSE:Linux Enterprise Server 15 SP5"]
        );

        let py = Package::new(PackageKind::Python, "Flask_SQLAlchemy", "3.1.1", "x");
        assert_eq!(ecosystem_of(&py, None)[0].name, "flask-sqlalchemy");
        let go = Package::new(PackageKind::GoStdlib, "stdlib", "go1.21rc2", "x");
        assert_eq!(
            ecosystem_of(&go, None),
            vec![Query {
                ecosystem: "Go".into(),
                name: "stdlib".into(),
                version: "1.21.0-rc.2".into()
            }]
        );
        assert_eq!(go_stdlib_version("go1.22.1"), "1.22.1");
        let mut m = Package::new(PackageKind::Maven, "apache-any23", "2.4", "x");
        m.namespace = Some("org.apache.any23".into());
        assert_eq!(
            ecosystem_of(&m, None)[0].name,
            "org.apache.any23:apache-any23"
        );
        for (k, e) in [
            (PackageKind::Npm, "npm"),
            (PackageKind::Go, "Go"),
            (PackageKind::Cargo, "crates.io"),
            (PackageKind::Gem, "RubyGems"),
            (PackageKind::Composer, "Packagist"),
        ] {
            assert_eq!(ecos(&Package::new(k, "n", "1.0.0", "x"), None), [e]);
        }
    }

    #[test]
    fn srpm_names() {
        assert_eq!(srpm_name("openssl-3.0.7-25.el9.src.rpm"), Some("openssl"));
        assert_eq!(
            srpm_name("python3.11-3.11.5-1.el9.src.rpm"),
            Some("python3.11")
        );
        assert_eq!(srpm_name("glibc"), Some("glibc"));
        assert_eq!(srpm_name("broken.src.rpm"), None);
    }
}
