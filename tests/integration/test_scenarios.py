"""Scenarios end to end: CRUD of /v1/{tenant}/scenarios with every validation error, and
recommendations by scenario (GET and POST /v1/{tenant}/recommend/{scenario}, POST .../bulk): the
fallback chain and the model each item came from, the exclusion rules (context, purchased,
hidden, seen), popular in a category, 404 / 409 / 400 answers, recommendation ids and the
distinct viewers of context items. Real redis-server, real processes, models trained through
POST /v1/{tenant}/train. The models' own lists, read from the model route
(GET /v1/{tenant}/recommend?model=...), are the reference each chain is checked against."""

import json
import os
import re
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ClusterTestCase, key, wait_until  # noqa: E402

T = "scen"
HIDDEN = "display"

ITEMS = [
    {"id": "tent", "title": "Trail Tent", "categories": ["camping/tents"], "attributes": {"price": 249}},
    {"id": "tarp", "title": "Tarp", "categories": ["camping/tents"], "attributes": {"price": 39}},
    {"id": "stove", "title": "Stove", "categories": ["camping/cooking"], "attributes": {"price": 45}},
    {"id": "pot", "title": "Pot", "categories": ["camping/cooking"], "attributes": {"price": 19}},
    {"id": "lamp", "title": "Lamp", "categories": ["camping/lighting"], "attributes": {"price": 25}},
    {"id": "boots", "title": "Boots", "categories": ["shoes/hiking"], "attributes": {"price": 140}},
    {"id": "socks", "title": "Socks", "categories": ["clothing/socks"], "attributes": {"price": 12}},
    {"id": "jacket", "title": "Jacket", "categories": ["clothing/jackets"], "attributes": {"price": 199}},
    {"id": HIDDEN, "title": "Display tent", "categories": ["camping/tents"], "hidden": True},
    {"id": "gloves", "title": "Gloves", "categories": ["clothing/gloves"]},
]

EVENTS = [
    ("u1", "tent", "view"), ("u1", "tent", "purchase"), ("u1", "stove", "view"), ("u1", "lamp", "view"),
    ("u2", "tent", "view"), ("u2", "stove", "purchase"), ("u2", "pot", "view"), ("u2", HIDDEN, "view"),
    ("u3", "tent", "view"), ("u3", "tarp", "view"), ("u3", HIDDEN, "purchase"), ("u3", "boots", "cart"),
    ("u4", "boots", "purchase"), ("u4", "socks", "bookmark"), ("u4", "jacket", "view"), ("u4", HIDDEN, "view"),
    ("u5", "jacket", "view"), ("u5", "socks", "purchase"), ("u5", "tent", "cart"), ("u5", HIDDEN, "cart"),
    ("u6", "pot", "purchase"), ("u6", "stove", "view"), ("u6", "lamp", "cart"), ("u6", "tarp", "view"),
    ("u6", HIDDEN, "purchase"),
]


def viewers(item, events=EVENTS):
    return len({u for u, i, t in events if i == item and t == "view"})


def q(**params):
    return urllib.parse.urlencode(params, doseq=True)


