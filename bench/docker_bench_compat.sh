#!/usr/bin/env bash
# Docker Bench for Security (DBS) vs `drydock audit` on one host fixture.
#
# Starts a private dockerd (own socket, data root, exec root, pid file and
# --config-file, like bench/audit.sh) with a daemon.json and a mix of
# containers and images that exercise sections 2, 4 and 5 both ways, runs DBS
# (JSON log) and `drydock audit` (--format json and --format docker-bench)
# against it, and prints a per-check, per-target comparison
# (bench/docker_bench_compat.py). Exit 0 even when they differ: it is a report.
#
#   bench/docker_bench_compat.sh [--dbs PATH] [--out DIR]
#
# Without --dbs it tries a shallow clone of
# https://github.com/docker/docker-bench-security into a temporary directory.
# Needs root, dockerd, the docker CLI, jq (DBS reads daemon.json with it), a
# static busybox, python3. Tears everything down on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

dbs=
out=$root/bench/out/docker-bench-compat
while [ $# -gt 0 ]; do
  case "$1" in
    --dbs) dbs=${2:?--dbs needs a path}; shift 2 ;;
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

for t in dockerd docker python3 jq git; do
  command -v "$t" >/dev/null || { echo "missing: $t" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "needs root (private dockerd)" >&2; exit 1; }

# The temporary directory must not contain "dockerd" or "nil": DBS picks the
# daemon with `pgrep -f -n dockerd` and drops containers whose name contains
# the string "nil".
dir=$(mktemp -d /tmp/ddbc.XXXXXX)
sock=$dir/d.sock
pid=
cleanup() {
  set +e  # best effort: a failing step (no mounts left to grep) must not stop the rest
  if [ -n "$pid" ]; then
    docker -H "unix://$sock" rm -f $(docker -H "unix://$sock" ps -aq 2>/dev/null) >/dev/null 2>&1 || true
    kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  fi
  # dockerd leaves overlay mounts behind when killed mid-way.
  grep -o " $dir[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  ip link del ddbc0 2>/dev/null || true
  find /sys/fs/cgroup -maxdepth 3 -type d -name ddbc-parent -exec rmdir {} + 2>/dev/null || true
  # The daemon's shims may still be letting go of files: retry.
  for _ in 1 2 3 4 5; do rm -rf "$dir" 2>/dev/null && break; sleep 1; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "$dbs" ]; then
  echo "fetching Docker Bench for Security (git clone --depth 1) ..." >&2
  if timeout 30 git clone -q --depth 1 https://github.com/docker/docker-bench-security "$dir/dbs" </dev/null 2>"$dir/clone.err"; then
    dbs=$dir/dbs
  else
    echo "could not clone https://github.com/docker/docker-bench-security ($(tail -1 "$dir/clone.err"))." >&2
    echo "Get a copy some other way and pass it with --dbs PATH (the directory holding docker-bench-security.sh)." >&2
    exit 2
  fi
fi
dbs=$(cd "$dbs" && pwd)
[ -f "$dbs/docker-bench-security.sh" ] || { echo "$dbs has no docker-bench-security.sh" >&2; exit 2; }
dbs_rev=$(git -C "$dbs" rev-parse --short HEAD 2>/dev/null \
  || { [ -f "$dbs/COMMIT" ] && head -c 12 "$dbs/COMMIT" | sed 's/$/ (from COMMIT file)/'; } \
  || echo "not a git checkout")

echo "building drydock (release) ..." >&2
cargo build --release -p drydock >"$dir/build.log" 2>&1 || { tail -20 "$dir/build.log" >&2; exit 1; }
bin=$root/target/release/drydock
mkdir -p "$out"

