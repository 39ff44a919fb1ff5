use drydock_core::spec::ImageSpec;
use drydock_core::spec::ShellCommand;
use drydock_core::{Fix, RuleMeta};

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::util::insert_after;

declare_rule! {
    /// ## What it does
    /// Reports `useradd` with a UID of 65536 or more (`-u`/`--uid`) and
    /// without `-l` (`--no-log-init`).
    ///
    /// ## Why is this bad?
    /// `useradd` records the new user in `/var/log/lastlog` and
    /// `/var/log/faillog`, sparse files indexed by UID. Image layers do not
    /// keep files sparse: a UID of 1000000 adds a few hundred megabytes of
    /// zeros to the image.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN useradd -u 1000000 app
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN useradd -l -u 1000000 app
    /// ```
    ///
    /// ## How to fix
    /// Add `-l` (`--no-log-init`), or use a smaller UID.
    ///
    /// ## Fix
    /// Inserts ` -l` after `useradd`. Safe: only the log entries are
    /// skipped.
    pub struct UseraddHighUid {
        id: "IMG047",
        name: "useradd-high-uid-without-no-log-init",
        title: "useradd with a high UID without -l",
        severity: Low,
        category: BestPractice,
        references: ["concern:5", "hadolint:DL3046"],
        fix: Safe,
    }
}

const HIGH_UID: u64 = 65536;

/// The value of `-u`/`--uid` (`-u 5`, `-u5`, `--uid 5`, `--uid=5`).
fn uid_of(cmd: &ShellCommand) -> Option<&str> {
    let args: Vec<&str> = cmd.option_args().map(|w| w.text.as_str()).collect();
    for (i, a) in args.iter().enumerate() {
        if *a == "-u" || *a == "--uid" {
            return args.get(i + 1).copied();
        }
        if let Some(v) = a.strip_prefix("--uid=") {
            return Some(v);
        }
        if let Some(v) = a.strip_prefix("-u")
            && !v.is_empty()
            && v.bytes().all(|b| b.is_ascii_digit())
        {
            return Some(v);
        }
    }
    None
}

impl Rule for UseraddHighUid {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for (_, cmd) in image.commands() {
            if !cmd.is("useradd") || cmd.has_any(&["-l", "--no-log-init"]) {
                continue;
            }
            let Some(uid) = uid_of(cmd).and_then(|u| u.parse::<u64>().ok()) else {
                continue;
            };
            if uid < HIGH_UID {
                continue;
            }
            let f = cx.report(
                &cmd.origin,
                format!("`useradd` with UID {uid} and without `-l` writes a `lastlog` of about {} MB into the image", uid.saturating_mul(292) / 1_000_000),
            );
            if cmd.name.literal
                && let Some(edit) = insert_after(&cmd.name.origin, " -l")
            {
                f.set_fix(Fix::safe("Add `-l` (`--no-log-init`)", vec![edit]));
            }
        }
    }
}
