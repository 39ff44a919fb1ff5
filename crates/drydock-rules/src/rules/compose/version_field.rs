//! CMP001

use drydock_core::{Edit, Fix, RuleMeta, TextRange};

use crate::declare_rule;
use crate::rule::{Checker, ComposeCx, Rule};

declare_rule! {
    /// ## What it does
    /// Reports the top-level `version:` key of a Compose file.
    ///
    /// ## Why is this bad?
    /// The Compose Specification made `version` obsolete: Compose v2 ignores
    /// it (and warns), and always applies the latest schema. Keeping it
    /// suggests that the file is validated against that version, which it
    /// is not, and tools that still branch on it (some KICS queries skip
    /// files without `version: 3`) judge the file inconsistently.
    ///
    /// ## Example
    /// ```yaml
    /// version: "3.8"
    /// services:
    ///   web:
    ///     image: nginx:1.27
    /// ```
    ///
    /// ## How to fix
    /// Delete the `version:` line.
    ///
    /// ## Fix
    /// Deletes the `version:` line when it holds nothing but the key, its
    /// value and possibly a comment (and a blank line that follows it at
    /// the top of the file). Safe: Compose ignores the key.
    pub struct ObsoleteVersionField {
        id: "CMP001",
        name: "obsolete-version-field",
        title: "Compose file has an obsolete version field",
        severity: Info,
        category: BestPractice,
        references: ["concern:122"],
        fix: Safe,
    }
}

/// The range of the whole line holding `value` (a top-level `version:`
/// entry), with its terminator, when the line holds nothing else.
fn version_line(text: &str, value: TextRange) -> Option<TextRange> {
    let start = value.start as usize;
    let end = value.end as usize;
    let line_start = text.get(..start)?.rfind('\n').map_or(0, |i| i + 1);
    let line_end = text
        .get(end..)?
        .find('\n')
        .map_or(text.len(), |i| end + i + 1);
    let head = text.get(line_start..start)?;
    let key = head
        .strip_prefix("version")
        .or_else(|| head.strip_prefix("\"version\""))
        .or_else(|| head.strip_prefix("'version'"))?;
    let after_colon = key.trim_start().strip_prefix(':')?.trim();
    if !matches!(after_colon, "" | "\"" | "'") {
        return None;
    }
    let tail = text
        .get(end..line_end)?
        .trim_start_matches(['"', '\''])
        .trim();
    if !(tail.is_empty() || tail.starts_with('#')) {
        return None;
    }
    let mut out_end = line_end;
    // At the top of the file, also take one blank line that follows.
    if line_start == 0
        && let Some(next) = text.get(line_end..)
        && let Some(n) = next.find('\n').map(|i| i + 1)
        && next[..n].trim().is_empty()
    {
        out_end = line_end + n;
    }
    Some(TextRange::from_usize(line_start, out_end))
}

impl Rule for ObsoleteVersionField {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, cx: &mut Checker<'_>, compose: &ComposeCx<'_>) {
        let Some(version) = &compose.project.version else {
            return;
        };
        let fix = version.origin.file_range().and_then(|(file, range)| {
            if file != compose.project.file {
                return None;
            }
            version_line(compose.text, range).map(|line| Edit::delete(file, line))
        });
        let f = cx.report(
            &version.origin,
            format!("`version: {}` is obsolete: Compose ignores it and always uses the current specification", version.value.trim()),
        );
        if let Some(edit) = fix {
            f.set_fix(Fix::safe("Remove the `version` line", vec![edit]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str, value: &str) -> Option<String> {
        let start = text.find(value)?;
        let r = version_line(text, TextRange::from_usize(start, start + value.len()))?;
        Some(text[r.as_usize()].to_string())
    }

    #[test]
    fn lines() {
        assert_eq!(
            line("version: \"3.8\"\n\nservices: {}\n", "\"3.8\"").as_deref(),
            Some("version: \"3.8\"\n\n")
        );
        assert_eq!(
            line("# x\nversion: '3' # old\nservices: {}\n", "'3'").as_deref(),
            Some("version: '3' # old\n")
        );
        assert_eq!(line("{version: '3', services: {}}\n", "'3'"), None);
        assert_eq!(line("version: 3", "3").as_deref(), Some("version: 3"));
        assert_eq!(
            line("version: \"3\"\nservices: {}\n", "3").as_deref(),
            Some("version: \"3\"\n")
        );
        assert_eq!(line("version: 3\nx: 1\n", "x"), None);
    }
}
