//! drydock's rules, the table that registers them, and the engine that runs
//! them over parsed files, applies suppressions and fixes.
//!
//! * A rule lives in one file under `src/rules/<family>/`, declared with
//!   [`declare_rule!`]; its doc comment is its documentation.
//! * [`registry::RULES`] is the one table of every rule.
//! * [`engine::lint`] parses one input, builds its specs, runs the enabled
//!   rules and applies inline suppressions; [`fix::fix`] applies fixes in
//!   rounds.

pub mod coverage;
pub mod docs;
pub mod engine;
pub mod fix;
pub mod registry;
mod rule;
pub mod rules;
pub mod settings;
pub mod suppress;

pub use engine::{Input, LintEnv, LintResult, check_built_image, check_exec, lint};
pub use registry::{RULES, all_rules, find_rule};
pub use rule::{Checker, ComposeCx, DockerfileCx, Rule};
pub use settings::Settings;
