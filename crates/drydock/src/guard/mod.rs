//! `drydock guard`: the authorization plugin (`guard plugin`), the
//! filtering socket proxy (`guard proxy`), the policy check
//! (`guard check`) and the decision on a recorded request
//! (`guard explain`).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;

mod proxy;
use drydock_guard::{DecisionLog, Guard, Metrics, Plugin, Policy, Rotation, State};

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
    /// Show the decision a policy gives on a recorded request: exit 0 allowed, 1 denied.
    Explain(ExplainArgs),
}

#[derive(clap::Args, Debug)]
struct ExplainArgs {
    /// The policy file (guard.toml).
    policy: PathBuf,
    /// The request: the daemon's AuthZReq message, `{"method", "uri", "body"}`, or a raw HTTP request.
    #[arg(long, value_name = "FILE")]
    request: PathBuf,
    /// `text` or `json` (the decision as the log writes it).
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    format: ExplainFormat,
    /// The authorization plugin's name (self-protection).
    #[arg(long, default_value = "drydock-guard")]
    name: String,
    /// Who sent the request, for `[[exceptions]] client`: a proxy client
    /// entry's name, or the user the daemon authenticated.
    #[arg(long, value_name = "NAME")]
    client: Option<String>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ExplainFormat {
    Text,
    Json,
}

/// What the plugin and the proxy share on the command line: the log,
/// metrics, fail-open.
#[derive(clap::Args, Debug)]
pub(crate) struct RunArgs {
    /// Append one JSON line per decision to this file instead of stdout (reopened on SIGHUP).
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
    /// Rotate the log file before it grows over SIZE (`100M`, `1G`): FILE.1, FILE.2, …
    #[arg(long, value_name = "SIZE", requires = "log")]
    log_max_size: Option<String>,
    /// How many rotated log files --log-max-size keeps.
    #[arg(long, value_name = "N", default_value_t = 5)]
    log_keep: u32,
    /// Serve Prometheus metrics (GET /metrics) on this TCP address, e.g. `127.0.0.1:9323` (port 0: any free port).
    #[arg(long, value_name = "ADDR")]
    metrics: Option<String>,
    /// Allow the requests that cannot be judged instead of denying them; each one is warned about and logged with `fail_open`.
    #[arg(long)]
    fail_open: bool,
}

impl RunArgs {
    /// The running state: the guard, the log, metrics and fail-open.
    pub(crate) fn state(
        &self,
        policy: Policy,
        policy_path: Option<&Path>,
        name: &str,
    ) -> anyhow::Result<Arc<State>> {
        let rotation = match &self.log_max_size {
            Some(s) => Some(Rotation {
                max_bytes: drydock_guard::log::parse_size(s)
                    .map_err(|e| anyhow::anyhow!("--log-max-size {e}"))?,
                keep: self.log_keep,
            }),
            None => None,
        };
        let log = match &self.log {
            Some(f) => DecisionLog::rotating(f, rotation)
                .map_err(|e| anyhow::anyhow!("cannot open the log {}: {e}", f.display()))?,
            None => DecisionLog::stdout(),
        };
        let mut state = State::new(policy, policy_path.map(Path::to_path_buf), name, log)
            .with_fail_open(self.fail_open);
        if self.metrics.is_some() {
            state = state.with_metrics(Arc::new(Metrics::new()));
        }
        if self.fail_open {
            let _ = writeln!(
                anstream::stderr(),
                "drydock guard: WARNING: --fail-open: requests that cannot be judged will be ALLOWED (each is logged with \"fail_open\": true). The guard no longer fails closed."
            );
        }
        Ok(Arc::new(state))
    }

    /// Starts what runs beside the server: the SIGHUP reload and the
    /// metrics endpoint. Inside the runtime.
    pub(crate) async fn start_beside(&self, state: &Arc<State>) -> anyhow::Result<()> {
        let st = state.clone();
        tokio::spawn(async move {
            if let Err(e) = drydock_guard::state::reload_on_sighup(st).await {
                eprintln!("drydock guard: cannot handle SIGHUP (no reload): {e}");
            }
        });
        if let (Some(addr), Some(m)) = (&self.metrics, &state.metrics) {
            let listener = tokio::net::TcpListener::bind(addr.as_str())
                .await
                .map_err(|e| anyhow::anyhow!("--metrics {addr}: cannot listen: {e}"))?;
            let local = listener.local_addr()?;
            let _ = writeln!(
                anstream::stderr(),
                "drydock guard: metrics on http://{local}/metrics"
            );
            tokio::spawn(drydock_guard::metrics::serve(listener, m.clone()));
        }
        Ok(())
    }
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
    #[command(flatten)]
    run: RunArgs,
}

pub fn run(args: &GuardArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        GuardCommand::Check { policy } => check(policy),
        GuardCommand::Plugin(p) => plugin(p),
        GuardCommand::Proxy(p) => proxy::run(p),
        GuardCommand::Explain(a) => explain(a),
    }
}

