//! CTR016

use drydock_core::RuleMeta;
use drydock_core::spec::ContainerSpec;

use super::support::{setting, setting_is, svc};
use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::util::is_root_user;

declare_rule! {
    /// ## What it does
    /// Reports a container explicitly set to run as root: `user: root`,
    /// `user: "0"`, `root:…` or `0:…` (`docker run --user 0`). A container
    /// without `user` runs as the image's user; that case is judged with
    /// the image, not here.
    ///
    /// ## Why is this bad?
    /// Root in a container is root on the host's kernel, held back only by
    /// capabilities, seccomp and the namespaces. Every container escape,
    /// and every host file reachable through a mount, is far more
    /// dangerous from root; and setting root explicitly overrides an image
    /// that was built to run unprivileged.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: example/app:2.0
    ///     user: root
    /// ```
    ///
    /// ## How to fix
    /// Run as an unprivileged user (`user: "1000:1000"`,
    /// `docker run --user 1000:1000`, or a user the image creates), and give that user ownership of the paths it writes. When
    /// root is needed only to start, let the entrypoint drop privileges
    /// (`gosu`, `su-exec`).
    pub struct RunsAsRoot {
        id: "CTR016",
        name: "runs-as-root",
        title: "Container is set to run as root",
        severity: Medium,
        category: Privilege,
        references: ["concern:109", "concern:126", "gap:7", "compose-lint:CL-0018"],
        fix: None,
    }
}

impl Rule for RunsAsRoot {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        if let Some(u) = &c.user
            && is_root_user(&u.value)
        {
            // With the Dockerfile joined (Compose `build:`), say when the
            // service undoes the image's own non-root user.
            let image_user = c
                .image_spec
                .as_ref()
                .and_then(|i| i.user.as_ref())
                .filter(|iu| !is_root_user(&iu.value));
            match image_user {
                Some(iu) => {
                    cx.report(
                        &u.origin,
                        format!(
                            "{} runs as root (`{}`), overriding the image's non-root `USER {}`",
                            svc(c),
                            setting_is(c, "user", "--user", "Config.User", u.value.trim()),
                            iu.value.trim()
                        ),
                    )
                    .add_related(
                        iu.origin.clone(),
                        format!(
                            "the {} user, which `{}` overrides",
                            setting(c, "Dockerfile's", "Dockerfile's", "image's"),
                            setting(c, "user:", "--user", "Config.User")
                        ),
                    );
                }
                None => {
                    cx.report(
                        &u.origin,
                        format!(
                            "{} runs as root (`{}`)",
                            svc(c),
                            setting_is(c, "user", "--user", "Config.User", u.value.trim())
                        ),
                    );
                }
            }
        }
    }
}
