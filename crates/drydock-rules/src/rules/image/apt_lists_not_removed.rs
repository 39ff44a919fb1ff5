use drydock_core::spec::{BaseImage, ImageSpec, ShellScript};
use drydock_core::{Fix, RuleMeta};

use crate::declare_rule;
use crate::rule::{Checker, DockerfileCx, Rule};
use crate::rules::image::files::report_leftover;
use crate::rules::image::fixes::append_to_chain;
use crate::rules::image::package_managers::{
    apt_call, apt_install, has_cache_mount, removed_later, shipped_stages,
};

declare_rule! {
    /// ## What it does
    /// Reports a `RUN` that runs `apt-get install` (or `apt install`) and
    /// does not remove `/var/lib/apt/lists` after it (`rm -rf
    /// /var/lib/apt/lists/*`, `apt-get dist-clean`), unless the lists are on
    /// a `--mount=type=cache`. Only stages whose layers ship are
    /// checked: the final stage and the stages it is built `FROM`.
    ///
    /// In a built image, `/var/lib/apt/lists` holding anything but `lock`,
    /// `partial/` and `auxfiles/` is reported, once, at the directory, with
    /// the number of files, their size and the layers that added them
    /// (Dockle DKL-DI-0005).
    ///
    /// ## Why is this bad?
    /// The package lists (tens of megabytes) stay in the layer: a bigger
    /// image for nothing, and stale lists that a later `apt-get install`
    /// without `update` would silently use.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl
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
    /// End the `RUN` with `rm -rf /var/lib/apt/lists/*` (or, with apt 2.7
    /// and later, `apt-get dist-clean`), or keep the lists
    /// out of the layer with `RUN --mount=type=cache,target=/var/lib/apt/lists …`.
    ///
    /// ## Fix
    /// Appends `&& rm -rf /var/lib/apt/lists/*` to the end of the `&&`
    /// chain that holds the install, in the `RUN`'s own layout (a `\`
    /// continuation line when the chain is written that way, a new line in
    /// a heredoc that starts with `set -e`). No fix when the chain does not
    /// run to the end of the script (`;`, `||`, pipes, `if` after it), or
    /// when a later `RUN` of the stage, or of a stage built from it, uses
    /// the lists (`apt-get install`, `apt-cache`) without updating them
    /// first. Safe: the removal runs last and only when the install
    /// succeeded, nothing later in the build reads the lists, and `apt-get
    /// update` recreates them (Debian and Ubuntu base images ship without
    /// them too).
    pub struct AptListsNotRemoved {
        id: "IMG035",
        name: "apt-lists-not-removed",
        title: "apt lists left in the image",
        severity: Info,
        category: BestPractice,
        references: [
            "concern:42",
            "hadolint:DL3009",
            "dockle:DKL-DI-0005",
            "kics:apt-get-install-lists-were-not-deleted",
        ],
        fix: Safe,
    }
}

const LISTS: &[&str] = &["/var/lib/apt/lists"];

/// Whether a script reads the apt lists before updating them.
fn reads_lists(script: &ShellScript) -> bool {
    for c in &script.commands {
        if c.is("apt-cache") {
            return true;
        }
        let Some(call) = apt_call(c) else { continue };
        match call.sub.text.as_str() {
            "update" => return false,
            "install" | "reinstall" | "source" | "download" | "build-dep" | "upgrade"
            | "dist-upgrade" | "full-upgrade" | "satisfy"
                if !call.has_any(&["--update"]) =>
            {
                return true;
            }
            _ => {}
        }
    }
    false
}

/// Whether stage `child` is built `FROM` stage `ancestor`, directly or not.
fn descends(images: &[ImageSpec], child: &ImageSpec, ancestor: usize) -> bool {
    let mut cur = child;
    for _ in 0..images.len() {
        let BaseImage::Stage { index, .. } = &cur.base.value else {
            return false;
        };
        if *index == ancestor {
            return true;
        }
        match images.iter().find(|im| im.stage_index == *index) {
            Some(p) => cur = p,
            None => return false,
        }
    }
    false
}

