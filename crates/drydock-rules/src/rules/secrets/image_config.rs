use drydock_core::RuleMeta;
use drydock_core::spec::{BuildStep, ImageSpec, StepKind};

use super::{Found, scan_source, scan_value};
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports secret values written into a Dockerfile: credentials of a
    /// known format (AWS, GCP, Azure, GitHub, GitLab, npm, PyPI, Slack,
    /// Stripe, Twilio and SendGrid keys and tokens, private key blocks,
    /// JSON web tokens), passwords in URLs (`scheme://user:password@host`)
    /// and high-entropy values given to a secret-looking name
    /// (`DB_PASSWORD=…`). It looks at `ENV`, `ARG` defaults and `LABEL`
    /// values, and at the text of every other instruction of every stage
    /// (`RUN` commands and heredocs, `COPY`/`ADD` heredocs and URLs, `CMD`).
    /// For a built image (`drydock image`) it looks at the `Env` and
    /// `Labels` of its configuration and at the commands of its history.
    /// Variable references (`$TOKEN`, `${TOKEN}`) and placeholders
    /// (`changeme`, `<token>`, `***`, `xxxx`) are not reported. The message
    /// shows at most the first four characters of the secret.
    ///
    /// ## Why is this bad?
    /// Everything in a Dockerfile ends up in the image: `ENV` and `LABEL`
    /// values in its configuration, `ARG` values and `RUN` command lines in
    /// its history, files in its layers. Anyone who can pull the image (or
    /// read the repository) has the secret, and removing it in a later
    /// step or stage does not take it out of earlier layers.
    ///
    /// ## Example
    /// ```dockerfile
    /// ENV AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
    /// RUN git clone https://deploy:s3cr3t-Pa55@git.example.com/app.git
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN --mount=type=secret,id=git_token \
    ///     git clone "https://deploy:$(cat /run/secrets/git_token)@git.example.com/app.git"
    /// ```
    ///
    /// ## How to fix
    /// Revoke the secret: it has been published. Then pass build-time
    /// secrets with `RUN --mount=type=secret` (BuildKit) and runtime ones
    /// through the orchestrator's secrets or a `…_FILE` variable.
    pub struct SecretInImageConfig {
        id: "SEC001",
        name: "secret-in-image-config",
        title: "Secret value in a Dockerfile",
        severity: Critical,
        category: Secrets,
        references: ["concern:12", "kics:passwords-and-secrets"],
        fix: None,
    }
}

impl Rule for SecretInImageConfig {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for step in &image.steps {
            check_step(cx, step);
        }
        // A built image: its configuration's `Env` and `Labels` are read
        // from the config itself (its history keeps no ENV or LABEL steps).
        if image.files.is_some() {
            for kv in image.env.iter().filter(|kv| !kv.origin.is_file()) {
                let found = scan_value(cx, &kv.key.value, &kv.value);
                let place = format!("`Env` entry `{}`", kv.key.value);
                report(cx, found, &place, "it is stored in the image configuration");
            }
            for kv in image.labels.iter().filter(|kv| !kv.origin.is_file()) {
                let found = scan_value(cx, &kv.key.value, &kv.value);
                let place = format!("Label `{}`", kv.key.value);
                report(cx, found, &place, "it is stored in the image configuration");
            }
        }
    }
}

fn report(cx: &mut Checker<'_>, found: Vec<Found>, place: &str, why: &str) {
    for f in found {
        cx.report(&f.origin, format!("{place} contains {}: {why}", f.what()))
            .redact = f.origin.range();
    }
}

fn check_step(cx: &mut Checker<'_>, step: &BuildStep) {
    match &step.kind {
        StepKind::Env(kvs) => {
            for kv in kvs {
                let found = scan_value(cx, &kv.key.value, &kv.value);
                let place = format!("`ENV {}`", kv.key.value);
                report(cx, found, &place, "it is stored in the image configuration");
            }
        }
        StepKind::Label(kvs) => {
            for kv in kvs {
                let found = scan_value(cx, &kv.key.value, &kv.value);
                let place = format!("`LABEL {}`", kv.key.value);
                report(cx, found, &place, "it is stored in the image configuration");
            }
        }
        StepKind::Arg(args) => {
            for a in args {
                if let Some(d) = &a.default {
                    let found = scan_value(cx, &a.name.value, d);
                    let place = format!("The default of `ARG {}`", a.name.value);
                    report(cx, found, &place, "it is recorded in the image history");
                }
            }
        }
        StepKind::Onbuild(inner) => check_step(cx, inner),
        kind => {
            let found = scan_source(cx, &step.origin);
            let place = format!("The `{}` instruction", step.instruction.value);
            let why = match kind {
                StepKind::Copy(_) => "it is written into an image layer",
                StepKind::Cmd(_) | StepKind::Entrypoint(_) | StepKind::Healthcheck(_) => {
                    "it is stored in the image configuration"
                }
                _ => "it is recorded in the image history",
            };
            report(cx, found, &place, why);
        }
    }
}
