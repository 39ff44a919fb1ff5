//! CTR011

use drydock_core::RuleMeta;
use drydock_core::spec::{ContainerSource, ContainerSpec};

use super::support::svc;
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a container that exposes or uses the Docker Engine API over
    /// TCP without protection:
    /// * a published port whose host or container side is 2375 (the
    ///   plaintext API port) or 2376 (the TLS API port), typically a
    ///   Docker-in-Docker service;
    /// * `DOCKER_HOST=tcp://…` in the environment without
    ///   `DOCKER_TLS_VERIFY` set to a non-empty value;
    /// * a `docker run`/`docker create` line whose client talks to the
    ///   engine over TCP without TLS: `docker -H tcp://10.0.0.5:2375 run …`
    ///   or `DOCKER_HOST=tcp://… docker run …` with neither `--tls`/
    ///   `--tlsverify` nor a `DOCKER_TLS_VERIFY`/`DOCKER_TLS` assignment
    ///   before the command. A host without a scheme (`-H 10.0.0.5:2375`)
    ///   is TCP; `unix://`, `ssh://`, `npipe://` and `fd://` hosts are not
    ///   reported, nor a line with a client option it cannot read
    ///   (`docker $DOCKER_OPTS run …`), which may turn TLS on. (A plaintext
    ///   engine on port 2375 cannot answer a client that uses TLS, so the
    ///   port alone is not reported.)
    ///
    /// ## Why is this bad?
    /// The Engine API is root on the machine that runs the engine: anyone
    /// who reaches it can start a privileged container mounting the host's
    /// filesystem. Published, it is open to the network (scanners look for
    /// 2375 constantly). Used over plain TCP, the client sends its commands,
    /// and any registry credentials, in clear text and cannot tell whether
    /// it talks to the real daemon.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   dind:
    ///     image: docker:27-dind
    ///     privileged: true
    ///     ports:
    ///       - "2375:2375"
    ///   ci:
    ///     image: example/ci:1.0
    ///     environment:
    ///       DOCKER_HOST: tcp://dind:2375
    /// ```
    ///
    /// ## How to fix
    /// Do not publish the API port; let clients reach it over a private
    /// Compose network. Use TLS (the `docker:dind` image generates
    /// certificates when `DOCKER_TLS_CERTDIR` is set) and give clients
    /// `DOCKER_HOST=tcp://dind:2376`, `DOCKER_TLS_VERIFY=1` and
    /// `DOCKER_CERT_PATH`. On a command line, use
    /// `docker --tlsverify -H tcp://host:2376 run …`, or reach a remote
    /// engine over SSH (`docker -H ssh://user@host run …`).
    pub struct DockerApiPortPublished {
        id: "CTR011",
        name: "docker-api-port-published",
        title: "Docker Engine API is published or used without TLS",
        severity: Critical,
        category: Network,
        references: ["concern:100", "gap:6"],
        fix: None,
    }
}

const API_PORTS: [u16; 2] = [2375, 2376];

fn api_port_in(range: Option<(u16, u16)>) -> Option<u16> {
    let (lo, hi) = range?;
    API_PORTS.into_iter().find(|p| (lo..=hi).contains(p))
}

impl Rule for DockerApiPortPublished {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        for p in &c.ports {
            let host = api_port_in(p.published_range());
            let target = api_port_in(p.target_range());
            let (port, origin) = match (host, target, &p.published) {
                (Some(h), _, Some(published)) => (h, &published.origin),
                (_, Some(t), _) => (t, &p.target.origin),
                _ => continue,
            };
            let msg = if port == 2375 {
                format!(
                    "{} publishes the plaintext Docker API port 2375: whoever reaches it controls the Docker engine behind it",
                    svc(c)
                )
            } else {
                format!(
                    "{} publishes the Docker API TLS port 2376: the engine's API is exposed to the network, guarded only by its TLS setup",
                    svc(c)
                )
            };
            cx.report(origin, msg);
        }

        if let Some(client) = &c.engine
            && client.tls == Some(false)
            && client.scheme() == "tcp"
        {
            let cmd = match c.source {
                ContainerSource::RunLine { create: true } => "docker create",
                _ => "docker run",
            };
            cx.report(
                &client.host.origin,
                format!(
                    "`{cmd}` talks to the Docker engine at `{}` without TLS (no `--tlsverify`, no `DOCKER_TLS_VERIFY`): the request and any credentials travel in clear text, and an engine listening on plain TCP obeys whoever reaches it",
                    client.host.value.trim()
                ),
            );
        }

        let tls_verify = c
            .environment
            .iter()
            .rev()
            .find(|kv| kv.key.value == "DOCKER_TLS_VERIFY")
            .is_some_and(|kv| !kv.value.value.trim().is_empty());
        if tls_verify {
            return;
        }
        if let Some(host) = c
            .environment
            .iter()
            .rev()
            .find(|kv| kv.key.value == "DOCKER_HOST")
        {
            let v = host.value.value.trim();
            if v.to_ascii_lowercase().starts_with("tcp://") {
                let msg = match c.source {
                    ContainerSource::ComposeService => format!(
                        "{} talks to the Docker API at `{v}` without TLS (`DOCKER_TLS_VERIFY` is not set): commands and credentials travel in clear text",
                        svc(c)
                    ),
                    // The client of the line itself is judged above: say
                    // that this is the container's own.
                    ContainerSource::RunLine { .. } | ContainerSource::Api => format!(
                        "{} points the Docker clients in the container at `{v}` without TLS (`DOCKER_TLS_VERIFY` is not set): commands and credentials travel in clear text",
                        svc(c)
                    ),
                };
                cx.report(&host.value.origin, msg);
            }
        }
    }
}
