#!/usr/bin/env bash
# Query benchmark: GET /v1/{tenant}/recommend?model=item-to-item&item=<random item> through the
# whole system (gateway, broker, QUERY_WORKERS query workers, Redis), next to a bare libevent
# server answering a fixed JSON body of the same size, measured with wrk in the same run.
#
#   bench/query.sh                            # 100k-item catalogue, 500k events, 2 query workers
#   ROUNDS=5 DURATION=20 CONNECTIONS=64 bench/query.sh
#   RECO_BENCH_BUILD=build bench/query.sh     # an existing build dir instead of build-release/
#   BENCH_KEEP=1 bench/query.sh               # keep the temp dir (process logs, Redis data)
#   GATEWAY_ARGS="--query-credit 1" bench/query.sh   # extra reco-gateway flags
#   AUTH=on bench/query.sh                    # API keys on (docs/auth.md): wrk sends a read key, the
#                                             # tenant's rate limit is 1e6/s (the bucket is taken)
#   HOLD=1 bench/query.sh                     # set up, print the URLs and pids, wait (profiling)
#
# In order (each command is printed): release build of the programs and of bench/bare_http.c;
# its own redis-server (AOF off: nothing is written while measuring), gateway, one ingestor and
# QUERY_WORKERS query workers on 127.0.0.1 and free ports; a catalogue of ITEMS items through
# PUT /v1/bench/items (reco-import); EVENTS events from bench/gen_stream.py written straight into
# the tenant's stream (the trainer reads only the stream; going through the API would make this
# an ingest benchmark); one full model build (reco-trainer --once); the Redis data is then kept
# in bench/out/query-<items>-<events>-<users>.rdb, and later runs start from it instead of
# loading and training again. Then the ids of every item that has an item-to-item list, and
#   wrk -t THREADS -c CONNECTIONS -d DURATION --latency -s bench/query.lua URL -- ids bench
# against the bare server and against reco, alternating, ROUNDS times (WARMUP seconds of each
# first, not counted). Prints the median req/s and p99 of both, the ratio, and the CPU time per
# request of reco's processes; then one round of each at light load (LATENCY_CONNECTIONS, 4,
# one wrk thread) for the latency. Aims: ratio >= 0.5, reco p99 < 5 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ITEMS=${ITEMS:-100000}
EVENTS=${EVENTS:-500000}
USERS=${USERS:-50000}
QUERY_WORKERS=${QUERY_WORKERS:-2}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
BUILD=${RECO_BENCH_BUILD:-$ROOT/build-release}
TENANT=bench

# -- build ---------------------------------------------------------------------------------
. bench/lib.sh
bench_build
show meson compile -C "$BUILD" bare-http
meson compile -C "$BUILD" bare-http >/dev/null || { meson compile -C "$BUILD" bare-http; exit 1; }
for b in gateway/reco-gateway ingestor/reco-ingestor query/reco-query trainer/reco-trainer \
         tools/reco-import/reco-import bench/bare-http; do
  [ -x "$BUILD/$b" ] || { log "$BUILD/$b is not built"; exit 1; }
done
if ! command -v wrk >/dev/null; then # the bench needs wrk; the tests never do
  show sudo apt-get install -y wrk
  { [ "$(id -u)" = 0 ] && apt-get install -y wrk >/dev/null; } || sudo apt-get install -y wrk >/dev/null ||
    { log "wrk is missing (apt-get install wrk)"; exit 1; }
fi

# -- processes -----------------------------------------------------------------------------
bench_processes reco-bench-query

REDIS_PORT=$(free_port) HTTP_PORT=$(free_port) INGEST_PORT=$(free_port) QUERY_PORT=$(free_port)
BARE_PORT=$(free_port)
BASE=http://127.0.0.1:$HTTP_PORT
mkdir -p "$TMP/redis"
CACHE=bench/out/query-$ITEMS-$EVENTS-$USERS.rdb # the loaded and trained tenant, kept for the next run
AUTH=${AUTH:-off}
AUTH_ARGS=(--auth off)
if [ "$AUTH" = on ]; then # the data is loaded without keys: it must come from an earlier run
  [ -s "$CACHE" ] || { log "AUTH=on needs $CACHE: run bench/query.sh once without AUTH first"; exit 1; }
  ADMIN_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
  AUTH_ARGS=(--auth on --admin-key "$ADMIN_KEY" --redis "127.0.0.1:$REDIS_PORT")
