#!/bin/sh
# Load benchmark of GET /api/v1/analyze: the gateway (Release build) beside a private nginx serving
# the same JSON as a static file, both measured with wrk -t2 -c64 in the same run.
# Usage: bench/gateway/run.sh [seconds]   (default 10). Prints wrk's summaries.
set -eu
SECS=${1:-10}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$ROOT/build/bench-gateway
WORK=$(mktemp -d /tmp/gateway-bench.XXXXXX)
KEY=nk_bench_key
GW_PORT=18980
NGINX_PORT=18981

cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNIFTY_BUILD_TESTS=OFF -DNIFTY_BUILD_BENCH=OFF >/dev/null
ninja -j2 -C "$BUILD" gateway_bench_server >/dev/null

"$BUILD/src/gateway/gateway_bench_server" $GW_PORT $KEY > "$WORK/gw.out" 2> "$WORK/gw.err" &
GW_PID=$!
trap 'kill $GW_PID 2>/dev/null || true; [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do grep -q ready "$WORK/gw.out" 2>/dev/null && break; sleep 0.1; done

mkdir -p "$WORK/www/api/v1"
curl -sf -H "X-API-KEY: $KEY" "http://127.0.0.1:$GW_PORT/api/v1/analyze?symbol=RELIANCE" > "$WORK/www/api/v1/analyze"
cat > "$WORK/nginx.conf" <<CONF
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  default_type application/json;
  client_body_temp_path $WORK/tmp; proxy_temp_path $WORK/tmp; fastcgi_temp_path $WORK/tmp;
  uwsgi_temp_path $WORK/tmp; scgi_temp_path $WORK/tmp;
  server { listen 127.0.0.1:$NGINX_PORT; root $WORK/www; location / { } }
}
CONF
mkdir -p "$WORK/tmp"
chmod -R a+rX "$WORK"  # nginx workers run unprivileged
/usr/sbin/nginx -c "$WORK/nginx.conf" -p "$WORK"
sleep 0.5

curl -sf -o /dev/null "http://127.0.0.1:$NGINX_PORT/api/v1/analyze" || { echo "nginx does not serve the file" >&2; exit 1; }
echo "== nginx static file ($(wc -c < "$WORK/www/api/v1/analyze") bytes)"
wrk -t2 -c64 -d"${SECS}s" --latency "http://127.0.0.1:$NGINX_PORT/api/v1/analyze?symbol=RELIANCE"
echo "== nifty gateway /api/v1/analyze (auth + token bucket, access log off)"
wrk -t2 -c64 -d"${SECS}s" --latency -H "X-API-KEY: $KEY" "http://127.0.0.1:$GW_PORT/api/v1/analyze?symbol=RELIANCE"
