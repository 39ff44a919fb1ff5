#!/usr/bin/env bash
# `drydock image` end to end: catalogue + every check (configuration,
# history, filesystem rules, secret scan of text files, EOL) on the Debian
# bookworm minbase `docker save` archive that bench/syft_compat.sh builds
# with debootstrap (bench/out/syft/debian.tar), against `cat` of the same
# file (the physical limit), `drydock sbom` (catalogue only) and, when
# bench/.venv has it, Syft. Then peak RSS of `drydock image` on that image
# and on a synthetic 2 GB archive (bench/image_read.sh's generator), to see
# that memory stays flat.
#
#   bench/syft_compat.sh      # once: builds bench/out/syft/debian.tar
#   bench/image_check.sh      # results: bench/out/image_check.*
#   NO_2GB=1 bench/image_check.sh   # skip the 2 GB archive
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=$root/bench/out
deb=$out/syft/debian.tar
[ -s "$deb" ] || { echo "missing $deb: run bench/syft_compat.sh first" >&2; exit 1; }
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

cargo build --release -p drydock >/dev/null 2>&1
bin=$root/target/release/drydock
size=$(stat -c %s "$deb")
cat "$deb" > /dev/null  # warm the page cache

cmds=(-n cat "cat $deb > /dev/null"
      -n "drydock image" "$bin image $deb --no-config --no-progress --format json -o /dev/null"
      -n "drydock sbom" "$bin sbom $deb -o /dev/null")
syft=$root/bench/.venv/bin/syft
if [ -x "$syft" ]; then
  cmds+=(-n syft "$syft -q docker-archive:$deb -o syft-json=/dev/null")
fi
# `drydock image` exits 1 (it finds things): -i ignores the exit code.
hyperfine -i --warmup 2 --runs 10 --export-json "$out/image_check.json" "${cmds[@]}" \
  | tee "$out/image_check.hyperfine.txt"
python3 - "$out/image_check.json" "$size" <<'PY' | tee "$out/image_check.mbs.txt"
import json, sys
data = json.load(open(sys.argv[1])); size = int(sys.argv[2])
for r in data["results"]:
    print(f"{r['command']:>15}: {r['mean']:.3f} s ± {r['stddev']:.3f}  {size / 1e6 / r['mean']:.0f} MB/s")
PY

rss() {
  local res
  res=$( { /usr/bin/time -v "$@" > /dev/null; } 2>&1 || true)
  echo "$(echo "$res" | awk -F': ' '/Elapsed/ {print $2}') wall, peak RSS $(( $(echo "$res" | awk -F': ' '/Maximum resident/ {print $2}') / 1024 )) MiB"
}
{
  echo "debian.tar ($((size / 1000000)) MB): drydock image: $(rss "$bin" image "$deb" --no-config --no-progress --format json)"
  { "$bin" image "$deb" --no-config --no-progress || true; } | tail -2
  if [ -z "${NO_2GB:-}" ]; then
    big=/tmp/drydock-2g.tar
    [ -s "$big" ] || { ARCHIVE=$big SIZE_MB=2000 QUICK=1 bench/image_read.sh > /dev/null; }
    echo "synthetic 2 GB ($(( $(stat -c %s "$big") / 1000000 )) MB): drydock image: $(rss "$bin" image "$big" --no-config --no-progress --format json)"
  fi
} | tee "$out/image_check.rss.txt"
