use drydock_core::spec::{ImageSpec, ShellCommand, Word};
use drydock_core::{Fix, RuleMeta};

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::image::package_managers;
use crate::rules::util::insert_after;

declare_rule! {
    /// ## What it does
    /// Reports `apt-get install` without `--no-install-recommends`.
    ///
    /// ## Why is this bad?
    /// Recommended packages are installed by default: often dozens of
    /// packages nobody asked for, each one more attack surface and more
    /// vulnerabilities to patch in the image.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y curl
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl
    /// ```
    ///
    /// ## How to fix
    /// Add `--no-install-recommends`, and add any recommended package the
    /// software really needs explicitly.
    ///
    /// ## Fix
    /// Inserts `--no-install-recommends` after `install`. Unsafe: software
    /// that relied on a recommended package may stop working.
    pub struct AptNoInstallRecommends {
        id: "IMG013",
        name: "apt-get-no-install-recommends",
        title: "apt-get install without --no-install-recommends",
        severity: Low,
        category: BestPractice,
        references: ["concern:40", "hadolint:DL3015", "trivy:DS029", "kics:apt-get-not-avoiding-additional-packages"],
        fix: Unsafe,
    }
}

/// The `install` word of an `apt-get install` that really installs (not
/// `-s`/`--simulate`; `apt` itself is IMG033's business).
pub(crate) fn apt_get_install(cmd: &ShellCommand) -> Option<&Word> {
    package_managers::apt_install(cmd)
        .filter(|c| c.cmd.is("apt-get") && c.sub.text == "install")
        .map(|c| c.sub)
}

impl Rule for AptNoInstallRecommends {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for (_, cmd) in image.commands() {
            let Some(install) = apt_get_install(cmd) else {
                continue;
            };
            if cmd.has_long("no-install-recommends")
                || cmd.args.iter().any(|w| {
                    w.text.contains("Install-Recommends=false")
                        || w.text.contains("Install-Recommends=0")
                })
            {
                continue;
            }
            let precise = cx.text_of(&install.origin) == "install";
            let f = cx.report(
                &cmd.origin,
                "`apt-get install` without `--no-install-recommends`",
            );
            if precise && let Some(edit) = insert_after(&install.origin, " --no-install-recommends")
            {
                f.set_fix(Fix::unsafe_("Add `--no-install-recommends`", vec![edit]));
            }
        }
    }
}
