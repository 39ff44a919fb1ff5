//! DKF013

use drydock_core::RuleMeta;

use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Reports an `ONBUILD` whose trigger is `ONBUILD`, `FROM` or
    /// `MAINTAINER`. The Dockerfile parser finds these (they are refusals
    /// of BuildKit's grammar, and count as syntax errors); this rule names
    /// them.
    ///
    /// ## Why is this bad?
    /// BuildKit refuses the file: `Chaining ONBUILD via ONBUILD ONBUILD
    /// isn't allowed`, `FROM isn't allowed as an ONBUILD trigger`. Older
    /// builders accepted some of these and then failed, or silently did
    /// something else, in every image built `FROM` this one.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine:3.20
    /// ONBUILD FROM debian:12
    /// ONBUILD ONBUILD RUN make
    /// ```
    ///
    /// ## How to fix
    /// Remove the trigger. A downstream image chooses its own base with its
    /// own `FROM`; triggers cannot be nested; use `LABEL
    /// org.opencontainers.image.authors=…` instead of `MAINTAINER`.
    pub struct BadOnbuildTrigger {
        id: "DKF013",
        name: "bad-onbuild-trigger",
        title: "ONBUILD trigger is ONBUILD, FROM or MAINTAINER",
        severity: High,
        category: Syntax,
        references: ["concern:70", "hadolint:DL3043"],
        fix: None,
    }
}

/// Reported by the engine from the parser's errors (see
/// `syntax::rule_for`); there is nothing left to check on the parsed file.
impl Rule for BadOnbuildTrigger {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
