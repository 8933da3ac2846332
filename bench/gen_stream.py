#!/usr/bin/env python3
"""Writes a synthetic tenant's event stream as Redis protocol (RESP) on stdout, for
`redis-cli --pipe`: one XADD per event into reco:{TENANT}:events, with the fields the ingestor
writes (user, item, type, ts, and order for purchases). Only the stream is written: it is all
the trainer reads, and going through the HTTP API would make a 20M-event benchmark a test of
ingestion instead.

Deterministic (fixed seed): users get a number of events drawn around --per-user, items are
picked with a Zipf-like popularity, times are spread over the last --days days, types are
view 70 %, cart 10 %, purchase 8 % (grouped in orders of 1 to 4 items), bookmark 6 %,
rating 5 %, click 1 %.

  python3 bench/gen_stream.py --tenant synth --events 20000000 --users 1000000 --items 100000 \\
      | redis-cli -p PORT --pipe
"""
import argparse
import random
import sys
import time


def resp(*args):
    out = ["*%d\r\n" % len(args)]
    for a in args:
        s = a if isinstance(a, str) else str(a)
        out.append("$%d\r\n%s\r\n" % (len(s.encode()), s))
    return "".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tenant", default="synth")
    ap.add_argument("--events", type=int, default=20_000_000)
    ap.add_argument("--users", type=int, default=1_000_000)
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    key = "reco:{%s}:events" % args.tenant
    now_ms = int(time.time() * 1000)
    span_ms = args.days * 86_400_000
    # Zipf-like item popularity: cumulative weights 1/(rank+10)^0.9, sampled by bisection.
    weights = [1.0 / (r + 10) ** 0.9 for r in range(args.items)]
    total = sum(weights)
    cum, acc = [], 0.0
    for w in weights:
        acc += w / total
        cum.append(acc)
    from bisect import bisect_left

    def item():
        return "i%d" % min(bisect_left(cum, rng.random()), args.items - 1)

    out = sys.stdout
    written, order_no, buf = 0, 0, []
    per_user = max(1, args.events // args.users)
    while written < args.events:
        user = "u%d" % rng.randrange(args.users)
        ts = now_ms - rng.randrange(span_ms)
        for _ in range(max(1, int(rng.expovariate(1.0 / per_user)))):
            if written >= args.events:
                break
            ts += rng.randrange(1, 600_000)
            r = rng.random()
            if r < 0.08:  # an order of 1..4 items
                order_no += 1
                for _ in range(rng.randint(1, 4)):
                    buf.append(resp("XADD", key, "*", "user", user, "item", item(), "type", "purchase",
                                    "ts", min(ts, now_ms), "order", "o%d" % order_no))
                    written += 1
                continue
            kind = "view" if r < 0.78 else "cart" if r < 0.88 else "bookmark" if r < 0.94 else \
                "rating" if r < 0.99 else "click"
            fields = ["user", user, "item", item(), "type", kind, "ts", min(ts, now_ms)]
            if kind == "rating":
                fields += ["value", rng.randint(1, 5)]
            buf.append(resp("XADD", key, "*", *fields))
            written += 1
        if len(buf) >= 10000:
            out.write("".join(buf))
            buf = []
    out.write("".join(buf))
    sys.stderr.write("gen_stream: %d events for tenant %s\n" % (written, args.tenant))


if __name__ == "__main__":
    main()
