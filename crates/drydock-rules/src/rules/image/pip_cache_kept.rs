use drydock_core::spec::ImageSpec;
use drydock_core::{Fix, RuleMeta};

use crate::declare_rule;
use crate::rule::{Checker, DockerfileCx, Rule};
use crate::rules::image::files::{homes, report_leftover};
use crate::rules::image::package_managers::{pip_call, pip_install, shipped_stages};
use crate::rules::util::insert_after;

declare_rule! {
    /// ## What it does
    /// Reports `pip install` (`pip`, `pip3`, `python -m pip`) without
    /// `--no-cache-dir`, unless `PIP_NO_CACHE_DIR` is set (by `ENV`, `ARG`
    /// or on the command), `--cache-dir` chooses where the cache goes, a
    /// `--mount=type=cache` holds the cache, or the
    /// `RUN` removes the cache (`rm -rf ~/.cache/pip`, `pip cache purge`)
    /// afterwards. Only stages whose layers ship are checked: the final
    /// stage and the stages it is built `FROM`.
    ///
    /// In a built image, a pip cache holding files is reported at its
    /// directory, with the number of files, their size and the layers that
    /// added them: `.cache/pip` in `/root` or in a home directory under
    /// `/home`.
    ///
    /// ## Why is this bad?
    /// pip keeps every downloaded wheel and archive in `~/.cache/pip`; in an
    /// image that cache is never used again and only adds size (often tens
    /// or hundreds of megabytes).
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN pip install -r requirements.txt
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN pip install --no-cache-dir -r requirements.txt
    /// ```
    ///
    /// ## How to fix
    /// Add `--no-cache-dir`, set `ENV PIP_NO_CACHE_DIR=1`, or use
    /// `RUN --mount=type=cache,target=/root/.cache/pip pip install …` to
    /// keep a cache across builds but out of the image.
    ///
    /// ## Fix
    /// Inserts `--no-cache-dir` after `install`. Safe: the same packages are
    /// installed.
    pub struct PipCacheKept {
        id: "IMG038",
        name: "pip-cache-kept",
        title: "pip install without --no-cache-dir",
        severity: Info,
        category: BestPractice,
        references: ["concern:45", "hadolint:DL3042", "kics:pip-install-keeping-cached-packages"],
        fix: Safe,
    }
}

const VAR: &str = "PIP_NO_CACHE_DIR";

fn set_in_image(image: &ImageSpec) -> bool {
    image.env_value(VAR).is_some() || image.args.iter().any(|a| a.name.value == VAR)
}

impl Rule for PipCacheKept {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        let Some(files) = &image.files else {
            return;
        };
        for home in homes(files) {
            report_leftover(
                cx,
                files,
                &format!("{home}/.cache/pip"),
                |_| false,
                "pip's cache left in the image; use `pip install --no-cache-dir`",
            );
        }
    }

    fn check_dockerfile(&self, cx: &mut Checker<'_>, df: &DockerfileCx<'_>) {
        for (image, ships) in df.images.iter().zip(shipped_stages(df.images)) {
            if !ships || set_in_image(image) {
                continue;
            }
            for (_, run) in image.runs() {
                let Some(script) = &run.script else {
                    continue;
                };
                let cache_mount = run
                    .mounts_of_type("cache")
                    .any(|m| m.value.contains(".cache"));
                if cache_mount {
                    continue;
                }
                for (i, cmd) in script.commands.iter().enumerate() {
                    let Some(call) = pip_install(cmd) else {
                        continue;
                    };
                    if call.has_any(&["--no-cache-dir", "--cache-dir"])
                        || cmd
                            .assignments
                            .iter()
                            .any(|a| a.text.starts_with("PIP_NO_CACHE_DIR="))
                    {
                        continue;
                    }
                    let exported = script.commands.iter().take(i).any(|c| {
                        (c.is("export") || c.is("declare"))
                            && c.args.iter().any(|a| a.text.starts_with(VAR))
                    });
                    let purged = script.commands.iter().skip(i + 1).any(|c| {
                        (c.is("rm") && c.args.iter().any(|a| a.text.contains(".cache")))
                            || pip_call(c).is_some_and(|p| {
                                p.sub.text == "cache"
                                    && p.operands.first().is_some_and(|w| w.text == "purge")
                            })
                    });
                    if exported || purged {
                        continue;
                    }
                    let precise = cx.text_of(&call.sub.origin) == "install";
                    let f = cx.report(
                        &cmd.origin,
                        format!(
                            "`{}` without `--no-cache-dir` keeps pip's cache in the image",
                            call.label()
                        ),
                    );
                    if precise && let Some(edit) = insert_after(&call.sub.origin, " --no-cache-dir")
                    {
                        f.set_fix(Fix::safe("Add `--no-cache-dir`", vec![edit]));
                    }
                }
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
            .dir("/home/app", 0o755)
            .file("/home/app/.cache/pip/http-v2/a/b/c", 0o644, 100)
            .file("/root/.cache/pip/wheels/x.whl", 0o644, 2048)
            .dir("/home/app/.cache/other", 0o755);
        let found = img.check(&PipCacheKept);
        let places: Vec<String> = found.iter().map(|f| img.place(f)).collect();
        assert_eq!(places, ["api:/root/.cache/pip", "api:/home/app/.cache/pip"]);
        assert!(
            Img::new()
                .dir("/root/.cache/pip", 0o755)
                .check(&PipCacheKept)
                .is_empty()
        );
    }
}
