#!/usr/bin/env bash
# `drydock audit` timing against a private dockerd (own socket, data root,
# exec root, pid file; --bridge=none --iptables=false as in the test harness):
#   1. 20 running busybox containers and 2 images (target < 0.5 s wall);
#   2. 500 created (not started) containers (target < 5 s);
#   peak RSS of each (target < 100 MiB).
# Needs root, dockerd, the docker CLI, a static busybox and hyperfine. Tears
# everything down on exit.
#
#   bench/audit.sh            # N_RUNNING=20 N_CREATED=500 by default
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
N_RUNNING=${N_RUNNING:-20}
N_CREATED=${N_CREATED:-500}
out=$root/bench/out
mkdir -p "$out"

for t in dockerd docker hyperfine; do
  command -v "$t" >/dev/null || { echo "missing: $t" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
[ "$(id -u)" = 0 ] || { echo "needs root (private dockerd)" >&2; exit 1; }

cargo build --release -p drydock >/dev/null 2>&1
bin=$root/target/release/drydock

dir=$(mktemp -d /tmp/ddb.XXXXXX)
sock=$dir/d.sock
pid=
cleanup() {
  set +e  # tear down as much as possible, whatever fails
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  # dockerd leaves overlay mounts behind when killed mid-way.
  grep -o " $dir[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  # The daemon's shims may still be letting go of files: retry.
  for _ in 1 2 3 4 5; do rm -rf "$dir" 2>/dev/null && break; sleep 1; done
}
trap cleanup EXIT

echo '{}' > "$dir/daemon.json"
dockerd --host "unix://$sock" --data-root "$dir/root" --exec-root "$dir/exec" \
  --pidfile "$dir/d.pid" --bridge=none --iptables=false --ip6tables=false \
  --config-file="$dir/daemon.json" >"$dir/dockerd.log" 2>&1 &
pid=$!
for _ in $(seq 1 400); do [ -S "$sock" ] && docker -H "unix://$sock" version >/dev/null 2>&1 && break; sleep 0.05; done
d() { docker -H "unix://$sock" "$@"; }

# Two images from a rootfs with a static busybox.
mkdir -p "$dir/rootfs/bin"
bb=$(for b in /bin/busybox /usr/bin/busybox; do [ -f "$b" ] && file -L "$b" | grep -q static && echo "$b" && break; done)
[ -n "$bb" ] || { echo "needs a static busybox" >&2; exit 1; }
cp "$bb" "$dir/rootfs/bin/busybox"
tar -C "$dir/rootfs" -cf "$dir/rootfs.tar" .
d import -c 'CMD ["/bin/busybox","sleep","3600"]' "$dir/rootfs.tar" bench/busybox:1 >/dev/null
d import -c 'CMD ["/bin/busybox","sleep","3600"]' -c 'USER 1000' "$dir/rootfs.tar" bench/busybox:2 >/dev/null

for i in $(seq 1 "$N_RUNNING"); do
  d run -d --network none --name "run$i" bench/busybox:1 >/dev/null
done

run_case() { # name
  hyperfine -N -i --warmup 2 --runs 15 --export-json "$out/audit-$1.json" \
    "$bin audit --host unix://$sock --format json --fail-on never -o /dev/null" >/dev/null
  mean=$(python3 -c "import json;r=json.load(open('$out/audit-$1.json'))['results'][0];print(f\"{r['mean']*1000:.1f} ms ± {r['stddev']*1000:.1f} (min {r['min']*1000:.1f}, max {r['max']*1000:.1f})\")")
  rss=$(/usr/bin/time -f %M "$bin" audit --host "unix://$sock" --format json --fail-on never -o /dev/null 2>&1 >/dev/null | tail -1)
  results=$("$bin" audit --host "unix://$sock" --format json --fail-on never | python3 -c "import json,sys;print(len(json.load(sys.stdin)['results']))")
  echo "$1: $mean, peak RSS $((rss / 1024)) MiB, $results results"
}

echo "machine: $(nproc) cores; dockerd $(d version -f '{{.Server.Version}}'); drydock: $($bin --version)"
run_case "running-$N_RUNNING"

d rm -f $(d ps -aq) >/dev/null
for i in $(seq 1 "$N_CREATED"); do echo "c$i"; done | xargs -P 8 -I{} docker -H "unix://$sock" create --network none --name {} bench/busybox:1 >/dev/null
run_case "created-$N_CREATED"
