"""Tenants and access (docs/auth.md): the admin API, API keys in their three forms, the 401/403
matrix on native and dialect routes, tenant isolation (checked in Redis), keys stored only as
hashes, revocation, CORS, tenant deletion, Redis down, and development mode (--auth off).
Real processes on loopback (harness.py); the gateway runs with --auth on and an admin key."""

import base64
import os
import re
import signal
import subprocess
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BUILD_DIR, ClusterTestCase, free_port, key, wait_until  # noqa: E402

ADMIN = "admin-key-for-the-auth-tests-0123456789"
A, B = "shopa", "shopb"
KEY_RE = re.compile(r"^rk_(read|write)_[0-9a-f]{64}$")
# What a read key may call, written independently of gateway/reco_auth.c: every recommendation
# and resort route, Aegeria's recommendation/*, Gravity's getItemRecommendation*, TasteHit's widget
# GET and Yoochoose's .json/.jsonp recommendation GETs.
READ_ROUTE_RE = re.compile(r"/recommend($|/)|/resort$|/recommendation/|/getItemRecommendation|/v1/\{widget\}/r$"
                           r"|\.jsonp?$")
SAMPLES = {"tenant": A, "customer": A, "customerid": A, "itemtypeid": "1", "scenarioid": "home",
           "interaction_type": "views", "action": "visit", "widget": "home"}


def listed_routes():
    out = subprocess.run([os.path.join(BUILD_DIR, "gateway", "reco-gateway"), "--list-routes"], check=True,
                         stdout=subprocess.PIPE, timeout=30).stdout.decode()
    return [tuple(line.split(" ", 1)) for line in out.splitlines()]


def fill(template):
    return re.sub(r"\{([^}/]+)\}", lambda m: urllib.parse.quote(SAMPLES.get(m.group(1), "x1"), safe=""), template)


def bearer(k):
    return {"Authorization": "Bearer " + k}


def basic(user, k):
    return {"Authorization": "Basic " + base64.b64encode(("%s:%s" % (user, k)).encode()).decode()}


class AuthTestBase(ClusterTestCase):
    cluster_kwargs = {"trainer": False, "admin_key": ADMIN}

    def admin(self, method, path, body=None):
        return self.cluster.http(method, "/admin" + path, body, headers=bearer(ADMIN))

    def new_key(self, tenant, role):
        body = self.assertStatus(self.admin("POST", "/tenants/%s/keys" % tenant, {"role": role}), 201)
        return body["key"], body["id"]

    def tenant_keys(self, tenant):
        """Every Redis key of the tenant with a digest of its value, to prove nothing changed."""
        snap = {}
        for k in self.cluster.scan(key(tenant, "*")):
            kind = self.cluster.redis("TYPE", k)
            snap[k] = (kind, self.cluster.redis("DUMP", k) if kind != "none" else None)
        return snap


