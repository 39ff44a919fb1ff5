use drydock_core::RuleMeta;
use drydock_core::spec::{ContainerSource, ContainerSpec};

use super::scan_value;
use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::container::support::svc;

declare_rule! {
    /// ## What it does
    /// Reports secret values given to a container: in its `environment`
    /// (including the variables read from its `env_file`s; the finding
    /// points into the env file), its `labels` and its `build.args`. It
    /// looks for credentials of a known format (AWS, GCP, Azure, GitHub,
    /// GitLab, npm, PyPI, Slack, Stripe, Twilio and SendGrid keys and
    /// tokens, private key blocks, JSON web tokens), passwords in URLs and
    /// high-entropy values of a secret-looking name (`DB_PASSWORD: …`).
    /// Values interpolated from the environment (`${DB_PASSWORD}`) and
    /// placeholders (`changeme`, `<token>`, `***`) are not reported, nor
    /// `…_FILE` variables that name a secret file. The message shows at
    /// most the first four characters of the secret.
    ///
    /// ## Why is this bad?
    /// A literal secret in a Compose file, env file or script is shared with
    /// everyone who can read the repository, and lives on in its history.
    /// Environment variables are also visible to anyone who can run
    /// `docker inspect` and to every process in the container, and they
    /// leak into logs and crash reports. Labels are public metadata;
    /// build arguments are recorded in the image history.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     environment:
    ///       DATABASE_URL: postgres://app:Zq8r-Tx3v-Lp0w@db/app
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   app:
    ///     environment:
    ///       DATABASE_PASSWORD_FILE: /run/secrets/db_password
    ///     secrets: [db_password]
    /// secrets:
    ///   db_password:
    ///     environment: DB_PASSWORD
    /// ```
    ///
    /// ## How to fix
    /// Revoke the secret if the file was ever shared. Pass secrets with
    /// Compose `secrets:` (read from a `…_FILE` path), or interpolate them
    /// from an environment that is not committed (`${DB_PASSWORD}`); use
    /// `build.secrets` instead of `build.args`. On a `docker run` line, give
    /// only the name (`-e DB_PASSWORD`), which takes the value from the
    /// caller's environment.
    pub struct SecretInContainerEnvironment {
        id: "SEC002",
        name: "secret-in-container-environment",
        title: "Secret value in a container's environment, labels or build arguments",
        severity: High,
        category: Secrets,
        references: ["concern:112", "kics:passwords-and-secrets", "compose-lint:CL-0020", "compose-lint:CL-0021"],
        fix: None,
    }
}

impl Rule for SecretInContainerEnvironment {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        let mut found = Vec::new();
        for kv in &c.environment {
            for f in scan_value(cx, &kv.key.value, &kv.value) {
                found.push((f, "Environment variable", &kv.key.value, ""));
            }
        }
        for kv in &c.labels {
            for f in scan_value(cx, &kv.key.value, &kv.value) {
                found.push((f, "Label", &kv.key.value, ""));
            }
        }
        if let Some(b) = &c.build {
            for (k, v) in &b.args {
                for f in v.iter().flat_map(|v| scan_value(cx, &k.value, v)) {
                    found.push((
                        f,
                        "Build argument",
                        &k.value,
                        ": build arguments are recorded in the image history",
                    ));
                }
            }
        }
        // "of service `web`"; "in `docker run` of `app:1`", "in container
        // `web`" for the other sources.
        let whose = match c.source {
            ContainerSource::ComposeService => format!("of {}", svc(c)),
            ContainerSource::RunLine { .. } | ContainerSource::Api => format!("in {}", svc(c)),
        };
        for (f, kind, key, why) in found {
            cx.report(
                &f.origin,
                format!("{kind} `{key}` {whose} contains {}{why}", f.what()),
            )
            .redact = f.origin.range();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use drydock_core::FileKind;
    use drydock_core::fs::MemoryFs;

    use crate::{Input, LintEnv, Settings, lint};

    /// Findings of SEC002 as (file, line text, message).
    fn run(compose: &str, files: &[(&str, &str)]) -> Vec<(String, String, String)> {
        let mut fs = MemoryFs::new();
        for (p, t) in files {
            fs = fs.with(*p, *t);
        }
        let env = LintEnv {
            fs: &fs,
            env: &|_: &str| None,
        };
        let mut settings = Settings::default();
        settings.selection.select = vec!["SEC002".into()];
        let input = Input {
            path: Path::new("/p/compose.yml"),
            display: "compose.yml".into(),
            kind: FileKind::Compose,
            text: compose.into(),
        };
        let result = lint(&input, &settings, &env);
        result
            .findings
            .iter()
            .filter(|f| f.rule.id == "SEC002")
            .filter_map(|f| {
                let (file, range) = f.origin.file_range()?;
                let src = result.sources.get(file)?;
                Some((
                    src.path.clone(),
                    range.slice(&src.text).to_string(),
                    f.message.clone(),
                ))
            })
            .collect()
    }

    #[test]
    fn env_file_values_are_reported_in_the_env_file() {
        let compose = "services:\n  app:\n    image: a:1\n    env_file: [app.env]\n    environment:\n      DB_PASSWORD: ${DB_PASSWORD}\n";
        let env_file = "LOG_LEVEL=info\nexport SECRET_KEY_BASE=\"f3Kd8sLq0pZx7Vb2Nm4Rt6Wy9Ac1Eh5J\"\nAPI_KEY=changeme\n";
        // `.env` feeds interpolation only; its secret is not in the compose file.
        let dotenv = "DB_PASSWORD=Xk9mQ2vL7pR4tZ8w\n";
        let got = run(compose, &[("/p/app.env", env_file), ("/p/.env", dotenv)]);
        assert_eq!(got.len(), 1, "{got:?}");
        let (file, text, message) = &got[0];
        assert!(file.ends_with("app.env"), "{file}");
        assert_eq!(text, "f3Kd8sLq0pZx7Vb2Nm4Rt6Wy9Ac1Eh5J");
        assert!(message.contains("`f3Kd…`"), "{message}");
        assert!(!message.contains("f3Kd8"), "{message}");
    }
}
