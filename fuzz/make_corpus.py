#!/usr/bin/env python3
"""Builds the seed corpora of fuzz/corpus/<target>/ (docs/fuzzing.md). Run from anywhere:

    python3 fuzz/make_corpus.py [requests.jsonl ...]

Sources:
  * HTTP requests the integration tests send: the dialect tests (tests/integration/
    test_compat_*.py) replay every JSON body and query string of the vendors' seed documents
    (seeds 000-004), and the native tests exercise every /v1 route. With no file argument the
    script runs those tests once with RECO_RECORD_REQUESTS set (tests/integration/harness.py
    then appends each request it sends) on the build in build/.
    -> fuzz_http_<dialect> (the request as the target's input format, fuzz_http.h), and the
       JSON bodies -> fuzz_validate, fuzz_scenario; filters texts -> fuzz_filter.
  * One example of every op of docs/protocol.md (OP_EXAMPLES below; the script fails when the
    document lists an op without one), encoded to msgpack by the project's own encoder
    (build-fuzz/fuzz/fuzz_encode_seed) -> fuzz_wire, fuzz_query_op, fuzz_ingest_op; the
    recommend examples' args -> fuzz_recommend_args.

Files are named by the SHA-1 of their content (libFuzzer's convention), so re-running only adds;
each target keeps at most MAX_PER_TARGET seeds of at most MAX_SEED_BYTES (for the HTTP targets:
the three smallest requests of each route shape)."""
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
MAX_PER_TARGET = 150
MAX_SEED_BYTES = 4096  # run.sh's -max_len: longer seeds would be cut anyway
DIALECTS = ["aegeria", "advisable", "tastehit", "gravity", "yoochoose"]
RECORDED_TESTS = ["integration-compat-" + d for d in DIALECTS] + [
    "integration-e2e", "integration-errors", "integration-write-side", "integration-privacy",
    "integration-scenarios", "integration-shaping"]

EVENT = {"user": "u1", "item": "i1", "type": "purchase", "ts": 1700000000000, "value": 4, "quantity": 2,
         "price": 9.5, "order": "o1", "session": "s1", "id": "e1", "properties": {"color": "red", "n": 2}}
SCENARIO = {"model": "item-to-item", "limit": 10, "filters": [{"price": {"min": 1, "max": 100}}],
            "fallbacks": ["popular"], "exclude": {"context": True, "purchased": True},
            "variants": [{"name": "a", "weight": 1}, {"name": "b", "weight": 2, "model": "also-bought"}]}
REQUEST = {"scenario": "home", "user": "u1", "items": ["i1", "i2"], "categories": ["Outdoor/Tents"], "limit": 5,
           "filters": [{"brand": "acme", "exclusive": True}], "pscore": 0.5, "attributes": ["title"],
           "split_group": "g1"}
RECOMMEND = {"model": "bought-with", "items": ["i1", 42], "user": "u1", "limit": 5, "include_sets": True,
             "exclude_seen": False, "offset": 2, "pscore": 1.5, "pitem": "i9",
             "filters": [{"createdAt": {"min": 1460736803.9}}, {"entertainment": True}], "attributes": ["title", "color"]}
# op -> (pool, args); the tenant is "shop" unless the op has none.
OP_EXAMPLES = {
    "events.add": ("ingest", {"events": [EVENT, {"user": 7, "item": "i2", "type": "view", "ts": 1}], "known_items": True}),
    "items.upsert": ("ingest", {"items": [{"id": "i1", "title": "Tent", "categories": ["Outdoor/Tents"],
                                           "attributes": {"price": 10, "brand": "acme"}, "hidden": False}]}),
    "users.upsert": ("ingest", {"users": [{"id": "u1", "attributes": {"age": 30}}]}),
    "actions.put": ("ingest", {"name": "wishlist", "weight": 2.5}),
    "actions.delete": ("ingest", {"name": "wishlist"}),
    "events.delete": ("ingest", {"user": "u1", "type": "view", "before": 1700000000000}),
    "users.delete": ("ingest", {"user": "u1"}),
    "users.transfer": ("ingest", {"from": "guest-1", "to": "u1", "keep": False}),
    "train.request": ("ingest", {}),
    "scenarios.put": ("ingest", {"id": "home", "scenario": SCENARIO}),
    "scenarios.delete": ("ingest", {"id": "home"}),
    "tenants.create": ("ingest", {"rate_limit": {"per_second": 100, "burst": 200}}),
    "tenants.list": ("ingest", {}),
    "tenants.get": ("ingest", {}),
    "tenants.update": ("ingest", {"rate_limit": None}),
    "tenants.delete": ("ingest", {}),
    "keys.create": ("ingest", {"role": "read"}),
    "keys.list": ("ingest", {}),
    "keys.delete": ("ingest", {"id": "0123456789abcdef"}),
    "recommend": ("query", RECOMMEND),
    "recommend.scenario": ("query", REQUEST),
    "recommend.bulk": ("query", {"requests": [REQUEST, {"scenario": "cart", "session": "s1", "item": "i3"}]}),
    "resort": ("query", {"by": "for-user", "items": ["i1", "i2", "i3"], "user": "u1", "seed": 3, "scenario": "w1"}),
    "scenarios.get": ("query", {"id": "home"}),
    "scenarios.list": ("query", {}),
    "stats.get": ("query", {"from": "2026-01-01", "to": "2026-01-31", "scenario": "model:popular"}),
    "models.status": ("query", {}),
    "items.get": ("query", {"item": "i1"}),
    "users.get": ("query", {"user": 12}),
    "events.list": ("query", {"user": "u1", "type": "view", "limit": 50, "cursor": "1700000000000-0"}),
    "users.export": ("query", {"user": "u1"}),
    "actions.list": ("query", {}),
    "tenant.status": ("query", {}),
    "metrics.tenants": ("query", {}),
    "health": ("query", {}),
}
NO_TENANT = {"tenants.list", "metrics.tenants", "health"}


