//! Errors of the engine client. Every connection error names the address
//! that was tried.

use std::time::Duration;

/// An error talking to the engine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The address or the client configuration is unusable.
    #[error("engine configuration: {message}")]
    Config { message: String },
    /// Nothing listens at the address (no socket file, connection refused).
    #[error("cannot reach the Docker daemon at {address}: {reason}")]
    Unreachable { address: String, reason: String },
    /// The socket exists but this user may not open it.
    #[error(
        "permission denied on the Docker socket {address}: run as root or as a member of the socket's group"
    )]
    PermissionDenied { address: String },
    /// Something answered, but not with the Docker Engine API.
    #[error("{address} does not answer like a Docker Engine API: {reason}")]
    NotDocker { address: String, reason: String },
    /// No answer within the deadline.
    #[error("the Docker daemon at {address} did not answer `{call}` within {timeout:?}")]
    Timeout {
        address: String,
        call: String,
        timeout: Duration,
    },
    /// The object does not exist (any more): a container removed between
    /// list and inspect.
    #[error("{call}: no such object (removed while it was being read?)")]
    NotFound { call: String },
    /// The daemon answered with an error status.
    #[error("{call}: the daemon answered {status}: {message}")]
    Api {
        call: String,
        status: u16,
        message: String,
    },
    /// Any other transport or decoding failure.
    #[error("{call} at {address}: {reason}")]
    Other {
        address: String,
        call: String,
        reason: String,
    },
}

impl EngineError {
    /// Whether the error means the daemon as a whole cannot be used (as
    /// opposed to one object failing).
    pub fn is_connection_error(&self) -> bool {
        matches!(
            self,
            EngineError::Unreachable { .. }
                | EngineError::PermissionDenied { .. }
                | EngineError::NotDocker { .. }
                | EngineError::Timeout { .. }
                | EngineError::Config { .. }
        )
    }
}

/// The first `std::io::Error` in an error's source chain.
fn io_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a std::io::Error> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        cur = err.source();
    }
    None
}

fn chain_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(err) = cur {
        let s = err.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cur = err.source();
    }
    out
}

/// Classifies a bollard error of `call` against `address`.
pub(crate) fn classify(err: bollard::errors::Error, address: &str, call: &str) -> EngineError {
    use bollard::errors::Error as B;
    match err {
        B::SocketNotFoundError(path) => EngineError::Unreachable {
            address: address.to_string(),
            reason: format!("no socket at {path}"),
        },
        B::RequestTimeoutError => EngineError::Timeout {
            address: address.to_string(),
            call: call.to_string(),
            timeout: Duration::ZERO,
        },
        B::DockerResponseServerError {
            status_code: 404,
            message,
        } if !message.contains("page not found") => EngineError::NotFound {
            call: call.to_string(),
        },
        B::DockerResponseServerError {
            status_code,
            message,
        } => EngineError::Api {
            call: call.to_string(),
            status: status_code,
            message,
        },
        B::JsonDataError { message, .. } => EngineError::NotDocker {
            address: address.to_string(),
            reason: format!("{call}: unexpected JSON: {message}"),
        },
        B::JsonSerdeError { err } => EngineError::NotDocker {
            address: address.to_string(),
            reason: format!("{call}: not JSON: {err}"),
        },
        B::APIVersionParseError {} => EngineError::NotDocker {
            address: address.to_string(),
            reason: "the /version answer has no API version".to_string(),
        },
        other => {
            let text = chain_text(&other);
            if let Some(io) = io_error(&other) {
                match io.kind() {
                    std::io::ErrorKind::PermissionDenied => {
                        return EngineError::PermissionDenied {
                            address: address.to_string(),
                        };
                    }
                    std::io::ErrorKind::ConnectionRefused
                    | std::io::ErrorKind::NotFound
                    | std::io::ErrorKind::AddrNotAvailable
                    | std::io::ErrorKind::HostUnreachable
                    | std::io::ErrorKind::NetworkUnreachable => {
                        return EngineError::Unreachable {
                            address: address.to_string(),
                            reason: io.to_string(),
                        };
                    }
                    _ => {}
                }
            }
            if matches!(other, B::HyperResponseError { .. })
                || text.contains("invalid HTTP")
                || text.contains("parse")
                || text.contains("Parse")
            {
                return EngineError::NotDocker {
                    address: address.to_string(),
                    reason: text,
                };
            }
            // A connection that closed under a call: the daemon was
            // reached, this call failed (a daemon stopping mid-audit).
            if text.contains("connection closed") || text.contains("IncompleteMessage") {
                return EngineError::Other {
                    address: address.to_string(),
                    call: call.to_string(),
                    reason: "the daemon closed the connection before answering".to_string(),
                };
            }
            if text.contains("connect") || text.contains("Connect") {
                return EngineError::Unreachable {
                    address: address.to_string(),
                    reason: text,
                };
            }
            EngineError::Other {
                address: address.to_string(),
                call: call.to_string(),
                reason: text,
            }
        }
    }
}
