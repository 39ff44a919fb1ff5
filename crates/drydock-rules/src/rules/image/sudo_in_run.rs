use drydock_core::RuleMeta;
use drydock_core::spec::{ImageFiles, ImageSpec};

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::image::files::at;

/// Where `sudo` and `doas` are installed.
const PROGRAMS: &[&str] = &[
    "/bin/doas",
    "/bin/sudo",
    "/usr/bin/doas",
    "/usr/bin/sudo",
    "/usr/local/bin/doas",
    "/usr/local/bin/sudo",
    "/usr/local/sbin/sudo",
    "/usr/sbin/doas",
    "/usr/sbin/sudo",
];

fn check_files(cx: &mut Checker<'_>, files: &ImageFiles) {
    for path in PROGRAMS {
        let Some(e) = files.get(path).filter(|e| !e.is_dir()) else {
            continue;
        };
        let origin = files.origin(e);
        cx.report(
            &origin,
            format!(
                "`{}` is installed ({}): a way to become root for any process that can use it",
                e.name(),
                at(files, e)
            ),
        );
    }
}

declare_rule! {
    /// ## What it does
    /// Reports `sudo` in a `RUN` command, and, in a built image, a `sudo`
    /// or `doas` program installed (`/usr/bin/sudo`, `/bin/sudo`,
    /// `/usr/sbin/sudo`, `/usr/local/bin/sudo`, and the same for `doas`;
    /// the paths themselves, no symlink resolved).
    ///
    /// ## Why is this bad?
    /// Build steps already run as the current `USER`; `sudo` in an image
    /// means sudo is installed and configured in it, a privilege-escalation
    /// path for anything that later runs in the container, and its TTY and
    /// signal handling is unpredictable in builds.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN sudo apt-get install -y curl
    /// ```
    ///
    /// ## How to fix
    /// Run the step as root (`USER root` before it, back to the
    /// unprivileged user after it) and remove sudo from the image
    /// (`apt-get purge sudo`, `apk del sudo`, or do not install it); use
    /// `gosu`/`su-exec` for a runtime user switch.
    pub struct SudoInRun {
        id: "IMG003",
        name: "sudo-in-run",
        title: "`sudo` used in RUN or installed in the image",
        severity: Medium,
        category: Privilege,
        references: ["concern:3", "hadolint:DL3004", "trivy:DS010", "checkov:CKV2_DOCKER_1", "dockle:DKL-DI-0001", "kics:run-using-sudo"],
        fix: None,
    }
}

impl Rule for SudoInRun {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for (_, cmd) in image.commands().filter(|(_, c)| c.is("sudo")) {
            cx.report(&cmd.name.origin, "`sudo` in a build step");
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
    fn installed() {
        let img = Img::new()
            .file("/usr/bin/sudo", 0o4755, 10)
            .owned("/usr/bin/sudo", 0, 1)
            .symlink("/usr/local/bin/doas", "/usr/bin/sudo")
            .file("/usr/bin/sudoreplay", 0o755, 1);
        let found = img.check(&SudoInRun);
        let msgs: Vec<(String, &str)> = found
            .iter()
            .map(|f| (img.place(f), f.message.as_str()))
            .collect();
        assert_eq!(
            msgs,
            [
                (
                    "api:/usr/bin/sudo".to_string(),
                    "`sudo` is installed (`/usr/bin/sudo` in layer 1): a way to become root for any process that can use it"
                ),
                (
                    "api:/usr/local/bin/doas".to_string(),
                    "`doas` is installed (`/usr/local/bin/doas` in layer 0 (sha256:abababababab)): a way to become root for any process that can use it"
                ),
            ]
        );
        assert!(
            Img::new()
                .file("/usr/bin/su", 0o4755, 1)
                .check(&SudoInRun)
                .is_empty()
        );
    }
}
