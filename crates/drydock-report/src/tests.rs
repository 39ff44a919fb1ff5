//! Snapshot tests of every format, schema validation, and robustness tests.

use std::sync::Arc;
use std::time::{Duration, Instant};

use drydock_core::{
    Applicability, Category, FileKind, FixAvailability, RuleMeta, Severity, SourceFile, TextRange,
};

use crate::{
    FileEdit, Format, Location, RenderOptions, Report, ReportFix, ReportItem, ReportRelated,
    ScanError, render_to_string,
};

static LAST_USER_ROOT: RuleMeta = RuleMeta {
    id: "IMG002",
    name: "last-user-root",
    title: "The image runs as root",
    severity: Severity::High,
    category: Category::Privilege,
    references: &["cis-docker-1.6:4.1", "hadolint:DL3002"],
    fix: FixAvailability::Unsafe,
    default_enabled: true,
    docs: " ## What it does\n Checks that the last `USER` of the final stage is not root.\n\n ## Why is this bad?\n A process running as root in a container is root on the host if it escapes.\n\n ## How to fix\n Add `USER 10001` after installing packages.\n",
};

static PRIVILEGED: RuleMeta = RuleMeta {
    id: "CMP001",
    name: "privileged-container",
    title: "A service runs privileged",
    severity: Severity::Critical,
    category: Category::Isolation,
    references: &["cis-docker-1.6:5.4"],
    fix: FixAvailability::Safe,
    default_enabled: true,
    docs: "## What it does\nFlags `privileged: true`.\n\n## How to fix\nRemove `privileged: true` and add only the capabilities needed.\n",
};

static APT_RECOMMENDS: RuleMeta = RuleMeta {
    id: "IMG010",
    name: "apt-no-install-recommends",
    title: "apt-get install without --no-install-recommends",
    severity: Severity::Low,
    category: Category::BestPractice,
    references: &[],
    fix: FixAvailability::Safe,
    default_enabled: true,
    docs: "",
};

const DOCKERFILE: &str =
    "FROM debian:12\nRUN apt-get update && apt-get install -y curl\nUSER root\nCMD [\"sh\"]\n";
const COMPOSE: &str = "services:\n  web:\n    build: .\n    privileged: true\n    user: \"0\"\n";

fn range_of(text: &str, needle: &str) -> TextRange {
    let start = text.find(needle).unwrap();
    TextRange::from_usize(start, start + needle.len())
}

fn opts() -> RenderOptions {
    RenderOptions {
        color: false,
        tool_version: "0.1.0".to_string(),
        rules: vec![&LAST_USER_ROOT, &PRIVILEGED, &APT_RECOMMENDS],
    }
}

fn sample() -> Report {
    let dockerfile = Arc::new(SourceFile::new(
        "app/Dockerfile",
        FileKind::Dockerfile,
        DOCKERFILE,
    ));
    let compose = Arc::new(SourceFile::new(
        "app dir/compose.yaml",
        FileKind::Compose,
        COMPOSE,
    ));
    let install = range_of(DOCKERFILE, "apt-get install -y curl");
    let insert_at = install.start + "apt-get install".len() as u32;
    let items = vec![
        ReportItem {
            rule: &APT_RECOMMENDS,
            severity: Severity::Low,
            message: "`apt-get install` without `--no-install-recommends` pulls extra packages"
                .to_string(),
            location: Location::File {
                file: dockerfile.clone(),
                range: install,
            },
            related: vec![],
            fix: Some(ReportFix {
                title: "Add `--no-install-recommends`".to_string(),
                applicability: Applicability::Safe,
                edits: vec![FileEdit {
                    file: dockerfile.clone(),
                    range: TextRange::empty_at(insert_at),
                    content: " --no-install-recommends".to_string(),
                }],
            }),
        },
        ReportItem {
            rule: &LAST_USER_ROOT,
            severity: Severity::High,
            message: "the final stage runs as `root`".to_string(),
            location: Location::File {
                file: dockerfile.clone(),
                range: range_of(DOCKERFILE, "USER root"),
            },
            related: vec![
                ReportRelated {
                    location: Location::File {
                        file: compose.clone(),
                        range: range_of(COMPOSE, "user: \"0\""),
                    },
                    message: "the Compose service `web` also sets user 0".to_string(),
                },
                ReportRelated {
                    location: Location::File {
                        file: dockerfile.clone(),
                        range: range_of(DOCKERFILE, "FROM debian:12"),
                    },
                    message: "final stage starts here".to_string(),
                },
            ],
            fix: Some(ReportFix {
                title: "Switch to an unprivileged user".to_string(),
                applicability: Applicability::Unsafe,
                edits: vec![FileEdit {
                    file: dockerfile.clone(),
                    range: range_of(DOCKERFILE, "root"),
                    content: "10001".to_string(),
                }],
            }),
        },
        ReportItem {
            rule: &PRIVILEGED,
            severity: Severity::Critical,
            message: "service `web` runs privileged".to_string(),
            location: Location::File {
                file: compose.clone(),
                range: range_of(COMPOSE, "privileged: true"),
            },
            related: vec![],
            fix: None,
        },
        ReportItem {
            rule: &PRIVILEGED,
            severity: Severity::Medium,
            message: "container `db` runs privileged".to_string(),
            location: Location::Api {
                object: "container db".to_string(),
                path: "HostConfig.Privileged".to_string(),
            },
            related: vec![ReportRelated {
                location: Location::None,
                message: "severity lowered by configuration".to_string(),
            }],
            fix: None,
        },
    ];
    Report {
        items,
        errors: vec![ScanError {
            path: "broken/daemon.json".to_string(),
            line: Some(3),
            column: Some(7),
            message: "expected `,` or `}` after an object entry".to_string(),
        }],
        files_scanned: 3,
        suppressed: 2,
        fixes_applied: 0,
        image: None,
        redactions: Vec::new(),
    }
}