class Scenarios(ClusterTestCase):
    @classmethod
    def setUpData(cls):
        c = cls.cluster
        assert c.http("PUT", "/v1/%s/items" % T, ITEMS)[0] == 200
        events = [{"user": u, "item": i, "type": t} for u, i, t in EVENTS]
        status, _, body = c.http("POST", "/v1/%s/events" % T, events)
        assert (status, body.get("stored")) == (200, len(EVENTS)), body
        assert c.http("POST", "/v1/%s/train" % T)[0] == 202

        def built():
            _, _, b = c.http("GET", "/v1/%s/models" % T)
            m = b.get("models", {})
            return all(m.get(n) for n in ("popular", "trending", "item-to-item", "similar-customers", "for-user"))
        wait_until(built, timeout=30, what="the models of %s" % T)

    # -- helpers ---------------------------------------------------------------------------
    def put(self, sid, body, status=None):
        resp = self.cluster.http("PUT", "/v1/%s/scenarios/%s" % (T, sid), body)
        if status is not None:
            return self.assertStatus(resp, status)
        self.assertIn(resp[0], (200, 201), resp)
        return resp[2]

    def reco(self, sid, status=200, **params):
        return self.assertStatus(self.cluster.http("GET", "/v1/%s/recommend/%s?%s" % (T, sid, q(**params))), status)

    def model_list(self, **params):
        """The model route's answer: the reference a chain step must reproduce."""
        params.setdefault("limit", 50)
        body = self.assertStatus(self.cluster.http("GET", "/v1/%s/recommend?%s" % (T, q(**params))), 200)
        return [r["item"] for r in body["recommendations"]]

    def items_of(self, body):
        return [r["item"] for r in body["recommendations"]]

    def assertChain(self, body, parts, limit):
        """body's recommendations are the concatenation of parts [(model, [items])], each part
        taken in order and without what earlier parts gave, cut at limit."""
        want, seen = [], set()
        for model, items in parts:
            for item in items:
                if item not in seen and len(want) < limit:
                    seen.add(item)
                    want.append((item, model))
        got = [(r["item"], r["model"]) for r in body["recommendations"]]
        self.assertEqual(got, want, body)

    # -- CRUD ------------------------------------------------------------------------------
    def test_crud(self):
        body = {"model": "item-to-item", "limit": 7, "fallbacks": ["popular"],
                "filters": [{"price": {"max": 100}}], "description": "product page"}
        created = self.put("crud-1", body, 201)
        self.assertEqual(created, {"id": "crud-1", "model": "item-to-item", "limit": 7, "fallbacks": ["popular"],
                                   "filters": [{"price": {"max": 100}}], "description": "product page",
                                   "exclude": {"context": True, "purchased": True}})
        stored = json.loads(self.cluster.redis("GET", key(T, "scenario:crud-1")))
        self.assertEqual(stored, {k: v for k, v in created.items() if k != "id"})
        self.assertEqual(self.cluster.redis("SISMEMBER", key(T, "scenarios"), "crud-1"), 1)
        got = self.assertStatus(self.cluster.http("GET", "/v1/%s/scenarios/crud-1" % T), 200)
        self.assertEqual(got, created)
        # Replacing: 200, and defaults come back for what the new body leaves out.
        replaced = self.put("crud-1", {"model": "popular", "exclude": {"context": False}}, 200)
        self.assertEqual(replaced, {"id": "crud-1", "model": "popular", "limit": 10, "fallbacks": [], "filters": [],
                                    "exclude": {"context": False, "purchased": True}})
        self.put("crud-2", {"model": "trending"}, 201)
        listing = self.assertStatus(self.cluster.http("GET", "/v1/%s/scenarios" % T), 200)
        ids = [s["id"] for s in listing["scenarios"]]
        self.assertEqual(ids, sorted(ids))
        self.assertIn("crud-1", ids)
        self.assertIn("crud-2", ids)
        self.assertEqual(listing["scenarios"][ids.index("crud-1")], replaced)
        self.assertEqual(self.assertStatus(self.cluster.http("DELETE", "/v1/%s/scenarios/crud-1" % T), 200),
                         {"id": "crud-1", "deleted": True})
        self.assertError(self.cluster.http("GET", "/v1/%s/scenarios/crud-1" % T), 404, "not_found", "crud-1")
        self.assertError(self.cluster.http("DELETE", "/v1/%s/scenarios/crud-1" % T), 404, "not_found")
        self.assertEqual(self.cluster.redis("EXISTS", key(T, "scenario:crud-1")), 0)
        self.assertEqual(self.cluster.redis("SISMEMBER", key(T, "scenarios"), "crud-1"), 0)
        listing = self.assertStatus(self.cluster.http("GET", "/v1/%s/scenarios" % T), 200)
        self.assertNotIn("crud-1", [s["id"] for s in listing["scenarios"]])
        # Another tenant sees none of them.
        self.assertEqual(self.assertStatus(self.cluster.http("GET", "/v1/other/scenarios"), 200), {"scenarios": []})

    def test_scenario_validation(self):
        cases = [
            ({}, "model"), ({"model": "best"}, "model"), ({"model": 3}, "model"),
            ({"model": "popular", "limit": 0}, "limit"), ({"model": "popular", "limit": 51}, "limit"),
            ({"model": "popular", "limit": "5"}, "limit"), ({"model": "popular", "limit": 2.5}, "limit"),
            ({"model": "popular", "fallbacks": "trending"}, "fallbacks"),
            ({"model": "popular", "fallbacks": ["trending", "nope"]}, "fallbacks[1]"),
            ({"model": "popular", "fallbacks": ["popular"]}, "fallbacks[0]"),
            ({"model": "for-user", "fallbacks": ["trending", "trending"]}, "fallbacks[1]"),
            ({"model": "popular", "fallbacks": ["trending", "content", "for-user", "item-to-item", "also-viewed",
                                                "also-bought"]}, "fallbacks"),
            ({"model": "popular", "filters": {"price": 3}}, "filters"),
            ({"model": "popular", "filters": [{"price": {"min": "x"}}]}, "filters[0]"),
            ({"model": "popular", "exclude": True}, "exclude"),
            ({"model": "popular", "exclude": {"context": "no"}}, "exclude.context"),
            ({"model": "popular", "exclude": {"hidden": False}}, "hidden"),
            ({"model": "popular", "description": ["x"]}, "description"),
            ({"model": "popular", "limt": 5}, "limt"),
            ({"model": "popular", "id": "another"}, "id"),
            ([], "body"),
        ]
        for body, field in cases:
            with self.subTest(body=body):
                self.assertError(self.cluster.http("PUT", "/v1/%s/scenarios/v1" % T, body), 400, mentions=field)
        self.assertError(self.cluster.http("PUT", "/v1/%s/scenarios/v1" % T, "{not json"), 400, "invalid_json")
        for bad in ("bulk", "a%20b", "x" * 65, "%C3%A9"):
            with self.subTest(id=bad):
                self.assertError(self.cluster.http("PUT", "/v1/%s/scenarios/%s" % (T, bad), {"model": "popular"}),
                                 400, "invalid_field", "id")
                self.assertError(self.cluster.http("GET", "/v1/%s/scenarios/%s" % (T, bad)), 400, "invalid_field")
        self.assertEqual(self.cluster.redis("EXISTS", key(T, "scenario:v1")), 0)
        self.assertEqual(self.cluster.http("PATCH", "/v1/%s/scenarios/v1" % T)[0], 405)

    # -- requests --------------------------------------------------------------------------
    def test_request_errors(self):
        self.put("req", {"model": "popular"})
        self.assertError(self.cluster.http("GET", "/v1/%s/recommend/nowhere" % T), 404, "not_found", "nowhere")
        self.assertError(self.cluster.http("POST", "/v1/%s/recommend/nowhere" % T, {}), 404, "not_found")
        cases = [({"limit": 0}, "limit"), ({"limit": 51}, "limit"), ({"limit": "ten"}, "limit"),
                 ({"user": "a\x01b"}, "user"), ({"session": "\x02"}, "session"),
                 ({"item": ["i%d" % k for k in range(21)]}, "item"), ({"category": "a//b"}, "categor"),
                 ({"category": "/a"}, "categor"), ({"filters": "not json"}, "filters"),
                 ({"filters": json.dumps([{"price": {"min": "x"}}])}, "filters[0]")]
        for params, field in cases:
            with self.subTest(params=params):
                self.assertError(self.cluster.http("GET", "/v1/%s/recommend/req?%s" % (T, q(**params))), 400,
                                 mentions=field)
        for body, field in [({"limit": 0}, "limit"), ({"items": [{}]}, "items"), ({"usr": "u1"}, "usr"),
                            ({"scenario": "other"}, "scenario"), ([], "body"), ({"filters": {}}, "filters")]:
            with self.subTest(body=body):
                self.assertError(self.cluster.http("POST", "/v1/%s/recommend/req" % T, body), 400, mentions=field)
        self.assertError(self.cluster.http("GET", "/v1/%s/recommend/a%%20b" % T), 400, "invalid_field", "scenario")

    def test_limit_default_and_override(self):
        self.put("lim", {"model": "popular", "limit": 3})
        popular = self.model_list(model="popular")
        self.assertGreaterEqual(len(popular), 6)
        self.assertEqual(self.items_of(self.reco("lim")), popular[:3])
        self.assertEqual(self.items_of(self.reco("lim", limit=6)), popular[:6])
        self.put("lim-default", {"model": "popular"})
        self.assertEqual(len(self.reco("lim-default")["recommendations"]), min(10, len(popular)))

    def test_post_equals_get(self):
        self.put("post", {"model": "item-to-item", "fallbacks": ["popular"], "limit": 6})
        got = self.reco("post", item=["stove", "tent"], user="u4")
        posted = self.assertStatus(self.cluster.http("POST", "/v1/%s/recommend/post" % T,
                                                     {"items": ["stove", "tent"], "user": "u4"}), 200)
        self.assertEqual(posted["recommendations"], got["recommendations"])
        self.assertEqual(posted["scenario"], "post")
        # Everything popular but the context, u4's purchase (boots) and the hidden item: 5 < limit.
        self.assertEqual(sorted(self.items_of(posted)),
                         sorted(i for i in self.model_list(model="popular") if i not in ("stove", "tent", "boots")))

    # -- the chain -------------------------------------------------------------------------
    def test_chain_fills_from_fallbacks_with_origin(self):
        self.put("chain", {"model": "item-to-item", "fallbacks": ["trending", "popular"], "limit": 9})
        body = self.reco("chain", item="boots")
        neighbours = self.model_list(model="item-to-item", item="boots")
        trending = [i for i in self.model_list(model="trending") if i != "boots"]
        popular = [i for i in self.model_list(model="popular") if i != "boots"]
        self.assertLess(len(neighbours), 9, "boots should have few neighbours: %r" % neighbours)
        self.assertChain(body, [("item-to-item", neighbours), ("trending", trending), ("popular", popular)], 9)
        self.assertEqual(body["scenario"], "chain")
        for r in body["recommendations"]:
            self.assertIsInstance(r["score"], (int, float))
        # The same chain with a limit the first model fills alone uses only that model.
        short = self.reco("chain", item="boots", limit=1)
        self.assertEqual([(r["item"], r["model"]) for r in short["recommendations"]], [(neighbours[0], "item-to-item")])

    def test_exclusion_rules(self):
        popular = self.model_list(model="popular")
        self.assertNotIn(HIDDEN, popular)
        # The hidden item is the most popular in the model's own list, yet never recommended.
        top = self.cluster.redis("ZREVRANGE", key(T, "m:popular:%s:all" % self.cluster.redis(
            "GET", key(T, "m:popular:current"))), 0, 0)
        self.assertEqual(top, [HIDDEN])
        self.put("ex-default", {"model": "popular", "limit": 50})
        self.put("ex-keep", {"model": "popular", "limit": 50, "exclude": {"context": False, "purchased": False}})
        body = self.reco("ex-default", item="tent", user="u2")  # u2 bought stove
        self.assertEqual(self.items_of(body), [i for i in popular if i not in ("tent", "stove")])
        body = self.reco("ex-keep", item="tent", user="u2")
        self.assertEqual(self.items_of(body), popular)
        for sid in ("ex-default", "ex-keep"):
            self.assertNotIn(HIDDEN, self.items_of(self.reco(sid, user="u3")))  # u3 bought the hidden one
        # seen: the user's whole history (u1 touched tent, stove, lamp).
        self.put("ex-seen", {"model": "popular", "limit": 50, "exclude": {"seen": True, "purchased": False}})
        self.assertEqual(self.items_of(self.reco("ex-seen", user="u1")),
                         [i for i in popular if i not in ("tent", "stove", "lamp")])

    def test_purchases_count_at_once_and_follow_deletion(self):
        self.put("ex-live", {"model": "popular", "limit": 50})
        popular = self.model_list(model="popular")
        self.assertIn("jacket", self.items_of(self.reco("ex-live", user="buyer")))
        ev = {"user": "buyer", "item": "jacket", "type": "purchase"}
        self.assertStatus(self.cluster.http("POST", "/v1/%s/events" % T, ev), 200)
        self.assertEqual(self.cluster.redis("ZRANGE", key(T, "user-purchases:buyer"), 0, -1), ["jacket"])
        self.assertEqual(self.items_of(self.reco("ex-live", user="buyer")), [i for i in popular if i != "jacket"])
        # The session / cookie of an anonymous visitor is its user.
        self.assertEqual(self.items_of(self.reco("ex-live", session="buyer")), [i for i in popular if i != "jacket"])
        self.assertEqual(self.items_of(self.reco("ex-live", cookie="buyer")), [i for i in popular if i != "jacket"])
        # A view keeps the purchase; deleting the purchase event lets the item back.
        self.assertStatus(self.cluster.http("POST", "/v1/%s/events" % T, dict(ev, type="view")), 200)
        self.assertStatus(self.cluster.http("DELETE", "/v1/%s/events?%s" % (T, q(user="buyer", item="jacket"))), 200)
        self.assertEqual(self.cluster.redis("EXISTS", key(T, "user-purchases:buyer")), 0)
        self.assertEqual(self.items_of(self.reco("ex-live", user="buyer")), popular)

    def test_purchase_repair_keeps_the_latest_remaining(self):
        base = 1700000000000
        evs = [{"user": "rep", "item": "pot", "type": "purchase", "timestamp": base},
               {"user": "rep", "item": "pot", "type": "purchase", "timestamp": base + 5000},
               {"user": "rep", "item": "pot", "type": "view", "timestamp": base + 9000}]
        self.assertStatus(self.cluster.http("POST", "/v1/%s/events" % T, evs), 200)
        self.assertEqual(self.cluster.redis("ZSCORE", key(T, "user-purchases:rep"), "pot"), str(base + 5000))
        self.assertStatus(self.cluster.http("DELETE", "/v1/%s/events?%s" % (
            T, q(user="rep", item="pot", timestamp=base + 5000))), 200)
        self.assertEqual(self.cluster.redis("ZSCORE", key(T, "user-purchases:rep"), "pot"), str(base))
        # Moving a guest to a member moves its purchases too.
        self.assertStatus(self.cluster.http("POST", "/v1/%s/users/rep/transfer/member" % T), 200)
        self.assertEqual(self.cluster.redis("EXISTS", key(T, "user-purchases:rep")), 0)
        self.assertEqual(self.cluster.redis("ZSCORE", key(T, "user-purchases:member"), "pot"), str(base))
        self.assertStatus(self.cluster.http("DELETE", "/v1/%s/users/member" % T), 200)
        self.assertEqual(self.cluster.redis("EXISTS", key(T, "user-purchases:member")), 0)

    def test_personalised_without_history(self):
        for model in ("for-user", "similar-customers"):
            with self.subTest(model=model):
                self.put("pers-" + model, {"model": model})
                self.assertError(self.cluster.http("GET", "/v1/%s/recommend/pers-%s?user=newcomer" % (T, model)),
                                 409, "no_history", "user")
                self.assertError(self.cluster.http("GET", "/v1/%s/recommend/pers-%s" % (T, model)), 400,
                                 "missing_field", "user")
                self.put("pers-fb-" + model, {"model": model, "fallbacks": ["popular"], "limit": 5})
                body = self.reco("pers-fb-" + model, user="newcomer")
                self.assertChain(body, [("popular", self.model_list(model="popular"))], 5)
                # A user with history is served by the model itself first.
                body = self.reco("pers-fb-" + model, user="u2")
                self.assertTrue(body["recommendations"], body)
                self.assertNotIn("stove", self.items_of(body))  # bought by u2
                first = body["recommendations"][0]["model"]
                self.assertIn(first, (model, "popular"), body)
        # Missing context of a non-personalised model with no fallback: 400 naming the field.
        self.put("bw", {"model": "bought-with"})
        self.assertError(self.cluster.http("GET", "/v1/%s/recommend/bw" % T), 400, "missing_field", "item")

    def test_filters_of_scenario_and_request(self):
        self.put("filt", {"model": "popular", "limit": 50, "filters": [{"categories": "camping"}]})
        popular = self.model_list(model="popular")
        camping = {i["id"] for i in ITEMS if i["categories"][0].startswith("camping/")}
        if set(self.model_list(model="popular", filters=json.dumps([{"categories": "camping"}]))) - camping:
            self.skipTest("the recommend op does not apply filters yet (query/reco_recommend_shape)")
        self.assertEqual(self.items_of(self.reco("filt")), [i for i in popular if i in camping])
        cheap = {i["id"] for i in ITEMS if i.get("attributes", {}).get("price", 1000) <= 40}
        body = self.reco("filt", filters=json.dumps([{"price": {"max": 40}}]))
        self.assertEqual(self.items_of(body), [i for i in popular if i in camping and i in cheap])

    # -- popular in a category -------------------------------------------------------------
    def write_category_lists(self):
        """Per-category popular lists under the current popular version, as the trainer writes
        them (docs/redis-keys.md), with scores chosen here so the expected order is known."""
        v = self.cluster.redis("GET", key(T, "m:popular:current"))
        lists = {"camping/tents": [("tarp", 9), ("tent", 8), (HIDDEN, 20)],
                 "camping/cooking": [("pot", 7), ("stove", 6)],
                 "camping": [("lamp", 50), ("tarp", 9), ("tent", 8), ("pot", 7), ("stove", 6)]}
        for path, entries in lists.items():
            k = key(T, "m:popular:%s:c:%s" % (v, path))
            self.cluster.redis("DEL", k)
            for item, score in entries:
                self.cluster.redis("ZADD", k, score, item)
        return v

    def test_popular_category_fallback(self):
        self.write_category_lists()
        self.put("cat", {"model": "item-to-item", "fallbacks": ["popular-category", "popular"], "limit": 6})
        popular = self.model_list(model="popular")
        # Request paths: the deepest first, then its prefix, then popular.
        body = self.reco("cat", category="camping/tents")
        self.assertChain(body, [("popular-category", ["tarp", "tent", "lamp", "pot", "stove"]),
                                ("popular", popular)], 6)
        # No path given: the context item's categories (stove: camping/cooking).
        body = self.reco("cat", item="stove")
        neighbours = self.model_list(model="item-to-item", item="stove")
        self.assertChain(body, [("item-to-item", neighbours),
                                ("popular-category", ["pot", "lamp", "tarp", "tent"]),
                                ("popular", [i for i in popular if i != "stove"])], 6)
        # Only popular-category, no category anywhere: 400 naming the field.
        self.put("cat-only", {"model": "popular-category"})
        self.assertError(self.cluster.http("GET", "/v1/%s/recommend/cat-only" % T), 400, "missing_field", "category")
        self.assertEqual(self.items_of(self.reco("cat-only", category="camping/cooking")),
                         ["pot", "stove", "lamp", "tarp", "tent"])

    def test_popular_category_from_the_trainer(self):
        v = self.cluster.redis("GET", key(T, "m:popular:current"))
        if not self.cluster.redis("EXISTS", key(T, "m:popular:%s:c:clothing" % v)):  # not written by hand here
            self.skipTest("the trainer does not write per-category popular lists (…:c:<path>) yet")
        want = [i for i in self.cluster.redis("ZREVRANGE", key(T, "m:popular:%s:c:clothing" % v), 0, -1)
                if i != HIDDEN]
        self.put("cat-trained", {"model": "popular-category", "limit": 50})
        self.assertEqual(self.items_of(self.reco("cat-trained", category="clothing")), want)

    # -- bulk ------------------------------------------------------------------------------
    def test_bulk(self):
        self.put("bulk-a", {"model": "popular", "limit": 3})
        self.put("bulk-b", {"model": "item-to-item", "fallbacks": ["popular"], "limit": 4})
        requests = [{"scenario": "bulk-a"}, {"scenario": "missing"}, {"scenario": "bulk-b", "items": ["tent"]},
                    {"scenario": "bulk-a", "limit": 0}, "not an object", {"scenario": "bulk-a", "user": "u2"}]
        body = self.assertStatus(self.cluster.http("POST", "/v1/%s/recommend/bulk" % T, {"requests": requests}), 200)
        r = body["responses"]
        self.assertEqual(len(r), len(requests))
        self.assertEqual(self.items_of(r[0]), self.items_of(self.reco("bulk-a")))
        self.assertEqual((r[1]["status"], r[1]["error"]["code"]), (404, "not_found"))
        self.assertIn("requests[1]", r[1]["error"]["message"])
        self.assertEqual(r[2]["recommendations"], self.reco("bulk-b", item="tent")["recommendations"])
        self.assertEqual((r[3]["status"], r[3]["error"]["code"]), (400, "invalid_field"))
        self.assertIn("requests[3].limit", r[3]["error"]["message"])
        self.assertEqual(r[4]["status"], 400)
        self.assertNotIn("stove", self.items_of(r[5]))
        ids = [x["recommendation_id"] for x in r if "recommendation_id" in x]
        self.assertEqual(len(ids), 3)
        self.assertEqual(len(set(ids)), 3)
        for bad, field in [({}, "requests"), ({"requests": []}, "requests"),
                           ({"requests": [{"scenario": "bulk-a"}] * 21}, "requests"), ([], "requests")]:
            with self.subTest(body=bad):
                self.assertError(self.cluster.http("POST", "/v1/%s/recommend/bulk" % T, bad), 400, mentions=field)

    # -- recommendation ids and viewers ----------------------------------------------------
    def test_offset_pages_are_slices_of_one_big_page(self):
        """offset (GET and POST) pages through the whole chain, fallbacks included, in one order;
        attributes and include-sets are taken on the GET route too."""
        self.put("paged", {"model": "item-to-item", "fallbacks": ["popular"]})
        # a context item with few neighbours, so that the pages cross into the fallback
        counts = {i["id"]: len(self.model_list(model="item-to-item", item=i["id"])) for i in ITEMS}
        ctx = min((n, i) for i, n in counts.items() if n > 0)[1]
        whole = self.reco("paged", item=ctx, limit=8)
        items = [(r["item"], r["model"]) for r in whole["recommendations"]]
        self.assertGreaterEqual(len(items), 6, whole)
        self.assertIn("popular", {m for _, m in items}, whole)  # the pages cross into the fallback
        for offset in (0, 2, 3, 5):
            with self.subTest(offset=offset):
                page = self.reco("paged", item=ctx, limit=3, offset=offset)
                self.assertEqual([(r["item"], r["model"]) for r in page["recommendations"]],
                                 items[offset:offset + 3])
                post = self.assertStatus(self.cluster.http(
                    "POST", "/v1/%s/recommend/paged" % T, {"items": [ctx], "limit": 3, "offset": offset}), 200)
                self.assertEqual(self.items_of(post), [i for i, _ in items[offset:offset + 3]])
        self.assertEqual(self.reco("paged", item=ctx, limit=3, offset=1000)["recommendations"], [])
        err = self.assertError(self.cluster.http("GET", "/v1/%s/recommend/paged?item=tent&offset=1001" % T), 400)
        self.assertIn("offset", err["message"])
        err = self.assertError(self.cluster.http("POST", "/v1/%s/recommend/paged" % T,
                                                 {"items": ["tent"], "offset": -1}), 400)
        self.assertIn("offset", err["message"])
        err = self.assertError(self.cluster.http("GET", "/v1/%s/recommend/paged?item=tent&include-sets=maybe" % T), 400)
        self.assertIn("include-sets", err["message"])
        with_attrs = self.reco("paged", item="tent", limit=3, attributes="title,price")
        for r in with_attrs["recommendations"]:
            self.assertEqual(set(r["attributes"]), {"title", "price"}, r)
        # include-sets reaches a bought-with step: the same answer as the model route with it
        self.put("bw-sets", {"model": "bought-with"})
        chain = self.reco("bw-sets", item="tent", limit=10, **{"include-sets": "true"})
        model = self.assertStatus(self.cluster.http(
            "GET", "/v1/%s/recommend?model=bought-with&item=tent&limit=10&include-sets=true" % T), 200)
        strip = lambda recs: [(r.get("item"), r.get("items")) for r in recs]  # noqa: E731
        self.assertEqual(strip(chain["recommendations"]), strip(model["recommendations"]))

    def test_recommendation_ids_are_unique(self):
        self.put("ids", {"model": "popular"})
        ids = [self.reco("ids")["recommendation_id"] for _ in range(20)]
        ids.append(self.assertStatus(self.cluster.http("POST", "/v1/%s/recommend/ids" % T, {}), 200)
                   ["recommendation_id"])
        for rid in ids:
            self.assertRegex(rid, re.compile(r"^r1\.[A-Za-z0-9_-]{12}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$"))
        self.assertEqual(len(set(ids)), len(ids))

    def test_viewers_of_context_items(self):
        self.put("views", {"model": "item-to-item", "fallbacks": ["popular"]})
        body = self.reco("views", item=["tent", "boots", "stove", "gloves"])
        self.assertEqual(body["context_items"], [{"item": i, "viewers": viewers(i)}
                                                 for i in ("tent", "boots", "stove", "gloves")])
        self.assertEqual([viewers(i) for i in ("tent", "boots", "stove")], [3, 0, 2])
        self.assertEqual(self.reco("views")["context_items"], [])
        # A new viewer counts at once; the same viewer again, or a purchase, does not.
        more = [{"user": "v-new", "item": "boots", "type": "view"}, {"user": "v-new", "item": "boots", "type": "view"},
                {"user": "u1", "item": "tent", "type": "view"}, {"user": "v-other", "item": "boots", "type": "purchase"}]
        self.assertStatus(self.cluster.http("POST", "/v1/%s/events" % T, more), 200)
        body = self.reco("views", item=["tent", "boots"])
        self.assertEqual(body["context_items"], [{"item": "tent", "viewers": 3}, {"item": "boots", "viewers": 1}])
        self.assertEqual(self.cluster.redis("PFCOUNT", key(T, "item-viewers:boots")), 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
