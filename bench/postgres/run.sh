#!/usr/bin/env bash
# PostgresCandleStore against PostgreSQL's own tools, same server, same run:
#   load:  N real candles through PostgresCandleStore::upsert (batches of the CandleWriter's 65536)
#          vs psql "\copy candles_1m FROM file CSV" into the same, truncated table;
#   query: last 300 1-minute candles of ADANIENT through last_n() (p50/p99 over 2000 calls)
#          vs pgbench -n -f q.sql -T 10 -c 1 running the same SQL (pgbench's average latency).
# Usage: bench/postgres/run.sh [BUILD_DIR] [ROWS]   (a Release build dir is best)
# Starts its own server with scripts/test-servers/postgres in a temp dir and stops it at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/release}
rows=${2:-500000}
batch=65536
pg_bin=/usr/lib/postgresql/15/bin

ninja -C "$build" -j2 postgres_store_bench >/dev/null
bench="$build/src/store/postgres/postgres_store_bench"
work=$(mktemp -d /tmp/nifty-pg-bench-XXXXXX)
chmod 755 "$work"
server="$root/scripts/test-servers/postgres"
trap '"$server" stop "$work/server" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
"$server" start "$work/server"
url=$(cat "$work/server/url")

ours=$("$bench" "$url" "$rows" "$batch" "$work/candles.csv" 2>"$work/bench.log") || { tail "$work/bench.log" >&2; exit 1; }
echo "$ours"
loaded=$(wc -l <"$work/candles.csv")
t0=$(date +%s.%N)
psql "$url" -q -v ON_ERROR_STOP=1 -c "\\copy candles_1m (time, symbol, open, high, low, close, volume, trades, vwap) FROM '$work/candles.csv' CSV"
t1=$(date +%s.%N)
copy_s=$(echo "$t1 - $t0" | bc -l)
copy_rps=$(echo "$loaded / $copy_s" | bc -l)
psql "$url" -q -c "VACUUM ANALYZE candles_1m"

q=$("$bench" "$url" 0 "$batch" /dev/null 2>"$work/bench.log") || { tail "$work/bench.log" >&2; exit 1; }
echo "$q"
cat >"$work/q.sql" <<'SQL'
SELECT extract(epoch FROM time)::bigint, (open * 100)::bigint, (high * 100)::bigint, (low * 100)::bigint, (close * 100)::bigint, volume, trades, (vwap * 100)::bigint FROM candles_1m WHERE symbol = 'ADANIENT' ORDER BY time DESC LIMIT 300;
SQL
pgb=$("$pg_bin/pgbench" -n -M prepared -f "$work/q.sql" -T 10 -c 1 "$url" 2>/dev/null | grep "latency average" | awk '{print $4}')

ours_rps=$(echo "$ours" | sed -n 's/.*rows_per_s=\([0-9.]*\).*/\1/p')
ours_s=$(echo "$ours" | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p')
p50=$(echo "$q" | sed -n 's/.*p50_ms=\([0-9.]*\).*/\1/p')
p99=$(echo "$q" | sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p')
printf '\n%-44s %12s %12s\n' "measure ($loaded real candles)" "nifty" "postgres tool"
printf '%-44s %12.0f %12.0f\n' "load rows/s (upsert vs psql \\copy)" "$ours_rps" "$copy_rps"
printf '%-44s %12.2f %12.2f\n' "load seconds" "$ours_s" "$copy_s"
printf '%-44s %12.1f%%\n' "upsert as a share of COPY" "$(echo "100 * $ours_rps / $copy_rps" | bc -l)"
printf '%-44s %12s %12s\n' "last-300 query p50 ms (last_n vs pgbench avg)" "$p50" "$pgb"
printf '%-44s %12s\n' "last-300 query p99 ms (last_n)" "$p99"
