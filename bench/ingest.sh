#!/usr/bin/env bash
# Ingest benchmark: how many events/s go through POST /v1/{tenant}/events into Redis, and how
# that compares with the raw pipelined XADD rate of the same redis-server.
#
#   bench/ingest.sh                      # 1,000,000 events, batches of 1000, 4 requests in flight
#   EVENTS=200000 PARALLEL=8 bench/ingest.sh
#
# It builds a release build in build-release/ (meson --buildtype=release, no tests) unless
# RECO_BENCH_BUILD names another build dir, starts its own redis-server (AOF on, appendfsync
# always as in production, temp dir, free port), the gateway, INGESTORS ingest workers and one query worker
# (for /healthz), all on 127.0.0.1 and free ports, generates the events deterministically
# (bench/gen_events.py, cached in bench/out/), imports them with reco-import, then runs
#   redis-benchmark -P 16 -n 1000000 -q XADD benchstream '*' user u item i type view ts 1
# against the same redis-server. Prints each command it runs, the figures, and the ratio
# events/s / XADD/s. Every step has a time limit (BENCH_TIMEOUT, default 900 s for the import);
# everything it started is stopped on exit, and the temp dir removed (BENCH_KEEP=1 keeps it).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
EVENTS=${EVENTS:-1000000}
USERS=${USERS:-50000}
ITEMS=${ITEMS:-20000}
SEED=${SEED:-42}
BATCH=${BATCH:-1000}
PARALLEL=${PARALLEL:-4}
INGESTORS=${INGESTORS:-2}
XADD_N=${XADD_N:-1000000}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-900}
BUILD=${RECO_BENCH_BUILD:-$ROOT/build-release}
TENANT=bench

# -- build ---------------------------------------------------------------------------------
. bench/lib.sh
bench_build
for b in gateway/reco-gateway ingestor/reco-ingestor query/reco-query tools/reco-import/reco-import; do
  [ -x "$BUILD/$b" ] || { log "$BUILD/$b is not built"; exit 1; }
done
command -v redis-benchmark >/dev/null || { log "redis-benchmark is missing (apt-get install redis-tools)"; exit 1; }

# -- data ----------------------------------------------------------------------------------
mkdir -p bench/out
DATA=bench/out/events-$EVENTS-$USERS-$ITEMS-$SEED.csv
if [ ! -s "$DATA" ]; then
  show python3 bench/gen_events.py "$DATA" --events "$EVENTS" --users "$USERS" --items "$ITEMS" --seed "$SEED"
  python3 bench/gen_events.py "$DATA.tmp" --events "$EVENTS" --users "$USERS" --items "$ITEMS" --seed "$SEED"
  mv "$DATA.tmp" "$DATA"
fi

# -- processes -----------------------------------------------------------------------------
bench_processes reco-bench

REDIS_PORT=$(free_port) HTTP_PORT=$(free_port) INGEST_PORT=$(free_port) QUERY_PORT=$(free_port)
BASE=http://127.0.0.1:$HTTP_PORT
mkdir -p "$TMP/redis"
start redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$TMP/redis" --appendonly yes \
  --appendfsync always --save ''
REDIS_PID=${PIDS[-1]}
RCLI=(redis-cli -h 127.0.0.1 -p "$REDIS_PORT")
wait_for redis-server 10 sh -c "${RCLI[*]} ping | grep -q PONG"
start gateway "$BUILD/gateway/reco-gateway" --http-host 127.0.0.1 --http-port "$HTTP_PORT" \
  --ingest-bind "tcp://127.0.0.1:$INGEST_PORT" --query-bind "tcp://127.0.0.1:$QUERY_PORT" --log-level info \
  --auth off
GATEWAY_PID=${PIDS[-1]}
INGESTOR_PIDS=()
for n in $(seq "$INGESTORS"); do
  start "ingestor-$n" "$BUILD/ingestor/reco-ingestor" --redis "127.0.0.1:$REDIS_PORT" \
    --gateway "tcp://127.0.0.1:$INGEST_PORT" --log-level info
  INGESTOR_PIDS+=("${PIDS[-1]}")
done
start query "$BUILD/query/reco-query" --redis "127.0.0.1:$REDIS_PORT" --gateway "tcp://127.0.0.1:$QUERY_PORT" \
  --log-level info
healthy() {
  curl -fsS "$BASE/healthz" | python3 -c 'import json,sys; w=json.load(sys.stdin).get("workers",{}); sys.exit(0 if w.get("ingest",0)>='"$INGESTORS"' else 1)'
}
wait_for "the gateway with $INGESTORS ingestors" 20 healthy

# -- import --------------------------------------------------------------------------------
declare -A BEFORE
for p in "$REDIS_PID" "$GATEWAY_PID" "${INGESTOR_PIDS[@]}"; do BEFORE[$p]=$(cpu_ticks "$p"); done
"${RCLI[@]}" info commandstats >"$TMP/cmdstats.before"
IMPORT=("$BUILD/tools/reco-import/reco-import" --url "$BASE" --tenant "$TENANT" --batch "$BATCH"
        --parallel "$PARALLEL" --timestamp-unit ms --quiet "$DATA")
