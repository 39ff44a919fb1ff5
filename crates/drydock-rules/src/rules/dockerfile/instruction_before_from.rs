//! DKF014

use drydock_core::RuleMeta;

use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Reports an instruction other than `ARG` before the first `FROM`
    /// (`LABEL`, `ENV`, `RUN`, …). Only `ARG`, comments and parser
    /// directives may come first. The Dockerfile parser finds these (a
    /// refusal of BuildKit's, counted as a syntax error); this rule names
    /// them. A file with no `FROM` at all is a syntax error (SYN001).
    ///
    /// ## Why is this bad?
    /// BuildKit refuses the file (`no build stage in current context`):
    /// instructions belong to a stage, and there is none yet. An `ARG`
    /// before `FROM` is the exception: it declares a value for the `FROM`
    /// lines only.
    ///
    /// ## Example
    /// ```dockerfile
    /// LABEL org.opencontainers.image.source=https://github.com/acme/app
    /// FROM alpine:3.20
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM alpine:3.20
    /// LABEL org.opencontainers.image.source=https://github.com/acme/app
    /// ```
    ///
    /// ## How to fix
    /// Move the instruction after the `FROM` of the stage it belongs to.
    pub struct InstructionBeforeFrom {
        id: "DKF014",
        name: "instruction-before-from",
        title: "Dockerfile does not start with FROM or ARG",
        severity: High,
        category: Syntax,
        references: ["concern:72", "hadolint:DL3061"],
        fix: None,
    }
}

/// Reported by the engine from the parser's errors (see
/// `syntax::rule_for`); there is nothing left to check on the parsed file.
impl Rule for InstructionBeforeFrom {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
