use drydock_core::RuleMeta;

use crate::declare_rule;
use crate::rule::{Checker, DockerfileCx, Rule};
use crate::rules::image::package_managers::{
    apt_call, apt_install, has_cache_mount, removed_later, shipped_runs,
};

declare_rule! {
    /// ## What it does
    /// Reports a `RUN` that runs `apt-get install` (or `apt install`) and
    /// does not remove `/var/lib/apt/lists` after it (`rm -rf
    /// /var/lib/apt/lists/*`, `apt-get dist-clean`), unless the lists are on
    /// a `--mount=type=cache`. Only stages whose layers ship are
    /// checked: the final stage and the stages it is built `FROM`.
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
        fix: None,
    }
}

const LISTS: &[&str] = &["/var/lib/apt/lists"];

impl Rule for AptListsNotRemoved {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, cx: &mut Checker<'_>, df: &DockerfileCx<'_>) {
        for (run, script) in shipped_runs(df.images) {
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
            cx.report(
                &call.cmd.origin,
                format!(
                    "`{}` without `rm -rf /var/lib/apt/lists/*` later in the same RUN",
                    call.label()
                ),
            );
        }
    }
}
