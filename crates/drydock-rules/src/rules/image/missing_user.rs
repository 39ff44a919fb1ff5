use drydock_core::spec::{BaseImage, ImageSpec};
use drydock_core::{ImageRef, RuleMeta};

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::image::files::is_built;

declare_rule! {
    /// ## What it does
    /// Reports a final build stage that never sets a `USER`, neither itself
    /// nor through the stage it is built from; for a built image, a
    /// configuration whose `User` is empty (its containers run as root).
    ///
    /// ## Why is this bad?
    /// Without `USER`, the container runs as whatever user the base image
    /// chose, which for nearly every base image is root. A process running
    /// as root in a container is one kernel or runtime bug away from root on
    /// the host, and can read and write everything in the container.
    ///
    /// Only the final stage matters: earlier stages exist only at build time.
    ///
    /// Not reported: a final stage whose base image is known to run as an
    /// unprivileged user by default: the Jupyter Docker Stacks
    /// (`quay.io/jupyter/*`, `jupyter/*`: `USER ${NB_UID}`), distroless
    /// `:nonroot`/`:debug-nonroot` tags, `nginxinc/nginx-unprivileged`,
    /// .NET chiseled images (`mcr.microsoft.com/dotnet/*:*-chiseled*`, user
    /// `app`) and Windows Nano Server (`ContainerUser`). On a Windows Server
    /// Core base the message names `ContainerAdministrator` and `USER
    /// ContainerUser`.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:22-slim
    /// COPY . /app
    /// CMD ["node", "/app/server.js"]
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM node:22-slim
    /// COPY . /app
    /// USER node
    /// CMD ["node", "/app/server.js"]
    /// ```
    ///
    /// ## How to fix
    /// Create an unprivileged user (or use one the base image provides, such
    /// as `node`, `nobody` or distroless's `nonroot`) and add `USER` to the
    /// final stage before `CMD`/`ENTRYPOINT`.
    pub struct MissingUser {
        id: "IMG001",
        name: "missing-user",
        title: "Final stage does not set a USER",
        severity: High,
        category: Privilege,
        references: ["cis-docker-1.6:4.1", "concern:1", "checkov:CKV_DOCKER_3", "trivy:DS002", "dockle:CIS-DI-0001", "kics:missing-user-instruction"],
        fix: None,
    }
}

/// The unprivileged user a base image is known to run as by default.
fn known_non_root_default(base: &ImageRef) -> Option<&'static str> {
    let name = base.full_name();
    let tag = base.tag.as_deref().unwrap_or("");
    if name.starts_with("quay.io/jupyter/") || name.starts_with("docker.io/jupyter/") {
        Some("jovyan")
    } else if name.starts_with("gcr.io/distroless/") && tag.split('-').any(|t| t == "nonroot") {
        Some("nonroot")
    } else if name == "docker.io/nginxinc/nginx-unprivileged" {
        Some("nginx")
    } else if name.starts_with("mcr.microsoft.com/dotnet/") && tag.contains("-chiseled") {
        Some("app")
    } else if is_nanoserver(&name, tag) {
        Some("ContainerUser")
    } else {
        None
    }
}

fn is_nanoserver(name: &str, tag: &str) -> bool {
    name.ends_with("/nanoserver") || tag.contains("nanoserver")
}

/// A Windows Server Core (or full Windows) base, whose default user is
/// `ContainerAdministrator`.
fn is_windows_server(base: &ImageRef) -> bool {
    let name = base.full_name();
    let tag = base.tag.as_deref().unwrap_or("");
    name.starts_with("mcr.microsoft.com/windows")
        || name.starts_with("mcr.microsoft.com/dotnet/framework/")
        || tag.contains("windowsservercore")
        || tag.contains("ltsc20")
}

impl Rule for MissingUser {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        if !image.is_final || image.user.is_some() || matches!(image.base.value, BaseImage::Scratch)
        {
            return;
        }
        if is_built(image) {
            cx.report(
                &image.origin,
                "the image configuration sets no user (`Config.User` is empty): its containers run as root unless started with `--user`",
            );
            return;
        }
        let base = image.registry_base();
        if base.and_then(known_non_root_default).is_some() {
            return;
        }
        if base.is_some_and(is_windows_server) {
            cx.report(&image.origin, "the final stage has no `USER`, so the container runs as the base image's `ContainerAdministrator`; add `USER ContainerUser`");
            return;
        }
        cx.report(&image.origin, "the final stage has no `USER`, so the container runs as the base image's user (usually root)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> ImageRef {
        ImageRef::parse(s).unwrap()
    }

    #[test]
    fn known_bases() {
        assert_eq!(
            known_non_root_default(&r("quay.io/jupyter/base-notebook:2024-10-07")),
            Some("jovyan")
        );
        assert_eq!(
            known_non_root_default(&r("gcr.io/distroless/static-debian12:nonroot")),
            Some("nonroot")
        );
        assert_eq!(
            known_non_root_default(&r("gcr.io/distroless/base:debug-nonroot")),
            Some("nonroot")
        );
        assert_eq!(
            known_non_root_default(&r("gcr.io/distroless/static-debian12")),
            None
        );
        assert_eq!(
            known_non_root_default(&r("nginxinc/nginx-unprivileged:1.27")),
            Some("nginx")
        );
        assert_eq!(
            known_non_root_default(&r("mcr.microsoft.com/dotnet/runtime:8.0-jammy-chiseled")),
            Some("app")
        );
        assert_eq!(
            known_non_root_default(&r("mcr.microsoft.com/windows/nanoserver:ltsc2022")),
            Some("ContainerUser")
        );
        assert_eq!(known_non_root_default(&r("python:3.12")), None);
        assert_eq!(known_non_root_default(&r("nginx:1.27")), None);
        assert!(is_windows_server(&r(
            "mcr.microsoft.com/windows/servercore:ltsc2022"
        )));
        assert!(is_windows_server(&r(
            "python:3.12-windowsservercore-ltsc2022"
        )));
        assert!(!is_windows_server(&r("python:3.12-slim")));
    }
}

#[cfg(test)]
mod image_tests {
    use super::*;
    use crate::rules::image::files::testkit::Img;

    #[test]
    fn built_image_wording() {
        let img = Img::new();
        let found = img.check(&MissingUser);
        assert_eq!(found.len(), 1);
        assert_eq!(img.place(&found[0]), "api:Config");
        assert!(
            found[0]
                .message
                .starts_with("the image configuration sets no user")
        );
        let mut spec = img.spec();
        spec.user = Some(drydock_core::Sp::new(
            "1000".into(),
            drydock_core::Origin::api("Config.User"),
        ));
        assert!(img.check_spec(&MissingUser, &spec).is_empty());
    }
}
