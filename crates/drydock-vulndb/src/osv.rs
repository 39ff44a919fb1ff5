//! OSV records (<https://ossf.github.io/osv-schema/>) and whether a package
//! version is affected.
//!
//! The model is ours rather than the `osv` crate's: real bulk files hold
//! ecosystems and fields that crate rejects, and a scanner must skip and
//! count those, not fail on them.

use std::cmp::Ordering;

use drydock_version::{Scheme, VersionError};
use serde::{Deserialize, Serialize};

/// One OSV record, as much of it as matching and reporting need.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct Record {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// Set when the record was withdrawn: it matches nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Ubuntu records name the CVE here, not in `aliases`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upstream: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<Severity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affected: Vec<Affected>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    /// `database_specific.severity`: the rating GitHub's advisories give
    /// (`LOW`, `MODERATE`, `HIGH`, `CRITICAL`), used when the record has no
    /// CVSS vector. Anything else under `database_specific` is ignored.
    #[serde(
        default,
        rename = "database_specific",
        deserialize_with = "database_severity",
        serialize_with = "database_severity_out",
        skip_serializing_if = "Option::is_none"
    )]
    pub database_severity: Option<String>,
}

/// `database_specific` is free-form: only a string `severity` in an object
/// is read; any other shape is no severity (never a parse failure).
fn database_severity<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(v.get("severity")
        .and_then(serde_json::Value::as_str)
        .map(str::to_string))
}

fn database_severity_out<S: serde::Serializer>(
    v: &Option<String>,
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(1))?;
    if let Some(v) = v {
        m.serialize_entry("severity", v)?;
    }
    m.end()
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct Severity {
    /// `CVSS_V3`, `CVSS_V4`, `CVSS_V2`, `Ubuntu`, …
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub score: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct Reference {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub url: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct Package {
    #[serde(default)]
    pub ecosystem: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct Affected {
    /// Absent in some real records (an entry with a GIT range only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<Package>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<Severity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<Range>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct Range {
    /// `ECOSYSTEM`, `SEMVER` or `GIT` (GIT ranges name commits: not judged).
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<Event>,
}

/// One event of a range; exactly one field is set in a valid record.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct Event {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introduced: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_affected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
}

impl Record {
    /// Parses one record; `Err` says why it is not an OSV record.
    pub fn parse(bytes: &[u8]) -> Result<Record, String> {
        let r: Record = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if r.id.is_empty() {
            return Err("no `id`".into());
        }
        Ok(r)
    }

    /// `summary`, else the first non-blank line of `details`.
    pub fn summary_line(&self) -> Option<String> {
        self.summary
            .clone()
            .filter(|s| !s.trim().is_empty())
            .or_else(|| {
                self.details
                    .as_deref()
                    .and_then(|d| d.lines().map(str::trim).find(|l| !l.is_empty()))
                    .map(str::to_string)
            })
    }

    /// The CVE (or other) identifiers this record is also known by:
    /// `aliases` then `upstream`, without duplicates.
    pub fn also_known_as(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for a in self.aliases.iter().chain(&self.upstream) {
            if !out.contains(&a.as_str()) {
                out.push(a);
            }
        }
        out
    }
}

/// Whether one version of a package is affected by an `affected` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    NotAffected,
    /// Affected; `fixed` is the first fixed version after it, when a range
    /// names one (None: no fix yet).
    Affected {
        fixed: Option<String>,
    },
    /// A version (the package's or one in the record) does not parse in the
    /// ecosystem: no verdict, never a silent "not affected".
    Unknown(VersionError),
}

/// Sort key of an event: its version, with `introduced: "0"` first and
/// `limit: "*"` last.
enum Point<'a> {
    Zero,
    V(&'a str),
    Infinity,
}

fn cmp_point(scheme: Scheme, a: &Point<'_>, b: &Point<'_>) -> Result<Ordering, VersionError> {
    Ok(match (a, b) {
        (Point::Zero, Point::Zero) | (Point::Infinity, Point::Infinity) => Ordering::Equal,
        (Point::Zero, _) | (_, Point::Infinity) => Ordering::Less,
        (_, Point::Zero) | (Point::Infinity, _) => Ordering::Greater,
        (Point::V(x), Point::V(y)) => scheme.compare(x, y)?,
    })
}

fn point(s: &str, zero_ok: bool) -> Point<'_> {
    if zero_ok && s == "0" {
        Point::Zero
    } else if s == "*" {
        Point::Infinity
    } else {
        Point::V(s)
    }
}

