use std::collections::HashSet;

use drydock_core::RuleMeta;
use drydock_core::spec::{ImageFile, ImageFiles, ImageSpec};

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::image::files::{at, octal, under_reported};

declare_rule! {
    /// ## What it does
    /// Reports, in a built image, regular files and directories that every
    /// user may write to (the "others" write bit, `o+w`). Not reported:
    /// symbolic links (their mode means nothing), devices, FIFOs and
    /// sockets, directories with the sticky bit (`1777`: anyone may create
    /// files there but only remove their own), and everything at or under
    /// `/tmp`, `/var/tmp`, `/dev/shm`, `/run/lock` and `/var/lock`.
    ///
    /// One finding per path; when a directory is reported, the
    /// world-writable paths under it are not reported again, their number
    /// is given in the directory's message.
    ///
    /// ## Why is this bad?
    /// Any process in the container, whatever its user, can change a
    /// world-writable file: replace a program or script that root later
    /// runs, edit configuration, plant a library in a directory on a search
    /// path. It turns any code execution as an unprivileged user into
    /// tampering with the application, and often into root.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN chmod -R 777 /app
    /// ```
    ///
    /// ## How to fix
    /// Give files to the user that needs to write them (`COPY
    /// --chown=app:app`, `chown`) and remove the write bit for others
    /// (`chmod -R o-w /app`); a directory that every user must write to
    /// gets the sticky bit (`chmod 1777`), like `/tmp`.
    pub struct WorldWritablePath {
        id: "IMG078",
        name: "world-writable-path",
        title: "World-writable file or directory in the image",
        severity: Medium,
        category: Privilege,
        references: ["cis-docker-1.6:4.8"],
        fix: None,
    }
}

/// Places meant to be writable by everyone.
const SCRATCH: &[&str] = &["/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/var/lock"];

fn at_or_under(path: &str, dir: &str) -> bool {
    path == dir || path.strip_prefix(dir).is_some_and(|r| r.starts_with('/'))
}

fn world_writable(e: &ImageFile) -> bool {
    let perm = e.perm();
    perm & 0o002 != 0
        && (e.is_file() || (e.is_dir() && perm & 0o1000 == 0))
        && !SCRATCH.iter().any(|d| at_or_under(&e.path, d))
}

fn check_files(cx: &mut Checker<'_>, files: &ImageFiles) {
    let mut reported: HashSet<&str> = HashSet::new();
    for e in files.entries.iter().filter(|e| world_writable(e)) {
        if under_reported(&e.path, &reported) {
            continue;
        }
        let origin = files.origin(e);
        let message = if e.is_dir() {
            reported.insert(&e.path);
            let below = files.under(&e.path).filter(|c| world_writable(c)).count();
            let more = match below {
                0 => String::new(),
                1 => ", and 1 world-writable path under it".to_string(),
                n => format!(", and {n} world-writable paths under it"),
            };
            format!(
                "{} is a world-writable directory (mode {}, owner {}:{}){more}",
                at(files, e),
                octal(e.perm()),
                e.uid,
                e.gid
            )
        } else {
            format!(
                "{} is a world-writable file (mode {}, owner {}:{})",
                at(files, e),
                octal(e.perm()),
                e.uid,
                e.gid
            )
        };
        cx.report(&origin, message);
    }
}

impl Rule for WorldWritablePath {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
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
    fn paths() {
        let img = Img::new()
            .dir("/tmp", 0o1777)
            .file("/tmp/x", 0o666, 1)
            .dir("/var/tmp", 0o777)
            .dir("/var/lock", 0o777)
            .dir("/srv/shared", 0o1777)
            .dir("/app", 0o777)
            .dir("/app/data", 0o777)
            .file("/app/data/db", 0o666, 1)
            .file("/app/run.sh", 0o755, 1)
            .dir("/app-other", 0o755)
            .file("/etc/app.conf", 0o666, 1)
            .owned("/etc/app.conf", 1000, 1)
            .symlink("/etc/alternatives/x", "/usr/bin/x");
        let found = img.check(&WorldWritablePath);
        let got = img.described(&found);
        assert_eq!(
            got,
            [
                "api:/app `/app` in layer 0 (sha256:abababababab) is a world-writable directory (mode 0777, owner 0:0), and 2 world-writable paths under it",
                "api:/etc/app.conf `/etc/app.conf` in layer 1 is a world-writable file (mode 0666, owner 1000:0)",
            ]
        );
    }

    #[test]
    fn nothing_in_a_dockerfile_stage() {
        let img = Img::new().dir("/app", 0o777);
        let mut spec = img.spec();
        spec.files = None;
        assert!(img.check_spec(&WorldWritablePath, &spec).is_empty());
    }
}
