#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::path::PathBuf;

use proptest::prelude::*;

use super::*;

fn assert_scores(cases: &[(&str, f64)]) {
    let mut wrong = Vec::new();
    for &(vector, expected) in cases {
        match score(vector) {
            Ok(c) if (c.base_score - expected).abs() < 1e-9 => {}
            Ok(c) => wrong.push(format!("{vector}: got {}, want {expected}", c.base_score)),
            Err(e) => wrong.push(format!("{vector}: error {e}")),
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

// Scores from the CVSS v3.1 specification's formula as published by NVD and
// FIRST's calculator (the first ones are the well-known NVD scores).
#[test]
fn v31_known_scores() {
    assert_scores(&[
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
        ("CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:N/A:N", 4.7),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N", 9.1),
        ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N", 6.8),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", 5.3),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8),
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8),
        ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8),
        ("CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.8),
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", 6.5),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:L/A:L", 9.9),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:L/A:N", 9.3),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N", 5.8),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H", 9.6),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:N/A:N", 4.7),
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9),
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:N/A:N", 5.0),
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:H/I:H/A:H", 9.0),
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:N/A:N", 4.1),
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:U/C:H/I:H/A:H", 8.0),
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:U/C:L/I:N/A:N", 3.5),
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:U/C:L/I:L/A:N", 4.6),
        ("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:C/C:H/I:H/A:H", 9.1),
        ("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:C/C:L/I:L/A:L", 6.6),
        ("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2),
        ("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:L", 6.7),
        ("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:N/A:N", 4.9),
        ("CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:N/A:N", 0.0),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
        // Temporal and environmental metrics do not change the base score.
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:R/CR:L/MAV:P/MS:C/MC:N",
            9.8,
        ),
        // Metric order is not enforced.
        ("CVSS:3.1/S:U/AV:N/C:H/AC:L/I:H/PR:N/A:H/UI:N", 9.8),
    ]);
}