fi
[ -s "$CACHE" ] && cp "$CACHE" "$TMP/redis/dump.rdb"
start redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$TMP/redis" --dbfilename dump.rdb \
  --appendonly no --save ''
REDIS_PID=${PIDS[-1]}
RCLI=(redis-cli -h 127.0.0.1 -p "$REDIS_PORT")
wait_for redis-server 180 sh -c "${RCLI[*]} ping | grep -q PONG"
start gateway "$BUILD/gateway/reco-gateway" --http-host 127.0.0.1 --http-port "$HTTP_PORT" \
  --ingest-bind "tcp://127.0.0.1:$INGEST_PORT" --query-bind "tcp://127.0.0.1:$QUERY_PORT" --log-level warn \
  "${AUTH_ARGS[@]}" ${GATEWAY_ARGS:-}
GATEWAY_PID=${PIDS[-1]}
start ingestor "$BUILD/ingestor/reco-ingestor" --redis "127.0.0.1:$REDIS_PORT" \
  --gateway "tcp://127.0.0.1:$INGEST_PORT" --log-level warn
QUERY_PIDS=()
for n in $(seq "$QUERY_WORKERS"); do
  start "query-$n" "$BUILD/query/reco-query" --redis "127.0.0.1:$REDIS_PORT" \
    --gateway "tcp://127.0.0.1:$QUERY_PORT" --log-level warn
  QUERY_PIDS+=("${PIDS[-1]}")
done
healthy() {
  curl -fsS "$BASE/healthz" | python3 -c 'import json,sys; w=json.load(sys.stdin).get("workers",{}); sys.exit(0 if w.get("query",0)>='"$QUERY_WORKERS"' else 1)'
}
wait_for "the gateway with $QUERY_WORKERS query workers" 20 healthy

# -- data ----------------------------------------------------------------------------------
if [ -s "$CACHE" ]; then
  log "using the tenant loaded and trained by an earlier run: $CACHE (delete it to rebuild)"
else
  python3 - "$ITEMS" >"$TMP/items.csv" <<'PY'
import random, sys
n = int(sys.argv[1])
rng = random.Random(7)
print("id,title,categories,price,brand")
for k in range(n):
    cat = "c%d|c%d/s%d" % (k % 40, k % 40, k % 400)
    print("i%d,Item %d,%s,%.2f,b%d" % (k, k, cat, rng.uniform(1, 500), k % 97))
PY
  show reco-import --kind items "$TMP/items.csv"
  "$BUILD/tools/reco-import/reco-import" --url "$BASE" --tenant "$TENANT" --kind items --batch 1000 \
    --parallel 2 --quiet "$TMP/items.csv"
  show "python3 bench/gen_stream.py --tenant $TENANT --events $EVENTS --users $USERS --items $ITEMS | redis-cli --pipe"
  python3 bench/gen_stream.py --tenant "$TENANT" --events "$EVENTS" --users "$USERS" --items "$ITEMS" --seed 42 |
    "${RCLI[@]}" --pipe >/dev/null
  show reco-trainer --once --tenant "$TENANT"
  "$BUILD/trainer/reco-trainer" --redis "127.0.0.1:$REDIS_PORT" --once --tenant "$TENANT" >"$TMP/trainer.log" 2>&1 ||
    { tail -n 20 "$TMP/trainer.log" >&2; exit 1; }
  "${RCLI[@]}" SAVE >/dev/null && mkdir -p bench/out && cp "$TMP/redis/dump.rdb" "$CACHE"
