//! DMN012

use drydock_core::RuleMeta;
use drydock_core::spec::DaemonSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a daemon configuration without `authorization-plugins`.
    ///
    /// ## Why is this bad?
    /// Without an authorization plugin, access to the Docker API is all or
    /// nothing: every user in the `docker` group and every process that
    /// reaches the socket can do anything, including starting privileged
    /// containers. A plugin (Open Policy Agent's `opa-docker-authz`, for
    /// example) can refuse privileged containers, host mounts or `exec`
    /// per user.
    ///
    /// ## Example
    /// ```json
    /// {
    ///   "icc": false
    /// }
    /// ```
    ///
    /// ## How to fix
    /// Install an authorization plugin and list it:
    /// `"authorization-plugins": ["opa-docker-authz"]`. On single-user hosts
    /// where only root uses Docker, suppress the finding with a reason.
    pub struct AuthorizationPluginMissing {
        id: "DMN012",
        name: "authorization-plugin-missing",
        title: "Daemon has no authorization plugin",
        severity: Low,
        category: Daemon,
        references: ["concern:137", "cis-docker-1.6:2.12"],
        fix: None,
    }
}

impl Rule for AuthorizationPluginMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_daemon(&self, cx: &mut Checker<'_>, d: &DaemonSpec) {
        if d.authorization_plugins
            .iter()
            .any(|p| !p.value.trim().is_empty())
        {
            return;
        }
        let origin = d
            .setting("authorization-plugins")
            .map_or(&d.origin, |s| &s.value);
        cx.report(
            origin,
            "no `authorization-plugins`: anyone who reaches the Docker API can do anything with it",
        );
    }
}
