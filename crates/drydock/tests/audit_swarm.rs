//! `drydock audit` on a live Swarm manager (issue 4, CIS section 7 and
//! 5.1): a private daemon initialises a single-node Swarm on loopback,
//! with an unencrypted and an encrypted overlay network and a secret; the
//! JSON and docker-bench reports are checked, then auto-lock is switched
//! on and 7.5 passes.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use drydock_testkit as support;

use std::process::Output;
use std::time::Instant;

use drydock_engine::Engine;
use drydock_engine::bollard::models::{SecretSpec, SwarmSpecEncryptionConfig};
use drydock_engine::bollard::query_parameters::UpdateSwarmOptions;
use serde_json::Value;

mod common;

fn drydock_audit(host: &str, args: &[&str]) -> Output {
    let (o, took) = common::drydock_audit(host, args);
    let err = String::from_utf8_lossy(&o.stderr);
    eprintln!("audit {args:?}: exit {:?} in {took:?}", o.status.code());
    assert!(matches!(o.status.code(), Some(0 | 1)), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    o
}

fn report(host: &str, format: &str) -> Value {
    let o = drydock_audit(host, &["--format", format]);
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)))
}

fn daemon_result<'a>(v: &'a Value, id: &str) -> &'a Value {
    let all: Vec<&Value> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["rule"] == id && r["target"]["kind"] == "daemon")
        .collect();
    assert_eq!(all.len(), 1, "{id}: {all:?}");
    all[0]
}

fn status<'a>(v: &'a Value, id: &str) -> &'a str {
    daemon_result(v, id)["status"].as_str().unwrap()
}

fn message<'a>(v: &'a Value, id: &str) -> &'a str {
    daemon_result(v, id)["message"].as_str().unwrap()
}

/// The docker-bench entry of a check.
fn bench_entry<'a>(v: &'a Value, id: &str) -> &'a Value {
    let section = id.split('.').next().unwrap();
    v["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == section)
        .unwrap_or_else(|| panic!("no section {section}"))["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no docker-bench entry {id}"))
}

async fn set_autolock(e: &Engine, on: bool) {
    let swarm = e.docker().inspect_swarm().await.unwrap();
    let mut spec = swarm.spec.unwrap();
    spec.encryption_config = Some(SwarmSpecEncryptionConfig {
        auto_lock_managers: Some(on),
    });
    let version = swarm.version.unwrap().index.unwrap() as i64;
    e.docker()
        .update_swarm(
            spec,
            UpdateSwarmOptions {
                version,
                ..UpdateSwarmOptions::default()
            },
        )
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swarm_manager_audit() {
    let Some(d) = support::daemon(None) else {
        return;
    };
    let e = d.connect().await;
    let host = format!("unix://{}", d.socket.display());

    // Not a Swarm node yet: section 7 is not applicable, 5.1 passes.
    let v = report(&host, "json");
    assert_eq!(status(&v, "5.1"), "pass");
    for id in ["7.1", "7.3", "7.4", "7.5"] {
        assert_eq!(status(&v, id), "not_applicable", "{id}");
    }

    let t0 = Instant::now();
    if let Err(err) = support::init_swarm(&e).await {
        support::skip(&format!("swarm init failed on this machine: {err}"));
        return;
    }
    eprintln!("swarm init in {:?}", t0.elapsed());
    // With `--bridge=none --iptables=false` (the testkit's default flags).
    for (name, encrypted) in [("ovl-sealed", true), ("ovl-plain", false)] {
        support::overlay_network(&e, name, encrypted).await;
    }
    e.docker()
        .create_secret(SecretSpec {
            name: Some("db-password".to_string()),
            // base64 of "s3cr3t"
            data: Some("czNjcjN0".to_string()),
            ..SecretSpec::default()
        })
        .await
        .unwrap();

    let v = report(&host, "json");
    assert_eq!(status(&v, "5.1"), "fail", "{}", daemon_result(&v, "5.1"));
    assert_eq!(status(&v, "7.1"), "info");
    assert!(
        message(&v, "7.1").starts_with("1 manager node(s) of 1"),
        "{}",
        message(&v, "7.1")
    );
    // Swarm's own `ingress` overlay network is unencrypted too.
    assert_eq!(status(&v, "7.3"), "fail");
    // (In the order the API lists the networks.)
    let mut named: Vec<&str> = message(&v, "7.3")
        .rsplit_once(": ")
        .unwrap()
        .1
        .split(", ")
        .collect();
    named.sort_unstable();
    assert_eq!(named, ["ingress", "ovl-plain"], "{}", message(&v, "7.3"));
    assert_eq!(status(&v, "7.4"), "pass", "{}", message(&v, "7.4"));
    assert!(message(&v, "7.4").starts_with("1 Swarm secret"));
    assert_eq!(status(&v, "7.5"), "fail");
    assert_eq!(
        daemon_result(&v, "7.5")["origin"],
        "api:Swarm.Spec.EncryptionConfig.AutoLockManagers"
    );
    for id in ["7.2", "7.6", "7.7", "7.8", "7.9"] {
        assert_eq!(status(&v, id), "manual", "{id}");
    }

    let b = report(&host, "docker-bench");
    assert_eq!(bench_entry(&b, "5.1")["result"], "WARN");
    assert_eq!(bench_entry(&b, "7.1")["result"], "INFO");
    let e73 = bench_entry(&b, "7.3");
    assert_eq!(e73["result"], "WARN");
    let details = e73["details"].as_str().unwrap();
    assert!(
        details.contains("ovl-plain") && !details.contains("ovl-sealed"),
        "{e73}"
    );
    assert_eq!(bench_entry(&b, "7.4")["result"], "PASS");
    assert_eq!(bench_entry(&b, "7.5")["result"], "WARN");
    assert_eq!(bench_entry(&b, "7.6")["result"], "NOTE");

    set_autolock(&e, true).await;
    let v = report(&host, "json");
    assert_eq!(status(&v, "7.5"), "pass", "{}", message(&v, "7.5"));
    assert_eq!(status(&v, "7.3"), "fail");
    let b = report(&host, "docker-bench");
    assert_eq!(bench_entry(&b, "7.5")["result"], "PASS");

    // (The daemon of an active manager takes ~5 s to stop; leaving the
    // swarm first takes as long.)
}
