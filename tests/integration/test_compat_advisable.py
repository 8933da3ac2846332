"""Advisable's dialect (seed 001) at /compat/advisable/{tenant}/v1: every endpoint the seed
document names, replayed with only the base URL changed — creating each interaction type
(bookmarks, ratings with a value 0-5, purchases with price and amount, cart additions, views with
a duration; timestamps in ms as a number or a string; recommendation ids), listing a user's and
an item's interactions of one type, DELETE with the item_id / user_id / timestamp narrowing rules
as documented, the purchases batch, and the transfer of a guest's interactions (delete_user
defaulting to true, and the external_id form) — plus every error.

What is stored is read back from the tenant's event stream and through the native API, so the
dialect is checked to be the native ops in another shape. Real redis-server, real processes."""

import os
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ClusterTestCase  # noqa: E402

T0 = 1700000000000  # 2023-11-14T22:13:20Z, in ms

# (plural name, singular name, native type, extra fields of a valid interaction)
TYPES = [
    ("bookmarks", "bookmark", "bookmark", {}),
    ("ratings", "rating", "rating", {"value": 4.5}),
    ("purchases", "purchase", "purchase", {"price": 19.99, "amount": 3}),
    ("cart-additions", "cart-addition", "cart", {}),
    ("views", "view", "view", {"duration": 5400}),
]


