"""HTTP caching and JSONP of GET /v1/{tenant}/recommend (gateway/reco_http_cache.h):
Last-Modified is the served version's build time, Expires is build time + rebuild interval
clamped to [now + 5 min, now + 24 h], If-Modified-Since gives 304, personalised answers are
Cache-Control: private, and callback= / jsonpCallback= wrap the body for JSONP with a validated
name. Real Redis, real processes, real HTTP; the build times are read back from Redis."""

import email.utils
import json
import os
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ClusterTestCase, key  # noqa: E402

T = "cache"
DEFAULT_INTERVAL_MS = 2 * 3600 * 1000  # the gateway is started with this, not its 1 h default
MIN_MS, MAX_MS = 5 * 60 * 1000, 24 * 3600 * 1000
EVENTS = [{"user": "u%d" % (n % 4), "item": item, "type": "view", "timestamp": 1_700_000_000_000 + n}
          for n, item in enumerate(["a", "b", "a", "c", "b", "a", "d", "c", "a", "b"])]


def http_date(epoch_s):
    return email.utils.formatdate(epoch_s, usegmt=True)


def date_s(text):
    return int(email.utils.parsedate_to_datetime(text).timestamp())


def expected_expires_s(built_ms, interval_ms, now_ms):
    return min(max(built_ms + interval_ms, now_ms + MIN_MS), now_ms + MAX_MS) // 1000


