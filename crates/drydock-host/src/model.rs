//! The result model lives in `drydock-core` (shared with the audit
//! command); re-exported here so the host checks keep their API.

pub use drydock_core::audit::{CheckResult, ResultOrigin, Status, Target};
