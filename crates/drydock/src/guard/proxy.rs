//! `drydock guard proxy`: the filtering socket proxy's command line.

use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use super::load_policy;

#[derive(clap::Args, Debug)]
pub(crate) struct ProxyArgs {
    /// Where clients connect: `unix:///run/drydock/docker.sock` (or a path), or
    /// `tcp://HOST:PORT` (with --tls-cert and --tls-key). Repeat it to listen on several.
    #[arg(long, value_name = "URL", required = true)]
    listen: Vec<String>,
    /// The daemon's socket: `unix:///var/run/docker.sock` (or a path).
    #[arg(
        long,
        value_name = "URL",
        default_value = "unix:///var/run/docker.sock"
    )]
    upstream: String,
    /// The policy (guard.toml) with its `[[proxy.clients]]`; without them every request is refused.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// The permissions of a listening unix socket, in octal (who may connect at all).
    #[arg(long, value_name = "MODE", default_value = "660")]
    socket_mode: String,
    /// The authorization plugin's name, which requests through the proxy may not disable or remove.
    #[arg(long, default_value = "drydock-guard")]
    name: String,
    /// The TCP listener's TLS certificate (PEM, the server's certificate first, then its chain).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The TLS certificate's private key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Require client certificates signed by this CA (PEM), like dockerd's --tlsverify.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_ca: Option<PathBuf>,
    /// Allow a TCP listener without TLS, on a loopback address only: plain TCP to the API
    /// is root for anyone who reaches it (CIS 2.6).
    #[arg(long)]
    insecure_tcp: bool,
    /// Threads that serve connections. The proxy mostly moves bytes: one
    /// thread spares a cross-thread wakeup per streamed frame (judging runs
    /// on its own threads); raise it for many busy clients on many cores.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=256))]
    io_threads: u16,
    #[command(flatten)]
    run: super::RunArgs,
}

/// Where the proxy listens.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Listen {
    Unix(PathBuf),
    Tcp(SocketAddr),
}

impl std::fmt::Display for Listen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Listen::Unix(p) => write!(f, "unix://{}", p.display()),
            Listen::Tcp(a) => write!(f, "tcp://{a}"),
        }
    }
}

/// `unix:///path`, a plain path, or `tcp://ADDRESS:PORT` (an IP address,
/// `[::1]` for IPv6, or `localhost`).
fn parse_listen(url: &str) -> anyhow::Result<Listen> {
    if let Some(p) = url.strip_prefix("unix://") {
        return Ok(Listen::Unix(PathBuf::from(p)));
    }
    if let Some(hp) = url.strip_prefix("tcp://") {
        let hp = hp.trim_end_matches('/');
        if let Ok(a) = hp.parse::<SocketAddr>() {
            return Ok(Listen::Tcp(a));
        }
        if let Some(port) = hp.strip_prefix("localhost:")
            && let Ok(port) = port.parse::<u16>()
        {
            return Ok(Listen::Tcp(SocketAddr::new(
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                port,
            )));
        }
        anyhow::bail!(
            "--listen {url}: expected tcp://ADDRESS:PORT with an IP address (tcp://127.0.0.1:2376, tcp://0.0.0.0:2376, tcp://[::1]:2376) or localhost"
        );
    }
    if url.contains("://") {
        anyhow::bail!("--listen {url}: expected unix:///path or tcp://ADDRESS:PORT");
    }
    Ok(Listen::Unix(PathBuf::from(url)))
}

/// `unix:///path` or a plain path.
fn unix_path(flag: &str, url: &str) -> anyhow::Result<PathBuf> {
    if let Some(p) = url.strip_prefix("unix://") {
        return Ok(PathBuf::from(p));
    }
    if url.contains("://") {
        anyhow::bail!("{flag} {url}: only unix:// sockets are supported");
    }
    Ok(PathBuf::from(url))
}

/// Whether the flags allow this TCP listener: TLS, or `--insecure-tcp`
/// on a loopback address.
fn check_tcp(addr: SocketAddr, tls: bool, insecure: bool) -> anyhow::Result<()> {
    if tls {
        return Ok(());
    }
    if !addr.ip().is_loopback() {
        anyhow::bail!(
            "--listen tcp://{addr}: plain TCP on a non-loopback address is refused: the Engine API without TLS is root on this host for anyone who can reach the port (CIS 2.6). Give --tls-cert, --tls-key and --tls-ca (client certificates), or listen on 127.0.0.1 with --insecure-tcp"
        );
    }
    if !insecure {
        anyhow::bail!(
            "--listen tcp://{addr}: a TCP listener without TLS lets every local user and process reach the API by its address alone. Give --tls-cert, --tls-key and --tls-ca, or say --insecure-tcp to accept this on loopback"
        );
    }
    Ok(())
}

