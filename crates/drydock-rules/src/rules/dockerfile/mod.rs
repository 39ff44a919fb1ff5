//! Rules about a Dockerfile as a whole: its stages and the references
//! between them.

pub mod copy_from;
pub mod duplicate_stage_name;
pub mod from_platform;
pub mod multiple_instructions;
pub mod reserved_stage_name;
pub mod stage_casing;
pub mod undefined_arg_in_from;
// (structure rules)
pub mod bad_onbuild_trigger;
pub mod instruction_before_from;
