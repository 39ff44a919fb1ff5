//! DMN013

use drydock_core::spec::DaemonSpec;
use drydock_core::{Fix, RuleMeta};

use super::support::set_string;
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a daemon `log-level` other than `info` (the default):
    /// `debug` and `trace` are too verbose, `warn`, `error`, `fatal` and
    /// `panic` too quiet.
    ///
    /// ## Why is this bad?
    /// At `debug` or `trace`, dockerd logs API request bodies, container
    /// environments (secrets included) among them, and floods the journal.
    /// Below `info`, it drops the informational messages (daemon start-up,
    /// configuration reloads, network and plugin events) that an
    /// investigation needs.
    ///
    /// ## Example
    /// ```json
    /// {
    ///   "log-level": "warn"
    /// }
    /// ```
    ///
    /// ## How to fix
    /// Remove `log-level` or set it to `"info"`.
    ///
    /// ## Fix
    /// Sets `log-level` to `"info"`. Safe: only how much the daemon logs
    /// changes (a level dockerd does not know, which keeps it from
    /// starting, becomes a valid one).
    pub struct LogLevelNotInfo {
        id: "DMN013",
        name: "log-level-not-info",
        title: "Daemon log level is not info",
        severity: Low,
        category: Logging,
        references: ["concern:128", "cis-docker-1.6:2.3"],
        fix: Safe,
    }
}

impl Rule for LogLevelNotInfo {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_daemon(&self, cx: &mut Checker<'_>, d: &DaemonSpec) {
        let Some(level) = &d.log_level else { return };
        let l = level.value.trim().to_ascii_lowercase();
        let why = match l.as_str() {
            "info" | "" => return,
            "debug" | "trace" => {
                "too verbose: API request bodies, secrets included, end up in the logs"
            }
            "warn" | "warning" | "error" | "fatal" | "panic" => {
                "too quiet: the informational events an investigation needs are dropped"
            }
            _ => "not a level dockerd knows",
        };
        let fix = set_string(cx, level, "info");
        let f = cx.report(
            &level.origin,
            format!(
                "`log-level` is `{}`, which is {why}; use `info`",
                level.value.trim()
            ),
        );
        if let Some(edit) = fix {
            f.set_fix(Fix::safe("Set `\"log-level\": \"info\"`", vec![edit]));
        }
    }
}
