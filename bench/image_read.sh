#!/usr/bin/env bash
# drydock-image read throughput: builds a ~200 MB synthetic `docker save`
# archive (4 layers: plain, gzip, plain, zstd; ~40 000 files; a dpkg status
# and os-release for the catalogue visitor; whiteouts), then times with
# hyperfine
#   cat ARCHIVE > /dev/null                 (the physical limit)
#   read ARCHIVE                            (seekable file, layers in parallel)
#   read ARCHIVE --sequential               (seekable file, one layer at a time)
#   read ARCHIVE --stream                   (read_stream over a pipe-like reader)
# and reports MB/s and peak RSS (/usr/bin/time -v). Results: bench/out/image_read.*
#
#   bench/image_read.sh            # SIZE_MB=200 by default
#   ARCHIVE=/tmp/x.tar bench/image_read.sh   # keep (or reuse) the archive
#   QUICK=1 SIZE_MB=2000 bench/image_read.sh # one run of each + peak RSS (memory stays flat?)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
SIZE_MB=${SIZE_MB:-200}
out=$root/bench/out
mkdir -p "$out"
for t in hyperfine python3; do
  command -v "$t" >/dev/null || { echo "missing: $t" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

cargo build --release -p drydock-image --example read >/dev/null 2>&1
bin=$root/target/release/examples/read

work=$(mktemp -d /tmp/ddimg.XXXXXX)
trap 'rm -rf "$work"' EXIT
archive=${ARCHIVE:-$work/image.tar}

[ -s "$archive" ] || python3 - "$archive" "$SIZE_MB" <<'PY'
import gzip, hashlib, io, json, os, random, subprocess, sys, tarfile
path, size_mb = sys.argv[1], int(sys.argv[2])
rng = random.Random(42)
words = [b"lorem", b"ipsum", b"dolor", b"sit", b"amet", b"docker", b"layer", b"package", b"version", b"python"]

def content(n):
    # Half random (incompressible), half text (compressible): realistic ratios.
    if rng.random() < 0.5:
        return os.urandom(n)
    out = bytearray()
    while len(out) < n:
        out += rng.choice(words) + b" "
    return bytes(out[:n])

def layer(target_bytes, prefix, extra=()):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        total, i = 0, 0
        for name, data in extra:
            ti = tarfile.TarInfo(name); ti.size = len(data); ti.mode = 0o644
            t.addfile(ti, io.BytesIO(data))
        while total < target_bytes:
            d = f"{prefix}/d{i // 200}"
            if i % 200 == 0:
                ti = tarfile.TarInfo(d); ti.type = tarfile.DIRTYPE; ti.mode = 0o755
                t.addfile(ti)
            n = int(rng.lognormvariate(8, 1.5)) % (512 << 10)
            data = content(n)
            ti = tarfile.TarInfo(f"{d}/f{i}"); ti.size = n; ti.mode = 0o644
            t.addfile(ti, io.BytesIO(data))
            total += n + 512
            i += 1
    return buf.getvalue()

status = b"".join(b"Package: pkg%d\nStatus: install ok installed\nVersion: 1.%d\nArchitecture: amd64\n\n" % (i, i) for i in range(88))
mb = 1 << 20
part = size_mb * mb
layers = [
    ("plain", layer(part * 35 // 100, "usr/lib", [("etc/os-release", b"ID=debian\nVERSION_ID=12\n"), ("var/lib/dpkg/status", status)])),
    ("gzip", layer(part * 25 // 100, "usr/share", [("etc/.wh.motd", b"")])),
    ("plain", layer(part * 25 // 100, "opt/app", [("opt/app/node_modules/x/package.json", b'{"name":"x","version":"1.0.0"}')])),
    ("zstd", layer(part * 15 // 100, "srv", [])),
]
files = {}
names, diff_ids = [], []
for i, (kind, tar) in enumerate(layers):
    diff_ids.append("sha256:" + hashlib.sha256(tar).hexdigest())
    if kind == "gzip":
        blob = gzip.compress(tar, compresslevel=6, mtime=0)
    elif kind == "zstd":
        blob = subprocess.run(["zstd", "-q", "-3", "-c"], input=tar, stdout=subprocess.PIPE, check=True).stdout if subprocess.run(["sh", "-c", "command -v zstd"], stdout=subprocess.DEVNULL).returncode == 0 else gzip.compress(tar, compresslevel=1, mtime=0)
    else:
        blob = tar
    name = f"{hashlib.sha256(blob).hexdigest()}/layer.tar"
    files[name] = blob
    names.append(name)
config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"User": "app"},
                     "rootfs": {"type": "layers", "diff_ids": diff_ids},
                     "history": [{"created_by": "bench"}] * len(layers)}).encode()
cname = hashlib.sha256(config).hexdigest() + ".json"
files[cname] = config
files["manifest.json"] = json.dumps([{"Config": cname, "RepoTags": ["bench:latest"], "Layers": names}]).encode()
with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as t:
    for name, data in files.items():
        ti = tarfile.TarInfo(name); ti.size = len(data); ti.mode = 0o644
        t.addfile(ti, io.BytesIO(data))
PY

size=$(stat -c %s "$archive")
echo "archive: $archive ($((size / 1000000)) MB)"
"$bin" "$archive" | tee "$out/image_read.summary.txt"

cat "$archive" > /dev/null # warm the page cache
if [ -z "${QUICK:-}" ]; then
hyperfine --warmup 2 --runs 10 --export-json "$out/image_read.json" \
  -n cat "cat $archive > /dev/null" \
  -n read "$bin $archive" \
  -n read-sequential "$bin $archive --sequential" \
  -n read-stream "$bin $archive --stream" | tee "$out/image_read.hyperfine.txt"

python3 - "$out/image_read.json" "$size" <<'PY' | tee "$out/image_read.mbs.txt"
import json, sys
data = json.load(open(sys.argv[1])); size = int(sys.argv[2])
for r in data["results"]:
    print(f"{r['command']:>16}: {r['mean']:.3f} s ± {r['stddev']:.3f}  {size / 1e6 / r['mean']:.0f} MB/s")
PY
fi

for mode in "" "--sequential" "--stream"; do
  res=$( { /usr/bin/time -v "$bin" "$archive" $mode; } 2>&1)
  rss=$(echo "$res" | awk -F': ' '/Maximum resident/ {print $2}')
  echo "${mode:-(parallel)}: $(echo "$res" | grep '^time:') peak RSS $((rss / 1024)) MiB"
done | tee "$out/image_read.rss.txt"
