//! Every rule, one file per rule (or per small family), grouped by the spec
//! or file they judge. See `registry.rs` for the table.

pub mod compose;
pub mod container;
pub mod daemon;
pub mod dockerfile;
pub mod image;
pub mod meta;
pub mod script_syntax;
pub mod secrets;
pub mod syntax;
pub(crate) mod util;
pub mod vulns;
