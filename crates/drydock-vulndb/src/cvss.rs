//! CVSS scores from vector strings: v2, v3.0, v3.1 and v4.0.
//!
//! * v3.0 / v3.1: the base-score formula of the specification (section 7.1)
//!   with `Roundup` as defined in the v3.1 appendix A (v3.0 keeps its own,
//!   plain ceiling to one decimal). Temporal and environmental metrics are
//!   validated but do not enter the base score.
//! * v4.0: the macrovector method of the specification (section 8): EQ1..EQ6,
//!   the table of macrovector scores, and the interpolation by severity
//!   distance towards the next lower macrovectors, computed in the same order
//!   of floating-point operations as FIRST's reference calculator
//!   (`cvss40.js`), with its final half-up rounding of x.x5 ties (see
//!   `v4::score`). In v4.0 the score *is* the score
//!   of every metric present: a vector with threat (`E`) or environmental
//!   metrics scores as CVSS-BT / CVSS-BE / CVSS-BTE, exactly as FIRST's
//!   calculator does; supplemental metrics never change it.
//! * v2: the base equation of the v2 guide; temporal and environmental
//!   metrics are validated and ignored.
//!
//! Malformed vectors (a missing base metric, a metric given twice, an unknown
//! metric or value, an empty component) are errors that name the problem.

use std::fmt;

/// Which CVSS version a vector is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CvssVersion {
    V2,
    V3_0,
    V3_1,
    V4_0,
}

impl CvssVersion {
    /// `"2.0"`, `"3.0"`, `"3.1"` or `"4.0"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V2 => "2.0",
            Self::V3_0 => "3.0",
            Self::V3_1 => "3.1",
            Self::V4_0 => "4.0",
        }
    }
}

impl fmt::Display for CvssVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Qualitative severity, ordered from `None` to `Critical`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rating {
    None,
    Low,
    Medium,
    High,
    Critical,
}

impl Rating {
    /// The v3/v4 qualitative rating of a score: 0.0 none, 0.1–3.9 low,
    /// 4.0–6.9 medium, 7.0–8.9 high, 9.0–10.0 critical. Scores are compared
    /// after rounding to one decimal; anything that is not a number rates
    /// `None`.
    #[must_use]
    pub fn from_score(score: f64) -> Self {
        let tenths = (score * 10.0).round();
        if tenths.is_nan() || tenths <= 0.0 {
            Self::None
        } else if tenths < 40.0 {
            Self::Low
        } else if tenths < 70.0 {
            Self::Medium
        } else if tenths < 90.0 {
            Self::High
        } else {
            Self::Critical
        }
    }

    /// The rating an ecosystem writes in words: GHSA `MODERATE`, Red Hat and
    /// SUSE `Important`, Ubuntu `negligible` / `medium`, Debian
    /// `unimportant` / `low**`, RustSec `informational`, NVD `CRITICAL`, …
    /// Case and surrounding blanks do not matter; Debian's trailing `*`
    /// markers are dropped. `negligible` and `unimportant` rate `Low` (the
    /// distributions still ship the flaw; hiding it is the caller's choice),
    /// `none` and `informational` rate `None`. Words that carry no rating
    /// (`untriaged`, `unknown`, `not yet assigned`, `end-of-life`, empty)
    /// give `None` (the `Option`).
    #[must_use]
    pub fn from_str_loose(word: &str) -> Option<Self> {
        let word = word
            .trim()
            .trim_end_matches('*')
            .trim()
            .to_ascii_lowercase();
        let rating = match word.as_str() {
            "none" | "informational" | "info" => Self::None,
            "negligible" | "unimportant" | "low" | "minor" => Self::Low,
            "medium" | "moderate" | "med" => Self::Medium,
            "high" | "important" | "major" => Self::High,
            "critical" | "crit" | "urgent" => Self::Critical,
            _ => return None,
        };
        Some(rating)
    }

    /// `"NONE"`, `"LOW"`, `"MEDIUM"`, `"HIGH"` or `"CRITICAL"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "NONE",
            Self::Low => "LOW",
            Self::Medium => "MEDIUM",
            Self::High => "HIGH",
            Self::Critical => "CRITICAL",
        }
    }
}

impl fmt::Display for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A scored CVSS vector.
#[derive(Clone, Debug, PartialEq)]
pub struct Cvss {
    pub version: CvssVersion,
    /// Rounded to one decimal, within 0.0..=10.0.
    pub base_score: f64,
    /// v3/v4 thresholds for v3 and v4; for v2 NVD's (0.1–3.9 low,
    /// 4.0–6.9 medium, 7.0–10.0 high) with 0.0 rated `None`.
    pub rating: Rating,
    /// The vector as given, without surrounding blanks.
    pub vector: String,
}