# daemon.json: some section 2 checks pass, some fail. icc=false needs iptables;
# the default bridge is off so that no docker0 is created next to other
# daemons on this machine; containers that publish ports use their own bridge.
cat > "$dir/daemon.json" <<'JSON'
{
  "bridge": "none",
  "icc": false,
  "log-level": "info",
  "insecure-registries": ["10.10.10.10:5000"],
  "userland-proxy": false,
  "live-restore": true,
  "default-ulimits": {"nofile": {"Name": "nofile", "Soft": 1024, "Hard": 2048}}
}
JSON
chmod 644 "$dir/daemon.json"
# `--config-file=PATH`, not `--config-file PATH`: DBS only finds the value of a
# long option written with `=` and would otherwise read no daemon.json at all.
dockerd --host "unix://$sock" --data-root "$dir/root" --exec-root "$dir/exec" \
  --pidfile "$dir/d.pid" --config-file="$dir/daemon.json" >"$dir/dockerd.log" 2>&1 &
pid=$!
for _ in $(seq 1 400); do [ -S "$sock" ] && docker -H "unix://$sock" version >/dev/null 2>&1 && break; sleep 0.05; done
d() { docker -H "unix://$sock" "$@"; }
d version >/dev/null || { tail -20 "$dir/dockerd.log" >&2; exit 1; }

# Images: two imported from a busybox rootfs, one built from a Dockerfile.
mkdir -p "$dir/rootfs/bin" "$dir/ctx"
bb=$(for b in /bin/busybox /usr/bin/busybox; do [ -f "$b" ] && file -L "$b" | grep -q static && echo "$b" && break; done)
[ -n "$bb" ] || { echo "needs a static busybox" >&2; exit 1; }
cp "$bb" "$dir/rootfs/bin/busybox"
tar -C "$dir/rootfs" -cf "$dir/rootfs.tar" .
d import -c 'CMD ["/bin/busybox","sleep","3600"]' "$dir/rootfs.tar" bench/busybox:1 >/dev/null
d import -c 'CMD ["/bin/busybox","sleep","3600"]' -c 'USER 1000' "$dir/rootfs.tar" bench/busybox:2 >/dev/null
echo hello > "$dir/ctx/hello.txt"
cat > "$dir/ctx/Dockerfile" <<'DOCKERFILE'
FROM bench/busybox:1
RUN ["/bin/busybox", "ln", "-s", "/bin/busybox", "/bin/sh"]
ADD hello.txt /hello.txt
RUN apt-get update || true
ENV DB_PASSWORD=hunter2
HEALTHCHECK --interval=30s CMD ["/bin/busybox", "true"]
USER 1000
DOCKERFILE
built=yes
if ! DOCKER_BUILDKIT=0 d build -q -t bench/built:1 "$dir/ctx" >"$dir/build-image.log" 2>&1; then
  built=no
  echo "note: docker build (legacy builder, offline) failed; continuing without bench/built:1:" >&2
  tail -3 "$dir/build-image.log" >&2
fi

