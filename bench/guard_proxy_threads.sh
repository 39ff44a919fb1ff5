#!/usr/bin/env bash
# GET /containers/json (100 containers) directly and through two proxies
# side by side, one with --io-threads 1 (the default) and one with 2;
# three rounds of 1,000 requests each, alternated. Needs root and dockerd,
# like bench/guard_proxy.sh.
# Usage: bench/guard_proxy_threads.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p drydock --bin drydock
cargo build --release -q -p drydock-guard --example http_get
BIN=$PWD/target/release
dir=$(mktemp -d /tmp/ddlt.XXXXXX)
cleanup() { kill $p1 $p2 2>/dev/null || true; [[ -f "$dir/d.pid" ]] && kill "$(cat "$dir/d.pid")" 2>/dev/null || true; sleep 2; umount -R "$dir/data" 2>/dev/null || true; rm -rf "$dir" 2>/dev/null || true; }
p1=; p2=; trap cleanup EXIT
dockerd --host "unix://$dir/d.sock" --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/d.pid" --bridge=none --iptables=false --ip6tables=false >"$dir/dockerd.log" 2>&1 &
for _ in $(seq 100); do [[ -S "$dir/d.sock" ]] && docker -H "unix://$dir/d.sock" version >/dev/null 2>&1 && break; sleep 0.2; done
D="docker -H unix://$dir/d.sock"
mkdir -p "$dir/rootfs/bin"; cp "$(command -v busybox)" "$dir/rootfs/bin/busybox"
tar -C "$dir/rootfs" -c . | $D import --change 'CMD ["/bin/sh"]' - bench/busybox:1 >/dev/null
for i in $(seq 100); do $D create --name "c$i" --label "bench=1" --label "index=$i" --network none bench/busybox:1 true >/dev/null; done
printf '[[proxy.clients]]\nname = "admin"\nuid = 0\ngrants = ["* /**"]\n' >"$dir/guard.toml"
$BIN/drydock guard proxy --io-threads 1 --listen "unix://$dir/p1.sock" --upstream "unix://$dir/d.sock" --policy "$dir/guard.toml" --log "$dir/l1" 2>/dev/null & p1=$!
$BIN/drydock guard proxy --io-threads 2 --listen "unix://$dir/p2.sock" --upstream "unix://$dir/d.sock" --policy "$dir/guard.toml" --log "$dir/l2" 2>/dev/null & p2=$!
sleep 1
for round in 1 2 3; do
  for s in d p1 p2; do echo -n "$s: "; $BIN/examples/http_get "$dir/$s.sock" "/v1.41/containers/json?all=1" 1000; done
done
