use drydock_core::spec::ImageSpec;
use drydock_core::{Fix, RuleMeta};

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::image::apt_no_install_recommends::apt_get_install;
use crate::rules::util::insert_after;

declare_rule! {
    /// ## What it does
    /// Reports `apt-get install` without `-y`/`--yes`/`--assume-yes` (or
    /// `-qq`, which implies it).
    ///
    /// ## Why is this bad?
    /// Without it apt-get asks for confirmation; in a build there is nobody
    /// to answer, and the build fails or hangs depending on the apt
    /// version and what is being installed.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get install curl
    /// ```
    ///
    /// ## How to fix
    /// Add `-y`.
    ///
    /// ## Fix
    /// Inserts `-y` after `install`. Safe: it only answers the prompt the
    /// build cannot answer.
    pub struct AptMissingYes {
        id: "IMG014",
        name: "apt-get-missing-yes",
        title: "apt-get install without -y",
        severity: Medium,
        category: BestPractice,
        references: ["concern:41", "hadolint:DL3014", "trivy:DS021", "kics:apt-get-missing-flags-to-avoid-manual-input"],
        fix: Safe,
    }
}

impl Rule for AptMissingYes {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for (_, cmd) in image.commands() {
            let Some(install) = apt_get_install(cmd) else {
                continue;
            };
            let q_count: usize = cmd
                .option_args()
                .filter(|w| w.text.starts_with('-') && !w.text.starts_with("--"))
                .map(|w| w.text.matches('q').count())
                .sum();
            if cmd.has_short('y')
                || cmd.has_any(&["--yes", "--assume-yes", "--force-yes"])
                || q_count >= 2
            {
                continue;
            }
            if cmd.args.iter().any(|w| w.text.contains("Assume-Yes=true")) {
                continue;
            }
            let precise = cx.text_of(&install.origin) == "install";
            let f = cx.report(
                &cmd.origin,
                "`apt-get install` without `-y` waits for an answer that never comes",
            );
            if precise && let Some(edit) = insert_after(&install.origin, " -y") {
                f.set_fix(Fix::safe("Add `-y`", vec![edit]));
            }
        }
    }
}
