"""The TasteHit dialect (/compat/tastehit, seed 002) end to end: every example request printed in
the seed replayed with only the base URL changed (https://www.tastehit.com -> /compat/tastehit,
{customer} -> the tenant), the documented status codes and shapes, and each documented error.
Widgets are native scenarios; each dialect answer is checked against the native route's answer
for the same request (GET /v1/{T}/recommend/{scenario}, /v1/{T}/resort), so the dialect is shown
to be a mapping and not a second implementation. Real redis-server and processes, models built
with reco-trainer --once.

TasteHit's documented 429 comes from reco's rate limits, which need --auth on (this suite runs
with auth off): integration-ratelimit gets it on a TasteHit widget route."""

import os
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ClusterTestCase, key  # noqa: E402

T = "customerX"  # the seed's example customer
BASE = "/compat/tastehit/api/%s/v1" % T
TH_USER = "TH-0000288e-54be-1c62-189b-33f88600782f"

# Every item the seed's examples name, with catalogue fields its filter examples use.
POPULAR = ["5519", "5453", "5507", "5510", "5455", "4961", "5512", "5509", "5541", "5447"]
RELATED = ["4224", "232", "1351", "3708", "3567"]
PERSONAL = ["5007", "4921", "2990", "1406", "4496"]
OTHER = ["1273", "718", "2492", "1598", "2554", "5689", "5195", "5695"]
RESORT = ["item1", "item2", "item3"]
ALL = POPULAR + RELATED + PERSONAL + OTHER + RESORT


def item_doc(i, item):
    return {"id": item, "title": "Product %s" % item, "attributes": {
        "type": "clothing" if i % 2 == 0 else "tools", "brand": "Desigual" if i % 3 == 0 else "Other",
        "color": "black" if i % 4 == 0 else "white", "price": 20.0 + 10 * i, "available": i % 5 != 0,
        "entertainment": i % 3 == 1, "business": i % 7 == 2}}


def events():
    """Distinct popularity for the POPULAR items (12, 11, ... 3 viewers), item3 > item1 > item2,
    RELATED items viewed together with 5519, PERSONAL items together with what TH_USER viewed."""
    out = []
    for rank, item in enumerate(POPULAR):
        out += [{"user": "u%d" % u, "item": item, "type": "view"} for u in range(12 - rank)]
    for n, item in zip((6, 4, 2), ("item3", "item1", "item2")):
        out += [{"user": "r%d" % u, "item": item, "type": "view"} for u in range(n)]
    for j, item in enumerate(RELATED):
        out += [{"user": "u%d" % u, "item": item, "type": "view"} for u in range(5 - j)]
    for j, item in enumerate(PERSONAL):
        out += [{"user": "p%d" % u, "item": item, "type": "view"} for u in range(5 - j)]
    for j, item in enumerate(OTHER):
        out += [{"user": "o%d-%d" % (j, u), "item": item, "type": "view"} for u in range(1 + j % 3)]
    out.append({"user": "p0", "item": "1273", "type": "cart"})  # p0 viewed every PERSONAL item
    out.append({"user": TH_USER, "item": "1273", "type": "view"})
    return out


WIDGETS = {
    "popular": {"model": "popular-365d"},          # "the most popular products in the last 365 days"
    "personalized1": {"model": "item-to-item"},    # needs an item or a user, else []
    "home1": {"model": "popular"},
}


def pairs(body):
    return [(r["item_pid"], r["score"]) for r in body]


