use drydock_core::spec::ImageSpec;
use drydock_core::{Fix, RuleMeta};

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::image::package_managers::{PmCall, positionals};
use crate::rules::util::{insert_after, replace};

declare_rule! {
    /// ## What it does
    /// Reports `apt` in a `RUN`; scripts should use `apt-get` (and
    /// `apt-cache` for queries).
    ///
    /// ## Why is this bad?
    /// `apt` is the interactive front end: its command line and output are
    /// not stable between releases (it warns so itself on every
    /// non-interactive run), and its defaults follow the user's taste (a
    /// progress bar, colours, `upgrade` installing new packages) rather
    /// than a script's need for predictable behaviour. `apt-get` and
    /// `apt-cache` keep a stable interface for scripts.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt update && apt install -y curl
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y curl
    /// ```
    ///
    /// ## How to fix
    /// Use `apt-get` for `install`, `update`, `remove`, `upgrade` and the
    /// like; `apt-cache` for `search`, `show`, `policy`; `dpkg -l` or
    /// `apt-cache` for `list`.
    ///
    /// ## Fix
    /// Replaces `apt` by `apt-get` where `apt-get` has the same subcommand
    /// with the same arguments: `install`, `reinstall`, `update`, `remove`,
    /// `purge`, `autoremove`, `clean`, `autoclean`, `dist-upgrade`,
    /// `source`, `build-dep`, `download`, `satisfy`, `changelog`; `apt
    /// upgrade` becomes `apt-get upgrade --with-new-pkgs`, which is what it
    /// does. Safe: the same packages are installed (`apt` deletes the
    /// downloaded `.deb` files after installing, `apt-get` leaves them in
    /// the package cache, which the Debian and Ubuntu images clean anyway).
    pub struct AptInsteadOfAptGet {
        id: "IMG033",
        name: "apt-instead-of-apt-get",
        title: "apt used instead of apt-get",
        severity: Low,
        category: BestPractice,
        references: ["concern:39", "hadolint:DL3027", "checkov:CKV_DOCKER_9", "kics:run-using-apt"],
        fix: Safe,
    }
}

const SAME_IN_APT_GET: &[&str] = &[
    "install",
    "reinstall",
    "update",
    "remove",
    "purge",
    "autoremove",
    "clean",
    "autoclean",
    "dist-upgrade",
    "source",
    "build-dep",
    "download",
    "satisfy",
    "changelog",
];

const APT_WITH_VALUE: &[&str] = &[
    "-o",
    "-c",
    "-t",
    "--option",
    "--config-file",
    "--target-release",
];

impl Rule for AptInsteadOfAptGet {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for (_, cmd) in image.commands() {
            if !cmd.is("apt") {
                continue;
            }
            let mut pos = positionals(&cmd.args, APT_WITH_VALUE).into_iter();
            let sub = pos.next();
            let call = sub.map(|sub| PmCall {
                cmd,
                args: &cmd.args,
                sub,
                operands: pos.collect(),
            });
            let sub_text = sub.map_or("", |s| s.text.as_str());
            let instead = match sub_text {
                "search" | "show" | "policy" | "showsrc" | "depends" | "rdepends" => "`apt-cache`",
                "list" => "`dpkg -l` or `apt-cache`",
                "full-upgrade" => "`apt-get dist-upgrade`",
                _ => "`apt-get`",
            };
            let message = match &call {
                Some(c) => format!("`{}`: use {instead} in scripts", c.label()),
                None => "`apt`: use `apt-get` in scripts".to_string(),
            };
            let fixable = cx.text_of(&cmd.name.origin) == "apt"
                && sub.is_some_and(|s| cx.text_of(&s.origin) == s.text);
            let edits = match (fixable, sub) {
                (true, Some(s)) if SAME_IN_APT_GET.contains(&s.text.as_str()) => {
                    replace(&cmd.name.origin, "apt-get").map(|e| vec![e])
                }
                (true, Some(s)) if s.text == "upgrade" => replace(&cmd.name.origin, "apt-get")
                    .zip(insert_after(&s.origin, " --with-new-pkgs"))
                    .map(|(a, b)| vec![a, b]),
                _ => None,
            };
            let f = cx.report(&cmd.origin, message);
            if let Some(edits) = edits {
                f.set_fix(Fix::safe("Use `apt-get`", edits));
            }
        }
    }
}
