//! `docs/coverage.md`: which rule covers each row of the merged concern
//! table (`data/concerns.tsv`, §9 of the static-checker survey) and each gap
//! no other tool covers (§10), generated from the rule declarations'
//! `concern:N` and `gap:N` references. `drydock rules --write-coverage
//! docs/coverage.md` writes it; a test fails when the committed page is stale.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::registry::all_rules;

/// The table, as shipped (see the file's header for its origin).
const CONCERNS_TSV: &str = include_str!("../data/concerns.tsv");

/// Rows deliberately left without a rule, with the reason.
pub const NOT_COVERED: &[(u32, &str)] = &[(
    124,
    "formatting and ordering preferences (quoting, key order) are not security problems; \
     a formatter's job, not a security linter's",
)];

/// The tools the table has a column for, in column order.
pub const TOOLS: [&str; 7] = [
    "hadolint", "Trivy", "Checkov", "Dockle", "KICS", "dclint", "other",
];

/// The gaps of §10, which no surveyed tool covers.
pub const GAPS: &[(u32, &str)] = &[
    (
        1,
        "Remote script piped into a shell (`curl … | sh`, `bash <(curl …)`)",
    ),
    (
        2,
        "Downloads without an integrity check (`curl`/`wget` without `sha256sum -c`/`gpg --verify`; `ADD <url>` without `--checksum`)",
    ),
    (3, "setuid/setgid bits set in RUN (`chmod u+s`, `+s`)"),
    (
        4,
        "Secret or unneeded files reach the image (`COPY . .` without a protective `.dockerignore`)",
    ),
    (
        5,
        "Build secrets passed through `ARG`/`build.args` and read in RUN instead of `RUN --mount=type=secret`",
    ),
    (
        6,
        "Compose: `cgroup: host`, `sysctls`, `ulimits`, OOM settings, Docker API port publication, `DOCKER_HOST=tcp://` without TLS, `build.privileged`/entitlements",
    ),
    (
        7,
        "Cross-file reasoning: Compose `build:` joined to its Dockerfile (`user:` overriding `USER`, healthcheck in either place)",
    ),
    (
        8,
        "daemon.json as a file: missing log rotation, `ip` left at 0.0.0.0, `debug: true`",
    ),
    (
        9,
        "Robust heredoc handling (every RUN rule also reads heredoc bodies)",
    ),
];

/// One row of the merged concern table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Concern {
    pub number: u32,
    pub section: &'static str,
    pub concern: &'static str,
    /// One cell per entry of [`TOOLS`]: `—` not covered, `n/a` the tool
    /// does not read that artifact, else the tool's rule.
    pub tools: [&'static str; 7],
}

impl Concern {
    /// Whether `tool` (an index into [`TOOLS`]) covers the row.
    pub fn covered_by(&self, tool: usize) -> bool {
        self.tools
            .get(tool)
            // A cell wholly in parentheses ("(parse errors only)", "(DS-0032
            // unmerged)") notes something that does not count as coverage.
            .is_some_and(|c| !matches!(c.trim(), "" | "—" | "n/a") && !c.starts_with('('))
    }
}

/// The rows of the table, in order.
pub fn concerns() -> Vec<Concern> {
    CONCERNS_TSV
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let cells: Vec<&'static str> = l.split('\t').collect();
            let [n, section, concern, rest @ ..] = cells.as_slice() else {
                return None;
            };
            let tools: [&'static str; 7] = rest.try_into().ok()?;
            Some(Concern {
                number: n.parse().ok()?,
                section,
                concern,
                tools,
            })
        })
        .collect()
}

/// Rule IDs by the number their `<kind>:N` references name.
fn rules_by_reference(kind: &str) -> BTreeMap<u32, Vec<&'static str>> {
    let mut map: BTreeMap<u32, Vec<&'static str>> = BTreeMap::new();
    for r in all_rules() {
        let m = r.meta();
        for reference in m.references {
            if let Some(n) = reference
                .strip_prefix(kind)
                .and_then(|s| s.strip_prefix(':'))
                .and_then(|s| s.parse().ok())
            {
                map.entry(n).or_default().push(m.id);
            }
        }
    }
    map
}

