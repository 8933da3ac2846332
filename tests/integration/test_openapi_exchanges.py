"""The schemas of GET /openapi.json hold for what the gateway really says: a run of real requests
over the native API and the dialects (data written, models trained with reco-trainer --once,
recommendations, scenarios, privacy, errors), each checked against the document by
tests/openapi/check-exchanges.mjs (ajv on the document's schemas, swagger-parser resolving the
$refs): the operation exists, the JSON request body matches its requestBody, the status is
documented and the answer matches the documented media type and schema. Every request's status
is asserted here too, so the run exercises what it claims to. Real processes (harness.py)."""

import json
import os
import subprocess
import sys
import tempfile
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import REPO, ClusterTestCase  # noqa: E402

OPENAPI_DIR = os.path.join(REPO, "tests", "openapi")
T = "ex"
V = "/v1/" + T
ITEMS = [{"id": "i%d" % k, "title": "Item %d" % k, "categories": ["cat/a" if k % 2 else "cat/b"],
          "attributes": {"price": k * 10, "brand": "B%d" % (k % 3)}} for k in range(1, 9)]
# u1..u6 view and buy overlapping items, so every model has something to say
EVENTS = [{"user": "u%d" % u, "item": "i%d" % ((u + k) % 8 + 1), "type": ("purchase" if k % 3 == 0 else "view"),
           "timestamp": 1700000000 + u * 100 + k} for u in range(1, 7) for k in range(5)]
SCENARIO = {"model": "item-to-item", "limit": 4, "fallbacks": ["popular"], "filters": [{"price": {"max": 100}}],
            "description": "product page"}
TRANSACTIONS = {"transactions": [{"transaction": "t1", "customer": "u2", "completed_at": "2024-01-01T00:00:00Z",
                                  "items": [{"item": "i1", "quantity": 2}, {"item": "i2"}]}]}


