use drydock_core::RuleMeta;
use drydock_core::spec::ImageSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::image::package_managers::{Rpm, is_path_or_url, report_unpinned, rpm_call};

declare_rule! {
    /// ## What it does
    /// Reports packages given to `yum install`, `dnf install`, `microdnf
    /// install`, `tdnf install` or `zypper install` without a version:
    /// `httpd` rather than `httpd-2.4.57` (zypper: `httpd=2.4.57`). Local
    /// `.rpm` files, groups (`@core`), module streams, and packages named
    /// through a variable are not reported.
    ///
    /// ## Why is this bad?
    /// An unpinned package is whatever the repository serves on the day of
    /// the build: two builds of the same Dockerfile can ship different
    /// software, and a rebuild can pull in a regression or a compromised
    /// release.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN dnf install -y httpd && dnf clean all
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN dnf install -y httpd-2.4.57 && dnf clean all
    /// ```
    ///
    /// ## How to fix
    /// Pin each package with `name-<version>` (yum, dnf, microdnf, tdnf)
    /// or `name=<version>` (zypper), and update the pins deliberately.
    pub struct RpmPackageNotPinned {
        id: "IMG030",
        name: "rpm-package-not-pinned",
        title: "yum/dnf/zypper install without a package version",
        severity: Low,
        category: SupplyChain,
        references: [
            "concern:36",
            "hadolint:DL3033",
            "hadolint:DL3041",
            "hadolint:DL3037",
            "kics:yum-install-without-version",
            "kics:missing-version-specification-in-dnf-install",
            "kics:zypper-install-without-version",
        ],
        fix: None,
    }
}

/// `name-1.2.3`, `name-1.2-3.el9`: the last `-` part starts with a digit.
fn has_version(t: &str) -> bool {
    t.rsplit_once('-')
        .is_some_and(|(name, v)| !name.is_empty() && v.starts_with(|c: char| c.is_ascii_digit()))
}

impl Rule for RpmPackageNotPinned {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for (_, cmd) in image.commands() {
            let Some((tool, call)) = rpm_call(cmd) else {
                continue;
            };
            let installs = match tool {
                Rpm::Zypper => matches!(call.sub.text.as_str(), "install" | "in"),
                _ => call.sub.text == "install",
            };
            if !installs || (tool == Rpm::Zypper && call.has_any(&["-t", "--type"])) {
                continue;
            }
            let unpinned: Vec<_> = call
                .literal_operands()
                .filter(|w| {
                    let t = w.text.as_str();
                    !has_version(t)
                        && !t.contains(['=', '<', '>', ':', '*'])
                        && !t.starts_with('@')
                        && !t.ends_with(".rpm")
                        && !is_path_or_url(t)
                })
                .collect();
            let how = if tool == Rpm::Zypper {
                "`pkg=<version>`"
            } else {
                "`pkg-<version>`"
            };
            report_unpinned(cx, &call, &unpinned, how);
        }
    }
}
