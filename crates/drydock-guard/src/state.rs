//! What the plugin and the proxy share while they run: the guard in
//! force (replaced whole on reload), the decision log, the metrics and
//! `--fail-open`.
//!
//! **Reload** (`SIGHUP`): the policy file is read and checked again; when
//! it is valid, a new [`Guard`] replaces the old one for every request that
//! starts afterwards, while requests under way finish with the guard they
//! started with. Open connections stay open (`docker events`,
//! `docker logs -f`, attach sessions through the proxy). When the file has
//! errors, they are printed with `file:line:col`, logged, counted, and the
//! running policy stays. Reloads are serialised: two at once cannot leave
//! a mix of both.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use serde_json::json;

use crate::decision::{Decision, Guard};
use crate::log::DecisionLog;
use crate::metrics::{Metrics, Outcome};
use crate::plugin::now_rfc3339;
use crate::policy::Policy;

/// The guard, the log and the metrics of a running plugin or proxy.
pub struct State {
    guard: RwLock<Arc<Guard>>,
    pub log: DecisionLog,
    pub metrics: Option<Arc<Metrics>>,
    /// Allow what cannot be judged (loudly) instead of denying it.
    pub fail_open: bool,
    /// The policy file reloads read; `None`: the default policy.
    policy_path: Option<PathBuf>,
    /// The authorization plugin's name (self-protection).
    plugin_name: String,
    /// `/proc`, or another root in tests.
    proc_root: String,
    reloading: Mutex<()>,
}

impl State {
    pub fn new(
        policy: Policy,
        policy_path: Option<PathBuf>,
        plugin_name: &str,
        log: DecisionLog,
    ) -> State {
        State::with_proc(policy, policy_path, plugin_name, log, "/proc")
    }

    /// With another `/proc` (tests).
    pub fn with_proc(
        policy: Policy,
        policy_path: Option<PathBuf>,
        plugin_name: &str,
        log: DecisionLog,
        proc_root: &str,
    ) -> State {
        State {
            guard: RwLock::new(Arc::new(Guard::with_proc(policy, plugin_name, proc_root))),
            log,
            metrics: None,
            fail_open: false,
            policy_path,
            plugin_name: plugin_name.to_string(),
            proc_root: proc_root.to_string(),
            reloading: Mutex::new(()),
        }
    }

    pub fn with_metrics(mut self, m: Arc<Metrics>) -> State {
        self.metrics = Some(m);
        self
    }

    pub fn with_fail_open(mut self, on: bool) -> State {
        self.fail_open = on;
        self
    }

