use drydock_core::RuleMeta;
use drydock_core::spec::{ImageSpec, ShellCommand};

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::image::package_managers::{apk_call, apt_call, has_cache_mount, removed_later};

declare_rule! {
    /// ## What it does
    /// Reports `apt-get update`/`apt update`/`apk update` in a `RUN` that
    /// installs or upgrades nothing after it. A `RUN` that deletes the
    /// lists again, runs a script (which may install), or keeps the lists
    /// in a `--mount=type=cache` is not reported.
    ///
    /// ## Why is this bad?
    /// The package lists are saved in that layer, and the build cache
    /// keeps the layer as long as the instruction is unchanged: a later
    /// `RUN apt-get install …` installs from lists that may be months old
    /// (missing security updates, or failing with 404s once the mirror has
    /// dropped the old versions). The lists also bloat the image.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get update
    /// RUN apt-get install -y --no-install-recommends curl
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN apt-get update \
    ///  && apt-get install -y --no-install-recommends curl \
    ///  && rm -rf /var/lib/apt/lists/*
    /// ```
    ///
    /// ## How to fix
    /// Update and install in the same `RUN` (and remove the lists at its
    /// end); for apk, use `apk add --no-cache`, which needs no update.
    pub struct UpdateWithoutInstall {
        id: "IMG031",
        name: "package-update-without-install",
        title: "Package index updated in a RUN that installs nothing",
        severity: Medium,
        category: BestPractice,
        references: [
            "concern:37",
            "trivy:DS017",
            "checkov:CKV_DOCKER_5",
            "dockle:CIS-DI-0007",
            "kics:update-instruction-alone",
            "cis-docker-1.6:4.7",
        ],
        fix: None,
    }
}

const APT_USERS: &[&str] = &[
    "install",
    "reinstall",
    "upgrade",
    "dist-upgrade",
    "full-upgrade",
    "build-dep",
    "source",
    "download",
    "satisfy",
];

const APK_USERS: &[&str] = &["add", "upgrade", "fix"];

/// Whether `c` (or a command it runs through a wrapper we do not unwrap,
/// such as `eatmydata`) calls one of `tools` with one of `subs`.
fn calls(c: &ShellCommand, tools: &[&str], subs: &[&str]) -> bool {
    let words: Vec<&str> = std::iter::once(c.name.text.as_str())
        .chain(c.args.iter().map(|w| w.text.as_str()))
        .collect();
    words
        .iter()
        .position(|w| tools.contains(&w.rsplit('/').next().unwrap_or(w)))
        .is_some_and(|k| words.iter().skip(k + 1).any(|w| subs.contains(w)))
}

/// Runs a script file (`./install.sh`, `bash setup.sh`) or a known
/// installer helper, which may install packages.
fn may_install(c: &ShellCommand) -> bool {
    let p = c.program();
    p.ends_with(".sh")
        || matches!(
            p,
            "install_packages" | "mk-build-deps" | "apt-install" | "add-pkg"
        )
        || (matches!(p, "sh" | "bash" | "dash" | "ash")
            && !c.args.iter().any(|a| a.text == "-c")
            && c.args.iter().any(|a| !a.text.starts_with('-')))
}

impl Rule for UpdateWithoutInstall {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for (_, run) in image.runs() {
            let Some(script) = &run.script else {
                continue;
            };
            for (i, cmd) in script.commands.iter().enumerate() {
                let (tools, users, dirs, label): (&[&str], &[&str], &[&str], String) =
                    if let Some(c) = apt_call(cmd).filter(|c| c.sub.text == "update") {
                        (
                            &["apt-get", "apt", "aptitude"],
                            APT_USERS,
                            &["/var/lib/apt/lists"],
                            c.label(),
                        )
                    } else if let Some(c) = apk_call(cmd).filter(|c| c.sub.text == "update") {
                        (
                            &["apk"],
                            APK_USERS,
                            &["/var/cache/apk", "/etc/apk/cache"],
                            c.label(),
                        )
                    } else {
                        continue;
                    };
                let later = || script.commands.iter().skip(i + 1);
                if later().any(|c| calls(c, tools, users) || may_install(c))
                    || removed_later(script, i, dirs)
                    || has_cache_mount(run, dirs)
                {
                    continue;
                }
                cx.report(
                    &cmd.origin,
                    format!(
                        "`{label}` in a RUN that installs nothing: the package lists are cached in this layer and go stale"
                    ),
                );
            }
        }
    }
}
