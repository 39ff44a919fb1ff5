//! One fixture per rule, snapshotted: the rendered findings (human format,
//! no colour) followed by the fix as a unified diff.
//!
//! The fixture for rule `ID` is `tests/fixtures/ID.Dockerfile`, `ID.yml`,
//! `ID.json` or `ID.sh`; an optional `ID.toml` holds drydock.toml settings
//! for it. A rule that judges built images also has (or only has)
//! `ID.image.toml`, an image described in the format of
//! `drydock_testkit::archive`: it is built into a real `docker save` tar,
//! read by the image reader and judged like `drydock image` does (snapshot
//! `ID.image`). Every rule must have a fixture that triggers it. The harness also checks
//! what every fix must satisfy: a rule declared without a fix emits none, a
//! fix has the declared applicability, applying fixes leaves the file free of
//! new syntax errors, the fixed file no longer has the fixed findings (and
//! none of the rule's findings has a fix left), and fixing converges: fixing
//! the fixed file again changes nothing.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::path::{Path, PathBuf};

use drydock_core::config::Config;
use drydock_core::fs::FileSystem;
use drydock_core::{Applicability, FileKind, FixAvailability};
use drydock_report::{Format, RenderOptions, Report, render};
use drydock_rules::{Input, LintEnv, Settings, all_rules, fix, lint};

struct FixtureFs;

impl FileSystem for FixtureFs {
    fn read_to_string(&self, path: &Path) -> Result<String, drydock_core::fs::FsError> {
        std::fs::read_to_string(path).map_err(|_| drydock_core::fs::FsError::NotFound)
    }
}

fn fixture_for(id: &str) -> Option<(PathBuf, FileKind)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    [
        ("Dockerfile", FileKind::Dockerfile),
        ("yml", FileKind::Compose),
        ("json", FileKind::DaemonJson),
        ("sh", FileKind::Script),
    ]
    .into_iter()
    .map(|(ext, kind)| (dir.join(format!("{id}.{ext}")), kind))
    .find(|(p, _)| p.is_file())
}

fn settings_for(id: &str) -> Settings {
    let toml = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/{id}.toml"));
    let mut s = match std::fs::read_to_string(&toml) {
        Ok(text) => {
            Settings::from_config(&Config::from_toml(&text).expect("fixture config parses"))
        }
        Err(_) => Settings::default(),
    };
    s.selection.select = vec![id.to_string()];
    s.selection.ignore.clear();
    s
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn image_fixture_for(id: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/{id}.image.toml"));
    p.is_file().then_some(p)
}

/// Seconds since the epoch of an RFC 3339 time (fixtures only).
fn unix_time(s: &str) -> i64 {
    drydock_core::time::parse_rfc3339(s).expect("an RFC 3339 time in the fixture")
}

/// Builds the image fixture, reads it like `drydock image` and snapshots
/// the rendered findings of the rule.
fn check_image_fixture(meta: &'static drydock_core::RuleMeta, path: &Path) {
    use drydock_rules::rules::image::files::wants_text;
    use drydock_rules::rules::secrets::image_file::{may_hold_secret, wants_file};
    let text = std::fs::read_to_string(path).unwrap();
    let fx = drydock_testkit::archive::ImageFixture::from_toml(&text)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let tar = fx.archive().unwrap();
    let mut settings = settings_for(meta.id);
    settings.now = fx.now.as_deref().map(unix_time);
    settings.max_image_age_days = fx.max_age_days;
    settings.scan_content_trust = match (&fx.content_trust, fx.content_trust_unset) {
        (_, true) => Some(None),
        (Some(v), false) => Some(Some(v.clone())),
        (None, false) => None,
    };
    let visitor = drydock_imagespec::ImageVisitor {
        wants: drydock_imagespec::Wants {
            text: &wants_text,
            secret_file: &wants_file,
            secret: &may_hold_secret,
        },
        catalog: true,
    };
    let scan =
        drydock_image::read_stream(tar.as_slice(), &drydock_image::Options::default(), &visitor)
            .unwrap();
    let built = drydock_imagespec::assemble(scan, &fx.name);
    assert!(!built.incomplete(), "{}: {:?}", meta.id, built.notes);
    let mut findings = drydock_rules::check_built_image(&built.spec, &built.sources, &settings);
    for f in &mut findings {
        built.relocate(f);
    }
    assert!(
        findings.iter().any(|f| f.rule.id == meta.id),
        "{}: image fixture does not trigger the rule",
        meta.id
    );
    assert!(
        findings.iter().all(|f| f.fix.is_none()),
        "{}: a finding on a built image has a fix",
        meta.id
    );
    let items: Vec<_> = findings
        .iter()
        .map(|f| {
            let mut item = drydock_report::resolve::item(f, &built.sources);
            for loc in std::iter::once(&mut item.location)
                .chain(item.related.iter_mut().map(|r| &mut r.location))
            {
                if let drydock_report::Location::Api { object, .. } = loc {
                    object.clone_from(&built.info.name);
                }
            }
            item
        })
        .collect();
    let report = Report {
        items,
        redactions: drydock_report::resolve::redactions(&findings, &built.sources),
        files_scanned: built.info.files,
        ..Report::default()
    };
    let opts = RenderOptions {
        color: false,
        tool_version: "test".into(),
        rules: vec![meta],
    };
    let mut rendered = Vec::new();
    render(&report, Format::Human, &opts, &mut rendered).unwrap();
    let snapshot = String::from_utf8(rendered).unwrap();
    insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false, description => meta.title }, {
        insta::assert_snapshot!(format!("{}.image", meta.id), snapshot);
    });
}

