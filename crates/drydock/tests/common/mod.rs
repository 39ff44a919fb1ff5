//! Helpers shared by the CLI's integration tests.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

/// Runs the `drydock` binary in `dir`, without colour and without the
/// caller's `DOCKER_HOST`, with a timeout so that a hang fails the test.
#[allow(dead_code)] // not every test file runs it
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

/// Runs `drydock audit --host HOST ARGS` without colour and without the
/// caller's Docker environment (`DOCKER_HOST`, context, TLS), with a
/// timeout; returns the output and how long it took.
#[allow(dead_code)] // not every test file audits
pub fn drydock_audit(host: &str, args: &[&str]) -> (Output, std::time::Duration) {
    let t0 = std::time::Instant::now();
    #[allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
    let o = Command::cargo_bin("drydock")
        .unwrap()
        .env("NO_COLOR", "1")
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .env_remove("DOCKER_TLS_VERIFY")
        .env_remove("DOCKER_CERT_PATH")
        .arg("audit")
        .arg("--host")
        .arg(host)
        .args(args)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    (o, t0.elapsed())
}
