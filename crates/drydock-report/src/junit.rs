//! JUnit XML: one `<testsuite>` per file (in the order first seen; API
//! objects and location-less findings get their own suites), one failing
//! `<testcase>` per finding, and a `drydock errors` suite whose cases are
//! `<error>`s for the scan errors. A run without findings has a single
//! passing `drydock` case so the document is never empty.

use std::io::{self, Write};

use drydock_core::Applicability;
use quick_junit::{NonSuccessKind, Report as JReport, TestCase, TestCaseStatus, TestSuite};

use crate::common::{location_label, resolve_range};
use crate::{Location, RenderOptions, Report, ReportItem};

fn details(item: &ReportItem, place: Option<&str>) -> String {
    let mut text = format!(
        "{} {} ({}): {}\n",
        item.severity.as_str(),
        item.rule.id,
        item.rule.name,
        item.rule.title
    );
    if let Some(place) = place {
        text.push_str(&format!("at {place}\n"));
    }
    text.push_str(&item.message);
    text.push('\n');
    for rel in &item.related {
        match location_label(&rel.location) {
            Some(label) => text.push_str(&format!("note: {label}: {}\n", rel.message)),
            None => text.push_str(&format!("note: {}\n", rel.message)),
        }
    }
    if let Some(fix) = &item.fix {
        let unsafe_note = if fix.applicability == Applicability::Unsafe {
            " (unsafe fix)"
        } else {
            ""
        };
        text.push_str(&format!("help: {}{unsafe_note}\n", fix.title));
    }
    if !item.rule.references.is_empty() {
        text.push_str(&format!(
            "references: {}\n",
            item.rule.references.join(", ")
        ));
    }
    text
}

pub(crate) fn render(
    report: &Report,
    _opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut suites: Vec<TestSuite> = Vec::new();
    for item in &report.items {
        let (suite_name, place) = match &item.location {
            Location::File { file, range } => {
                let r = resolve_range(file, *range);
                (
                    file.path.clone(),
                    Some(format!("{}:{}:{}", file.path, r.start.line, r.start.column)),
                )
            }
            Location::Api { object, .. } => (object.clone(), location_label(&item.location)),
            Location::None => ("drydock".to_string(), None),
        };
        let name = match &place {
            Some(place) => format!("{} {place}", item.rule.id),
            None => format!("{}: {}", item.rule.id, item.message),
        };
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status
            .set_message(item.message.as_str())
            .set_type(item.rule.id)
            .set_description(details(item, place.as_deref()));
        let mut case = TestCase::new(name, status);
        case.set_classname(suite_name.as_str());
        match suites.iter_mut().find(|s| s.name.as_str() == suite_name) {
            Some(suite) => {
                suite.add_test_case(case);
            }
            None => {
                let mut suite = TestSuite::new(suite_name.as_str());
                suite.add_test_case(case);
                suites.push(suite);
            }
        }
    }
    if report.items.is_empty() {
        let mut suite = TestSuite::new("drydock");
        let mut case = TestCase::new("drydock", TestCaseStatus::success());
        case.set_classname("drydock");
        suite.add_test_case(case);
        suites.push(suite);
    }
    if !report.errors.is_empty() {
        let mut suite = TestSuite::new("drydock errors");
        for error in &report.errors {
            let mut place = error.path.clone();
            if let Some(line) = error.line {
                place.push_str(&format!(":{line}"));
                if let Some(col) = error.column {
                    place.push_str(&format!(":{col}"));
                }
            }
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status
                .set_message(error.message.as_str())
                .set_type("scan-error")
                .set_description(format!("{place}: {}", error.message));
            let mut case = TestCase::new(place, status);
            case.set_classname("drydock errors");
            suite.add_test_case(case);
        }
        suites.push(suite);
    }
    let mut junit = JReport::new("drydock");
    junit.add_test_suites(suites);
    junit.serialize(&mut *out).map_err(io::Error::other)
}
