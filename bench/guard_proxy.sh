#!/usr/bin/env bash
# Bench of `drydock guard proxy` (issue 7 targets), on a private dockerd
# (needs root, dockerd and a static busybox, as the tests do):
#  * GET /containers/json?all=1 with 100 containers, through the proxy and
#    directly: added latency at p50 and p99 (< 10%);
#  * `docker logs` of a container that wrote 1 GB, through the proxy and
#    directly: throughput (within 10%).
# Usage: bench/guard_proxy.sh [LOG_MB]   (default 1024)
set -euo pipefail
cd "$(dirname "$0")/.."
LOG_MB=${1:-1024}
cargo build --release -q -p drydock --bin drydock
cargo build --release -q -p drydock-guard --example http_get
bin=$PWD/target/release
dir=$(mktemp -d /tmp/ddkb.XXXXXX)
cleanup() {
  kill "$proxy" 2>/dev/null || true
  [[ -f "$dir/d.pid" ]] && kill "$(cat "$dir/d.pid")" 2>/dev/null || true
  sleep 2
  umount -R "$dir/data" 2>/dev/null || true
  rm -rf "$dir" 2>/dev/null || true
}
proxy=
trap cleanup EXIT
dockerd --host "unix://$dir/d.sock" --data-root "$dir/data" --exec-root "$dir/exec" \
  --pidfile "$dir/d.pid" --bridge=none --iptables=false --ip6tables=false >"$dir/dockerd.log" 2>&1 &
for _ in $(seq 100); do [[ -S "$dir/d.sock" ]] && docker -H "unix://$dir/d.sock" version >/dev/null 2>&1 && break; sleep 0.2; done
D="docker -H unix://$dir/d.sock"
mkdir -p "$dir/rootfs/bin"
cp "$(command -v busybox)" "$dir/rootfs/bin/busybox"
for a in sh yes head cat true; do ln -s busybox "$dir/rootfs/bin/$a"; done
tar -C "$dir/rootfs" -c . | $D import --change 'CMD ["/bin/sh"]' - bench/busybox:1 >/dev/null
echo "== creating 100 containers"
for i in $(seq 100); do
  $D create --name "c$i" --label "bench=1" --label "index=$i" --network none bench/busybox:1 true >/dev/null
done
cat >"$dir/guard.toml" <<'TOML'
[[proxy.clients]]
name = "admin"
uid = 0
grants = ["* /**"]
TOML
"$bin/drydock" guard proxy --listen "unix://$dir/p.sock" --upstream "unix://$dir/d.sock" \
  --policy "$dir/guard.toml" --log "$dir/decisions.jsonl" 2>"$dir/proxy.err" &
proxy=$!
for _ in $(seq 50); do [[ -S "$dir/p.sock" ]] && break; sleep 0.1; done
echo "== GET /containers/json?all=1, 100 containers, 2000 requests each way (alternated twice)"
for round in 1 2; do
  echo -n "direct: "; "$bin/examples/http_get" "$dir/d.sock" "/v1.41/containers/json?all=1" 2000
  echo -n "proxy:  "; "$bin/examples/http_get" "$dir/p.sock" "/v1.41/containers/json?all=1" 2000
done
echo "== docker logs of ${LOG_MB} MB"
$D run --name logger --network none --log-driver json-file bench/busybox:1 \
  sh -c "yes 'drydock guard proxy throughput line, 64 bytes of text, padded......' | head -c ${LOG_MB}m" >/dev/null
# CPU seconds (user + system) a process has used so far.
cpu() { awk '{ printf "%.2f", ($14 + $15) / 100 }' "/proc/$1/stat"; }
dpid=$(cat "$dir/d.pid")
for round in 1 2; do
  for via in d p; do
    p0=$(cpu "$proxy"); d0=$(cpu "$dpid"); t0=$(date +%s.%N)
    bytes=$(docker -H "unix://$dir/$via.sock" logs logger | wc -c)
    t1=$(date +%s.%N); p1=$(cpu "$proxy"); d1=$(cpu "$dpid")
    awk -v who="$([[ $via == d ]] && echo 'direct:' || echo 'proxy: ')" -v b="$bytes" -v t0="$t0" -v t1="$t1" \
      -v pc="$p0" -v pc1="$p1" -v dc="$d0" -v dc1="$d1" \
      'BEGIN { printf "%s %d bytes in %.2f s (%.1f MiB/s); CPU s: proxy %.1f, dockerd %.1f\n", who, b, t1 - t0, b / 1048576 / (t1 - t0), pc1 - pc, dc1 - dc }'
  done
done
echo "proxy decision log: $(wc -l <"$dir/decisions.jsonl") lines"
