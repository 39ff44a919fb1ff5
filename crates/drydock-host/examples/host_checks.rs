//! Run every host check over a root (default `/`) and print the results
//! and the wall time: `cargo run --release -p drydock-host --example host_checks [ROOT]`.

use std::time::Instant;

use drydock_host::{HostOptions, run_host_checks};

fn main() {
    let mut opts = HostOptions::default();
    if let Some(root) = std::env::args_os().nth(1) {
        opts.root = root.into();
    }
    let start = Instant::now();
    let results = run_host_checks(&opts);
    let elapsed = start.elapsed();
    for r in &results {
        println!(
            "{:<15} {:<8} {:<14} {}",
            r.check,
            r.target,
            r.status.as_str(),
            r.message
        );
        if let Some(e) = &r.evidence {
            println!("{:40}evidence: {e}", "");
        }
    }
    // A second run shows the steady-state cost (warm page cache, rayon pool up).
    let start2 = Instant::now();
    let again = run_host_checks(&opts);
    let elapsed2 = start2.elapsed();
    println!(
        "{} checks in {:.2} ms (second run: {} checks in {:.2} ms)",
        results.len(),
        elapsed.as_secs_f64() * 1000.0,
        again.len(),
        elapsed2.as_secs_f64() * 1000.0
    );
}
