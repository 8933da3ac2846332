#!/usr/bin/env python3
"""Writes a deterministic synthetic event log as CSV for the ingest benchmark.

    python3 bench/gen_events.py OUT.csv [--events 1000000] [--users 50000] [--items 20000] [--seed 42]

Columns: user,item,type,timestamp,value (timestamp in epoch milliseconds, value only on ratings).
The same arguments always give the same bytes (random.Random(seed), no clock). Popularity is
skewed the way shop traffic is: item ranks follow a Zipf-like law (s = 1.1) and users a milder
one (s = 0.6), so histories, hot items and long tails all occur. Types are mixed: view 70 %,
cart 10 %, rating 8 % (value 0.5..5), bookmark 6 %, purchase 5 %, click 1 %. Standard library only.
"""

import argparse
import bisect
import itertools
import random
import sys

TYPES = [("view", 70), ("cart", 10), ("rating", 8), ("bookmark", 6), ("purchase", 5), ("click", 1)]
START_MS = 1_700_000_000_000  # 2023-11-14T22:13:20Z


def zipf_cumulative(n, s):
    """Cumulative weights of ranks 1..n under 1/rank^s (for bisect sampling)."""
    return list(itertools.accumulate(1.0 / (rank ** s) for rank in range(1, n + 1)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--users", type=int, default=50_000)
    ap.add_argument("--items", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    item_cum, user_cum = zipf_cumulative(args.items, 1.1), zipf_cumulative(args.users, 0.6)
    type_cum = list(itertools.accumulate(w for _, w in TYPES))
    item_total, user_total, type_total = item_cum[-1], user_cum[-1], type_cum[-1]
    # ranks are shuffled onto ids so that id order says nothing about popularity
    item_ids = ["i%05d" % k for k in range(args.items)]
    user_ids = ["u%05d" % k for k in range(args.users)]
    rng.shuffle(item_ids)
    rng.shuffle(user_ids)

    ts = START_MS
    with open(args.out, "w", buffering=1 << 20) as f:
        f.write("user,item,type,timestamp,value\n")
        for _ in range(args.events):
            user = user_ids[bisect.bisect_left(user_cum, rng.random() * user_total)]
            item = item_ids[bisect.bisect_left(item_cum, rng.random() * item_total)]
            kind = TYPES[bisect.bisect_left(type_cum, rng.random() * type_total)][0]
            ts += rng.randrange(1, 400)
            value = "%.1f" % (rng.randrange(1, 11) / 2) if kind == "rating" else ""
            f.write("%s,%s,%s,%d,%s\n" % (user, item, kind, ts, value))
    print("wrote %d events (%d users, %d items, seed %d) to %s" % (args.events, args.users, args.items,
                                                                   args.seed, args.out), file=sys.stderr)


if __name__ == "__main__":
    main()
