use drydock_core::RuleMeta;
use drydock_core::spec::{ImageSpec, StepKind};

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a `WORKDIR` in a system directory: `/proc`, `/sys`, `/dev`,
    /// `/boot`, `/initrd`, `/lost+found` or below.
    ///
    /// ## Why is this bad?
    /// At run time these are kernel file systems (`/proc`, `/sys`, `/dev`)
    /// mounted over whatever the image holds there, or directories with a
    /// special meaning for the host system: files put there during the build
    /// disappear or hide system state, and an application working there
    /// reads and writes kernel interfaces.
    ///
    /// ## Example
    /// ```dockerfile
    /// WORKDIR /proc/app
    /// ```
    ///
    /// ## How to fix
    /// Use an application directory such as `/app` or `/srv/app`.
    pub struct WorkdirSystemDir {
        id: "IMG056",
        name: "workdir-system-directory",
        title: "WORKDIR in a system directory",
        severity: High,
        category: BestPractice,
        references: ["concern:58", "trivy:DS030"],
        fix: None,
    }
}

const SYSTEM_DIRS: &[&str] = &["/proc", "/boot", "/dev", "/initrd", "/lost+found", "/sys"];

pub(crate) fn system_dir(path: &str) -> Option<&'static str> {
    let mut p = path.trim().trim_matches(['"', '\'']).to_string();
    while p.contains("//") {
        p = p.replace("//", "/");
    }
    SYSTEM_DIRS
        .iter()
        .copied()
        .find(|d| p == *d || p.strip_prefix(d).is_some_and(|r| r.starts_with('/')))
}

impl Rule for WorkdirSystemDir {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for step in &image.steps {
            let StepKind::Workdir(dir) = &step.kind else {
                continue;
            };
            if let Some(sys) = system_dir(&dir.value) {
                cx.report(
                    &dir.origin,
                    format!(
                        "`WORKDIR {}` is under the system directory `{sys}`",
                        dir.value.trim()
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::system_dir;

    #[test]
    fn dirs() {
        assert_eq!(system_dir("/proc"), Some("/proc"));
        assert_eq!(system_dir("//sys/x"), Some("/sys"));
        assert_eq!(system_dir("/devel"), None);
        assert_eq!(system_dir("/app/proc"), None);
    }
}
