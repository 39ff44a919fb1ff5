//! Rules about a Dockerfile as a whole: its stages and the references
//! between them.

pub mod copy_from;
pub mod duplicate_stage_name;
// (structure rules)
