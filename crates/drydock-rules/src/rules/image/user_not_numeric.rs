use drydock_core::RuleMeta;
use drydock_core::spec::ImageSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::image::files::is_built;
use crate::rules::util::is_root_user;

declare_rule! {
    /// ## What it does
    /// Reports a final-stage `USER` given by name (`USER app`) rather than
    /// by numeric UID (`USER 10001`). A value that comes from a build
    /// argument or variable is not judged.
    ///
    /// ## Why is this bad?
    /// A runtime that must make sure the container does not run as root
    /// (Kubernetes `runAsNonRoot`, admission policies) can only check a
    /// numeric UID: with a name it would have to read `/etc/passwd` inside
    /// the image, so it refuses to start the pod or cannot verify it. A name
    /// also depends on the image's `/etc/passwd`, which a base image update
    /// can change.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine:3.20
    /// RUN adduser -D -u 10001 app
    /// USER app
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM alpine:3.20
    /// RUN adduser -D -u 10001 app
    /// USER 10001
    /// ```
    ///
    /// ## How to fix
    /// Give the UID (and GID) the user was created with.
    pub struct UserNotNumeric {
        id: "IMG046",
        name: "user-not-numeric",
        title: "USER is a name, not a numeric UID",
        severity: Info,
        category: Privilege,
        references: ["concern:4", "hadolint:DL3066"],
        fix: None,
    }
}

fn is_numeric(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

impl Rule for UserNotNumeric {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        if !image.is_final {
            return;
        }
        let Some(user) = &image.user else { return };
        let value = user.value.trim();
        // From an ARG or ENV: the value is chosen at build time.
        if cx.text_of(&user.origin).contains('$') || value.contains('$') {
            return;
        }
        // `USER root` is reported (more severely) by last-user-root.
        if value.is_empty() || is_root_user(value) {
            return;
        }
        let name = value.split(':').next().unwrap_or(value).trim();
        // Windows images have no numeric users.
        let windows = ["ContainerUser", "ContainerAdministrator"]
            .iter()
            .any(|w| name.eq_ignore_ascii_case(w));
        if !is_numeric(name) && !windows && is_built(image) {
            cx.report(
                &user.origin,
                format!("the image's user `{value}` (`Config.User`) is a name: a runtime cannot check that `{name}` is not root without reading the image's `/etc/passwd`"),
            );
        } else if !is_numeric(name) && !windows {
            cx.report(
                &user.origin,
                format!("`USER {value}` names the user: a runtime cannot check that `{name}` is not root without reading the image's `/etc/passwd`"),
            );
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
            "app".into(),
            drydock_core::Origin::api("Config.User"),
        ));
        let found = img.check_spec(&UserNotNumeric, &spec);
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .message
                .starts_with("the image's user `app` (`Config.User`) is a name")
        );
    }
}
