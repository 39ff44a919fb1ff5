//! CTR028

use drydock_core::RuleMeta;
use drydock_core::spec::ContainerSpec;

use super::support::svc;
use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::image::secret_in_arg_env::is_secret_name;

declare_rule! {
    /// ## What it does
    /// Reports a Compose `build.args` entry whose name says it holds a
    /// credential (`NPM_TOKEN`, `DB_PASSWORD`, `AWS_SECRET_ACCESS_KEY`,
    /// `API_KEY`, …), whether its value is written in the file or taken from
    /// the environment (`NPM_TOKEN: ${NPM_TOKEN}`, or a bare `- NPM_TOKEN`).
    /// Names that point to a file (`…_FILE`, `…_PATH`) and entries with an
    /// empty literal value are not reported.
    ///
    /// ## Why is this bad?
    /// A build argument is not a secret store. Every `RUN` step that uses it
    /// records its value in the image history (`docker history`
    /// shows `|1 NPM_TOKEN=… /bin/sh -c …`), so it ships with the image to
    /// every registry and host that pulls it; provenance attestations
    /// record build arguments too. A literal value is also in the Compose
    /// file and its version control history.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     build:
    ///       context: .
    ///       args:
    ///         NPM_TOKEN: ${NPM_TOKEN}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   web:
    ///     build:
    ///       context: .
    ///       secrets:
    ///         - npm_token
    /// secrets:
    ///   npm_token:
    ///     environment: NPM_TOKEN
    /// ```
    /// with `RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci` in
    /// the Dockerfile.
    ///
    /// ## How to fix
    /// Pass the credential as a build secret: declare it under the
    /// top-level `secrets:` (from a `file:` or an `environment:` variable),
    /// list it in the service's `build.secrets`, and read it in the
    /// Dockerfile with `RUN --mount=type=secret,id=…`, which exposes it to
    /// that one step only and never writes it into a layer. Remove the
    /// `ARG` from the Dockerfile, and rotate the credential if images built
    /// with it were pushed.
    pub struct SecretInBuildArgs {
        id: "CTR028",
        name: "secret-in-build-args",
        title: "Secret passed as a Compose build argument",
        severity: High,
        category: Secrets,
        references: ["concern:113"],
        fix: None,
    }
}

/// Whether the text as written refers to a variable (`$X`, `${X}`), not
/// counting the escaped `$$`.
fn refers_to_variable(written: &str) -> bool {
    written.replace("$$", "").contains('$')
}

impl Rule for SecretInBuildArgs {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        let Some(build) = &c.build else {
            return;
        };
        for (name, value) in &build.args {
            if !is_secret_name(&name.value) {
                continue;
            }
            let from_env = match value {
                None => true,
                Some(v) => {
                    if refers_to_variable(cx.text_of(&v.origin)) {
                        true
                    } else if v.value.trim().is_empty() {
                        continue;
                    } else {
                        false
                    }
                }
            };
            let what = if from_env {
                "from the environment as a build argument: its value is recorded in the image history"
            } else {
                "as a build argument with a literal value: it is written in the Compose file and recorded in the image history"
            };
            cx.report(
                &name.origin,
                format!(
                    "{} passes `{}` {what}; use `build.secrets` and `RUN --mount=type=secret` instead",
                    svc(c),
                    name.value
                ),
            );
        }
    }
}