#[test]
fn v30_scores() {
    assert_scores(&[
        ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
        ("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
        ("CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8),
        ("CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9),
    ]);
    assert_eq!(
        score("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
            .unwrap()
            .version,
        CvssVersion::V3_0
    );
}

#[test]
fn v31_roundup_is_integer_based() {
    assert!((v3::roundup_31(4.000_000_000_000_001) - 4.0).abs() < 1e-12);
    assert!((v3::roundup_31(4.02) - 4.1).abs() < 1e-12);
    assert!((v3::roundup_31(4.0) - 4.0).abs() < 1e-12);
    assert!((v3::roundup_31(0.0)).abs() < 1e-12);
}

// v4.0 scores of FIRST's reference calculator (as also used by the test
// vectors of the `cvss` Python library, RedHatProductSecurity/cvss).
#[test]
fn v40_known_scores() {
    assert_scores(&[
        // An interpolation that is exactly 8.55 in decimals (8.5499… in
        // binary) rounds half up, as in the fixed reference calculator.
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:L/VA:N/SC:H/SI:H/SA:H",
            8.6,
        ),
        // RedHatProductSecurity/cvss-v4-calculator issue #53.
        (
            "CVSS:4.0/AV:A/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N",
            6.1,
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            9.3,
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N",
            0.0,
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:H/VA:L/SC:N/SI:H/SA:L",
            9.2,
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:H/SI:N/SA:L",
            7.8,
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:N/SC:N/SI:L/SA:N",
            6.9,
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:H/SI:L/SA:H",
            7.9,
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:N/VA:L/SC:N/SI:H/SA:N",
            8.3,
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:L/VI:N/VA:N/SC:L/SI:N/SA:L",
            5.3,
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            8.6,
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N",
            5.1,
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:N/VA:L/SC:N/SI:L/SA:N",
            7.1,
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:H",
            6.3,
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:A/VC:H/VI:H/VA:H/SC:H/SI:N/SA:H",
            9.3,
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:P/VC:L/VI:L/VA:N/SC:L/SI:N/SA:N",
            4.8,
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:A/VC:L/VI:N/VA:N/SC:H/SI:N/SA:H",
            6.0,
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:N/SA:H",
            9.5,
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:N/SA:N",
            2.1,
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:N/VC:N/VI:N/VA:N/SC:N/SI:L/SA:N",
            2.3,
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:P/PR:H/UI:A/VC:N/VI:L/VA:L/SC:L/SI:N/SA:N",
            1.8,
        ),
        (
            "CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:L/SI:H/SA:L",
            9.4,
        ),
        (
            "CVSS:4.0/AV:N/AC:H/AT:N/PR:L/UI:A/VC:N/VI:L/VA:L/SC:H/SI:H/SA:L",
            5.0,
        ),
        (
            "CVSS:4.0/AV:N/AC:H/AT:N/PR:H/UI:A/VC:N/VI:N/VA:N/SC:N/SI:H/SA:N",
            4.0,
        ),
        (
            "CVSS:4.0/AV:N/AC:H/AT:P/PR:N/UI:N/VC:N/VI:L/VA:N/SC:L/SI:H/SA:L",
            7.0,
        ),
        (
            "CVSS:4.0/AV:P/AC:L/AT:P/PR:L/UI:P/VC:N/VI:N/VA:N/SC:L/SI:N/SA:L",
            1.0,
        ),
        (
            "CVSS:4.0/AV:P/AC:L/AT:P/PR:L/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:N",
            7.0,
        ),
        (
            "CVSS:4.0/AV:P/AC:L/AT:P/PR:L/UI:A/VC:H/VI:L/VA:L/SC:N/SI:L/SA:N",
            4.4,
        ),
        (
            "CVSS:4.0/AV:P/AC:L/AT:P/PR:H/UI:N/VC:H/VI:N/VA:N/SC:L/SI:L/SA:L",
            4.1,
        ),
        (
            "CVSS:4.0/AV:P/AC:L/AT:P/PR:H/UI:A/VC:H/VI:H/VA:L/SC:N/SI:N/SA:H",
            6.7,
        ),
        (
            "CVSS:4.0/AV:P/AC:H/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:H/SI:H/SA:N",
            6.9,
        ),
        (
            "CVSS:4.0/AV:P/AC:H/AT:N/PR:N/UI:A/VC:H/VI:H/VA:H/SC:L/SI:L/SA:L",
            5.4,
        ),
        (
            "CVSS:4.0/AV:P/AC:H/AT:N/PR:H/UI:P/VC:L/VI:N/VA:N/SC:H/SI:H/SA:H",
            2.4,
        ),
        (
            "CVSS:4.0/AV:P/AC:H/AT:N/PR:H/UI:A/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N",
            0.0,
        ),
        (
            "CVSS:4.0/AV:P/AC:H/AT:P/PR:N/UI:N/VC:H/VI:H/VA:N/SC:H/SI:H/SA:H",
            7.2,
        ),
        (
            "CVSS:4.0/AV:P/AC:H/AT:P/PR:L/UI:N/VC:H/VI:H/VA:L/SC:H/SI:H/SA:L",
            7.1,
        ),
        (
            "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:L",
            7.2,
        ),
        (
            "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:N/VA:H/SC:N/SI:N/SA:N",
            4.4,
        ),
        (
            "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:L/VA:L/SC:L/SI:H/SA:H",
            2.3,
        ),
    ]);
}

// Threat and environmental metrics take part in a v4.0 score; supplemental
// ones never do.
#[test]
fn v40_threat_environmental_supplemental() {
    assert_scores(&[
        // Modified metrics override base ones: MSI:S / MSA:S put EQ4 at 0,
        // all-None modified impacts score 0, low requirements lower EQ6.
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MSI:S",
            10.0,
        ),
        (
            "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/MSA:S",
            4.1,
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MVC:N/MVI:N/MVA:N",
            0.0,
        ),
        (
            "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/CR:L/IR:L/AR:L",
            7.0,
        ),
        // Full vectors from RedHatProductSecurity/cvss issues #60 and #63.
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:A/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N/E:P/CR:L/IR:L/AR:L/MAV:N/MAC:L/MAT:N/MPR:L/MUI:A/MVC:H/MVI:H/MVA:H/MSC:H/MSI:S/MSA:S/S:P/AU:Y/R:I/V:C/RE:H/U:Red",
            8.5,
        ),
        (
            "CVSS:4.0/AV:L/AC:H/AT:N/PR:N/UI:N/VC:L/VI:H/VA:L/SC:N/SI:N/SA:H/S:N/AU:N/R:I/V:C/RE:M/U:Green/MAV:A/MAC:L/MAT:N/MPR:N/MUI:N/MVC:H/MVI:N/MVA:H/MSC:H/MSI:H/MSA:H/CR:H/IR:M/AR:H/E:A",
            8.6,
        ),
        (
            "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:A",
            7.3,
        ),
        (
            "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:P",
            5.9,
        ),
        (
            "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:U",
            4.1,
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/E:A",
            0.0,
        ),
        // The example of FIRST's `cvss40.js` documentation.
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:L/SC:N/SI:N/SA:N/E:A/MAV:A",
            8.7,
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/S:P/AU:Y/R:I/V:C/RE:H/U:Red",
            9.3,
        ),
        // X (not defined) is the same as leaving a metric out.
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:X/CR:X/MAV:X",
            9.3,
        ),
    ]);
}

