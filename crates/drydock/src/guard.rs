//! `drydock guard`: the authorization plugin (`guard plugin`) and the
//! policy check (`guard check`).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;
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
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "{e}");
            Ok(ExitCode::from(1))
        }
    }
}

fn plugin(args: &PluginArgs) -> anyhow::Result<ExitCode> {
    let policy = match &args.policy {
        Some(p) => match Policy::load(p) {
            Ok(p) => p,
            Err(e) => {
                let _ = writeln!(anstream::stderr(), "{e}");
                return Ok(ExitCode::from(2));
            }
        },
        None => Policy::default(),
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
