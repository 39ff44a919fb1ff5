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
