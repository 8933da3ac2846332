#!/usr/bin/env bash
# The one run command: installs what is missing, builds, starts a whole reco on this machine
# (redis-server with AOF, gateway, ingestor, 2 query workers, trainer), loads the demo shop
# into tenant "demo", trains it, prints example requests, and stays in the foreground until
# Ctrl-C or SIGTERM, then stops everything it started.
#
# Everything listens on 127.0.0.1. State lives in .run/: redis/ (the AOF data, kept between
# runs), logs/*.log, pids/*.pid. Ports: RECO_REDIS_PORT (6379) and RECO_HTTP_PORT (8080); a busy
# port is replaced by a free one (and said so). The ZeroMQ ports are picked free each run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUN=$ROOT/.run
BUILD=$ROOT/build
TENANT=demo

log() { printf 'reco: %s\n' "$*" >&2; }

bash scripts/install-deps.sh
if [ ! -f "$BUILD/meson-private/coredata.dat" ]; then
  meson setup "$BUILD" >/dev/null
fi
meson compile -C "$BUILD" >/dev/null || { meson compile -C "$BUILD"; exit 1; }

mkdir -p "$RUN/redis" "$RUN/logs" "$RUN/pids"

# A previous run that was killed hard may have left processes behind: stop those of them
# whose pid file we wrote and whose command line is still ours (a recycled pid is left alone).
for pidfile in "$RUN"/pids/*.pid; do
  [ -e "$pidfile" ] || continue
  pid=$(cat "$pidfile" 2>/dev/null || true)
  name=$(basename "$pidfile" .pid)
  if [[ "$pid" =~ ^[0-9]+$ ]] && [ -r "/proc/$pid/cmdline" ] &&
     tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -e "reco-" -e "redis-server"; then
    log "stopping $name (pid $pid) left over from an earlier run"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
done

port_is_free() {
  python3 -c 'import socket,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try: s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError: sys.exit(1)' "$1"
}
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
pick_port() { # pick_port WANTED WHAT
  if port_is_free "$1"; then echo "$1"; return; fi
  local p; p=$(free_port)
  log "port $1 ($2) is busy; using $p instead"
  echo "$p"
}

REDIS_PORT=$(pick_port "${RECO_REDIS_PORT:-6379}" redis)
HTTP_PORT=$(pick_port "${RECO_HTTP_PORT:-8080}" HTTP)
INGEST_PORT=$(free_port)
QUERY_PORT=$(free_port)
BASE=http://127.0.0.1:$HTTP_PORT

PIDS=()
NAMES=()
start() { # start NAME COMMAND...
  local name=$1; shift
  printf '=== %s %s\n' "$(date -u +%FT%TZ)" "$*" >>"$RUN/logs/$name.log"
  "$@" >>"$RUN/logs/$name.log" 2>&1 &
  PIDS+=("$!")
  NAMES+=("$name")
  echo "$!" >"$RUN/pids/$name.pid"
}

STOPPING=0
stop_pids() { # stop_pids INDEX...: SIGTERM, up to 5 s of grace, then SIGKILL
  local i alive
  for i in "$@"; do kill -TERM "${PIDS[i]}" 2>/dev/null || true; done
  for _ in $(seq 50); do
    alive=0
    for i in "$@"; do kill -0 "${PIDS[i]}" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for i in "$@"; do
    if kill -0 "${PIDS[i]}" 2>/dev/null; then
      log "${NAMES[i]} (pid ${PIDS[i]}) ignored SIGTERM for 5 s; killing it"
      kill -KILL "${PIDS[i]}" 2>/dev/null || true
    fi
    rm -f "$RUN/pids/${NAMES[i]}.pid"
  done
}
stop_all() { # the reco processes first, newest first, then redis-server (index 0) last
  [ "$STOPPING" = 1 ] && return
  STOPPING=1
  trap - INT TERM
  log "stopping"
  local i others=()
  for ((i = ${#PIDS[@]} - 1; i >= 1; i--)); do others+=("$i"); done
  [ ${#others[@]} -gt 0 ] && stop_pids "${others[@]}"
  [ ${#PIDS[@]} -gt 0 ] && stop_pids 0
  wait 2>/dev/null || true
  log "stopped"
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all' EXIT

wait_for() { # wait_for WHAT SECONDS COMMAND...
  local what=$1 secs=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "$what not ready after $secs s; last log lines:"
      tail -n 20 "$RUN"/logs/*.log >&2 || true
      exit 1
    fi
    sleep 0.05
  done
}

start redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$RUN/redis" \
  --appendonly yes --appendfsync always --save ''
wait_for "redis-server" 10 sh -c "redis-cli -h 127.0.0.1 -p $REDIS_PORT ping | grep -q PONG"

# The demo runs in development mode: no API keys (docs/auth.md), as the gateway's log says too.
log "development mode: the gateway runs with --auth off (no API keys, every tenant open on 127.0.0.1)"
start gateway "$BUILD/gateway/reco-gateway" --http-host 127.0.0.1 --http-port "$HTTP_PORT" \
  --ingest-bind "tcp://127.0.0.1:$INGEST_PORT" --query-bind "tcp://127.0.0.1:$QUERY_PORT" --log-level info \
  --auth off
start ingestor "$BUILD/ingestor/reco-ingestor" --redis "127.0.0.1:$REDIS_PORT" --gateway "tcp://127.0.0.1:$INGEST_PORT"
start query-1 "$BUILD/query/reco-query" --redis "127.0.0.1:$REDIS_PORT" --gateway "tcp://127.0.0.1:$QUERY_PORT"
start query-2 "$BUILD/query/reco-query" --redis "127.0.0.1:$REDIS_PORT" --gateway "tcp://127.0.0.1:$QUERY_PORT"
start trainer "$BUILD/trainer/reco-trainer" --redis "127.0.0.1:$REDIS_PORT" --interval 60
wait_for "the gateway (/healthz)" 15 curl -fsS "$BASE/healthz"
log "up: $(curl -fsS "$BASE/healthz")"

events=$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" XLEN "reco:{$TENANT}:events")
if [ "${events:-0}" -gt 0 ]; then
  log "tenant '$TENANT' already holds $events events (from .run/redis); not loading the demo again"
  python3 scripts/demo/load.py "$BASE" --tenant "$TENANT" --skip-data
else
  python3 scripts/demo/load.py "$BASE" --tenant "$TENANT"
fi

cat <<EOF

reco is running at $BASE   (logs: .run/logs/, data: .run/redis/, redis on 127.0.0.1:$REDIS_PORT)

  dashboard: $BASE/dashboard/?tenant=$TENANT   (docs/dashboard.md)

  curl '$BASE/v1/$TENANT/recommend?model=popular&limit=5'
  curl '$BASE/v1/$TENANT/recommend?model=item-to-item&item=tent-trail-2p&limit=5'
  curl '$BASE/v1/$TENANT/recommend?model=item-to-item&user=user-007&limit=5'
  curl -X POST '$BASE/v1/$TENANT/events' -H 'Content-Type: application/json' \\
       -d '{"user":"user-007","item":"stove-canister","type":"purchase"}'
  curl '$BASE/v1/$TENANT/models'
  curl '$BASE/healthz'
  curl '$BASE/openapi.json'     # every route, native and dialects (README, "API description")

Press Ctrl-C to stop.
EOF

# Stay in the foreground; if a process dies on its own, say which and stop the rest.
while true; do
  set +e
  wait -n
  set -e
  [ "$STOPPING" = 1 ] && exit 0
  for ((i = 0; i < ${#PIDS[@]}; i++)); do
    if ! kill -0 "${PIDS[i]}" 2>/dev/null; then
      log "${NAMES[i]} (pid ${PIDS[i]}) exited; its last log lines:"
      tail -n 20 "$RUN/logs/${NAMES[i]}.log" >&2 || true
      exit 1
    fi
  done
done
