use drydock_core::RuleMeta;
use drydock_core::spec::ImageSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::image::files::is_built;
use crate::rules::util::is_root_user;

declare_rule! {
    /// ## What it does
    /// Reports a final stage whose effective `USER` is root: the last `USER`
    /// of the stage, or of the stage it is built `FROM`, is `root` or `0`;
    /// for a built image, a configuration whose `User` is root.
    ///
    /// ## Why is this bad?
    /// Switching to root to install packages is normal, but a stage that
    /// ends as root runs its container as root. See `IMG001`.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.13-slim
    /// USER app
    /// RUN pip install --user flask
    /// USER root
    /// CMD ["python", "-m", "flask", "run"]
    /// ```
    ///
    /// ## How to fix
    /// End the final stage with `USER <non-root user>`, after the steps that
    /// need root.
    pub struct LastUserRoot {
        id: "IMG002",
        name: "last-user-root",
        title: "Final stage runs as root",
        severity: High,
        category: Privilege,
        references: ["cis-docker-1.6:4.1", "concern:2", "hadolint:DL3002", "checkov:CKV_DOCKER_8", "trivy:DS002", "dockle:CIS-DI-0001", "kics:last-user-is-root"],
        fix: None,
    }
}

impl Rule for LastUserRoot {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        if !image.is_final {
            return;
        }
        if let Some(user) = &image.user
            && is_root_user(&user.value)
            && is_built(image)
        {
            cx.report(
                &user.origin,
                format!("the image runs as `{}` (`Config.User`)", user.value),
            );
            return;
        }
        if let Some(user) = &image.user
            && is_root_user(&user.value)
        {
            let f = cx.report(
                &user.origin,
                format!("the final stage runs as `{}`", user.value),
            );
            f.add_related(image.origin.clone(), "final stage starts here");
        }
    }
}

#[cfg(test)]
mod image_tests {
    use super::*;
    use crate::rules::image::files::testkit::Img;

    #[test]
    fn built_image_wording() {
        let img = Img::new();
        let mut spec = img.spec();
        spec.user = Some(drydock_core::Sp::new(
            "root".into(),
            drydock_core::Origin::api("Config.User"),
        ));
        let found = img.check_spec(&LastUserRoot, &spec);
        let got = img.described(&found);
        assert_eq!(
            got,
            ["api:Config.User the image runs as `root` (`Config.User`)"]
        );
        assert!(found[0].related.is_empty());
    }
}
