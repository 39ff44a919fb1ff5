use std::collections::BTreeMap;

use drydock_core::RuleMeta;
use drydock_core::spec::{ArgDecl, ImageSpec, RunStep, StepKind, Word};

use super::secret_in_arg_env::is_secret_name;
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a `RUN` that reads a build argument whose name says it is a
    /// secret (`$NPM_TOKEN`, `${GITHUB_TOKEN}`; the same name classifier
    /// as IMG017), at the word that reads it, with the `ARG` as a related
    /// location. A `RUN` that mounts a build secret with that `id` or
    /// `env` (`--mount=type=secret,id=npm_token,env=NPM_TOKEN`) is not
    /// reported: there the variable is the secret, not the argument.
    ///
    /// IMG017 reports the `ARG` declaration (a secret-looking name is a
    /// warning sign in itself); this rule reports where the value is used,
    /// which is what puts it into the build record. A Dockerfile that
    /// declares such an `ARG` and reads it has both findings; fixing the
    /// use (a secret mount) and removing the `ARG` clears both. In a
    /// Compose project, CTR028 reports the `build.args` entry that supplies
    /// the value.
    ///
    /// ## Why is this bad?
    /// Build arguments are not secret. The value is in the environment of
    /// every `RUN` of the stage, BuildKit writes the arguments of a step
    /// into the image history (`docker history` shows
    /// `RUN |1 NPM_TOKEN=… /bin/sh -c …`) and into provenance attestations,
    /// and the build cache keys on it. Whoever pulls the image, or reads
    /// the CI log of the build, has the credential. Name-based checks
    /// (hadolint DL3064, Trivy DS031, BuildKit SecretsUsedInArgOrEnv) flag
    /// the declaration; none follows it to its use.
    ///
    /// ## Example
    /// ```dockerfile
    /// ARG NPM_TOKEN
    /// RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci && rm .npmrc
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN \
    ///     echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci && rm .npmrc
    /// ```
    /// built with `docker build --secret id=npm_token,env=NPM_TOKEN .`
    /// (Compose: `build.secrets`).
    ///
    /// ## How to fix
    /// Pass the value as a build secret: `RUN --mount=type=secret,id=…`
    /// (read the file `/run/secrets/<id>`, or add `env=NAME` to get it as a
    /// variable for that step only), supply it with
    /// `docker build --secret id=…,env=…` or Compose `build.secrets`, and
    /// remove the `ARG`. Rotate a credential that has been built into
    /// pushed images.
    ///
    /// Only explicit `$NAME` reads in the step's shell text are seen: a tool
    /// that reads the variable from its environment by itself (`npm` with
    /// a committed `.npmrc` that says `${NPM_TOKEN}`) is not.
    pub struct SecretArgUsedInRun {
        id: "IMG070",
        name: "secret-arg-used-in-run",
        title: "Secret build argument read in RUN instead of a secret mount",
        severity: High,
        category: Secrets,
        references: ["gap:5"],
        fix: None,
    }
}

/// Whether `text` reads the variable `name`: `$NAME` or `${NAME…}`.
fn reads_var(text: &str, name: &str) -> bool {
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut from = 0;
    while let Some(i) = text[from..].find('$').map(|i| i + from) {
        from = i + 1;
        let mut rest = &text[i + 1..];
        if let Some(r) = rest.strip_prefix('{') {
            rest = r.strip_prefix(['#', '!']).unwrap_or(r);
        }
        if let Some(after) = rest.strip_prefix(name)
            && !after.bytes().next().is_some_and(ident)
        {
            return true;
        }
    }
    false
}

/// Whether the step mounts a build secret standing for `name` (its `id`
/// or the variable it sets with `env=`).
fn mounts_secret_for(run: &RunStep, name: &str) -> bool {
    run.mounts_of_type("secret").any(|m| {
        m.value.split(',').any(|kv| {
            kv.split_once('=').is_some_and(|(k, v)| {
                let v = v.trim();
                (k.trim() == "id" && v.eq_ignore_ascii_case(name))
                    || (k.trim() == "env" && v == name)
            })
        })
    })
}

/// Every word of a RUN step that the shell sees, in order.
fn words(run: &RunStep) -> Vec<&Word> {
    let mut out = Vec::new();
    if let Some(script) = &run.script {
        for c in &script.commands {
            out.extend(c.assignments.iter());
            out.push(&c.name);
            out.extend(c.args.iter());
            out.extend(c.redirects.iter().map(|r| &r.target));
        }
    }
    out
}

impl Rule for SecretArgUsedInRun {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        // Secret-named ARGs declared so far in this stage (an ARG is in
        // scope from its declaration on; ONBUILD triggers run in another
        // build, with that build's arguments).
        let mut declared: BTreeMap<&str, &ArgDecl> = BTreeMap::new();
        for step in &image.steps {
            match &step.kind {
                StepKind::Arg(decls) => {
                    for d in decls.iter().filter(|d| is_secret_name(&d.name.value)) {
                        declared.insert(d.name.value.as_str(), d);
                    }
                }
                StepKind::Run(run) if !declared.is_empty() => {
                    let words = words(run);
                    for (name, decl) in &declared {
                        if mounts_secret_for(run, name) {
                            continue;
                        }
                        // Exec-form arguments are not expanded: only the
                        // shell (shell form, `sh -c`, heredocs) reads `$NAME`.
                        let hit = words
                            .iter()
                            .filter(|w| reads_var(&w.text, name))
                            // The narrowest: inside `sh -c '…'`, the word of
                            // the inner command rather than the whole string.
                            .min_by_key(|w| w.origin.range().map_or(u32::MAX, |r| r.len()))
                            .map(|w| &w.origin);
                        let Some(origin) = hit else { continue };
                        cx.report(
                            origin,
                            format!(
                                "`RUN` reads the build argument `{name}`: its value is recorded in the image history; use `RUN --mount=type=secret,id={},env={name}` instead",
                                name.to_ascii_lowercase()
                            ),
                        )
                        .add_related(decl.origin.clone(), format!("`ARG {name}` declared here"));
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::reads_var;

    #[test]
    fn variable_reads() {
        assert!(reads_var("$TOKEN", "TOKEN"));
        assert!(reads_var("a=${TOKEN}", "TOKEN"));
        assert!(reads_var("${TOKEN:-x}", "TOKEN"));
        assert!(reads_var("\"$TOKEN\"x", "TOKEN"));
        assert!(!reads_var("$TOKENS", "TOKEN"));
        assert!(!reads_var("$MY_TOKEN", "TOKEN"));
        assert!(!reads_var("TOKEN", "TOKEN"));
        assert!(!reads_var("$", "TOKEN"));
    }
}
