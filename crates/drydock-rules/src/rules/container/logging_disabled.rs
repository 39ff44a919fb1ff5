//! CTR020

use drydock_core::RuleMeta;
use drydock_core::spec::ContainerSpec;

use super::support::svc;
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a container whose logging driver is `none`
    /// (`logging: {driver: none}`, `docker run --log-driver none`).
    ///
    /// ## Why is this bad?
    /// Everything the service writes to stdout and stderr is thrown away:
    /// `docker logs` shows nothing, and there is no trace of an attack, a
    /// crash or an error to investigate afterwards.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:5.1
    ///     logging:
    ///       driver: none
    /// ```
    ///
    /// ## How to fix
    /// Remove the `logging` section (`docker run --log-driver none`) to use
    /// the daemon's default driver, or
    /// choose a driver with rotation (`local`, or `json-file` with
    /// `max-size`/`max-file`) or a central one (`journald`, `syslog`,
    /// `fluentd`, …). To reduce volume, lower the service's own log level
    /// rather than discarding its output.
    pub struct LoggingDisabled {
        id: "CTR020",
        name: "logging-disabled",
        title: "Container logging is disabled",
        severity: Medium,
        category: Logging,
        references: ["concern:116", "compose-lint:CL-0014"],
        fix: None,
    }
}

impl Rule for LoggingDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        let Some(driver) = c.logging.as_ref().and_then(|l| l.driver.as_ref()) else {
            return;
        };
        if driver.value.trim().eq_ignore_ascii_case("none") {
            cx.report(
                &driver.origin,
                format!("{} discards its logs (logging driver `none`)", svc(c)),
            );
        }
    }
}
