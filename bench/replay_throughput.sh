#!/usr/bin/env bash
# End-to-end replay throughput: `nifty replay INPUT --db <fresh temp db> --speed max`, SQLite writes
# included, RUNS times; prints each run's summary figures and the medians.
# Usage (from the repo root): bench/replay_throughput.sh [BUILD_DIR] [RUNS] [INPUT...]
#   BUILD_DIR default build/release (a Release build), RUNS default 3,
#   INPUT default ../shared/data/nse-5min-2023-24 (the 5-minute year, 47 stocks).
# Goal (issue): >= 1,000,000 ticks/s end to end.
set -euo pipefail

build_dir=${1:-build/release}
runs=${2:-3}
shift $(( $# > 2 ? 2 : $# ))
root=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -gt 0 ]; then inputs=("$@"); else inputs=("$root/../shared/data/nse-5min-2023-24"); fi
nifty=$build_dir/src/app/nifty
[ -x "$nifty" ] || { echo "replay_throughput: no $nifty (build the nifty target in $build_dir)" >&2; exit 1; }
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "replay_throughput: RUNS must be a positive number, not '$runs'" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" <<<"$2"; }
median() { sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else printf "%.6f\n", (v[NR/2]+v[NR/2+1])/2}'; }

echo "replay_throughput: $nifty replay ${inputs[*]} --db <fresh tmp db> --speed max, $runs runs" >&2
tps=() secs=()
for i in $(seq 1 "$runs"); do
  db=$tmp/run$i.db
  line=$("$nifty" replay "${inputs[@]}" --db "$db" --speed max 2>"$tmp/stderr$i" | tail -n 1) || {
    echo "replay_throughput: run $i failed:" >&2; tail -n 20 "$tmp/stderr$i" >&2; exit 1; }
  t=$(field ticks_per_second "$line"); s=$(field seconds "$line"); n=$(field ticks "$line")
  [ -n "$t" ] || { echo "replay_throughput: run $i printed no summary: $line" >&2; exit 1; }
  echo "run $i: ticks=$n seconds=$s ticks_per_second=$t db_bytes=$(stat -c %s "$db")"
  tps+=("$t"); secs+=("$s")
  rm -f "$db" "$db-wal" "$db-shm"
done
echo "median: ticks_per_second=$(printf '%s\n' "${tps[@]}" | median) seconds=$(printf '%s\n' "${secs[@]}" | median) (of $runs runs)"
