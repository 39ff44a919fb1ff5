//! CTR005

use drydock_core::spec::ContainerSpec;
use drydock_core::{Fix, RuleMeta};

use super::support::{insert_key, setting, svc};
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a container whose `cap_drop` (`--cap-drop`) does not contain
    /// `ALL`, so that it keeps Docker's default capability set. Privileged
    /// containers are left to `privileged-container`.
    ///
    /// ## Why is this bad?
    /// Docker's default set has fourteen capabilities, among them
    /// `NET_RAW` (packet crafting and ARP/DNS spoofing on the container
    /// network), `MKNOD`, `SETUID`/`SETGID`, `DAC_OVERRIDE`, `CHOWN` and
    /// `SETFCAP`. Most services need none of them, and each is extra power
    /// for an attacker who gets code execution in the container and a step
    /// towards escaping it.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:5.1
    ///     cap_drop:
    ///       - NET_RAW
    /// ```
    ///
    /// ## How to fix
    /// Drop everything and add back only what the service needs:
    /// ```yaml
    ///     cap_drop: [ALL]
    ///     cap_add: [NET_BIND_SERVICE]
    /// ```
    /// (`docker run --cap-drop ALL --cap-add NET_BIND_SERVICE`).
    /// Images that start as root and switch users (many official images)
    /// usually need `SETUID`, `SETGID` and sometimes `CHOWN`.
    ///
    /// ## Fix
    /// When the service has no `cap_drop` key, the fix adds `cap_drop:` with
    /// `- ALL` to the service. Unsafe: the service may need a capability
    /// (binding a port below 1024, changing user at start) and then fails
    /// until it is added back with `cap_add`.
    pub struct CapabilitiesNotDropped {
        id: "CTR005",
        name: "capabilities-not-dropped",
        title: "Container keeps Docker's default capabilities",
        severity: Medium,
        category: Privilege,
        references: [
            "concern:85",
            "cis-docker-1.6:5.4",
            "kics:container-capabilities-unrestricted",
            "compose-lint:CL-0006",
        ],
        fix: Unsafe,
    }
}

impl Rule for CapabilitiesNotDropped {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        if c.is_privileged() || c.drops_all_caps() {
            return;
        }
        if let Some(key) = &c.cap_drop_key {
            let dropped: Vec<String> = c
                .cap_drop
                .iter()
                .map(|d| ContainerSpec::normalize_cap(&d.value))
                .collect();
            let list = if dropped.is_empty() {
                "nothing".to_string()
            } else {
                dropped.join(", ")
            };
            cx.report(
                key,
                format!("{} drops only {list}: it keeps the rest of Docker's default capabilities; drop ALL and add back what it needs", svc(c)),
            );
            return;
        }
        let fix = if c.cap_drop.is_empty() {
            insert_key(cx, c, "cap_drop", "cap_drop:\n  - ALL")
        } else {
            None
        };
        let finding = cx.report(
            &c.origin,
            format!(
                "{} does not drop capabilities: it runs with Docker's default set (NET_RAW, MKNOD, SETUID, …); add `{}`",
                svc(c),
                setting(c, "cap_drop: [ALL]", "--cap-drop ALL", "HostConfig.CapDrop: [\"ALL\"]")
            ),
        );
        if let Some(edit) = fix {
            finding.set_fix(Fix::unsafe_("Add `cap_drop: [ALL]`", vec![edit]));
        }
    }
}
