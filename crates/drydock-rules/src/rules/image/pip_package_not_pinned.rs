use drydock_core::RuleMeta;
use drydock_core::spec::ImageSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::image::package_managers::{is_path_or_url, pip_install, report_unpinned};

declare_rule! {
    /// ## What it does
    /// Reports packages named on a `pip install` line (`pip`, `pip3`,
    /// `python -m pip`) without a version that stops it from floating:
    /// `flask` or `flask>=2` rather than `flask==3.0.3` (or `~=3.0.3`, or an
    /// upper bound such as `<4`). Requirements files
    /// (`-r`/`--requirement`), editable and local installs (`.`, `-e .`,
    /// paths, wheels, archives, URLs), packages named through a variable,
    /// and commands with a constraints file (`-c`/`--constraint`) or
    /// `--no-index` are not reported.
    ///
    /// ## Why is this bad?
    /// An unpinned package is whatever PyPI serves on the day of the build:
    /// a rebuild can pull in a breaking release, a yanked one, or a
    /// compromised one, and nothing in the Dockerfile says which version
    /// the image contains.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN pip install --no-cache-dir flask gunicorn
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// COPY requirements.txt .
    /// RUN pip install --no-cache-dir -r requirements.txt
    /// ```
    ///
    /// ## How to fix
    /// Pin with `pkg==<version>`, or better, install from a requirements or
    /// lock file with pinned versions and hashes (`--require-hashes`).
    pub struct PipPackageNotPinned {
        id: "IMG026",
        name: "pip-package-not-pinned",
        title: "pip install without a package version",
        severity: Info,
        category: SupplyChain,
        references: ["concern:32", "hadolint:DL3013", "kics:unpinned-package-version-in-pip-install"],
        fix: None,
    }
}

fn pinned_or_local(t: &str) -> bool {
    // An exact version, a compatible release, or an upper bound (`<0.46`):
    // the version cannot float past what the Dockerfile allows.
    t.contains("==")
        || t.contains("~=")
        || t.contains('<')
        || t.contains('@')
        || t.contains('/')
        || is_path_or_url(t)
        || t.starts_with("git+")
        || [".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2"]
            .iter()
            .any(|s| t.ends_with(s))
}

impl Rule for PipPackageNotPinned {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for (_, cmd) in image.commands() {
            let Some(call) = pip_install(cmd) else {
                continue;
            };
            if call.has_any(&["-c", "--constraint", "--no-index"]) {
                continue;
            }
            let ops: Vec<_> = call.literal_operands().collect();
            let unpinned: Vec<_> = ops
                .iter()
                .enumerate()
                // `name @ url` is a direct reference, as three words.
                .filter(|(i, w)| {
                    !pinned_or_local(&w.text)
                        && w.text != "@"
                        && ops.get(i + 1).is_none_or(|n| n.text != "@")
                })
                .map(|(_, w)| *w)
                .collect();
            report_unpinned(
                cx,
                &call,
                &unpinned,
                "`pkg==<version>` or use a requirements file",
            );
        }
    }
}
