//! `drydock guard`: stops unsafe containers at the daemon. This crate is
//! the Docker authorization plugin: the daemon asks it about every API
//! request, and the same rules as `drydock scan` and `drydock audit` judge
//! container creates, under a policy (`guard.toml`) that says which
//! findings deny.
//!
//! * [`request`]: an Engine API request → what is judged (a
//!   `ContainerSpec` with API field paths as origins, an exec, a pull, a
//!   plugin operation);
//! * [`policy`]: the policy file, with positions in its errors;
//! * [`decision`]: the decision and the message the user's `docker` prints;
//! * [`plugin`]: the plugin protocol over a unix socket;
//! * [`state`]: what a running plugin or proxy shares: the guard in force
//!   (reloaded on SIGHUP), the decision [`log`] (rotated), the [`metrics`]
//!   (Prometheus) and `--fail-open`;
//! * [`proxy`]: the filtering socket proxy (`drydock guard proxy`): per-client
//!   endpoint grants, the same decisions, filtered lists, redacted inspect;
//! * [`filter`]: what a proxy client may see: filtered container, image,
//!   network and volume lists and events, refused requests about hidden
//!   objects, redacted inspect;
//! * [`coalesce`]: joins the small frames of streamed logs before the
//!   proxy forwards them;
//! * [`tls`]: the proxy's TLS listener and client-certificate names;
//! * [`sockets`]: the host's engine sockets (a bind mount of one is CTR002).

pub mod coalesce;
pub mod decision;
pub mod filter;
pub mod log;
pub mod metrics;
pub mod plugin;
pub mod policy;
pub mod proxy;
pub mod recorded;
pub mod request;
pub mod sockets;
pub mod state;
pub mod tls;

pub use decision::{Decision, Guard, Judged, Verdict};
pub use log::{DecisionLog, Rotation};
pub use metrics::Metrics;
pub use plugin::Plugin;
pub use policy::{Policy, PolicyError};
pub use proxy::Proxy;
pub use state::State;
