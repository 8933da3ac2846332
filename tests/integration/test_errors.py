"""Client errors over HTTP: each one answers the right status with a JSON body
{"error":{"code","message"}} whose message names the offending field, and writes nothing."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ClusterTestCase, key  # noqa: E402

T = "errs"
EVENTS_KEY = "reco:{%s}:events" % T
GOOD = {"user": "u1", "item": "i1", "type": "view"}


class Errors(ClusterTestCase):
    cluster_kwargs = {"query_workers": 1, "trainer": False}

    def post_events(self, body, tenant=T):
        return self.cluster.http("POST", "/v1/%s/events" % tenant, body)

    def xlen(self):
        return self.cluster.redis("XLEN", EVENTS_KEY)

    def assertRejected(self, body, code, mentions, status=400):
        """Posting body fails with status/code naming `mentions`, and the stream does not grow."""
        before = self.xlen()
        err = self.assertError(self.post_events(body), status, code, mentions)
        self.assertEqual(self.xlen(), before, "a rejected request wrote events")
        return err

    def test_good_event_is_stored(self):
        before = self.xlen()
        self.assertEqual(self.assertStatus(self.post_events(GOOD), 200), {"stored": 1, "duplicates": 0})
        self.assertEqual(self.xlen(), before + 1)

    def test_malformed_json(self):
        for raw in ('{"user": "u1", "item": ', "not json", '[{"user":"u1",}]', ""):
            with self.subTest(body=raw):
                self.assertRejected(raw, "invalid_json", None)

    def test_wrong_type(self):
        self.assertRejected({"user": ["u1"], "item": "i1", "type": "view"}, "invalid_field", "user")
        self.assertRejected({"user": "u1", "item": "i1", "type": "view", "value": "high"}, "invalid_field", "value")
        self.assertRejected({"user": "u1", "item": "i1", "type": "view", "timestamp": "yesterday"},
                            "invalid_field", "timestamp")
        self.assertRejected({"events": [GOOD, dict(GOOD, item={"id": 3})]}, "invalid_field", "events[1].item")
        self.assertRejected({"events": "nope"}, "invalid_field", "events")

    def test_missing_field_in_batch_names_index_and_writes_nothing(self):
        batch = [GOOD, {"user": "u2", "item": "i2"}, dict(GOOD, user="u3")]
        self.assertRejected(batch, "missing_field", "events[1].type")
        self.assertRejected({"events": [GOOD, GOOD, {"item": "i9", "type": "view"}]}, "missing_field",
                            "events[2].user")
        self.assertRejected({"user": "u1", "type": "view"}, "missing_field", "item")

    def test_unknown_event_type(self):
        # A well-formed name that is not a registered action passes the gateway; the ingestor
        # refuses it, and writes nothing of the batch: no entry, index, history or client id.
        tenant_keys = key(T, "*")
        before = {k: self.cluster.redis("DUMP", k) for k in self.cluster.scan(tenant_keys)}
        self.assertRejected(dict(GOOD, type="buy"), "unknown_event_type", "type")
        good = [dict(GOOD, user="buyer", item="thing%d" % n, id="unknown-type-%d" % n) for n in range(3)]
        self.assertRejected(good[:1] + [dict(GOOD, type="like")] + good[1:], "unknown_event_type", "events[1].type")
        after = {k: self.cluster.redis("DUMP", k) for k in self.cluster.scan(tenant_keys)}
        self.assertEqual(after, before, "a refused batch changed the tenant's keys")
        # The good events alone are new: none of their ids was recorded.
        self.assertEqual(self.assertStatus(self.post_events(good), 200), {"stored": 3, "duplicates": 0})

    def test_rating_out_of_range(self):
        self.assertRejected(dict(GOOD, type="rating", value=7), "invalid_field", "value")
        self.assertRejected(dict(GOOD, type="rating", value=-1), "invalid_field", "value")
        self.assertRejected([GOOD, dict(GOOD, type="rating")], "missing_field", "events[1].value")

    def test_bad_items(self):
        def put(body):
            return self.cluster.http("PUT", "/v1/%s/items" % T, body)
        self.assertError(put([{"title": "no id"}]), 400, "missing_field", "items[0].id")
        self.assertError(put([{"id": "a"}, {"id": "b", "hidden": "yes"}]), 400, "invalid_field", "items[1].hidden")
        self.assertError(put([{"id": "a", "categories": "tents"}]), 400, "invalid_field", "items[0].categories")
        self.assertError(put("{"), 400, "invalid_json")
        self.assertEqual(self.cluster.redis("EXISTS", "reco:{%s}:item:a" % T), 0, "a rejected batch wrote an item")

    def test_bad_limit(self):
        for limit in ("0", "51", "-3", "ten", "5x", ""):
            with self.subTest(limit=limit):
                self.assertError(self.cluster.http("GET", "/v1/%s/recommend?model=popular&limit=%s" % (T, limit)),
                                 400, "invalid_field", "limit")

    def test_bad_model(self):
        self.assertError(self.cluster.http("GET", "/v1/%s/recommend?model=bestsellers" % T),
                         400, "invalid_field", "model")

    def test_item_to_item_needs_item_or_user(self):
        self.assertError(self.cluster.http("GET", "/v1/%s/recommend?model=item-to-item" % T), 400, None, "item")

    def test_bad_tenant_name(self):
        bad = ["sh%20op", "shop.com", "a" * 65, "sh%24op"]
        for tenant in bad:
            with self.subTest(tenant=tenant):
                self.assertError(self.post_events(GOOD, tenant=tenant), 400, None, "tenant")
                self.assertError(self.cluster.http("GET", "/v1/%s/recommend?model=popular" % tenant), 400, None,
                                 "tenant")
        self.assertEqual(self.cluster.redis("SISMEMBER", "reco:tenants", "shop.com"), 0)
        # 64 characters is still a valid name.
        self.assertStatus(self.post_events(GOOD, tenant="a" * 64), 200)

    def test_unknown_route(self):
        for method, path in (("GET", "/nope"), ("GET", "/v1/%s/nope" % T), ("POST", "/v2/%s/events" % T),
                             ("GET", "/v1/%s" % T)):
            with self.subTest(method=method, path=path):
                self.assertError(self.cluster.http(method, path), 404, "not_found")

    def test_wrong_method(self):
        for method, path in (("GET", "/v1/%s/events" % T), ("DELETE", "/v1/%s/items" % T),
                             ("POST", "/v1/%s/recommend" % T), ("GET", "/v1/%s/train" % T), ("POST", "/healthz")):
            with self.subTest(method=method, path=path):
                err = self.assertError(self.cluster.http(method, path, body={} if method != "GET" else None), 405)
                self.assertEqual(err["code"], "method_not_allowed", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
