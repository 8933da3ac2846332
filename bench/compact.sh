#!/usr/bin/env bash
# Compaction benchmark: how long the trainer's stream compaction (trainer/reco_compact.h) takes
# to rewrite a tenant's event stream without its deleted entries, how long each of its Redis
# calls blocks Redis, and how that compares with Redis loading the same entries by pipelined
# XADD (redis-cli --pipe), measured in the same run.
#
#   bench/compact.sh                          # 2,000,000 events, 1 % deleted, chunk 1000
#   EVENTS=500000 CHUNK=5000 bench/compact.sh
#   RECO_BENCH_BUILD=build bench/compact.sh   # an existing build dir instead of build-release/
#
# In order (each command is printed): release build; its own redis-server (AOF on, appendfsync
# everysec, temp dir, free port); EVENTS synthetic events (bench/gen_stream.py) piped into the
# tenant's stream with redis-cli --pipe, timed: the baseline; every DELETE_EVERY-th entry
# XDEL-ed (a Lua loop, as privacy deletions leave the stream); SLOWLOG set to record calls over
# 1 ms; `reco-trainer --once --tenant synth --compact-chunk CHUNK` (a model build, then the
# compaction; the figure is the compaction's own time from its log line); the compaction's steps
# in SLOWLOG. Prints the figures and the ratio compaction time / load time.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
EVENTS=${EVENTS:-2000000}
USERS=${USERS:-100000}
ITEMS=${ITEMS:-20000}
DELETE_EVERY=${DELETE_EVERY:-100}
CHUNK=${CHUNK:-1000}
BUILD=${RECO_BENCH_BUILD:-$ROOT/build-release}
TENANT=synth

. bench/lib.sh
bench_build
[ -x "$BUILD/trainer/reco-trainer" ] || { log "$BUILD/trainer/reco-trainer is not built"; exit 1; }
bench_processes reco-bench-compact

REDIS_PORT=$(free_port)
mkdir -p "$TMP/redis"
start redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$TMP/redis" --appendonly yes \
  --appendfsync everysec --save ''
RCLI=(redis-cli -h 127.0.0.1 -p "$REDIS_PORT")
wait_for redis-server 10 sh -c "${RCLI[*]} ping | grep -q PONG"
STREAM="reco:{$TENANT}:events"

show "python3 bench/gen_stream.py --tenant $TENANT --events $EVENTS ... > $TMP/stream.resp"
python3 bench/gen_stream.py --tenant "$TENANT" --events "$EVENTS" --users "$USERS" --items "$ITEMS" \
  >"$TMP/stream.resp"
show "${RCLI[*]} --pipe < $TMP/stream.resp"
t0=$(date +%s%N)
"${RCLI[@]}" --pipe <"$TMP/stream.resp" >"$TMP/pipe.log"
load_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
EVENTS=$("${RCLI[@]}" XLEN "$STREAM")
"${RCLI[@]}" SADD reco:tenants "$TENANT" >/dev/null
rm -f "$TMP/stream.resp"

# every DELETE_EVERY-th entry goes, 10,000 entries a call
DEL_SCRIPT="local r = redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', 10000)
local n = 0
for k, e in ipairs(r) do if k % tonumber(ARGV[2]) == 0 then n = n + redis.call('XDEL', KEYS[1], e[1]) end end
if #r == 0 then return {'', n} end
return {'(' .. r[#r][1], n}"
show "XDEL of every ${DELETE_EVERY}th entry (EVAL over pages of 10,000)"
from=- deleted=0
while [ -n "$from" ]; do
  mapfile -t out < <("${RCLI[@]}" --raw EVAL "$DEL_SCRIPT" 1 "$STREAM" "$from" "$DELETE_EVERY")
  from=${out[0]}
  deleted=$((deleted + out[1]))
done
live=$("${RCLI[@]}" XLEN "$STREAM")

"${RCLI[@]}" CONFIG SET slowlog-log-slower-than 1000 >/dev/null
"${RCLI[@]}" CONFIG SET slowlog-max-len 100000 >/dev/null
"${RCLI[@]}" SLOWLOG RESET >/dev/null
show "$BUILD/trainer/reco-trainer --redis 127.0.0.1:$REDIS_PORT --once --tenant $TENANT --compact-chunk $CHUNK"
"$BUILD/trainer/reco-trainer" --redis "127.0.0.1:$REDIS_PORT" --once --tenant "$TENANT" \
  --compact-chunk "$CHUNK" >"$TMP/trainer.log" 2>&1 || { tail -n 20 "$TMP/trainer.log" >&2; exit 1; }
line=$(grep "event stream compacted" "$TMP/trainer.log") || { tail -n 20 "$TMP/trainer.log" >&2; exit 1; }
compact_ms=$(sed -E 's/.* in ([0-9]+) ms;.*/\1/' <<<"$line")
# SLOWLOG GET: id, time, microseconds, then the arguments; the steps are EVALs of the script
# whose text starts with "local src, copy"
read -r slow median_us max_us last_us < <("${RCLI[@]}" --no-raw SLOWLOG GET 100000 | python3 -c '
import re, sys
text = sys.stdin.read()
entries = re.split(r"\n(?=\s*\d+\) 1\) \(integer\))", text)
steps, last = [], 0
for e in entries:
    m = re.search(r"3\) \(integer\) (\d+)", e)
    if "local src, copy" in e and m:
        steps.append(int(m.group(1)))
        if re.search(r"10\) \"0\"", e):  # chunk 0: the last step (tail, counters, swap)
            last = int(m.group(1))
steps.sort()
print(len(steps), steps[len(steps) // 2] if steps else 0, steps[-1] if steps else 0, last)')
after=$("${RCLI[@]}" XLEN "$STREAM")
[ "$after" = "$live" ] || { log "the stream has $after entries after the compaction, $live before"; exit 1; }

printf '\n%-52s %s\n' "events loaded (pipelined XADD, redis-cli --pipe)" "$EVENTS in $load_ms ms ($(( EVENTS * 1000 / (load_ms > 0 ? load_ms : 1) )) entries/s)"
printf '%-52s %s\n' "deleted (XDEL), live entries" "$deleted, $live"
printf '%-52s %s\n' "compaction (chunk $CHUNK)" "$compact_ms ms ($(( live * 1000 / (compact_ms > 0 ? compact_ms : 1) )) entries/s)"
printf '%-52s %s\n' "compaction steps over 1 ms: how many, median, longest" "$slow of $(( (live + CHUNK - 1) / CHUNK + 1 )), $(awk -v m="$median_us" -v u="$max_us" 'BEGIN { printf "%.1f ms, %.1f ms", m / 1000, u / 1000 }')"
printf '%-52s %s\n' "the last step (tail, XSETID, swap; 0: under 1 ms)" "$(awk -v u="$last_us" 'BEGIN { printf "%.1f ms", u / 1000 }')"
printf '%-52s %s\n' "ratio compaction time / load time" "$(awk -v a="$compact_ms" -v b="$load_ms" 'BEGIN { printf "%.2f", a / b }')"
echo "$line" | sed 's/^/trainer: /'
