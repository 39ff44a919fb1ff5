//! DMN007

use drydock_core::spec::DaemonSpec;
use drydock_core::{Fix, RuleMeta};

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a daemon whose default log driver is `json-file` (set
    /// explicitly, or by default when `log-driver` is absent) without log
    /// rotation: no `max-size` in `log-opts`, or `max-size` without
    /// `max-file`. The `local` driver rotates by default and is not
    /// reported; neither are remote drivers.
    ///
    /// ## Why is this bad?
    /// Without `max-size`, each container's log file grows without bound
    /// under `/var/lib/docker/containers/`: a chatty or attacked service
    /// fills the disk, and then every container and dockerd itself fail.
    /// With `max-size` but no `max-file`, only one file is kept, so each
    /// rotation throws the whole log history away.
    ///
    /// ## Example
    /// ```json
    /// {
    ///   "log-driver": "json-file"
    /// }
    /// ```
    ///
    /// ## How to fix
    /// ```json
    /// {
    ///   "log-driver": "json-file",
    ///   "log-opts": { "max-size": "10m", "max-file": "3" }
    /// }
    /// ```
    /// or switch to `"log-driver": "local"`, which rotates by default.
    /// The options apply to containers created afterwards.
    ///
    /// ## Fix
    /// When `log-opts` is absent, the fix adds
    /// `"log-opts": { "max-size": "10m", "max-file": "3" }`. Unsafe: it caps
    /// how much log history new containers keep on the host.
    pub struct LogRotationMissing {
        id: "DMN007",
        name: "log-rotation-missing",
        title: "Container logs are not rotated",
        severity: Medium,
        category: Logging,
        references: ["concern:145", "gap:8"],
        fix: Unsafe,
    }
}

impl Rule for LogRotationMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_daemon(&self, cx: &mut Checker<'_>, d: &DaemonSpec) {
        let driver = d
            .log_driver
            .as_ref()
            .map_or("json-file", |v| v.value.trim());
        if driver != "json-file" {
            return;
        }
        let driver_text = if d.log_driver.is_some() {
            "`json-file`"
        } else {
            "the default `json-file`"
        };
        let opts = d.setting("log-opts");
        let max_size = d
            .log_opt("max-size")
            .filter(|kv| !kv.value.value.trim().is_empty() && kv.value.value.trim() != "-1");
        match (opts, max_size) {
            (None, _) => {
                let fix = d.insert_at.as_ref().map(|a| {
                    a.insert_member("log-opts", r#"{ "max-size": "10m", "max-file": "3" }"#)
                });
                let msg = format!(
                    "container logs use {driver_text} driver without rotation (no `log-opts` with `max-size`): they can fill the disk"
                );
                let f = match (&d.log_driver, d.origin.file_range()) {
                    (Some(v), _) if v.origin.is_file() => cx.report(&v.origin, msg),
                    (_, Some((file, _))) => cx.report_file(file, msg),
                    _ => cx.report(&d.origin, msg),
                };
                if let Some(edit) = fix {
                    f.set_fix(Fix::unsafe_(
                        "Add `log-opts` with `max-size` and `max-file`",
                        vec![edit],
                    ));
                }
            }
            (Some(setting), None) => {
                cx.report(
                    &setting.value,
                    format!("`log-opts` has no `max-size`: container logs of {driver_text} driver grow without bound and can fill the disk"),
                );
            }
            (Some(_), Some(size)) => {
                if d.log_opt("max-file").is_none() {
                    cx.report(
                        &size.origin,
                        format!(
                            "`log-opts` sets `max-size` {} but no `max-file`: only one log file is kept, and each rotation discards the whole history",
                            size.value.value.trim()
                        ),
                    );
                }
            }
        }
    }
}
