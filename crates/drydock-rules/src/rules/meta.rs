//! Rules about drydock's own comments.

use drydock_core::RuleMeta;

use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Reports a `# drydock:ignore=…` or `# drydock:ignore-file=…` comment
    /// that suppresses no finding, or that names a rule drydock does not
    /// have.
    ///
    /// ## Why is this bad?
    /// A stale suppression hides the next real finding of that rule at that
    /// place, long after the reason for it has gone.
    ///
    /// ## Example
    /// ```dockerfile
    /// # drydock:ignore=IMG002 the base image runs as nobody
    /// FROM alpine:3.20
    /// ```
    ///
    /// ## How to fix
    /// Remove the comment, or the rule IDs in it that no longer apply.
    ///
    /// ## Fix
    /// When nothing in the comment is used, the fix deletes the comment
    /// (the whole line when it stands alone). Safe: suppressions do not
    /// change what is built or run.
    pub struct UnusedSuppression {
        id: "DRY001",
        name: "unused-suppression",
        title: "Suppression comment suppresses nothing",
        severity: Info,
        category: BestPractice,
        references: [],
        fix: Safe,
    }
}

impl Rule for UnusedSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