#[test]
fn every_rule_has_a_triggering_fixture_and_a_snapshot() {
    let env = LintEnv {
        fs: &FixtureFs,
        env: &no_env,
    };
    let mut missing = Vec::new();
    for rule in all_rules() {
        let meta = rule.meta();
        let image = image_fixture_for(meta.id);
        if let Some(path) = &image {
            check_image_fixture(meta, path);
        }
        let Some((path, kind)) = fixture_for(meta.id) else {
            // VUL findings come from matching the package catalogue against
            // the OSV database, not from a check over a file or an image
            // spec: crates/drydock/tests/vulns.rs is their end-to-end test.
            if image.is_none() && !meta.id.starts_with("VUL") {
                missing.push(meta.id);
            }
            continue;
        };
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let settings = settings_for(meta.id);
        let input = Input {
            path: &path,
            display: name.clone(),
            kind,
            text: text.as_str().into(),
        };
        let result = lint(&input, &settings, &env);
        let own: Vec<_> = result
            .findings
            .iter()
            .filter(|f| f.rule.id == meta.id)
            .collect();
        assert!(
            !own.is_empty(),
            "{}: fixture {name} does not trigger the rule",
            meta.id
        );

        for f in &own {
            match (meta.fix, &f.fix) {
                (FixAvailability::None, Some(_)) => {
                    panic!("{}: declared without a fix but emitted one", meta.id)
                }
                (FixAvailability::Safe, Some(fx)) => {
                    assert_eq!(fx.applicability, Applicability::Safe, "{}", meta.id)
                }
                (FixAvailability::Unsafe, Some(fx)) => {
                    assert_eq!(fx.applicability, Applicability::Unsafe, "{}", meta.id)
                }
                _ => {}
            }
        }
        if meta.fix != FixAvailability::None {
            assert!(
                own.iter().any(|f| f.fix.is_some()),
                "{}: fixable rule, but the fixture shows no fix",
                meta.id
            );
        }

        let items: Vec<_> = result
            .findings
            .iter()
            .map(|f| drydock_report::resolve::item(f, &result.sources))
            .collect();
        let report = Report {
            items,
            redactions: drydock_report::resolve::redactions(&result.findings, &result.sources),
            files_scanned: 1,
            ..Report::default()
        };
        let opts = RenderOptions {
            color: false,
            tool_version: "test".into(),
            rules: vec![meta],
        };
        let mut rendered = Vec::new();
        render(&report, Format::Human, &opts, &mut rendered).unwrap();
        let mut snapshot = String::from_utf8(rendered).unwrap();

        let fixed = fix::fix(&input, &settings, &env, true);
        assert!(!fixed.rolled_back, "{}: a fix broke the file", meta.id);
        if fixed.text != text {
            let after = lint(
                &Input {
                    text: fixed.text.as_str().into(),
                    ..input.clone()
                },
                &settings,
                &env,
            );
            assert!(
                after.syntax_errors <= result.syntax_errors,
                "{}: fixing added syntax errors",
                meta.id
            );
            let fixable_before = own.iter().filter(|f| f.fix.is_some()).count();
            let own_after: Vec<_> = after
                .findings
                .iter()
                .filter(|f| f.rule.id == meta.id)
                .collect();
            let fixable_after = own_after.iter().filter(|f| f.fix.is_some()).count();
            assert_eq!(
                fixable_after, 0,
                "{}: findings with a fix are left after fixing",
                meta.id
            );
            assert!(
                own_after.len() + fixable_before <= own.len(),
                "{}: fixes do not remove their findings (before: {}, fixable: {fixable_before}, after: {})",
                meta.id,
                own.len(),
                own_after.len()
            );
            // Convergence: fixing the fixed text changes nothing.
            let again = fix::fix(
                &Input {
                    text: fixed.text.as_str().into(),
                    ..input.clone()
                },
                &settings,
                &env,
                true,
            );
            assert_eq!(
                again.text, fixed.text,
                "{}: fixing does not converge",
                meta.id
            );
            snapshot.push_str("\n--- fix (safe and unsafe) ---\n");
            snapshot.push_str(
                &similar::TextDiff::from_lines(&text, &fixed.text)
                    .unified_diff()
                    .header(&format!("a/{name}"), &format!("b/{name}"))
                    .to_string(),
            );
        }
        insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false, description => meta.title }, {
            insta::assert_snapshot!(meta.id, snapshot);
        });
    }
    assert!(
        missing.is_empty(),
        "rules without a fixture in tests/fixtures: {missing:?}"
    );
}
