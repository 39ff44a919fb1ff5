//! Renderers of `drydock audit` results: human (grouped by section, with a
//! score), JSON (`docs/schema/audit-v1.schema.json`), JUnit (one test case
//! per check and target) and Docker Bench for Security's JSON layout.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use drydock_core::audit::{AuditResult, Status};
use quick_junit::{NonSuccessKind, Report as JReport, TestCase, TestCaseStatus, TestSuite};
use serde_json::{Value, json};

/// What the audit talked to.
#[derive(Debug, Clone, Default)]
pub struct AuditHeader {
    pub address: String,
    pub api_version: String,
    pub server_version: String,
    pub cis_version: String,
    /// Seconds since the epoch at start and end (Docker Bench's `start`/`end`).
    pub start: u64,
    pub end: u64,
}

const SECTIONS: [(&str, &str); 7] = [
    ("1", "Host Configuration"),
    ("2", "Docker daemon configuration"),
    ("3", "Docker daemon configuration files"),
    ("4", "Container Images and Build File"),
    ("5", "Container Runtime"),
    ("6", "Docker Security Operations"),
    ("7", "Docker Swarm Configuration"),
];

fn section_title(s: &str) -> &'static str {
    SECTIONS
        .iter()
        .find(|(id, _)| *id == s)
        .map_or("Other", |(_, t)| t)
}

/// Docker Bench's score: +1 per scored pass, −1 per scored fail or warn.
pub fn score<'a>(results: impl IntoIterator<Item = &'a AuditResult>) -> i64 {
    results
        .into_iter()
        .filter(|r| r.scored)
        .map(|r| match r.status {
            Status::Pass => 1,
            Status::Fail | Status::Warn => -1,
            _ => 0,
        })
        .sum()
}

fn counts<'a>(rs: impl Iterator<Item = &'a AuditResult>) -> BTreeMap<&'static str, usize> {
    let mut m = BTreeMap::new();
    for r in rs {
        *m.entry(r.status.as_str()).or_insert(0) += 1;
    }
    m
}

fn section_order(results: &[AuditResult]) -> Vec<String> {
    let mut s: Vec<String> = results.iter().map(|r| r.section.clone()).collect();
    s.sort_by_key(|x| (x.parse::<u32>().unwrap_or(u32::MAX), x.clone()));
    s.dedup();
    s
}

#[derive(serde::Serialize)]
struct JsonTarget<'a> {
    kind: &'a str,
    id: Option<&'a str>,
    name: Option<&'a str>,
}

#[derive(serde::Serialize)]
struct JsonResult<'a> {
    rule: &'a str,
    title: &'a str,
    section: &'a str,
    rules: &'a [String],
    references: &'a [String],
    scored: bool,
    status: &'a str,
    target: JsonTarget<'a>,
    message: &'a str,
    evidence: Option<&'a str>,
    origin: Option<&'a str>,
}

#[derive(serde::Serialize)]
struct JsonReport<'a> {
    version: u32,
    tool: Value,
    cis_version: &'a str,
    daemon: Value,
    summary: Value,
    results: Vec<JsonResult<'a>>,
}

/// The JSON report (`audit-v1`).
pub fn render_json(h: &AuditHeader, results: &[AuditResult]) -> String {
    let by_section: BTreeMap<String, Value> = section_order(results)
        .into_iter()
        .map(|s| {
            let rs: Vec<&AuditResult> = results.iter().filter(|r| r.section == s).collect();
            let v = json!({
                "title": section_title(&s),
                "by_status": counts(rs.iter().copied()),
                "score": score(rs.iter().copied()),
            });
            (s, v)
        })
        .collect();
    let items: Vec<JsonResult<'_>> = results
        .iter()
        .map(|r| JsonResult {
            rule: &r.check,
            title: &r.title,
            section: &r.section,
            rules: &r.rules,
            references: &r.references,
            scored: r.scored,
            status: r.status.as_str(),
            target: JsonTarget {
                kind: r.target.kind(),
                id: r.target.id(),
                name: r.target.name(),
            },
            message: &r.message,
            evidence: r.evidence.as_deref(),
            origin: r.origin.as_deref(),
        })
        .collect();
    let v = JsonReport {
        version: 1,
        tool: json!({"name": "drydock", "version": env!("CARGO_PKG_VERSION")}),
        cis_version: &h.cis_version,
        daemon: json!({"address": h.address, "api_version": h.api_version, "server_version": h.server_version}),
        summary: json!({"by_status": counts(results.iter()), "by_section": by_section, "score": score(results), "checks": results.len()}),
        results: items,
    };
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

fn label(s: Status) -> &'static str {
    match s {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
        Status::Warn => "WARN",
        Status::Info => "INFO",
        Status::Manual => "MANUAL",
        Status::NotApplicable => "N/A",
        Status::Skipped => "SKIP",
        Status::Error => "ERROR",
    }
}

