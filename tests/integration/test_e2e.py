"""End-to-end: a small crafted shop goes in over HTTP, a trainer builds the models, and the
recommendations that come out are checked to the exact item and score (1e-9), against a
reference model computed here from the same events, which is itself checked against hand-worked
figures. Also checks the Redis keys the ingestor and trainer write, training through
POST /train, live user-based answers without retraining, and tenant isolation."""

import math
import os
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ClusterTestCase, wait_until  # noqa: E402

TENANT = "shop"
HIDDEN = "display"  # a display tent: has events, but hidden, so never recommended
WEIGHTS = {"view": 1.0, "bookmark": 2.0, "cart": 3.0, "purchase": 5.0}

ITEMS = [
    {"id": "tent", "title": "Trail 2P Tent", "categories": ["camping/tents"],
     "attributes": {"price": 249.0, "brand": "Kestrel", "colors": ["green", "orange"]}},
    {"id": "stove", "title": "Pocket Gas Stove", "categories": ["camping/cooking"], "attributes": {"price": 39.9}},
    {"id": "lamp", "title": "Head Lamp 300", "categories": ["camping/lighting"], "attributes": {"lumen": 300}},
    {"id": "mat", "title": "Foam Sleeping Mat", "categories": ["camping/sleeping"]},
    {"id": "bag", "title": "Down Sleeping Bag", "categories": ["camping/sleeping"],
     "attributes": {"comfort_c": -5, "waterproof": False}},
    {"id": "boots", "title": "Ridge Hiking Boots", "categories": ["shoes/hiking"]},
    {"id": "jacket", "title": "Storm Shell Jacket", "categories": ["clothing/jackets"]},
    {"id": "socks", "title": "Merino Hiking Socks", "categories": ["clothing/socks"]},
    {"id": HIDDEN, "title": "Trail 2P Tent (display model)", "categories": ["camping/tents"], "hidden": True},
    {"id": "gloves", "title": "Fleece Gloves", "categories": ["clothing/gloves"]},  # no events at all
]

# (user, item, type[, value]); ordered by time. Popular scores are all distinct (see POPULAR).
EVENTS = [
    ("u1", "tent", "view"), ("u1", "tent", "cart"), ("u1", "tent", "purchase"), ("u1", "stove", "cart"),
    ("u1", "lamp", "bookmark"), ("u1", HIDDEN, "view"),
    ("u2", "tent", "view"), ("u2", "stove", "purchase"), ("u2", "stove", "view"), ("u2", "lamp", "rating", 4),
    ("u2", "mat", "view"),
    ("u3", "tent", "purchase"), ("u3", "mat", "view"), ("u3", "mat", "cart"), ("u3", "bag", "view"),
    ("u3", HIDDEN, "bookmark"),
    ("u4", "bag", "rating", 2.5), ("u4", "boots", "view"), ("u4", "boots", "purchase"), ("u4", "jacket", "view"),
    ("u5", "jacket", "view"), ("u5", "jacket", "bookmark"), ("u5", "socks", "view"), ("u5", "boots", "cart"),
    ("u5", "tent", "view"),
    ("u6", "socks", "purchase"), ("u6", HIDDEN, "purchase"), ("u6", "stove", "view"), ("u6", "tent", "bookmark"),
    ("u6", "lamp", "view"),
]

# Worked by hand from EVENTS: popular score = sum of event weights per item (hidden one left out).
POPULAR = [("tent", 18), ("stove", 10), ("boots", 9), ("lamp", 7), ("socks", 6), ("mat", 5), ("jacket", 4),
           ("bag", 3.5)]


