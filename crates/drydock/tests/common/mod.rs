//! Helpers shared by the CLI's integration tests.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

/// Runs the `drydock` binary in `dir`, without colour and without the
/// caller's `DOCKER_HOST`, with a timeout so that a hang fails the test.
pub fn drydock(dir: &Path, args: &[&str]) -> Output {
    #[allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
    Command::cargo_bin("drydock")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("DOCKER_HOST")
        .args(args)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap()
}
