//! The check catalogue, and a run over the real `/`.

use std::collections::HashSet;
use std::time::Instant;

use drydock_host::catalog::{self, Assessment, CHECKS, CheckKind, EXTENSION_CHECKS, Evaluation};
use drydock_host::{CisVersion, HostOptions, Status, run_host_checks, selected_checks};

#[test]
fn ids_are_unique_and_complete_per_version() {
    for v in CisVersion::ALL {
        let ids: HashSet<&str> = catalog::all_checks().map(|c| c.id(v)).collect();
        assert_eq!(ids.len(), CHECKS.len() + EXTENSION_CHECKS.len(), "{v}");
        for n in 1..=18 {
            assert!(ids.contains(format!("1.1.{n}").as_str()), "{v}: 1.1.{n}");
        }
        for n in 1..=24 {
            assert!(ids.contains(format!("3.{n}").as_str()), "{v}: 3.{n}");
        }
        assert!(ids.contains("1.2.1") && ids.contains("1.2.2"));
    }
    // 18 + 2 + 24 CIS checks, as in Docker Bench's sections 1 and 3.
    assert_eq!(CHECKS.len(), 44);
    for c in CHECKS {
        assert!(
            c.docker_bench
                .is_some_and(|d| d == format!("check_{}", c.ids[0].replace('.', "_")))
        );
        assert!(!c.rationale.is_empty() && !c.remediation.is_empty());
        assert!(matches!(c.section(), "1" | "3"));
    }
}

#[test]
fn assessment_counts_match_the_benchmarks() {
    let automated = |v: CisVersion| {
        CHECKS
            .iter()
            .filter(|c| c.assessment(v) == Assessment::Automated)
            .count()
    };
    // CIS 1.6 marks 21 of its 117 recommendations Automated, all in sections 1 and 3.
    assert_eq!(automated(CisVersion::V1_6), 21);
    // CIS 1.8: 1.1.3, 1.1.6–1.1.15, 1.1.17, 1.1.18, 3.1–3.6, 3.15, 3.16, 3.23, 3.24.
    assert_eq!(automated(CisVersion::V1_8), 23);
    assert_eq!(automated(CisVersion::V1_7), 23);
    let c = catalog::find("1.1.4", CisVersion::V1_7).expect("1.1.4");
    assert_eq!(c.assessment(CisVersion::V1_6), Assessment::Automated);
    assert_eq!(c.assessment(CisVersion::V1_7), Assessment::Manual);
}

#[test]
fn manual_checks_are_exactly_the_general_ones() {
    let manual: Vec<&str> = CHECKS
        .iter()
        .filter(|c| c.evaluation == Evaluation::Manual)
        .map(|c| c.ids[0])
        .collect();
    assert_eq!(manual, ["1.2.1", "1.2.2"]);
    assert!(
        CHECKS
            .iter()
            .all(|c| (c.kind == CheckKind::Manual) == (c.evaluation == Evaluation::Manual))
    );
}

#[test]
fn title_of_1_1_9_changes_in_1_7() {
    let c = catalog::find("1.1.9", CisVersion::V1_6).expect("1.1.9");
    assert!(c.title(CisVersion::V1_6).ends_with("docker.socket"));
    assert!(c.title(CisVersion::V1_7).ends_with("docker.sock"));
    assert!(c.title(CisVersion::V1_8).ends_with("docker.sock"));
}

#[test]
fn version_parses() {
    assert_eq!("1.8".parse::<CisVersion>(), Ok(CisVersion::V1_8));
    assert_eq!("v1.7.0".parse::<CisVersion>(), Ok(CisVersion::V1_7));
    assert!("2.0".parse::<CisVersion>().is_err());
}

#[test]
fn real_root_every_check_yields_a_result() {
    for version in CisVersion::ALL {
        let opts = HostOptions {
            version,
            ..HostOptions::default()
        };
        let start = Instant::now();
        let results = run_host_checks(&opts);
        let elapsed = start.elapsed();
        let expected: Vec<&str> = selected_checks(&opts)
            .iter()
            .map(|c| c.id(version))
            .collect();
        let got: Vec<&str> = results.iter().map(|r| r.check).collect();
        assert_eq!(got, expected);
        for r in &results {
            assert!(!r.message.is_empty(), "{}", r.check);
            if r.status == Status::Manual {
                assert!(r.message.starts_with("Verify manually"));
            }
        }
        eprintln!(
            "{version}: {} checks over / in {:?}",
            results.len(),
            elapsed
        );
    }
}
