use drydock_core::RuleMeta;
use drydock_core::spec::ImageSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::image::package_managers::{PmCall, is_path_or_url, positionals, report_unpinned};

declare_rule! {
    /// ## What it does
    /// Reports gems named on a `gem install` line without a version: no
    /// `-v`/`--version`, and no `name:version`. Local `.gem` files and
    /// gems named through a variable are not reported.
    ///
    /// ## Why is this bad?
    /// An unpinned gem is whatever rubygems.org serves on the day of the
    /// build: a rebuild can pull in a breaking or a compromised release,
    /// and nothing in the Dockerfile says which version the image
    /// contains.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN gem install bundler
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN gem install bundler -v 2.5.11
    /// ```
    ///
    /// ## How to fix
    /// Add `-v <version>` (or write `name:version`), or install the gems
    /// of a `Gemfile.lock` with `bundle install`.
    pub struct GemNotPinned {
        id: "IMG028",
        name: "gem-not-pinned",
        title: "gem install without a version",
        severity: Info,
        category: SupplyChain,
        references: ["concern:34", "hadolint:DL3028", "kics:gem-install-without-version"],
        fix: None,
    }
}

const GEM_WITH_VALUE: &[&str] = &[
    "-v",
    "--version",
    "-i",
    "--install-dir",
    "-n",
    "--bindir",
    "-s",
    "--source",
    "-P",
    "--trust-policy",
    "--platform",
    "-g",
    "--file",
    "--document",
    "--build-root",
    "--target-rbconfig",
];

impl Rule for GemNotPinned {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for (_, cmd) in image.commands() {
            if !cmd.is("gem") {
                continue;
            }
            let mut pos = positionals(&cmd.args, GEM_WITH_VALUE).into_iter();
            let Some(sub) = pos.next().filter(|s| s.text == "install" || s.text == "i") else {
                continue;
            };
            let call = PmCall {
                cmd,
                args: &cmd.args,
                sub,
                operands: pos.collect(),
            };
            if call.has_any(&["-v", "--version"]) {
                continue;
            }
            let unpinned: Vec<_> = call
                .literal_operands()
                .filter(|w| {
                    let t = w.text.as_str();
                    !t.contains(':') && !t.ends_with(".gem") && !is_path_or_url(t)
                })
                .collect();
            report_unpinned(cx, &call, &unpinned, "`-v <version>`");
        }
    }
}
