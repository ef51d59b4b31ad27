#!/usr/bin/env bash
# Peak resident memory of `nifty run --headless --speed max --db <fresh temp db>` over the bundled day,
# from `/usr/bin/time -v` ("Maximum resident set size"), RUNS times; prints each run and the median.
# Usage (from the repo root): bench/memory_run.sh [BUILD_DIR] [RUNS] [INPUT]
#   BUILD_DIR default build/release, RUNS default 3. INPUT: replay input passed as --input; by default
#   none when testdata/nse-1min/2023-02-28 exists (the bundled default day), otherwise the shared copy
#   ../shared/data/nse-1min/2023-02-28.
# Goal (issue): < 150 MB.
set -euo pipefail

build_dir=${1:-build/release}
runs=${2:-3}
input=${3:-}
root=$(cd "$(dirname "$0")/.." && pwd)
nifty=$build_dir/src/app/nifty
[ -x "$nifty" ] || { echo "memory_run: no $nifty (build the nifty target in $build_dir)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "memory_run: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "memory_run: RUNS must be a positive number, not '$runs'" >&2; exit 1; }
args=(run --headless --speed max)
if [ -n "$input" ]; then
  args+=(--input "$input")
elif [ ! -d "$root/testdata/nse-1min/2023-02-28" ]; then
  args+=(--input "$root/../shared/data/nse-1min/2023-02-28")
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
median() { sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else printf "%.1f\n", (v[NR/2]+v[NR/2+1])/2}'; }

echo "memory_run: /usr/bin/time -v $nifty ${args[*]} --db <fresh tmp db>, $runs runs" >&2
rss=()
for i in $(seq 1 "$runs"); do
  db=$tmp/run$i.db
  /usr/bin/time -v -o "$tmp/time$i" "$nifty" "${args[@]}" --db "$db" >"$tmp/out$i" 2>&1 || {
    echo "memory_run: run $i failed:" >&2; tail -n 20 "$tmp/out$i" >&2; exit 1; }
  kb=$(sed -n 's/.*Maximum resident set size (kbytes): \([0-9]*\).*/\1/p' "$tmp/time$i")
  wall=$(sed -n 's/.*Elapsed (wall clock) time.*: \(.*\)/\1/p' "$tmp/time$i")
  summary=$(grep -o 'stopped: .*' "$tmp/out$i" | tail -n 1 || true)
  echo "run $i: max_rss_kb=$kb max_rss_mib=$(awk -v k="$kb" 'BEGIN {printf "%.1f", k/1024}') wall=$wall ($summary)"
  rss+=("$kb")
  rm -f "$db" "$db-wal" "$db-shm"
done
med=$(printf '%s\n' "${rss[@]}" | median)
echo "median: max_rss_kb=$med max_rss_mib=$(awk -v k="$med" 'BEGIN {printf "%.1f", k/1024}') (of $runs runs)"
