use drydock_core::RuleMeta;
use drydock_core::spec::ImageSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::image::credential_file_copied::{basename, context_copies, source_path};

declare_rule! {
    /// ## What it does
    /// Reports `COPY` or `ADD` from the build context that names files only
    /// the developer's machine needs: the `.git` directory, caches
    /// (`.cache`, `node_modules/.cache`), credential directories (`.aws`,
    /// `.ssh`), editor settings (`.idea`, `.vscode`), and the build's own
    /// `Dockerfile` and `docker-compose*.yml` files.
    ///
    /// Only sources written out by name are judged; what `COPY . .` brings
    /// along depends on `.dockerignore` (see `copy-context-without-dockerignore`).
    /// `COPY --from` copies from another stage are not reported.
    ///
    /// ## Why is this bad?
    /// These files make the image larger and leak information: `.git`
    /// holds the full history (including secrets once committed and later
    /// removed), `.aws` and `.ssh` hold credentials, and caches and editor
    /// files can hold tokens, paths and internal host names. They also
    /// invalidate the build cache whenever they change.
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY .git /app/.git
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// ARG GIT_COMMIT
    /// LABEL org.opencontainers.image.revision=$GIT_COMMIT
    /// ```
    ///
    /// ## How to fix
    /// Copy only what the image needs, and pass build metadata (the commit,
    /// the version) as build arguments or labels. If a build step really
    /// needs such a file, bind-mount it for that step
    /// (`RUN --mount=type=bind,source=.git,target=.git …`) so that it does
    /// not end up in a layer.
    pub struct UnneededFilesCopied {
        id: "IMG064",
        name: "unneeded-files-copied",
        title: "Development or VCS files copied into the image",
        severity: Low,
        category: BestPractice,
        references: ["concern:14", "dockle:DKL-LI-0003"],
        fix: None,
    }
}

/// What kind of unneeded file `src` names, if any.
fn unneeded_kind(src: &str) -> Option<&'static str> {
    let path = source_path(src);
    if path.contains('$') {
        return None;
    }
    if path == "node_modules/.cache" || path.ends_with("/node_modules/.cache") {
        return Some("a build cache");
    }
    let name = basename(&path);
    match name {
        ".git" => Some("the Git repository"),
        ".cache" => Some("a cache directory"),
        ".aws" => Some("AWS configuration and credentials"),
        ".ssh" => Some("SSH keys and configuration"),
        ".idea" | ".vscode" => Some("editor settings"),
        "dockerfile" => Some("the Dockerfile"),
        _ if name.starts_with("docker-compose")
            && (name.ends_with(".yml") || name.ends_with(".yaml")) =>
        {
            Some("a Compose file")
        }
        _ => None,
    }
}

impl Rule for UnneededFilesCopied {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for (kw, copy) in context_copies(image) {
            for src in &copy.sources {
                if let Some(kind) = unneeded_kind(&src.value) {
                    cx.report(
                        &src.origin,
                        format!(
                            "`{kw}` puts `{}` ({kind}) into the image, which does not need it",
                            src.value
                        ),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::unneeded_kind;

    #[test]
    fn kinds() {
        for hit in [
            ".git",
            ".git/",
            "./.ssh",
            "web/node_modules/.cache",
            "Dockerfile",
            "docker-compose.prod.yml",
            ".vscode",
        ] {
            assert!(unneeded_kind(hit).is_some(), "{hit}");
        }
        for miss in [
            ".gitignore",
            "src",
            "Dockerfile.dockerignore",
            "compose.go",
            ".",
        ] {
            assert!(unneeded_kind(miss).is_none(), "{miss}");
        }
    }
}