pub(crate) fn run(args: &ProxyArgs) -> anyhow::Result<ExitCode> {
    let Some(policy) = load_policy(args.policy.as_deref()) else {
        return Ok(ExitCode::from(2));
    };
    let listens = args
        .listen
        .iter()
        .map(|l| parse_listen(l))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let upstream = unix_path("--upstream", &args.upstream)?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(
            drydock_guard::tls::server_config(cert, key, args.tls_ca.as_deref())
                .map_err(anyhow::Error::msg)?,
        ),
        _ => None,
    };
    let any_tcp = listens.iter().any(|l| matches!(l, Listen::Tcp(_)));
    if tls.is_some() && !any_tcp {
        anyhow::bail!("--tls-cert is for a TCP listener: add --listen tcp://ADDRESS:PORT");
    }
    if args.insecure_tcp && !any_tcp {
        anyhow::bail!("--insecure-tcp is for a TCP listener: add --listen tcp://127.0.0.1:PORT");
    }
    for l in &listens {
        match l {
            Listen::Unix(p) if *p == upstream => {
                anyhow::bail!("--listen and --upstream are the same socket");
            }
            Listen::Tcp(a) => check_tcp(*a, tls.is_some(), args.insecure_tcp)?,
            Listen::Unix(_) => {}
        }
    }
    if let (Some(_), None) = (&tls, &args.tls_ca) {
        let _ = writeln!(
            anstream::stderr(),
            "drydock guard: warning: TLS without --tls-ca: clients are not asked for certificates, so `cert` entries match no one and anyone who reaches the port is known by its address alone"
        );
    }
    if policy.proxy.clients.is_empty() {
        let _ = writeln!(
            anstream::stderr(),
            "drydock guard: warning: the policy has no [[proxy.clients]]: every request will be refused"
        );
    }
    let mode = u32::from_str_radix(args.socket_mode.trim_start_matches("0o"), 8)
        .ok()
        .filter(|m| *m <= 0o777)
        .ok_or_else(|| anyhow::anyhow!("--socket-mode {}: not an octal mode", args.socket_mode))?;
    let state = args.run.state(policy, args.policy.as_deref(), &args.name)?;
    let proxy = Arc::new(drydock_guard::Proxy {
        state: state.clone(),
        upstream: upstream.clone(),
        proc_root: PathBuf::from("/proc"),
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(usize::from(args.io_threads))
        .enable_all()
        .build()?;
    rt.block_on(async {
        args.run.start_beside(&state).await?;
        let mut servers = tokio::task::JoinSet::new();
        for l in &listens {
            let how = match l {
                Listen::Unix(path) => {
                    let listener = drydock_guard::plugin::bind(path)
                        .map_err(|e| anyhow::anyhow!("cannot listen on {l}: {e}"))?;
                    {
                        use std::os::unix::fs::PermissionsExt;
                        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
                            .map_err(|e| {
                                anyhow::anyhow!("cannot set the mode of {}: {e}", path.display())
                            })?;
                    }
                    servers.spawn(drydock_guard::proxy::serve(listener, proxy.clone()));
                    String::new()
                }
                Listen::Tcp(addr) => {
                    let listener = std::net::TcpListener::bind(addr)
                        .map_err(|e| anyhow::anyhow!("cannot listen on {l}: {e}"))?;
                    let how = match (&tls, &args.tls_ca) {
                        (Some(_), Some(ca)) => format!(
                            " (TLS, client certificates verified against {})",
                            ca.display()
                        ),
                        (Some(_), None) => " (TLS, no client certificates)".to_string(),
                        (None, _) => " (plain TCP, loopback only)".to_string(),
                    };
                    servers.spawn(drydock_guard::proxy::serve_tcp(
                        listener,
                        tls.clone(),
                        proxy.clone(),
                    ));
                    how
                }
            };
            let _ = writeln!(
                anstream::stderr(),
                "drydock guard: proxy listening on {l}{how} for unix://{}",
                upstream.display()
            );
        }
        // The servers run until the process ends; one that fails ends it.
        if let Some(r) = servers.join_next().await {
            r.map_err(|e| anyhow::anyhow!("a listener stopped: {e}"))??;
        }
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn listen_urls() {
        assert_eq!(
            parse_listen("unix:///run/x.sock").unwrap(),
            Listen::Unix("/run/x.sock".into())
        );
        assert_eq!(
            parse_listen("/run/x.sock").unwrap(),
            Listen::Unix("/run/x.sock".into())
        );
        assert_eq!(
            parse_listen("tcp://127.0.0.1:2376").unwrap(),
            Listen::Tcp("127.0.0.1:2376".parse().unwrap())
        );
        assert_eq!(
            parse_listen("tcp://[::1]:2376").unwrap(),
            Listen::Tcp("[::1]:2376".parse().unwrap())
        );
        assert_eq!(
            parse_listen("tcp://localhost:2375").unwrap(),
            Listen::Tcp("127.0.0.1:2375".parse().unwrap())
        );
        assert!(parse_listen("tcp://example.com:2376").is_err());
        assert!(parse_listen("tcp://127.0.0.1").is_err());
        assert!(parse_listen("http://x").is_err());
    }

    #[test]
    fn plain_tcp_only_on_loopback_and_when_asked() {
        let lo: SocketAddr = "127.0.0.1:2375".parse().unwrap();
        let any: SocketAddr = "0.0.0.0:2375".parse().unwrap();
        assert!(check_tcp(lo, false, true).is_ok());
        let e = check_tcp(lo, false, false).unwrap_err().to_string();
        assert!(e.contains("--insecure-tcp"), "{e}");
        let e = check_tcp(any, false, true).unwrap_err().to_string();
        assert!(e.contains("CIS 2.6"), "{e}");
        assert!(check_tcp(any, true, false).is_ok());
    }
}
