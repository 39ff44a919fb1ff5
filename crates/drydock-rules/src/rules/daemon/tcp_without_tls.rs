//! DMN003

use drydock_core::RuleMeta;
use drydock_core::spec::DaemonSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports each TCP entry of `hosts` (`tcp://…`, or a bare
    /// `host:port`, which dockerd reads as TCP) while `tlsverify` is not
    /// `true`. The message says whether the socket is plain TCP or TLS
    /// without client verification (`tls: true` alone), and which of
    /// `tlscacert`, `tlscert` and `tlskey` are missing.
    ///
    /// ## Why is this bad?
    /// The Engine API is root on the host. Without `tlsverify`, dockerd
    /// does not authenticate clients: anyone who can reach the port can
    /// start a privileged container mounting `/` and take the machine.
    /// Exposed Docker API ports are scanned for and exploited (crypto
    /// miners) within minutes; even on `127.0.0.1` every local user and
    /// every container on the host network becomes root.
    ///
    /// ## Example
    /// ```json
    /// {
    ///   "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"]
    /// }
    /// ```
    ///
    /// ## How to fix
    /// Prefer the Unix socket, or SSH (`DOCKER_HOST=ssh://user@host`),
    /// which needs no TCP listener at all. When TCP is required, use port
    /// 2376 with mutual TLS:
    /// ```json
    /// {
    ///   "tlsverify": true,
    ///   "tlscacert": "/etc/docker/ca.pem",
    ///   "tlscert": "/etc/docker/server-cert.pem",
    ///   "tlskey": "/etc/docker/server-key.pem"
    /// }
    /// ```
    pub struct TcpSocketWithoutTls {
        id: "DMN003",
        name: "tcp-socket-without-tls",
        title: "Daemon listens on TCP without TLS client verification",
        severity: Critical,
        category: Daemon,
        references: ["concern:132", "cis-docker-1.6:2.7"],
        fix: None,
    }
}

/// Whether a `hosts` entry is a TCP listener.
pub(crate) fn is_tcp(host: &str) -> bool {
    let h = host.trim().to_ascii_lowercase();
    if let Some((scheme, _)) = h.split_once("://") {
        return scheme == "tcp";
    }
    // dockerd's ParseDaemonHost reads a bare `addr:port` as TCP.
    !h.is_empty() && !h.starts_with('/') && h.contains(':')
}

impl Rule for TcpSocketWithoutTls {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_daemon(&self, cx: &mut Checker<'_>, d: &DaemonSpec) {
        if d.tlsverify.as_ref().is_some_and(|v| v.value) {
            return;
        }
        let tls = d.tls.as_ref().is_some_and(|v| v.value);
        let missing: Vec<&str> = [
            ("tlscacert", &d.tlscacert),
            ("tlscert", &d.tlscert),
            ("tlskey", &d.tlskey),
        ]
        .into_iter()
        .filter(|(_, v)| v.as_ref().is_none_or(|s| s.value.trim().is_empty()))
        .map(|(k, _)| k)
        .collect();
        let mut notes = vec!["`tlsverify` is not true".to_string()];
        if !missing.is_empty() {
            let keys = missing
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ");
            notes.push(format!("{keys} not set"));
        }
        let notes = notes.join("; ");
        for h in &d.hosts {
            if !is_tcp(&h.value) {
                continue;
            }
            let how = if tls {
                "with TLS but without client verification"
            } else {
                "in plain text without authentication"
            };
            cx.report(
                &h.origin,
                format!(
                    "the daemon listens on `{}` {how} ({notes}): anyone who reaches it controls the host",
                    h.value.trim()
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_tcp;

    #[test]
    fn tcp() {
        assert!(is_tcp("tcp://0.0.0.0:2375"));
        assert!(is_tcp("TCP://127.0.0.1:2375"));
        assert!(is_tcp("0.0.0.0:2375"));
        assert!(is_tcp(":2375"));
        assert!(!is_tcp("unix:///var/run/docker.sock"));
        assert!(!is_tcp("fd://"));
        assert!(!is_tcp("ssh://me@host"));
    }
}