# Containers. `name|[@image] flags` lines (default image bench/busybox:1);
# `-` in front of the name: create only.
d network create -d bridge -o com.docker.network.bridge.name=ddbc0 ddbc >/dev/null
img=bench/busybox:1
fixture=$(cat <<EOF
plain|
vanilla|
-stopped|
-priv|--privileged
capadd|--cap-add SYS_ADMIN --cap-add NET_ADMIN
capdefault|--cap-add CHOWN --cap-add NET_RAW
hostnet|--network host
hostns|--pid host --ipc host --uts host
userns_host|--userns host
sock|-v $sock:/var/run/docker.sock
etc_rw|-v /etc:/hostetc
etc_ro|-v /etc:/hostetc:ro
etc_sub|-v /etc/ssl:/hostssl
ports_any|-p 995:80 -p 18095:81
ports_local|-p 127.0.0.1:18096:80
hardened|--user 1000 --read-only --memory 64m --cpus 0.5 --pids-limit 64 --security-opt no-new-privileges --restart on-failure:5 --health-cmd '/bin/busybox true' --cap-drop ALL --ulimit nofile=512:512 -p 127.0.0.1:18097:80
restart_always|--restart always
restart_10|--restart on-failure:10
cpushares|--cpu-shares 512 --memory 32m
seccomp_off|--security-opt seccomp=unconfined
apparmor_off|--security-opt apparmor=unconfined
devices|--device /dev/null:/dev/xnull
cgroup_parent|--cgroup-parent /ddbc-parent
pids_unlimited|--pids-limit -1
built_img|@bench/built:1
user_root|--user 0
user_zero|--user 0:0
root_on_user_img|@bench/busybox:2 --user 0
user_img|@bench/busybox:2
EOF
)
while IFS='|' read -r name flags; do
  [ -n "$name" ] || continue
  create_only=no
  case "$name" in -*) create_only=yes; name=${name#-} ;; esac
  image=$img
  case "$flags" in @*) image=${flags%% *}; image=${image#@}; flags=${flags#"@$image"} ;; esac
  [ "$image" = bench/built:1 ] && [ "$built" = no ] && continue
  net=(--network ddbc)
  case "$flags" in *"--network "*) net=() ;; esac
  eval "set -- $flags"
  if ! d create --name "$name" "${net[@]}" "$@" "$image" >/dev/null 2>"$dir/create.err"; then
    echo "note: could not create $name: $(tail -1 "$dir/create.err")" >&2
    continue
  fi
  if [ "$create_only" = no ] && ! d start "$name" >/dev/null 2>"$dir/start.err"; then
    echo "note: $name was created but does not start: $(tail -1 "$dir/start.err")" >&2
  fi
done <<<"$fixture"
# --privileged containers fail to start on these machines; try anyway so a
# machine where they do start gets the running case.
d start priv >/dev/null 2>&1 || true
d ps -a --format '{{.Names}}\t{{.Status}}\t{{.Image}}' | sort >"$out/containers.txt"

dockerd_version=$(d version -f '{{.Server.Version}}')
echo "dockerd $dockerd_version; DBS $dbs ($dbs_rev); drydock $("$bin" --version)" >&2
echo "DBS sees dockerd: pid $(pgrep -f -n dockerd) = $(tr '\0' ' ' </proc/"$(pgrep -f -n dockerd)"/cmdline | cut -c1-160)" >&2
echo "private dockerd:  pid $pid" >&2

# DBS: default run (group `cis`, sections 1-7) with its JSON log.
rm -f "$out/dbs.log" "$out/dbs.log.json"
start=$(date +%s%N)
(cd "$dbs" && DOCKER_HOST="unix://$sock" bash ./docker-bench-security.sh -b -l "$out/dbs.log" >"$out/dbs.stdout" 2>"$out/dbs.stderr") || echo "note: DBS exited with $?" >&2
dbs_ms=$(( ($(date +%s%N) - start) / 1000000 ))

start=$(date +%s%N)
"$bin" audit --host "unix://$sock" --format json --fail-on never -o "$out/drydock.json"
dd_ms=$(( ($(date +%s%N) - start) / 1000000 ))
"$bin" audit --host "unix://$sock" --format docker-bench --fail-on never -o "$out/drydock-docker-bench.json"

python3 "$root/bench/docker_bench_compat.py" \
  --dbs-json "$out/dbs.log.json" --drydock-json "$out/drydock.json" \
  --drydock-bench-json "$out/drydock-docker-bench.json" \
  --containers "$out/containers.txt" --summary-json "$out/summary.json" \
  --markdown "$out/comparison.md" \
  --meta "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)" --meta "dbs=$dbs_rev" \
  --meta "dockerd=$dockerd_version" --meta "drydock=$("$bin" --version)" \
  --meta "dbs_ms=$dbs_ms" --meta "drydock_ms=$dd_ms" \
  --meta "docker_build=$built" | tee "$out/comparison.txt"
echo "outputs in $out" >&2