fn rule_links(ids: &[&str]) -> String {
    ids.iter()
        .map(|id| format!("[{id}](rules/{id}.md)"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// The coverage page.
pub fn coverage_page() -> String {
    let rows = concerns();
    let by_concern = rules_by_reference("concern");
    let by_gap = rules_by_reference("gap");
    let covered = rows
        .iter()
        .filter(|c| by_concern.contains_key(&c.number))
        .count();

    let mut s = String::from(
        "# Coverage of the merged concern table\n\n\
         Generated from the rule declarations (`concern:N` and `gap:N` references) and \
         `crates/drydock-rules/data/concerns.tsv` (§9 of the survey of hadolint, Trivy, Checkov, \
         Dockle, KICS, dclint and others) by `drydock rules --write-coverage docs/coverage.md`; do not \
         edit by hand (a test fails when this page is stale).\n\n",
    );
    let _ = writeln!(
        s,
        "drydock has a rule for **{covered} of the {} concerns**.",
        rows.len()
    );
    for (n, why) in NOT_COVERED {
        let _ = writeln!(s, "Row {n} is deliberately left out: {why}.");
    }
    s.push_str("\n| tool | rows covered |\n|---|---|\n");
    let _ = writeln!(s, "| **drydock** | **{covered}** |");
    for (i, tool) in TOOLS.iter().enumerate() {
        let n = rows.iter().filter(|c| c.covered_by(i)).count();
        let name = if *tool == "other" {
            "any of the others (BuildKit checks, compose-lint, Semgrep, Docker Bench, InSpec)"
        } else {
            tool
        };
        let _ = writeln!(s, "| {name} | {n} |");
    }

    let mut section = "";
    for c in &rows {
        if c.section != section {
            section = c.section;
            let _ = write!(
                s,
                "\n## {section}\n\n| # | concern | drydock | hadolint | Trivy | Checkov | Dockle | KICS | dclint | other |\n\
                 |---|---|---|---|---|---|---|---|---|---|\n"
            );
        }
        let drydock = match by_concern.get(&c.number) {
            Some(ids) => rule_links(ids),
            None => NOT_COVERED
                .iter()
                .find(|(n, _)| *n == c.number)
                .map_or_else(|| "**none**".to_string(), |_| "left out (see above)".into()),
        };
        let _ = write!(s, "| {} | {} | {drydock} |", c.number, cell(c.concern));
        for t in &c.tools {
            let _ = write!(s, " {} |", cell(t));
        }
        s.push('\n');
    }

    s.push_str(
        "\n## Gaps no other tool covers\n\n§10 of the survey: concerns none of the surveyed tools has a rule for.\n\n\
         | gap | concern | drydock |\n|---|---|---|\n",
    );
    for (n, what) in GAPS {
        let rules = match (by_gap.get(n), *n) {
            (Some(ids), _) => rule_links(ids),
            // Not a rule but a property of the parser every RUN rule uses.
            (None, 9) => "the Dockerfile parser: heredoc bodies (`RUN <<EOF`, several per \
                          instruction, `<<-`, quoted delimiters) are parsed as shell, so every RUN \
                          rule reads them"
                .into(),
            (None, _) => "**none**".into(),
        };
        let _ = writeln!(s, "| {n} | {} | {rules} |", cell(what));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_every_row_once() {
        let rows = concerns();
        let numbers: Vec<u32> = rows.iter().map(|c| c.number).collect();
        assert_eq!(numbers, (1..=148).collect::<Vec<_>>());
        assert!(rows.iter().all(|c| !c.concern.is_empty()));
    }

    #[test]
    fn tool_counts_match_the_survey() {
        // §9's own tally: "Rows covered per anchor: KICS 68, hadolint 55,
        // Trivy 30, Checkov 20, Dockle 19, dclint 9."
        let rows = concerns();
        let counts: Vec<usize> = (0..6)
            .map(|i| rows.iter().filter(|c| c.covered_by(i)).count())
            .collect();
        assert_eq!(counts, [55, 30, 20, 19, 68, 9], "{TOOLS:?}");
    }

    #[test]
    fn every_row_but_the_deliberate_ones_has_a_rule() {
        let by_concern = rules_by_reference("concern");
        let missing: Vec<u32> = concerns()
            .iter()
            .map(|c| c.number)
            .filter(|n| !by_concern.contains_key(n) && !NOT_COVERED.iter().any(|(m, _)| m == n))
            .collect();
        assert!(
            missing.is_empty(),
            "concern rows without a rule: {missing:?}"
        );
        let by_gap = rules_by_reference("gap");
        let gaps: Vec<u32> = GAPS
            .iter()
            .map(|(n, _)| *n)
            .filter(|n| *n != 9 && !by_gap.contains_key(n))
            .collect();
        assert!(gaps.is_empty(), "gaps without a rule: {gaps:?}");
    }

    #[test]
    fn references_name_existing_rows_and_gaps() {
        for (n, ids) in rules_by_reference("concern") {
            assert!((1..=148).contains(&n), "{ids:?} reference concern:{n}");
        }
        for (n, ids) in rules_by_reference("gap") {
            assert!(
                GAPS.iter().any(|(g, _)| *g == n),
                "{ids:?} reference gap:{n}"
            );
        }
    }
}