/// Score a CVSS vector: `CVSS:3.1/…`, `CVSS:3.0/…`, `CVSS:4.0/…`, or a v2
/// vector (`AV:N/AC:L/Au:N/C:P/I:P/A:P`, optionally in parentheses or with a
/// `CVSS:2.0/` prefix).
///
/// # Errors
///
/// A message naming the problem when the vector is not a well-formed vector of
/// a supported version.
pub fn score(vector: &str) -> Result<Cvss, String> {
    let vector = vector.trim();
    if vector.is_empty() {
        return Err("empty CVSS vector".to_owned());
    }
    let (version, base_score) = if let Some(body) = vector.strip_prefix("CVSS:3.1/") {
        (CvssVersion::V3_1, v3::score(body, CvssVersion::V3_1)?)
    } else if let Some(body) = vector.strip_prefix("CVSS:3.0/") {
        (CvssVersion::V3_0, v3::score(body, CvssVersion::V3_0)?)
    } else if let Some(body) = vector.strip_prefix("CVSS:4.0/") {
        (CvssVersion::V4_0, v4::score(body)?)
    } else if let Some(body) = vector.strip_prefix("CVSS:2.0/") {
        (CvssVersion::V2, v2::score(body)?)
    } else if vector.starts_with("CVSS:") {
        let prefix = vector.split('/').next().unwrap_or(vector);
        return Err(format!(
            "unsupported CVSS version `{prefix}` (supported: 2.0, 3.0, 3.1, 4.0)"
        ));
    } else {
        let body = vector
            .strip_prefix('(')
            .and_then(|v| v.strip_suffix(')'))
            .unwrap_or(vector);
        if !body.starts_with("AV:") {
            return Err(format!(
                "`{vector}` is not a CVSS vector: expected a `CVSS:3.1/`, `CVSS:3.0/` or \
                 `CVSS:4.0/` prefix, or a v2 vector starting with `AV:`"
            ));
        }
        (CvssVersion::V2, v2::score(body)?)
    };
    let rating = match version {
        CvssVersion::V2 => v2::rating(base_score),
        _ => Rating::from_score(base_score),
    };
    Ok(Cvss {
        version,
        base_score,
        rating,
        vector: vector.to_owned(),
    })
}

/// One metric of a version: its abbreviation, its allowed values, and whether
/// the base group requires it.
struct MetricDef {
    key: &'static str,
    values: &'static [&'static str],
    mandatory: bool,
}

const fn base(key: &'static str, values: &'static [&'static str]) -> MetricDef {
    MetricDef {
        key,
        values,
        mandatory: true,
    }
}

const fn optional(key: &'static str, values: &'static [&'static str]) -> MetricDef {
    MetricDef {
        key,
        values,
        mandatory: false,
    }
}

/// The metrics of one vector: the value of each definition, by index.
struct Parsed<'a> {
    values: Vec<Option<&'a str>>,
}

impl<'a> Parsed<'a> {
    /// Split `body` (the vector without its version prefix) and check it
    /// against `defs`. Metric order is not enforced; everything else is.
    fn parse(body: &'a str, defs: &[MetricDef], what: &str) -> Result<Self, String> {
        let mut values: Vec<Option<&'a str>> = vec![None; defs.len()];
        if body.is_empty() {
            return Err(format!("{what} vector has no metrics"));
        }
        for component in body.split('/') {
            if component.is_empty() {
                return Err(format!(
                    "{what} vector has an empty component (a doubled or trailing `/`)"
                ));
            }
            let Some((key, value)) = component.split_once(':') else {
                return Err(format!(
                    "{what} vector component `{component}` is not of the form METRIC:VALUE"
                ));
            };
            let Some(index) = defs.iter().position(|d| d.key == key) else {
                return Err(format!("unknown metric `{key}` in {what} vector"));
            };
            let def = &defs[index];
            if !def.values.contains(&value) {
                return Err(format!(
                    "unknown value `{value}` for metric {key} in {what} vector (expected one of {})",
                    def.values.join(", ")
                ));
            }
            if values[index].is_some() {
                return Err(format!("metric {key} is given twice in {what} vector"));
            }
            values[index] = Some(value);
        }
        let missing: Vec<&str> = defs
            .iter()
            .zip(&values)
            .filter(|(d, v)| d.mandatory && v.is_none())
            .map(|(d, _)| d.key)
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "{what} vector lacks base metric{} {}",
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", ")
            ));
        }
        Ok(Self { values })
    }

    /// The value of the metric at `index` of the definitions, `"X"` (not
    /// defined) when absent.
    fn get(&self, index: usize) -> &'a str {
        self.values.get(index).copied().flatten().unwrap_or("X")
    }
}

/// CVSS v3.0 and v3.1 base scores.
mod v3 {
    use super::{CvssVersion, MetricDef, Parsed, base, optional};

    const CIA: &[&str] = &["H", "L", "N"];
    const MCIA: &[&str] = &["X", "H", "L", "N"];
    const REQ: &[&str] = &["X", "H", "M", "L"];

