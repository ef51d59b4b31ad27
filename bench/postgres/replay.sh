#!/usr/bin/env bash
# `nifty replay --speed max` with the PostgreSQL store and the Redis hot cache, beside the SQLite
# default in the same session: the inputs of bench/replay_throughput.sh (the 5-minute year).
#   per run i (interleaved, so both see the same machine load):
#     sqlite:   nifty replay INPUT --db <fresh file> --speed max
#     postgres: fresh database (DROP/CREATE), nifty migrate -c CFG, redis FLUSHALL,
#               nifty replay INPUT -c CFG --speed max      (store.backend=postgres, cache.backend=redis)
#   then once more with postgres over the database the last run filled (every row already stored:
#   the store's merge path instead of its direct COPY);
#   then checks that PostgreSQL's candles_1m.._1d and signals row counts equal SQLite's.
# Prints each run's ticks/s and the medians. Private servers (scripts/test-servers) in a temp dir,
# stopped at the end.
# Usage (any directory): bench/postgres/replay.sh [BUILD_DIR] [RUNS] [INPUT...]
#   BUILD_DIR default build/release (a Release build with the nifty target built), RUNS default 3,
#   INPUT default ../shared/data/nse-5min-2023-24.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/release}
runs=${2:-3}
shift $(( $# > 2 ? 2 : $# ))
if [ $# -gt 0 ]; then inputs=("$@"); else inputs=("$root/../shared/data/nse-5min-2023-24"); fi
for i in "${!inputs[@]}"; do inputs[$i]=$(realpath "${inputs[$i]}"); done
nifty=$(cd "$build" 2>/dev/null && pwd)/src/app/nifty
[ -x "$nifty" ] || { echo "replay.sh: no $nifty (ninja -C $build nifty)" >&2; exit 1; }
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "replay.sh: RUNS must be a positive number, not '$runs'" >&2; exit 1; }

work=$(mktemp -d /tmp/nifty-pg-replay-XXXXXX)
chmod 755 "$work"
pg_server="$root/scripts/test-servers/postgres"
redis_server="$root/scripts/test-servers/redis"
cleanup() {
  "$pg_server" stop "$work/pg" >/dev/null 2>&1 || true
  "$redis_server" stop "$work/redis" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
"$pg_server" start "$work/pg" >/dev/null
"$redis_server" start "$work/redis" >/dev/null
pg_port=$(cat "$work/pg/port")
redis_port=$(cat "$work/redis/port")
admin_url=$(cat "$work/pg/url")                    # postgresql://nifty:nifty-test@127.0.0.1:PORT/nifty
pw=$(sed -n 's|^postgresql://[^:]*:\([^@]*\)@.*|\1|p' <<<"$admin_url")
db=nifty_replay
db_url="postgresql://nifty:$pw@127.0.0.1:$pg_port/$db"

cat >"$work/nifty.toml" <<TOML
[log]
level = "warn"

[store]
backend = "postgres"

[store.postgres]
host = "127.0.0.1"
port = $pg_port
dbname = "$db"
user = "nifty"
sslmode = "disable"

[store.spool]
dir = "$work/spool"

[cache]
backend = "redis"

[cache.redis]
host = "127.0.0.1"
port = $redis_port
TOML
export NIFTY_STORE_POSTGRES_PASSWORD=$pw

field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" <<<"$2"; }
median() { sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else printf "%.0f\n", (v[NR/2]+v[NR/2+1])/2}'; }
fresh_pg() {
  PGOPTIONS="-c client_min_messages=warning" psql "$admin_url" -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
  (cd "$work" && "$nifty" migrate -c "$work/nifty.toml" >"$work/migrate.out" 2>"$work/migrate.err") || {
    echo "replay.sh: nifty migrate failed:" >&2; tail -n 20 "$work/migrate.err" >&2; exit 1; }
  redis-cli -h 127.0.0.1 -p "$redis_port" flushall >/dev/null
}
# run NAME ARGS...: one replay; prints its line, appends ticks/s to $work/NAME.tps
run() {
  local name=$1; shift
  local line
  line=$(cd "$work" && "$nifty" replay "${inputs[@]}" --speed max "$@" 2>"$work/$name.err" | tail -n 1) || {
    echo "replay.sh: $name run failed:" >&2; tail -n 20 "$work/$name.err" >&2; exit 1; }
  local t s n
  t=$(field ticks_per_second "$line"); s=$(field seconds "$line"); n=$(field ticks "$line")
  [ -n "$t" ] || { echo "replay.sh: $name printed no summary: $line" >&2; exit 1; }
  printf '%-18s ticks=%s seconds=%s ticks_per_second=%s\n' "$name" "$n" "$s" "$t"
  echo "$t" >>"$work/$name.tps"
}

echo "replay.sh: $nifty replay ${inputs[*]} --speed max; $runs runs each; $(nproc) cores;" \
     "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); load $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq 1 "$runs"); do
  rm -f "$work/ref.db" "$work/ref.db-wal" "$work/ref.db-shm"
  run sqlite --db "$work/ref.db"
  fresh_pg
  run postgres+redis -c "$work/nifty.toml"
done
run postgres-restored -c "$work/nifty.toml"   # same rows again: all already stored

# Row counts: the last SQLite run against the PostgreSQL database (same input, same engine).
status=0
echo
printf '%-12s %12s %12s\n' table sqlite postgres
for t in candles_1m candles_5m candles_15m candles_1h candles_1d signals; do
  a=$(sqlite3 "$work/ref.db" "SELECT count(*) FROM $t")
  b=$(psql "$db_url" -Atq -c "SELECT count(*) FROM $t")
  mark=""
  [ "$a" = "$b" ] || { mark="  MISMATCH"; status=1; }
  printf '%-12s %12s %12s%s\n' "$t" "$a" "$b" "$mark"
done
echo
echo "median sqlite:         ticks_per_second=$(median <"$work/sqlite.tps") (of $runs runs)"
echo "median postgres+redis: ticks_per_second=$(median <"$work/postgres+redis.tps") (of $runs runs)"
echo "postgres+redis over the stored year (merge path, 1 run): $(cat "$work/postgres-restored.tps") ticks/s"
exit $status