class Caching(ClusterTestCase):
    cluster_kwargs = {"query_workers": 1, "trainer": False,
                      "gateway_args": ["--default-interval-ms", str(DEFAULT_INTERVAL_MS)]}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        status, _, body = cls.cluster.http("POST", "/v1/%s/events" % T, EVENTS)
        assert status == 200, body
        rc, out = cls.cluster.run_trainer_once(T)
        assert rc == 0, out

    def get(self, headers=None, **params):
        query = urllib.parse.urlencode(params, doseq=True)
        return self.cluster.http("GET", "/v1/%s/recommend?%s" % (T, query), headers=headers)

    def built_at_ms(self, model):
        version = self.cluster.redis("GET", key(T, "m:%s:current" % model))
        return int(self.cluster.redis("HGET", key(T, "m:%s:%s:meta" % (model, version)), "built_at"))

    def hand_made_version(self, version, built_ms, interval_ms=None):
        """A `popular` version written by hand, so build time and interval are the test's."""
        r = self.cluster.redis
        r("ZADD", key(T, "m:popular:%d:all" % version), 3, "a", 2, "b")
        fields = ["built_at", built_ms] + (["interval_ms", interval_ms] if interval_ms is not None else [])
        r("HSET", key(T, "m:popular:%d:meta" % version), *fields)
        r("SET", key(T, "m:popular:current"), version)

    def test_last_modified_is_the_build_time(self):
        for model, params in (("popular", {}), ("item-to-item", {"item": "a"})):
            with self.subTest(model=model):
                status, headers, body = self.get(model=model, **params)
                self.assertEqual(status, 200, body)
                built = self.built_at_ms(model)
                self.assertEqual(body.get("built_at"), built, body)
                self.assertEqual(headers.get("last-modified"), http_date(built // 1000), headers)

    def interval_ms(self, model):
        """The trainer's rebuild interval as the version's meta says, else the gateway's default."""
        version = self.cluster.redis("GET", key(T, "m:%s:current" % model))
        value = self.cluster.redis("HGET", key(T, "m:%s:%s:meta" % (model, version)), "interval_ms")
        return int(value) if value and int(value) > 0 else DEFAULT_INTERVAL_MS

    def test_expires_from_the_trained_version(self):
        now = int(time.time() * 1000)
        status, headers, _ = self.get(model="item-to-item", item="a")
        self.assertEqual(status, 200)
        want = expected_expires_s(self.built_at_ms("item-to-item"), self.interval_ms("item-to-item"), now)
        self.assertAlmostEqual(date_s(headers["expires"]), want, delta=2)
        max_age = int(headers["cache-control"].split("max-age=")[1])
        self.assertAlmostEqual(max_age, want - now // 1000, delta=2)

    def test_expires_is_clamped(self):
        now = int(time.time() * 1000)
        hour = 3600 * 1000
        cases = [  # (version, built_at, interval_ms, expected Expires in ms)
            (9001, now - hour, 3 * hour, now + 2 * hour),  # inside the clamp: build + interval
            (9002, now - 3 * 24 * hour, hour, now + MIN_MS),  # overdue: at least 5 minutes
            (9003, now, 7 * 24 * hour, now + MAX_MS),  # a weekly rebuild: at most 24 hours
            (9004, now - 30 * 60 * 1000, None, now + DEFAULT_INTERVAL_MS - 30 * 60 * 1000),  # no interval in meta
        ]
        for version, built, interval, want_ms in cases:
            with self.subTest(version=version):
                self.hand_made_version(version, built, interval)
                status, headers, body = self.get(model="popular")
                self.assertEqual((status, body.get("version")), (200, version), body)
                self.assertEqual(headers["last-modified"], http_date(built // 1000))
                self.assertAlmostEqual(date_s(headers["expires"]), want_ms // 1000, delta=2)
                expires = date_s(headers["expires"])
                self.assertGreaterEqual(expires, (now + MIN_MS) // 1000 - 1)
                self.assertLessEqual(expires, (now + MAX_MS) // 1000 + 3)

    def test_if_modified_since(self):
        params = {"model": "item-to-item", "item": "b"}
        status, headers, body = self.get(**params)
        self.assertEqual(status, 200, body)
        last = headers["last-modified"]
        for since in (last, http_date(date_s(last) + 3600)):
            with self.subTest(since=since):
                status, h304, empty = self.get(headers={"If-Modified-Since": since}, **params)
                self.assertEqual(status, 304, empty)
                self.assertEqual(empty, "")
                self.assertEqual(h304.get("last-modified"), last)
                self.assertIn("expires", h304)
        status, _, older = self.get(headers={"If-Modified-Since": http_date(date_s(last) - 1)}, **params)
        self.assertEqual(status, 200)
        # the same answer, but every answer has its own recommendation id
        ids = older.pop("recommendation_id"), body.pop("recommendation_id")
        self.assertRegex(ids[0], r"^r1\.[A-Za-z0-9_-]{12}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$")
        self.assertNotEqual(ids[0], ids[1])
        self.assertEqual(older, body)
        # an unreadable date is ignored, as HTTP says
        self.assertEqual(self.get(headers={"If-Modified-Since": "yesterday"}, **params)[0], 200)

    def test_cache_control_private_with_a_user(self):
        status, headers, body = self.get(model="item-to-item", user="u1")
        self.assertEqual(status, 200, body)
        self.assertTrue(headers["cache-control"].startswith("private, max-age="), headers)
        status, headers, body = self.get(model="item-to-item", item="a")
        self.assertEqual(status, 200, body)
        self.assertTrue(headers["cache-control"].startswith("public, max-age="), headers)

    def mget_calls(self):
        stats = self.cluster.redis("INFO", "commandstats")
        for line in stats.splitlines():
            if line.startswith("cmdstat_mget:"):
                return int(line.split("calls=")[1].split(",")[0])
        return 0

    def test_worker_remembers_versions_until_redis_says_they_changed(self):
        """The query worker reads `current` keys once, then relies on Redis's invalidation
        messages (CLIENT TRACKING): repeated requests read no current key, and a flip is
        served by the very next request."""
        clients = self.cluster.redis("CLIENT", "LIST")
        self.assertTrue(any("flags=t" in line for line in clients.splitlines()), clients)
        self.assertEqual(self.get(model="popular")[0], 200)
        before = self.mget_calls()
        for _ in range(5):
            self.assertEqual(self.get(model="popular")[0], 200)
        self.assertEqual(self.mget_calls(), before)
        now = int(time.time() * 1000)
        for version in (9101, 9102):
            self.hand_made_version(version, now - 1000)
            status, headers, body = self.get(model="popular")
            self.assertEqual((status, body.get("version")), (200, version), body)

    def calls(self, command):
        for line in self.cluster.redis("INFO", "commandstats").splitlines():
            if line.startswith("cmdstat_%s:" % command):
                return int(line.split("calls=")[1].split(",")[0])
        return 0

    def test_worker_remembers_hidden_items_until_redis_says_they_changed(self):
        """The hidden items are remembered like the versions: repeated requests send Redis no
        SMISMEMBER, and hiding or showing an item is served by the very next request. A hidden
        set too big to remember is asked in Redis, with the same answers."""
        def items():
            status, _, body = self.get(model="popular")
            self.assertEqual(status, 200, body)
            return [r["item"] for r in body["recommendations"]]

        def hide(item, hidden):
            self.assertStatus(self.cluster.http("PUT", "/v1/%s/items" % T, [{"id": item, "hidden": hidden}]), 200)

        base = items()  # what popular serves now (another test may have made its version)
        victim = base[0]
        before = self.calls("smismember")
        for _ in range(3):
            self.assertEqual(items(), base)
        self.assertEqual(self.calls("smismember"), before)
        hide(victim, True)
        self.assertEqual(items(), base[1:])
        hide(victim, False)
        self.assertEqual(items(), base)
        big = ["x%d" % k for k in range(5000)] + [victim]
        self.cluster.redis("SADD", key(T, "hidden"), *big)
        try:
            before = self.calls("smismember")
            self.assertEqual(items(), base[1:])
            self.assertGreater(self.calls("smismember"), before)
        finally:
            self.cluster.redis("SREM", key(T, "hidden"), *big)
        self.assertEqual(items(), base)

    def test_never_built_model_is_not_cached(self):
        status, headers, body = self.cluster.http("GET", "/v1/empty-tenant/recommend?model=popular")
        self.assertEqual((status, body.get("version")), (200, None), body)
        self.assertEqual(headers.get("cache-control"), "no-store")
        self.assertNotIn("last-modified", headers)

    def test_jsonp(self):
        status, _, plain = self.get(model="item-to-item", item="a")
        self.assertEqual(status, 200)
        plain.pop("recommendation_id")  # each answer has its own
        for field, name in (("callback", "cb"), ("jsonpCallback", "jQuery3_1.handlers.$reco_2")):
            with self.subTest(field=field):
                status, headers, text = self.get(model="item-to-item", item="a", **{field: name})
                self.assertEqual(status, 200, text)
                self.assertEqual(headers["content-type"], "application/javascript")
                self.assertIsInstance(text, str)
                self.assertTrue(text.startswith(name + "(") and text.endswith(");"), text)
                wrapped = json.loads(text[len(name) + 1:-2])
                self.assertRegex(wrapped.pop("recommendation_id"),
                                 r"^r1\.[A-Za-z0-9_-]{12}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$")
                self.assertEqual(wrapped, plain)

    def test_scenario_route(self):
        """GET /v1/{tenant}/recommend/{scenario} gets the same headers, 304 and JSONP."""
        status, _, body = self.cluster.http("PUT", "/v1/%s/scenarios/similar" % T,
                                            {"model": "item-to-item", "fallbacks": ["popular"]})
        self.assertIn(status, (200, 201), body)
        path = "/v1/%s/recommend/similar?item=a" % T
        status, headers, body = self.cluster.http("GET", path)
        self.assertEqual(status, 200, body)
        # the newest build time of the models of the chain that answered
        built = {http_date(self.built_at_ms(m) // 1000) for m in ("item-to-item", "popular")}
        self.assertIn(headers.get("last-modified"), built, (headers, body))
        self.assertTrue(headers["cache-control"].startswith("public, max-age="), headers)
        status, _, empty = self.cluster.http("GET", path, headers={"If-Modified-Since": headers["last-modified"]})
        self.assertEqual((status, empty), (304, ""))
        status, headers, text = self.cluster.http("GET", path + "&user=u1&callback=show")
        self.assertEqual(status, 200, text)
        self.assertEqual(headers["content-type"], "application/javascript")
        self.assertTrue(text.startswith("show(") and text.endswith(");"), text)
        self.assertTrue(headers["cache-control"].startswith("private, max-age="), headers)
        self.assertError(self.cluster.http("GET", path + "&jsonpCallback=x;y"), 400, "invalid_field",
                         "jsonpCallback")

    def test_invalid_callback(self):
        for field in ("callback", "jsonpCallback"):
            for name in ("alert(1)", "1abc", "a..b", ".a", "a.", "", "x" * 65, "a-b", "<script>"):
                with self.subTest(field=field, name=name):
                    self.assertError(self.get(model="popular", **{field: name}), 400, "invalid_field", field)
        self.assertEqual(self.get(model="popular", callback="x" * 64)[0], 200)


if __name__ == "__main__":
    unittest.main(verbosity=2)
