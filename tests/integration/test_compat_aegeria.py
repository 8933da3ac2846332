"""Aegeria's dialect (seed 000) at /compat/aegeria/{tenant}: every example request of the seed
document replayed with only the base URL changed, the documented parameters (items[], include-sets,
limit with its default of 10, customer), the answers' shapes, and the errors.

The dialect must be the native API in another shape, so each recommendation answer is checked
against the native route's answer for the same question (GET /v1/{tenant}/recommend?model=...):
the same items with the same scores, in the same order. Real redis-server, real processes; the
models are built with `reco-trainer --once`."""

import json
import os
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ClusterTestCase  # noqa: E402

T = "aeg"
BASE = "/compat/aegeria/%s" % T

# The seed's example POST body, character for character (its keys and values are set in
# typographic quotes, so it is not JSON as printed).
SEED_BODY = """{
    "transactions": [
        {
            \u201ccompleted_at\u201d: \u201c2017-07-21T17:32:28Z\u201d,
            \u201ccustomer\u201d: \u201cuser@email.com\u201d,
            \u201citems\u201d: [
                {
                    \u201citem\u201d: \u201c19876452\u201d,
                    \u201cquantity\u201d: 2
                }
            ],
            \u201ctransaction\u201d: \u201cabc456\u201d
        }
    ]
}"""
# The same body with straight quotes: what a client that sends JSON sends.
SEED_JSON = SEED_BODY.replace("\u201c", '"').replace("\u201d", '"')

# The seed's example queries, as printed after the host.
SEED_BOUGHT_WITH = "/recommendation/bought-with?items[]=123def&items[]=abc456"
SEED_SIMILAR = "/recommendation/by-similar-customers?customer=user@email.com"

# Baskets (transaction, customer, items): 123def and abc456 are bought together with 789xyz
# three times, with "cable" twice; user@email.com shares its purchases with "twin", who also
# bought "lamp" and "desk".
BASKETS = [
    ("o1", "alice", ["123def", "abc456", "789xyz", "cable"]),
    ("o2", "bob", ["123def", "abc456", "789xyz", "cable"]),
    ("o3", "carol", ["123def", "abc456", "789xyz"]),
    ("o4", "dave", ["abc456", "mug"]),
    ("o5", "erin", ["123def", "mug"]),
    ("o6", "user@email.com", ["chair", "19876452"]),
    ("o7", "twin", ["chair", "19876452", "lamp"]),
    ("o8", "twin", ["desk"]),
    ("o9", "frank", ["pen"]),
]
# More items, so that a limit of 10 cuts: twelve accessories bought with 123def twice each.
ACCESSORIES = ["acc%02d" % i for i in range(12)]
BASKETS += [("x%d" % k, "shopper%d" % k, ["123def"] + ACCESSORIES) for k in range(2)]


def transactions(baskets):
    return {"transactions": [
        {"transaction": t, "customer": c, "completed_at": "2024-01-0%dT10:00:00Z" % (1 + n % 9),
         "items": [{"item": i, "quantity": 1} for i in items]}
        for n, (t, c, items) in enumerate(baskets)]}


