#!/usr/bin/env bash
# Bench of the offline OSV database (issue 6 targets): import of 300,000
# generated records (< 60 s on 2 cores), size on disk beside Trivy's and
# Grype's published sizes, Db::open (< 50 ms) and matching 10,000 packages
# (< 100 ms) in four mixes (stress, mixed, typical, clean; see the example).
# Usage: bench/vulndb.sh [--records N]   (generates bench/out/vulndb once)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out/vulndb
RECORDS=300000
if [[ "${1:-}" == "--records" ]]; then RECORDS="$2"; fi

if [[ ! -f "$OUT/pairs.tsv" || "$(cat "$OUT/.records" 2>/dev/null)" != "$RECORDS" ]]; then
    echo "generating $RECORDS records into $OUT ..."
    python3 bench/vulndb_gen.py "$OUT" --records "$RECORDS"
    echo "$RECORDS" > "$OUT/.records"
fi
zips=$(du -cb "$OUT"/*/all.zip | tail -1 | cut -f1)
echo "input: $(ls "$OUT"/*/all.zip | wc -l) zips, $((zips / 1000000)) MB compressed"

cargo build --release -q -p drydock-vulndb --example vulndb_bench
DB="$OUT/osv.db"
rm -f "$DB" "$DB.lock"
target/release/examples/vulndb_bench "$DB" "$OUT" | tee "$OUT/result.txt"
echo "for comparison (published, unpacked): Trivy trivy.db (BoltDB) ~474 MB, Grype vulnerability.db (SQLite) ~1.6 GB"