    const METRICS: &[MetricDef] = &[
        base("AV", &["N", "A", "L", "P"]),
        base("AC", &["L", "H"]),
        base("PR", &["N", "L", "H"]),
        base("UI", &["N", "R"]),
        base("S", &["U", "C"]),
        base("C", CIA),
        base("I", CIA),
        base("A", CIA),
        optional("E", &["X", "U", "P", "F", "H"]),
        optional("RL", &["X", "O", "T", "W", "U"]),
        optional("RC", &["X", "U", "R", "C"]),
        optional("CR", REQ),
        optional("IR", REQ),
        optional("AR", REQ),
        optional("MAV", &["X", "N", "A", "L", "P"]),
        optional("MAC", &["X", "L", "H"]),
        optional("MPR", &["X", "N", "L", "H"]),
        optional("MUI", &["X", "N", "R"]),
        optional("MS", &["X", "U", "C"]),
        optional("MC", MCIA),
        optional("MI", MCIA),
        optional("MA", MCIA),
    ];

    /// `Roundup` of CVSS v3.1 appendix A: the smallest number with one
    /// decimal that is at least `x`, computed on integers so that
    /// floating-point noise (`4.000000000001`) does not add a tenth.
    pub(super) fn roundup_31(x: f64) -> f64 {
        // Scores are within 0..=10.8, so the product fits an i64 exactly.
        #[allow(clippy::cast_possible_truncation)]
        let int_input = (x * 100_000.0).round() as i64;
        if int_input % 10_000 == 0 {
            int_input as f64 / 100_000.0
        } else {
            ((int_input / 10_000) as f64 + 1.0) / 10.0
        }
    }

    /// `Roundup` of CVSS v3.0: a plain ceiling to one decimal.
    fn roundup_30(x: f64) -> f64 {
        (x * 10.0).ceil() / 10.0
    }

    pub(super) fn score(body: &str, version: CvssVersion) -> Result<f64, String> {
        let what = format!("CVSS v{version}");
        let m = Parsed::parse(body, METRICS, &what)?;
        let changed = m.get(4) == "C";
        let av: f64 = match m.get(0) {
            "N" => 0.85,
            "A" => 0.62,
            "L" => 0.55,
            _ => 0.2,
        };
        let ac = if m.get(1) == "L" { 0.77 } else { 0.44 };
        let pr = match (m.get(2), changed) {
            ("N", _) => 0.85,
            ("L", false) => 0.62,
            ("L", true) => 0.68,
            (_, false) => 0.27,
            (_, true) => 0.5,
        };
        let ui = if m.get(3) == "N" { 0.85 } else { 0.62 };
        let cia = |v: &str| -> f64 {
            match v {
                "H" => 0.56,
                "L" => 0.22,
                _ => 0.0,
            }
        };
        let iss = 1.0 - ((1.0 - cia(m.get(5))) * (1.0 - cia(m.get(6))) * (1.0 - cia(m.get(7))));
        let impact = if changed {
            7.52 * (iss - 0.029) - 3.25 * (iss - 0.02).powi(15)
        } else {
            6.42 * iss
        };
        let exploitability = 8.22 * av * ac * pr * ui;
        if impact <= 0.0 {
            return Ok(0.0);
        }
        let raw = if changed {
            (1.08 * (impact + exploitability)).min(10.0)
        } else {
            (impact + exploitability).min(10.0)
        };
        Ok(match version {
            CvssVersion::V3_0 => roundup_30(raw),
            _ => roundup_31(raw),
        })
    }
}

/// CVSS v2 base scores.
mod v2 {
    use super::{MetricDef, Parsed, Rating, base, optional};

    const CIA: &[&str] = &["N", "P", "C"];
    const REQ: &[&str] = &["L", "M", "H", "ND"];

    const METRICS: &[MetricDef] = &[
        base("AV", &["L", "A", "N"]),
        base("AC", &["H", "M", "L"]),
        base("Au", &["M", "S", "N"]),
        base("C", CIA),
        base("I", CIA),
        base("A", CIA),
        optional("E", &["U", "POC", "F", "H", "ND"]),
        optional("RL", &["OF", "TF", "W", "U", "ND"]),
        optional("RC", &["UC", "UR", "C", "ND"]),
        optional("CDP", &["N", "L", "LM", "MH", "H", "ND"]),
        optional("TD", &["N", "L", "M", "H", "ND"]),
        optional("CR", REQ),
        optional("IR", REQ),
        optional("AR", REQ),
    ];

