//! `drydock guard`: the authorization plugin (`guard plugin`), the
//! filtering socket proxy (`guard proxy`) and the policy check
//! (`guard check`).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;

mod proxy;
use drydock_guard::{DecisionLog, Guard, Plugin, Policy};

#[derive(clap::Args, Debug)]
pub struct GuardArgs {
    #[command(subcommand)]
    command: GuardCommand,
}

#[derive(Subcommand, Debug)]
enum GuardCommand {
    /// Run the Docker authorization plugin on a unix socket (start it before the daemon).
    Plugin(PluginArgs),
    /// Run the filtering socket proxy between Docker clients and the daemon's socket.
    Proxy(proxy::ProxyArgs),
    /// Validate a policy file: errors with file:line:col, exit 1 when there are any.
    Check {
        /// The policy file (guard.toml).
        policy: PathBuf,
    },
}

#[derive(clap::Args, Debug)]
struct PluginArgs {
    /// The plugin's socket; the daemon finds `/run/docker/plugins/NAME.sock` by NAME.
    #[arg(
        long,
        value_name = "PATH",
        default_value = "/run/docker/plugins/drydock-guard.sock"
    )]
    socket: PathBuf,
    /// The policy (guard.toml); without it: critical and high findings of the container rules deny.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// The plugin's name, which the API may not disable or remove (default: the socket's file name without `.sock`).
    #[arg(long)]
    name: Option<String>,
    /// Append one JSON line per decision to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
}

pub fn run(args: &GuardArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        GuardCommand::Check { policy } => check(policy),
        GuardCommand::Plugin(p) => plugin(p),
        GuardCommand::Proxy(p) => proxy::run(p),
    }
}

fn check(path: &Path) -> anyhow::Result<ExitCode> {
    match Policy::load(path) {
        Ok(p) => {
            let mut out = anstream::stdout().lock();
            writeln!(
                out,
                "{}: ok ({} deny selector(s), {} log selector(s), {} exception(s), {})",
                path.display(),
                p.deny.len(),
                p.log.len(),
                p.exceptions.len(),
                if p.registries.is_empty() {
                    "any registry".to_string()
                } else {
                    format!("registries: {}", p.registries.join(", "))
                }
            )?;
            for c in &p.proxy.clients {
                let who = match &c.identity {
                    drydock_guard::policy::Identity::Uid(u) => format!("uid {u}"),
                    drydock_guard::policy::Identity::Container(n) => format!("container {n}"),
                    drydock_guard::policy::Identity::Cert(n) => format!("certificate {n}"),
                    drydock_guard::policy::Identity::Address(a) => format!("address {a}"),
                    drydock_guard::policy::Identity::Default => "everyone else".to_string(),
                };
                writeln!(
                    out,
                    "  proxy client `{}` ({who}): {} grant(s){}{}{}",
                    c.name,
                    c.grants.len(),
                    c.profile
                        .as_ref()
                        .map(|p| format!(", profile {p}"))
                        .unwrap_or_default(),
                    if c.visible.is_some() {
                        ", filtered by `visible`"
                    } else {
                        ""
                    },
                    if c.redact_env { ", env redacted" } else { "" },
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "{e}");
            Ok(ExitCode::from(1))
        }
    }
}

/// The policy file, or the default policy without one; `None` after
/// printing its errors (with their places) when it does not load.
pub(crate) fn load_policy(path: Option<&Path>) -> Option<Policy> {
    match path {
        Some(p) => match Policy::load(p) {
            Ok(p) => Some(p),
            Err(e) => {
                let _ = writeln!(anstream::stderr(), "{e}");
                None
            }
        },
        None => Some(Policy::default()),
    }
}

fn plugin(args: &PluginArgs) -> anyhow::Result<ExitCode> {
    let Some(policy) = load_policy(args.policy.as_deref()) else {
        return Ok(ExitCode::from(2));
    };
    let name = match &args.name {
        Some(n) => n.clone(),
        None => args
            .socket
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                anyhow::anyhow!("--socket {} has no file name", args.socket.display())
            })?,
    };
    let log = match &args.log {
        Some(f) => DecisionLog::file(f)
            .map_err(|e| anyhow::anyhow!("cannot open the log {}: {e}", f.display()))?,
        None => DecisionLog::stdout(),
    };
    let plugin = Arc::new(Plugin {
        guard: Guard::new(policy, &name),
        log,
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let listener = drydock_guard::plugin::bind(&args.socket)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.socket.display()))?;
        let _ = writeln!(
            anstream::stderr(),
            "drydock guard: authorization plugin `{name}` listening on {}",
            args.socket.display()
        );
        drydock_guard::plugin::serve(listener, plugin).await?;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}