fi
V=$("${RCLI[@]}" GET "reco:{$TENANT}:m:item-to-item:current")
"${RCLI[@]}" --scan --pattern "reco:{$TENANT}:m:item-to-item:$V:i:*" |
  sed "s/^reco:{$TENANT}:m:item-to-item:$V:i://" >"$TMP/ids"
log "catalogue $("${RCLI[@]}" SCARD "reco:{$TENANT}:items") items, stream $("${RCLI[@]}" XLEN "reco:{$TENANT}:events") events," \
    "item-to-item v$V lists for $(wc -l <"$TMP/ids") items"
SAMPLE=$(head -n 1 "$TMP/ids")
KEY=""
if [ "$AUTH" = on ]; then # a read key of the tenant, with a rate limit that never bites
  A=(-H "Authorization: Bearer $ADMIN_KEY" -H "Content-Type: application/json")
  curl -sS "${A[@]}" -d "{\"tenant\": \"$TENANT\"}" "$BASE/admin/tenants" >/dev/null
  curl -fsS "${A[@]}" -X PATCH -d '{"rate_limit": {"per_second": 1000000, "burst": 1000000}}' \
    "$BASE/admin/tenants/$TENANT" >/dev/null
  KEY=$(curl -fsS "${A[@]}" -d '{"role": "read"}' "$BASE/admin/tenants/$TENANT/keys" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
  log "auth on: wrk sends a read key of tenant $TENANT"
fi
curl -fsS ${KEY:+-H "Authorization: Bearer $KEY"} "$BASE/v1/$TENANT/recommend?model=item-to-item&item=$SAMPLE" \
  >"$TMP/body.json"
log "a sample answer is $(wc -c <"$TMP/body.json") bytes: $(head -c 160 "$TMP/body.json")..."
start bare "$BUILD/bench/bare-http" "$BARE_PORT" "$TMP/body.json"
wait_for "bare-http" 10 curl -fsS "http://127.0.0.1:$BARE_PORT/"

if [ "${HOLD:-0}" = 1 ]; then # for profiling by hand: everything stays up until Ctrl-C
  log "holding: reco $BASE, bare http://127.0.0.1:$BARE_PORT, ids $TMP/ids, pids gateway $GATEWAY_PID" \
      "query ${QUERY_PIDS[*]} redis $REDIS_PID"
  while sleep 3600; do :; done
fi

# -- measure -------------------------------------------------------------------------------
# ROUNDS rounds of DURATION s each, bare and reco alternating (after WARMUP s of each, not
# counted), so that both see the same machine: other work on a shared machine moves both. The
# figures are the medians over the rounds. Also the CPU time each process of reco used per
# request (utime + stime from /proc), which other load disturbs much less than rates.
HZ=$(getconf CLK_TCK)
wrk_args() { echo -t "$THREADS" -c "$CONNECTIONS" --latency -s bench/query.lua "$1" -- "$TMP/ids" "$TENANT" $KEY; }
rate() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }
p99() { # in ms
  awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) }
                     else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }; printf "%.2f\n", v }' "$1"
}
requests() { awk '/requests in/ { print $1 }' "$1"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ROUNDS=${ROUNDS:-3}
BARE_URL=http://127.0.0.1:$BARE_PORT
# shellcheck disable=SC2046
wrk -d "${WARMUP}s" $(wrk_args "$BARE_URL") >/dev/null
# shellcheck disable=SC2046
wrk -d "${WARMUP}s" $(wrk_args "$BASE") >/dev/null
show wrk -d "${DURATION}s" $(wrk_args "<url>")
declare -A CPU_TOTAL=()
RECO_REQUESTS=0
for r in $(seq "$ROUNDS"); do
  # shellcheck disable=SC2046
  wrk -d "${DURATION}s" $(wrk_args "$BARE_URL") >"$TMP/wrk-bare-$r"
  declare -A BEFORE=()
  for p in "$GATEWAY_PID" "${QUERY_PIDS[@]}" "$REDIS_PID"; do BEFORE[$p]=$(cpu_ticks "$p"); done
  # shellcheck disable=SC2046
  wrk -d "${DURATION}s" $(wrk_args "$BASE") >"$TMP/wrk-reco-$r"
  for p in "$GATEWAY_PID" "${QUERY_PIDS[@]}" "$REDIS_PID"; do
    CPU_TOTAL[$p]=$(( ${CPU_TOTAL[$p]:-0} + $(cpu_ticks "$p") - ${BEFORE[$p]} ))
  done
  RECO_REQUESTS=$((RECO_REQUESTS + $(requests "$TMP/wrk-reco-$r")))
  log "round $r: bare $(rate "$TMP/wrk-bare-$r") req/s p99 $(p99 "$TMP/wrk-bare-$r") ms;" \
      "reco $(rate "$TMP/wrk-reco-$r") req/s p99 $(p99 "$TMP/wrk-reco-$r") ms"
  grep -hE "Non-2xx|Socket errors" "$TMP/wrk-reco-$r" >&2 || true
done
cat "$TMP/wrk-reco-$ROUNDS" >&2
# Latency at light load: LATENCY_CONNECTIONS connections, one wrk thread, one round each.
LATENCY_CONNECTIONS=${LATENCY_CONNECTIONS:-4}
latency_args() { echo -t 1 -c "$LATENCY_CONNECTIONS" --latency -s bench/query.lua "$1" -- "$TMP/ids" "$TENANT" $KEY; }
# shellcheck disable=SC2046
wrk -d "${DURATION}s" $(latency_args "$BARE_URL") >"$TMP/wrk-bare-light"
# shellcheck disable=SC2046
wrk -d "${DURATION}s" $(latency_args "$BASE") >"$TMP/wrk-reco-light"

BARE_RATE=$(for r in $(seq "$ROUNDS"); do rate "$TMP/wrk-bare-$r"; done | median)
RECO_RATE=$(for r in $(seq "$ROUNDS"); do rate "$TMP/wrk-reco-$r"; done | median)
BARE_P99=$(for r in $(seq "$ROUNDS"); do p99 "$TMP/wrk-bare-$r"; done | median)
RECO_P99=$(for r in $(seq "$ROUNDS"); do p99 "$TMP/wrk-reco-$r"; done | median)
us_per_request() { # CPU microseconds per reco request of the given pids together
  local t=0 p
  for p in "$@"; do t=$((t + ${CPU_TOTAL[$p]})); done
  awk -v t="$t" -v hz="$HZ" -v n="$RECO_REQUESTS" 'BEGIN { printf "%.0f", t / hz * 1e6 / (n ? n : 1) }'
}
RATIO=$(python3 -c "print('%.2f' % ($RECO_RATE / $BARE_RATE))")
echo
echo "== GET recommend item-to-item, random item of $(wc -l <"$TMP/ids"), $QUERY_WORKERS query workers, auth $AUTH," \
     "wrk -t$THREADS -c$CONNECTIONS, $ROUNDS rounds of ${DURATION}s each, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-28s %12s %10s\n' "median of $ROUNDS rounds" "req/s" "p99 ms"
printf '%-28s %12.0f %10s\n' "bare libevent, fixed body" "$BARE_RATE" "$BARE_P99"
printf '%-28s %12.0f %10s\n' "reco" "$RECO_RATE" "$RECO_P99"
echo "ratio reco / bare: $RATIO (aim >= 0.5); reco p99 $RECO_P99 ms (aim < 5 ms)"
printf '%-28s %12.0f %10s\n' "bare, $LATENCY_CONNECTIONS connections" "$(rate "$TMP/wrk-bare-light")" "$(p99 "$TMP/wrk-bare-light")"
printf '%-28s %12.0f %10s\n' "reco, $LATENCY_CONNECTIONS connections" "$(rate "$TMP/wrk-reco-light")" "$(p99 "$TMP/wrk-reco-light")"
echo "CPU per reco request: gateway $(us_per_request "$GATEWAY_PID") us, query workers" \
     "$(us_per_request "${QUERY_PIDS[@]}") us, redis $(us_per_request "$REDIS_PID") us"