class ExchangesTest(ClusterTestCase):
    cluster_kwargs = {"trainer": False}

    def setUp(self):
        self.exchanges = []

    def ex(self, method, path, body=None, expect=None, invalid=False):
        """One request; its status is asserted when expect is given. invalid: the body is meant
        to break the schema (an error case), so only the answer is checked."""
        status, headers, parsed = self.cluster.http(method, path, body=body)
        if expect is not None:
            self.assertEqual(status, expect, "%s %s: %r" % (method, path, parsed))
        record = {"method": method, "path": urllib.parse.urlsplit(path).path, "status": status,
                  "content_type": headers.get("content-type", ""), "response": None if parsed == "" else parsed}
        if isinstance(body, (dict, list)) and not invalid:
            record["request"] = body
        self.exchanges.append(record)
        return parsed

    def native(self):
        self.ex("PUT", V + "/items", {"items": ITEMS}, 200)
        self.ex("POST", V + "/items", [{"id": 9, "title": "hidden", "hidden": True}], 200)
        self.ex("GET", V + "/items/i1", expect=200)
        self.ex("GET", V + "/items/nope", expect=404)
        self.ex("PUT", V + "/users", {"users": [{"id": "u1", "attributes": {"age": 30, "tags": ["a"]}}]}, 200)
        self.ex("GET", V + "/users/u1", expect=200)
        self.ex("PUT", V + "/actions/share", {"weight": 2}, 200)
        self.ex("GET", V + "/actions", expect=200)
        self.ex("POST", V + "/events", {"events": EVENTS}, 200)
        self.ex("POST", V + "/events", {"user": "u1", "item": "i3", "type": "rating", "value": 4, "id": "r1",
                                        "session": "s1", "properties": {"device": "phone"}}, 200)
        self.ex("POST", V + "/events?async=true", [{"user": "g1", "item": "i2", "type": "share"}], 202)
        self.ex("POST", V + "/events", {"events": [{"user": "u1", "item": "i1", "type": "buy"}]}, 400)  # the schema cannot know a tenant's actions
        self.ex("POST", V + "/transactions", TRANSACTIONS, 200)
        self.ex("POST", V + "/train", expect=202)
        code, out = self.cluster.run_trainer_once(T)
        self.assertEqual(code, 0, out)
        self.ex("GET", V + "/models", expect=200)
        page = self.ex("GET", V + "/recommend?model=popular&limit=3&attributes=title,price", expect=200)
        self.assertEqual(len(page["recommendations"]), 3, page)
        self.ex("GET", V + "/recommend?model=item-to-item&item=i1", expect=200)
        self.ex("GET", V + "/recommend?model=bought-with&item=i1&include-sets=true", expect=200)
        self.ex("GET", V + "/recommend?model=similar-customers&user=u1", expect=200)
        self.ex("GET", V + "/recommend?model=nope", expect=400)
        self.ex("GET", V + "/resort?by=popular&items=%5B%22i1%22,%22i2%22,%22zz%22%5D", expect=200)
        self.ex("POST", V + "/resort", {"items": ["i1", "i2", "i3"], "by": "random", "seed": 3}, 200)
        self.ex("PUT", V + "/scenarios/home", SCENARIO, 201)
        self.ex("PUT", V + "/scenarios/home", SCENARIO, 200)
        self.ex("GET", V + "/scenarios/home", expect=200)
        self.ex("GET", V + "/scenarios", expect=200)
        self.ex("GET", V + "/recommend/home?item=i1&user=u1", expect=200)
        self.ex("GET", V + "/recommend/home?item=i1&callback=show", expect=200)
        self.ex("POST", V + "/recommend/home", {"items": ["i1"], "attributes": ["title"]}, 200)
        self.ex("POST", V + "/recommend/bulk", {"requests": [{"scenario": "home", "user": "u1"},
                                                             {"scenario": "home", "limit": 99}]}, 200, invalid=True)
        self.ex("GET", V + "/recommend/nope", expect=404)
        self.ex("PUT", V + "/scenarios/ab", {"model": "popular", "variants": [
            {"name": "A", "weight": 1}, {"name": "B", "weight": 1, "model": "popular-30d", "limit": 2}]}, 201)
        split = self.ex("GET", V + "/recommend/ab?user=u1&split_group=B", expect=200)
        self.ex("POST", V + "/events", {"user": "u1", "item": "i1", "type": "click",
                                        "recommendation": split["recommendation_id"]}, 200)
        self.ex("GET", V + "/stats", expect=200)
        self.ex("GET", V + "/stats?from=2026-01-01&to=2026-12-31&scenario=ab", expect=200)
        self.ex("GET", V + "/stats?from=2026-02-30", expect=400)
        self.ex("GET", V + "/users/u1/events?limit=2", expect=200)
        self.ex("GET", V + "/items/i1/events", expect=200)
        self.ex("GET", V + "/users/u1/export", expect=200)
        self.ex("POST", V + "/events", {"user": "g2", "item": "i4", "type": "view"}, 200)
        self.ex("POST", V + "/users/g2/transfer/u2", expect=200)
        self.ex("DELETE", V + "/sessions/s1", expect=200)
        self.ex("DELETE", V + "/events?user=u6&type=view", expect=200)
        self.ex("DELETE", V + "/actions/share", expect=200)
        self.ex("DELETE", V + "/users/u5", expect=200)
        self.ex("GET", "/healthz", expect=200)
        self.ex("GET", "/openapi.json", expect=200)

    def dialects(self):
        a = "/compat/aegeria/" + T
        self.ex("POST", a + "/transaction/bulk", TRANSACTIONS, 200)
        self.ex("GET", a + "/recommendation/bought-with?items[]=i1&include-sets=1", expect=200)
        self.ex("GET", a + "/recommendation/by-similar-customers?customer=u1", expect=200)
        self.ex("GET", a + "/recommendation/by-similar-customers", expect=400)
        d = "/compat/advisable/%s/v1" % T
        self.ex("POST", d + "/views", {"user_id": "u1", "item_id": "i1", "duration": 1200}, 201)
        self.ex("POST", d + "/ratings", {"user_id": "u2", "item_id": "i2", "value": 4, "timestamp": 1700000000000}, 201)
        self.ex("POST", d + "/purchases/batch", [{"user_id": "u3", "item_id": "i3", "price": 9.5, "amount": 2}], 201)
        self.ex("GET", d + "/users/u1/views", expect=200)
        self.ex("GET", d + "/items/i1/views?limit=1", expect=200)
        self.ex("DELETE", d + "/views?user_id=u1&item_id=i1", expect=200)
        self.ex("POST", d + "/views", {"user_id": "g3", "item_id": "i5"}, 201)
        self.ex("POST", d + "/users/g3/interactions/transfer/u3", expect=200)
        self.ex("POST", d + "/ratings", {"user_id": "u2", "item_id": "i2", "value": 9}, 400, invalid=True)
        g = "/compat/gravity/" + T
        self.ex("POST", g + "/addEvents", [{"eventType": "VIEW", "itemId": "i1", "userId": "u1", "time": 1700000500}], 200)
        self.ex("POST", g + "/addItems", [{"itemId": "i10", "title": "ten", "nameValues": [{"name": "price", "value": "5"}]}], 200)
        self.ex("POST", g + "/updateItems", [{"itemId": "i10", "hidden": True}], 200)
        self.ex("POST", g + "/addUsers", [{"userId": "u9", "nameValues": [{"name": "age", "value": "33"}]}], 200)
        self.ex("GET", g + "/getItemRecommendation?scenarioId=home&userId=u1&itemId=i1&numberLimit=3&resultNameValue=title",
                expect=200)
        self.ex("POST", g + "/getItemRecommendation", {"scenarioId": "home", "itemId": "i1", "numberLimit": 2}, 200)
        self.ex("POST", g + "/getItemRecommendationBulk", [{"scenarioId": "home", "itemId": "i1"},
                                                          {"scenarioId": "nope", "itemId": "i1"}], 200)
        self.ex("GET", g + "/getUser?userId=u9", expect=200)
        self.ex("GET", g + "/getEvents?userId=u1", expect=200)
        self.ex("GET", g + "/optOut?userId=u9", expect=200)
        h = "/compat/tastehit/api/%s/v1" % T
        self.ex("POST", h + "/interaction/u1/i2/visit", expect=204)
        self.ex("POST", h + "/interaction/u1/nope/visit", expect=400)
        self.ex("GET", h + "/home/r?item_pid=i1&limit=3", expect=200)
        self.ex("GET", h + "/home/r?resort=popular&itemarray=%5B%22i1%22,%22i2%22%5D", expect=200)
        self.ex("GET", h + "/nope/r?item_pid=i1", expect=400)
        y = "/compat/yoochoose"
        self.ex("GET", y + "/api/v2/%s/u1/home.json?numrecs=3&contextitems=i1&attribute=title" % T, expect=200)
        self.ex("GET", y + "/api/v2/%s/u1/home.jsonp?contextitems=i1&jsonpCallback=cb" % T, expect=200)
        self.ex("GET", y + "/api/v2/%s/u1/nope.json?contextitems=i1" % T, expect=404)
        self.ex("GET", y + "/api/%s/click/u1/1/i2" % T, expect=204)
        self.ex("POST", y + "/api/%s/buy/u1/1/i2?quantity=2&fullprice=2.50EUR" % T, expect=204)
        self.ex("GET", y + "/api/%s/rate/u1/1/i2?rating=80" % T, expect=204)
        self.ex("GET", y + "/api/%s/login/g4/u4" % T, expect=204)

    def test_real_exchanges_match_the_document(self):
        self.native()
        self.dialects()
        subprocess.run(["bash", os.path.join(OPENAPI_DIR, "install.sh")], check=True, timeout=600)
        with tempfile.TemporaryDirectory() as tmp:
            doc, exchanges = os.path.join(tmp, "openapi.json"), os.path.join(tmp, "exchanges.json")
            status, _, body = self.cluster.http("GET", "/openapi.json")
            self.assertEqual(status, 200)
            with open(doc, "w") as f:
                json.dump(body, f)
            with open(exchanges, "w") as f:
                json.dump(self.exchanges, f)
            res = subprocess.run(["node", os.path.join(OPENAPI_DIR, "check-exchanges.mjs"), doc, exchanges],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
            out = res.stdout.decode("utf-8", "replace")
            self.assertEqual(res.returncode, 0, out)
            self.assertIn("checked %d exchanges" % len(self.exchanges), out)
            # the check has teeth: an answer off its schema and an undocumented status fail it
            tampered = json.loads(json.dumps(self.exchanges))
            rec = next(x for x in tampered if x["path"] == V + "/recommend" and x["status"] == 200)
            rec["response"]["recommendations"][0]["score"] = "high"
            tampered.append(dict(tampered[0], status=299))
            with open(exchanges, "w") as f:
                json.dump(tampered, f)
            res = subprocess.run(["node", os.path.join(OPENAPI_DIR, "check-exchanges.mjs"), doc, exchanges],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        out = res.stdout.decode("utf-8", "replace")
        self.assertNotEqual(res.returncode, 0, out)
        self.assertIn("recommendations/0", out)
        self.assertIn("status 299 is not documented", out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
