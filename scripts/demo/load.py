#!/usr/bin/env python3
"""Loads the demo shop into a running reco over its HTTP API, then trains it.

  load.py BASE_URL [--tenant demo] [--batch 100] [--skip-data] [--timeout 60]

PUTs scripts/demo/items.json, POSTs the events of make_events.py in batches, POSTs
/v1/{tenant}/train and waits until /v1/{tenant}/models shows a new version of every model.
With --skip-data only the training part runs. Standard library only.
"""

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_events  # noqa: E402


def call(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8", "replace")


def must(method, url, body=None, want=200):
    status, reply = call(method, url, body)
    if status != want:
        sys.exit("demo: %s %s answered %d: %s" % (method, url, status, reply))
    return reply


def versions(base):
    models = must("GET", base + "/models")["models"]
    return {name: (m or {}).get("version") for name, m in models.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base_url")
    ap.add_argument("--tenant", default="demo")
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--skip-data", action="store_true")
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()
    base = "%s/v1/%s" % (args.base_url.rstrip("/"), args.tenant)

    if not args.skip_data:
        with open(os.path.join(make_events.HERE, "items.json")) as f:
            items = json.load(f)
        stored = must("PUT", base + "/items", {"items": items})["stored"]
        events = make_events.make_events(items, int(time.time()) // 3600 * 3600)
        n = 0
        for k in range(0, len(events), args.batch):
            n += must("POST", base + "/events", {"events": events[k:k + args.batch]})["stored"]
        print("demo: stored %d items and %d events of %d users in tenant '%s'"
              % (stored, n, len({e["user"] for e in events}), args.tenant))

    before = versions(base)
    must("POST", base + "/train", want=202)
    deadline = time.monotonic() + args.timeout
    while True:
        now = versions(base)
        if all(v is not None and v != before.get(name) for name, v in now.items()):
            print("demo: models trained: %s" % ", ".join("%s v%s" % kv for kv in sorted(now.items())))
            return
        if time.monotonic() > deadline:
            sys.exit("demo: models not trained after %.0f s (now %r); see the trainer log" % (args.timeout, now))
        time.sleep(0.1)


if __name__ == "__main__":
    main()