#[test]
fn v2_scores() {
    assert_scores(&[
        ("AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5),
        ("AV:N/AC:L/Au:N/C:C/I:C/A:C", 10.0),
        ("AV:N/AC:M/Au:N/C:P/I:P/A:P", 6.8),
        ("AV:N/AC:L/Au:N/C:N/I:N/A:P", 5.0),
        ("AV:N/AC:M/Au:N/C:N/I:P/A:N", 4.3),
        ("AV:L/AC:H/Au:M/C:N/I:N/A:N", 0.0),
        ("AV:L/AC:H/Au:M/C:N/I:N/A:P", 0.8),
        ("AV:L/AC:H/Au:S/C:P/I:P/A:P", 3.5),
        ("AV:L/AC:M/Au:N/C:P/I:P/A:P", 4.4),
        ("AV:L/AC:L/Au:N/C:C/I:C/A:C", 7.2),
        ("AV:A/AC:H/Au:N/C:P/I:P/A:P", 4.3),
        ("AV:A/AC:M/Au:M/C:P/I:P/A:C", 5.9),
        ("(AV:N/AC:L/Au:N/C:P/I:P/A:P)", 7.5),
        ("CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5),
        (
            "AV:N/AC:L/Au:N/C:P/I:P/A:P/E:POC/RL:OF/RC:C/CDP:ND/TD:H/CR:M/IR:ND/AR:L",
            7.5,
        ),
    ]);
    let c = score("AV:N/AC:L/Au:N/C:C/I:C/A:C").unwrap();
    assert_eq!((c.version, c.rating), (CvssVersion::V2, Rating::High));
    let zero = score("AV:L/AC:H/Au:M/C:N/I:N/A:N").unwrap();
    assert!(zero.base_score.is_sign_positive());
    assert_eq!(zero.rating, Rating::None);
}

#[test]
fn result_fields() {
    let c = score("  CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H \n").unwrap();
    assert_eq!(
        c,
        Cvss {
            version: CvssVersion::V3_1,
            base_score: 9.8,
            rating: Rating::Critical,
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".to_owned(),
        }
    );
    let c = score("CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:N/SA:N").unwrap();
    assert_eq!((c.version, c.rating), (CvssVersion::V4_0, Rating::Low));
    assert_eq!(CvssVersion::V3_1.to_string(), "3.1");
    assert_eq!(Rating::Medium.to_string(), "MEDIUM");
}

#[test]
fn malformed_vectors_name_the_problem() {
    let cases: &[(&str, &str)] = &[
        ("", "empty"),
        ("   ", "empty"),
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
            "lacks base metric A",
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:H",
            "lacks base metrics S, A",
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:L",
            "metric AV is given twice",
        ),
        (
            "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "unknown value `Q` for metric AV",
        ),
        (
            "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "unknown value `X` for metric AV",
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1",
            "unknown metric `ZZ`",
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/",
            "empty component",
        ),
        (
            "CVSS:3.1/AV:N//AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "empty component",
        ),
        (
            "CVSS:3.1/AVN/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "not of the form",
        ),
        ("CVSS:3.1/", "has no metrics"),
        (
            "CVSS:3.1/av:n/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "unknown metric `av`",
        ),
        ("CVSS:5.0/AV:N", "unsupported CVSS version `CVSS:5.0`"),
        ("CVSS:3.2/AV:N", "unsupported CVSS version"),
        ("not a vector", "is not a CVSS vector"),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N",
            "lacks base metric SA",
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N",
            "unknown value `S` for metric SI",
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:R/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            "unknown value `R` for metric UI",
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:F",
            "unknown value `F` for metric E",
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:red",
            "unknown value `red` for metric U",
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/E:U",
            "metric E is given twice",
        ),
        (
            "CVSS:4.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "unknown value `U` for metric S",
        ),
        ("AV:N/AC:L/C:P/I:P/A:P", "lacks base metric Au"),
        (
            "AV:N/AC:L/Au:N/C:P/I:P/A:P/E:X",
            "unknown value `X` for metric E",
        ),
    ];
    let mut wrong = Vec::new();
    for &(vector, needle) in cases {
        match score(vector) {
            Ok(c) => wrong.push(format!("{vector:?}: accepted as {}", c.base_score)),
            Err(e) if e.contains(needle) => {}
            Err(e) => wrong.push(format!("{vector:?}: {e:?} lacks {needle:?}")),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn rating_thresholds() {
    let cases = [
        (0.0, Rating::None),
        (0.1, Rating::Low),
        (3.9, Rating::Low),
        (4.0, Rating::Medium),
        (6.9, Rating::Medium),
        (7.0, Rating::High),
        (8.9, Rating::High),
        (9.0, Rating::Critical),
        (10.0, Rating::Critical),
        (f64::NAN, Rating::None),
    ];
    for (s, r) in cases {
        assert_eq!(Rating::from_score(s), r, "{s}");
    }
    assert!(Rating::None < Rating::Low && Rating::High < Rating::Critical);
}

#[test]
fn rating_words_of_ecosystems() {
    let cases = [
        ("medium", Some(Rating::Medium)),       // Ubuntu
        ("MODERATE", Some(Rating::Medium)),     // GHSA
        ("Important", Some(Rating::High)),      // Red Hat, SUSE
        ("unimportant", Some(Rating::Low)),     // Debian
        ("negligible", Some(Rating::Low)),      // Ubuntu
        ("low**", Some(Rating::Low)),           // Debian tracker markers
        (" CRITICAL ", Some(Rating::Critical)), // NVD
        ("high", Some(Rating::High)),
        ("Low", Some(Rating::Low)),
        ("none", Some(Rating::None)),
        ("informational", Some(Rating::None)), // RustSec
        ("untriaged", None),
        ("not yet assigned", None),
        ("unknown", None),
        ("", None),
        ("9.8", None),
    ];
    for (word, want) in cases {
        assert_eq!(Rating::from_str_loose(word), want, "{word:?}");
    }
}

#[test]
fn v4_lookup_table_is_complete_and_sorted() {
    assert!(v4::LOOKUP.windows(2).all(|w| w[0].0 < w[1].0));
    assert!(v4::LOOKUP.iter().all(|&(_, s)| s > 0.0 && s <= 10.0));
    let mut n = 0;
    for eq1 in 0..3 {
        for eq2 in 0..2 {
            for (eq3, eq6) in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 1)] {
                for eq4 in 0..3 {
                    for eq5 in 0..3 {
                        let mv = [eq1, eq2, eq3, eq4, eq5, eq6];
                        assert!(v4::lookup(mv).is_some(), "{mv:?} missing");
                        n += 1;
                    }
                }
            }
        }
    }
    assert_eq!(n, v4::LOOKUP.len());
    assert_eq!(v4::lookup([0, 0, 2, 0, 0, 0]), None);
    assert_eq!(v4::lookup([3, 0, 0, 0, 0, 0]), None);
    // Spot checks against the published table.
    assert_eq!(v4::lookup([0, 0, 0, 0, 0, 0]), Some(10.0));
    assert_eq!(v4::lookup([0, 0, 0, 2, 0, 0]), Some(9.3));
    assert_eq!(v4::lookup([1, 1, 1, 1, 1, 1]), Some(5.7));
    assert_eq!(v4::lookup([2, 1, 2, 2, 2, 1]), Some(0.1));
}

fn all_values(choices: &[&[&'static str]]) -> Vec<Vec<&'static str>> {
    let mut out: Vec<Vec<&'static str>> = vec![Vec::new()];
    for values in choices {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                values.iter().map(move |v| {
                    let mut p = prefix.clone();
                    p.push(*v);
                    p
                })
            })
            .collect();
    }
    out
}

/// Every v4.0 base vector (104,976) and every v3.1 / v2 base vector scores,
/// within range, with the rating of its score.
#[test]
fn every_base_vector_scores() {
    let v4_keys = [
        "AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA",
    ];
    let cia: &[&str] = &["H", "L", "N"];
    let v4_values: Vec<&[&str]> = vec![
        &["N", "A", "L", "P"],
        &["L", "H"],
        &["N", "P"],
        &["N", "L", "H"],
        &["N", "P", "A"],
        cia,
        cia,
        cia,
        cia,
        cia,
        cia,
    ];
    let mut n4 = 0;
    for combo in all_values(&v4_values) {
        let body: Vec<String> = v4_keys
            .iter()
            .zip(&combo)
            .map(|(k, v)| format!("{k}:{v}"))
            .collect();
        let vector = format!("CVSS:4.0/{}", body.join("/"));
        let c = score(&vector).unwrap();
        assert!((0.0..=10.0).contains(&c.base_score), "{vector}");
        assert_eq!(c.rating, Rating::from_score(c.base_score));
        let no_impact = combo[5..].iter().all(|v| *v == "N");
        assert_eq!(no_impact, c.base_score == 0.0, "{vector}");
        n4 += 1;
    }
    assert_eq!(n4, 104_976);

    let v3_keys = ["AV", "AC", "PR", "UI", "S", "C", "I", "A"];
    let v3_values: Vec<&[&str]> = vec![
        &["N", "A", "L", "P"],
        &["L", "H"],
        &["N", "L", "H"],
        &["N", "R"],
        &["U", "C"],
        cia,
        cia,
        cia,
    ];
    for combo in all_values(&v3_values) {
        let body: Vec<String> = v3_keys
            .iter()
            .zip(&combo)
            .map(|(k, v)| format!("{k}:{v}"))
            .collect();
        for prefix in ["CVSS:3.1", "CVSS:3.0"] {
            let vector = format!("{prefix}/{}", body.join("/"));
            let c = score(&vector).unwrap();
            assert!((0.0..=10.0).contains(&c.base_score), "{vector}");
            let no_impact = combo[5..].iter().all(|v| *v == "N");
            assert_eq!(no_impact, c.base_score == 0.0, "{vector}");
        }
    }

    let v2_keys = ["AV", "AC", "Au", "C", "I", "A"];
    let v2_cia: &[&str] = &["N", "P", "C"];
    let v2_values: Vec<&[&str]> = vec![
        &["L", "A", "N"],
        &["H", "M", "L"],
        &["M", "S", "N"],
        v2_cia,
        v2_cia,
        v2_cia,
    ];
    for combo in all_values(&v2_values) {
        let body: Vec<String> = v2_keys
            .iter()
            .zip(&combo)
            .map(|(k, v)| format!("{k}:{v}"))
            .collect();
        let vector = body.join("/");
        let c = score(&vector).unwrap();
        assert!((0.0..=10.0).contains(&c.base_score), "{vector}");
    }
}

/// The CVSS vectors of the real OSV records, with the scores NVD / GitHub
/// publish for them.
#[test]
fn osv_testdata_vectors() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/osv");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipped: {} not found", dir.display());
        return;
    };
    let mut scored = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let record = crate::osv::Record::parse(&std::fs::read(&path).unwrap()).unwrap();
        for sev in &record.severity {
            if sev.kind.starts_with("CVSS_V") {
                let c = score(&sev.score).unwrap();
                assert!((0.0..=10.0).contains(&c.base_score));
                scored += 1;
            } else {
                assert!(
                    Rating::from_str_loose(&sev.score).is_some(),
                    "{}: {:?}",
                    path.display(),
                    sev.score
                );
            }
        }
    }
    assert!(scored >= 4, "only {scored} CVSS vectors found");
    assert_scores(&[
        // CVE-2018-5407 (PortSmash), NVD 4.7 MEDIUM.
        ("CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:N/A:N", 4.7),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N", 9.1),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
        ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N", 6.8),
    ]);
}

