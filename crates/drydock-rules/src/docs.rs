//! Rule documentation generated from the rule declarations: one Markdown
//! page per rule and an index. `drydock rules --write-docs docs/rules` writes
//! them; a test fails when the committed pages are stale.

use std::fmt::Write as _;

use drydock_core::RuleMeta;
use drydock_core::rule::clean_docs;

use crate::registry::all_rules;

/// Renders one rule's page.
pub fn rule_page(m: &RuleMeta) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {} `{}`: {}\n", m.id, m.name, m.title);
    let _ = writeln!(s, "| severity | category | fix |\n|---|---|---|");
    let _ = writeln!(
        s,
        "| {} | {} | {} |\n",
        m.severity,
        m.category,
        m.fix.as_str()
    );
    if !m.default_enabled {
        let _ = writeln!(s, "{}\n", off_by_default_note(m));
    }
    s.push_str(&clean_docs(m.docs));
    s.push_str("\n\n## References\n\n");
    if m.references.is_empty() {
        s.push_str("None: this rule is drydock's own.\n");
    }
    for r in m.references {
        let _ = writeln!(s, "- {}", describe_reference(r));
    }
    s
}

/// What a rule page says about an opt-in rule (`default_enabled == false`).
pub fn off_by_default_note(m: &RuleMeta) -> String {
    format!(
        "**Off by default.** Enable it by its ID: `--select {id}` or `select = [\"{id}\"]` in drydock.toml; \
         selecting its family (`{family}`) or `all` does not enable it.",
        id = m.id,
        family = m.id.trim_end_matches(|c: char| c.is_ascii_digit()),
    )
}

/// A reference in words, with a link where there is a stable one.
pub fn describe_reference(r: &str) -> String {
    let Some((kind, value)) = r.split_once(':') else {
        return format!("`{r}`");
    };
    match kind {
        "cis-docker-1.6" => format!("CIS Docker Benchmark v1.6.0, check {value} (`{r}`)"),
        "hadolint" => {
            format!("hadolint [{value}](https://github.com/hadolint/hadolint/wiki/{value}) (`{r}`)")
        }
        "checkov" => format!("Checkov {value} (`{r}`)"),
        "trivy" => format!("Trivy {value} (`{r}`)"),
        "dockle" => format!("Dockle {value} (`{r}`)"),
        "kics" => format!("KICS query “{value}” (`{r}`)"),
        "buildkit" => format!("BuildKit build check {value} (`{r}`)"),
        "semgrep" => format!("Semgrep rule {value} (`{r}`)"),
        "compose-lint" => format!("compose-lint {value} (`{r}`)"),
        "concern" => format!("Row {value} of the merged concern table (`{r}`)"),
        "gap" => format!("Gap {value}: covered by no other surveyed tool (`{r}`)"),
        _ => format!("`{r}`"),
    }
}

/// The index page: every rule in a table.
pub fn index_page() -> String {
    let mut s = String::from(
        "# drydock rules\n\nGenerated from the rule declarations by `drydock rules --write-docs docs/rules`; \
         do not edit by hand (a test fails when this directory is stale).\n\n\
         Families: `SYN` files that do not parse · `IMG` images and their build steps · `DKF` Dockerfile \
         structure · `CTR` containers · `CMP` Compose projects · `DMN` the daemon · `SEC` secret values · `VUL` known vulnerabilities of packages · `DRY` drydock itself.\n\n\
         Rules marked *(off by default)* run only when selected by their ID (`--select DRY002`).\n\n\
         Pure formatting and ordering preferences (concern row 124 of the merged table: quoting, key order) \
         are deliberately not rules: they are not security problems.\n\n\
         | ID | name | title | severity | category | fix |\n|---|---|---|---|---|---|\n",
    );
    for r in all_rules() {
        let m = r.meta();
        let _ = writeln!(
            s,
            "| [{id}]({id}.md) | `{}` | {}{} | {} | {} | {} |",
            m.name,
            m.title.replace('|', "\\|"),
            if m.default_enabled {
                ""
            } else {
                " (off by default)"
            },
            m.severity,
            m.category,
            m.fix.as_str(),
            id = m.id
        );
    }
    s
}

/// Every generated file: `(file name, content)`.
pub fn all_pages() -> Vec<(String, String)> {
    let mut out = vec![("README.md".to_string(), index_page())];
    for r in all_rules() {
        let m = r.meta();
        out.push((format!("{}.md", m.id), rule_page(m)));
    }
    out
}