fn rendered(report: &Report, format: Format) -> String {
    render_to_string(report, format, &opts()).unwrap()
}

#[test]
fn snapshot_human() {
    insta::assert_snapshot!(rendered(&sample(), Format::Human));
}

#[test]
fn snapshot_json() {
    insta::assert_snapshot!(rendered(&sample(), Format::Json));
}

#[test]
fn snapshot_sarif() {
    insta::assert_snapshot!(rendered(&sample(), Format::Sarif));
}

#[test]
fn snapshot_junit() {
    insta::assert_snapshot!(rendered(&sample(), Format::Junit));
}

#[test]
fn snapshot_github() {
    insta::assert_snapshot!(rendered(&sample(), Format::Github));
}

#[test]
fn snapshot_checkstyle() {
    insta::assert_snapshot!(rendered(&sample(), Format::Checkstyle));
}

#[test]
fn snapshot_empty_report_all_formats() {
    let report = Report {
        files_scanned: 2,
        fixes_applied: 1,
        ..Report::default()
    };
    let mut all = String::new();
    for format in Format::ALL {
        all.push_str(&format!("===== {} =====\n", format.name()));
        all.push_str(&rendered(&report, format));
    }
    insta::assert_snapshot!(all);
}

#[test]
fn human_color_emits_ansi_only_when_asked() {
    let plain = rendered(&sample(), Format::Human);
    assert!(!plain.contains('\u{1b}'));
    let colored = render_to_string(
        &sample(),
        Format::Human,
        &RenderOptions {
            color: true,
            ..opts()
        },
    )
    .unwrap();
    assert!(colored.contains('\u{1b}'));
}

fn json_value(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap()
}

fn assert_valid(schema: &serde_json::Value, instance: &serde_json::Value) {
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));
}

#[test]
fn json_matches_schema() {
    let schema = json_value(crate::JSON_SCHEMA_V1);
    for report in [sample(), Report::default(), edge_report()] {
        assert_valid(&schema, &json_value(&rendered(&report, Format::Json)));
    }
    // The schema is strict: an unknown key or a missing field is rejected.
    let mut doc = json_value(&rendered(&sample(), Format::Json));
    doc["findings"][0]["extra"] = serde_json::json!(1);
    assert!(!jsonschema::is_valid(&schema, &doc));
    let mut doc = json_value(&rendered(&sample(), Format::Json));
    doc["findings"][0].as_object_mut().unwrap().remove("line");
    assert!(!jsonschema::is_valid(&schema, &doc));
}

#[test]
fn sarif_matches_official_schema() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/reference/schemas/sarif-2.1.0.json"
    );
    let path = if std::path::Path::new(path).exists() {
        path.to_string()
    } else {
        "/work/shared/reference/schemas/sarif-2.1.0.json".to_string()
    };
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipping: SARIF schema not found at {path}");
        return;
    };
    let schema = json_value(&text);
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    for report in [sample(), Report::default(), edge_report()] {
        let doc = json_value(&rendered(&report, Format::Sarif));
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "SARIF schema errors:\n{}",
            errors.join("\n")
        );
    }
    // The validator does reject bad SARIF.
    let mut doc = json_value(&rendered(&sample(), Format::Sarif));
    doc["runs"][0]["results"][0]["level"] = serde_json::json!("fatal");
    assert!(!validator.is_valid(&doc));
}