class AuthTest(AuthTestBase):
    @classmethod
    def setUpData(cls):
        c = cls.cluster
        h = bearer(ADMIN)
        for t in (A, B):
            assert c.http("POST", "/admin/tenants", {"tenant": t}, headers=h)[0] == 201
            items = [{"id": "i%d" % n, "categories": ["C"]} for n in range(1, 6)]
            assert c.http("PUT", "/v1/%s/items" % t, items, headers=h)[0] == 200
            events = [{"user": "u%d" % (n % 3), "item": "i%d" % (n % 5 + 1), "type": "view"} for n in range(30)]
            status, _, body = c.http("POST", "/v1/%s/events" % t, events, headers=h)
            assert status == 200, body
            rc, out = c.run_trainer_once(t)
            assert rc == 0, out
        cls.keys = {}
        for t in (A, B):
            for role in ("read", "write"):
                status, _, body = c.http("POST", "/admin/tenants/%s/keys" % t, {"role": role}, headers=h)
                assert status == 201, body
                cls.keys[t, role] = body["key"]

    # -- the admin API ---------------------------------------------------------------------
    def test_admin_api_needs_the_admin_key(self):
        resp = self.cluster.http("GET", "/admin/tenants")
        self.assertError(resp, 401, "unauthorized", "Authorization")
        self.assertIn("Bearer", resp[1].get("www-authenticate", ""))
        self.assertError(self.cluster.http("GET", "/admin/tenants", headers=bearer(ADMIN + "x")), 403, "forbidden")
        self.assertError(self.cluster.http("GET", "/admin/tenants", headers=bearer(self.keys[A, "write"])), 403)
        self.assertError(self.cluster.http("POST", "/admin/tenants", {"tenant": "sneaky"},
                                           headers=bearer(self.keys[A, "write"])), 403)
        self.assertIsNone(self.cluster.redis("SISMEMBER", "reco:tenants", "sneaky") or None)

    def test_tenant_crud_and_errors(self):
        body = self.assertStatus(self.admin("POST", "/tenants", {"tenant": "crud1",
                                                                  "rate_limit": {"per_second": 5, "burst": 9}}), 201)
        self.assertEqual(body["tenant"], "crud1")
        self.assertEqual(body["rate_limit"], {"per_second": 5, "burst": 9})
        self.assertIsInstance(body["created_at"], int)
        self.assertError(self.admin("POST", "/tenants", {"tenant": "crud1"}), 409, "tenant_exists", "crud1")
        self.assertError(self.admin("POST", "/tenants", {"tenant": "bad name"}), 400, "invalid_field", "tenant")
        self.assertError(self.admin("POST", "/tenants", {}), 400, "missing_field", "tenant")
        self.assertError(self.admin("POST", "/tenants", {"tenant": "x", "colour": 1}), 400, mentions="colour")
        self.assertError(self.admin("POST", "/tenants", {"tenant": "x", "rate_limit": {"per_second": -1}}), 400,
                         mentions="rate_limit.per_second")
        self.assertError(self.admin("POST", "/tenants", {"tenant": "x", "rate_limit": {"per_second": 1,
                                                                                      "burst": 0}}), 400,
                         mentions="rate_limit.burst")
        self.assertError(self.admin("POST", "/tenants", "[1]"), 400)
        self.assertError(self.admin("POST", "/tenants", "{nope"), 400, "invalid_json")

        listed = self.assertStatus(self.admin("GET", "/tenants"), 200)["tenants"]
        names = [t["tenant"] for t in listed]
        self.assertEqual(names, sorted(names))
        self.assertTrue({A, B, "crud1"} <= set(names), names)
        self.assertEqual(next(t for t in listed if t["tenant"] == A)["keys"], 2)

        got = self.assertStatus(self.admin("GET", "/tenants/crud1"), 200)
        self.assertEqual((got["tenant"], got["keys"], got["rate_limit"]), ("crud1", 0, {"per_second": 5, "burst": 9}))
        got = self.assertStatus(self.admin("PATCH", "/tenants/crud1", {"rate_limit": {"per_second": 2.5}}), 200)
        self.assertEqual(got["rate_limit"], {"per_second": 2.5, "burst": 3})
        self.assertEqual(self.cluster.redis("HGET", key("crud1", "tenant"), "rate_burst"), "3")
        got = self.assertStatus(self.admin("PATCH", "/tenants/crud1", {"rate_limit": None}), 200)
        self.assertIsNone(got["rate_limit"])
        self.assertError(self.admin("PATCH", "/tenants/crud1", {}), 400, "missing_field", "rate_limit")
        self.assertError(self.admin("PATCH", "/tenants/crud1", {"rate_limit": "fast"}), 400, mentions="rate_limit")
        self.assertError(self.admin("GET", "/tenants/nosuch"), 404, "not_found", "nosuch")
        self.assertError(self.admin("PATCH", "/tenants/nosuch", {"rate_limit": None}), 404)
        self.assertError(self.admin("DELETE", "/tenants/nosuch"), 404)
        self.assertError(self.admin("GET", "/tenants/bad%20name"), 400, mentions="tenant")
        self.assertError(self.admin("PUT", "/tenants/crud1", {}), 405)
        self.assertError(self.admin("GET", "/nothing"), 404)

    def test_key_crud_and_errors(self):
        self.assertStatus(self.admin("POST", "/tenants", {"tenant": "keys1"}), 201)
        body = self.assertStatus(self.admin("POST", "/tenants/keys1/keys", {"role": "read"}), 201)
        self.assertRegex(body["key"], KEY_RE)
        self.assertTrue(body["key"].startswith("rk_read_"))
        self.assertTrue(body["key"].startswith(body["prefix"]))
        self.assertRegex(body["id"], r"^[0-9a-f]{16}$")
        w = self.assertStatus(self.admin("POST", "/tenants/keys1/keys", {"role": "write"}), 201)
        self.assertTrue(w["key"].startswith("rk_write_"))
        self.assertError(self.admin("POST", "/tenants/keys1/keys", {"role": "admin"}), 400, "invalid_field", "role")
        self.assertError(self.admin("POST", "/tenants/keys1/keys", {}), 400, "missing_field", "role")
        self.assertError(self.admin("POST", "/tenants/keys1/keys", {"role": "read", "x": 1}), 400, mentions="x")
        self.assertError(self.admin("POST", "/tenants/nosuch/keys", {"role": "read"}), 404, mentions="nosuch")
        listed = self.assertStatus(self.admin("GET", "/tenants/keys1/keys"), 200)["keys"]
        self.assertEqual({k["id"] for k in listed}, {body["id"], w["id"]})
        for k in listed:
            self.assertEqual(set(k), {"id", "role", "prefix", "created_at"})
            self.assertLess(len(k["prefix"]), 16)
        text = repr(listed)
        self.assertNotIn(body["key"], text)
        self.assertNotIn(body["key"][8:20], text)
        self.assertError(self.admin("DELETE", "/tenants/keys1/keys/not-an-id"), 400, mentions="id")
        self.assertError(self.admin("DELETE", "/tenants/keys1/keys/0000000000000000"), 404)
        self.assertStatus(self.admin("DELETE", "/tenants/keys1/keys/" + body["id"]), 200)
        self.assertError(self.admin("DELETE", "/tenants/keys1/keys/" + body["id"]), 404)
        self.assertEqual([k["id"] for k in self.assertStatus(self.admin("GET", "/tenants/keys1/keys"), 200)["keys"]],
                         [w["id"]])
        self.assertError(self.admin("GET", "/tenants/nosuch/keys"), 404)

    # -- keys on tenant routes -------------------------------------------------------------
    def test_three_key_forms(self):
        w = self.keys[A, "write"]
        for headers in (bearer(w), {"X-API-Key": w}, basic(A, w), {"Authorization": "bearer " + w}):
            self.assertStatus(self.cluster.http("POST", "/v1/%s/events" % A, [{"user": "f", "item": "i1",
                                                                                "type": "view"}],
                                                headers=headers), 200)
        self.assertError(self.cluster.http("POST", "/v1/%s/events" % A, [], headers=basic(B, w)), 403,
                         mentions="customer id")
        self.assertError(self.cluster.http("GET", "/v1/%s/models" % A, headers={"Authorization": "Basic !!!"}), 401,
                         mentions="Basic")
        self.assertError(self.cluster.http("GET", "/v1/%s/models" % A, headers={"Authorization": "Digest x"}), 401,
                         mentions="Bearer or Basic")

    def test_missing_unknown_and_wrong_keys(self):
        read_path, write_path = "/v1/%s/recommend?model=popular" % A, "/v1/%s/models" % A
        for path in (read_path, write_path):
            resp = self.cluster.http("GET", path)
            self.assertError(resp, 401, "unauthorized", "Authorization")
            self.assertIn("Basic", resp[1].get("www-authenticate", ""))
            self.assertError(self.cluster.http("GET", path, headers=bearer("rk_write_" + "0" * 64)), 401)
            self.assertError(self.cluster.http("GET", path, headers=bearer("nonsense")), 401)
            self.assertError(self.cluster.http("GET", path, headers={"X-API-Key": ""}), 401)
        # a read key: recommendations yes, anything else no
        body = self.assertStatus(self.cluster.http("GET", read_path, headers=bearer(self.keys[A, "read"])), 200)
        self.assertTrue(body["recommendations"], body)
        self.assertError(self.cluster.http("GET", write_path, headers=bearer(self.keys[A, "read"])), 403, "forbidden",
                         "write key")
        self.assertError(self.cluster.http("POST", "/v1/%s/events" % A, [{"user": "r", "item": "i1", "type": "view"}],
                                           headers=bearer(self.keys[A, "read"])), 403)
        self.assertError(self.cluster.http("GET", "/v1/%s/users/u1" % A, headers=bearer(self.keys[A, "read"])), 403)
        # a write key may read too; the admin key may do anything
        self.assertStatus(self.cluster.http("GET", read_path, headers=bearer(self.keys[A, "write"])), 200)
        self.assertStatus(self.cluster.http("GET", write_path, headers=bearer(self.keys[A, "write"])), 200)
        self.assertStatus(self.cluster.http("GET", write_path, headers=bearer(ADMIN)), 200)
        # public routes need nothing
        self.assertEqual(self.cluster.http("GET", "/healthz")[0], 200)
        self.assertEqual(self.cluster.http("GET", "/openapi.json")[0], 200)

    def test_every_listed_route_is_guarded(self):
        """Each route --list-routes prints, probed without a key, with another tenant's key and
        with the tenant's read key: tenant routes want a key of the tenant, and a read key gets
        exactly the recommendation routes."""
        routes = listed_routes()
        self.assertGreater(len(routes), 60)
        kinds = {"public": 0, "read": 0, "write": 0, "admin": 0}
        before = self.tenant_keys(A)
        for method, template in routes:
            path = fill(template)
            what = "%s %s" % (method, template)
            if template == "/metrics":  # tenants and their figures: the admin key, like /admin
                kinds["admin"] += 1
                self.assertEqual(self.cluster.http(method, path)[0], 401, what)
                self.assertEqual(self.cluster.http(method, path, headers=bearer(self.keys[A, "write"]))[0], 403, what)
                self.assertEqual(self.cluster.http(method, path, headers=bearer(ADMIN))[0], 200, what)
                continue
            if not template.startswith(("/v1/", "/compat/", "/admin/")):
                kinds["public"] += 1
                self.assertNotIn(self.cluster.http(method, path)[0], (401, 403), what)
                continue
            self.assertEqual(self.cluster.http(method, path)[0], 401, what)
            if template.startswith("/admin/"):
                kinds["admin"] += 1
                self.assertEqual(self.cluster.http(method, path, headers=bearer(self.keys[A, "write"]))[0], 403, what)
                continue
            self.assertEqual(self.cluster.http(method, path, headers=bearer(self.keys[B, "write"]))[0], 403, what)
            status = self.cluster.http(method, path, headers=bearer(self.keys[A, "read"]))[0]
            if READ_ROUTE_RE.search(template):
                kinds["read"] += 1
                self.assertNotIn(status, (401, 403), what)
            else:
                kinds["write"] += 1
                self.assertEqual(status, 403, what)
        self.assertGreaterEqual(kinds["read"], 15, kinds)
        self.assertGreaterEqual(kinds["write"], 40, kinds)
        self.assertEqual(kinds["admin"], 9, kinds)  # the admin API's 8 routes and /metrics
        self.assertEqual(self.tenant_keys(A), before)
        # a /compat path no route matches is a 404 before any key is looked at
        self.assertError(self.cluster.http("POST", "/compat/gravity/%s/noSuchMethod/x" % A), 404)

    def test_another_tenants_key_changes_nothing(self):
        before = self.tenant_keys(A)
        stream_len = self.cluster.redis("XLEN", key(A, "events"))
        attempts = [
            ("POST", "/v1/%s/events" % A, [{"user": "evil", "item": "i1", "type": "purchase"}]),
            ("PUT", "/v1/%s/items" % A, [{"id": "evil"}]),
            ("DELETE", "/v1/%s/users/u1" % A, None),
            ("GET", "/v1/%s/users/u1/export" % A, None),
            ("GET", "/v1/%s/recommend?model=popular" % A, None),
            ("PUT", "/v1/%s/scenarios/evil" % A, {"model": "popular"}),
            ("POST", "/v1/%s/train" % A, None),
            ("GET", "/compat/yoochoose/api/%s/click/evil/1/i1" % A, None),
            ("GET", "/compat/yoochoose/api/v2/%s/u1/home.json" % A, None),
            ("POST", "/compat/gravity/%s/addEvents" % A, [{"itemId": "i1", "userId": "evil", "eventType": "BUY",
                                                          "time": 1700000000}]),
            ("GET", "/compat/gravity/%s/getItemRecommendation?scenarioId=x&userId=u1" % A, None),
            ("POST", "/compat/aegeria/%s/transaction/bulk" % A, [{"user_id": "evil", "items": ["i1"]}]),
            ("GET", "/compat/aegeria/%s/recommendation/bought-with?items[]=i1" % A, None),
            ("POST", "/compat/tastehit/api/%s/v1/interaction/evil/i1/visit" % A, None),
            ("GET", "/compat/tastehit/api/%s/v1/home/r" % A, None),
            ("POST", "/compat/advisable/%s/v1/views" % A, {"user_id": "evil", "item_id": "i1"}),
        ]
        for role in ("write", "read"):
            for method, path, body in attempts:
                for headers in (bearer(self.keys[B, role]), {"X-API-Key": self.keys[B, role]},
                                basic(B, self.keys[B, role]), basic(A, self.keys[B, role])):
                    resp = self.cluster.http(method, path, body, headers=headers)
                    self.assertError(resp, 403, "forbidden")
        self.assertEqual(self.cluster.redis("XLEN", key(A, "events")), stream_len)
        self.assertEqual(self.tenant_keys(A), before)

    def test_no_plaintext_key_in_redis(self):
        secrets = list(self.keys.values()) + [ADMIN]
        cursor, seen = "0", 0
        while True:
            cursor, names = self.cluster.redis("SCAN", cursor, "COUNT", 1000)
            for name in names:
                seen += 1
                kind = self.cluster.redis("TYPE", name)
                if kind == "string":
                    values = [self.cluster.redis("GET", name)]
                elif kind == "hash":
                    values = self.cluster.redis("HGETALL", name)
                elif kind == "set":
                    values = self.cluster.redis("SMEMBERS", name)
                elif kind == "zset":
                    values = self.cluster.redis("ZRANGE", name, 0, -1)
                elif kind == "list":
                    values = self.cluster.redis("LRANGE", name, 0, -1)
                elif kind == "stream":
                    values = [repr(self.cluster.redis("XRANGE", name, "-", "+"))]
                else:
                    values = [repr(self.cluster.redis("DUMP", name))]
                blob = name + "\n" + "\n".join(str(v) for v in values)
                for s in secrets:
                    self.assertNotIn(s, blob, name)
                    self.assertNotIn(s[-32:], blob, name)
            if cursor == "0":
                break
        self.assertGreater(seen, 10)
        hashed = self.cluster.redis("HKEYS", key(A, "apikeys"))
        self.assertEqual(len(hashed), 2)
        for h in hashed:
            self.assertRegex(h, r"^[0-9a-f]{64}$")
            self.assertEqual(self.cluster.redis("GET", "reco:apikey:" + h), A)

    def test_revoked_key_is_refused_at_once(self):
        k, kid = self.new_key(A, "write")
        path = "/v1/%s/models" % A
        self.assertStatus(self.cluster.http("GET", path, headers=bearer(k)), 200)
        self.assertStatus(self.admin("DELETE", "/tenants/%s/keys/%s" % (A, kid)), 200)
        self.assertError(self.cluster.http("GET", path, headers=bearer(k)), 401, "unauthorized")
        self.assertError(self.cluster.http("GET", "/v1/%s/models" % B, headers=bearer(k)), 401)

    def test_yoochoose_basic_auth(self):
        """Yoochoose's clients send the customer id as user and the license key as password."""
        path = "/compat/yoochoose/api/%s/click/yc.user/1/i2" % A
        self.assertError(self.cluster.http("GET", path), 401)
        status, _, body = self.cluster.http("GET", path, headers=basic(A, self.keys[A, "write"]))
        self.assertEqual(status, 204, body)
        self.assertTrue(self.cluster.redis("ZRANGE", key(A, "user-history:yc.user"), 0, -1))
        self.assertError(self.cluster.http("GET", path, headers=basic(A, self.keys[A, "read"])), 403)
        self.assertStatus(self.cluster.http("PUT", "/v1/%s/scenarios/yc" % A, {"model": "popular"},
                                            headers=bearer(ADMIN)), 201)
        rec = "/compat/yoochoose/api/v2/%s/yc.user/yc.json" % A
        body = self.assertStatus(self.cluster.http("GET", rec, headers=basic(A, self.keys[A, "read"])), 200)
        self.assertTrue(body["recommendationItems"], body)
        self.assertError(self.cluster.http("GET", rec, headers=basic(B, self.keys[B, "read"])), 403)

    def test_cors(self):
        rec = "/v1/%s/recommend?model=popular" % A
        status, headers, body = self.cluster.http("OPTIONS", rec, headers={
            "Origin": "https://shop.example", "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization"})
        self.assertEqual(status, 204, body)
        self.assertEqual(headers.get("access-control-allow-origin"), "*")
        self.assertIn("GET", headers.get("access-control-allow-methods", ""))
        for h in ("Authorization", "X-API-Key", "Content-Type"):
            self.assertIn(h, headers.get("access-control-allow-headers", ""))
        self.assertGreater(int(headers.get("access-control-max-age", "0")), 0)
        status, headers, _ = self.cluster.http("OPTIONS", "/v1/%s/recommend/home" % A)
        self.assertEqual(status, 204)
        self.assertEqual(set(headers["access-control-allow-methods"].replace(" ", "").split(",")), {"GET", "POST"})
        status, headers, _ = self.cluster.http("GET", rec, headers={"Origin": "https://shop.example",
                                                                    **bearer(self.keys[A, "read"])})
        self.assertEqual((status, headers.get("access-control-allow-origin")), (200, "*"))
        status, headers, _ = self.cluster.http("GET", rec, headers={"Origin": "https://shop.example"})
        self.assertEqual((status, headers.get("access-control-allow-origin")), (401, "*"))
        for method, path in (("GET", "/v1/%s/models" % A), ("OPTIONS", "/v1/%s/events" % A),
                             ("GET", "/admin/tenants")):
            status, headers, _ = self.cluster.http(method, path, headers={"Origin": "https://shop.example",
                                                                          **bearer(ADMIN)})
            self.assertNotIn("access-control-allow-origin", headers, (method, path, status))
            self.assertNotEqual(status, 204)

    def test_delete_tenant_removes_its_data(self):
        h = bearer(ADMIN)
        self.assertStatus(self.admin("POST", "/tenants", {"tenant": "gone"}), 201)
        k, _ = self.new_key("gone", "write")
        self.assertStatus(self.cluster.http("POST", "/v1/gone/events", [{"user": "u", "item": "i", "type": "view"}],
                                            headers=bearer(k)), 200)
        self.assertStatus(self.cluster.http("PUT", "/v1/gone/scenarios/s", {"model": "popular"}, headers=h), 201)
        self.assertGreater(len(self.cluster.scan(key("gone", "*"))), 3)
        before_a = self.tenant_keys(A)
        body = self.assertStatus(self.admin("DELETE", "/tenants/gone"), 200)
        self.assertEqual((body["tenant"], body["deleted"], body["api_keys_deleted"]), ("gone", True, 1))
        self.assertGreater(body["keys_deleted"], 3)
        self.assertEqual(self.cluster.scan(key("gone", "*")), [])
        self.assertFalse(self.cluster.redis("SISMEMBER", "reco:tenants", "gone"))
        owners = [n for n in self.cluster.scan("reco:apikey:*") if self.cluster.redis("GET", n) == "gone"]
        self.assertEqual(owners, [])
        self.assertError(self.cluster.http("GET", "/v1/gone/models", headers=bearer(k)), 401)
        self.assertError(self.admin("GET", "/tenants/gone"), 404)
        self.assertEqual(self.tenant_keys(A), before_a)


