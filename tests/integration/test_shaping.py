"""Response shaping of recommendations on a real system: catalogue filters (TasteHit syntax),
attributes, offset and pscore paging, resort, the limit range, and every 400 naming its field.

A catalogue of 60 items with prices, brands, flags and categories goes in over HTTP in two
batches (so creation times differ), view events give them popularity counts with many ties, a
trainer run builds the models. Expected answers are computed here from the same data (the
popular score of an item is its number of views; ties rank by item id ascending, bytewise), and
the creation times are read back from GET /items/{id}."""

import json
import os
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ClusterTestCase  # noqa: E402

TENANT = "shape"
HIDDEN = "p13"
N_ITEMS = 60
BRANDS = ["Kestrel", "Ridge", "Lumen"]


def item_id(i):
    return "p%02d" % i


def views(i):
    """How many users view item i: 1..13, so many items tie."""
    return 1 + (i * 7) % 13


def item_json(i):
    out = {"id": item_id(i), "title": "Item %d" % i, "categories": ["cat%d/sub%d" % (i % 3, i % 2)],
           "attributes": {"price": 5.0 * i, "brand": BRANDS[i % 3], "eco": i % 4 == 0}}
    if i % 5 == 0:
        out["attributes"]["tags"] = ["sale", "new"]
    if item_id(i) == HIDDEN:
        out["hidden"] = True
    return out


def q(params):
    """A query string; list values repeat the parameter."""
    return urllib.parse.urlencode(params, doseq=True)


