#!/usr/bin/env bash
# SEC003's reader side (`wants_file` + `may_hold_secret`, what the image
# reader runs on every regular file while the layers stream) over a real
# image: the layers of a `docker save` archive (default: the Debian bookworm
# minbase image that bench/syft_compat.sh builds) are extracted into a
# temporary directory, then the ignored test `bench_reader_side` loads every
# regular file into memory and times the two functions over them (one
# thread, median of 5), printing MB/s, the number of files kept with what
# was found in each, and what the path skip list leaves out.
# Results: bench/out/secret_scan.txt (secret_scan.rootfs.txt for ROOTFS=)
#
#   bench/secret_scan.sh                       # bench/out/syft/debian.tar
#   ARCHIVE=/path/image.tar bench/secret_scan.sh
#   ROOTFS=/path/rootfs bench/secret_scan.sh   # an already extracted tree
#   ROOTFS=/usr PREFIX=/usr bench/secret_scan.sh  # a host directory, as it sits in an image
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=$root/bench/out
mkdir -p "$out"

work=""
result=$out/secret_scan.txt
if [ -n "${ROOTFS:-}" ]; then
  tree=$ROOTFS
  result=$out/secret_scan.rootfs.txt
else
  archive=${ARCHIVE:-$out/syft/debian.tar}
  [ -s "$archive" ] || { echo "no $archive: run bench/syft_compat.sh first, or set ARCHIVE/ROOTFS" >&2; exit 1; }
  work=$(mktemp -d /tmp/ddsecret.XXXXXX)
  trap 'rm -rf "$work"' EXIT
  tree=$work/rootfs
  mkdir -p "$work/archive" "$tree"
  tar -xf "$archive" -C "$work/archive"
  # Layers in manifest order; whiteouts are irrelevant for a one-layer image
  # and only drop files for others (this bench over-counts, never under).
  python3 - "$work/archive" <<'PY' | while IFS= read -r layer; do
import json, sys
m = json.load(open(sys.argv[1] + "/manifest.json"))
for l in m[0]["Layers"]:
    print(sys.argv[1] + "/" + l)
PY
    # Regular files and directories only: no device nodes, owners or links
    # matter here.
    tar -xf "$layer" -C "$tree" --no-same-owner --no-same-permissions \
      --exclude='dev/*' --exclude='proc/*' --exclude='sys/*' 2>/dev/null || true
  done
  chmod -R u+rX "$tree"
fi

SECRET_SCAN_ROOT=$tree SECRET_SCAN_PREFIX=${PREFIX:-} cargo test --release -q -p drydock-rules --lib \
  rules::secrets::image_file::tests::bench_reader_side -- --ignored --nocapture \
  | tee "$result"
