#!/usr/bin/env bash
# Rebuild benchmark: how long `reco-trainer --once` takes to rebuild every served model of one
# tenant holding MovieLens ml-latest-small (100,004 ratings, 671 users, 9,066 movies).
#
#   bench/train.sh                 # 3 rebuilds, 2 threads
#   RUNS=5 THREADS=1 bench/train.sh
#
# No HTTP and no reco-import: the ratings are written straight into the tenant's event stream
# (XADD reco:{ml}:events * user U item I type rating value V ts MS, the fields the ingestor
# writes) by a small generator piped into `redis-cli --pipe`, on its own redis-server (temp dir,
# free port, 127.0.0.1, no persistence). Then RUNS times `reco-trainer --once --tenant ml`; the
# figures are the trainer's own summary line (read, each model, total) and the wall time of the
# process. The rebuild target is < 2 s.
#
# It builds a release build in build-release/ (meson --buildtype=release, no tests) unless
# RECO_BENCH_BUILD names another build dir, fetches the data with scripts/datasets/movielens.sh
# when it is missing, and stops everything it started on exit (BENCH_KEEP=1 keeps the temp dir).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-3}
THREADS=${THREADS:-2}
TENANT=ml
BUILD=${RECO_BENCH_BUILD:-$ROOT/build-release}
DATA=$ROOT/.cache/datasets/ml-latest-small/ratings.csv

. bench/lib.sh
bench_build
TRAINER=$BUILD/trainer/reco-trainer
[ -x "$TRAINER" ] || { log "$TRAINER is not built"; exit 1; }
[ -x /usr/bin/time ] || { log "/usr/bin/time is missing (apt-get install time)"; exit 1; }
[ -s "$DATA" ] || { show scripts/datasets/movielens.sh; bash scripts/datasets/movielens.sh >&2; }

TMP=$(mktemp -d /tmp/reco-train-bench-XXXXXX)
REDIS_PID=""
cleanup() {
  if [ -n "$REDIS_PID" ]; then
    kill -TERM "$REDIS_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$REDIS_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$REDIS_PID" 2>/dev/null || true
  fi
  wait 2>/dev/null || true
  if [ "${BENCH_KEEP:-0}" = 1 ]; then log "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
show redis-server --port "$PORT" --bind 127.0.0.1 --dir "$TMP" --save "''" --appendonly no
redis-server --port "$PORT" --bind 127.0.0.1 --dir "$TMP" --save '' --appendonly no >"$TMP/redis.log" 2>&1 &
REDIS_PID=$!
RCLI=(redis-cli -h 127.0.0.1 -p "$PORT")
for _ in $(seq 100); do "${RCLI[@]}" ping 2>/dev/null | grep -q PONG && break; sleep 0.05; done

# One RESP command per rating (timestamps are epoch seconds in the file, ms in the stream).
show "python3 (CSV -> XADD commands) | redis-cli --pipe"
python3 - "$DATA" "$TENANT" >"$TMP/load.resp" <<'PY'
import csv, sys
out = sys.stdout.buffer
def command(*args):
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
    out.write(b"".join(parts))
key = "reco:{%s}:events" % sys.argv[2]
with open(sys.argv[1], newline="") as f:
    for row in csv.DictReader(f):
        command("XADD", key, "*", "user", row["user"], "item", row["item"], "type", "rating",
                "value", row["value"], "ts", str(int(float(row["timestamp"])) * 1000))
command("SADD", "reco:tenants", sys.argv[2])
PY
"${RCLI[@]}" --pipe <"$TMP/load.resp" | tail -n 1 >&2
EVENTS=$("${RCLI[@]}" XLEN "reco:{$TENANT}:events")
log "stream reco:{$TENANT}:events holds $EVENTS entries"

TOTALS=()
for run in $(seq "$RUNS"); do
  show "$TRAINER" --once --tenant "$TENANT" --redis "127.0.0.1:$PORT" --threads "$THREADS"
  start_ns=$(date +%s%N)
  /usr/bin/time -f '%U %S' -o "$TMP/cpu-$run" \
    "$TRAINER" --once --tenant "$TENANT" --redis "127.0.0.1:$PORT" --threads "$THREADS" \
    >"$TMP/trainer-$run.log" 2>&1 || { cat "$TMP/trainer-$run.log" >&2; exit 1; }
  wall_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
  cpu_s=$(awk '{ printf "%.2f", $1 + $2 }' "$TMP/cpu-$run")
  line=$(grep -o "tenant $TENANT: read .*" "$TMP/trainer-$run.log" | tail -n 1)
  total=$(sed -n 's/.*; total \([0-9]*\) ms.*/\1/p' <<<"$line")
  TOTALS+=("$total")
  echo "run $run: $line (process: wall $wall_ms ms, CPU $cpu_s s)"
done

echo
echo "== rebuild benchmark ($(date -u +%FT%TZ), $(nproc) cores, --threads $THREADS, $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo '+changes'))"
echo "tenant $TENANT: $EVENTS events (ml-latest-small); models: $(
  "${RCLI[@]}" --scan --pattern "reco:{$TENANT}:m:*:current" | sed 's/.*:m:\(.*\):current/\1/' | sort | tr '\n' ' ')"
echo "total ms per run: ${TOTALS[*]}  (min $(printf '%s\n' "${TOTALS[@]}" | sort -n | head -n 1); target < 2000)"
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the figures)"
