//! Running `auditctl -l` (the rules loaded in the kernel) with a timeout.

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Where the loaded audit rules come from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AuditctlMode {
    /// Run `auditctl -l` if it is installed and the audited root is `/`
    /// (the kernel's rules belong to the real host, not to another tree).
    #[default]
    Auto,
    /// Do not ask the kernel; judge the rules files only.
    Disabled,
    /// Use this text as the output of `auditctl -l` (tests, remote hosts).
    Output(String),
    /// Run this program with `-l` instead of looking up `auditctl`, whatever the root.
    Program(PathBuf),
}

/// What asking for the loaded rules gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadedRules {
    /// The output of `auditctl -l`.
    Listed(String),
    /// Not asked, with the reason (not installed, disabled, other root).
    NotAsked(String),
    /// `auditctl` exists but failed or timed out.
    Failed(String),
}

fn find_auditctl() -> Option<PathBuf> {
    let path_var = std::env::var_os("PATH").unwrap_or_default();
    let extra = ["/sbin", "/usr/sbin", "/usr/local/sbin"].map(PathBuf::from);
    std::env::split_paths(&path_var)
        .chain(extra)
        .map(|dir| dir.join("auditctl"))
        .find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Resolve the mode into loaded rules.
pub fn loaded_rules(mode: &AuditctlMode, real_root: bool, timeout: Duration) -> LoadedRules {
    match mode {
        AuditctlMode::Disabled => LoadedRules::NotAsked("auditctl disabled".to_owned()),
        AuditctlMode::Output(text) => LoadedRules::Listed(text.clone()),
        AuditctlMode::Program(bin) => run(bin, timeout),
        AuditctlMode::Auto if !real_root => {
            LoadedRules::NotAsked("auditctl not run: the audited root is not /".to_owned())
        }
        AuditctlMode::Auto => match find_auditctl() {
            None => LoadedRules::NotAsked("auditctl is not installed".to_owned()),
            Some(bin) => run(&bin, timeout),
        },
    }
}

fn run(bin: &Path, timeout: Duration) -> LoadedRules {
    let mut child = match Command::new(bin)
        .arg("-l")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return LoadedRules::Failed(format!("cannot run {}: {e}", bin.display())),
    };
    let stdout = child.stdout.take().map(|mut out| {
        thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = out.read_to_end(&mut buf);
            buf
        })
    });
    let stderr = child.stderr.take().map(|mut err| {
        thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = err.read_to_end(&mut buf);
            buf
        })
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return LoadedRules::Failed(format!(
                    "`auditctl -l` did not finish within {} ms",
                    timeout.as_millis()
                ));
            }
            Ok(None) => thread::sleep(Duration::from_millis(1)),
            Err(e) => return LoadedRules::Failed(format!("waiting for auditctl: {e}")),
        }
    };
    let out = stdout.and_then(|h| h.join().ok()).unwrap_or_default();
    let err = stderr.and_then(|h| h.join().ok()).unwrap_or_default();
    if status.success() {
        LoadedRules::Listed(String::from_utf8_lossy(&out).into_owned())
    } else {
        let msg = String::from_utf8_lossy(&err).trim().to_owned();
        LoadedRules::Failed(format!(
            "`auditctl -l` failed ({status}){}",
            if msg.is_empty() {
                String::new()
            } else {
                format!(": {msg}")
            }
        ))
    }
}