fn check(path: &Path) -> anyhow::Result<ExitCode> {
    match Policy::load(path) {
        Ok(p) => {
            let mut out = anstream::stdout().lock();
            writeln!(
                out,
                "{}: ok ({} deny selector(s), {} log selector(s), {} exception(s), {}; exec: privileged {}, root {}; plugin privileges {}; remote build context {})",
                path.display(),
                p.deny.len(),
                p.log.len(),
                p.exceptions.len(),
                if p.registries.is_empty() {
                    "any registry".to_string()
                } else {
                    format!("registries: {}", p.registries.join(", "))
                },
                action(p.exec_privileged),
                action(p.exec_root),
                action(p.plugin_privileges),
                action(p.build_remote_context),
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
                    {
                        let filters: Vec<&str> = [
                            ("`visible`", c.visible.is_some()),
                            ("`visible-images`", c.visible_images.is_some()),
                            ("`visible-networks`", c.visible_networks.is_some()),
                            ("`visible-volumes`", c.visible_volumes.is_some()),
                        ]
                        .into_iter()
                        .filter_map(|(k, on)| on.then_some(k))
                        .collect();
                        if filters.is_empty() {
                            String::new()
                        } else {
                            format!(", filtered by {}", filters.join(", "))
                        }
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

fn action(a: drydock_guard::policy::ExecAction) -> &'static str {
    match a {
        drydock_guard::policy::ExecAction::Deny => "denied",
        drydock_guard::policy::ExecAction::Log => "logged",
        drydock_guard::policy::ExecAction::Allow => "allowed",
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
    let state = args.run.state(policy, args.policy.as_deref(), &name)?;
    let plugin = Arc::new(Plugin {
        state: state.clone(),
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let listener = drydock_guard::plugin::bind(&args.socket)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.socket.display()))?;
        args.run.start_beside(&state).await?;
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

fn explain(args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let Some(policy) = load_policy(Some(&args.policy)) else {
        return Ok(ExitCode::from(2));
    };
    let raw = std::fs::read(&args.request)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", args.request.display()))?;
    let req = drydock_guard::recorded::parse(&raw)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.request.display()))?;
    let guard = Guard::new(policy, &args.name);
    let d = guard.decide_for(args.client.as_deref(), &req.method, &req.uri, &req.body);
    let mut out = anstream::stdout().lock();
    match args.format {
        ExplainFormat::Json => {
            let mut v = serde_json::json!({
                "method": req.method,
                "uri": req.uri,
                "allow": d.allow,
                "rules": d.rules_fired(),
                "findings": drydock_guard::plugin::findings_json(&d),
            });
            if !d.allow {
                v["message"] = serde_json::json!(d.message);
            }
            writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        }
        ExplainFormat::Text => {
            let verdict = if d.allow {
                "allowed"
            } else if d.is_unjudged() {
                "denied: it cannot be judged"
            } else {
                "denied"
            };
            writeln!(
                out,
                "{} {} under {}: {verdict}",
                req.method,
                req.uri,
                args.policy.display()
            )?;
            for f in &d.findings {
                let what = match (&f.path, &f.value) {
                    (p, _) if p.is_empty() => "the request".to_string(),
                    (p, Some(v)) => format!("{p} = {v}"),
                    (p, None) => p.clone(),
                };
                let sev = f.severity.map(|s| format!(", {s}")).unwrap_or_default();
                writeln!(
                    out,
                    "  {:<8} {} ({}{sev}): {what}",
                    f.verdict.as_str(),
                    f.rule,
                    f.name
                )?;
                writeln!(out, "           {}", f.message)?;
                if let drydock_guard::Verdict::Excepted(reason) = &f.verdict {
                    writeln!(out, "           exception: {reason}")?;
                }
            }
            if d.findings.is_empty() {
                writeln!(out, "  no findings")?;
            }
            if !d.allow {
                writeln!(
                    out,
                    "what `docker` prints:\n  {}",
                    d.message.replace('\n', "\n  ")
                )?;
            }
        }
    }
    Ok(if d.allow {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
