//! Shared by the vector tests: where the upstream vectors are, and the
//! `A OP B` line format of osv-scalibr and apk-tools.
#![allow(dead_code, clippy::unwrap_used)]

use std::cmp::Ordering;
use std::path::PathBuf;

/// `../shared/testdata/versions/<rel>` (None, with a note, when the shared
/// data is not beside the checkout).
pub fn vectors(rel: &str) -> Option<String> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/versions")
        .join(rel);
    match std::fs::read_to_string(&p) {
        Ok(t) => Some(t),
        Err(_) => {
            eprintln!("skipped: {} not found", p.display());
            None
        }
    }
}

/// The `A OP B` cases of an osv-scalibr `*.txt` file: blank lines and
/// lines starting with `# ` or `// ` skipped, as its own runner does.
pub fn op_lines(text: &str) -> Vec<(String, Ordering, String)> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("# ") && !l.starts_with("// "))
        .filter_map(|l| {
            let parts: Vec<&str> = l.split_whitespace().collect();
            let [a, op, b] = parts.as_slice() else {
                return None;
            };
            let ord = match *op {
                "<" => Ordering::Less,
                "=" => Ordering::Equal,
                ">" => Ordering::Greater,
                _ => return None,
            };
            Some((a.to_string(), ord, b.to_string()))
        })
        .collect()
}

/// Runs every `A OP B` line of an osv-scalibr file through `compare` and
/// asserts they all agree (listing every disagreement); the case count, or
/// `None` when the shared data is missing.
pub fn run_ops(
    rel: &str,
    compare: impl Fn(&str, &str) -> Result<Ordering, String>,
) -> Option<usize> {
    let text = vectors(rel)?;
    let cases = op_lines(&text);
    let mut bad = Vec::new();
    for (a, op, b) in &cases {
        match compare(a, b) {
            Ok(got) if got == *op => {}
            got => bad.push(format!("{a} {op:?} {b}: got {got:?}")),
        }
    }
    assert!(!cases.is_empty(), "{rel}: no cases");
    assert!(
        bad.is_empty(),
        "{rel}: {} of {} disagree:\n{}",
        bad.len(),
        cases.len(),
        bad.join("\n")
    );
    Some(cases.len())
}