def protocol_ops():
    """{op: pool} of docs/protocol.md's op tables."""
    ops, pool = {}, None
    with open(os.path.join(ROOT, "docs", "protocol.md")) as f:
        for line in f:
            if line.startswith("### "):
                pool = "ingest" if "ingest" in line else "query" if "query" in line else None
            m = re.match(r"\| `([a-z._]+)` \|", line)
            if m and pool:
                ops[m.group(1)] = pool
    return ops


def add(target, data):
    if len(data) > MAX_SEED_BYTES:
        return
    d = os.path.join(CORPUS, target)
    if os.path.isdir(d) and len(os.listdir(d)) >= MAX_PER_TARGET:
        return
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, hashlib.sha1(data).hexdigest())
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)


def record_requests():
    fd, path = tempfile.mkstemp(prefix="reco-requests-", suffix=".jsonl")
    os.close(fd)
    env = dict(os.environ, RECO_RECORD_REQUESTS=path)
    subprocess.run(["meson", "test", "-C", os.path.join(ROOT, "build")] + RECORDED_TESTS, env=env, check=False)
    return path


def http_input(method, rest, headers, body):
    lines = ["%s %s" % (method, rest)] + ["%s: %s" % (k, v) for k, v in headers.items() if k != "Accept"]
    return ("\n".join(lines) + "\n\n").encode("latin-1") + body


def filters_texts(path, doc):
    query = urllib.parse.urlsplit(path).query
    for k, v in urllib.parse.parse_qsl(query):
        if k == "filters":
            yield v.encode()
    if isinstance(doc, dict) and isinstance(doc.get("filters"), list):
        yield json.dumps(doc["filters"]).encode()


def from_requests(files):
    picked = {}  # (target, route shape) -> smallest inputs first
    for name in files:
        with open(name) as f:
            for line in f:
                r = json.loads(line)
                path, body = r["path"], (r["body"] or "").encode("latin-1")
                m = re.match(r"/compat/([a-z]+)(/.*)?$", path)
                if m and m.group(1) in DIALECTS:
                    target, rest = "fuzz_http_" + m.group(1), m.group(2) or "/"
                elif path.startswith("/v1/"):
                    target, rest = "fuzz_http_native", path[3:]
                else:
                    continue
                shape = (target, r["method"], re.sub(r"[?].*", "", rest), len(body) > 0)
                picked.setdefault(shape, []).append(http_input(r["method"], rest, r["headers"], body))
                try:
                    doc = json.loads(body) if body else None
                except ValueError:
                    doc = None
                if doc is not None and re.search(r"event|item|user|transaction|interaction", path, re.I):
                    add("fuzz_validate", body)
                if doc is not None and re.search(r"scenario|recommend|Recommendation", path):
                    add("fuzz_scenario", body)
                for text in filters_texts(path, doc):
                    add("fuzz_filter", text)
    per_target = {}
    for shape, inputs in sorted(picked.items()):
        per_target.setdefault(shape[0], []).extend(sorted(set(inputs), key=len)[:3])
    for target, inputs in per_target.items():
        for data in inputs[:MAX_PER_TARGET]:
            add(target, data)


def from_ops():
    documented = protocol_ops()
    missing = sorted(set(documented) - set(OP_EXAMPLES))
    if missing:
        sys.exit("make_corpus: docs/protocol.md lists ops without an example here: " + ", ".join(missing))
    encoder = os.path.join(ROOT, "build-fuzz", "fuzz", "fuzz_encode_seed")
    for op, (pool, args) in sorted(OP_EXAMPLES.items()):
        if documented.get(op) != pool:
            sys.exit("make_corpus: %s is a %s op in docs/protocol.md" % (op, documented.get(op)))
        doc = {"tenant": "" if op in NO_TENANT else "shop", "op": op, "args": args}
        with tempfile.NamedTemporaryFile(suffix=".msgpack") as out:
            subprocess.run([encoder, out.name], input=json.dumps(doc).encode(), check=True)
            data = out.read()
        add("fuzz_wire", data)
        add("fuzz_%s_op" % pool, data)
        if op == "recommend":
            add("fuzz_recommend_args", json.dumps(args).encode())
        if op in ("recommend.scenario", "scenarios.put"):
            add("fuzz_scenario", json.dumps(args.get("scenario", args)).encode())
        if op == "events.add":
            add("fuzz_validate", json.dumps(args).encode())


def main():
    files = sys.argv[1:] or [record_requests()]
    from_requests(files)
    from_ops()
    for target in sorted(os.listdir(CORPUS)):
        d = os.path.join(CORPUS, target)
        print("%-22s %4d seeds" % (target, len(os.listdir(d))))


if __name__ == "__main__":
    main()
