use drydock_core::{Fix, RuleMeta};

use crate::declare_rule;
use crate::rule::{Checker, DockerfileCx, Rule};
use crate::rules::image::files::report_leftover;
use crate::rules::image::fixes::append_to_chain;
use crate::rules::image::package_managers::{
    Rpm, has_cache_mount, removed_later, rpm_call, rpm_installs, shipped_runs,
};

declare_rule! {
    /// ## What it does
    /// Reports a `RUN` that installs or upgrades packages with `yum`,
    /// `dnf`, `microdnf`, `tdnf` or `zypper` and does not clean the
    /// package cache after it: no `yum`/`dnf`/`microdnf`/`tdnf clean all`,
    /// no `zypper clean`, no `rm -rf /var/cache/dnf` (or `yum`, `zypp`,
    /// …), and no `--mount=type=cache` there. Only stages whose layers ship
    /// are checked: the final stage and the stages it is built `FROM`.
    ///
    /// In a built image, `/var/cache/yum`, `/var/cache/dnf` and
    /// `/var/cache/zypp` holding packages (`*.rpm`) or repository metadata
    /// (files under `repodata/`, `*.solv`, `*.solvx`, `*.xml*`,
    /// `*.sqlite*`, `*.zck`) are reported, one finding per directory, with
    /// the number of such files, their size and the layers that added
    /// them. Small state files that remain after `clean all`
    /// (`last_makecache`, `expired_repos.json`, …) are not counted.
    ///
    /// ## Why is this bad?
    /// Repository metadata and downloaded packages (often over a hundred
    /// megabytes) stay in the layer: a bigger image to store, pull and
    /// scan, for nothing.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN dnf install -y httpd
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN dnf install -y httpd && dnf clean all
    /// ```
    ///
    /// ## How to fix
    /// End the `RUN` with `yum clean all` / `dnf clean all` / `microdnf
    /// clean all` / `zypper clean --all`, or mount a cache on the cache
    /// directory.
    ///
    /// ## Fix
    /// Appends `&& yum clean all` (`dnf`, `microdnf`, `tdnf` alike, the
    /// program as written) or `&& zypper clean --all` to the end of the
    /// `&&` chain that holds the install, in the `RUN`'s own layout. No fix
    /// when the chain does not run to the end of the script (`;`, `||`,
    /// pipes, `if` after it). Safe: the cleanup runs last and only when the
    /// install succeeded, and the next install downloads the repository
    /// metadata again by itself.
    pub struct RpmCacheNotCleaned {
        id: "IMG037",
        name: "rpm-cache-not-cleaned",
        title: "yum/dnf/zypper cache left in the image",
        severity: Low,
        category: BestPractice,
        references: [
            "concern:44",
            "hadolint:DL3032",
            "hadolint:DL3040",
            "hadolint:DL3036",
            "trivy:DS015",
            "trivy:DS019",
            "trivy:DS027",
            "trivy:DS020",
            "kics:yum-clean-all-missing",
            "kics:missing-dnf-clean-all",
            "kics:missing-zypper-clean",
        ],
        fix: Safe,
    }
}

const CACHES: &[&str] = &[
    "/var/cache/yum",
    "/var/cache/dnf",
    "/var/cache/libdnf5",
    "/var/cache/tdnf",
    "/var/cache/zypp",
];

fn fills_cache(tool: Rpm, sub: &str) -> bool {
    rpm_installs(tool, sub)
        || match tool {
            Rpm::Zypper => matches!(sub, "update" | "up" | "dist-upgrade" | "dup" | "patch"),
            _ => matches!(sub, "update" | "upgrade" | "distro-sync"),
        }
}

