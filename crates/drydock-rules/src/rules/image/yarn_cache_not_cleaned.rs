use drydock_core::spec::ShellCommand;
use drydock_core::{Fix, RuleMeta};

use crate::declare_rule;
use crate::rule::{Checker, DockerfileCx, Rule};
use crate::rules::image::files::{homes, report_leftover};
use crate::rules::image::fixes::append_to_chain;
use crate::rules::image::package_managers::{positionals, shipped_runs};

declare_rule! {
    /// ## What it does
    /// Reports `yarn install` (or a bare `yarn`, which installs) in a `RUN`
    /// that does not run `yarn cache clean` afterwards, remove the yarn
    /// cache directory, or keep the cache on a `--mount=type=cache`. Only
    /// stages whose layers ship are checked: the final stage and the
    /// stages it is built `FROM`.
    ///
    /// In a built image, a yarn cache holding files is reported at its
    /// directory, with the number of files, their size and the layers that
    /// added them: `/usr/local/share/.cache/yarn` (root's in the Node
    /// images) and `.cache/yarn` in `/root` or a home directory under
    /// `/home`.
    ///
    /// ## Why is this bad?
    /// Yarn keeps a copy of every package it downloads in its cache
    /// (`/usr/local/share/.cache/yarn` for root in the Node images): in an
    /// image that is often as big as `node_modules` itself, and never used
    /// again.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN yarn install --frozen-lockfile
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN yarn install --frozen-lockfile && yarn cache clean
    /// ```
    ///
    /// ## How to fix
    /// End the `RUN` with `yarn cache clean`, or use
    /// `RUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install …`.
    ///
    /// ## Fix
    /// Appends `&& yarn cache clean` to the end of the `&&` chain that
    /// holds the install, in the `RUN`'s own layout. No fix when the chain
    /// does not run to the end of the script (`;`, `||`, pipes, `if` after
    /// it). Unsafe: with Yarn 2 and later, `yarn cache clean` empties the
    /// project's own cache (`.yarn/cache`), which Plug'n'Play installs load
    /// the packages from at run time.
    pub struct YarnCacheNotCleaned {
        id: "IMG039",
        name: "yarn-cache-not-cleaned",
        title: "yarn install without yarn cache clean",
        severity: Info,
        category: BestPractice,
        references: ["concern:46", "hadolint:DL3060"],
        fix: Unsafe,
    }
}

const YARN_WITH_VALUE: &[&str] = &[
    "--cache-folder",
    "--modules-folder",
    "--cwd",
    "--network-timeout",
    "--mutex",
    "--registry",
    "--global-folder",
    "--link-folder",
];

/// The subcommand of a `yarn` call, or `""` for a bare `yarn`.
fn yarn_sub(cmd: &ShellCommand) -> Option<&str> {
    if !cmd.is("yarn") {
        return None;
    }
    Some(
        positionals(&cmd.args, YARN_WITH_VALUE)
            .first()
            .map_or("", |w| w.text.as_str()),
    )
}

fn installs(cmd: &ShellCommand) -> bool {
    match yarn_sub(cmd) {
        Some("install") => true,
        Some("") => !cmd.has_any(&["-v", "--version", "-h", "--help"]),
        _ => false,
    }
}

fn cleans(cmd: &ShellCommand) -> bool {
    if yarn_sub(cmd) == Some("cache") {
        return positionals(&cmd.args, YARN_WITH_VALUE)
            .get(1)
            .is_some_and(|w| w.text == "clean");
    }
    cmd.is("rm")
        && cmd
            .args
            .iter()
            .any(|a| a.text.contains("yarn") && a.text.contains("cache"))
}

impl Rule for YarnCacheNotCleaned {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &drydock_core::spec::ImageSpec) {
        let Some(files) = &image.files else {
            return;
        };
        let mut dirs = vec!["/usr/local/share/.cache/yarn".to_string()];
        dirs.extend(homes(files).into_iter().map(|h| format!("{h}/.cache/yarn")));
        for dir in dirs {
            report_leftover(
                cx,
                files,
                &dir,
                |_| false,
                "yarn's cache left in the image; run `yarn cache clean` in the step that installs",
            );
        }
    }

    fn check_dockerfile(&self, cx: &mut Checker<'_>, df: &DockerfileCx<'_>) {
        for (run, script) in shipped_runs(df.images) {
            if run
                .mounts_of_type("cache")
                .any(|m| m.value.contains("yarn"))
            {
                continue;
            }
            let last = script
                .commands
                .iter()
                .enumerate()
                .rfind(|(_, c)| installs(c));
            let Some((i, cmd)) = last else {
                continue;
            };
            if cmd.has_any(&["--cache-folder"]) || script.commands.iter().skip(i + 1).any(cleans) {
                continue;
            }
            let f = cx.report(
                &cmd.origin,
                "`yarn install` without `yarn cache clean` later in the same RUN",
            );
            if let Some(edit) = append_to_chain(
                df.text,
                df.dockerfile.escape,
                run,
                script,
                i,
                "yarn cache clean",
            ) {
                f.set_fix(Fix::unsafe_(
                    "Run `yarn cache clean` at the end of the RUN",
                    vec![edit],
                ));
            }
        }
    }
}

#[cfg(test)]
mod image_tests {
    use super::*;
    use crate::rules::image::files::testkit::Img;

    #[test]
    fn cache_in_a_built_image() {
        let img = Img::new()
            .file(
                "/usr/local/share/.cache/yarn/v6/npm-react-18.2.0/package.json",
                0o644,
                100,
            )
            .file("/root/.cache/yarn/v6/.tmp/x", 0o644, 1);
        let found = img.check(&YarnCacheNotCleaned);
        let places: Vec<String> = found.iter().map(|f| img.place(f)).collect();
        assert_eq!(
            places,
            ["api:/usr/local/share/.cache/yarn", "api:/root/.cache/yarn"]
        );
        assert!(Img::new().check(&YarnCacheNotCleaned).is_empty());
    }
}
