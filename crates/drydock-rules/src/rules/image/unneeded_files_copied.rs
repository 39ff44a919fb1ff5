use std::collections::HashSet;

use drydock_core::RuleMeta;
use drydock_core::spec::{ImageFile, ImageFiles, ImageSpec};

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::image::credential_file_copied::{basename, context_copies, source_path};
use crate::rules::image::files::{at, homes, in_library, under_reported};

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
    /// In a built image, the files themselves are reported (Dockle
    /// DKL-LI-0003), one finding per top-most offending path (a `.git`
    /// directory, not each file in it): `.git` directories, `.DS_Store`
    /// files, `.vscode` and `.idea` directories, files named `Dockerfile`,
    /// `docker-compose.yml`, `docker-compose.yaml` (and
    /// `docker-compose.*.y*ml`), and a `.cache` directory in `/root` or a
    /// home under `/home` that holds files other than pip's, yarn's (their
    /// own rules report those) and fontconfig's. Libraries' own files are
    /// left alone (a `Dockerfile` in a package under `node_modules/`,
    /// `site-packages/`, `/usr/share/`, …; see `credential-file-copied` for
    /// the list).
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
        title: "Development or VCS files in the image",
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

/// What kind of unneeded file a built image's entry is, if any.
fn unneeded_entry(e: &ImageFile, homes: &[String], files: &ImageFiles) -> Option<&'static str> {
    let name = e.name();
    if e.is_dir() {
        return match name {
            ".git" => Some("a Git repository"),
            ".vscode" | ".idea" => Some("editor settings"),
            ".cache"
                if homes
                    .iter()
                    .any(|h| e.path.strip_suffix("/.cache") == Some(h)) =>
            {
                // pip's and yarn's caches have their own rules.
                let prefix = format!("{}/", e.path);
                let other = files.under(&e.path).any(|f| {
                    f.is_file()
                        && !["pip/", "yarn/", "fontconfig/"]
                            .iter()
                            .any(|c| f.path[prefix.len()..].starts_with(c))
                });
                other.then_some("a cache directory")
            }
            _ => None,
        };
    }
    if !e.is_file() {
        return None;
    }
    match name {
        ".DS_Store" => Some("macOS Finder metadata"),
        "Dockerfile" => Some("a Dockerfile"),
        _ if name.starts_with("docker-compose.")
            && (name.ends_with(".yml") || name.ends_with(".yaml")) =>
        {
            Some("a Compose file")
        }
        _ => None,
    }
}

fn check_files(cx: &mut Checker<'_>, files: &ImageFiles) {
    let homes = homes(files);
    let mut reported: HashSet<&str> = HashSet::new();
    for e in &files.entries {
        if in_library(&e.path) {
            continue;
        }
        // One finding per top-most path.
        if under_reported(&e.path, &reported) {
            continue;
        }
        let Some(kind) = unneeded_entry(e, &homes, files) else {
            continue;
        };
        reported.insert(&e.path);
        let origin = files.origin(e);
        cx.report(
            &origin,
            format!("{}: {kind}, which the image does not need", at(files, e)),
        );
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
        if let Some(files) = &image.files {
            check_files(cx, files);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::image::files::testkit::Img;

    #[test]
    fn image_files() {
        let img = Img::new()
            .dir("/app", 0o755)
            .dir("/app/.git", 0o755)
            .dir("/app/.git/objects", 0o755)
            .file("/app/.git/config", 0o644, 10)
            .dir("/app/.git/modules/x/.git", 0o755)
            .file("/app/Dockerfile", 0o644, 10)
            .file("/app/docker-compose.prod.yml", 0o644, 10)
            .file("/app/src/.DS_Store", 0o644, 10)
            .dir("/app/.vscode", 0o755)
            .file("/app/node_modules/pkg/Dockerfile", 0o644, 10)
            .dir("/app/node_modules/pkg/.git", 0o755)
            .dir("/home/app", 0o755)
            .dir("/home/app/.cache", 0o755)
            .file("/home/app/.cache/pip/x", 0o644, 1)
            .dir("/root/.cache", 0o755)
            .file("/root/.cache/go-build/aa", 0o644, 1)
            .dir("/usr/src/.cache", 0o755)
            .file("/usr/src/.cache/x", 0o644, 1);
        let found = img.check(&UnneededFilesCopied);
        let places: Vec<String> = found.iter().map(|f| img.place(f)).collect();
        assert_eq!(
            places,
            [
                "api:/app/.git",
                "api:/app/.vscode",
                "api:/app/Dockerfile",
                "api:/app/docker-compose.prod.yml",
                "api:/app/src/.DS_Store",
                "api:/root/.cache",
            ]
        );
        assert_eq!(
            found[0].message,
            "`/app/.git` in layer 0 (sha256:abababababab): a Git repository, which the image does not need"
        );
    }

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
