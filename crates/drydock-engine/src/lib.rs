//! The Docker Engine API client of drydock: where the engine is
//! ([`EngineAddress`]), a connection with API version negotiation and a
//! deadline on every call ([`Engine`]), reading everything an audit needs
//! concurrently and once ([`Engine::snapshot`]), and the conversion of live
//! objects into the specs that rules judge ([`convert`]; exec requests and
//! live exec instances in [`exec`]).

mod address;
mod client;
pub mod convert;
mod error;
pub mod exec;
mod fetch;

pub use address::{
    AddressSource, DEFAULT_SOCKET, EngineAddress, PODMAN_CONTEXT, TlsMaterial, Transport,
    context_id, parse_host,
};
pub use client::{Engine, Timeouts, parse_api_version};
pub use error::EngineError;
pub use fetch::{FetchOptions, Progress, Snapshot, SwarmData, Target, is_active_manager};

/// Re-exported so that callers (and tests) name the same bollard.
pub use bollard;