def event_json(i, ev, base_s):
    """The i-th event as JSON, its timestamp in one of the accepted shapes (rotating)."""
    ts = base_s + 60 * i
    out = {"user": ev[0], "item": ev[1], "type": ev[2]}
    if len(ev) > 3:
        out["value"] = ev[3]
    shape = i % 5
    if shape == 0:
        out["timestamp"] = ts
    elif shape == 1:
        out["timestamp"] = ts * 1000
    elif shape == 2:
        out["timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
    elif shape == 3:
        out["timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts + 7200)) + "+02:00"
    else:
        out["timestamp"] = str(ts)
    return out


# Every model of docs/models.md, as /v1/{tenant}/models lists them (common/reco_model_names.c).
MODEL_NAMES = ["popular", "popular-1d", "popular-7d", "popular-30d", "popular-365d", "trending", "item-to-item",
               "also-viewed", "also-bought", "bought-with", "similar-customers", "for-user", "content"]

class Reference:
    """The documented model semantics, computed directly."""

    def __init__(self, events):
        self.w = {}
        for ev in events:
            weight = ev[3] if ev[2] == "rating" else WEIGHTS[ev[2]]
            self.w[(ev[0], ev[1])] = self.w.get((ev[0], ev[1]), 0.0) + weight
        self.users = sorted({u for u, _ in self.w})
        self.items = sorted({i for _, i in self.w})

    def popular(self):
        return {i: sum(v for (_, j), v in self.w.items() if j == i) for i in self.items}

    def cosine(self, a, b):
        dot = sum(self.w.get((u, a), 0.0) * self.w.get((u, b), 0.0) for u in self.users)
        if dot == 0:
            return 0.0
        na = math.sqrt(sum(self.w.get((u, a), 0.0) ** 2 for u in self.users))
        nb = math.sqrt(sum(self.w.get((u, b), 0.0) ** 2 for u in self.users))
        return dot / (na * nb)

    def neighbours(self, item):
        return {j: self.cosine(item, j) for j in self.items if j != item and self.cosine(item, j) > 0}

    def for_user(self, history):
        """Item-to-item for a user: neighbour similarities of the history summed, history left out."""
        scores = {}
        for h in history:
            for j, s in self.neighbours(h).items():
                if j not in history:
                    scores[j] = scores.get(j, 0.0) + s
        return scores


def visible(scores):
    return {i: s for i, s in scores.items() if i != HIDDEN}


def q(**params):
    return urllib.parse.urlencode(params)


class ShopTestCase(ClusterTestCase):
    """Ranking assertions shared by the e2e tests."""

    def assertRanking(self, body, expected, limit=None):
        """body: a recommend reply; expected: {item: score}. The reply must hold exactly the
        top `limit` of expected, in descending score, scores within 1e-9. Items with equal
        scores are compared as sets (their order is not specified)."""
        self.assertIsInstance(body, dict, body)
        recs = body.get("recommendations")
        self.assertIsInstance(recs, list, body)
        want = sorted(expected.items(), key=lambda kv: -kv[1])
        if limit is not None:
            want = want[:limit]
        self.assertEqual(len(recs), len(want), "got %r, want %r" % (recs, want))
        for got, (item, score) in zip(recs, want):
            self.assertIsInstance(got.get("item"), str, recs)
            self.assertIsInstance(got.get("score"), (int, float), recs)
            self.assertAlmostEqual(got["score"], score, delta=1e-9, msg="got %r, want %r" % (recs, want))
        for k, (item, score) in enumerate(want):
            tied = {i for i, s in expected.items() if abs(s - score) <= 1e-9}
            self.assertIn(recs[k]["item"], tied, "position %d: got %r, want %r" % (k, recs, want))
        self.assertEqual(len({r["item"] for r in recs}), len(recs), "duplicates in %r" % recs)

    def recommend(self, tenant=TENANT, **params):
        return self.assertStatus(self.cluster.http("GET", "/v1/%s/recommend?%s" % (tenant, q(**params))), 200)

    def models(self, tenant=TENANT):
        body = self.assertStatus(self.cluster.http("GET", "/v1/%s/models" % tenant), 200)
        self.assertIsInstance(body.get("models"), dict, body)
        return body["models"]

    @classmethod
    def load_shop(cls, tenant):
        """Puts ITEMS and EVENTS into tenant in several request shapes. Returns the replies, the
        {"stored": n} (and for events "duplicates": 0) each should be, and the events' times in epoch seconds (EVENTS' order)."""
        c = cls.cluster
        base = int(time.time()) - 7200
        events = [event_json(i, ev, base) for i, ev in enumerate(EVENTS)]
        replies = [c.http("PUT", "/v1/%s/items" % tenant, ITEMS[:6]),
                   c.http("PUT", "/v1/%s/items" % tenant, {"items": ITEMS[6:]})]
        u1 = [e for e in events if e["user"] == "u1"]
        u2 = [e for e in events if e["user"] == "u2"]
        rest = [e for e in events if e["user"] not in ("u1", "u2")]
        replies += [c.http("POST", "/v1/%s/events" % tenant, e) for e in u1]  # one object each
        replies.append(c.http("POST", "/v1/%s/events" % tenant, u2))  # a bare array
        replies.append(c.http("POST", "/v1/%s/events" % tenant, {"events": rest}))  # wrapped
        expected_stored = [6, 4] + [1] * len(u1) + [len(u2), len(rest)]
        return replies, expected_stored, [base + 60 * i for i in range(len(EVENTS))]


class EndToEnd(ShopTestCase):
    @classmethod
    def setUpData(cls):
        cls.ref = Reference(EVENTS)
        cls.posted = len(EVENTS)
        cls.load_replies, cls.load_expected, cls.times = cls.load_shop(TENANT)
        cls.trainer_rc, cls.trainer_out = cls.cluster.run_trainer_once(TENANT)

    def test_00_reference_matches_hand_worked_figures(self):
        self.assertEqual(sorted(visible(self.ref.popular()).items(), key=lambda kv: -kv[1]), POPULAR)

    def test_01_ingest_replies(self):
        for (status, _, body), n in zip(self.load_replies, self.load_expected):
            self.assertEqual((status, body.get("stored"), body.get("duplicates", 0)), (200, n, 0), body)

    def test_02_trainer_once(self):
        self.assertEqual(self.trainer_rc, 0, self.trainer_out)
        models = self.models()
        for name in ("popular", "item-to-item"):
            m = models.get(name)
            self.assertIsInstance(m, dict, models)
            self.assertIsInstance(m.get("version"), int, models)
            self.assertIsInstance(m.get("built_at"), int, models)
            self.assertLess(abs(m["built_at"] - time.time() * 1000), 120_000, "built_at is not epoch ms: %r" % m)

    def test_popular_exact(self):
        body = self.recommend(model="popular", limit=50)
        self.assertEqual(body.get("model"), "popular", body)
        self.assertEqual(body.get("version"), self.models()["popular"]["version"], body)
        self.assertRanking(body, dict(POPULAR))

    def test_popular_limit_and_default(self):
        self.assertRanking(self.recommend(model="popular", limit=3), dict(POPULAR), limit=3)
        self.assertRanking(self.recommend(model="popular", limit=1), dict(POPULAR), limit=1)
        self.assertRanking(self.recommend(model="popular"), dict(POPULAR), limit=10)  # default 10

    def test_item_to_item_exact(self):
        for item in ("tent", "socks", "boots"):  # tent's and socks' nearest neighbour is the hidden item
            with self.subTest(item=item):
                body = self.recommend(model="item-to-item", item=item, limit=50)
                self.assertEqual(body.get("model"), "item-to-item", body)
                self.assertEqual(body.get("version"), self.models()["item-to-item"]["version"], body)
                self.assertRanking(body, visible(self.ref.neighbours(item)))

    def test_item_to_item_limit(self):
        self.assertRanking(self.recommend(model="item-to-item", item="tent", limit=2),
                           visible(self.ref.neighbours("tent")), limit=2)
        want = [i for i, _ in sorted(visible(self.ref.neighbours("tent")).items(), key=lambda kv: -kv[1])][:2]
        self.assertEqual(want, ["lamp", "stove"])  # the data set is meant to rank these first

    def test_hidden_item_never_returned(self):
        asks = [{"model": "popular", "limit": 50}]
        asks += [{"model": "item-to-item", "item": i, "limit": 50} for i in self.ref.items]
        asks += [{"model": "item-to-item", "user": u, "limit": 50} for u in self.ref.users]
        for params in asks:
            with self.subTest(**params):
                recs = self.recommend(**params)["recommendations"]
                self.assertNotIn(HIDDEN, [r["item"] for r in recs])
                self.assertNotIn("gloves", [r["item"] for r in recs])
                if "item" in params:
                    self.assertNotIn(params["item"], [r["item"] for r in recs])

    def test_user_based_uses_live_history(self):
        before = self.models()["item-to-item"]["version"]
        history = {i for (u, i) in self.ref.w if u == "u4"}  # bag, boots, jacket
        self.assertRanking(self.recommend(model="item-to-item", user="u4", limit=50),
                           visible(self.ref.for_user(history)))
        status, _, body = self.cluster.http("POST", "/v1/%s/events" % TENANT,
                                            {"user": "u4", "item": "tent", "type": "view"})
        self.assertEqual((status, body), (200, {"stored": 1, "duplicates": 0}))
        type(self).posted += 1
        after = self.recommend(model="item-to-item", user="u4", limit=50)
        self.assertEqual(after.get("version"), before, "the model was retrained meanwhile")
        expected = visible(self.ref.for_user(history | {"tent"}))
        self.assertNotIn("tent", expected)
        self.assertIn("lamp", expected)  # only reachable through tent
        self.assertRanking(after, expected)

    def test_redis_keys(self):
        r, t = self.cluster.redis, "reco:{%s}:" % TENANT
        self.assertEqual(r("TYPE", t + "events"), "stream")
        self.assertEqual(r("XLEN", t + "events"), self.posted)
        for user in self.ref.users:
            key = t + "user-history:%s" % user
            self.assertEqual(r("TYPE", key), "zset", key)
            got = set(r("ZRANGE", key, 0, -1))
            want = {i for (u, i) in self.ref.w if u == user}
            if user == "u4":
                got.discard("tent")  # posted by test_user_based_uses_live_history, if it ran first
            self.assertEqual(got, want, key)
        for item in self.ref.items:
            key = t + "item-history:%s" % item
            self.assertEqual(r("TYPE", key), "zset", key)
            got = set(r("ZRANGE", key, 0, -1))
            if item == "tent":
                got.discard("u4")
            self.assertEqual(got, {u for (u, i) in self.ref.w if i == item}, key)
        for item in ITEMS:
            key = t + "item:" + item["id"]
            self.assertEqual(r("TYPE", key), "hash", key)
            self.assertEqual(r("HGET", key, "title"), item["title"], key)
        v_pop = int(r("GET", t + "m:popular:current"))
        self.assertEqual(v_pop, self.models()["popular"]["version"])
        key = t + "m:popular:%d:all" % v_pop
        self.assertEqual(r("TYPE", key), "zset", key)
        flat = r("ZREVRANGE", key, 0, -1, "WITHSCORES")
        stored = {flat[k]: float(flat[k + 1]) for k in range(0, len(flat), 2)}
        for item, score in self.ref.popular().items():
            self.assertAlmostEqual(stored.get(item, -1), score, delta=1e-9, msg="%s in %s" % (item, key))
        v_i2i = int(r("GET", t + "m:item-to-item:current"))
        self.assertEqual(v_i2i, self.models()["item-to-item"]["version"])
        for item in ("tent", "boots"):
            key = t + "m:item-to-item:%d:i:%s" % (v_i2i, item)
            self.assertEqual(r("TYPE", key), "zset", key)
            flat = r("ZREVRANGE", key, 0, -1, "WITHSCORES")
            stored = {flat[k]: float(flat[k + 1]) for k in range(0, len(flat), 2)}
            for j, score in visible(self.ref.neighbours(item)).items():
                self.assertAlmostEqual(stored.get(j, -1), score, delta=1e-9, msg="%s in %s" % (j, key))

    def test_popular_by_category(self):
        """popular's per-category lists: each category of the catalogue and each '/' prefix, its
        items by popularity (the hidden display tent too: the query worker leaves it out)."""
        r, t = self.cluster.redis, "reco:{%s}:" % TENANT
        v = int(r("GET", t + "m:popular:current"))
        pop = self.ref.popular()
        cats = {}
        for item in ITEMS:
            for path in item["categories"]:
                parts = path.split("/")
                for k in range(1, len(parts) + 1):
                    cats.setdefault("/".join(parts[:k]), set()).add(item["id"])
        self.assertEqual(set(r("SMEMBERS", t + "m:popular:%d:keys" % v)) >= {t + "m:popular:%d:c:camping" % v}, True)
        for cat, members in cats.items():
            want = {i: pop[i] for i in members if pop.get(i, 0) > 0}
            key = t + "m:popular:%d:c:%s" % (v, cat)
            flat = r("ZREVRANGE", key, 0, -1, "WITHSCORES")
            got = {flat[k]: float(flat[k + 1]) for k in range(0, len(flat), 2)}
            self.assertEqual(set(got), set(want), key)
            for i, score in want.items():
                self.assertAlmostEqual(got[i], score, delta=1e-9, msg=key)
        self.assertEqual(r("ZREVRANGE", t + "m:popular:%d:c:camping/tents" % v, 0, -1), ["tent", HIDDEN])
        self.assertEqual(r("EXISTS", t + "m:popular:%d:c:clothing/gloves" % v), 0)  # gloves: no events

    def test_event_times_in_every_shape(self):
        """The stream holds each posted event with its time in epoch ms, whichever of the five
        timestamp shapes it came in, and each history scores an entry by its latest event."""
        r, t = self.cluster.redis, "reco:{%s}:" % TENANT
        want = sorted((ev[0], ev[1], ev[2], ts * 1000, float(ev[3]) if len(ev) > 3 else None)
                      for ev, ts in zip(EVENTS, self.times))
        got = []
        for _, fields in r("XRANGE", t + "events", "-", "+"):
            f = dict(zip(fields[::2], fields[1::2]))
            if (f.get("user"), f.get("item")) == ("u4", "tent"):
                continue  # posted live by test_user_based_uses_live_history
            got.append((f.get("user"), f.get("item"), f.get("type"), int(f.get("ts", -1)),
                        float(f["value"]) if "value" in f else None))
        self.assertEqual(sorted(got), want)
        latest = {}
        for ev, ts in zip(EVENTS, self.times):
            latest[(ev[0], ev[1])] = max(latest.get((ev[0], ev[1]), 0), ts * 1000)
        for (user, item), ms in latest.items():
            self.assertEqual(r("ZSCORE", t + "user-history:" + user, item), str(ms), (user, item))
            self.assertEqual(r("ZSCORE", t + "item-history:" + item, user), str(ms), (user, item))

    def test_train_over_http(self):
        tenant = "viahttp"
        replies, expected, _ = self.load_shop(tenant)
        for (status, _, body), n in zip(replies, expected):
            self.assertEqual((status, body.get("stored"), body.get("duplicates", 0)), (200, n, 0), body)
        self.assertEqual(self.models(tenant), {name: None for name in MODEL_NAMES})
        status, _, body = self.cluster.http("POST", "/v1/%s/train" % tenant)
        self.assertEqual((status, body), (202, {"queued": True}))
        def built():
            m = self.models(tenant)
            return m if m["popular"] and m["item-to-item"] else None
        models = wait_until(built, timeout=15, what="/models of %s to show both versions" % tenant)
        self.assertIsInstance(models["popular"]["version"], int, models)
        self.assertRanking(self.recommend(tenant, model="popular", limit=50), dict(POPULAR))
        self.assertRanking(self.recommend(tenant, model="item-to-item", item="tent", limit=50),
                           visible(self.ref.neighbours("tent")))
        # A second request builds a new version.
        old = models["popular"]["version"]
        self.assertEqual(self.cluster.http("POST", "/v1/%s/train" % tenant)[0], 202)
        wait_until(lambda: self.models(tenant)["popular"]["version"] != old, timeout=15,
                   what="a new popular version of %s" % tenant)

    def test_tenant_isolation(self):
        other = "other-tenant"
        self.assertEqual(self.models(other), {name: None for name in MODEL_NAMES})
        for params in ({"model": "popular"}, {"model": "item-to-item", "item": "tent"},
                       {"model": "item-to-item", "user": "u1"}):
            with self.subTest(**params):
                body = self.recommend(other, **params)
                self.assertEqual(body.get("recommendations"), [], body)
                self.assertIsNone(body.get("version"), body)
        r = self.cluster.redis
        self.assertEqual(r("EXISTS", "reco:{%s}:events" % other), 0)
        status, _, body = self.cluster.http("POST", "/v1/%s/events" % other,
                                            {"user": "u1", "item": "kayak", "type": "purchase"})
        self.assertEqual((status, body), (200, {"stored": 1, "duplicates": 0}))
        rc, out = self.cluster.run_trainer_once(other)
        self.assertEqual(rc, 0, out)
        self.assertRanking(self.recommend(other, model="popular", limit=50), {"kayak": 5.0})
        self.assertRanking(self.recommend(other, model="item-to-item", user="u1", limit=50), {})
        self.assertRanking(self.recommend(other, model="item-to-item", item="tent", limit=50), {})
        self.assertEqual(r("XLEN", "reco:{%s}:events" % other), 1)
        self.assertEqual(set(r("ZRANGE", "reco:{%s}:user-history:u1" % other, 0, -1)), {"kayak"})
        # ...and the first tenant did not see the second's event.
        self.assertRanking(self.recommend(model="popular", limit=50), dict(POPULAR))
        self.assertEqual(r("EXISTS", "reco:{%s}:item-history:kayak" % TENANT), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