    /// The guard in force now; a request keeps it until it is answered.
    pub fn guard(&self) -> Arc<Guard> {
        match self.guard.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Reads the policy file again and, when it is valid, puts it in
    /// force; reopens the log file (for logrotate). `Err`: the file's
    /// errors (the running policy stays).
    pub fn reload(&self) -> Result<(), String> {
        let _one_at_a_time = match self.reloading.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if let Err(e) = self.log.reopen() {
            eprintln!("drydock guard: reload: cannot reopen the decision log: {e}");
        }
        let file = self.policy_path.as_ref().map(|p| p.display().to_string());
        let loaded = match &self.policy_path {
            Some(p) => Policy::load(p),
            None => Ok(Policy::default()),
        };
        let result = loaded.map(|policy| {
            let g = Arc::new(Guard::with_proc(policy, &self.plugin_name, &self.proc_root));
            match self.guard.write() {
                Ok(mut w) => *w = g,
                Err(p) => *p.into_inner() = g,
            }
        });
        if let Some(m) = &self.metrics {
            m.reload(result.is_ok());
        }
        let mut line = json!({
            "time": now_rfc3339(),
            "event": "reload",
            "policy": file,
            "ok": result.is_ok(),
        });
        if let Err(e) = &result {
            line["errors"] = json!(e);
        }
        self.log.write(&line);
        result
    }

    /// Applies `--fail-open` to a decision and counts it: a request that
    /// could not be judged is allowed, with a warning on stderr and
    /// `fail_open` in the log line. Returns the outcome.
    pub fn settle(&self, mode: &'static str, d: &mut Decision, took: Duration) -> Outcome {
        let outcome = if d.allow {
            Outcome::Allow
        } else if d.is_unjudged() {
            if self.fail_open {
                eprintln!(
                    "drydock guard: WARNING: --fail-open: allowed a request that could not be judged: {}",
                    d.message
                );
                d.allow = true;
                Outcome::FailOpen
            } else {
                Outcome::Unjudged
            }
        } else {
            Outcome::Deny
        };
        if let Some(m) = &self.metrics {
            m.decision(mode, d, outcome, took);
        }
        outcome
    }
}

/// Reloads on every SIGHUP until the process ends, printing what happened
/// on stderr.
pub async fn reload_on_sighup(state: Arc<State>) -> std::io::Result<()> {
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    while hup.recv().await.is_some() {
        let st = state.clone();
        let res = tokio::task::spawn_blocking(move || st.reload()).await;
        match res {
            Ok(Ok(())) => eprintln!("drydock guard: SIGHUP: policy reloaded"),
            Ok(Err(e)) => eprintln!("drydock guard: SIGHUP: the policy was not reloaded:\n{e}"),
            Err(e) => eprintln!("drydock guard: SIGHUP: the reload failed: {e}"),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reload_replaces_a_valid_policy_and_keeps_the_old_on_errors() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("guard.toml");
        std::fs::write(&p, "[exec]\nprivileged = \"deny\"\n").unwrap();
        let metrics = Arc::new(Metrics::new());
        let st = State::with_proc(
            Policy::load(&p).unwrap(),
            Some(p.clone()),
            "g",
            DecisionLog::to_writer(Box::new(std::io::sink())),
            "/nonexistent",
        )
        .with_metrics(metrics.clone());
        let exec = br#"{"Privileged":true,"Cmd":["sh"]}"#;
        let before = st.guard();
        assert!(!before.decide("POST", "/containers/c/exec", exec).allow);

        std::fs::write(&p, "[exec]\nprivileged = \"allow\"\n").unwrap();
        st.reload().unwrap();
        assert!(st.guard().decide("POST", "/containers/c/exec", exec).allow);
        // A request that started before keeps its guard.
        assert!(!before.decide("POST", "/containers/c/exec", exec).allow);

        std::fs::write(&p, "[exec]\nprivileged = \"maybe\"\n").unwrap();
        let e = st.reload().unwrap_err();
        assert!(e.contains("guard.toml:2:"), "{e}");
        assert!(st.guard().decide("POST", "/containers/c/exec", exec).allow);
        let text = metrics.encode();
        assert!(
            text.contains(r#"policy_reloads_total{result="ok"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"policy_reloads_total{result="error"} 1"#),
            "{text}"
        );
    }

    #[test]
    fn concurrent_reloads_leave_one_whole_policy() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("guard.toml");
        std::fs::write(&p, "[exec]\nprivileged = \"allow\"\n").unwrap();
        let st = Arc::new(State::with_proc(
            Policy::default(),
            Some(p.clone()),
            "g",
            DecisionLog::to_writer(Box::new(std::io::sink())),
            "/nonexistent",
        ));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let st = st.clone();
                std::thread::spawn(move || st.reload())
            })
            .collect();
        for t in threads {
            assert!(t.join().unwrap().is_ok());
        }
        let exec = br#"{"Privileged":true,"Cmd":["sh"]}"#;
        assert!(st.guard().decide("POST", "/containers/c/exec", exec).allow);
    }

    #[test]
    fn fail_open_allows_only_what_cannot_be_judged() {
        let st = State::with_proc(
            Policy::default(),
            None,
            "g",
            DecisionLog::to_writer(Box::new(std::io::sink())),
            "/nonexistent",
        )
        .with_fail_open(true);
        let g = st.guard();
        let mut unjudged = g.decide("POST", "/containers/create", b"not json");
        assert_eq!(
            st.settle("plugin", &mut unjudged, Duration::ZERO),
            Outcome::FailOpen
        );
        assert!(unjudged.allow);
        let mut denied = g.decide(
            "POST",
            "/containers/create",
            br#"{"Image":"busybox","HostConfig":{"Privileged":true}}"#,
        );
        assert_eq!(
            st.settle("plugin", &mut denied, Duration::ZERO),
            Outcome::Deny
        );
        assert!(!denied.allow);
    }
}
