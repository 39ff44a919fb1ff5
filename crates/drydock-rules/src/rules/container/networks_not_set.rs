//! CTR031

use drydock_core::RuleMeta;
use drydock_core::spec::ContainerSpec;

use super::support::{setting, svc};
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a container that names neither `networks` nor a
    /// `network_mode`, so that it joins the default network: the project's
    /// `default` network in Compose, the `bridge` network for `docker run`.
    ///
    /// ## Why is this bad?
    /// Every service left on the default network can reach every other
    /// service of the project on every port. A compromised front end can
    /// then talk directly to the database, the cache and the admin
    /// interfaces that only the back end needs. Separate networks
    /// (`frontend`, `backend`, an `internal: true` network for the data
    /// tier) limit what one compromised service can reach. For small
    /// projects where every service talks to every other this is only a
    /// reminder, hence the `info` severity.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: example/web:2.3
    ///   db:
    ///     image: postgres:16.4
    /// ```
    ///
    /// ## How to fix
    /// Declare the networks and attach each service only to those it needs:
    /// ```yaml
    /// services:
    ///   web:
    ///     image: example/web:2.3
    ///     networks: [frontend, backend]
    ///   db:
    ///     image: postgres:16.4
    ///     networks: [backend]
    /// networks:
    ///   frontend:
    ///   backend:
    ///     internal: true
    /// ```
    /// For `docker run`, create a network (`docker network create
    /// --internal backend`) and attach the container to it
    /// (`docker run --network backend …`).
    pub struct NetworksNotSet {
        id: "CTR031",
        name: "networks-not-set",
        title: "Container is attached to the default network",
        severity: Info,
        category: Network,
        references: ["concern:117", "kics:networks-not-set"],
        fix: None,
    }
}

impl Rule for NetworksNotSet {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        if !c.networks.is_empty() || c.network_mode.is_some() {
            return;
        }
        cx.report(
            &c.origin,
            format!(
                "{} {}",
                svc(c),
                setting(
                    c,
                    "sets neither `networks` nor `network_mode`: it joins the default network, where it can reach every other service on it",
                    "sets no `--network`: it joins the default bridge network, where it can reach every other container on it",
                    "is on the default bridge network (`HostConfig.NetworkMode`), where it can reach every other container on it",
                )
            ),
        );
    }
}
