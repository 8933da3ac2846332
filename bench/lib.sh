# Shared by the bench scripts (sourced after they cd to the repository root and set BUILD):
# their log lines, the release build they measure, and the processes they start.
log() { printf 'bench: %s\n' "$*" >&2; }
show() { printf '+ %s\n' "$*" >&2; }

# Installs what is missing and builds $BUILD (release, no tests), unless RECO_BENCH_BUILD names an
# existing build dir to use as it is.
bench_build() {
  [ -n "${RECO_BENCH_BUILD:-}" ] && return 0
  bash scripts/install-deps.sh
  if [ ! -f "$BUILD/meson-private/coredata.dat" ]; then
    show meson setup "$BUILD" --buildtype=release -Dtests=false
    meson setup "$BUILD" --buildtype=release -Dtests=false >/dev/null
  fi
  show meson compile -C "$BUILD"
  meson compile -C "$BUILD" >/dev/null || { meson compile -C "$BUILD"; exit 1; }
}

# The processes a bench starts: bench_processes PREFIX makes the temp dir $TMP
# (/tmp/PREFIX-XXXXXX) and stops everything start() started, newest first, on exit (TERM, then
# KILL after 5 s); the temp dir is removed unless BENCH_KEEP=1.
bench_processes() {
  TMP=$(mktemp -d "/tmp/$1-XXXXXX")
  PIDS=()
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}
bench_cleanup() {
  local pid
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill -TERM "${PIDS[i]}" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [ "${BENCH_KEEP:-0}" = 1 ]; then log "kept $TMP"; else rm -rf "$TMP"; fi
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
start() { # start NAME COMMAND...: in the background, output to $TMP/NAME.log
  local name=$1; shift
  show "$@"
  "$@" >"$TMP/$name.log" 2>&1 &
  PIDS+=("$!")
}
wait_for() { # wait_for WHAT SECONDS COMMAND...
  local what=$1 deadline=$((SECONDS + $2)); shift 2
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then log "$what not ready; logs:"; tail -n 20 "$TMP"/*.log >&2; exit 1; fi
    sleep 0.05
  done
}
cpu_ticks() { # utime+stime of a pid, in clock ticks
  awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}