class ShapingTest(ClusterTestCase):
    cluster_kwargs = {"query_workers": 2}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.cluster
        first, second = list(range(0, 30)), list(range(30, N_ITEMS))
        for batch in (first, second):
            status, _, body = c.http("PUT", "/v1/%s/items" % TENANT, [item_json(i) for i in batch])
            assert status == 200, body
            time.sleep(0.005)  # distinct created_at between the batches (ms resolution), not a wait
        events = [{"user": "u%d" % u, "item": item_id(i), "type": "view"}
                  for i in range(N_ITEMS) for u in range(views(i))]
        status, _, body = c.http("POST", "/v1/%s/events" % TENANT, events)
        assert status in (200, 201), body
        rc, out = c.run_trainer_once(TENANT)
        assert rc == 0, out
        cls.created = {}
        for i in range(N_ITEMS):
            status, _, body = c.http("GET", "/v1/%s/items/%s" % (TENANT, item_id(i)))
            assert status == 200, body
            cls.created[item_id(i)] = body["created_at"]

    # -- helpers ----------------------------------------------------------------------------
    def get(self, params, route="recommend"):
        return self.cluster.http("GET", "/v1/%s/%s?%s" % (TENANT, route, q(params)))

    def recommend(self, **params):
        body = self.assertStatus(self.get(params), 200)
        return body

    def ids(self, body):
        return [r["item"] for r in body["recommendations"]]

    def reference(self, keep=lambda i: True):
        """Every recommendable item passing keep, in popular order (count desc, id asc)."""
        items = [i for i in range(N_ITEMS) if item_id(i) != HIDDEN and keep(i)]
        return [item_id(i) for i in sorted(items, key=lambda i: (-views(i), item_id(i)))]

    def filtered(self, filters, limit=50, **extra):
        return self.ids(self.recommend(model="popular", limit=limit, filters=json.dumps(filters), **extra))

    # -- filters ----------------------------------------------------------------------------
    def test_order_and_ties(self):
        body = self.recommend(model="popular", limit=50)
        self.assertEqual(self.ids(body), self.reference()[:50])
        self.assertEqual([r["score"] for r in body["recommendations"]],
                         [views(int(x[1:])) for x in self.reference()[:50]])

    def test_numeric_range(self):
        self.assertEqual(self.filtered([{"price": {"min": 50, "max": 150}}]),
                         self.reference(lambda i: 50 <= 5.0 * i <= 150))
        self.assertEqual(self.filtered([{"price": {"max": 40}}]), self.reference(lambda i: 5.0 * i <= 40))
        self.assertEqual(self.filtered([{"price": {"min": 280.5}}]), self.reference(lambda i: 5.0 * i >= 280.5))

    def test_created_at_range(self):
        second = sorted(self.created[item_id(i)] for i in range(30, N_ITEMS))
        first = sorted(self.created[item_id(i)] for i in range(0, 30))
        self.assertLess(first[-1], second[0], "the batches were created at distinct times")
        lo = second[0] / 1000.0  # seconds, as TasteHit sends them
        got = self.filtered([{"createdAt": {"min": lo}}])
        self.assertEqual(got, self.reference(lambda i: self.created[item_id(i)] / 1000.0 >= lo))
        self.assertTrue(got and all(int(x[1:]) >= 30 for x in got), got)
        hi = first[-1] / 1000.0
        got = self.filtered([{"createdAt": {"min": first[0] / 1000.0, "max": hi}}])
        self.assertEqual(got, self.reference(lambda i: i < 30))
        self.assertEqual(self.filtered([{"createdAt": {"min": time.time() + 3600}}]), [])

    def test_string_inclusive_exclusive(self):
        self.assertEqual(self.filtered([{"brand": "Ridge"}]), self.reference(lambda i: i % 3 == 1))
        self.assertEqual(self.filtered([{"brand": "Ridge", "exclusive": True}]),
                         self.reference(lambda i: i % 3 != 1)[:50])
        self.assertEqual(self.filtered([{"tags": "sale"}]), self.reference(lambda i: i % 5 == 0))
        self.assertEqual(self.filtered([{"categories": "cat2"}]), self.reference(lambda i: i % 3 == 2))
        self.assertEqual(self.filtered([{"categories": "cat2/sub1"}]),
                         self.reference(lambda i: i % 3 == 2 and i % 2 == 1))

    def test_boolean_and_combination(self):
        self.assertEqual(self.filtered([{"eco": True}]), self.reference(lambda i: i % 4 == 0))
        self.assertEqual(self.filtered([{"eco": False}]), self.reference(lambda i: i % 4 != 0)[:50])
        both = [{"eco": False}, {"brand": "Kestrel"}, {"price": {"min": 20}}]
        self.assertEqual(self.filtered(both), self.reference(lambda i: i % 4 != 0 and i % 3 == 0 and 5 * i >= 20))

    def test_filter_on_neighbour_lists(self):
        """A summed list (two context items) is filtered too, and the context never comes back."""
        plain = self.ids(self.recommend(model="item-to-item", item=["p01", "p02"], limit=50))
        self.assertTrue(plain)
        got = self.ids(self.recommend(model="item-to-item", item=["p01", "p02"], limit=50,
                                      filters=json.dumps([{"eco": True}])))
        expected = [x for x in plain if int(x[1:]) % 4 == 0]  # plain stops at 50: a prefix of got
        self.assertTrue(expected)
        self.assertEqual(got[:len(expected)], expected)
        self.assertTrue(all(int(x[1:]) % 4 == 0 and x not in ("p01", "p02") for x in got), got)

    # -- attributes -------------------------------------------------------------------------
    def test_attributes(self):
        body = self.recommend(model="popular", limit=3, attributes=["title,price", "categories", "nothere"])
        for r in body["recommendations"]:
            i = int(r["item"][1:])
            self.assertEqual(r["attributes"], {"title": "Item %d" % i, "price": 5.0 * i,
                                               "categories": ["cat%d/sub%d" % (i % 3, i % 2)], "nothere": None})
        self.assertNotIn("attributes", self.recommend(model="popular", limit=1)["recommendations"][0])

    # -- paging -----------------------------------------------------------------------------
    def test_offset_paging(self):
        big = self.ids(self.recommend(model="popular", limit=50))
        pages = []
        for offset in range(0, 50, 10):
            pages += self.ids(self.recommend(model="popular", limit=10, offset=offset))
        self.assertEqual(pages, big)
        f = json.dumps([{"eco": False}])
        self.assertEqual(self.ids(self.recommend(model="popular", limit=5, offset=5, filters=f)),
                         self.reference(lambda i: i % 4 != 0)[5:10])
        beyond = self.recommend(model="popular", limit=10, offset=1000)
        self.assertEqual(beyond["recommendations"], [])
        self.assertIsNone(beyond["next"])

    def walk(self, page, **params):
        """Every entry, following `next` cursors page by page."""
        out, cursor = [], {}
        for _ in range(100):
            body = self.recommend(limit=page, **params, **cursor)
            out += body["recommendations"]
            if body["next"] is None:
                return out
            self.assertEqual(body["next"]["pitem"], body["recommendations"][-1]["item"])
            cursor = {"pscore": repr(body["next"]["pscore"]), "pitem": body["next"]["pitem"]}
        self.fail("paging did not end")

    def test_pscore_paging_equals_one_big_page(self):
        big = self.recommend(model="popular", limit=50)["recommendations"]
        walked = self.walk(7, model="popular")
        self.assertEqual([r["item"] for r in walked], self.reference())  # all 59, ties across pages
        self.assertEqual(walked[:50], big)
        f = json.dumps([{"brand": "Kestrel", "exclusive": True}])
        walked = self.walk(4, model="popular", filters=f)
        self.assertEqual([r["item"] for r in walked], self.reference(lambda i: i % 3 != 0))

    def test_pscore_paging_summed_list(self):
        params = {"model": "item-to-item", "item": ["p03", "p04", "p05"]}
        big = self.recommend(limit=50, **params)["recommendations"]
        self.assertGreater(len(big), 5)
        walked = self.walk(3, **params)
        self.assertEqual(walked[:len(big)], big)

    def test_pscore_alone_is_tastehit_rule(self):
        """pscore without pitem: nothing scored pscore or more."""
        got = self.recommend(model="popular", limit=50, pscore="7")["recommendations"]
        self.assertEqual([r["item"] for r in got], [x for x in self.reference() if views(int(x[1:])) < 7])

    # -- resort -----------------------------------------------------------------------------
    def resort(self, body):
        return self.assertStatus(self.cluster.http("POST", "/v1/%s/resort" % TENANT, body), 200)

    def test_resort_popular_and_unpopular(self):
        given = ["p05", "nope", "p01", "p02", "p26", "p05", "zzz"]
        body = self.resort({"items": given, "by": "popular"})
        known = sorted(["p05", "p01", "p02", "p26"], key=lambda x: -views(int(x[1:])))
        self.assertEqual([r["item"] for r in body["items"]], known + ["nope", "zzz"])
        self.assertEqual([r["score"] for r in body["items"]][-2:], [None, None])
        body = self.resort({"items": given, "by": "unpopular"})
        self.assertEqual([r["item"] for r in body["items"]], known[::-1] + ["nope", "zzz"])
        # the GET form, with TasteHit's names
        status, _, got = self.get({"resort": "popular", "itemarray": json.dumps(given)}, route="resort")
        self.assertEqual(status, 200, got)
        self.assertEqual([r["item"] for r in got["items"]], known + ["nope", "zzz"])

    def test_resort_for_user(self):
        # u-fresh viewed p01: the items most similar to p01 must come first
        status, _, body = self.cluster.http("POST", "/v1/%s/events" % TENANT,
                                            [{"user": "u-fresh", "item": "p01", "type": "view"}])
        self.assertIn(status, (200, 201), body)
        similar = self.recommend(model="item-to-item", item="p01", limit=50)["recommendations"]
        score = {r["item"]: r["score"] for r in similar}
        picks = [similar[0]["item"], similar[len(similar) // 2]["item"], similar[-1]["item"]]
        self.assertGreater(score[picks[0]], score[picks[2]])
        given = ["nope", picks[2], picks[0], picks[1]]
        got = self.resort({"items": given, "by": "for-user", "user": "u-fresh"})
        # by score, equal scores in the order given, the unknown item last
        expected = sorted(given[1:], key=lambda x: (-score[x], given.index(x))) + ["nope"]
        self.assertEqual([r["item"] for r in got["items"]], expected)
        self.assertEqual([r["score"] for r in got["items"]][:3], [score[x] for x in expected[:3]])

    def test_resort_random_seeded(self):
        given = [item_id(i) for i in range(40)]
        a = self.resort({"items": given, "by": "random", "seed": 42})
        b = self.resort({"items": given, "by": "random", "seed": 42})
        c = self.resort({"items": given, "by": "random", "seed": 43})
        order = [r["item"] for r in a["items"]]
        self.assertEqual(order, [r["item"] for r in b["items"]])
        self.assertEqual(sorted(order), sorted(given))
        self.assertNotEqual(order, given)
        self.assertNotEqual(order, [r["item"] for r in c["items"]])
        self.assertEqual(a["seed"], 42)
        drawn = self.resort({"items": given, "by": "random"})
        again = self.resort({"items": given, "by": "random", "seed": drawn["seed"]})
        self.assertEqual(drawn["items"], again["items"])

    # -- errors -----------------------------------------------------------------------------
    def test_limit_range(self):
        self.assertEqual(len(self.ids(self.recommend(model="popular", limit=50))), 50)
        self.assertEqual(len(self.ids(self.recommend(model="popular"))), 10)
        for bad in ("0", "51", "x"):
            self.assertError(self.get({"model": "popular", "limit": bad}), 400, "invalid_field", "limit")

    def test_errors_name_the_field(self):
        cases = [
            ({"offset": "1001"}, "offset"),
            ({"offset": "-1"}, "offset"),
            ({"pscore": "abc"}, "pscore"),
            ({"pscore": "inf"}, "pscore"),
            ({"pitem": "p01"}, "pitem"),
            ({"filters": "[{"}, "filters"),
            ({"filters": '{"brand":"x"}'}, "filters"),
            ({"filters": '[{"brand":"x"},{"price":{"min":"cheap"}}]'}, 'filters[1] {"price":{"min":"cheap"}}'),
            ({"filters": '[{"price":{"min":9,"max":1}}]'}, "min is greater than max"),
            ({"filters": '[{"eco":true,"exclusive":true}]'}, "filters[0]"),
            ({"filters": '[{"createdAt":5}]'}, "createdAt"),
            ({"attributes": "a,,b"}, "attributes"),
        ]
        for params, mention in cases:
            params = dict(params, model="popular")
            self.assertError(self.get(params), 400, "invalid_field", mention)

    def test_resort_errors(self):
        post = lambda body: self.cluster.http("POST", "/v1/%s/resort" % TENANT, body)  # noqa: E731
        self.assertError(post({"items": ["a"]}), 400, "missing_field", "by")
        self.assertError(post({"items": ["a"], "by": "best"}), 400, "invalid_field", "by")
        self.assertError(post({"by": "popular"}), 400, "missing_field", "items")
        self.assertError(post({"items": [], "by": "popular"}), 400, "invalid_field", "items")
        self.assertError(post({"items": ["i%d" % i for i in range(101)], "by": "popular"}), 400,
                         "invalid_field", "items")
        self.assertError(post({"items": ["a", ""], "by": "popular"}), 400, "invalid_field", "items[1]")
        self.assertError(post({"items": ["a"], "by": "for-user"}), 400, "missing_field", "user")
        self.assertError(post({"items": ["a"], "by": "random", "seed": -1}), 400, "invalid_field", "seed")
        self.assertError(post([1, 2]), 400, None, "body")
        self.assertError(self.get({"by": "popular"}, route="resort"), 400, None, "items")
        self.assertError(self.get({"by": "popular", "items": "[1,"}, route="resort"), 400, "invalid_field", "items")


if __name__ == "__main__":
    unittest.main(verbosity=2)
