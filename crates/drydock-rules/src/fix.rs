//! Applying fixes: in rounds, re-linting after each, rolling back a round
//! that breaks the file (ruff's approach).

use drydock_core::{Applicability, Edit, Finding};

use crate::engine::{Input, LintEnv, LintResult, lint};
use crate::settings::Settings;

/// How many rounds at most; fixes that keep producing new fixes stop here.
pub const MAX_ROUNDS: usize = 10;

#[derive(Debug)]
pub struct FixOutcome {
    /// The text after all rounds (equal to the input when nothing applied).
    pub text: String,
    /// The lint of `text`: what is left after fixing.
    pub result: LintResult,
    pub applied: usize,
    pub rounds: usize,
    /// A round introduced syntax errors and was undone.
    pub rolled_back: bool,
}

/// Whether a finding's fix may be applied with these options, and every
/// edit lands in the primary file.
fn applicable(f: &Finding, primary: drydock_core::FileId, unsafe_fixes: bool) -> bool {
    f.fix.as_ref().is_some_and(|fix| {
        (fix.applicability == Applicability::Safe || unsafe_fixes)
            && !fix.edits.is_empty()
            && fix.edits.iter().all(|e| e.file == primary)
    })
}

/// Applies non-overlapping edits to `text`. Edits must be sorted by start.
pub fn apply_edits(text: &str, edits: &[&Edit]) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut last = 0usize;
    for e in edits {
        let (s, end) = (e.range.start as usize, e.range.end as usize);
        if s < last || end > text.len() || !text.is_char_boundary(s) || !text.is_char_boundary(end)
        {
            continue;
        }
        out.push_str(&text[last..s]);
        out.push_str(&e.content);
        last = end;
    }
    out.push_str(&text[last..]);
    out
}

/// Lints `input` and applies its fixes until none is left, a round breaks
/// the file, or [`MAX_ROUNDS`] is reached.
pub fn fix(
    input: &Input<'_>,
    settings: &Settings,
    env: &LintEnv<'_>,
    unsafe_fixes: bool,
) -> FixOutcome {
    let mut text: String = input.text.to_string();
    let mut applied = 0;
    let mut rounds = 0;
    let mut rolled_back = false;
    let mut current = lint(input, settings, env);
    while rounds < MAX_ROUNDS {
        let primary = current.primary;
        let mut fixes: Vec<&Finding> = current
            .findings
            .iter()
            .filter(|f| applicable(f, primary, unsafe_fixes))
            .collect();
        if fixes.is_empty() {
            break;
        }
        fixes.sort_by_key(|f| {
            f.fix
                .as_ref()
                .and_then(|x| x.edits.first())
                .map(|e| e.range.start)
        });
        // Take whole fixes whose edits overlap no edit already taken.
        let mut taken: Vec<&Edit> = Vec::new();
        let mut count = 0;
        for f in fixes {
            let Some(fx) = &f.fix else { continue };
            let clashes = fx.edits.iter().any(|e| {
                taken.iter().any(|t| {
                    t.range.overlaps(e.range)
                        || (t.range.start == e.range.start
                            && (t.range.is_empty() || e.range.is_empty()))
                })
            });
            if !clashes {
                taken.extend(fx.edits.iter());
                count += 1;
            }
        }
        taken.sort_by_key(|e| (e.range.start, e.range.end));
        let new_text = apply_edits(&text, &taken);
        rounds += 1;
        if new_text == text {
            break;
        }
        let next_input = Input {
            text: new_text.as_str().into(),
            ..input.clone()
        };
        let next = lint(&next_input, settings, env);
        if next.syntax_errors > current.syntax_errors {
            rolled_back = true;
            break;
        }
        text = new_text;
        applied += count;
        current = next;
    }
    FixOutcome {
        text,
        result: current,
        applied,
        rounds,
        rolled_back,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use drydock_core::{FileId, TextRange};

    #[test]
    fn applies_sorted_edits() {
        let e1 = Edit::replace(FileId(0), TextRange::new(0, 3), "COPY");
        let e2 = Edit::insert(FileId(0), 7, "!");
        assert_eq!(apply_edits("ADD a b\n", &[&e1, &e2]), "COPY a b!\n");
    }

    #[test]
    fn skips_bad_edits() {
        let e = Edit::replace(FileId(0), TextRange::new(1, 2), "x");
        assert_eq!(apply_edits("é", &[&e]), "é");
        let e = Edit::replace(FileId(0), TextRange::new(5, 9), "x");
        assert_eq!(apply_edits("abc", &[&e]), "abc");
    }
}
