//! Time to list and inspect many containers (created, not started) on a
//! private daemon. 20 containers run in every test run with a generous
//! bound; 100 and 500 with `--ignored`:
//!
//! ```text
//! cargo test -p drydock-engine --release --test scale -- --ignored --nocapture
//! ```
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use drydock_testkit as support;

use std::time::{Duration, Instant};

use drydock_engine::FetchOptions;
use drydock_engine::bollard::models::{ContainerCreateBody, HostConfig};
use drydock_engine::convert::container_spec;
use futures_util::stream::{self, StreamExt};

async fn measure(counts: &[usize]) {
    let Some(d) = support::daemon(None) else {
        return;
    };
    eprintln!("daemon start: {:?}", d.started_in);
    let e = d.connect().await;
    support::import_test_image(&e).await;
    let mut created = 0;
    for &n in counts {
        let t0 = Instant::now();
        let e2 = &e;
        stream::iter(created..n)
            .for_each_concurrent(8, |i| async move {
                let body = ContainerCreateBody {
                    host_config: Some(HostConfig {
                        privileged: Some(i % 2 == 0),
                        binds: Some(vec!["/etc:/host/etc:ro".into()]),
                        ..HostConfig::default()
                    }),
                    ..ContainerCreateBody::default()
                };
                support::create(e2, &format!("c{i:04}"), body).await;
            })
            .await;
        created = n;
        let create_time = t0.elapsed();
        for jobs in [1, 8, 32] {
            let t0 = Instant::now();
            let opts = FetchOptions {
                jobs,
                ..FetchOptions::default()
            };
            let snap = e.snapshot(opts).await.expect("snapshot");
            let fetched = t0.elapsed();
            let containers = snap.containers.expect("list");
            let t1 = Instant::now();
            let specs: Vec<_> = containers
                .iter()
                .filter_map(|t| t.result.as_ref().ok())
                .map(|ci| container_spec(ci, None))
                .collect();
            let converted = t1.elapsed();
            assert_eq!(specs.len(), n);
            eprintln!(
                "{n} containers (created in {create_time:?}): snapshot (info + list + {n} inspects + images + networks) with jobs={jobs}: {fetched:?}; conversion: {converted:?}"
            );
            if n <= 20 {
                assert!(fetched < Duration::from_secs(10), "{fetched:?}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_and_inspect_20_containers() {
    measure(&[20]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow: run with --ignored to measure"]
async fn list_and_inspect_100_and_500_containers() {
    measure(&[20, 100, 500]).await;
}
