#!/usr/bin/env bash
# Bench of `drydock guard plugin` (issue 7 targets): decision latency for
# container creates at 1,000 requests per second (p99 < 1 ms), and with
# --soak, resident memory over 10 minutes at 500 requests per second
# (flat). Loopback only: the load generator talks to the plugin's unix
# socket as dockerd does (crates/drydock-guard/examples/authz_load.rs).
# Usage: bench/guard.sh [--soak]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p drydock --bin drydock
cargo build --release -q -p drydock-guard --example authz_load
dir=$(mktemp -d /tmp/ddk-guard-bench.XXXXXX)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
target/release/drydock guard plugin --socket "$dir/p.sock" --log "$dir/decisions.jsonl" &
pid=$!
for _ in $(seq 50); do [[ -S "$dir/p.sock" ]] && break; sleep 0.1; done
echo "== the decision alone, in process (CPU cost per container create)"
target/release/examples/authz_load --in-process 20000
echo "== warm-up: 200/s for 5 s"
target/release/examples/authz_load "$dir/p.sock" 200 5 >/dev/null
echo "== 1,000 container creates per second for 30 s (default policy, decisions logged to a file)"
target/release/examples/authz_load "$dir/p.sock" 1000 30 --rss-pid "$pid"
if [[ "${1:-}" == "--soak" ]]; then
  echo "== soak: 500 per second for 600 s"
  target/release/examples/authz_load "$dir/p.sock" 500 600 --rss-pid "$pid"
fi
echo "decision log: $(wc -l < "$dir/decisions.jsonl") lines"
