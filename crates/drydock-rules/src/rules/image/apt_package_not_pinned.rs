use drydock_core::RuleMeta;
use drydock_core::spec::ImageSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::image::package_managers::{apt_install, is_path_or_url, report_unpinned};

declare_rule! {
    /// ## What it does
    /// Reports packages given to `apt-get install` (or `apt install`)
    /// without a version: `curl` rather than `curl=7.88.1-10+deb12u5`.
    /// Local `.deb` files and packages named through a variable are not
    /// reported.
    ///
    /// ## Why is this bad?
    /// An unpinned package is whatever the mirror serves on the day of the
    /// build: two builds of the same Dockerfile can ship different
    /// software, a rebuild can pull in a regression or a compromised
    /// release, and you cannot tell from the Dockerfile what an image
    /// contains.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5
    /// ```
    ///
    /// ## How to fix
    /// Pin each package with `pkg=<version>` (`apt-cache policy pkg` shows
    /// the candidate), and update the pins deliberately, e.g. with a bot.
    /// Pinning everything is costly: Debian removes superseded versions
    /// from its mirrors, so pins break builds. Where reproducibility
    /// matters less than freshness, suppress the rule instead.
    pub struct AptPackageNotPinned {
        id: "IMG024",
        name: "apt-package-not-pinned",
        title: "apt-get install without a package version",
        severity: Low,
        category: SupplyChain,
        references: ["concern:30", "hadolint:DL3008", "kics:apt-get-install-pin-version-not-defined"],
        fix: None,
    }
}

impl Rule for AptPackageNotPinned {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for (_, cmd) in image.commands() {
            let Some(call) = apt_install(cmd) else {
                continue;
            };
            let unpinned: Vec<_> = call
                .literal_operands()
                .filter(|w| {
                    let t = w.text.as_str();
                    !t.contains('=')
                        && !t.ends_with(".deb")
                        && !is_path_or_url(t)
                        // `pkg-` removes a package, `pkg+` is the default.
                        && !t.ends_with('-')
                })
                .collect();
            report_unpinned(cx, &call, &unpinned, "`pkg=<version>`");
        }
    }
}