show timeout "$BENCH_TIMEOUT" "${IMPORT[@]}"
children_cpu() { # sets CHILD_CPU: user+sys seconds of this shell's finished children (`times`)
  times >"$TMP/times" # must run in this shell: in a pipe or $(...) it would count a subshell's
  CHILD_CPU=$(tail -n 1 "$TMP/times" | awk '{ gsub(/s/, "", $1); gsub(/s/, "", $2); split($1, u, "m");
                                              split($2, s, "m"); printf "%.2f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }')
}
children_cpu
IMPORT_CPU_BEFORE=$CHILD_CPU
set +e
SUMMARY=$(timeout "$BENCH_TIMEOUT" "${IMPORT[@]}" 2>"$TMP/import.err")
STATUS=$?
set -e
children_cpu
IMPORT_CPU=$(python3 -c "print('%.1f' % ($CHILD_CPU - $IMPORT_CPU_BEFORE))")
echo "$SUMMARY"
if [ "$STATUS" != 0 ]; then
  log "reco-import exited with $STATUS"; tail -n 20 "$TMP/import.err" "$TMP"/*.log >&2; exit 1
fi
HZ=$(getconf CLK_TCK)
cpu_of() { awk -v t="$(( $(cpu_ticks "$1") - ${BEFORE[$1]} ))" -v hz="$HZ" 'BEGIN { printf "%.1f", t / hz }'; }
"${RCLI[@]}" info commandstats >"$TMP/cmdstats.after"
XLEN=$("${RCLI[@]}" XLEN "reco:{$TENANT}:events")
SECONDS_USED=$(sed -n 's/.*, \([0-9.]*\) s, .*/\1/p' <<<"$SUMMARY")
STORED=$(sed -n 's/.*stored \([0-9]*\),.*/\1/p' <<<"$SUMMARY")
EVENTS_PER_S=$(python3 -c "print(round($STORED / $SECONDS_USED))")
[ "$XLEN" = "$EVENTS" ] || log "warning: XLEN reco:{$TENANT}:events is $XLEN, expected $EVENTS"
ING_CPU=""
for p in "${INGESTOR_PIDS[@]}"; do ING_CPU="$ING_CPU $(cpu_of "$p")"; done
CPU_LINE="redis $(cpu_of "$REDIS_PID") s, gateway $(cpu_of "$GATEWAY_PID") s, ingestors$ING_CPU s, reco-import $IMPORT_CPU s"
CMDS_PER_EVENT=$(python3 - "$TMP/cmdstats.before" "$TMP/cmdstats.after" "$XLEN" <<'PY'
import re, sys
def calls(path):
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"cmdstat_(\S+?):calls=(\d+)", open(path).read())}
before, after, events = calls(sys.argv[1]), calls(sys.argv[2]), max(int(sys.argv[3]), 1)
delta = {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0) > 0 and k != "info"}
parts = ["%s %.2f" % (k, v / events) for k, v in sorted(delta.items(), key=lambda kv: -kv[1])]
print("%.2f (%s)" % (sum(delta.values()) / events, ", ".join(parts)))
PY
)

# -- raw Redis write rate ------------------------------------------------------------------
XADD=(redis-benchmark -h 127.0.0.1 -p "$REDIS_PORT" -P 16 -n "$XADD_N" -q XADD benchstream '*' user u item i type view ts 1)
show timeout 300 "${XADD[@]}"
XADD_OUT=$(timeout 300 "${XADD[@]}" 2>&1 | tr '\r' '\n' | grep 'requests per second' | tail -n 1)
echo "$XADD_OUT"
XADD_PER_S=$(sed -n 's/.*: \([0-9.]*\) requests per second.*/\1/p' <<<"$XADD_OUT")
"${RCLI[@]}" DEL benchstream >/dev/null

RETRIES=$(grep -c 'WARN  retry' "$TMP/import.err" || true)
RESENT=$(grep -c 'retrying on another worker' "$TMP/gateway.log" || true)
RECONNECTS=$(cat "$TMP"/ingestor-*.log | grep -c 'reconnecting' || true)
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

cat <<EOF

== ingest benchmark ($(date -u +%FT%TZ), $(nproc) cores, $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo '+changes'))
binaries          $BUILD
events            $EVENTS ($USERS users, $ITEMS items, seed $SEED), batches of $BATCH, $PARALLEL in flight, $INGESTORS ingestors
import            $STORED stored in $SECONDS_USED s = $EVENTS_PER_S events/s   (XLEN $XLEN)
redis cmds/event  $CMDS_PER_EVENT
CPU time          $CPU_LINE (during the import)
XADD pipelined    $XADD_PER_S XADD/s (redis-benchmark -P 16, same server, AOF on)
incidents         reco-import retried $RETRIES requests (503/429/5xx/no answer); the gateway re-sent $RESENT to another worker; ingestors reconnected $RECONNECTS times
load average      $LOAD (other work on the machine skews the figures)
ratio             $(python3 -c "print('%.3f' % ($EVENTS_PER_S / $XADD_PER_S))") (events/s / XADD/s)
EOF
