#!/usr/bin/env bash
# Full rebuild of every served model on a synthetic tenant: 20M events, 1M users, 100k items
# (EVENTS, USERS, ITEMS to change). Prints the time of a first build (the whole stream read) and
# of a rebuild by the same process (events kept in memory), the peak RSS (targets: under
# 3 minutes and 4 GiB) and the per-model log lines.
#
#   bench/train_synthetic.sh                          # 20M events (first run generates: minutes)
#   EVENTS=2000000 USERS=100000 ITEMS=20000 bench/train_synthetic.sh
#
# The stream is generated once by bench/gen_stream.py (fixed seed) straight into a private
# redis-server (loopback, free port) and kept as bench/out/synth-<params>/dump.rdb, so later runs
# just load it. Uses the release build in build-release/ (RECO_BENCH_BUILD to override).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
EVENTS=${EVENTS:-20000000}
USERS=${USERS:-1000000}
ITEMS=${ITEMS:-100000}
BUILDS=${BUILDS:-2} # 1: the first build only
BUILD=${RECO_BENCH_BUILD:-$ROOT/build-release}
DATA=$ROOT/bench/out/synth-$EVENTS-$USERS-$ITEMS
mkdir -p "$DATA"

. bench/lib.sh
bench_build
command -v /usr/bin/time >/dev/null || { echo "bench: needs /usr/bin/time (Debian package 'time')" >&2; exit 2; }

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$PORT" --bind 127.0.0.1 --dir "$DATA" --dbfilename dump.rdb --save '' --appendonly no \
  --logfile "$DATA/redis.log" --daemonize yes --pidfile "$DATA/redis.pid"
trap 'redis-cli -p "$PORT" shutdown nosave >/dev/null 2>&1 || true' EXIT
for _ in $(seq 600); do
  [ "$(redis-cli -p "$PORT" ping 2>/dev/null)" = PONG ] && break
  sleep 0.2
done
LEN=$(redis-cli -p "$PORT" XLEN 'reco:{synth}:events')
if [ "$LEN" -lt "$EVENTS" ]; then
  echo "bench: generating $EVENTS events into redis (once; cached as $DATA/dump.rdb)" >&2
  redis-cli -p "$PORT" DEL 'reco:{synth}:events' >/dev/null
  python3 bench/gen_stream.py --tenant synth --events "$EVENTS" --users "$USERS" --items "$ITEMS" |
    redis-cli -p "$PORT" --pipe >/dev/null
  redis-cli -p "$PORT" SAVE >/dev/null
fi
echo "bench: stream holds $(redis-cli -p "$PORT" XLEN 'reco:{synth}:events') events; redis uses $(redis-cli -p "$PORT" INFO memory | grep -m1 used_memory_human | tr -d '\r')" >&2

# Two builds in one process: the first reads the whole stream (a trainer's first build after a
# start); the second is how a running trainer rebuilds, its event log kept in memory and only
# the entries added since read (none here).
echo "+ reco-trainer --redis 127.0.0.1:$PORT --once --tenant synth --builds "$BUILDS"" >&2
/usr/bin/time -v "$BUILD/trainer/reco-trainer" --redis "127.0.0.1:$PORT" --once --tenant synth --builds "$BUILDS" \
  2> "$DATA/trainer.log" || { tail -20 "$DATA/trainer.log"; exit 1; }
grep -E "tenant synth: read" "$DATA/trainer.log" | tail -2
totals=($(grep -oE "tenant synth: read .*; total [0-9]+ ms" "$DATA/trainer.log" | sed -E 's/.*total ([0-9]+) ms/\1/'))
rss=$(grep -E "Maximum resident set size" "$DATA/trainer.log" | awk '{print $NF}')
fmt() { printf "%d:%02d" $(($1 / 60000)) $((($1 / 1000) % 60)); }
echo
echo "== full rebuild of every model, synthetic tenant ($EVENTS events, $USERS users, $ITEMS items), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "first build (reads the whole stream)   $(fmt "${totals[0]}")   (target < 3:00)"
[ "${#totals[@]}" -gt 1 ] && echo "rebuild in a running trainer           $(fmt "${totals[1]}")   (events kept in memory)"
echo "peak RSS    $((rss / 1024)) MiB   (target < 4096 MiB)"