class TasteHit(ClusterTestCase):
    cluster_kwargs = {"query_workers": 1, "trainer": False}

    @classmethod
    def setUpData(cls):
        c = cls.cluster
        assert c.http("PUT", "/v1/%s/items" % T, [item_doc(i, it) for i, it in enumerate(ALL)])[0] == 200
        status, _, body = c.http("POST", "/v1/%s/events" % T, events())
        assert status == 200, body
        for wid, scenario in WIDGETS.items():
            assert c.http("PUT", "/v1/%s/scenarios/%s" % (T, wid), scenario)[0] in (200, 201)
        rc, out = c.run_trainer_once(T)
        assert rc == 0, out

    # -- helpers ---------------------------------------------------------------------------
    def th(self, method, rest, status=None):
        """A request on the dialect; rest is the seed's path after /api/{customer}/v1."""
        resp = self.cluster.http(method, BASE + rest)
        return resp if status is None else self.assertStatus(resp, status)

    def native(self, widget, **params):
        """The native scenario route's answer as [(item, score)]: the reference."""
        params.setdefault("limit", 5)
        body = self.assertStatus(self.cluster.http(
            "GET", "/v1/%s/recommend/%s?%s" % (T, widget, urllib.parse.urlencode(params))), 200)
        return [(r["item"], r["score"]) for r in body["recommendations"]]

    def assertList(self, body, limit=None):
        """TasteHit's shape: [{"item_pid": str, "score": number}], scores descending."""
        self.assertIsInstance(body, list, body)
        for r in body:
            self.assertEqual(set(r), {"item_pid", "score"}, r)
            self.assertIsInstance(r["item_pid"], str)
            self.assertIsInstance(r["score"], (int, float))
        if limit is not None:
            self.assertLessEqual(len(body), limit)
        return body

    def stream_len(self):
        return self.cluster.redis("XLEN", key(T, "events"))

    # -- interactions ----------------------------------------------------------------------
    def test_interaction_examples(self):
        # /api/customerX/v1/interaction/bob/item1/visit and .../bob/item2/follow
        for item, action, native in (("item1", "visit", "view"), ("item2", "follow", "click")):
            before = self.stream_len()
            status, _, body = self.cluster.http("POST", "/compat/tastehit/api/customerX/v1/interaction/bob/%s/%s"
                                                % (item, action))
            self.assertEqual((status, body), (204, ""))
            last = self.cluster.stream(T)[-1][1]
            self.assertEqual((last["user"], last["item"], last["type"]), ("bob", item, native))
            self.assertEqual(self.stream_len(), before + 1)
        # POST https://www.tastehit.com/api/{customer}/v1/interaction/bob/item1/visit
        self.assertStatus(self.cluster.http("POST", BASE + "/interaction/bob/item1/visit"), 204)
        # "Once this call is done once, it becomes possible to request recommendations for user bob"
        self.assertList(self.th("GET", "/personalized1/r?user_id=bob", 200))

    def test_interaction_actions(self):
        # cart is configured by TasteHit; purchase is a native built-in type
        for action in ("cart", "purchase"):
            self.th("POST", "/interaction/u0/5519/%s" % action, 204)
            self.assertEqual(self.cluster.stream(T)[-1][1]["type"], action)
        # a custom action: 400 until configured, then stored under its name with its weight
        err = self.assertError(self.th("POST", "/interaction/u0/5519/quickview"), 400, "unknown_action", "action")
        self.assertIn("quickview", err["message"])
        self.assertStatus(self.cluster.http("PUT", "/v1/%s/actions/quickview" % T, {"weight": 2}), 200)
        self.th("POST", "/interaction/u0/5519/quickview", 204)
        self.assertEqual(self.cluster.stream(T)[-1][1]["type"], "quickview")

    def test_interaction_errors(self):
        before = self.stream_len()
        # "A 400 error code will be returned if no item in your catalog has the specified Unique ID."
        self.assertError(self.th("POST", "/interaction/bob/no-such-item/visit"), 400, "unknown_item", "item")
        # "... if the action you provided is not one of the allowed values."
        self.assertError(self.th("POST", "/interaction/bob/item1/teleport"), 400, "unknown_action", "action")
        self.assertError(self.th("POST", "/interaction/bob/item1/Buy!"), 400, "unknown_action", "action")
        self.assertEqual(self.stream_len(), before, "a refused interaction wrote nothing")
        # URL-encoded ids (encodeURIComponent("Visitor 1")) are decoded
        self.th("POST", "/interaction/Visitor%201/item3/visit", 204)
        self.assertEqual(self.cluster.stream(T)[-1][1]["user"], "Visitor 1")
        self.assertError(self.th("GET", "/interaction/bob/item1/visit"), 405)
        self.assertError(self.cluster.http("POST", "/compat/tastehit/api/bad%20customer/v1/interaction/b/i/visit"),
                         400, "invalid_field", "customer")
        self.assertError(self.cluster.http("POST", "/compat/tastehit/api/%s/v2/interaction/b/i/visit" % T),
                         404, "not_found")

    # -- recommendations -------------------------------------------------------------------
    def test_popular_example(self):
        # GET https://www.tastehit.com/api/{customer}/v1/popular/r
        body = self.assertList(self.th("GET", "/popular/r", 200), 5)
        self.assertEqual(pairs(body), self.native("popular"))
        self.assertEqual([p for p, _ in pairs(body)], POPULAR[:5])

    def test_personalized_examples(self):
        # GET .../personalized1/r  > []
        self.assertEqual(self.th("GET", "/personalized1/r", 200), [])
        # GET .../personalized1/r?item_pid=5519
        body = self.assertList(self.th("GET", "/personalized1/r?item_pid=5519", 200), 5)
        self.assertEqual(len(body), 5)
        self.assertEqual(pairs(body), self.native("personalized1", item="5519"))
        # GET .../personalized1/r?user_id=TH-0000288e-54be-1c62-189b-33f88600782f
        body = self.assertList(self.th("GET", "/personalized1/r?user_id=" + TH_USER, 200), 5)
        self.assertTrue(body)
        self.assertEqual(pairs(body), self.native("personalized1", user=TH_USER))
        self.assertEqual(sorted(p for p, _ in pairs(body)), sorted(PERSONAL))
        # a user without history: [] too
        self.assertEqual(self.th("GET", "/personalized1/r?user_id=nobody-yet", 200), [])

    def test_resort_example(self):
        # GET .../home1/r?resort=popular&itemarray=%5B%22item1%22%2C%22item2%22%2C%22item3%22%5D
        body = self.assertList(self.th(
            "GET", "/home1/r?resort=popular&itemarray=%5B%22item1%22%2C%22item2%22%2C%22item3%22%5D", 200))
        self.assertEqual([p for p, _ in pairs(body)], ["item3", "item1", "item2"])
        native = self.assertStatus(self.cluster.http(
            "GET", "/v1/%s/resort?by=popular&itemarray=%%5B%%22item1%%22%%2C%%22item2%%22%%2C%%22item3%%22%%5D" % T),
            200)
        self.assertEqual(pairs(body), [(r["item"], r["score"]) for r in native["items"]])
        items = urllib.parse.quote('["item1","item2","item3"]')
        up = self.th("GET", "/home1/r?resort=unpopular&itemarray=" + items, 200)
        self.assertEqual([r["item_pid"] for r in up], ["item2", "item1", "item3"])
        shuffled = self.assertList(self.th("GET", "/home1/r?resort=random&itemarray=" + items, 200))
        self.assertEqual(sorted(r["item_pid"] for r in shuffled), RESORT)
        mine = self.assertList(self.th("GET", "/home1/r?resort=foruser&user_id=r0&itemarray=" + items, 200))
        self.assertEqual(sorted(r["item_pid"] for r in mine), RESORT)
        self.assertEqual(len(self.th("GET", "/home1/r?resort=popular&limit=2&itemarray=" + items, 200)), 2)
        # errors: foruser without a user, a bad resort value, a bad itemarray, an unknown widget
        self.assertError(self.th("GET", "/home1/r?resort=foruser&itemarray=" + items), 400, "missing_field", "user_id")
        self.assertError(self.th("GET", "/home1/r?resort=best&itemarray=" + items), 400, "invalid_field", "resort")
        self.assertError(self.th("GET", "/home1/r?resort=popular&itemarray=item1"), 400, "invalid_field", "itemarray")
        self.assertError(self.th("GET", "/home1/r?resort=popular"), 400, "missing_field", "itemarray")
        self.assertError(self.th("GET", "/nowidget/r?resort=popular&itemarray=" + items), 400, "unknown_widget",
                         "nowidget")

    def test_limit_examples(self):
        # default 5; GET .../home1/r?limit=1 and ?limit=10
        five = self.assertList(self.th("GET", "/home1/r", 200))
        self.assertEqual(len(five), 5)
        one = self.assertList(self.th("GET", "/home1/r?limit=1", 200))
        self.assertEqual(pairs(one), pairs(five)[:1])
        ten = self.assertList(self.th("GET", "/home1/r?limit=10", 200))
        self.assertEqual(len(ten), 10)
        self.assertEqual(pairs(ten), self.native("home1", limit=10))
        self.assertEqual(pairs(ten)[:5], pairs(five))
        self.assertError(self.th("GET", "/home1/r?limit=0"), 400, "invalid_field", "limit")

    def test_pagination_examples(self):
        # GET .../home1/r?limit=3, then the same three one by one with pscore
        three = pairs(self.assertList(self.th("GET", "/home1/r?limit=3", 200)))
        got, pscore = [], None
        for _ in range(3):
            page = pairs(self.th("GET", "/home1/r?limit=1" + ("&pscore=%r" % pscore if pscore is not None else ""),
                                 200))
            self.assertEqual(len(page), 1)
            got += page
            pscore = page[0][1]
        self.assertEqual(got, three)
        # the seed's literal pscore values: nothing scored that much or more is returned
        for printed in ("1999", "1749"):
            body = self.assertList(self.th("GET", "/home1/r?limit=1&pscore=" + printed, 200), 1)
            self.assertTrue(all(s < float(printed) for _, s in pairs(body)))
        low = pairs(self.th("GET", "/home1/r?limit=5&pscore=%r" % three[2][1], 200))
        self.assertTrue(low and all(s < three[2][1] for _, s in low), low)
        self.assertEqual(low, self.native("home1", pscore=repr(three[2][1])))  # the native route's pscore
        self.assertError(self.th("GET", "/home1/r?pscore=high"), 400, "invalid_field", "pscore")

    def test_filter_examples(self):
        # As printed, the seed's first two filter URLs are not valid JSON (%type%22 lacks a quote):
        # a 400 naming filters, not a guess at what was meant.
        for printed in ("/popular/r?filters=%5B%7B%type%22%3A%clothing%22%7D%5D",
                        "/popular/r?filters=%5B%7B%entertainment%22%3Atrue%7D%5D"):
            self.assertError(self.th("GET", printed), 400, "invalid_field", "filters")
        docs = {it: item_doc(i, it)["attributes"] for i, it in enumerate(ALL)}

        def filtered(filters, widget="popular", limit=10):
            q = urllib.parse.quote(__import__("json").dumps(filters))
            body = self.assertList(self.th("GET", "/%s/r?limit=%d&filters=%s" % (widget, limit, q), 200), limit)
            self.assertEqual(pairs(body), self.native(widget, limit=limit, filters=__import__("json").dumps(filters)))
            return [p for p, _ in pairs(body)]

        clothing = filtered([{"type": "clothing"}])
        self.assertTrue(clothing and all(docs[p]["type"] == "clothing" for p in clothing), clothing)
        not_clothing = filtered([{"type": "clothing", "exclusive": True}])
        self.assertTrue(not_clothing and all(docs[p]["type"] != "clothing" for p in not_clothing))
        fun = filtered([{"entertainment": True}])
        self.assertTrue(fun and all(docs[p]["entertainment"] for p in fun), fun)
        self.assertTrue(all(not docs[p]["entertainment"] for p in filtered([{"entertainment": False}])))
        combined = filtered([{"type": "clothing", "exclusive": True}, {"price": {"min": 10.0, "max": 100.0}},
                             {"business": False}])
        self.assertTrue(all(docs[p]["type"] != "clothing" and 10 <= docs[p]["price"] <= 100 and not docs[p]["business"]
                            for p in combined))
        # the parameter table's combined example (with a price range our catalogue has)
        the_table = filtered([{"brand": "Desigual"}, {"color": "black"}, {"price": {"min": 20.0, "max": 200.0}},
                              {"available": True}])
        self.assertEqual(the_table, ["1351"])  # the one Desigual, black, available item in range
        for price in ({"min": 10.0}, {"max": 100.0}, {"min": 10.0, "max": 100.0}):
            got = filtered([{"price": price}])
            self.assertTrue(all(price.get("min", 0) <= docs[p]["price"] <= price.get("max", 1e9) for p in got))
        # similar_to has no counterpart in reco: refused, naming it
        self.assertError(self.th("GET", "/popular/r?filters=" + urllib.parse.quote(
            '[{"brand": "Desigual", "similar_to": true}]')), 400, "invalid_field", "similar_to")
        self.assertError(self.th("GET", "/popular/r?filters=%7B%7D"), 400, "invalid_field", "filters")

    def test_created_at_examples(self):
        # The seed's createdAt URLs as printed (written in April 2016): every item here is newer.
        since_2016 = "/home1/r?filters=%5B%7B%22createdAt%22%3A%7B%22min%22%3A1460736803.993%7D%7D%5D"
        body = self.assertList(self.th("GET", since_2016, 200), 5)
        self.assertEqual(pairs(body), pairs(self.th("GET", "/home1/r", 200)))
        self.assertList(self.th("GET", "/home1/r?filters=%5B%7B%22createdAt%22%3A%7B%22min%22%3A1461168803.993%7D%7D%5D",
                                200), 5)
        between = ("/home1/r?filters=%5B%7B%22createdAt%22%3A%7B%22min%22%3A1460736803.993%2C%22max%22%3A"
                   "1460909603.993%7D%7D%5D")
        self.assertEqual(self.th("GET", between, 200), [])
        # ... and the same three rules relative to now, as the seed's JavaScript computes them
        now = time.time()

        def created(rule):
            return self.th("GET", "/home1/r?filters=" + urllib.parse.quote('[{"createdAt": %s}]' % rule), 200)
        self.assertEqual(len(created('{"min": %f}' % (now - 5 * 24 * 3600))), 5)
        self.assertEqual(created('{"min": %f}' % (now + 3600)), [])
        self.assertEqual(created('{"min": %f, "max": %f}' % (now - 5 * 24 * 3600, now - 3 * 24 * 3600)), [])

    def test_widget_errors(self):
        # "Code 400 will be returned if the specified algorithm/widgetID was not created"
        err = self.assertError(self.th("GET", "/nowidget/r"), 400, "unknown_widget", "algorithm")
        self.assertIn("nowidget", err["message"])
        self.assertError(self.th("GET", "/no%20widget/r"), 400, "unknown_widget", "algorithm")
        self.assertError(self.th("POST", "/popular/r"), 405)
        self.assertError(self.th("GET", "/popular/r?item_pid=%01"), 400, "invalid_field", "item_pid")
        self.assertError(self.th("GET", "/popular/r?user_id="), 400, "invalid_field", "user_id")
        self.assertError(self.cluster.http("GET", "/compat/tastehit/api/%s/v1/popular/x" % T), 404, "not_found")


if __name__ == "__main__":
    unittest.main(verbosity=2)