#[test]
fn sarif_counts_code_points() {
    let text = "é\tx ü bad\n";
    let file = Arc::new(SourceFile::new("f", FileKind::Dockerfile, text));
    let report = Report {
        items: vec![ReportItem {
            rule: &APT_RECOMMENDS,
            severity: Severity::Info,
            message: "m".into(),
            location: Location::File {
                file,
                range: range_of(text, "bad"),
            },
            related: vec![],
            fix: None,
        }],
        ..Report::default()
    };
    let doc = json_value(&rendered(&report, Format::Sarif));
    let region = &doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startColumn"], 7);
    assert_eq!(region["endColumn"], 10);
    assert_eq!(region["charOffset"], 6);
    assert_eq!(region["charLength"], 3);
    assert_eq!(doc["runs"][0]["columnKind"], "unicodeCodePoints");
    assert_eq!(doc["runs"][0]["results"][0]["level"], "note");
}

/// Ranges past the end of the file, inside a multi-byte character, inverted
/// by hand, on an empty file, on binary-ish text and CRLF lines.
fn edge_report() -> Report {
    let text = "ä€😀\r\nline two\u{0}\u{1b}[31m red\r\n\tTabbed\u{7f}";
    let file = Arc::new(SourceFile::new("edge", FileKind::Other, text));
    let empty = Arc::new(SourceFile::new("empty", FileKind::Other, ""));
    let ranges = [
        TextRange::new(1, 1),
        TextRange::new(1, 2),
        TextRange::new(3, 8),
        TextRange::new(500, 900),
        TextRange::new(5, 500),
        TextRange::new(11, 12),
        TextRange::new(12, 13),
        TextRange::new(0, u32::MAX),
        TextRange { start: 9, end: 4 },
        TextRange::empty_at(text.len() as u32),
    ];
    let mut items: Vec<ReportItem> = ranges
        .iter()
        .map(|&range| ReportItem {
            rule: &LAST_USER_ROOT,
            severity: Severity::High,
            message: "edge \u{1b}[0m\r\nmessage".into(),
            location: Location::File {
                file: file.clone(),
                range,
            },
            related: vec![ReportRelated {
                location: Location::File {
                    file: file.clone(),
                    range,
                },
                message: "rel\u{0}".into(),
            }],
            fix: Some(ReportFix {
                title: "fix".into(),
                applicability: Applicability::Safe,
                edits: vec![FileEdit {
                    file: file.clone(),
                    range,
                    content: "x".into(),
                }],
            }),
        })
        .collect();
    items.push(ReportItem {
        rule: &LAST_USER_ROOT,
        severity: Severity::Info,
        message: String::new(),
        location: Location::File {
            file: empty.clone(),
            range: TextRange::new(3, 9),
        },
        related: vec![],
        fix: None,
    });
    items.push(ReportItem {
        rule: &LAST_USER_ROOT,
        severity: Severity::Low,
        message: "nowhere".into(),
        location: Location::None,
        related: vec![],
        fix: None,
    });
    Report {
        items,
        errors: vec![ScanError {
            path: "x, y:z%".into(),
            line: None,
            column: None,
            message: "a\nb".into(),
        }],
        ..Report::default()
    }
}

#[test]
fn edge_ranges_do_not_panic() {
    let report = edge_report();
    for format in Format::ALL {
        let out = rendered(&report, format);
        assert!(!out.is_empty(), "{}", format.name());
    }
    let human = rendered(&report, Format::Human);
    // Control characters from the file never reach the terminal.
    assert!(!human.contains('\u{1b}'), "{human}");
    let json = json_value(&rendered(&report, Format::Json));
    // 1..2 is inside 'ä' (bytes 0..2): it widens to the whole character.
    assert_eq!(json["findings"][1]["offset"], 0);
    assert_eq!(json["findings"][1]["end_offset"], 2);
    // Past the end: clamped to the end.
    assert_eq!(json["findings"][3]["offset"], report_len(&report));
    let github = rendered(&report, Format::Github);
    assert!(
        github.contains("::error file=x%2C y%3Az%25,title=drydock::a%0Ab"),
        "{github}"
    );
}

