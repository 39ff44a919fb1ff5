use drydock_core::{Fix, RuleMeta};

use crate::declare_rule;
use crate::rule::{Checker, DockerfileCx, Rule};
use crate::rules::image::files::report_leftover;
use crate::rules::image::package_managers::{
    apk_call, has_cache_mount, removed_later, shipped_runs,
};
use crate::rules::util::insert_after;

declare_rule! {
    /// ## What it does
    /// Reports `apk add` without `--no-cache` (or `--no-network`, which
    /// downloads nothing), unless the `RUN` removes
    /// `/var/cache/apk` afterwards or mounts a cache there. Only stages
    /// whose layers ship are checked: the final stage and the stages it is
    /// built `FROM`.
    ///
    /// In a built image, `/var/cache/apk` holding files (package indexes,
    /// downloaded packages) is reported at the directory, with the number
    /// of files, their size and the layers that added them.
    ///
    /// ## Why is this bad?
    /// Without `--no-cache`, the package index fetched by `apk update` or
    /// `--update` stays in the layer: a bigger image, and a stale index
    /// that later `apk add` commands use.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apk update && apk add curl
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN apk add --no-cache curl
    /// ```
    ///
    /// ## How to fix
    /// Use `apk add --no-cache` (it fetches a fresh index and keeps nothing,
    /// so no `apk update` is needed).
    ///
    /// ## Fix
    /// Inserts `--no-cache` after `add`. Safe: the same packages are
    /// installed from a freshly fetched index.
    pub struct ApkAddNoCache {
        id: "IMG036",
        name: "apk-add-without-no-cache",
        title: "apk add without --no-cache",
        severity: Info,
        category: BestPractice,
        references: [
            "concern:43",
            "hadolint:DL3019",
            "trivy:DS025",
            "dockle:DKL-DI-0004",
            "kics:apk-add-using-local-cache-path",
        ],
        fix: Safe,
    }
}

const CACHE: &[&str] = &["/var/cache/apk", "/etc/apk/cache"];

impl Rule for ApkAddNoCache {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &drydock_core::spec::ImageSpec) {
        if let Some(files) = &image.files {
            report_leftover(
                cx,
                files,
                "/var/cache/apk",
                |_| false,
                "the apk cache left in the image; use `apk add --no-cache`",
            );
        }
    }

    fn check_dockerfile(&self, cx: &mut Checker<'_>, df: &DockerfileCx<'_>) {
        for (run, script) in shipped_runs(df.images) {
            if has_cache_mount(run, CACHE) {
                continue;
            }
            for (i, cmd) in script.commands.iter().enumerate() {
                let Some(call) = apk_call(cmd).filter(|c| c.sub.text == "add") else {
                    continue;
                };
                if call.has_any(&["--no-cache", "--no-network"]) || removed_later(script, i, CACHE)
                {
                    continue;
                }
                let precise = cx.text_of(&call.sub.origin) == "add";
                let f = cx.report(&cmd.origin, "`apk add` without `--no-cache`");
                if precise && let Some(edit) = insert_after(&call.sub.origin, " --no-cache") {
                    f.set_fix(Fix::safe("Add `--no-cache`", vec![edit]));
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
        let img = Img::new().dir("/var/cache/apk", 0o755).file(
            "/var/cache/apk/APKINDEX.66df3d2b.tar.gz",
            0o644,
            500,
        );
        let found = img.check(&ApkAddNoCache);
        assert_eq!(found.len(), 1);
        assert_eq!(img.place(&found[0]), "api:/var/cache/apk");
        assert!(
            found[0]
                .message
                .starts_with("`/var/cache/apk` holds 1 file (500 B)")
        );
        assert!(
            Img::new()
                .dir("/var/cache/apk", 0o755)
                .check(&ApkAddNoCache)
                .is_empty()
        );
    }
}