impl Rule for RpmCacheNotCleaned {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &drydock_core::spec::ImageSpec) {
        let Some(files) = &image.files else {
            return;
        };
        for (dir, clean) in [
            ("/var/cache/dnf", "dnf clean all"),
            ("/var/cache/yum", "yum clean all"),
            ("/var/cache/zypp", "zypper clean --all"),
        ] {
            report_leftover(
                cx,
                files,
                dir,
                |rel| !is_package_or_metadata(rel),
                &format!(
                    "packages and repository metadata left in the image; run `{clean}` in the step that installs"
                ),
            );
        }
    }

    fn check_dockerfile(&self, cx: &mut Checker<'_>, df: &DockerfileCx<'_>) {
        for (run, script) in shipped_runs(df.images) {
            if has_cache_mount(run, CACHES) {
                continue;
            }
            let last = script
                .commands
                .iter()
                .enumerate()
                .filter_map(|(i, c)| rpm_call(c).map(|(tool, call)| (i, tool, call)))
                .rfind(|(_, tool, call)| fills_cache(*tool, &call.sub.text));
            let Some((i, tool, call)) = last else {
                continue;
            };
            let cleaned = script.commands.iter().skip(i + 1).any(|c| {
                rpm_call(c).is_some_and(|(t, cl)| match t {
                    Rpm::Zypper => matches!(cl.sub.text.as_str(), "clean" | "cc"),
                    _ => cl.sub.text == "clean" && cl.operands.iter().any(|w| w.text == "all"),
                })
            });
            if cleaned || removed_later(script, i, CACHES) {
                continue;
            }
            let clean = match tool {
                Rpm::Zypper => "zypper clean --all".to_string(),
                _ => format!("{} clean all", call.cmd.program()),
            };
            let f = cx.report(
                &call.cmd.origin,
                format!("`{}` without `{clean}` later in the same RUN", call.label()),
            );
            if let Some(edit) =
                append_to_chain(df.text, df.dockerfile.escape, run, script, i, &clean)
            {
                f.set_fix(Fix::safe(
                    format!("Run `{clean}` at the end of the RUN"),
                    vec![edit],
                ));
            }
        }
    }
}

/// Whether a file below a yum/dnf/zypp cache directory is a package or
/// repository metadata (what `clean all` removes), by its path relative to
/// the cache directory.
fn is_package_or_metadata(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    rel.split('/').any(|c| c == "repodata")
        || [".rpm", ".solv", ".solvx", ".sqlite", ".zck"]
            .iter()
            .any(|e| name.ends_with(e))
        || name.contains(".xml")
        || name.contains(".sqlite")
}

#[cfg(test)]
mod image_tests {
    use super::*;
    use crate::rules::image::files::testkit::Img;

    #[test]
    fn cache_in_a_built_image() {
        let img = Img::new()
            .file("/var/cache/dnf/last_makecache", 0o644, 0)
            .file("/var/cache/dnf/expired_repos.json", 0o644, 2)
            .file(
                "/var/cache/dnf/ubi-9-baseos-rpms-1234/repodata/repomd.xml",
                0o644,
                4000,
            )
            .file(
                "/var/cache/dnf/ubi-9-baseos-rpms-1234/repodata/abc-primary.xml.gz",
                0o644,
                4000,
            )
            .file(
                "/var/cache/dnf/ubi-9-baseos-rpms-1234/packages/httpd-2.4.rpm",
                0o644,
                1000,
            )
            .file("/var/cache/dnf/ubi-9-baseos.solv", 0o644, 1000)
            .file("/var/cache/yum/x86_64/7/timedhosts", 0o644, 10);
        let found = img.check(&RpmCacheNotCleaned);
        assert_eq!(found.len(), 1);
        assert_eq!(img.place(&found[0]), "api:/var/cache/dnf");
        assert!(
            found[0]
                .message
                .starts_with("`/var/cache/dnf` holds 4 files (9.8 KiB)"),
            "{}",
            found[0].message
        );
        assert!(
            found[0]
                .message
                .ends_with("run `dnf clean all` in the step that installs")
        );
    }
}
