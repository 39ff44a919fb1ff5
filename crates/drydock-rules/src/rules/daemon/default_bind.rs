//! DMN011

use drydock_core::spec::DaemonSpec;
use drydock_core::{Fix, RuleMeta};

use super::support::at;
use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::util::replace;

declare_rule! {
    /// ## What it does
    /// Reports a daemon whose default address for published ports (`ip`)
    /// is every interface: `ip` absent (the default is `0.0.0.0`), or
    /// `0.0.0.0` / `::`.
    ///
    /// ## Why is this bad?
    /// Every `-p 8080:80` and every Compose `ports:` entry without a host
    /// address then listens on all of the host's addresses, public ones
    /// included, through iptables rules that bypass host firewalls such as
    /// `ufw`. One forgotten port mapping exposes a database or an admin
    /// interface to the network.
    ///
    /// ## Example
    /// ```json
    /// {
    ///   "ip": "0.0.0.0"
    /// }
    /// ```
    ///
    /// ## How to fix
    /// Set `"ip": "127.0.0.1"` (or a private address), so that exposing a
    /// port to the network takes an explicit host address in the mapping.
    ///
    /// ## Fix
    /// Adds `"ip": "127.0.0.1"`, or replaces `0.0.0.0` by `127.0.0.1` (and
    /// `::` by `::1`). Unsafe: ports published without a host address stop
    /// being reachable from other machines once the containers are
    /// recreated.
    pub struct DefaultBindAllInterfaces {
        id: "DMN011",
        name: "default-bind-all-interfaces",
        title: "Published ports default to all host interfaces",
        severity: Medium,
        category: Network,
        references: ["concern:146", "gap:8"],
        fix: Unsafe,
    }
}

impl Rule for DefaultBindAllInterfaces {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_daemon(&self, cx: &mut Checker<'_>, d: &DaemonSpec) {
        let v = d.ip.as_ref();
        let (msg, fix) = match v {
            None if d.setting("ip").is_some() => return,
            None => (
                "`ip` is not set (default 0.0.0.0): ports published without a host address listen on every interface".to_string(),
                d.insert_at.as_ref().map(|a| a.insert_member("ip", "\"127.0.0.1\"")),
            ),
            Some(ip) => {
                let addr = ip.value.trim().trim_matches(['[', ']']);
                let loopback = match addr {
                    "0.0.0.0" => "127.0.0.1",
                    "::" => "::1",
                    _ => return,
                };
                (
                    format!("`ip` is `{addr}`: ports published without a host address listen on every interface"),
                    replace(&ip.origin, format!("\"{loopback}\"")),
                )
            }
        };
        let f = cx.report(at(d, v), msg);
        if let Some(edit) = fix {
            f.set_fix(Fix::unsafe_(
                "Make published ports default to the loopback address",
                vec![edit],
            ));
        }
    }
}