impl Affected {
    /// Judges `version` (of the package this entry names, in `scheme`) by
    /// the explicit `versions` and the ECOSYSTEM and SEMVER ranges, as the
    /// OSV specification's evaluation algorithm does.
    pub fn judge(&self, scheme: Scheme, version: &str) -> Verdict {
        match self.judge_inner(scheme, version) {
            Ok(v) => v,
            Err(e) => Verdict::Unknown(e),
        }
    }

    fn judge_inner(&self, scheme: Scheme, version: &str) -> Result<Verdict, VersionError> {
        // The package's own version must parse (an invalid one is reported).
        scheme.compare(version, version)?;
        let v = Point::V(version);
        let mut affected = false;
        let mut fixed: Option<&str> = None;
        for range in &self.ranges {
            if range.kind != "ECOSYSTEM" && range.kind != "SEMVER" {
                continue;
            }
            // SEMVER ranges are SemVer 2.0 whatever the ecosystem (Go's
            // are written without the `v`).
            let (in_range, fix) = if range.kind == "SEMVER" {
                let bare = version.strip_prefix('v').unwrap_or(version);
                Scheme::Semver.compare(bare, bare)?;
                judge_range(Scheme::Semver, range, &Point::V(bare))?
            } else {
                judge_range(scheme, range, &v)?
            };
            if in_range {
                affected = true;
                if let Some(f) = fix {
                    // The lowest fix wins; fixes of different range kinds
                    // that do not compare keep the first one found.
                    fixed = match fixed {
                        Some(old)
                            if scheme.compare(old, f).is_ok_and(|o| o != Ordering::Greater) =>
                        {
                            Some(old)
                        }
                        Some(old) if scheme.compare(old, f).is_err() => Some(old),
                        _ => Some(f),
                    };
                }
            }
        }
        if !affected {
            for listed in &self.versions {
                // A listed version that does not parse cannot be compared:
                // text equality still identifies it.
                let same = listed == version
                    || scheme
                        .compare(listed, version)
                        .is_ok_and(|o| o == Ordering::Equal);
                if same {
                    affected = true;
                    break;
                }
            }
        }
        Ok(if affected {
            Verdict::Affected {
                fixed: fixed.map(str::to_string),
            }
        } else {
            Verdict::NotAffected
        })
    }
}

/// One range: whether `v` is in it, and the first `fixed` after `v`.
fn judge_range<'r>(
    scheme: Scheme,
    range: &'r Range,
    v: &Point<'_>,
) -> Result<(bool, Option<&'r str>), VersionError> {
    // Limits: `v` must be below at least one of them, when any is given.
    let limits: Vec<&str> = range
        .events
        .iter()
        .filter_map(|e| e.limit.as_deref())
        .collect();
    if !limits.is_empty() {
        let mut below = false;
        for l in &limits {
            if cmp_point(scheme, v, &point(l, false))? == Ordering::Less {
                below = true;
                break;
            }
        }
        if !below {
            return Ok((false, None));
        }
    }
    // Events in version order; the evaluation walks them once.
    let mut events: Vec<(Point<'r>, &'r Event)> = Vec::new();
    for e in &range.events {
        if let Some(i) = &e.introduced {
            events.push((point(i, true), e));
        } else if let Some(f) = &e.fixed {
            events.push((point(f, false), e));
        } else if let Some(l) = &e.last_affected {
            events.push((point(l, false), e));
        }
    }
    // Validate every version once (so that sorting cannot fail halfway).
    for (p, _) in &events {
        if let Point::V(s) = p {
            scheme.compare(s, s)?;
        }
    }
    events.sort_by(|a, b| cmp_point(scheme, &a.0, &b.0).unwrap_or(Ordering::Equal));
    let mut vulnerable = false;
    for (p, e) in &events {
        let o = cmp_point(scheme, v, p)?;
        if e.introduced.is_some() {
            if o != Ordering::Less {
                vulnerable = true;
            }
        } else if e.fixed.is_some() {
            if o != Ordering::Less {
                vulnerable = false;
            }
        } else if e.last_affected.is_some() && o == Ordering::Greater {
            vulnerable = false;
        }
    }
    if !vulnerable {
        return Ok((false, None));
    }
    let mut fix = None;
    for (p, e) in &events {
        if let (Some(f), Point::V(_)) = (&e.fixed, p)
            && cmp_point(scheme, v, p)? == Ordering::Less
        {
            fix = Some(f.as_str());
            break;
        }
    }
    Ok((true, fix))
}

#[cfg(test)]
mod tests;
