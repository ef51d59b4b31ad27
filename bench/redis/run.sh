#!/usr/bin/env bash
# Redis hot-cache throughput beside redis-benchmark, against one private server started for the run.
#   bench/redis/run.sh [BUILD_DIR] [TICKS] [DISTINCT_TICKS] [RUNS]
# Runs, RUNS times each (default 3): redis-benchmark -P 16 -t set; redis_hot_cache_bench in mode
# `coalesced` (50 symbols, TICKS ticks: latest-value writes merge per symbol, a setter rate) and in
# mode `distinct` (DISTINCT_TICKS ticks, each its own symbol: every tick's 5 commands reach Redis,
# the honest figure; checked by the bench). The server's keys are flushed before each distinct run.
# BUILD_DIR holds src/store/redis/redis_hot_cache_bench (a Release build:
#   cmake -S . -B build/h-redis-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DNIFTY_BUILD_BENCH=OFF \
#         -DNIFTY_BUILD_TESTS=OFF -DNIFTY_BUILD_REDIS_BENCH=ON && ninja -C build/h-redis-bench redis_hot_cache_bench)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/h-redis-bench}
ticks=${2:-2000000}
distinct_ticks=${3:-200000}
runs=${4:-3}
bench=$build/src/store/redis/redis_hot_cache_bench
[[ -x $bench ]] || { echo "run.sh: $bench not built (see the header of this script)" >&2; exit 1; }
dir=$(mktemp -d /tmp/nifty-redis-bench-XXXXXX)
trap '"$root/scripts/test-servers/redis" stop "$dir" >/dev/null || true; rm -rf "$dir"' EXIT
"$root/scripts/test-servers/redis" start "$dir" >/dev/null
port=$(cat "$dir/port")
url=$(cat "$dir/url")
echo "== machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), redis $(redis-server --version | cut -d' ' -f3 | cut -d= -f2), $(date -u +%Y-%m-%dT%H:%MZ)"
for ((i = 1; i <= runs; i++)); do
  echo "== run $i/$runs: redis-benchmark -P 16 -t set -n 2000000 -q (port $port)"
  redis-benchmark -h 127.0.0.1 -p "$port" -P 16 -t set -n 2000000 -q | tr '\r' '\n' | grep -v '^ *$' | tail -1
  echo "== run $i/$runs: redis_hot_cache_bench $url $ticks coalesced (per tick: SET EX, HSET+EXPIRE, ZADD, PUBLISH)"
  "$bench" "$url" "$ticks" coalesced
  redis-cli -h 127.0.0.1 -p "$port" flushall >/dev/null
  echo "== run $i/$runs: redis_hot_cache_bench $url $distinct_ticks distinct"
  "$bench" "$url" "$distinct_ticks" distinct
  redis-cli -h 127.0.0.1 -p "$port" flushall >/dev/null
done
