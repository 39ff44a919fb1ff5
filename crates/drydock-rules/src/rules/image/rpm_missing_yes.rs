use drydock_core::spec::ImageSpec;
use drydock_core::{Fix, RuleMeta};

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::image::package_managers::{Rpm, rpm_call};
use crate::rules::util::insert_after;

declare_rule! {
    /// ## What it does
    /// Reports `yum`, `dnf` and `tdnf` commands that ask for confirmation
    /// (`install`, `update`, `remove`, …) without `-y`/`--assumeyes`, and
    /// `zypper` ones without `-n`/`--non-interactive` (before the
    /// subcommand) or `-y`/`--no-confirm` (after it). `microdnf` is not
    /// reported: it does not ask.
    ///
    /// ## Why is this bad?
    /// In a build there is nobody to answer the prompt: the command reads
    /// end of input, takes it as "no" and fails, or waits forever.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN yum install httpd && yum clean all
    /// RUN zypper install curl
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN yum install -y httpd && yum clean all
    /// RUN zypper --non-interactive install curl
    /// ```
    ///
    /// ## How to fix
    /// Add `-y` (zypper: `-n` before the subcommand, or `-y` after it).
    ///
    /// ## Fix
    /// Inserts `-y` after the subcommand. Safe: it only answers the prompt
    /// the build cannot answer.
    pub struct RpmMissingYes {
        id: "IMG034",
        name: "rpm-missing-yes",
        title: "yum/dnf/zypper without a non-interactive flag",
        severity: Medium,
        category: BestPractice,
        references: [
            "concern:41",
            "hadolint:DL3030",
            "hadolint:DL3038",
            "hadolint:DL3034",
            "kics:yum-install-allows-manual-input",
            "kics:missing-flag-from-dnf-install",
            "kics:missing-zypper-non-interactive-switch",
        ],
        fix: Safe,
    }
}

const YUM_ASKS: &[&str] = &[
    "install",
    "localinstall",
    "groupinstall",
    "reinstall",
    "update",
    "upgrade",
    "remove",
    "erase",
    "downgrade",
    "autoremove",
    "distro-sync",
    "update-minimal",
    "upgrade-minimal",
    "swap",
];

const ZYPPER_ASKS: &[&str] = &[
    "install",
    "in",
    "remove",
    "rm",
    "update",
    "up",
    "dist-upgrade",
    "dup",
    "patch",
];

impl Rule for RpmMissingYes {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for (_, cmd) in image.commands() {
            let Some((tool, call)) = rpm_call(cmd) else {
                continue;
            };
            let sub = call.sub.text.as_str();
            let answered = match tool {
                Rpm::Microdnf => continue,
                Rpm::Zypper => {
                    if !ZYPPER_ASKS.contains(&sub) {
                        continue;
                    }
                    let k = call
                        .args
                        .iter()
                        .position(|w| std::ptr::eq(w, call.sub))
                        .unwrap_or(0);
                    let (before, after) = call.args.split_at(k);
                    before
                        .iter()
                        .any(|w| w.text == "--non-interactive" || is_cluster_with(&w.text, 'n'))
                        || after
                            .iter()
                            .take_while(|w| w.text != "--")
                            .any(|w| w.text == "--no-confirm" || is_cluster_with(&w.text, 'y'))
                }
                Rpm::Yum | Rpm::Dnf | Rpm::Tdnf => {
                    if !YUM_ASKS.contains(&sub) {
                        continue;
                    }
                    call.has_any(&["-y", "--assumeyes"])
                        || call.args.iter().any(|w| {
                            w.text.contains("assumeyes=1")
                                || w.text.contains("assumeyes=True")
                                || w.text.contains("assumeyes=true")
                        })
                }
            };
            if answered {
                continue;
            }
            let flag = if tool == Rpm::Zypper {
                "`-n`/`--non-interactive`"
            } else {
                "`-y`"
            };
            let precise = cx.text_of(&call.sub.origin) == sub;
            let f = cx.report(
                &cmd.origin,
                format!(
                    "`{}` without {flag} waits for an answer that never comes",
                    call.label()
                ),
            );
            if precise && let Some(edit) = insert_after(&call.sub.origin, " -y") {
                f.set_fix(Fix::safe("Add `-y`", vec![edit]));
            }
        }
    }
}

/// `-n`, `-qn`: a cluster of short options containing `letter`.
fn is_cluster_with(word: &str, letter: char) -> bool {
    word.strip_prefix('-').is_some_and(|c| {
        !c.is_empty()
            && !c.starts_with('-')
            && c.chars().all(|ch| ch.is_ascii_alphanumeric())
            && c.contains(letter)
    })
}
