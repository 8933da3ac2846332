#!/usr/bin/env python3
"""Generates the demo shop's events: ~600 events of 60 users over the 30 days before --end.

Deterministic: a fixed seed decides every user, item, event type and time offset, so two runs
give the same events (only --end, default the current hour, shifts them in time). Each user
leans towards one or two of the shop's interests (camping, hiking, climbing, running, winter),
browses mostly there, and moves down the funnel view -> bookmark -> cart -> purchase -> rating,
so co-interest shows up in the item-to-item model and a few best sellers in the popular one.

Usage: make_events.py [--items items.json] [--end EPOCH_S] [--seed N]  (JSON array on stdout)
"""

import argparse
import json
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
INTERESTS = {
    "camping": ("camping/",),
    "hiking": ("hiking/", "shoes/hiking", "clothing/"),
    "climbing": ("climbing/",),
    "running": ("shoes/running", "clothing/baselayers", "clothing/socks", "camping/water"),
    "winter": ("winter/", "clothing/jackets", "clothing/gloves", "clothing/hats", "tent-storm"),
}
USERS = 60
DAY = 86400


def interest_items(items, interest):
    prefixes = INTERESTS[interest]
    return [it["id"] for it in items
            if any(c.startswith(p) for c in it.get("categories", []) for p in prefixes)
            or any(it["id"].startswith(p) for p in prefixes)]


def make_events(items, end_s, seed=20240611):
    rng = random.Random(seed)
    ids = [it["id"] for it in items]
    by_interest = {name: interest_items(items, name) for name in INTERESTS}
    # A stable popularity skew: earlier items of each list are a bit more popular.
    events = []
    for n in range(1, USERS + 1):
        user = "user-%03d" % n
        interests = rng.sample(sorted(INTERESTS), rng.choice((1, 1, 2)))
        pool = [i for name in interests for i in by_interest[name]]
        n_events = rng.randint(4, 12)
        start = end_s - 30 * DAY + rng.randint(0, 25 * DAY)
        t = start
        for _ in range(n_events):
            t += rng.randint(30, 3 * 3600)
            if rng.random() < 0.85:
                weights = [1.0 / (1 + k * 0.35) for k in range(len(pool))]
                item = rng.choices(pool, weights)[0]
            else:
                item = rng.choice(ids)  # the odd look outside one's interests
            events.append({"user": user, "item": item, "type": "view", "timestamp": min(t, end_s - 60)})
            r = rng.random()
            if r < 0.10:
                events.append({"user": user, "item": item, "type": "bookmark", "timestamp": min(t + 20, end_s - 50)})
            elif r < 0.28:
                events.append({"user": user, "item": item, "type": "cart", "timestamp": min(t + 40, end_s - 40)})
                if rng.random() < 0.6:
                    events.append({"user": user, "item": item, "type": "purchase",
                                   "timestamp": min(t + 300, end_s - 30)})
                    if rng.random() < 0.35:
                        events.append({"user": user, "item": item, "type": "rating",
                                       "value": rng.choice((3, 4, 4, 5, 5, 4.5)),
                                       "timestamp": min(t + 5 * DAY, end_s - 20)})
    events.sort(key=lambda e: (e["timestamp"], e["user"]))
    return events


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", default=os.path.join(HERE, "items.json"))
    ap.add_argument("--end", type=int, default=int(time.time()) // 3600 * 3600)
    ap.add_argument("--seed", type=int, default=20240611)
    args = ap.parse_args()
    with open(args.items) as f:
        items = json.load(f)
    events = make_events(items, args.end, args.seed)
    json.dump(events, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
