//! DMN006

use drydock_core::spec::DaemonSpec;
use drydock_core::{Fix, RuleMeta};

use super::support::{at, set_bool};
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a daemon configuration where the userland proxy is enabled:
    /// `userland-proxy` absent (the default is `true`) or `true`.
    ///
    /// ## Why is this bad?
    /// With the userland proxy, every published port also gets a
    /// `docker-proxy` process on the host, a userspace program that accepts
    /// connections (from the host's loopback, for instance) and forwards
    /// them. It is extra attack surface and hides the client's source
    /// address on the connections it handles; with `false`, the kernel's
    /// NAT rules handle all traffic.
    ///
    /// ## Example
    /// ```json
    /// {
    ///   "userland-proxy": true
    /// }
    /// ```
    ///
    /// ## How to fix
    /// Set `"userland-proxy": false`. Check that nothing depends on reaching
    /// published ports through the host's loopback from an old kernel or on
    /// IPv6-to-IPv4 forwarding by the proxy.
    ///
    /// ## Fix
    /// Adds `"userland-proxy": false`, or turns `true` into `false`. Unsafe:
    /// on some setups (old kernels, hairpin traffic, IPv6 clients of
    /// IPv4-only containers) published ports become unreachable from the
    /// host itself.
    pub struct UserlandProxyEnabled {
        id: "DMN006",
        name: "userland-proxy-enabled",
        title: "Daemon uses the userland proxy for published ports",
        severity: Low,
        category: Daemon,
        references: ["concern:141", "cis-docker-1.6:2.16"],
        fix: Unsafe,
    }
}

impl Rule for UserlandProxyEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_daemon(&self, cx: &mut Checker<'_>, d: &DaemonSpec) {
        let v = d.userland_proxy.as_ref();
        let msg = match v {
            Some(b) if !b.value => return,
            Some(_) => {
                "`userland-proxy` is true: every published port runs a `docker-proxy` process on the host"
            }
            None => {
                "`userland-proxy` is not set (default true): every published port runs a `docker-proxy` process on the host"
            }
        };
        let fix = set_bool(d, "userland-proxy", v, false);
        let f = cx.report(at(d, v), msg);
        if let Some(edit) = fix {
            f.set_fix(Fix::unsafe_("Set `\"userland-proxy\": false`", vec![edit]));
        }
    }
}
