use drydock_core::RuleMeta;
use drydock_core::spec::ImageSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports `chmod` in `RUN` that sets the setuid or setgid bit
    /// (`u+s`, `g+s`, `+s`, or an octal mode such as `4755`, `2755`).
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
    /// ## How to fix
    /// Remove the bit; grant a specific capability with `setcap` if the
    /// program needs one, or run the program as the right user.
    pub struct SetuidBit {
        id: "IMG023",
        name: "setuid-bit-set",
        title: "chmod sets the setuid or setgid bit",
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
    }
}

#[cfg(test)]
mod tests {
    use super::sets_special_bit;

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
