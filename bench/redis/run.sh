#!/usr/bin/env bash
# Redis hot-cache throughput beside redis-benchmark, against one private server started for the run.
#   bench/redis/run.sh [BUILD_DIR] [TICKS]
# BUILD_DIR holds src/store/redis/redis_hot_cache_bench (a Release build:
#   cmake -S . -B build/h-redis-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DNIFTY_BUILD_BENCH=OFF \
#         -DNIFTY_BUILD_TESTS=OFF -DNIFTY_BUILD_REDIS_BENCH=ON && ninja -C build/h-redis-bench redis_hot_cache_bench)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/h-redis-bench}
ticks=${2:-2000000}
bench=$build/src/store/redis/redis_hot_cache_bench
[[ -x $bench ]] || { echo "run.sh: $bench not built (see the header of this script)" >&2; exit 1; }
dir=$(mktemp -d /tmp/nifty-redis-bench-XXXXXX)
trap '"$root/scripts/test-servers/redis" stop "$dir" >/dev/null || true; rm -rf "$dir"' EXIT
"$root/scripts/test-servers/redis" start "$dir" >/dev/null
port=$(cat "$dir/port")
echo "== machine: $(nproc) cores, $(redis-server --version | cut -d' ' -f3), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "== redis-benchmark -P 16 -t set -n 2000000 -q (port $port)"
redis-benchmark -h 127.0.0.1 -p "$port" -P 16 -t set -n 2000000 -q
echo "== redis_hot_cache_bench $(cat "$dir/url") $ticks (per tick: SET EX, HSET+EXPIRE, ZADD, PUBLISH)"
"$bench" "$(cat "$dir/url")" "$ticks"
