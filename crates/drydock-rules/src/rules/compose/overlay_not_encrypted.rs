//! CMP006

use drydock_core::RuleMeta;

use crate::declare_rule;
use crate::rule::{Checker, ComposeCx, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a top-level network with `driver: overlay` whose
    /// `driver_opts` has no `encrypted` key. Networks declared
    /// `external: true` are defined elsewhere and not reported.
    ///
    /// ## Why is this bad?
    /// An overlay network carries the traffic between containers on
    /// different Swarm nodes in VXLAN packets over the hosts' network.
    /// Without `encrypted`, that traffic (database queries, API calls,
    /// credentials sent between services) crosses the wire in clear text,
    /// readable and alterable by anyone on the path between the nodes.
    /// The Swarm control plane is encrypted by default; the data plane is
    /// not.
    ///
    /// ## Example
    /// ```yaml
    /// networks:
    ///   backend:
    ///     driver: overlay
    /// ```
    ///
    /// ## How to fix
    /// Turn on IPsec encryption for the network's data plane:
    /// ```yaml
    /// networks:
    ///   backend:
    ///     driver: overlay
    ///     driver_opts:
    ///       encrypted: ""
    /// ```
    /// The overlay driver looks only at the presence of the key, so any
    /// value (even `"false"`) turns encryption on. Encryption costs some
    /// throughput and is not supported for Windows containers.
    pub struct OverlayNetworkNotEncrypted {
        id: "CMP006",
        name: "overlay-network-not-encrypted",
        title: "Overlay network is not encrypted",
        severity: Medium,
        category: Network,
        references: ["cis-docker-1.6:7.3"],
        fix: None,
    }
}

impl Rule for OverlayNetworkNotEncrypted {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, cx: &mut Checker<'_>, compose: &ComposeCx<'_>) {
        for n in &compose.project.networks {
            if n.encrypted || n.external.as_ref().is_some_and(|e| e.value) {
                continue;
            }
            let Some(driver) = &n.driver else {
                continue;
            };
            if driver.value.trim() != "overlay" {
                continue;
            }
            cx.report(
                &driver.origin,
                format!(
                    "overlay network `{}` is not encrypted: traffic between its containers on different nodes crosses the network in clear text; add `driver_opts: {{encrypted: \"\"}}`",
                    n.name.value
                ),
            );
        }
    }
}