    pub(super) fn score(body: &str) -> Result<f64, String> {
        let m = Parsed::parse(body, METRICS, "CVSS v2")?;
        let av: f64 = match m.get(0) {
            "L" => 0.395,
            "A" => 0.646,
            _ => 1.0,
        };
        let ac = match m.get(1) {
            "H" => 0.35,
            "M" => 0.61,
            _ => 0.71,
        };
        let au = match m.get(2) {
            "M" => 0.45,
            "S" => 0.56,
            _ => 0.704,
        };
        let cia = |v: &str| -> f64 {
            match v {
                "P" => 0.275,
                "C" => 0.660,
                _ => 0.0,
            }
        };
        let impact =
            10.41 * (1.0 - (1.0 - cia(m.get(3))) * (1.0 - cia(m.get(4))) * (1.0 - cia(m.get(5))));
        let exploitability = 20.0 * av * ac * au;
        let f = if impact == 0.0 { 0.0 } else { 1.176 };
        let raw = ((0.6 * impact) + (0.4 * exploitability) - 1.5) * f;
        // `+ 0.0` turns the -0.0 of a zero-impact vector into 0.0.
        Ok(((raw * 10.0).round() / 10.0).clamp(0.0, 10.0) + 0.0)
    }

    /// NVD's v2 severities, with 0.0 (no impact at all) rated `None`.
    pub(super) fn rating(score: f64) -> Rating {
        match Rating::from_score(score) {
            Rating::None => Rating::None,
            Rating::Critical => Rating::High,
            other => other,
        }
    }
}

/// CVSS v4.0 scores by macrovector.
mod v4 {
    use super::{MetricDef, Parsed, base, optional};

    const CIA: &[&str] = &["H", "L", "N"];
    const MCIA: &[&str] = &["X", "H", "L", "N"];
    const MSUB: &[&str] = &["X", "S", "H", "L", "N"];
    const REQ: &[&str] = &["X", "H", "M", "L"];

    // Indices into METRICS, in the order below.
    const AV: usize = 0;
    const AC: usize = 1;
    const AT: usize = 2;
    const PR: usize = 3;
    const UI: usize = 4;
    const VC: usize = 5;
    const VI: usize = 6;
    const VA: usize = 7;
    const SC: usize = 8;
    const SI: usize = 9;
    const SA: usize = 10;
    const E: usize = 11;
    const CR: usize = 12;
    const IR: usize = 13;
    const AR: usize = 14;
    /// `MAV`: the modified metric of base metric `i` is at `MODIFIED + i`.
    const MODIFIED: usize = 15;

    const METRICS: &[MetricDef] = &[
        base("AV", &["N", "A", "L", "P"]),
        base("AC", &["L", "H"]),
        base("AT", &["N", "P"]),
        base("PR", &["N", "L", "H"]),
        base("UI", &["N", "P", "A"]),
        base("VC", CIA),
        base("VI", CIA),
        base("VA", CIA),
        base("SC", CIA),
        base("SI", CIA),
        base("SA", CIA),
        optional("E", &["X", "A", "P", "U"]),
        optional("CR", REQ),
        optional("IR", REQ),
        optional("AR", REQ),
        optional("MAV", &["X", "N", "A", "L", "P"]),
        optional("MAC", &["X", "L", "H"]),
        optional("MAT", &["X", "N", "P"]),
        optional("MPR", &["X", "N", "L", "H"]),
        optional("MUI", &["X", "N", "P", "A"]),
        optional("MVC", MCIA),
        optional("MVI", MCIA),
        optional("MVA", MCIA),
        optional("MSC", MCIA),
        optional("MSI", MSUB),
        optional("MSA", MSUB),
        optional("S", &["X", "N", "P"]),
        optional("AU", &["X", "N", "Y"]),
        optional("R", &["X", "A", "U", "I"]),
        optional("V", &["X", "D", "C"]),
        optional("RE", &["X", "L", "M", "H"]),
        optional("U", &["X", "Clear", "Green", "Amber", "Red"]),
    ];

    /// The effective value of every metric that enters the score: modified
    /// metrics override base ones, and undefined `E`, `CR`, `IR`, `AR` take
    /// their worst case (`A`, `H`, `H`, `H`).
    struct Effective<'a> {
        v: [&'a str; 15],
    }

    impl<'a> Effective<'a> {
        fn new(m: &Parsed<'a>) -> Self {
            let mut v = [""; 15];
            for (i, slot) in v.iter_mut().enumerate() {
                let own = m.get(i);
                *slot = if i <= SA {
                    match m.get(MODIFIED + i) {
                        "X" => own,
                        modified => modified,
                    }
                } else if own == "X" {
                    if i == E { "A" } else { "H" }
                } else {
                    own
                };
            }
            Self { v }
        }

        fn is(&self, i: usize, value: &str) -> bool {
            self.v[i] == value
        }

