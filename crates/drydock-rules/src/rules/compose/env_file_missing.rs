//! CMP007

use drydock_core::RuleMeta;

use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Reports an `env_file` that does not exist where the Compose file
    /// says, unless it is marked `required: false`. The Compose loader finds
    /// these; this rule names them. Other problems reading an `env_file`
    /// (permissions, size) stay with `compose-syntax-error`.
    ///
    /// ## Why is this bad?
    /// `docker compose up` refuses to start the service. In a repository
    /// this is often deliberate (an env file holding secrets is kept out of
    /// version control, which is right), but then drydock cannot see the
    /// variables the file would set, and the Compose file gives no hint that
    /// it must be supplied.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: example/app:1.0
    ///     env_file: app.env   # not in the repository
    /// ```
    ///
    /// ## How to fix
    /// Commit a template (`app.env.example`) and document how to create the
    /// file, or mark an optional file so:
    /// ```yaml
    ///     env_file:
    ///       - path: app.env
    ///         required: false
    /// ```
    pub struct EnvFileMissing {
        id: "CMP007",
        name: "env-file-missing",
        title: "env_file does not exist",
        severity: Low,
        category: Syntax,
        references: ["concern:123"],
        fix: None,
    }
}

/// Reported by the engine from the Compose loader's errors (see
/// `syntax::rule_for`); there is nothing left to check on the project.
impl Rule for EnvFileMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