fn v3_vector() -> impl Strategy<Value = String> {
    let pick = |vals: &'static [&'static str]| proptest::sample::select(vals);
    let base = (
        pick(&["N", "A", "L", "P"]),
        pick(&["L", "H"]),
        pick(&["N", "L", "H"]),
        pick(&["N", "R"]),
        pick(&["U", "C"]),
        pick(&["H", "L", "N"]),
        pick(&["H", "L", "N"]),
        pick(&["H", "L", "N"]),
    );
    let extra = (
        proptest::option::of(pick(&["X", "U", "P", "F", "H"])),
        proptest::option::of(pick(&["X", "H", "M", "L"])),
        proptest::option::of(pick(&["X", "N", "A", "L", "P"])),
        proptest::option::of(pick(&["X", "U", "C"])),
    );
    (base, extra, any::<bool>(), any::<proptest::sample::Index>()).prop_map(
        |((av, ac, pr, ui, s, c, i, a), (e, cr, mav, ms), v30, rot)| {
            let mut parts = vec![
                format!("AV:{av}"),
                format!("AC:{ac}"),
                format!("PR:{pr}"),
                format!("UI:{ui}"),
                format!("S:{s}"),
                format!("C:{c}"),
                format!("I:{i}"),
                format!("A:{a}"),
            ];
            for (k, v) in [("E", e), ("CR", cr), ("MAV", mav), ("MS", ms)] {
                if let Some(v) = v {
                    parts.push(format!("{k}:{v}"));
                }
            }
            let n = parts.len();
            parts.rotate_left(rot.index(n));
            let prefix = if v30 { "CVSS:3.0" } else { "CVSS:3.1" };
            format!("{prefix}/{}", parts.join("/"))
        },
    )
}

