//! SYN004: scripts, Makefiles, CI files and Markdown read for their
//! `docker run` lines (with `--include-scripts`).

use drydock_core::RuleMeta;

use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Reports a file read for its `docker run` / `docker create` lines
    /// (with `--include-scripts`) that drydock could not read whole: a
    /// GitHub Actions workflow or GitLab CI file that is not valid YAML, or
    /// a shell script whose syntax the shell parser could not follow (an
    /// unbalanced quote, another shell's syntax). The position is the first
    /// quote that is never closed, when there is one.
    ///
    /// ## Why is this bad?
    /// The container rules judge the `docker run` lines drydock can read.
    /// In a file it cannot read whole, a risky line may be missed: drydock
    /// reads the `docker` lines of a script that does not parse word by
    /// word and treats the words it cannot read as unknown, but reads
    /// nothing from invalid YAML. The file is often broken for its real
    /// reader too (`sh` stops at an unbalanced quote).
    ///
    /// ## Example
    /// ```sh
    /// #!/bin/sh
    /// docker run --privileged -v "/etc:/host-etc nginx
    /// ```
    ///
    /// ## How to fix
    /// Correct the syntax at the reported position, or check the file with
    /// `sh -n`, `shellcheck` or a YAML linter.
    pub struct ScriptSyntax {
        id: "SYN004",
        name: "script-syntax-error",
        title: "Script or CI file could not be read whole",
        severity: Low,
        category: Syntax,
        references: [],
        fix: None,
    }
}

impl Rule for ScriptSyntax {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
