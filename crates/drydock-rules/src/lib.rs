//! drydock's rules, their registry, and the engine that runs them, applies suppressions and fixes.
