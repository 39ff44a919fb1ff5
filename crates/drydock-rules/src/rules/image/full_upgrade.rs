use drydock_core::RuleMeta;
use drydock_core::spec::ImageSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::image::package_managers::{Rpm, apk_call, apt_call, rpm_call};

declare_rule! {
    /// ## What it does
    /// Reports a full upgrade of the base image's packages:
    /// `apt-get upgrade`/`dist-upgrade`/`full-upgrade` (also with `apt`),
    /// `yum`/`dnf`/`microdnf`/`tdnf` `update`/`upgrade`/`distro-sync`
    /// without package names, `apk upgrade` without package names, and
    /// `zypper dist-upgrade`/`dup`, or `zypper update` without package
    /// names.
    ///
    /// ## Why is this bad?
    /// The image no longer matches its base: what it contains depends on
    /// the day it was built, not on the tag in `FROM`, so builds are not
    /// reproducible and a vulnerability scan of the base says little about
    /// the image. A distribution upgrade can also replace essential
    /// packages in ways that need an init system or privileges the build
    /// does not have, and it makes the layer large. Upgrading is the base
    /// image maintainer's job; a base image that is out of date is better
    /// replaced by a newer tag.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update && apt-get -y dist-upgrade
    /// ```
    ///
    /// ## How to fix
    /// Use a newer (or more frequently rebuilt) base image. To fix one
    /// vulnerable package, upgrade just that package
    /// (`apt-get install --only-upgrade openssl`). Where a full upgrade is
    /// the policy, suppress the rule.
    pub struct FullUpgrade {
        id: "IMG032",
        name: "full-package-upgrade",
        title: "Full package upgrade in the image",
        severity: Low,
        category: BestPractice,
        references: [
            "concern:38",
            "hadolint:DL3035",
            "trivy:DS024",
            "dockle:DKL-DI-0003",
            "kics:run-using-upgrade-commands",
            "kics:yum-update-enabled",
            "kics:run-using-dnf-update",
            "kics:run-using-zypper-update",
            "kics:use-of-apk-upgrade",
        ],
        fix: None,
    }
}

impl Rule for FullUpgrade {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for (_, cmd) in image.commands() {
            let label = if let Some(c) = apt_call(cmd) {
                let full = matches!(
                    c.sub.text.as_str(),
                    "upgrade" | "dist-upgrade" | "full-upgrade"
                ) && c.operands.is_empty();
                full.then(|| c.label())
            } else if let Some(c) = apk_call(cmd) {
                (c.sub.text == "upgrade" && c.operands.is_empty()).then(|| c.label())
            } else if let Some((tool, c)) = rpm_call(cmd) {
                let sub = c.sub.text.as_str();
                let full = match tool {
                    Rpm::Zypper => {
                        matches!(sub, "dist-upgrade" | "dup")
                            || (matches!(sub, "update" | "up") && c.operands.is_empty())
                    }
                    _ => {
                        matches!(
                            sub,
                            "update"
                                | "upgrade"
                                | "distro-sync"
                                | "update-minimal"
                                | "upgrade-minimal"
                        ) && c.operands.is_empty()
                    }
                };
                full.then(|| c.label())
            } else {
                None
            };
            if let Some(label) = label {
                cx.report(
                    &cmd.origin,
                    format!("`{label}` upgrades every package of the base image"),
                );
            }
        }
    }
}
