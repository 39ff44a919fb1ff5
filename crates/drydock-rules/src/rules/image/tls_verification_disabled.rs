use drydock_core::RuleMeta;
use drydock_core::spec::ImageSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports downloads in `RUN` that switch off TLS certificate
    /// verification: `curl -k`/`--insecure`, `wget --no-check-certificate`,
    /// `git -c http.sslVerify=false`, `git config … http.sslVerify false`.
    ///
    /// ## Why is this bad?
    /// Without certificate verification, anyone on the network path of the
    /// build (a proxy, a compromised CI runner network, a hostile Wi-Fi)
    /// can replace what is downloaded.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN curl -k -o /tmp/tool.tgz https://example.com/tool.tgz
    /// ```
    ///
    /// ## How to fix
    /// Remove the flag. If the server uses a private CA, add that CA to the
    /// image's trust store (`update-ca-certificates`) or pass it with
    /// `--cacert`.
    pub struct TlsVerificationDisabled {
        id: "IMG010",
        name: "tls-verification-disabled",
        title: "TLS verification disabled for a download",
        severity: High,
        category: SupplyChain,
        references: ["concern:26", "checkov:CKV2_DOCKER_2", "checkov:CKV2_DOCKER_3"],
        fix: None,
    }
}

impl Rule for TlsVerificationDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for (_, cmd) in image.commands() {
            let offending = if cmd.is("curl") {
                cmd.option_args().find(|w| {
                    w.text == "--insecure"
                        || (w.text.starts_with('-')
                            && !w.text.starts_with("--")
                            && w.text[1..].contains('k'))
                })
            } else if cmd.is("wget") {
                cmd.long_value_word("no-check-certificate")
            } else if cmd.is("git") {
                // `git -c http.sslVerify=false …` or `git config [--global] http.sslVerify false`
                let off = |v: &str| {
                    matches!(
                        v.to_ascii_lowercase().as_str(),
                        "false" | "0" | "no" | "off"
                    )
                };
                cmd.args.iter().enumerate().find_map(|(i, w)| {
                    let t = w.text.to_ascii_lowercase();
                    let inline = t
                        .split_once('=')
                        .is_some_and(|(k, v)| k.ends_with("sslverify") && off(v));
                    let separate = t.ends_with("sslverify")
                        && cmd.args.get(i + 1).is_some_and(|n| off(&n.text));
                    (inline || separate).then_some(w)
                })
            } else {
                None
            };
            if let Some(word) = offending {
                cx.report(
                    &word.origin,
                    format!(
                        "`{}` disables TLS certificate verification for `{}`",
                        word.text,
                        cmd.program()
                    ),
                );
            }
        }
    }
}
