use drydock_core::RuleMeta;
use drydock_core::spec::{ImageSpec, StepKind};

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports package tooling told not to verify TLS: `pip install
    /// --trusted-host`, `npm`/`yarn config set strict-ssl false`, and the
    /// environment variables `PIP_TRUSTED_HOST`, `PYTHONHTTPSVERIFY=0`,
    /// `NODE_TLS_REJECT_UNAUTHORIZED=0`, `NPM_CONFIG_STRICT_SSL=false`,
    /// `GIT_SSL_NO_VERIFY` set in `ENV` or `ARG`.
    ///
    /// ## Why is this bad?
    /// Packages are code that runs at build and run time; fetching them
    /// without TLS verification lets anyone on the network path replace
    /// them. Set in `ENV`, the setting also stays in the image and weakens
    /// every connection the application makes.
    ///
    /// ## Example
    /// ```dockerfile
    /// ENV NODE_TLS_REJECT_UNAUTHORIZED=0
    /// RUN pip install --trusted-host pypi.internal -r requirements.txt
    /// ```
    ///
    /// ## How to fix
    /// Remove the setting; add a private CA to the trust store instead.
    pub struct PackageTlsDisabled {
        id: "IMG011",
        name: "package-tls-verification-disabled",
        title: "TLS verification disabled for package tooling",
        severity: High,
        category: SupplyChain,
        references: [
            "concern:27", "checkov:CKV2_DOCKER_4", "checkov:CKV2_DOCKER_5", "checkov:CKV2_DOCKER_6",
            "checkov:CKV2_DOCKER_12", "checkov:CKV2_DOCKER_13", "checkov:CKV2_DOCKER_14", "checkov:CKV2_DOCKER_16",
        ],
        fix: None,
    }
}

/// Whether `NAME=value` disables verification.
fn insecure_env(name: &str, value: &str) -> bool {
    let v = value.trim().trim_matches(['"', '\'']).to_ascii_lowercase();
    // npm and pip read their variables case-insensitively.
    match name.to_ascii_uppercase().as_str() {
        "PIP_TRUSTED_HOST" | "GIT_SSL_NO_VERIFY" => !v.is_empty() && v != "0" && v != "false",
        "PYTHONHTTPSVERIFY" | "NODE_TLS_REJECT_UNAUTHORIZED" => v == "0",
        "NPM_CONFIG_STRICT_SSL" | "YARN_STRICT_SSL" => v == "false" || v == "0",
        _ => false,
    }
}

impl Rule for PackageTlsDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for step in &image.steps {
            match &step.kind {
                StepKind::Env(kvs) => {
                    for kv in kvs {
                        if insecure_env(&kv.key.value, &kv.value.value) {
                            cx.report(
                                &kv.origin,
                                format!(
                                    "`{}={}` disables TLS verification",
                                    kv.key.value, kv.value.value
                                ),
                            );
                        }
                    }
                }
                StepKind::Arg(args) => {
                    for a in args {
                        if let Some(d) = &a.default
                            && insecure_env(&a.name.value, &d.value)
                        {
                            cx.report(
                                &a.origin,
                                format!("`{}={}` disables TLS verification", a.name.value, d.value),
                            );
                        }
                    }
                }
                _ => {}
            }
        }
        for (_, cmd) in image.commands() {
            for a in &cmd.assignments {
                if let Some((k, v)) = a.text.split_once('=')
                    && insecure_env(k, v)
                {
                    cx.report(&a.origin, format!("`{}` disables TLS verification", a.text));
                }
            }
            let p = cmd.program();
            if (p == "pip" || p == "pip3" || p.starts_with("pip3."))
                && let Some(w) = cmd.long_value_word("trusted-host")
            {
                cx.report(
                    &w.origin,
                    "`pip --trusted-host` installs packages without TLS verification",
                );
            }
            if (p == "npm" || p == "yarn" || p == "pnpm")
                && cmd.args.iter().any(|w| w.text == "strict-ssl")
                && cmd.args.iter().any(|w| w.text == "false")
            {
                cx.report(
                    &cmd.origin,
                    format!("`{p}` is configured with `strict-ssl false`"),
                );
            }
        }
    }
}
