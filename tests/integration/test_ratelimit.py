"""Rate limits (docs/auth.md): a token bucket per API key in Redis, shared by every gateway, set
per tenant through the admin API or by the gateway's default; over the limit -> 429 with an
integer Retry-After >= 1 and a JSON error; it recovers once the bucket refills. Real processes on
loopback (harness.py): two gateways on one Redis, each with its own query worker."""

import hashlib
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import HEARTBEAT_MS, HOST, ClusterTestCase, free_port, key, wait_until  # noqa: E402

ADMIN = "admin-key-for-the-rate-limit-tests-0123"
T = "rl"
REC = "/v1/%s/recommend?model=popular" % T


def bearer(k):
    return {"Authorization": "Bearer " + k}


class RateLimitTest(ClusterTestCase):
    cluster_kwargs = {"trainer": False, "admin_key": ADMIN, "query_workers": 1,
                      "gateway_args": ["--rate-limit-per-second", "2", "--rate-limit-burst", "2"]}

    @classmethod
    def setUpData(cls):
        c = cls.cluster
        h = bearer(ADMIN)
        # a second gateway on the same Redis, with its own query worker
        cls.port2, q2 = free_port(), free_port()
        c.spawn("gateway2", [c.bin("gateway/reco-gateway"), "--http-host", HOST, "--http-port", str(cls.port2),
                             "--ingest-bind", "tcp://%s:%d" % (HOST, free_port()),
                             "--query-bind", "tcp://%s:%d" % (HOST, q2), "--heartbeat-ms", str(HEARTBEAT_MS)]
                + c.auth_args() + ["--rate-limit-per-second", "2", "--rate-limit-burst", "2"])
        c.spawn("query2", [c.bin("query/reco-query"), "--redis", "%s:%d" % (HOST, c.redis_port),
                           "--gateway", "tcp://%s:%d" % (HOST, q2), "--heartbeat-ms", str(HEARTBEAT_MS)])
        assert c.http("POST", "/admin/tenants", {"tenant": T}, headers=h)[0] == 201
        assert c.http("POST", "/v1/%s/events" % T, [{"user": "u", "item": "i%d" % n, "type": "view"}
                                                   for n in range(5)], headers=h)[0] == 200
        rc, out = c.run_trainer_once(T)
        assert rc == 0, out
        wait_until(lambda: cls.get2(REC, h)[0] == 200, what="the second gateway with its query worker")

    @classmethod
    def get2(cls, path, headers=None):
        """GET on the second gateway."""
        port = cls.cluster.http_port
        try:
            cls.cluster.http_port = cls.port2
            return cls.cluster.http("GET", path, headers=headers)
        finally:
            cls.cluster.http_port = port

    def new_key(self, role="read"):
        body = self.assertStatus(self.cluster.http("POST", "/admin/tenants/%s/keys" % T, {"role": role},
                                                   headers=bearer(ADMIN)), 201)
        return body["key"]

    def set_limit(self, limit):
        self.assertStatus(self.cluster.http("PATCH", "/admin/tenants/" + T, {"rate_limit": limit},
                                            headers=bearer(ADMIN)), 200)

    def assertLimited(self, resp):
        err = self.assertError(resp, 429, "rate_limited", "rate limit")
        retry = resp[1].get("retry-after", "")
        self.assertRegex(retry, r"^[0-9]+$")
        self.assertGreaterEqual(int(retry), 1)
        return int(retry), err

    def test_two_gateways_share_one_bucket_and_it_refills(self):
        self.set_limit({"per_second": 1, "burst": 4})
        k = self.new_key()
        gets = (lambda: self.cluster.http("GET", REC, headers=bearer(k)), lambda: self.get2(REC, bearer(k)))
        for n in range(4):  # the burst, spread over both gateways
            self.assertStatus(gets[n % 2](), 200)
        retry, _ = self.assertLimited(gets[0]())
        self.assertLimited(gets[1]())
        self.assertLessEqual(retry, 2)
        # one bucket for the key, whichever gateway, named by the key's SHA-256, and it expires
        bucket = key(T, "ratelimit:" + hashlib.sha256(k.encode()).hexdigest())
        self.assertEqual(self.cluster.redis("TYPE", bucket), "hash")
        self.assertLess(float(self.cluster.redis("HGET", bucket, "tokens")), 1)
        self.assertGreater(self.cluster.redis("PTTL", bucket), 0)
        t0 = time.monotonic()
        wait_until(lambda: gets[1]()[0] == 200, timeout=retry + 3, interval=0.1, what="the bucket to refill")
        self.assertLess(time.monotonic() - t0, retry + 3)

    def test_each_key_has_its_own_bucket(self):
        self.set_limit({"per_second": 0.5, "burst": 1})
        k1, k2 = self.new_key(), self.new_key("write")
        self.assertStatus(self.cluster.http("GET", REC, headers=bearer(k1)), 200)
        retry, _ = self.assertLimited(self.cluster.http("GET", REC, headers=bearer(k1)))
        self.assertEqual(retry, 2)
        # the bucket is the key's, whatever the dialect: TasteHit documents this 429
        self.assertLimited(self.cluster.http("GET", "/compat/tastehit/api/%s/v1/w/r?userId=u" % T,
                                             headers=bearer(k1)))
        self.assertStatus(self.cluster.http("GET", REC, headers=bearer(k2)), 200)
        self.assertLimited(self.get2(REC, bearer(k2)))

    def test_gateway_default_applies_without_a_tenant_limit(self):
        self.set_limit(None)  # the gateways' --rate-limit-per-second 2 --rate-limit-burst 2
        k = self.new_key()
        codes = [self.cluster.http("GET", REC, headers=bearer(k))[0] for _ in range(3)]
        self.assertEqual(codes[:2], [200, 200])
        self.assertEqual(codes[2], 429)

    def test_unlimited_tenant_and_admin_key(self):
        self.set_limit({"per_second": 0})
        k = self.new_key()
        for _ in range(15):
            self.assertStatus(self.cluster.http("GET", REC, headers=bearer(k)), 200)
        self.set_limit({"per_second": 0.5, "burst": 1})
        for _ in range(5):  # the admin key is never limited
            self.assertStatus(self.cluster.http("GET", REC, headers=bearer(ADMIN)), 200)

    def test_refused_requests_take_no_token(self):
        """A read key on a write route is refused before the bucket: its tokens stay."""
        self.set_limit({"per_second": 0.5, "burst": 1})
        k = self.new_key()
        for _ in range(3):
            self.assertError(self.cluster.http("GET", "/v1/%s/models" % T, headers=bearer(k)), 403)
        self.assertStatus(self.cluster.http("GET", REC, headers=bearer(k)), 200)


if __name__ == "__main__":
    unittest.main(verbosity=2)