        /// The macrovector: EQ1..EQ6.
        fn macrovector(&self) -> [u8; 6] {
            let (av, pr, ui) = (self.v[AV], self.v[PR], self.v[UI]);
            let eq1 = if av == "N" && pr == "N" && ui == "N" {
                0
            } else if (av == "N" || pr == "N" || ui == "N") && av != "P" {
                1
            } else {
                2
            };
            let eq2 = u8::from(!(self.is(AC, "L") && self.is(AT, "N")));
            let eq3 = if self.is(VC, "H") && self.is(VI, "H") {
                0
            } else if self.is(VC, "H") || self.is(VI, "H") || self.is(VA, "H") {
                1
            } else {
                2
            };
            // `S` (safety) can only come from MSI / MSA.
            let eq4 = if self.is(SI, "S") || self.is(SA, "S") {
                0
            } else if self.is(SC, "H") || self.is(SI, "H") || self.is(SA, "H") {
                1
            } else {
                2
            };
            let eq5 = match self.v[E] {
                "A" => 0,
                "P" => 1,
                _ => 2,
            };
            let eq6 = u8::from(
                !((self.is(CR, "H") && self.is(VC, "H"))
                    || (self.is(IR, "H") && self.is(VI, "H"))
                    || (self.is(AR, "H") && self.is(VA, "H"))),
            );
            [eq1, eq2, eq3, eq4, eq5, eq6]
        }
    }

    /// The severity level of a metric value, as in the reference calculator
    /// (0.1 a step; lower is more severe). Values are valid by parsing.
    fn level(metric: usize, value: &str) -> f64 {
        match (metric, value) {
            (AV, "A") | (PR, "L") | (UI, "P") | (AC, "H") | (AT, "P") => 0.1,
            (AV, "L") | (PR, "H") | (UI, "A") => 0.2,
            (AV, "P") => 0.3,
            (VC | VI | VA, "L") | (CR | IR | AR, "M") | (E, "P") => 0.1,
            (VC | VI | VA, "N") | (CR | IR | AR, "L") | (E, "U") => 0.2,
            (SC | SI | SA, "H") => 0.1,
            (SC | SI | SA, "L") => 0.2,
            (SC | SI | SA, "N") => 0.3,
            _ => 0.0,
        }
    }