class Advisable(ClusterTestCase):
    cluster_kwargs = {"query_workers": 1, "trainer": False}

    def setUp(self):
        self.t = ("adv" + self._testMethodName[len("test"):])[:64]

    def call(self, method, route, body=None, **params):
        query = "?" + urllib.parse.urlencode(params) if params else ""
        return self.cluster.http(method, "/compat/advisable/%s/v1/%s%s" % (self.t, route, query), body)

    def post(self, route, body, status=201):
        return self.assertStatus(self.call("POST", route, body), status)

    def stream(self):
        return [fields for _, fields in self.cluster.stream(self.t)]

    def native_events(self, kind, ident, **params):
        query = urllib.parse.urlencode(dict(params, limit=1000))
        path = "/v1/%s/%s/%s/events?%s" % (self.t, kind, urllib.parse.quote(ident, safe=""), query)
        return self.assertStatus(self.cluster.http("GET", path), 200)["events"]

    def load(self, rows):
        """rows: (type name, user, item, ms) → posted one by one."""
        for name, user, item, ms in rows:
            extra = dict(TYPES[[t[0] for t in TYPES].index(name)][3])
            self.post(name, dict(extra, user_id=user, item_id=item, timestamp=ms))

    # -- POST /v1/{interaction_type} -----------------------------------------------------
    def test_create_every_interaction_type(self):
        for n, (plural, singular, native, extra) in enumerate(TYPES):
            for k, name in enumerate((plural, singular)):
                ms = T0 + 10 * n + k
                body = dict(extra, user_id="u1", item_id="i%d" % n, timestamp=ms if k == 0 else str(ms),
                            recommendation_id="rec-%d-%d" % (n, k))
                with self.subTest(name=name):
                    got = self.post(name, body)
                    want = dict(body, timestamp=ms)
                    self.assertEqual(got, want)
        stream = self.stream()
        self.assertEqual(len(stream), 2 * len(TYPES))
        for n, (plural, _, native, extra) in enumerate(TYPES):
            for k in range(2):
                fields = stream[2 * n + k]
                self.assertEqual((fields["user"], fields["item"], fields["type"], fields["ts"], fields["recommendation"]),
                                 ("u1", "i%d" % n, native, str(T0 + 10 * n + k), "rec-%d-%d" % (n, k)), fields)
        rating, purchase, view = stream[2], stream[4], stream[8]
        self.assertEqual(rating["value"], "4.5")
        self.assertEqual((purchase["price"], purchase["quantity"]), ("19.99", "3"))
        self.assertEqual(view["properties"], '{"duration":5400}')

    def test_timestamp_defaults_to_now_and_integer_ids(self):
        before = int(time.time() * 1000)
        got = self.post("cart-additions", {"user_id": 42, "item_id": 7})
        after = int(time.time() * 1000)
        self.assertEqual((got["user_id"], got["item_id"]), ("42", "7"))
        self.assertTrue(before <= got["timestamp"] <= after, got)
        self.assertEqual(int(self.stream()[0]["ts"]), got["timestamp"])

    def test_other_spellings_of_cart_additions(self):
        for name in ("cart_additions", "cart_addition", "cart"):
            with self.subTest(name=name):
                self.post(name, {"user_id": "u", "item_id": name, "timestamp": T0})
        self.assertEqual([f["type"] for f in self.stream()], ["cart"] * 3)

    # -- GET /v1/users/{user_id}/{type}, /v1/items/{item_id}/{type} ------------------------
    def fixture(self):
        rows = [("views", "ann", "x", T0 + 1), ("views", "ann", "y", T0 + 2), ("purchases", "ann", "x", T0 + 3),
                ("views", "bob", "x", T0 + 4), ("ratings", "bob", "x", T0 + 5), ("views", "ann", "z", T0 + 6),
                ("purchases", "bob", "x", T0 + 7), ("bookmarks", "ann", "x", T0 + 8)]
        self.load(rows)
        return rows

    def test_list_a_users_interactions_of_one_type(self):
        rows = self.fixture()
        for plural, singular, native, extra in TYPES:
            want = [(u, i, ms) for name, u, i, ms in reversed(rows) if name == plural and u == "ann"]
            for name in (plural, singular):
                with self.subTest(name=name):
                    got = self.assertStatus(self.call("GET", "users/ann/%s" % name), 200)
                    self.assertIsInstance(got, list)
                    self.assertEqual([(e["user_id"], e["item_id"], e["timestamp"]) for e in got], want)
                    for e in got:
                        for field, value in extra.items():
                            self.assertEqual(e[field], value, e)
        # The same events the native listing gives, in the same order.
        native = self.native_events("users", "ann", type="view")
        got = self.assertStatus(self.call("GET", "users/ann/views"), 200)
        self.assertEqual([(e["item_id"], e["timestamp"]) for e in got], [(e["item"], e["timestamp"]) for e in native])

    def test_list_an_items_interactions_of_one_type(self):
        rows = self.fixture()
        for plural, _, _, _ in TYPES:
            with self.subTest(name=plural):
                got = self.assertStatus(self.call("GET", "items/x/%s" % plural), 200)
                want = [(u, ms) for name, u, i, ms in reversed(rows) if name == plural and i == "x"]
                self.assertEqual([(e["user_id"], e["timestamp"]) for e in got], want)
        self.assertEqual(self.assertStatus(self.call("GET", "items/nothing/views"), 200), [])

    def test_list_pages_with_limit_and_cursor(self):
        self.load([("views", "pager", "p%d" % k, T0 + k) for k in range(5)])
        status, headers, first = self.call("GET", "users/pager/views", limit=2)
        self.assertEqual((status, [e["item_id"] for e in first]), (200, ["p4", "p3"]))
        cursor = headers["x-next-cursor"]
        _, headers, second = self.call("GET", "users/pager/views", limit=2, cursor=cursor)
        _, last_headers, third = self.call("GET", "users/pager/views", limit=2, cursor=headers["x-next-cursor"])
        self.assertEqual([e["item_id"] for e in second + third], ["p2", "p1", "p0"])
        self.assertNotIn("x-next-cursor", last_headers)

    # -- DELETE /v1/{type} ---------------------------------------------------------------
    def remaining(self):
        return sorted((f["type"], f["user"], f["item"], int(f["ts"])) for f in self.stream())

    def delete(self, name, deleted, gone, body=None, **params):
        rows = self.fixture()
        native = dict((t[0], t[2]) for t in TYPES)
        got = self.assertStatus(self.call("DELETE", name, body, **params), 200)
        removed = [r for r in rows if gone(r)]
        self.assertEqual(got, {"deleted": len(removed)})
        self.assertEqual(len(removed), deleted)
        self.assertEqual(self.remaining(), sorted((native[r[0]], r[1], r[2], r[3]) for r in rows if not gone(r)))

    def test_delete_by_item(self):
        # "if you only pass an item_id this call will delete all the interactions containing this item"
        # (of the endpoint's type: views of x, and no purchase or rating of x)
        self.delete("views", 2, lambda r: r[0] == "views" and r[2] == "x", item_id="x")

    def test_delete_by_item_and_user(self):
        # "If you pass a user_id as well it will delete the interactions between this user and this item"
        self.delete("purchases", 1, lambda r: r[0] == "purchases" and r[1:3] == ("ann", "x"), item_id="x",
                    user_id="ann")

    def test_delete_by_item_user_and_timestamp(self):
        # "if you pass a timestamp the interactions that match all of the three criteria will be deleted"
        self.delete("views", 1, lambda r: r == ("views", "ann", "y", T0 + 2), item_id="y", user_id="ann",
                    timestamp=T0 + 2)

    def test_delete_with_a_json_body_and_singular_name(self):
        self.delete("view", 1, lambda r: r == ("views", "bob", "x", T0 + 4), body={"item_id": "x", "user_id": "bob"})

    def test_delete_by_user(self):
        self.delete("views", 3, lambda r: r[0] == "views" and r[1] == "ann", user_id="ann")

    def test_delete_matching_nothing(self):
        self.fixture()
        before = self.remaining()
        for params in ({"item_id": "x", "timestamp": T0 + 999}, {"item_id": "x", "user_id": "nobody"},
                       {"user_id": "ann", "item_id": "y", "timestamp": T0 + 1}):
            with self.subTest(**params):
                self.assertEqual(self.assertStatus(self.call("DELETE", "views", **params), 200), {"deleted": 0})
        self.assertEqual(self.assertStatus(self.call("DELETE", "ratings", item_id="y"), 200), {"deleted": 0})
        self.assertEqual(self.remaining(), before)

    def test_delete_errors(self):
        self.fixture()
        before = self.remaining()
        self.assertError(self.call("DELETE", "views"), 400, "missing_field", "item_id")
        self.assertError(self.call("DELETE", "views", timestamp=T0 + 1), 400, "missing_field", "item_id")
        self.assertError(self.call("DELETE", "views", item_id="x", timestamp="yesterday"), 400, "invalid_field",
                         "timestamp")
        self.assertError(self.call("DELETE", "views", item_id="x" * 300), 400, "invalid_field", "item_id")
        self.assertError(self.call("DELETE", "views", {"user_id": "a\u0001"}), 400, "invalid_field", "user_id")
        self.assertError(self.call("DELETE", "views", "[1]"), 400, "invalid_body", "body")
        self.assertEqual(self.remaining(), before)

    # -- POST /v1/purchases/batch --------------------------------------------------------
    def test_purchases_batch(self):
        batch = [{"user_id": "b%d" % k, "item_id": "p%d" % (k % 2), "price": 10.5 + k, "amount": 1 + k,
                  "timestamp": T0 + k} for k in range(4)]
        for route, body in (("purchases/batch", batch), ("purchase/batch", {"purchases": batch[:1]})):
            with self.subTest(route=route):
                got = self.post(route, body)
                self.assertEqual(got, body if isinstance(body, list) else body["purchases"])
        stream = self.stream()
        self.assertEqual(len(stream), 5)
        self.assertEqual({f["type"] for f in stream}, {"purchase"})
        self.assertEqual([(f["user"], f["price"], f["quantity"]) for f in stream[:4]],
                         [("b%d" % k, "%g" % (10.5 + k), str(1 + k)) for k in range(4)])
        # A bad element: 400 naming it, and nothing of the batch is stored.
        bad = batch[:1] + [{"item_id": "p0"}] + batch[1:]
        self.assertError(self.call("POST", "purchases/batch", bad), 400, "missing_field", "purchases[1].user_id")
        self.assertError(self.call("POST", "purchases/batch", [dict(batch[0], amount=0)]), 400, "invalid_field",
                         "purchases[0].amount")
        self.assertError(self.call("POST", "purchases/batch", []), 400, "invalid_body", "purchases")
        self.assertError(self.call("POST", "purchases/batch", {"user_id": "u"}), 400, "invalid_body")
        self.assertError(self.call("POST", "views/batch", batch), 404, "not_found", "purchases")
        self.assertEqual(len(self.stream()), 5)

    # -- transfer ------------------------------------------------------------------------
    def test_transfer_deletes_the_guest_by_default(self):
        self.load([("views", "guest", "x", T0 + 1), ("purchases", "guest", "y", T0 + 2),
                   ("views", "member", "z", T0 + 3)])
        got = self.post("users/guest/interactions/transfer/member", None, 200)
        self.assertEqual(got, {"transferred": 2, "delete_user": True})
        self.assertEqual(self.assertStatus(self.call("GET", "users/guest/views"), 200), [])
        views = self.assertStatus(self.call("GET", "users/member/views"), 200)
        self.assertEqual([(e["item_id"], e["timestamp"]) for e in views], [("z", T0 + 3), ("x", T0 + 1)])
        self.assertEqual([e["item_id"] for e in self.assertStatus(self.call("GET", "users/member/purchases"), 200)],
                         ["y"])
        self.assertEqual(self.cluster.http("GET", "/v1/%s/users/guest/export" % self.t)[2]["events"], [])

    def test_transfer_keeping_the_guest(self):
        self.load([("views", "guest", "x", T0 + 1)])
        for params, body in (({"delete_user": "false"}, None), ({}, {"delete_user": False})):
            with self.subTest(params=params, body=body):
                target = "m%d" % len(params)
                got = self.assertStatus(self.call("POST", "users/guest/interactions/transfer/" + target, body,
                                                  **params), 200)
                self.assertEqual(got, {"transferred": 1, "delete_user": False})
                self.assertEqual(len(self.assertStatus(self.call("GET", "users/guest/views"), 200)), 1)
                self.assertEqual(len(self.assertStatus(self.call("GET", "users/%s/views" % target), 200)), 1)

    def test_transfer_by_external_id(self):
        self.load([("ratings", "guest", "x", T0 + 1)])
        got = self.assertStatus(self.call("PUT", "users/guest", {"external_id": "registered"}), 200)
        self.assertEqual(got, {"transferred": 1, "delete_user": True})
        self.assertEqual([e["value"] for e in self.assertStatus(self.call("GET", "users/registered/ratings"), 200)],
                         [4.5])
        self.assertEqual(self.assertStatus(self.call("GET", "users/guest/ratings"), 200), [])

    def test_transfer_errors(self):
        route = "users/guest/interactions/transfer/"
        self.assertError(self.call("POST", route + "guest"), 400, "invalid_field", "to_user_id")
        self.assertError(self.call("POST", route + "m", delete_user="maybe"), 400, "invalid_field", "delete_user")
        self.assertError(self.call("POST", route + "m", {"delete_user": 3}), 400, "invalid_field", "delete_user")
        self.assertError(self.call("POST", route + "m", "{"), 400, "invalid_json")
        self.assertError(self.call("GET", route + "m"), 405, "method_not_allowed")
        self.assertError(self.call("PUT", "users/guest", {}), 400, "missing_field", "external_id")
        self.assertError(self.call("PATCH", "users/guest", {"external_id": ""}), 400, "invalid_field", "external_id")

    # -- errors of the create route ------------------------------------------------------
    def test_create_errors(self):
        ok = {"user_id": "u", "item_id": "i"}
        cases = [
            ("ratings", ok, "missing_field", "value"),
            ("ratings", dict(ok, value=5.5), "invalid_field", "value"),
            ("ratings", dict(ok, value=-1), "invalid_field", "value"),
            ("views", {"item_id": "i"}, "missing_field", "user_id"),
            ("views", {"user_id": "u"}, "missing_field", "item_id"),
            ("views", dict(ok, user_id=["u"]), "invalid_field", "user_id"),
            ("views", dict(ok, timestamp="yesterday"), "invalid_field", "timestamp"),
            ("views", dict(ok, timestamp=-5), "invalid_field", "timestamp"),
            ("views", dict(ok, duration=-1), "invalid_field", "duration"),
            ("views", dict(ok, duration="long"), "invalid_field", "duration"),
            ("purchases", dict(ok, amount=0), "invalid_field", "amount"),
            ("purchases", dict(ok, amount=1.5), "invalid_field", "amount"),
            ("purchases", dict(ok, price=-1), "invalid_field", "price"),
            ("bookmarks", dict(ok, recommendation_id=""), "invalid_field", "recommendation_id"),
            ("bookmarks", [ok], "invalid_field", "body"),
        ]
        for name, body, code, field in cases:
            with self.subTest(name=name, body=body):
                self.assertError(self.call("POST", name, body), 400, code, field)
        self.assertError(self.call("POST", "views", "{"), 400, "invalid_json")
        self.assertError(self.call("POST", "views", b""), 400, "invalid_json")
        self.assertEqual(self.stream(), [])

    def test_routing_errors(self):
        self.assertError(self.call("POST", "likes", {"user_id": "u", "item_id": "i"}), 404, "not_found", "likes")
        self.assertError(self.call("GET", "users/u/likes"), 404, "not_found", "likes")
        self.assertError(self.call("GET", "views"), 405, "method_not_allowed")
        self.assertError(self.call("POST", "users/u/views", {}), 405, "method_not_allowed")
        self.assertError(self.call("GET", "users/u/views", limit=0), 400, "invalid_field", "limit")
        self.assertError(self.call("GET", "users/u/views", cursor="nope"), 400, "invalid_field", "cursor")
        self.assertError(self.call("GET", "users/%s/views" % ("u" * 300)), 400, "invalid_field", "user")
        self.assertError(self.cluster.http("GET", "/compat/advisable/%s/v2/views" % self.t), 404, "not_found")
        self.assertError(self.cluster.http("GET", "/compat/advisable/%s" % self.t), 404, "not_found")
        self.assertError(self.cluster.http("POST", "/compat/advisable/bad%20tenant/v1/views", {}), 400,
                         "invalid_field", "tenant")
        self.assertError(self.call("GET", "a/b/c/d/e/f"), 404, "not_found")

    # -- one store, one set of models ----------------------------------------------------
    def test_interactions_train_the_native_models(self):
        self.load([("purchases", "u%d" % k, "hit", T0 + k) for k in range(3)] + [("views", "u0", "miss", T0 + 9)])
        rc, out = self.cluster.run_trainer_once(self.t)
        self.assertEqual(rc, 0, out)
        body = self.assertStatus(self.cluster.http("GET", "/v1/%s/recommend?model=popular" % self.t), 200)
        self.assertEqual([r["item"] for r in body["recommendations"]], ["hit", "miss"])

    def test_purchases_shape_aegerias_bought_with(self):
        # One tenant, two dialects: baskets sent as Advisable purchases (a user's purchases within
        # 30 minutes are one basket) are what Aegeria's bought-with answers from.
        batch = [{"user_id": "c%d" % k, "item_id": item, "timestamp": T0 + 60000 * k + n}
                 for k in range(3) for n, item in enumerate(["tent", "pegs"])]
        batch += [{"user_id": "c9", "item_id": "tent", "timestamp": T0}, {"user_id": "c9", "item_id": "stove",
                                                                          "timestamp": T0 + 1}]
        self.post("purchases/batch", batch)
        rc, out = self.cluster.run_trainer_once(self.t)
        self.assertEqual(rc, 0, out)
        status, _, body = self.cluster.http("GET", "/compat/aegeria/%s/recommendation/bought-with?items[]=tent" % self.t)
        self.assertEqual(status, 200, body)
        self.assertEqual([r["items"] for r in body["recommendations"]], [["pegs"]])


if __name__ == "__main__":
    unittest.main(verbosity=2)
