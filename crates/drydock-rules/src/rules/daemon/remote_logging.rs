//! DMN021

use drydock_core::RuleMeta;
use drydock_core::spec::DaemonSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a daemon whose default `log-driver` keeps container logs
    /// only on the host: `json-file` (also when `log-driver` is absent, as
    /// it is the default), `local`, or `none`.
    ///
    /// What counts as centralised: a driver that sends logs off the host by
    /// itself (`syslog`, `gelf`, `fluentd`, `awslogs`, `splunk`,
    /// `gcplogs`, `logentries`) or a logging plugin (a name such as
    /// `grafana/loki-docker-driver:latest` or `loki`). `journald` and
    /// `etwlogs` hand the logs to the host's own logging system; whether
    /// that forwards them is host configuration drydock cannot see, so they
    /// are not reported. Containers can override the default with their
    /// own `logging:`; this rule is about the default.
    ///
    /// ## Why is this bad?
    /// Logs kept only on the host vanish with it, are lost when a container
    /// is removed, and can be altered or deleted by whoever compromises the
    /// host, which is when they are needed. Central, remote logging keeps
    /// an audit trail outside the blast radius and lets one place watch
    /// every host (CIS Docker Benchmark 2.13). This is informational: many
    /// sites ship the local files with an agent instead (Fluent Bit,
    /// Vector, Promtail reading `/var/lib/docker/containers`), which this
    /// rule cannot see; suppress it there.
    ///
    /// ## Example
    /// ```json
    /// {
    ///   "log-driver": "json-file",
    ///   "log-opts": { "max-size": "10m", "max-file": "3" }
    /// }
    /// ```
    ///
    /// ## How to fix
    /// Set a remote driver, for example
    /// `"log-driver": "syslog", "log-opts": { "syslog-address": "tcp+tls://logs.example.com:6514" }`,
    /// or `fluentd`/`gelf` pointing at a collector; or keep `json-file` or
    /// `local` (rotated, see DMN007) and ship the files with a host agent.
    pub struct RemoteLoggingNotConfigured {
        id: "DMN021",
        name: "remote-logging-not-configured",
        title: "Daemon does not send container logs to a central log store",
        severity: Info,
        category: Logging,
        references: ["concern:138", "cis-docker-1.6:2.13"],
        fix: None,
    }
}

impl Rule for RemoteLoggingNotConfigured {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_daemon(&self, cx: &mut Checker<'_>, d: &DaemonSpec) {
        let driver = d.log_driver.as_ref().map(|v| v.value.trim());
        let msg = match driver {
            None => "no `log-driver`: container logs go to the default `json-file` driver and stay on this host".to_string(),
            Some("json-file" | "local") => format!(
                "`log-driver` is `{}`: container logs stay on this host, where an intruder can erase them and they vanish with it",
                driver.unwrap_or_default()
            ),
            Some("none") => "`log-driver` is `none`: containers keep no logs at all, locally or remotely".to_string(),
            _ => return,
        };
        match &d.log_driver {
            Some(v) => cx.report(&v.origin, msg),
            None => match d.origin.file_range() {
                Some((file, _)) => cx.report_file(file, msg),
                None => cx.report(&d.origin, msg),
            },
        };
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use drydock_core::FileKind;
    use drydock_core::fs::MemoryFs;

    use crate::{Input, LintEnv, Settings, lint};

    fn messages(json: &str) -> Vec<String> {
        let fs = MemoryFs::new();
        let env = LintEnv {
            fs: &fs,
            env: &|_: &str| None,
        };
        let input = Input {
            path: Path::new("/etc/docker/daemon.json"),
            display: "daemon.json".into(),
            kind: FileKind::DaemonJson,
            text: json.into(),
        };
        lint(&input, &Settings::only(&["DMN021"]), &env)
            .findings
            .iter()
            .filter(|f| f.rule.id == "DMN021")
            .map(|f| f.message.clone())
            .collect()
    }

    #[test]
    fn local_drivers_are_reported_remote_ones_not() {
        for (json, reported) in [
            ("{}", true),
            (r#"{"log-driver": "local"}"#, true),
            (r#"{"log-driver": "none"}"#, true),
            (r#"{"log-driver": "syslog"}"#, false),
            (r#"{"log-driver": "fluentd"}"#, false),
            (r#"{"log-driver": "journald"}"#, false),
            (
                r#"{"log-driver": "grafana/loki-docker-driver:latest"}"#,
                false,
            ),
        ] {
            assert_eq!(!messages(json).is_empty(), reported, "{json}");
        }
        assert!(messages("{}")[0].contains("default `json-file`"));
    }
}
