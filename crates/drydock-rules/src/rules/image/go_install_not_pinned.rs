use drydock_core::RuleMeta;
use drydock_core::spec::ImageSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::image::package_managers::{list_words, positionals};

declare_rule! {
    /// ## What it does
    /// Reports `go install` of a remote package without a version, or
    /// with a moving one: `example.com/tool` or `example.com/tool@latest`
    /// (also `@master`, `@main`, `@HEAD`) rather than
    /// `example.com/tool@v1.2.3`. Local packages (`./cmd/app`, `.`),
    /// standard-library packages and packages named through a variable are
    /// not reported.
    ///
    /// ## Why is this bad?
    /// `@latest` is whatever the module proxy knows as the newest version
    /// on the day of the build; a branch is whatever was pushed last. A
    /// rebuild can pull in a breaking or a compromised release. Without any
    /// version the package's version comes from the `go.mod` of the current
    /// directory, if there is one, which the Dockerfile does not show.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN go install golang.org/x/tools/gopls@latest
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN go install golang.org/x/tools/gopls@v0.16.1
    /// ```
    ///
    /// ## How to fix
    /// Give an exact version (`@v1.2.3`) or a commit.
    pub struct GoInstallNotPinned {
        id: "IMG029",
        name: "go-install-not-pinned",
        title: "go install without a version",
        severity: Info,
        category: SupplyChain,
        references: ["concern:35", "hadolint:DL3062"],
        fix: None,
    }
}

const GO_WITH_VALUE: &[&str] = &[
    "-C",
    "-p",
    "-asmflags",
    "-buildmode",
    "-compiler",
    "-gccgoflags",
    "-gcflags",
    "-installsuffix",
    "-ldflags",
    "-mod",
    "-modfile",
    "-overlay",
    "-pgo",
    "-pkgdir",
    "-tags",
    "-toolexec",
    "--ldflags",
    "--tags",
];

fn unpinned(spec: &str) -> bool {
    let (path, version) = match spec.split_once('@') {
        Some((p, v)) => (p, Some(v)),
        None => (spec, None),
    };
    // Local packages and the standard library (no dot in the first element).
    let first = path.split('/').next().unwrap_or(path);
    if path.starts_with('.') || path.starts_with('/') || !first.contains('.') {
        return false;
    }
    match version {
        None => true,
        Some(v) => matches!(
            v,
            "" | "latest" | "master" | "main" | "HEAD" | "upgrade" | "patch"
        ),
    }
}

impl Rule for GoInstallNotPinned {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for (_, cmd) in image.commands() {
            if !cmd.is("go") {
                continue;
            }
            let mut pos = positionals(&cmd.args, GO_WITH_VALUE).into_iter();
            if pos.next().is_none_or(|s| s.text != "install") {
                continue;
            }
            let bad: Vec<_> = pos.filter(|w| w.literal && unpinned(&w.text)).collect();
            if let Some(first) = bad.first() {
                cx.report(
                    &first.origin,
                    format!(
                        "`go install` without a fixed version for {} (use `@v<version>`)",
                        list_words(&bad)
                    ),
                );
            }
        }
    }
}
