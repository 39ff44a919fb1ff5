use drydock_core::RuleMeta;
use drydock_core::spec::{ImageSpec, ShellCommand, Word};

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports package installs with signature checks switched off:
    /// `apk --allow-untrusted`, `apt-get --allow-unauthenticated`,
    /// `--allow-insecure-repositories`, `--force-yes`, `yum`/`dnf`/`tdnf`/`microdnf`
    /// `--nogpgcheck`, `rpm --nosignature`/`--nodigest`/`--noverify`/`--nofiledigest`,
    /// `zypper --no-gpg-checks`. Not reported: a command whose packages are
    /// all local package files (`apk add --allow-untrusted /tmp/pkgs/*.apk`,
    /// packages built in an earlier stage) in a stage that downloads
    /// nothing with `curl` or `wget`.
    ///
    /// ## Why is this bad?
    /// Package signatures are what ties a package to its distribution;
    /// without the check, a mirror, proxy or attacker on the path can ship
    /// any binary into the image.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apk add --allow-untrusted custom-tools
    /// RUN curl -fsSLo /tmp/x.rpm https://example.com/x.rpm && rpm -i --nosignature /tmp/x.rpm
    /// ```
    ///
    /// ## How to fix
    /// Remove the flag. For a package of your own, sign it and add the
    /// public key to the image's keyring.
    pub struct SignatureCheckDisabled {
        id: "IMG012",
        name: "package-signature-check-disabled",
        title: "Package signature verification disabled",
        severity: High,
        category: SupplyChain,
        references: ["concern:28", "checkov:CKV2_DOCKER_7", "checkov:CKV2_DOCKER_8", "checkov:CKV2_DOCKER_9", "checkov:CKV2_DOCKER_10", "checkov:CKV2_DOCKER_11"],
        fix: None,
    }
}

fn flags_for(program: &str) -> &'static [&'static str] {
    match program {
        "apk" => &["--allow-untrusted"],
        "apt-get" | "apt" | "aptitude" => &[
            "--allow-unauthenticated",
            "--allow-insecure-repositories",
            "--force-yes",
        ],
        "yum" | "dnf" | "tdnf" | "microdnf" => &["--nogpgcheck"],
        "rpm" => &[
            "--nosignature",
            "--nodigest",
            "--noverify",
            "--nofiledigest",
        ],
        "zypper" => &["--no-gpg-checks", "--no-gpg-check"],
        _ => &[],
    }
}

/// Whether every package the command names is a local package file
/// (`/tmp/pkgs/*.apk`, `./app.rpm`, `x.deb`), as when packages built in an
/// earlier stage are installed: there is no repository or mirror whose
/// signature is being skipped. How the file got there is judged where it
/// got there (a download without an integrity check is its own finding).
fn installs_only_local_files(cmd: &ShellCommand) -> bool {
    // The words after the subcommand (`add`, `install`, `-i`); value-taking
    // options are rare on these lines and would only make us report.
    let operands: Vec<&Word> = cmd
        .args
        .iter()
        .filter(|w| !w.text.starts_with('-'))
        .skip(usize::from(!cmd.is("rpm")))
        .collect();
    !operands.is_empty()
        && operands.iter().all(|w| {
            let t = w.text.as_str();
            !t.contains("://") && [".apk", ".rpm", ".deb"].iter().any(|ext| t.ends_with(ext))
        })
}

impl Rule for SignatureCheckDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        // Local package files are trusted only when the stage downloads
        // nothing that could have become one.
        let downloads = image.commands().any(|(_, c)| c.is("curl") || c.is("wget"));
        for (_, cmd) in image.commands() {
            if !downloads && installs_only_local_files(cmd) {
                continue;
            }
            for flag in flags_for(cmd.program()) {
                if let Some(w) = cmd.long_value_word(flag) {
                    cx.report(
                        &w.origin,
                        format!(
                            "`{} {flag}` installs packages without verifying their signatures",
                            cmd.program()
                        ),
                    );
                }
            }
            if cmd.is("apt-get") || cmd.is("apt") {
                for w in cmd.args.iter().filter(|w| {
                    let t = w.text.to_ascii_lowercase();
                    t.contains("allowunauthenticated=true")
                        || t.contains("allowinsecurerepositories=true")
                }) {
                    cx.report(
                        &w.origin,
                        format!(
                            "`{}` installs packages without verifying their signatures",
                            w.text
                        ),
                    );
                }
            }
        }
    }
}