/// Whether a RUN after the `nth` RUN of `image` reads the apt lists before
/// updating them: later in the stage, or in a stage built from it.
fn lists_read_later(images: &[ImageSpec], image: &ImageSpec, nth: usize) -> bool {
    let later_here = image.runs().skip(nth + 1);
    let children = images
        .iter()
        .filter(|im| descends(images, im, image.stage_index))
        .flat_map(|im| im.runs());
    later_here
        .chain(children)
        .filter_map(|(_, r)| r.script.as_ref())
        .any(reads_lists)
}

impl Rule for AptListsNotRemoved {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        if let Some(files) = &image.files {
            report_leftover(
                cx,
                files,
                "/var/lib/apt/lists",
                |rel| rel == "lock" || rel.starts_with("partial/") || rel.starts_with("auxfiles/"),
                "apt package lists left in the image; remove them with `rm -rf /var/lib/apt/lists/*` in the step that installs",
            );
        }
    }

    fn check_dockerfile(&self, cx: &mut Checker<'_>, df: &DockerfileCx<'_>) {
        let ships = shipped_stages(df.images);
        for (image, _) in df.images.iter().zip(ships).filter(|(_, s)| *s) {
            for (nth, (_, run)) in image.runs().enumerate() {
                let Some(script) = &run.script else {
                    continue;
                };
                if has_cache_mount(run, LISTS) {
                    continue;
                }
                // The last install of the RUN: a removal after it covers them all.
                let last = script
                    .commands
                    .iter()
                    .enumerate()
                    .filter_map(|(i, c)| apt_install(c).map(|call| (i, call)))
                    .next_back();
                let Some((i, call)) = last else {
                    continue;
                };
                // `apt-get dist-clean` (apt 2.7+) removes the lists too.
                let dist_clean = script
                    .commands
                    .iter()
                    .skip(i + 1)
                    .any(|c| apt_call(c).is_some_and(|c| c.sub.text == "dist-clean"));
                if dist_clean || removed_later(script, i, LISTS) {
                    continue;
                }
                let f = cx.report(
                    &call.cmd.origin,
                    format!(
                        "`{}` without `rm -rf /var/lib/apt/lists/*` later in the same RUN",
                        call.label()
                    ),
                );
                if lists_read_later(df.images, image, nth) {
                    continue;
                }
                let edit = append_to_chain(
                    df.text,
                    df.dockerfile.escape,
                    run,
                    script,
                    i,
                    "rm -rf /var/lib/apt/lists/*",
                );
                if let Some(edit) = edit {
                    f.set_fix(Fix::safe(
                        "Remove the apt lists at the end of the RUN",
                        vec![edit],
                    ));
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
    fn lists_in_a_built_image() {
        let img = Img::new()
            .dir("/var/lib/apt/lists", 0o755)
            .file("/var/lib/apt/lists/lock", 0o640, 0)
            .dir("/var/lib/apt/lists/partial", 0o700)
            .file("/var/lib/apt/lists/partial/x", 0o644, 9)
            .file(
                "/var/lib/apt/lists/deb.debian.org_dists_bookworm_InRelease",
                0o644,
                1024,
            )
            .file(
                "/var/lib/apt/lists/deb.debian.org_dists_bookworm_main_binary-amd64_Packages.lz4",
                0o644,
                2048,
            )
            .owned(
                "/var/lib/apt/lists/deb.debian.org_dists_bookworm_main_binary-amd64_Packages.lz4",
                0,
                1,
            );
        let found = img.check(&AptListsNotRemoved);
        assert_eq!(found.len(), 1);
        assert_eq!(img.place(&found[0]), "api:/var/lib/apt/lists");
        assert_eq!(
            found[0].message,
            "`/var/lib/apt/lists` holds 2 files (3.0 KiB) added in layer 0 (sha256:abababababab), layer 1: apt package lists left in the image; remove them with `rm -rf /var/lib/apt/lists/*` in the step that installs"
        );
        let clean = Img::new()
            .dir("/var/lib/apt/lists", 0o755)
            .file("/var/lib/apt/lists/lock", 0o640, 0)
            .dir("/var/lib/apt/lists/auxfiles", 0o755);
        assert!(clean.check(&AptListsNotRemoved).is_empty());
    }
}
