//! Vulnerability data for `drydock image --vulns`.
//!
//! * [`osv`]: the OSV record model (our own, tolerant: unknown ecosystems
//!   and fields, `affected` entries without a package, are kept or skipped,
//!   never fatal) and the evaluation of `ranges` and `versions` with each
//!   ecosystem's own version order ([`drydock_version`]).

pub mod cvss;
pub mod exceptions;
pub mod index;
pub mod matcher;
pub mod osv;
pub mod store;