class RedisDownTest(AuthTestBase):
    """Redis unreachable or stalled: a key cannot be checked, so 503 quickly, never a hang; the
    gateway reconnects by itself."""

    def test_stalled_then_dead_then_back(self):
        self.assertStatus(self.admin("POST", "/tenants", {"tenant": "rd"}), 201)
        k, _ = self.new_key("rd", "write")
        path = "/v1/rd/actions"
        self.assertStatus(self.cluster.http("GET", path, headers=bearer(k)), 200)
        redis = self.cluster.redis_proc
        os.kill(redis.pid, signal.SIGSTOP)
        try:
            t0 = time.monotonic()
            resp = self.cluster.http("GET", path, headers=bearer(k), timeout=10)
            self.assertError(resp, 503, "auth_unavailable", "Redis")
            self.assertLess(time.monotonic() - t0, 5)
        finally:
            os.kill(redis.pid, signal.SIGCONT)
        self.cluster.kill(redis)
        self.assertError(self.cluster.http("GET", path, headers=bearer(k), timeout=10), 503, "auth_unavailable")
        self.cluster.start_redis()
        wait_until(lambda: self.cluster.http("GET", path, headers=bearer(k))[0] == 200, timeout=15,
                   what="the gateway to reconnect to Redis")


class DevelopmentModeTest(ClusterTestCase):
    """--auth off: no key asked for, no Redis connection from the gateway, a WARN at start."""
    cluster_kwargs = {"trainer": False}

    def test_open_and_logged(self):
        self.assertStatus(self.cluster.http("POST", "/v1/dev/events", [{"user": "u", "item": "i", "type": "view"}]),
                          200)
        self.assertStatus(self.cluster.http("GET", "/v1/dev/models"), 200)
        with open(self.cluster.gateway.log_path, errors="replace") as f:
            log = f.read()
        self.assertRegex(log, r"(?i)warn.*auth OFF.*every tenant is open")
        self.assertNotIn("auth: connected to Redis", log)
        status, headers, _ = self.cluster.http("OPTIONS", "/v1/dev/recommend")
        self.assertEqual((status, headers.get("access-control-allow-origin")), (204, "*"))

    def test_auth_on_needs_an_admin_key(self):
        gw = os.path.join(BUILD_DIR, "gateway", "reco-gateway")
        env = {k: v for k, v in os.environ.items() if not k.startswith("RECO_")}
        for args in (["--auth", "on"], ["--auth", "on", "--admin-key", "short"], ["--auth", "maybe"]):
            ports = ["--http-port", str(free_port()), "--ingest-bind", "tcp://127.0.0.1:%d" % free_port(),
                     "--query-bind", "tcp://127.0.0.1:%d" % free_port()]
            res = subprocess.run([gw] + ports + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 env=env, timeout=20)
            self.assertNotEqual(res.returncode, 0, args)
            self.assertIn("auth", res.stdout.decode("utf-8", "replace"), args)


if __name__ == "__main__":
    unittest.main(verbosity=2)
