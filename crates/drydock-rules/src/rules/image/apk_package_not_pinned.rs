use drydock_core::RuleMeta;
use drydock_core::spec::ImageSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::image::package_managers::{apk_call, is_path_or_url, report_unpinned};

declare_rule! {
    /// ## What it does
    /// Reports packages given to `apk add` without a version: `curl` rather
    /// than `curl=8.5.0-r0` (or a constraint such as `curl~8.5`). Local
    /// `.apk` files, the virtual package named by `--virtual`/`-t` and
    /// packages named through a variable are not reported.
    ///
    /// ## Why is this bad?
    /// An unpinned package is whatever the repository serves on the day of
    /// the build: two builds of the same Dockerfile can ship different
    /// software, and a rebuild can pull in a regression or a compromised
    /// release.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apk add --no-cache curl
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN apk add --no-cache curl=8.5.0-r0
    /// ```
    ///
    /// ## How to fix
    /// Pin each package with `pkg=<version>` or at least a fuzzy
    /// constraint (`pkg~8.5`), together with a pinned base image (Alpine
    /// branches keep only the latest build of each package, so exact pins
    /// break when the branch moves on).
    pub struct ApkPackageNotPinned {
        id: "IMG025",
        name: "apk-package-not-pinned",
        title: "apk add without a package version",
        severity: Low,
        category: SupplyChain,
        references: ["concern:31", "hadolint:DL3018", "kics:unpinned-package-version-in-apk-add"],
        fix: None,
    }
}

impl Rule for ApkPackageNotPinned {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for (_, cmd) in image.commands() {
            let Some(call) = apk_call(cmd).filter(|c| c.sub.text == "add") else {
                continue;
            };
            let unpinned: Vec<_> = call
                .literal_operands()
                .filter(|w| {
                    let t = w.text.as_str();
                    !t.contains(['=', '~', '<', '>'])
                        && !t.ends_with(".apk")
                        && !is_path_or_url(t)
                        // `!pkg` forbids a package.
                        && !t.starts_with('!')
                })
                .collect();
            report_unpinned(cx, &call, &unpinned, "`pkg=<version>`");
        }
    }
}