class Aegeria(ClusterTestCase):
    cluster_kwargs = {"query_workers": 1, "trainer": False}

    @classmethod
    def setUpData(cls):
        status, _, body = cls.cluster.http("POST", BASE + "/transaction/bulk", transactions(BASKETS))
        assert status == 200 and body.get("stored") == sum(len(b[2]) for b in BASKETS), body
        rc, out = cls.cluster.run_trainer_once(T)
        assert rc == 0, out

    def get(self, route):
        return self.cluster.http("GET", BASE + route)

    def native(self, **params):
        params.setdefault("limit", 50)
        query = urllib.parse.urlencode(params, doseq=True)
        return self.assertStatus(self.cluster.http("GET", "/v1/%s/recommend?%s" % (T, query)), 200)

    def assertShape(self, body, key):
        """{"recommendations": [{key, "score"}...]}, nothing else, scores descending."""
        self.assertEqual(list(body), ["recommendations"], body)
        for rec in body["recommendations"]:
            self.assertEqual(sorted(rec), sorted([key, "score"]), rec)
            self.assertIsInstance(rec["score"], (int, float), rec)
        scores = [r["score"] for r in body["recommendations"]]
        self.assertEqual(scores, sorted(scores, reverse=True), body)

    # -- the seed's examples -------------------------------------------------------------
    def test_seed_transaction_bulk(self):
        # As printed: typographic quotes are not JSON, and the API "expects JSON data in all cases".
        err = self.assertError(self.cluster.http("POST", BASE + "/transaction/bulk", SEED_BODY.encode()), 400,
                               "invalid_json", "body")
        self.assertIn("line 4", err["message"])
        before = len(self.cluster.stream(T))
        body = self.assertStatus(self.cluster.http("POST", BASE + "/transaction/bulk", SEED_JSON), 200)
        self.assertEqual(body, {"stored": 1, "duplicates": 0})
        stream = self.cluster.stream(T)
        self.assertEqual(len(stream), before + 1)
        fields = stream[-1][1]
        self.assertEqual((fields["user"], fields["item"], fields["type"], fields["quantity"], fields["order"]),
                         ("user@email.com", "19876452", "purchase", "2", "abc456"))
        self.assertEqual(fields["ts"], "1500658348000")  # 2017-07-21T17:32:28Z
        # The same transaction again is stored once (the bulk job of the seed may re-send).
        self.assertEqual(self.assertStatus(self.cluster.http("POST", BASE + "/transaction/bulk", SEED_JSON), 200),
                         {"stored": 0, "duplicates": 1})

    def test_seed_bought_with(self):
        body = self.assertStatus(self.get(SEED_BOUGHT_WITH), 200)
        self.assertShape(body, "items")
        recs = body["recommendations"]
        self.assertEqual(recs[0]["items"], ["789xyz"], body)
        self.assertIn(["cable"], [r["items"] for r in recs])
        for r in recs:  # without include-sets, sets of one item only; never a context item
            self.assertEqual(len(r["items"]), 1, r)
            self.assertNotIn(r["items"][0], ("123def", "abc456"))
        native = self.native(model="bought-with", items=["123def", "abc456"], limit=10)
        self.assertEqual([(r["items"][0], r["score"]) for r in recs],
                         [(r["item"], r["score"]) for r in native["recommendations"]])

    def test_seed_by_similar_customers(self):
        body = self.assertStatus(self.get(SEED_SIMILAR), 200)
        self.assertShape(body, "item")
        items = [r["item"] for r in body["recommendations"]]
        self.assertIn("lamp", items, body)  # twin's, the most similar customer
        native = self.native(model="similar-customers", user="user@email.com", limit=10)
        self.assertEqual([(r["item"], r["score"]) for r in body["recommendations"]],
                         [(r["item"], r["score"]) for r in native["recommendations"]])

    # -- the documented parameters -------------------------------------------------------
    def test_include_sets(self):
        with_sets = self.assertStatus(self.get("/recommendation/bought-with?items[]=abc456&include-sets=1&limit=50"),
                                      200)
        self.assertShape(with_sets, "items")
        sets = [r["items"] for r in with_sets["recommendations"] if len(r["items"]) > 1]
        self.assertIn(sorted(["789xyz", "cable"]), [sorted(s) for s in sets], with_sets)
        native = self.native(**{"model": "bought-with", "items": "abc456", "include-sets": "true"})
        self.assertEqual([(r["items"], r["score"]) for r in with_sets["recommendations"]],
                         [(r.get("items") or [r["item"]], r["score"]) for r in native["recommendations"]])
        for flag in ("0", "false"):
            without = self.assertStatus(
                self.get("/recommendation/bought-with?items[]=abc456&include-sets=%s&limit=50" % flag), 200)
            self.assertTrue(without["recommendations"])
            self.assertTrue(all(len(r["items"]) == 1 for r in without["recommendations"]), without)

    def test_limit_defaults_to_ten(self):
        full = self.assertStatus(self.get("/recommendation/bought-with?items[]=123def&limit=50"), 200)
        self.assertGreater(len(full["recommendations"]), 10)
        default = self.assertStatus(self.get("/recommendation/bought-with?items[]=123def"), 200)
        self.assertEqual(default["recommendations"], full["recommendations"][:10])
        three = self.assertStatus(self.get("/recommendation/bought-with?items[]=123def&limit=3"), 200)
        self.assertEqual(three["recommendations"], full["recommendations"][:3])
        similar = self.assertStatus(self.get(SEED_SIMILAR + "&limit=1"), 200)
        self.assertEqual(len(similar["recommendations"]), 1)

    def test_fewer_results_than_the_limit(self):
        # "it's possible to have fewer results returned than the requested limit"
        body = self.assertStatus(self.get("/recommendation/bought-with?items[]=pen&limit=5"), 200)
        self.assertEqual(body, {"recommendations": []})
        body = self.assertStatus(self.get("/recommendation/by-similar-customers?customer=nobody"), 200)
        self.assertEqual(body, {"recommendations": []})

    # -- errors: JSON everywhere ---------------------------------------------------------
    def test_errors(self):
        self.assertError(self.get("/recommendation/bought-with"), 400, "missing_field", "items[]")
        self.assertError(self.get("/recommendation/bought-with?items[]=a&limit=0"), 400, "invalid_field", "limit")
        self.assertError(self.get("/recommendation/bought-with?items[]=a&limit=ten"), 400, "invalid_field", "limit")
        self.assertError(self.get("/recommendation/bought-with?items[]=a&include-sets=yes"), 400, "invalid_field",
                         "include-sets")
        self.assertError(self.get("/recommendation/bought-with?items[]=" + "x" * 300), 400, "invalid_field", "item")
        self.assertError(self.get("/recommendation/by-similar-customers"), 400, "missing_field", "customer")
        self.assertError(self.get("/recommendation/by-similar-customers?customer=a%01b"), 400, "invalid_field",
                         "customer")
        post = lambda body: self.cluster.http("POST", BASE + "/transaction/bulk", body)  # noqa: E731
        self.assertError(post("{"), 400, "invalid_json")
        self.assertError(post({"transactions": []}), 400, None, "transactions")
        self.assertError(post({"transactions": [{"transaction": "t", "customer": "c"}]}), 400, "missing_field",
                         "transactions[0].items")
        self.assertError(post({"transactions": [{"transaction": "t", "customer": "c", "completed_at": "noon",
                                                 "items": [{"item": "i", "quantity": 1}]}]}), 400, "invalid_field",
                         "transactions[0].completed_at")
        self.assertError(self.cluster.http("GET", BASE + "/transaction/bulk"), 405, "method_not_allowed")
        self.assertError(self.cluster.http("POST", BASE + SEED_BOUGHT_WITH), 405, "method_not_allowed")
        self.assertError(self.get("/recommendation/popular"), 404, "not_found")
        self.assertError(self.cluster.http("GET", "/compat/aegeria"), 404, "not_found")
        self.assertError(self.cluster.http("GET", "/compat/aegeria/bad%20tenant" + SEED_BOUGHT_WITH), 400,
                         "invalid_field", "tenant")
        # Nothing above reached the store: the stream holds the baskets (and at most the seed's one).
        self.assertLessEqual(len(self.cluster.stream(T)), sum(len(b[2]) for b in BASKETS) + 1)

    def test_answers_are_json(self):
        status, headers, body = self.get(SEED_BOUGHT_WITH)
        self.assertEqual(status, 200)
        self.assertIn("application/json", headers["content-type"])
        self.assertIsInstance(body, dict)
        json.dumps(body)


if __name__ == "__main__":
    unittest.main(verbosity=2)
