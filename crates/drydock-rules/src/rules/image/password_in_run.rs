use drydock_core::RuleMeta;
use drydock_core::spec::{ImageSpec, ShellCommand};

use super::accounts::{option_value, value_text};
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports account passwords set in a build step: `chpasswd`,
    /// `passwd --stdin`, `usermod -p`/`--password` and
    /// `useradd -p`/`--password` (a locked password, `-p '*'` or `-p '!'`,
    /// is not reported; an empty one is `empty-password`, IMG067).
    ///
    /// ## Why is this bad?
    /// The password (or its hash) is written into the Dockerfile and the
    /// image's history and `/etc/shadow` for anyone who can pull the image.
    /// Every container of the image shares it, and a container has no use
    /// for password logins anyway.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN echo 'app:s3cret' | chpasswd
    /// ```
    ///
    /// ## How to fix
    /// Do not give accounts passwords in an image. Credentials the
    /// application needs belong in runtime secrets; for build-time ones use
    /// `RUN --mount=type=secret`.
    pub struct PasswordInRun {
        id: "IMG048",
        name: "password-set-in-run",
        title: "Account password set in a RUN step",
        severity: High,
        category: Secrets,
        references: ["concern:6", "checkov:CKV2_DOCKER_17"],
        fix: None,
    }
}

/// The value of `-p`/`--password` (`-p x`, `-px`, `--password x`, `--password=x`).
/// The value of `-p`/`--password`, without quotes.
fn password_value(cmd: &ShellCommand) -> Option<&str> {
    let w = option_value(cmd, "-p", "--password")?;
    Some(value_text(w, "-p", "--password").trim_matches(['\'', '"']))
}

fn is_locked(value: &str) -> bool {
    matches!(value, "*" | "!" | "!!" | "x" | "!*")
}

impl Rule for PasswordInRun {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for (_, cmd) in image.commands() {
            let what = if cmd.is("chpasswd") {
                "`chpasswd` sets account passwords"
            } else if cmd.is("passwd") && cmd.has_long("stdin") {
                "`passwd --stdin` sets an account password"
            } else if (cmd.is("usermod") || cmd.is("useradd"))
                // An empty password is `empty-password`'s (IMG067).
                && password_value(cmd).is_some_and(|v| !v.is_empty() && !is_locked(v))
            {
                if cmd.is("usermod") {
                    "`usermod -p` sets an account password"
                } else {
                    "`useradd -p` sets an account password"
                }
            } else {
                continue;
            };
            cx.report(
                &cmd.origin,
                format!("{what} in a build step: it stays in the image for anyone who pulls it"),
            );
        }
    }
}