/// Plain text grouped by section, a summary per section and the score.
/// `verbose` also lists passes, `not_applicable` and `manual` results.
pub fn render_human(h: &AuditHeader, results: &[AuditResult], verbose: bool) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "drydock audit of {} (Docker {}, API {}), CIS Docker Benchmark {}",
        h.address, h.server_version, h.api_version, h.cis_version
    );
    for s in section_order(results) {
        let rs: Vec<&AuditResult> = results.iter().filter(|r| r.section == s).collect();
        let _ = writeln!(o, "\n[{s}] {}", section_title(&s));
        for r in &rs {
            let quiet = matches!(
                r.status,
                Status::Pass | Status::NotApplicable | Status::Manual
            );
            if quiet && !verbose {
                continue;
            }
            let _ = write!(o, "  [{:<6}] {:<7} {}", label(r.status), r.check, r.title);
            if r.target.kind() != "host" && r.target.kind() != "daemon" {
                let _ = write!(o, " — {}", r.target);
            }
            let _ = writeln!(o);
            let _ = writeln!(o, "             {}", r.message);
            if let Some(origin) = &r.origin {
                let _ = writeln!(o, "             at {origin}");
            }
        }
        let c = counts(rs.iter().copied());
        let parts: Vec<String> = c.iter().map(|(k, v)| format!("{v} {k}")).collect();
        let owned: Vec<AuditResult> = rs.iter().map(|r| (*r).clone()).collect();
        let _ = writeln!(
            o,
            "  summary: {} (score {})",
            parts.join(", "),
            score(&owned)
        );
    }
    let c = counts(results.iter());
    let parts: Vec<String> = c.iter().map(|(k, v)| format!("{v} {k}")).collect();
    let _ = writeln!(
        o,
        "\n{} results: {}\nScore: {}",
        results.len(),
        parts.join(", "),
        score(results)
    );
    o
}

/// JUnit XML: a suite per section, a case per (check, target); `fail` and
/// `error` are failures/errors, `not_applicable`/`skipped`/`manual` skipped.
pub fn render_junit(results: &[AuditResult]) -> String {
    let mut report = JReport::new("drydock audit");
    for s in section_order(results) {
        let mut suite = TestSuite::new(format!("{s} {}", section_title(&s)));
        for r in results.iter().filter(|r| r.section == s) {
            let status = match r.status {
                Status::Fail | Status::Warn => {
                    let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    st.set_message(r.message.clone());
                    st
                }
                Status::Error => {
                    let mut st = TestCaseStatus::non_success(NonSuccessKind::Error);
                    st.set_message(r.message.clone());
                    st
                }
                Status::NotApplicable | Status::Skipped | Status::Manual => {
                    let mut st = TestCaseStatus::skipped();
                    st.set_message(r.message.clone());
                    st
                }
                Status::Pass | Status::Info => TestCaseStatus::success(),
            };
            let mut tc = TestCase::new(format!("{} {} [{}]", r.check, r.title, r.target), status);
            tc.set_classname(format!("cis.{}", r.check));
            suite.add_test_case(tc);
        }
        report.add_test_suite(suite);
    }
    report.to_string().unwrap_or_default()
}

