#!/usr/bin/env bash
# Seeds the fuzz corpora with real files.
set -euo pipefail
cd "$(dirname "$0")"
shared=../../shared
mkdir -p corpus/dockerfile corpus/compose corpus/daemon_json corpus/shell corpus/runline
cp ../crates/drydock-rules/tests/fixtures/*.Dockerfile corpus/dockerfile/ 2>/dev/null || true
cp ../crates/drydock-rules/tests/fixtures/*.yml corpus/compose/ 2>/dev/null || true
cp ../crates/drydock-rules/tests/fixtures/*.json corpus/daemon_json/ 2>/dev/null || true
cp ../examples/daemon/daemon.json corpus/daemon_json/example.json
cp ../examples/scripts/* ../crates/drydock-rules/tests/fixtures/*.sh corpus/runline/ 2>/dev/null || true
if [ -d "$shared/corpus" ]; then
  for f in "$shared"/corpus/dockerfiles/*; do cp "$f" corpus/dockerfile/; done
  find "$shared/corpus/compose" -type f -name '*.y*ml' | while read -r f; do cp "$f" "corpus/compose/$(echo "$f" | md5sum | cut -c1-12).yml"; done
  # RUN bodies for the shell target.
  i=0
  for f in "$shared"/corpus/dockerfiles/*; do
    i=$((i+1))
    awk '/^RUN /{p=1} p{print} !/\\$/{if(p){print "---"}; p=0}' "$f" | sed 's/^RUN //' > "corpus/shell/$i.sh"
  done
fi
# OSV records for `osv`; the osv-scalibr comparison vectors for `version`
# (first byte: the scheme's index in the target's SCHEMES, then a NUL
# between the two versions).
mkdir -p corpus/osv corpus/version
if [ -d "$shared/testdata/osv" ]; then
  cp "$shared"/testdata/osv/*.json corpus/osv/
fi
if [ -d "$shared/testdata/versions/osv-scalibr" ]; then
  python3 - "$shared/testdata/versions/osv-scalibr" corpus/version <<'PY'
import os, re, sys
src, out = sys.argv[1], sys.argv[2]
scheme = {"debian": 0, "alpine": 1, "redhat": 2, "pypi": 3, "semver": 4,
          "maven": 6, "rubygems": 7, "packagist": 8, "nuget": 9}
n = 0
for f in sorted(os.listdir(src)):
    k = scheme.get(f.split("-")[0])
    if k is None:
        continue
    for line in open(os.path.join(src, f), encoding="utf-8", errors="replace"):
        m = re.match(r"^(\S+) ([<>=]) (\S+)$", line.strip())
        if m and n < 4000:
            with open(os.path.join(out, "v%05d" % n), "wb") as o:
                o.write(bytes([k]) + m.group(1).encode() + b"\0" + m.group(3).encode())
            n += 1
PY
fi
