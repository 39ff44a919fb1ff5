use drydock_core::spec::{ImageSpec, StepKind};
use drydock_core::{Origin, RuleMeta, TextRange};

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports `ARG` and `ENV` whose name says it holds a credential
    /// (`DB_PASSWORD`, `GITHUB_TOKEN`, `AWS_SECRET_ACCESS_KEY`, `API_KEY`, …).
    /// Names that point to a file (`…_FILE`, `…_PATH`) are not reported.
    /// For a built image (or an image in the daemon), the names of its
    /// configuration's `Env` are judged the same way.
    ///
    /// This rule reports the declaration. IMG070 reports each `RUN` that
    /// reads such an `ARG` (`$NPM_TOKEN`), which is where the value enters
    /// the image history; a secret `ARG` that is declared and used has a
    /// finding of each, and a secret mount plus removing the `ARG` clears
    /// both.
    ///
    /// ## Why is this bad?
    /// `ENV` values are stored in the image configuration and shown by
    /// `docker inspect` to anyone who can pull the image. `ARG` values are
    /// recorded in the image history of every step that uses them. Either
    /// way the secret ships with the image.
    ///
    /// ## Example
    /// ```dockerfile
    /// ARG NPM_TOKEN
    /// RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > ~/.npmrc && npm ci
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci
    /// ```
    ///
    /// ## How to fix
    /// Pass build-time secrets with `RUN --mount=type=secret` (BuildKit) and
    /// runtime secrets through the orchestrator's secrets (Compose
    /// `secrets:`, Kubernetes Secrets) or a `…_FILE` variable.
    pub struct SecretInArgEnv {
        id: "IMG017",
        name: "secret-in-arg-or-env",
        title: "Secret-looking name in ARG or ENV",
        severity: High,
        category: Secrets,
        references: ["cis-docker-1.6:4.10", "concern:11", "hadolint:DL3064", "trivy:DS031", "dockle:CIS-DI-0010", "buildkit:SecretsUsedInArgOrEnv", "kics:secrets-stored-in-dockerfile"],
        fix: None,
    }
}

const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "apikey",
    "credential",
    "credentials",
    "passphrase",
    "privatekey",
];
const PAIRS: &[(&str, &str)] = &[
    ("api", "key"),
    ("access", "key"),
    ("private", "key"),
    ("secret", "key"),
    ("client", "secret"),
    ("auth", "key"),
    ("signing", "key"),
    ("encryption", "key"),
];
const NOT_SECRET_SUFFIX: &[&str] = &[
    "file",
    "path",
    "dir",
    "url",
    "name",
    "user",
    "username",
    "id",
    "length",
    "len",
    "enabled",
    "version",
    "type",
    "endpoint",
    "host",
    "mode",
    "expire",
    "expires",
    "expiry",
    "expiration",
    "minutes",
    "seconds",
    "hours",
    "days",
    "ttl",
    "timeout",
    "age",
    "lifetime",
    "count",
    "size",
    "algorithm",
];

/// Whether a variable name says it holds a secret. Shared by IMG017,
/// IMG070 and CTR028, so that they agree on what a secret name is.
pub(crate) fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let tokens: Vec<&str> = lower
        .split(['_', '-', '.'])
        .filter(|t| !t.is_empty())
        .collect();
    let Some(last) = tokens.last() else {
        return false;
    };
    if NOT_SECRET_SUFFIX.contains(last) {
        return false;
    }
    tokens.iter().any(|t| SECRET_WORDS.contains(t))
        || tokens.windows(2).any(|w| PAIRS.contains(&(w[0], w[1])))
}

/// The range of a value written in the file, to be masked wherever the
/// file is shown: `None` for an empty value or a variable reference
/// (`$TOKEN`), which holds no secret itself.
fn written_secret(cx: &Checker<'_>, value: &Origin) -> Option<TextRange> {
    let text = cx.text_of(value).trim_matches(['"', '\'']);
    (!text.is_empty() && !text.contains('$'))
        .then(|| value.range())
        .flatten()
}

impl Rule for SecretInArgEnv {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for step in &image.steps {
            match &step.kind {
                StepKind::Env(kvs) => {
                    for kv in kvs.iter().filter(|kv| is_secret_name(&kv.key.value)) {
                        let redact = written_secret(cx, &kv.value.origin);
                        cx.report(
                            &kv.key.origin,
                            format!(
                                "`ENV {}` stores a secret in the image configuration",
                                kv.key.value
                            ),
                        )
                        .redact = redact;
                    }
                }
                StepKind::Arg(args) => {
                    for a in args.iter().filter(|a| is_secret_name(&a.name.value)) {
                        let redact = a
                            .default
                            .as_ref()
                            .and_then(|d| written_secret(cx, &d.origin));
                        cx.report(
                            &a.name.origin,
                            format!(
                                "`ARG {}` passes a secret that is recorded in the image history",
                                a.name.value
                            ),
                        )
                        .redact = redact;
                    }
                }
                _ => {}
            }
        }
        // A built image's configuration (its ENV steps are not in the
        // history steps; a Dockerfile stage's `env` is judged above).
        for kv in image
            .env
            .iter()
            .filter(|kv| matches!(kv.origin, Origin::Api(_)) && is_secret_name(&kv.key.value))
        {
            cx.report(
                &kv.key.origin,
                format!(
                    "the image configuration's `Env` sets `{}`: a secret-looking variable stored in the image",
                    kv.key.value
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_secret_name;

    #[test]
    fn names() {
        for n in [
            "DB_PASSWORD",
            "GITHUB_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "API_KEY",
            "npm-token",
            "CLIENT_SECRET",
            "PRIVATE_KEY",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in [
            "DB_PASSWORD_FILE",
            "TOKEN_URL",
            "PATH",
            "KEYBOARD",
            "SECRET_NAME",
            "PUBLIC_KEY",
            "PASSWORD_LENGTH",
            "TOKENIZER",
            "ACCESS_TOKEN_EXPIRE_MINUTES",
            "JWT_TOKEN_TTL",
        ] {
            assert!(!is_secret_name(n), "{n}");
        }
    }
}

#[cfg(test)]
mod image_tests {
    use super::*;
    use crate::rules::image::files::testkit::Img;

    #[test]
    fn config_env() {
        let mut img = Img::new();
        img.env
            .push(("DB_PASSWORD".into(), "hunter2hunter2".into()));
        img.env
            .push(("PASSWORD_FILE".into(), "/run/secrets/db".into()));
        img.env.push(("PATH".into(), "/usr/bin".into()));
        let found = img.check(&SecretInArgEnv);
        let got = img.described(&found);
        assert_eq!(
            got,
            [
                "api:Config.Env the image configuration's `Env` sets `DB_PASSWORD`: a secret-looking variable stored in the image"
            ]
        );
        assert!(!got[0].contains("hunter2"));
    }
}
