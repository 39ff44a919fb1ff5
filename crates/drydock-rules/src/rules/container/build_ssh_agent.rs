//! CTR030

use drydock_core::RuleMeta;
use drydock_core::spec::ContainerSpec;

use super::support::svc;
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a Compose `build.ssh` entry that forwards the SSH agent of
    /// the user running the build: `default` (or any id) without a path, or
    /// with a path taken from `SSH_AUTH_SOCK`. Entries that name a key file
    /// (`github=./deploy_key`) are not reported.
    ///
    /// ## Why is this bad?
    /// Every `RUN --mount=type=ssh` step of the build can ask the agent to
    /// sign with any key loaded in it: the developer's or CI's personal keys,
    /// good for every repository and server they open, not just the one
    /// the build needs. A compromised dependency script running in such a
    /// step can use them for as long as the step runs. The keys themselves
    /// do not leave the agent, and steps without the mount get nothing,
    /// hence the low severity.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     build:
    ///       context: .
    ///       ssh:
    ///         - default
    /// ```
    ///
    /// ## How to fix
    /// Give the build a dedicated, read-only deploy key for the one
    /// repository it clones:
    /// ```yaml
    ///       ssh:
    ///         - github=./secrets/deploy_key
    /// ```
    /// and use `RUN --mount=type=ssh,id=github` only in the step that needs
    /// it; or fetch the code before the build and pass it in the context.
    pub struct BuildSshAgentForwarded {
        id: "CTR030",
        name: "build-ssh-agent-forwarded",
        title: "Build gets the user's SSH agent",
        severity: Low,
        category: Secrets,
        references: ["concern:125"],
        fix: None,
    }
}

impl Rule for BuildSshAgentForwarded {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        let Some(build) = &c.build else {
            return;
        };
        for entry in &build.ssh {
            let (id, path) = match entry.value.split_once('=') {
                Some((id, path)) => (id.trim(), path.trim()),
                None => (entry.value.trim(), ""),
            };
            if id.is_empty() {
                continue;
            }
            let written = cx.text_of(&entry.origin);
            if !path.is_empty() && !written.contains("SSH_AUTH_SOCK") {
                continue;
            }
            cx.report(
                &entry.origin,
                format!(
                    "{} forwards the SSH agent to the build as `{id}`: steps with `--mount=type=ssh` can sign with every key loaded in it",
                    svc(c)
                ),
            );
        }
    }
}