fn v4_vector() -> impl Strategy<Value = String> {
    let pick = |vals: &'static [&'static str]| proptest::sample::select(vals);
    let cia = || pick(&["H", "L", "N"]);
    let base = (
        pick(&["N", "A", "L", "P"]),
        pick(&["L", "H"]),
        pick(&["N", "P"]),
        pick(&["N", "L", "H"]),
        pick(&["N", "P", "A"]),
        (cia(), cia(), cia()),
        (cia(), cia(), cia()),
    );
    let opt = |vals: &'static [&'static str]| proptest::option::of(pick(vals));
    let threat_env = (
        opt(&["X", "A", "P", "U"]),
        (
            opt(&["X", "H", "M", "L"]),
            opt(&["X", "H", "M", "L"]),
            opt(&["X", "H", "M", "L"]),
        ),
        (
            opt(&["X", "N", "A", "L", "P"]),
            opt(&["X", "L", "H"]),
            opt(&["X", "N", "P"]),
            opt(&["X", "N", "L", "H"]),
            opt(&["X", "N", "P", "A"]),
        ),
        (
            opt(&["X", "H", "L", "N"]),
            opt(&["X", "H", "L", "N"]),
            opt(&["X", "H", "L", "N"]),
            opt(&["X", "H", "L", "N"]),
            opt(&["X", "S", "H", "L", "N"]),
            opt(&["X", "S", "H", "L", "N"]),
        ),
        opt(&["X", "Clear", "Green", "Amber", "Red"]),
    );
    (base, threat_env, any::<proptest::sample::Index>()).prop_map(
        |(
            (av, ac, at, pr, ui, (vc, vi, va), (sc, si, sa)),
            (e, (cr, ir, ar), (mav, mac, mat, mpr, mui), (mvc, mvi, mva, msc, msi, msa), u),
            rot,
        )| {
            let mut parts: Vec<String> = [
                ("AV", av),
                ("AC", ac),
                ("AT", at),
                ("PR", pr),
                ("UI", ui),
                ("VC", vc),
                ("VI", vi),
                ("VA", va),
                ("SC", sc),
                ("SI", si),
                ("SA", sa),
            ]
            .iter()
            .map(|(k, v)| format!("{k}:{v}"))
            .collect();
            let optional = [
                ("E", e),
                ("CR", cr),
                ("IR", ir),
                ("AR", ar),
                ("MAV", mav),
                ("MAC", mac),
                ("MAT", mat),
                ("MPR", mpr),
                ("MUI", mui),
                ("MVC", mvc),
                ("MVI", mvi),
                ("MVA", mva),
                ("MSC", msc),
                ("MSI", msi),
                ("MSA", msa),
                ("U", u),
            ];
            for (k, v) in optional {
                if let Some(v) = v {
                    parts.push(format!("{k}:{v}"));
                }
            }
            let n = parts.len();
            parts.rotate_left(rot.index(n));
            format!("CVSS:4.0/{}", parts.join("/"))
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn well_formed_v3_vectors_score_in_range(vector in v3_vector()) {
        let c = score(&vector).unwrap();
        prop_assert!((0.0..=10.0).contains(&c.base_score));
        prop_assert!(((c.base_score * 10.0).round() - c.base_score * 10.0).abs() < 1e-9);
        prop_assert_eq!(c.rating, Rating::from_score(c.base_score));
        prop_assert_eq!(c.vector, vector);
    }

    #[test]
    fn well_formed_v4_vectors_score_in_range(vector in v4_vector()) {
        let c = score(&vector).unwrap();
        prop_assert!((0.0..=10.0).contains(&c.base_score));
        prop_assert!(((c.base_score * 10.0).round() - c.base_score * 10.0).abs() < 1e-9);
        prop_assert_eq!(c.rating, Rating::from_score(c.base_score));
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,80}") {
        if let Ok(c) = score(&text) {
            prop_assert!((0.0..=10.0).contains(&c.base_score));
        }
    }

    #[test]
    fn mangled_vectors_never_panic(vector in v4_vector(), cut in any::<proptest::sample::Index>()) {
        // Truncations of a valid vector either score in range or are refused.
        let cut = cut.index(vector.len() + 1);
        if let Some(prefix) = vector.get(..cut)
            && let Ok(c) = score(prefix)
        {
            prop_assert!((0.0..=10.0).contains(&c.base_score));
        }
    }
}