fn report_len(report: &Report) -> usize {
    match &report.items[0].location {
        Location::File { file, .. } => file.text.len(),
        _ => 0,
    }
}

#[test]
fn long_line_is_windowed_and_fast() {
    let mut text = "RUN echo ".to_string();
    text.push_str(&"a".repeat(50_000));
    text.push_str(" SECRET=hunter2 ");
    text.push_str(&"b".repeat(50_000));
    text.push('\n');
    let file = Arc::new(SourceFile::new(
        "Dockerfile",
        FileKind::Dockerfile,
        text.as_str(),
    ));
    let target = range_of(&text, "SECRET=hunter2");
    let report = Report {
        items: vec![
            ReportItem {
                rule: &LAST_USER_ROOT,
                severity: Severity::High,
                message: "secret in RUN".into(),
                location: Location::File {
                    file: file.clone(),
                    range: target,
                },
                related: vec![],
                fix: None,
            },
            ReportItem {
                rule: &LAST_USER_ROOT,
                severity: Severity::High,
                message: "whole line".into(),
                location: Location::File {
                    file: file.clone(),
                    range: TextRange::from_usize(0, text.len()),
                },
                related: vec![],
                fix: None,
            },
        ],
        files_scanned: 1,
        ..Report::default()
    };
    let start = Instant::now();
    let human = rendered(&report, Format::Human);
    let elapsed = start.elapsed();
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
    assert!(human.len() < 4_000, "output is {} bytes", human.len());
    assert!(human.contains("SECRET=hunter2"), "{human}");
    assert!(human.contains("--> Dockerfile:1:50011"), "{human}");
    let colored = render_to_string(
        &report,
        Format::Human,
        &RenderOptions {
            color: true,
            ..opts()
        },
    )
    .unwrap();
    assert!(colored.contains("Dockerfile:1:50011"), "{colored}");
    assert!(
        human.contains("the highlighted range is cut short"),
        "{human}"
    );
    for format in Format::ALL {
        let start = Instant::now();
        let _ = rendered(&report, format);
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{}",
            format.name()
        );
    }
}

#[test]
fn many_lines_range_is_cut() {
    let text: String = (1..=500).map(|i| format!("line {i}\n")).collect();
    let file = Arc::new(SourceFile::new("big", FileKind::Other, text.as_str()));
    let report = Report {
        items: vec![ReportItem {
            rule: &LAST_USER_ROOT,
            severity: Severity::High,
            message: "the whole file".into(),
            location: Location::File {
                file,
                range: TextRange::from_usize(0, text.len()),
            },
            related: vec![],
            fix: None,
        }],
        ..Report::default()
    };
    let human = rendered(&report, Format::Human);
    assert!(
        human.contains("8 | | line 8") && !human.contains("line 9"),
        "{human}"
    );
    assert!(human.contains("ends at big:501:1"), "{human}");
}

proptest::proptest! {
    #[test]
    fn human_never_panics(text in "(?s).{0,120}", start in 0u32..200, len in 0u32..200) {
        let file = Arc::new(SourceFile::new("p", FileKind::Other, text.as_str()));
        let range = TextRange::new(start, start.saturating_add(len));
        let report = Report {
            items: vec![ReportItem {
                rule: &LAST_USER_ROOT,
                severity: Severity::High,
                message: text.clone(),
                location: Location::File { file: file.clone(), range },
                related: vec![ReportRelated {
                    location: Location::File { file, range: TextRange::new(len, start) },
                    message: text.clone(),
                }],
                fix: None,
            }],
            ..Report::default()
        };
        for format in Format::ALL {
            let _ = rendered(&report, format);
        }
    }
}

#[test]
fn junit_is_well_formed() {
    for report in [sample(), Report::default(), edge_report()] {
        let xml = rendered(&report, Format::Junit);
        let parsed = quick_junit::Report::deserialize_from_str(&xml).unwrap();
        let cases: usize = parsed.test_suites.iter().map(|s| s.test_cases.len()).sum();
        assert_eq!(cases, report.items.len().max(1) + report.errors.len());
    }
}

#[test]
fn github_escaping() {
    use crate::github::{escape_data, escape_property};
    assert_eq!(
        escape_data("50% done\r\nnext: a,b"),
        "50%25 done%0D%0Anext: a,b"
    );
    assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
}
