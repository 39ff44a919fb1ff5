use drydock_core::RuleMeta;
use drydock_core::spec::{ImageSpec, ShellCommand};

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports an image whose `RUN` steps use both `wget` and `curl`. The
    /// finding is at the first use of the tool used second, with the first
    /// use of the other as a related location.
    ///
    /// ## Why is this bad?
    /// Two tools that do the same job: the image (or the build) needs both
    /// installed, each with its own vulnerabilities, TLS settings and
    /// proxy configuration to get right.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN wget -q https://example.com/a.tar.gz
    /// RUN curl -fsSLO https://example.com/b.tar.gz
    /// ```
    ///
    /// ## How to fix
    /// Pick one (or use `ADD --checksum=` for plain downloads) and remove
    /// the other from the packages installed.
    pub struct WgetAndCurl {
        id: "IMG040",
        name: "wget-and-curl",
        title: "Both wget and curl used",
        severity: Info,
        category: BestPractice,
        references: ["concern:47", "hadolint:DL4001", "trivy:DS014", "kics:run-using-wget-and-curl"],
        fix: None,
    }
}

impl Rule for WgetAndCurl {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        let mut first: Option<&ShellCommand> = None;
        for (_, cmd) in image.commands() {
            let tool = cmd.program();
            if tool != "wget" && tool != "curl" {
                continue;
            }
            match first {
                None => first = Some(cmd),
                Some(f) if f.program() != tool => {
                    let other = f.program();
                    cx.report(
                        &cmd.origin,
                        format!("`{tool}` is used, and so is `{other}`: use one of them"),
                    )
                    .add_related(f.origin.clone(), format!("`{other}` first used here"));
                    return;
                }
                Some(_) => {}
            }
        }
    }
}
