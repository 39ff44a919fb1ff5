use drydock_core::RuleMeta;
use drydock_core::spec::{ImageSpec, ShellCommand, StepKind};

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports pip's `--extra-index-url` in a `RUN` (`pip install`,
    /// `python -m pip install`, `uv pip install`) and the
    /// `PIP_EXTRA_INDEX_URL` variable set by `ENV` or declared by `ARG`.
    ///
    /// ## Why is this bad?
    /// pip looks a package up on every index and installs the highest
    /// version it finds on any of them. A private package name that is not
    /// also registered on PyPI can be registered there by anyone, with a
    /// higher version: pip then installs the attacker's package
    /// (dependency confusion).
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN pip install --extra-index-url https://pypi.example.com/simple internal-lib
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN pip install --index-url https://pypi.example.com/simple internal-lib
    /// ```
    ///
    /// ## How to fix
    /// Use a single index (`--index-url`) that proxies PyPI and serves the
    /// private packages first, or pin packages by hash
    /// (`--require-hashes`).
    pub struct PipExtraIndexUrl {
        id: "IMG052",
        name: "pip-extra-index-url",
        title: "pip --extra-index-url (dependency confusion)",
        severity: Medium,
        category: SupplyChain,
        references: ["concern:29", "semgrep:dockerfile-pip-extra-index-url"],
        fix: None,
    }
}

fn is_pip(cmd: &ShellCommand) -> bool {
    let p = cmd.program();
    if p == "pip"
        || (p.starts_with("pip") && p[3..].bytes().all(|b| b.is_ascii_digit() || b == b'.'))
    {
        return true;
    }
    let first_two: Vec<&str> = cmd.args.iter().take(2).map(|w| w.text.as_str()).collect();
    if p.starts_with("python") && first_two.first() == Some(&"-m") {
        return first_two.get(1) == Some(&"pip");
    }
    p == "uv" && first_two.first() == Some(&"pip")
}

impl Rule for PipExtraIndexUrl {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for step in &image.steps {
            match &step.kind {
                StepKind::Env(kvs) => {
                    for kv in kvs {
                        if kv.key.value == "PIP_EXTRA_INDEX_URL"
                            && !kv.value.value.trim().is_empty()
                        {
                            cx.report(&kv.origin, "`PIP_EXTRA_INDEX_URL` makes pip look packages up on a second index (dependency confusion)");
                        }
                    }
                }
                StepKind::Arg(decls) => {
                    for d in decls {
                        // Declared without a default it is still passed to every RUN.
                        if d.name.value == "PIP_EXTRA_INDEX_URL" {
                            cx.report(&d.origin, "`PIP_EXTRA_INDEX_URL` makes pip look packages up on a second index (dependency confusion)");
                        }
                    }
                }
                _ => {}
            }
        }
        for (_, cmd) in image.commands() {
            if !is_pip(cmd) {
                continue;
            }
            if let Some(w) = cmd.long_value_word("extra-index-url") {
                cx.report(&w.origin, "`pip --extra-index-url` looks packages up on a second index: a package name not registered on PyPI can be taken there (dependency confusion)");
            }
        }
    }
}
