#!/usr/bin/env bash
# PostgresCandleStore against PostgreSQL's own tools, same server, same run:
#   load:  N real candles through PostgresCandleStore::upsert (batches of the CandleWriter's 65536)
#          into the empty candles_1m, vs psql "\copy candles_1m FROM file CSV" into the same,
#          truncated table; alternated RUNS times, medians compared. Also the upsert of the same rows
#          again (all stored: merge path, nothing rewritten) and with every row changed (merge path,
#          every row updated);
#   query: last 300 1-minute candles of ADANIENT through last_n() (p50/p99 over 2000 calls)
#          vs pgbench -n -M prepared -t 2000 -c 1 running the same SQL (p50/p99 from its -l log).
# Usage: bench/postgres/run.sh [BUILD_DIR] [ROWS] [RUNS]   (a Release build dir is best; RUNS default 3)
# Starts its own server with scripts/test-servers/postgres in a temp dir and stops it at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/release}
rows=${2:-500000}
runs=${3:-3}
batch=65536
pg_bin=/usr/lib/postgresql/15/bin

ninja -C "$build" -j2 postgres_store_bench >/dev/null
bench="$build/src/store/postgres/postgres_store_bench"
work=$(mktemp -d /tmp/nifty-pg-bench-XXXXXX)
chmod 755 "$work"
server="$root/scripts/test-servers/postgres"
trap '"$server" stop "$work/server" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
"$server" start "$work/server" >/dev/null
url=$(cat "$work/server/url")

median() { sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
val() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

echo "run.sh: $rows rows, $runs runs; $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//');" \
     "load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$runs"); do
  ours=$("$bench" "$url" "$rows" "$batch" "$work/candles.csv" 2>"$work/bench.log") || { tail "$work/bench.log" >&2; exit 1; }
  echo "$ours"
  loaded=$(wc -l <"$work/candles.csv")
  t0=$(date +%s.%N)
  psql "$url" -q -v ON_ERROR_STOP=1 -c "\\copy candles_1m (time, symbol, open, high, low, close, volume, trades, vwap) FROM '$work/candles.csv' CSV"
  t1=$(date +%s.%N)
  copy_s=$(echo "$t1 - $t0" | bc -l)
  echo "psql_copy rows=$loaded seconds=$copy_s rows_per_s=$(echo "$loaded / $copy_s" | bc -l)"
  echo "$ours" | grep '^ours_load ' | val rows_per_s >>"$work/ours.rps"
  echo "$ours" | grep '^ours_reload_equal ' | val rows_per_s >>"$work/equal.rps"
  echo "$ours" | grep '^ours_reload_changed ' | val rows_per_s >>"$work/changed.rps"
  echo "$loaded / $copy_s" | bc -l >>"$work/copy.rps"
  if [ "$r" -lt "$runs" ]; then psql "$url" -q -c "TRUNCATE candles_1m"; fi
done
psql "$url" -q -c "VACUUM ANALYZE candles_1m"

q=$("$bench" "$url" 0 "$batch" /dev/null 2>"$work/bench.log") || { tail "$work/bench.log" >&2; exit 1; }
echo "$q"
cat >"$work/q.sql" <<'SQL'
SELECT extract(epoch FROM time)::bigint, (open * 100)::bigint, (high * 100)::bigint, (low * 100)::bigint, (close * 100)::bigint, volume, trades, (vwap * 100)::bigint FROM candles_1m WHERE symbol = 'ADANIENT' ORDER BY time DESC LIMIT 300;
SQL
(cd "$work" && "$pg_bin/pgbench" -n -M prepared -f q.sql -t 2000 -c 1 -l --log-prefix=pgb "$url" >/dev/null 2>&1)
# pgbench -l: one line per transaction, the third field its latency in microseconds.
awk '{print $3 / 1000}' "$work"/pgb.* | sort -g >"$work/pgb.ms"
n=$(wc -l <"$work/pgb.ms")
pgb50=$(sed -n "$((n / 2 + 1))p" "$work/pgb.ms")
pgb99=$(sed -n "$((n * 99 / 100 + 1))p" "$work/pgb.ms")

ours_rps=$(median <"$work/ours.rps")
copy_rps=$(median <"$work/copy.rps")
p50=$(echo "$q" | val p50_ms)
p99=$(echo "$q" | val p99_ms)
printf '\n%-52s %12s %12s\n' "measure ($loaded real candles, median of $runs)" "nifty" "postgres tool"
printf '%-52s %12.0f %12.0f\n' "load rows/s (upsert vs psql \\copy), empty table" "$ours_rps" "$copy_rps"
printf '%-52s %12.1f%%\n' "upsert as a share of COPY" "$(echo "100 * $ours_rps / $copy_rps" | bc -l)"
printf '%-52s %12.0f\n' "upsert rows/s, all rows stored and equal (merge)" "$(median <"$work/equal.rps")"
printf '%-52s %12.0f\n' "upsert rows/s, all rows stored and changed (merge)" "$(median <"$work/changed.rps")"
printf '%-52s %12s %12.3f\n' "last-300 query p50 ms (last_n vs pgbench)" "$p50" "$pgb50"
printf '%-52s %12s %12.3f\n' "last-300 query p99 ms (last_n vs pgbench)" "$p99" "$pgb99"
