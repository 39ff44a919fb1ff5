use drydock_core::RuleMeta;
use drydock_core::spec::{ImageSpec, ShellCommand};

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::image::package_managers::{PmCall, is_path_or_url, positionals, report_unpinned};

declare_rule! {
    /// ## What it does
    /// Reports packages named on an `npm install`/`npm i`/`npm add` line
    /// without a version: `typescript` or `typescript@latest` rather than
    /// `typescript@5.4.5`. `npm install` and `npm ci` without package
    /// names (which install from `package.json` and the lock file), local
    /// folders and tarballs, git URLs with a `#commit`, and packages named
    /// through a variable are not reported.
    ///
    /// ## Why is this bad?
    /// An unpinned package is whatever the registry's `latest` tag points
    /// to on the day of the build, together with whatever its own
    /// dependency ranges resolve to: a rebuild can pull in a breaking or a
    /// compromised release.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN npm install -g typescript
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN npm install -g typescript@5.4.5
    /// ```
    ///
    /// ## How to fix
    /// Pin with `pkg@<version>`, or list the packages in `package.json`
    /// and install with `npm ci` from the lock file.
    pub struct NpmPackageNotPinned {
        id: "IMG027",
        name: "npm-package-not-pinned",
        title: "npm install without a package version",
        severity: Info,
        category: SupplyChain,
        references: ["concern:33", "hadolint:DL3016", "kics:npm-install-command-without-pinned-version"],
        fix: None,
    }
}

const NPM_WITH_VALUE: &[&str] = &[
    "--prefix",
    "--registry",
    "--cache",
    "--tag",
    "--omit",
    "--include",
    "--loglevel",
    "-w",
    "--workspace",
    "--userconfig",
    "--globalconfig",
    "--install-strategy",
    "--location",
    "--before",
    "--fetch-retries",
    "--fetch-timeout",
    "--maxsockets",
    "--auth-type",
    "--otp",
];

fn npm_install(cmd: &ShellCommand) -> Option<PmCall<'_>> {
    if !cmd.is("npm") {
        return None;
    }
    let mut pos = positionals(&cmd.args, NPM_WITH_VALUE).into_iter();
    let sub = pos.next()?;
    matches!(
        sub.text.as_str(),
        "install" | "i" | "add" | "isntall" | "in"
    )
    .then(|| PmCall {
        cmd,
        args: &cmd.args,
        sub,
        operands: pos.collect(),
    })
}

/// The version part of a package spec: after the `@` that is not the
/// scope's.
fn version_of(spec: &str) -> Option<&str> {
    let body = spec.strip_prefix('@').unwrap_or(spec);
    body.split_once('@').map(|(_, v)| v)
}

fn pinned_or_local(t: &str) -> bool {
    if t.starts_with("git") || t.starts_with("github:") || t.contains("://") {
        return t.contains('#');
    }
    if is_path_or_url(t)
        || t.starts_with("file:")
        || [".tgz", ".tar.gz", ".tar"].iter().any(|s| t.ends_with(s))
    {
        return true;
    }
    match version_of(t) {
        Some(v) => !v.is_empty() && !matches!(v, "latest" | "next" | "*" | "x"),
        // `user/repo` is a GitHub shorthand (its default branch).
        None => false,
    }
}

impl Rule for NpmPackageNotPinned {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for (_, cmd) in image.commands() {
            let Some(call) = npm_install(cmd) else {
                continue;
            };
            let unpinned: Vec<_> = call
                .literal_operands()
                .filter(|w| !pinned_or_local(&w.text))
                .collect();
            report_unpinned(cx, &call, &unpinned, "`pkg@<version>`");
        }
    }
}
