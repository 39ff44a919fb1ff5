//! CTR029

use drydock_core::RuleMeta;
use drydock_core::spec::ContainerSpec;

use super::support::svc;
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports Compose build options that lift the build sandbox:
    /// `build.privileged: true`, `build.entitlements` containing
    /// `security.insecure` or `network.host`, and `build.network: host`.
    ///
    /// ## Why is this bad?
    /// Build steps run code from the Dockerfile, the base image and every
    /// package they install. `privileged` and the `security.insecure`
    /// entitlement let `RUN --security=insecure` steps run as a privileged
    /// container: full capabilities, every host device, no seccomp or
    /// AppArmor, so a malicious or compromised dependency can take over the
    /// build host (and the credentials on it). Host networking
    /// (`network: host`, the `network.host` entitlement) puts build steps on
    /// the host's network stack: they reach services bound to the host's
    /// `localhost`, internal networks and cloud metadata endpoints that the
    /// default build network keeps out of reach.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     build:
    ///       context: .
    ///       privileged: true
    ///       network: host
    ///       entitlements:
    ///         - security.insecure
    /// ```
    ///
    /// ## How to fix
    /// Remove the option and make the step work without it: install what
    /// the build needs instead of reaching for host devices, and fetch
    /// dependencies over the default build network (or from a build
    /// context or cache mount) instead of the host's. If a step truly needs
    /// it, isolate that build on a dedicated, disposable builder
    /// (a separate `docker buildx` builder or CI runner) that holds no
    /// credentials.
    pub struct InsecureBuildOptions {
        id: "CTR029",
        name: "insecure-build-options",
        title: "Build runs privileged or on the host network",
        severity: High,
        category: Privilege,
        references: ["concern:125", "gap:6"],
        fix: None,
    }
}

impl Rule for InsecureBuildOptions {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        let Some(build) = &c.build else {
            return;
        };
        if let Some(p) = &build.privileged
            && p.value
        {
            cx.report(
                &p.origin,
                format!(
                    "{} builds with `privileged: true`: build steps can run with every capability and host device, unconfined",
                    svc(c)
                ),
            );
        }
        for e in &build.entitlements {
            let msg = match e.value.trim() {
                "security.insecure" => format!(
                    "{} grants the build the `security.insecure` entitlement: `RUN --security=insecure` steps run as privileged containers on the build host",
                    svc(c)
                ),
                "network.host" => format!(
                    "{} grants the build the `network.host` entitlement: build steps can use the host's network stack",
                    svc(c)
                ),
                _ => continue,
            };
            cx.report(&e.origin, msg);
        }
        if let Some(n) = &build.network
            && n.value.trim() == "host"
        {
            cx.report(
                &n.origin,
                format!(
                    "{} builds with `network: host`: build steps reach the host's `localhost` services, internal networks and metadata endpoints",
                    svc(c)
                ),
            );
        }
    }
}
