use drydock_core::RuleMeta;
use drydock_core::spec::{ImageSpec, StepKind};

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports `ADD https://…` (or `http://`) without `--checksum`.
    ///
    /// ## Why is this bad?
    /// The file is fetched at build time and used as whatever the server
    /// returns: a compromised server, a hijacked domain or a moved release
    /// asset changes the image silently, and the build is not reproducible.
    ///
    /// ## Example
    /// ```dockerfile
    /// ADD https://github.com/krallin/tini/releases/download/v0.19.0/tini /tini
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// ADD --checksum=sha256:93dcc18adc78c65a028a84799ecf8ad40c936fdfc5f2a57b1acda5a8117fa82c \
    ///     https://github.com/krallin/tini/releases/download/v0.19.0/tini /tini
    /// ```
    ///
    /// ## How to fix
    /// Add `--checksum=sha256:<digest>` (Dockerfile syntax 1.6 or later), or
    /// download with `curl` in a `RUN` and verify the file with
    /// `sha256sum -c` or a signature.
    pub struct AddUrlWithoutChecksum {
        id: "IMG050",
        name: "add-url-without-checksum",
        title: "ADD of a URL without --checksum",
        severity: Medium,
        category: SupplyChain,
        references: ["concern:23", "concern:25", "checkov:CKV_DOCKER_4", "kics:curl-or-wget-instead-of-add", "gap:2"],
        fix: None,
    }
}

fn is_http(src: &str) -> bool {
    let s = src.trim_matches(['"', '\'']).to_ascii_lowercase();
    s.starts_with("http://") || s.starts_with("https://")
}

impl Rule for AddUrlWithoutChecksum {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for step in &image.steps {
            let StepKind::Add(add) = &step.kind else {
                continue;
            };
            if add.checksum.is_some() || add.heredoc {
                continue;
            }
            for src in add.sources.iter().filter(|s| is_http(&s.value)) {
                cx.report(
                    &src.origin,
                    "`ADD` downloads this URL without `--checksum`: its content is not verified",
                );
            }
        }
    }
}
