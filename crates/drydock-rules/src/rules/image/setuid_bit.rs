use drydock_core::RuleMeta;
use drydock_core::spec::{ImageFiles, ImageSpec};

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::image::files::{at, octal};

declare_rule! {
    /// ## What it does
    /// Reports `chmod` in `RUN` that sets the setuid or setgid bit
    /// (`u+s`, `g+s`, `+s`, or an octal mode such as `4755`, `2755`), and,
    /// in a built image, every regular file that has the setuid or setgid
    /// bit, with its owner, mode and the layer that added it (Dockle
    /// CIS-DI-0008).
    ///
    /// ## Why is this bad?
    /// A setuid-root binary runs as root whoever starts it: any flaw in it
    /// is a privilege escalation for every process in the container. Images
    /// should have as few as possible.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN chmod u+s /usr/local/bin/helper
    /// ```
    ///
    /// A built image's filesystem:
    /// ```text
    /// -rwsr-xr-x root root /usr/bin/passwd
    /// ```
    ///
    /// ## How to fix
    /// Remove the bit; grant a specific capability with `setcap` if the
    /// program needs one, or run the program as the right user. In an image
    /// built from a distribution base, strip the bits the application does
    /// not need in a build step:
    /// `RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +`.
    pub struct SetuidBit {
        id: "IMG023",
        name: "setuid-bit-set",
        title: "setuid or setgid bit set",
        severity: Medium,
        category: Privilege,
        references: ["cis-docker-1.6:4.8", "concern:9", "gap:3", "dockle:CIS-DI-0008"],
        fix: None,
    }
}

/// Whether a chmod mode argument sets setuid or setgid.
fn sets_special_bit(mode: &str) -> bool {
    if mode.chars().all(|c| c.is_ascii_digit()) && mode.len() >= 4 {
        // The digit before the last three holds setuid (4) and setgid (2).
        let special = mode.as_bytes()[mode.len() - 4];
        return (special - b'0') & 0b110 != 0;
    }
    mode.split(',').any(|clause| {
        clause
            .find(['+', '='])
            .is_some_and(|i| clause[i + 1..].contains('s'))
    })
}

/// Every regular file of a built image with the setuid or setgid bit.
fn check_files(cx: &mut Checker<'_>, files: &ImageFiles) {
    for e in files.entries.iter().filter(|e| e.is_file()) {
        let perm = e.perm();
        let which = match (perm & 0o4000 != 0, perm & 0o2000 != 0) {
            (true, true) => format!("setuid (UID {}) and setgid (GID {})", e.uid, e.gid),
            (true, false) => format!("setuid (UID {})", e.uid),
            (false, true) => format!("setgid (GID {})", e.gid),
            (false, false) => continue,
        };
        let origin = files.origin(e);
        cx.report(
            &origin,
            format!(
                "{} is {which}, mode {}, owner {}:{}",
                at(files, e),
                octal(perm),
                e.uid,
                e.gid
            ),
        );
    }
}

impl Rule for SetuidBit {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for (_, cmd) in image.commands().filter(|(_, c)| c.is("chmod")) {
            if let Some(mode) = cmd.positionals(&["--reference"]).into_iter().next()
                && sets_special_bit(&mode.text)
            {
                cx.report(
                    &mode.origin,
                    format!("`chmod {}` sets the setuid/setgid bit", mode.text),
                );
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
            .dir("/usr/bin", 0o755)
            .file("/usr/bin/passwd", 0o4755, 10)
            .file("/usr/bin/wall", 0o2755, 10)
            .owned("/usr/bin/wall", 0, 1)
            .file("/usr/bin/both", 0o6755, 10)
            .file("/usr/bin/ls", 0o755, 10)
            .dir("/var/mail", 0o2775);
        let found = img.check(&SetuidBit);
        let msgs: Vec<(String, &str)> = found
            .iter()
            .map(|f| (img.place(f), f.message.as_str()))
            .collect();
        assert_eq!(
            msgs,
            [
                (
                    "api:/usr/bin/both".to_string(),
                    "`/usr/bin/both` in layer 0 (sha256:abababababab) is setuid (UID 0) and setgid (GID 0), mode 6755, owner 0:0"
                ),
                (
                    "api:/usr/bin/passwd".to_string(),
                    "`/usr/bin/passwd` in layer 0 (sha256:abababababab) is setuid (UID 0), mode 4755, owner 0:0"
                ),
                (
                    "api:/usr/bin/wall".to_string(),
                    "`/usr/bin/wall` in layer 1 is setgid (GID 0), mode 2755, owner 0:0"
                ),
            ]
        );
    }

    #[test]
    fn modes() {
        for m in [
            "u+s", "g+s", "+s", "a+rs", "u=rwxs", "4755", "2755", "6755", "04755",
        ] {
            assert!(sets_special_bit(m), "{m}");
        }
        for m in ["755", "0755", "u+x", "+x", "1777", "g-s", "01777"] {
            assert!(!sets_special_bit(m), "{m}");
        }
    }
}
