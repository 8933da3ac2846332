#!/usr/bin/env bash
# Scaling benchmark: the query benchmark (bench/query.sh: wrk on GET /v1/{tenant}/recommend
# through gateway, broker, query workers and Redis, next to a bare libevent server in the same
# run) with 1, 2 and 4 query workers, one after the other on the same data.
#
#   bench/scaling.sh                     # WORKERS="1 2 4", 3 rounds of 10 s each per count
#   WORKERS="1 2 4 8" ROUNDS=5 bench/scaling.sh
#
# Prints, per worker count, reco's and the bare server's median req/s, reco's p99, the ratio to
# the bare server, and the req/s relative to one worker. On a 2-core machine the gateway, the
# workers, Redis and wrk share the same two cores, so more workers cannot give more than the
# CPU left over: the table says where that limit is, not how reco scales on a bigger machine.
# Every other variable of bench/query.sh (CONNECTIONS, DURATION, RECO_BENCH_BUILD…) applies.
set -euo pipefail
cd "$(dirname "$0")/.."
WORKERS=${WORKERS:-"1 2 4"}
OUT=$(mktemp -d /tmp/reco-bench-scaling.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
for n in $WORKERS; do
  echo "== $n query worker(s)" >&2
  QUERY_WORKERS=$n bash bench/query.sh >"$OUT/$n.txt" 2>"$OUT/$n.err" || { tail -n 30 "$OUT/$n.err" >&2; exit 1; }
  grep -E "^(reco|bare libevent)" "$OUT/$n.txt" | head -2 >&2
done
echo
echo "== query scaling, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
python3 - "$OUT" $WORKERS <<'PY'
import re, sys
out, counts = sys.argv[1], sys.argv[2:]
rows = []
for n in counts:
    text = open("%s/%s.txt" % (out, n)).read()
    bare = re.search(r"^bare libevent, fixed body\s+(\S+)\s+(\S+)", text, re.M)
    reco = re.search(r"^reco\s+(\S+)\s+(\S+)", text, re.M)
    rows.append((int(n), float(bare.group(1)), float(reco.group(1)), reco.group(2)))
base = rows[0][2]
print("%-8s %12s %12s %9s %12s %14s" % ("workers", "reco req/s", "bare req/s", "p99 ms", "reco / bare", "vs %d worker" % rows[0][0]))
for n, bare, reco, p99 in rows:
    print("%-8d %12.0f %12.0f %9s %12.2f %14.2f" % (n, reco, bare, p99, reco / bare, reco / base))
PY