/// Docker Bench for Security's JSON: `{dockerbenchsecurity, start, tests:
/// [{id, desc, results: [{id, desc, result, details, items}]}], checks,
/// score, end}`. Results of one check on several targets are merged into
/// one entry, as Docker Bench does (WARN if any target fails; `items` lists
/// the failing targets).
pub fn render_docker_bench(h: &AuditHeader, results: &[AuditResult]) -> String {
    let mut tests = Vec::new();
    let mut checks = 0usize;
    let mut db_score = 0i64;
    for s in section_order(results) {
        let mut ids: Vec<&str> = Vec::new();
        for r in results.iter().filter(|r| r.section == s) {
            if !ids.contains(&r.check.as_str()) {
                ids.push(&r.check);
            }
        }
        let mut entries = Vec::new();
        for id in ids {
            let rs: Vec<&AuditResult> = results.iter().filter(|r| r.check == id).collect();
            let Some(first) = rs.first() else { continue };
            // drydock's own notes about a section as a whole (where the
            // daemon configuration was read from) are no Docker Bench check.
            if id == s && rs.iter().all(|r| r.status == Status::Info) {
                continue;
            }
            let bad: Vec<&&AuditResult> = rs
                .iter()
                .filter(|r| matches!(r.status, Status::Fail | Status::Warn | Status::Error))
                .collect();
            // Docker Bench scores only some checks; a finding of the others
            // is listed as INFO (4.7, 4.9, 5.18 …), as it writes them.
            let result = if !bad.is_empty() {
                if first.scored { "WARN" } else { "INFO" }
            } else if rs.iter().all(|r| r.status == Status::Manual) {
                "NOTE"
            } else if rs.iter().any(|r| r.status == Status::Pass) {
                "PASS"
            } else {
                "INFO"
            };
            let suffix = if first.scored { "Automated" } else { "Manual" };
            let mut e = json!({
                "id": id,
                "desc": format!("{} ({suffix})", first.title),
                "result": result,
            });
            if !bad.is_empty() {
                let items: Vec<String> = bad
                    .iter()
                    .map(|r| {
                        r.target
                            .name()
                            .or(r.target.id())
                            .unwrap_or(r.target.kind())
                            .to_string()
                    })
                    .collect();
                e["details"] = json!(
                    bad.iter()
                        .map(|r| r.message.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                );
                e["items"] = json!(items);
            } else if result == "INFO" {
                e["details"] = json!(first.message);
            }
            checks += 1;
            if first.scored {
                match result {
                    "PASS" => db_score += 1,
                    "WARN" => db_score -= 1,
                    _ => {}
                }
            }
            entries.push(e);
        }
        tests.push(json!({"id": s, "desc": section_title(&s), "results": entries}));
    }
    let v = json!({
        "dockerbenchsecurity": h.cis_version,
        "start": h.start,
        "tests": tests,
        "checks": checks,
        "score": db_score,
        "end": h.end,
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

/// SARIF 2.1.0: one reporting descriptor per CIS check, one result per
/// `fail`, `warn` or `error` (per target). Origins in files are physical
/// locations (`path:line:col`); the target and API origins are logical
/// locations.
pub fn render_sarif(h: &AuditHeader, results: &[AuditResult]) -> String {
    let mut ids: Vec<&AuditResult> = Vec::new();
    for r in results {
        if !ids.iter().any(|x| x.check == r.check) {
            ids.push(r);
        }
    }
    let rules: Vec<Value> = ids
        .iter()
        .map(|r| {
            json!({
                "id": r.check,
                "shortDescription": {"text": r.title},
                "properties": {"tags": r.references, "section": r.section},
            })
        })
        .collect();
    let items: Vec<Value> = results
        .iter()
        .filter(|r| matches!(r.status, Status::Fail | Status::Warn | Status::Error))
        .map(|r| {
            let level = if r.status == Status::Warn {
                "warning"
            } else {
                "error"
            };
            let mut logical = vec![json!({
                "fullyQualifiedName": match (r.target.name(), r.target.id()) {
                    (Some(n), _) => format!("{}/{n}", r.target.kind()),
                    (None, Some(id)) => format!("{}/{id}", r.target.kind()),
                    _ => r.target.kind().to_string(),
                },
                "kind": "resource",
            })];
            let mut loc = json!({});
            match r.origin.as_deref() {
                Some(o) if o.starts_with('/') => {
                    let mut parts = o.rsplitn(3, ':');
                    let (c, l, p) = (parts.next(), parts.next(), parts.next());
                    let nums = (
                        l.and_then(|l| l.parse::<u64>().ok()),
                        c.and_then(|c| c.parse::<u64>().ok()),
                    );
                    loc["physicalLocation"] = match (p, nums) {
                        (Some(p), (Some(line), Some(col))) => json!({
                            "artifactLocation": {"uri": format!("file://{p}")},
                            "region": {"startLine": line, "startColumn": col},
                        }),
                        _ => json!({"artifactLocation": {"uri": format!("file://{o}")}}),
                    };
                }
                Some(o) => logical.push(json!({"fullyQualifiedName": o, "kind": "member"})),
                None => {}
            }
            loc["logicalLocations"] = json!(logical);
            json!({
                "ruleId": r.check,
                "level": level,
                "message": {"text": format!("{} [{}]: {}", r.title, r.target, r.message)},
                "locations": [loc],
                "properties": {"status": r.status.as_str(), "rules": r.rules},
            })
        })
        .collect();
    let v = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "drydock",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "properties": {"daemon": h.address, "cisVersion": h.cis_version},
            "results": items,
        }],
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}