    /// The highest-severity vectors of each EQ level (spec table 25 /
    /// `max_composed.js`), as (metric, value) lists.
    fn eq1_maxes(level: u8) -> &'static [[(usize, &'static str); 3]] {
        match level {
            0 => &[[(AV, "N"), (PR, "N"), (UI, "N")]],
            1 => &[
                [(AV, "A"), (PR, "N"), (UI, "N")],
                [(AV, "N"), (PR, "L"), (UI, "N")],
                [(AV, "N"), (PR, "N"), (UI, "P")],
            ],
            _ => &[
                [(AV, "P"), (PR, "N"), (UI, "N")],
                [(AV, "A"), (PR, "L"), (UI, "P")],
            ],
        }
    }

    fn eq2_maxes(level: u8) -> &'static [[(usize, &'static str); 2]] {
        match level {
            0 => &[[(AC, "L"), (AT, "N")]],
            _ => &[[(AC, "H"), (AT, "N")], [(AC, "L"), (AT, "P")]],
        }
    }

    type Eq3Eq6Max = [(usize, &'static str); 6];

    const fn cia_req(
        vc: &'static str,
        vi: &'static str,
        va: &'static str,
        cr: &'static str,
        ir: &'static str,
        ar: &'static str,
    ) -> Eq3Eq6Max {
        [(VC, vc), (VI, vi), (VA, va), (CR, cr), (IR, ir), (AR, ar)]
    }

    fn eq3eq6_maxes(eq3: u8, eq6: u8) -> &'static [Eq3Eq6Max] {
        const E00: &[Eq3Eq6Max] = &[cia_req("H", "H", "H", "H", "H", "H")];
        const E01: &[Eq3Eq6Max] = &[
            cia_req("H", "H", "L", "M", "M", "H"),
            cia_req("H", "H", "H", "M", "M", "M"),
        ];
        const E10: &[Eq3Eq6Max] = &[
            cia_req("L", "H", "H", "H", "H", "H"),
            cia_req("H", "L", "H", "H", "H", "H"),
        ];
        const E11: &[Eq3Eq6Max] = &[
            cia_req("L", "H", "L", "H", "M", "H"),
            cia_req("L", "H", "H", "H", "M", "M"),
            cia_req("H", "L", "H", "M", "H", "M"),
            cia_req("H", "L", "L", "M", "H", "H"),
            cia_req("L", "L", "H", "H", "H", "M"),
        ];
        const E21: &[Eq3Eq6Max] = &[cia_req("L", "L", "L", "H", "H", "H")];
        match (eq3, eq6) {
            (0, 0) => E00,
            (0, _) => E01,
            (1, 0) => E10,
            (1, _) => E11,
            // EQ3 = 2 (no high impact) forces EQ6 = 1.
            _ => E21,
        }
    }

    fn eq4_maxes(level: u8) -> &'static [[(usize, &'static str); 3]] {
        match level {
            0 => &[[(SC, "H"), (SI, "S"), (SA, "S")]],
            1 => &[[(SC, "H"), (SI, "H"), (SA, "H")]],
            _ => &[[(SC, "L"), (SI, "L"), (SA, "L")]],
        }
    }

    /// The depth of each EQ level (spec "max severity" + 1), in steps of 0.1.
    fn max_severity_eq1(level: u8) -> f64 {
        match level {
            0 => 1.0,
            1 => 4.0,
            _ => 5.0,
        }
    }

    fn max_severity_eq2(level: u8) -> f64 {
        if level == 0 { 1.0 } else { 2.0 }
    }

    fn max_severity_eq3eq6(eq3: u8, eq6: u8) -> f64 {
        match (eq3, eq6) {
            (0, 0) => 7.0,
            (0, _) => 6.0,
            (1, _) => 8.0,
            _ => 10.0,
        }
    }

    fn max_severity_eq4(level: u8) -> f64 {
        match level {
            0 => 6.0,
            1 => 5.0,
            _ => 4.0,
        }
    }

    /// Severity distances of the effective vector from one candidate
    /// highest-severity vector, indexed like `Effective::v`, and whether the
    /// candidate is at least as severe on every metric (no negative distance).
    fn distances(eff: &Effective<'_>, max: &[(usize, &'static str)]) -> ([f64; 15], bool) {
        let mut d = [0.0; 15];
        let mut all_non_negative = true;
        for &(metric, value) in max {
            let dist = level(metric, eff.v[metric]) - level(metric, value);
            if dist < 0.0 {
                all_non_negative = false;
            }
            d[metric] = dist;
        }
        (d, all_non_negative)
    }

    pub(super) fn score(body: &str) -> Result<f64, String> {
        let m = Parsed::parse(body, METRICS, "CVSS v4.0")?;
        let eff = Effective::new(&m);
        if [VC, VI, VA, SC, SI, SA].iter().all(|&i| eff.is(i, "N")) {
            return Ok(0.0);
        }
        let mv = eff.macrovector();
        let [eq1, eq2, eq3, eq4, eq5, eq6] = mv;
        let value = lookup(mv).ok_or_else(|| {
            format!("CVSS v4.0 macrovector {mv:?} is missing from the score table")
        })?;

        let lower = lookup;
        let score_eq1_lower = lower([eq1 + 1, eq2, eq3, eq4, eq5, eq6]);
        let score_eq2_lower = lower([eq1, eq2 + 1, eq3, eq4, eq5, eq6]);
        let score_eq3eq6_lower = match (eq3, eq6) {
            (0, 0) => {
                let left = lower([eq1, eq2, eq3, eq4, eq5, eq6 + 1]);
                let right = lower([eq1, eq2, eq3 + 1, eq4, eq5, eq6]);
                match (left, right) {
                    (Some(l), Some(r)) => Some(l.max(r)),
                    _ => None,
                }
            }
            (1, 0) => lower([eq1, eq2, eq3, eq4, eq5, eq6 + 1]),
            (0 | 1, _) => lower([eq1, eq2, eq3 + 1, eq4, eq5, eq6]),
            _ => lower([eq1, eq2, eq3 + 1, eq4, eq5, eq6 + 1]),
        };
        let score_eq4_lower = lower([eq1, eq2, eq3, eq4 + 1, eq5, eq6]);
        let score_eq5_lower = lower([eq1, eq2, eq3, eq4, eq5 + 1, eq6]);

        // The first highest-severity vector of the macrovector that is at
        // least as severe as ours on every metric (the reference keeps the
        // last candidate's distances when none is).
        let mut d = [0.0; 15];
        'search: for a in eq1_maxes(eq1) {
            for b in eq2_maxes(eq2) {
                for c in eq3eq6_maxes(eq3, eq6) {
                    for e4 in eq4_maxes(eq4) {
                        let mut max: Vec<(usize, &'static str)> = Vec::with_capacity(15);
                        max.extend_from_slice(a);
                        max.extend_from_slice(b);
                        max.extend_from_slice(c);
                        max.extend_from_slice(e4);
                        let e = match eq5 {
                            0 => "A",
                            1 => "P",
                            _ => "U",
                        };
                        max.push((E, e));
                        let (dist, ok) = distances(&eff, &max);
                        d = dist;
                        if ok {
                            break 'search;
                        }
                    }
                }
            }
        }

        let current_eq1 = d[AV] + d[PR] + d[UI];
        let current_eq2 = d[AC] + d[AT];
        let current_eq3eq6 = d[VC] + d[VI] + d[VA] + d[CR] + d[IR] + d[AR];
        let current_eq4 = d[SC] + d[SI] + d[SA];

        const STEP: f64 = 0.1;
        let mut n_existing_lower = 0_u32;
        let mut normalized = [0.0_f64; 5];
        let parts = [
            (score_eq1_lower, current_eq1, max_severity_eq1(eq1) * STEP),
            (score_eq2_lower, current_eq2, max_severity_eq2(eq2) * STEP),
            (
                score_eq3eq6_lower,
                current_eq3eq6,
                max_severity_eq3eq6(eq3, eq6) * STEP,
            ),
            (score_eq4_lower, current_eq4, max_severity_eq4(eq4) * STEP),
        ];
        for (slot, (lower_score, current, depth)) in normalized.iter_mut().zip(parts) {
            if let Some(lower_score) = lower_score {
                n_existing_lower += 1;
                let available = value - lower_score;
                *slot = available * (current / depth);
            }
        }
        // EQ5 counts towards the mean but its proportion is always 0.
        if let Some(lower_score) = score_eq5_lower {
            n_existing_lower += 1;
            normalized[4] = (value - lower_score) * 0.0;
        }
        let mean_distance = if n_existing_lower == 0 {
            0.0
        } else {
            (normalized[0] + normalized[1] + normalized[2] + normalized[3] + normalized[4])
                / f64::from(n_existing_lower)
        };
        let raw = (value - mean_distance).clamp(0.0, 10.0);
        // Round half up, lifted by 1e-6 first: an interpolation that is
        // exactly x.x5 in decimals lands one ULP below it in binary
        // (8.6 - 7.2 = 1.3999999999999995), and must still round up. This is
        // the rounding of the reference calculator since its 2024-11 fix
        // (RedHatProductSecurity/cvss-v4-calculator#67, `cvss` 3.3+);
        // deployments without the fix score 522 base vectors a tenth lower.
        Ok(((raw + ROUNDING_EPSILON) * 10.0).round() / 10.0)
    }

    /// The lift applied before the final rounding of a v4.0 score.
    const ROUNDING_EPSILON: f64 = 1e-6;

    /// The score of a macrovector, `None` for one that does not exist.
    pub(super) fn lookup(mv: [u8; 6]) -> Option<f64> {
        if mv.iter().any(|&d| d > 9) {
            return None;
        }
        let key = mv.iter().fold(0_u32, |acc, &d| acc * 10 + u32::from(d));
        LOOKUP
            .binary_search_by_key(&key, |&(k, _)| k)
            .ok()
            .map(|i| LOOKUP[i].1)
    }

    /// Macrovector scores (EQ1..EQ6 as a decimal number), CVSS v4.0
    /// specification / FIRST's `cvss_lookup.js`; sorted by key.
    pub(super) const LOOKUP: [(u32, f64); 270] = [
        (0, 10.0),
        (1, 9.9),
        (10, 9.8),
        (11, 9.5),
        (20, 9.5),
        (21, 9.2),
        (100, 10.0),
        (101, 9.6),
        (110, 9.3),
        (111, 8.7),
        (120, 9.1),
        (121, 8.1),
        (200, 9.3),
        (201, 9.0),
        (210, 8.9),
        (211, 8.0),
        (220, 8.1),
        (221, 6.8),
        (1000, 9.8),
        (1001, 9.5),
        (1010, 9.5),
        (1011, 9.2),
        (1020, 9.0),
        (1021, 8.4),
        (1100, 9.3),
        (1101, 9.2),
        (1110, 8.9),
        (1111, 8.1),
        (1120, 8.1),
        (1121, 6.5),
        (1200, 8.8),
        (1201, 8.0),
        (1210, 7.8),
        (1211, 7.0),
        (1220, 6.9),
        (1221, 4.8),
        (2001, 9.2),
        (2011, 8.2),
        (2021, 7.2),
        (2101, 7.9),
        (2111, 6.9),
        (2121, 5.0),
        (2201, 6.9),
        (2211, 5.5),
        (2221, 2.7),
        (10000, 9.9),
        (10001, 9.7),
        (10010, 9.5),
        (10011, 9.2),
        (10020, 9.2),
        (10021, 8.5),
        (10100, 9.5),
        (10101, 9.1),
        (10110, 9.0),
        (10111, 8.3),
        (10120, 8.4),
        (10121, 7.1),
        (10200, 9.2),
        (10201, 8.1),
        (10210, 8.2),
        (10211, 7.1),
        (10220, 7.2),
        (10221, 5.3),
        (11000, 9.5),
        (11001, 9.3),
        (11010, 9.2),
        (11011, 8.5),
        (11020, 8.5),
        (11021, 7.3),
        (11100, 9.2),
        (11101, 8.2),
        (11110, 8.0),
        (11111, 7.2),
        (11120, 7.0),
        (11121, 5.9),
        (11200, 8.4),
        (11201, 7.0),
        (11210, 7.1),
        (11211, 5.2),
        (11220, 5.0),
        (11221, 3.0),
        (12001, 8.6),
        (12011, 7.5),
        (12021, 5.2),
        (12101, 7.1),
        (12111, 5.2),
        (12121, 2.9),
        (12201, 6.3),
        (12211, 2.9),
        (12221, 1.7),
        (100000, 9.8),
        (100001, 9.5),
        (100010, 9.4),
        (100011, 8.7),
        (100020, 9.1),
        (100021, 8.1),
        (100100, 9.4),
        (100101, 8.9),
        (100110, 8.6),
        (100111, 7.4),
        (100120, 7.7),
        (100121, 6.4),
        (100200, 8.7),
        (100201, 7.5),
        (100210, 7.4),
        (100211, 6.3),
        (100220, 6.3),
        (100221, 4.9),
        (101000, 9.4),
        (101001, 8.9),
        (101010, 8.8),
        (101011, 7.7),
        (101020, 7.6),
        (101021, 6.7),
        (101100, 8.6),
        (101101, 7.6),
        (101110, 7.4),
        (101111, 5.8),
        (101120, 5.9),
        (101121, 5.0),
        (101200, 7.2),
        (101201, 5.7),
        (101210, 5.7),
        (101211, 5.2),
        (101220, 5.2),
        (101221, 2.5),
        (102001, 8.3),
        (102011, 7.0),
        (102021, 5.4),
        (102101, 6.5),
        (102111, 5.8),
        (102121, 2.6),
        (102201, 5.3),
        (102211, 2.1),
        (102221, 1.3),
        (110000, 9.5),
        (110001, 9.0),
        (110010, 8.8),
        (110011, 7.6),
        (110020, 7.6),
        (110021, 7.0),
        (110100, 9.0),
        (110101, 7.7),
        (110110, 7.5),
        (110111, 6.2),
        (110120, 6.1),
        (110121, 5.3),
        (110200, 7.7),
        (110201, 6.6),
        (110210, 6.8),
        (110211, 5.9),
        (110220, 5.2),
        (110221, 3.0),
        (111000, 8.9),
        (111001, 7.8),
        (111010, 7.6),
        (111011, 6.7),
        (111020, 6.2),
        (111021, 5.8),
        (111100, 7.4),
        (111101, 5.9),
        (111110, 5.7),
        (111111, 5.7),
        (111120, 4.7),
        (111121, 2.3),
        (111200, 6.1),
        (111201, 5.2),
        (111210, 5.7),
        (111211, 2.9),
        (111220, 2.4),
        (111221, 1.6),
        (112001, 7.1),
        (112011, 5.9),
        (112021, 3.0),
        (112101, 5.8),
        (112111, 2.6),
        (112121, 1.5),
        (112201, 2.3),
        (112211, 1.3),
        (112221, 0.6),
        (200000, 9.3),
        (200001, 8.7),
        (200010, 8.6),
        (200011, 7.2),
        (200020, 7.5),
        (200021, 5.8),
        (200100, 8.6),
        (200101, 7.4),
        (200110, 7.4),
        (200111, 6.1),
        (200120, 5.6),
        (200121, 3.4),
        (200200, 7.0),
        (200201, 5.4),
        (200210, 5.2),
        (200211, 4.0),
        (200220, 4.0),
        (200221, 2.2),
        (201000, 8.5),
        (201001, 7.5),
        (201010, 7.4),
        (201011, 5.5),
        (201020, 6.2),
        (201021, 5.1),
        (201100, 7.2),
        (201101, 5.7),
        (201110, 5.5),
        (201111, 4.1),
        (201120, 4.6),
        (201121, 1.9),
        (201200, 5.3),
        (201201, 3.6),
        (201210, 3.4),
        (201211, 1.9),
        (201220, 1.9),
        (201221, 0.8),
        (202001, 6.4),
        (202011, 5.1),
        (202021, 2.0),
        (202101, 4.7),
        (202111, 2.1),
        (202121, 1.1),
        (202201, 2.4),
        (202211, 0.9),
        (202221, 0.4),
        (210000, 8.8),
        (210001, 7.5),
        (210010, 7.3),
        (210011, 5.3),
        (210020, 6.0),
        (210021, 5.0),
        (210100, 7.3),
        (210101, 5.5),
        (210110, 5.9),
        (210111, 4.0),
        (210120, 4.1),
        (210121, 2.0),
        (210200, 5.4),
        (210201, 4.3),
        (210210, 4.5),
        (210211, 2.2),
        (210220, 2.0),
        (210221, 1.1),
        (211000, 7.5),
        (211001, 5.5),
        (211010, 5.8),
        (211011, 4.5),
        (211020, 4.0),
        (211021, 2.1),
        (211100, 6.1),
        (211101, 5.1),
        (211110, 4.8),
        (211111, 1.8),
        (211120, 2.0),
        (211121, 0.9),
        (211200, 4.6),
        (211201, 1.8),
        (211210, 1.7),
        (211211, 0.7),
        (211220, 0.8),
        (211221, 0.2),
        (212001, 5.3),
        (212011, 2.4),
        (212021, 1.4),
        (212101, 2.4),
        (212111, 1.2),
        (212121, 0.5),
        (212201, 1.0),
        (212211, 0.3),
        (212221, 0.1),
    ];
}

#[cfg(test)]
mod tests;
