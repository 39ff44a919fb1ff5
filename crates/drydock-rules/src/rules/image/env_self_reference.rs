use drydock_core::RuleMeta;
use drydock_core::spec::{ImageSpec, StepKind};

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports an `ENV` pair whose value refers to a variable set by an
    /// earlier pair of the same `ENV` instruction (`ENV A=1 B=$A`). A
    /// variable referring to its own previous value (`ENV PATH=/x:$PATH`)
    /// is fine.
    ///
    /// ## Why is this bad?
    /// All the values of one `ENV` are expanded before any is set: `$A`
    /// is the value `A` had *before* the instruction (usually empty), not
    /// the one just given, so `B` is not what it looks like.
    ///
    /// ## Example
    /// ```dockerfile
    /// ENV APP_HOME=/opt/app APP_BIN=$APP_HOME/bin
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// ENV APP_HOME=/opt/app
    /// ENV APP_BIN=$APP_HOME/bin
    /// ```
    ///
    /// ## How to fix
    /// Split the instruction so the variable is set before it is used.
    pub struct EnvSelfReference {
        id: "IMG060",
        name: "env-self-reference",
        title: "ENV refers to a variable set in the same instruction",
        severity: Medium,
        category: BestPractice,
        references: ["concern:71", "hadolint:DL3044"],
        fix: None,
    }
}

/// Names of the variables `$NAME` / `${NAME…}` referenced in Dockerfile
/// text (single quotes and escaped `$` are not expansions), with whether a
/// default (`${NAME:-x}`, `${NAME-x}`, `${NAME:+x}`, `${NAME+x}`) is given.
pub(crate) fn var_refs(text: &str, escape: char) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut sq = false;
    let mut dq = false;
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    while i < chars.len() {
        let c = chars[i];
        if sq {
            sq = c != '\'';
            i += 1;
            continue;
        }
        if c == escape {
            i += 2;
            continue;
        }
        match c {
            '\'' if !dq => sq = true,
            '"' => dq = !dq,
            '$' => {
                if chars.get(i + 1) == Some(&'{') {
                    let start = i + 2;
                    let mut j = start;
                    while j < chars.len() && is_name(chars[j]) {
                        j += 1;
                    }
                    if j > start {
                        let name: String = chars[start..j].iter().collect();
                        let default = matches!(chars.get(j), Some(':' | '-' | '+'));
                        out.push((name, default));
                    }
                    i = j;
                    continue;
                }
                let start = i + 1;
                let mut j = start;
                while j < chars.len() && is_name(chars[j]) {
                    j += 1;
                }
                if j > start && !chars[start].is_ascii_digit() {
                    out.push((chars[start..j].iter().collect(), false));
                }
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

impl Rule for EnvSelfReference {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for step in &image.steps {
            let StepKind::Env(kvs) = &step.kind else {
                continue;
            };
            for (i, kv) in kvs.iter().enumerate() {
                let raw = cx.text_of(&kv.value.origin);
                for (name, _) in var_refs(raw, '\\') {
                    if name == kv.key.value {
                        continue;
                    }
                    if let Some(earlier) = kvs[..i].iter().rev().find(|e| e.key.value == name) {
                        cx.report(
                            &kv.origin,
                            format!("`${name}` expands to the value `{name}` had before this `ENV`, not to the one this instruction sets"),
                        )
                        .add_related(earlier.origin.clone(), format!("`{name}` set in the same instruction"));
                        break;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::var_refs;

    #[test]
    fn refs() {
        let names =
            |s: &str| -> Vec<String> { var_refs(s, '\\').into_iter().map(|r| r.0).collect() };
        assert_eq!(names("$A/${B}/${C:-x}"), ["A", "B", "C"]);
        assert_eq!(names("'$A' \\$B $1"), Vec::<String>::new());
        assert_eq!(names("\"$A\""), ["A"]);
        assert_eq!(var_refs("${C:-x}", '\\'), [("C".to_string(), true)]);
    }
}
