//! `drydock guard proxy`: the filtering socket proxy's command line.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use drydock_guard::{DecisionLog, Guard};

use super::load_policy;

#[derive(clap::Args, Debug)]
pub(crate) struct ProxyArgs {
    /// Where clients connect: `unix:///run/drydock/docker.sock` (or a path).
    #[arg(long, value_name = "URL")]
    listen: String,
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
    /// Append one JSON line per request to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
    /// The permissions of the listening socket, in octal (who may connect at all).
    #[arg(long, value_name = "MODE", default_value = "660")]
    socket_mode: String,
    /// The authorization plugin's name, which requests through the proxy may not disable or remove.
    #[arg(long, default_value = "drydock-guard")]
    name: String,
}

/// `unix:///path` or a plain path; TCP is not built yet.
fn unix_path(flag: &str, url: &str) -> anyhow::Result<PathBuf> {
    if let Some(p) = url.strip_prefix("unix://") {
        return Ok(PathBuf::from(p));
    }
    if url.contains("://") {
        anyhow::bail!(
            "{flag} {url}: only unix:// sockets are supported (a TCP listener with TLS is not built yet)"
        );
    }
    Ok(PathBuf::from(url))
}

pub(crate) fn run(args: &ProxyArgs) -> anyhow::Result<ExitCode> {
    let Some(policy) = load_policy(args.policy.as_deref()) else {
        return Ok(ExitCode::from(2));
    };
    let listen = unix_path("--listen", &args.listen)?;
    let upstream = unix_path("--upstream", &args.upstream)?;
    if listen == upstream {
        anyhow::bail!("--listen and --upstream are the same socket");
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
    let log = match &args.log {
        Some(f) => DecisionLog::file(f)
            .map_err(|e| anyhow::anyhow!("cannot open the log {}: {e}", f.display()))?,
        None => DecisionLog::stdout(),
    };
    let proxy = Arc::new(drydock_guard::Proxy {
        guard: Guard::new(policy, &args.name),
        upstream: upstream.clone(),
        log,
        proc_root: PathBuf::from("/proc"),
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let listener = drydock_guard::plugin::bind(&listen)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", listen.display()))?;
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&listen, std::fs::Permissions::from_mode(mode))
                .map_err(|e| anyhow::anyhow!("cannot set the mode of {}: {e}", listen.display()))?;
        }
        let _ = writeln!(
            anstream::stderr(),
            "drydock guard: proxy listening on unix://{} for unix://{}",
            listen.display(),
            upstream.display()
        );
        drydock_guard::proxy::serve(listener, proxy).await?;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}
