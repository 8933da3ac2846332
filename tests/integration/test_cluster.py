"""Redis Cluster end to end (docs/redis-cluster.md): a real 3-master cluster (redis-server
--cluster-enabled yes x3, redis-cli --cluster create), tenants chosen so that their slots land on
every master, and the whole path run for each: catalogue and events in, a trainer build,
recommendations of several models to the exact score, a scenario and a dialect call on it, the
privacy delete, the tenant registry and /metrics (global keys, on their own masters). Then one
tenant's slot is moved to another master (SETSLOT IMPORTING/MIGRATING + MIGRATE in batches, as
redis-cli --cluster reshard does) while writes and reads keep coming: every request answers 200,
no event is lost, and the tenant's keys end on the new master (the processes followed ASK and
MOVED). The rest of the e2e suite runs on a cluster too: integration-e2e-redis-cluster runs
test_e2e.py with RECO_TEST_REDIS_CLUSTER=1."""

import os
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redis_cluster  # noqa: E402
from harness import RedisError, wait_until  # noqa: E402
from test_e2e import EVENTS, POPULAR, Reference, ShopTestCase, visible  # noqa: E402

CANDIDATES = ["shop", "viahttp", "acme", "alpha", "beta", "gamma", "delta", "t1", "t2", "t3"]


def q(**params):
    return urllib.parse.urlencode(params)


class RedisClusterEndToEnd(ShopTestCase):
    cluster_kwargs = {"redis_cluster": True, "query_workers": 2, "trainer": False}

    @classmethod
    def setUpData(cls):
        c = cls.cluster
        cls.ref = Reference(EVENTS)
        cls.masters = c._resp.masters()
        cls.owner = {}  # tenant -> the port of the master of its slot
        for t in CANDIDATES:
            port = c._resp.port_of_slot(redis_cluster.tenant_slot(t))
            if port not in cls.owner.values():
                cls.owner[t] = port
        cls.tenants = sorted(cls.owner)
        for t in cls.tenants:
            replies, expected, _ = cls.load_shop(t)
            for (status, _, body), n in zip(replies, expected):
                assert (status, body.get("stored")) == (200, n), (t, status, body)
            assert c.http("PUT", "/v1/%s/scenarios/home" % t, {"model": "popular"})[0] in (200, 201)
            rc, out = c.run_trainer_once(t)
            assert rc == 0, out

    def test_00_tenants_on_every_master(self):
        """Three masters, and one tenant on each: the slot map (CLUSTER SLOTS) and CLUSTER
        KEYSLOT agree with reco_slot's CRC16, and each tenant's keys live on its master only."""
        self.assertEqual(len(self.masters), 3)
        self.assertEqual(sorted(self.owner.values()), self.masters)
        node = self.cluster._resp.node
        for t, port in self.owner.items():
            slot = redis_cluster.tenant_slot(t)
            self.assertEqual(node(port).call("CLUSTER", "KEYSLOT", "reco:{%s}:events" % t), slot)
            for other in self.masters:
                keys = node(other).call("SCAN", "0", "MATCH", "reco:{%s}:*" % t, "COUNT", 10000)[1]
                if other == port:
                    self.assertIn("reco:{%s}:events" % t, keys)
                    self.assertEqual(node(other).call("XLEN", "reco:{%s}:events" % t), len(EVENTS))
                else:
                    self.assertEqual(keys, [], "%s's keys on %d" % (t, other))

    def test_recommendations_of_every_tenant(self):
        for t in self.tenants:
            with self.subTest(tenant=t):
                models = self.models(t)
                self.assertIsInstance(models["popular"]["version"], int, models)
                self.assertRanking(self.recommend(t, model="popular", limit=50), dict(POPULAR))
                self.assertRanking(self.recommend(t, model="item-to-item", item="tent", limit=50),
                                   visible(self.ref.neighbours("tent")))
                self.assertRanking(self.recommend(t, model="item-to-item", user="u1", limit=50),
                                   visible(self.ref.for_user({i for (u, i) in self.ref.w if u == "u1"})))
                body = self.recommend(t, model="similar-customers", user="u1", limit=5)
                self.assertIsInstance(body.get("recommendations"), list, body)

    def test_scenario_and_dialect(self):
        """A scenario (its PUT is a transaction that also registers the tenant in the global
        reco:tenants, another slot) answers as its model; TasteHit's widget route answers it too."""
        for t in self.tenants:
            with self.subTest(tenant=t):
                got = self.assertStatus(self.cluster.http("GET", "/v1/%s/recommend/home?limit=50" % t), 200)
                self.assertRanking(got, dict(POPULAR))
                listed = self.assertStatus(self.cluster.http("GET", "/v1/%s/scenarios" % t), 200)
                self.assertIn("home", str(listed))
                th = self.assertStatus(self.cluster.http("GET", "/compat/tastehit/api/%s/v1/home/r" % t), 200)
                self.assertIsInstance(th, list, th)
                self.assertEqual([r["item_pid"] for r in th], [r["item"] for r in got["recommendations"]][:len(th)])
        self.assertTrue(set(self.tenants) <= set(self.cluster.redis("SMEMBERS", "reco:tenants")))

    def test_metrics_and_status_read_every_master(self):
        status, _, text = self.cluster.http("GET", "/metrics")
        self.assertEqual(status, 200, text)
        for t in self.tenants:
            self.assertIn('tenant="%s"' % t, text)
            body = self.assertStatus(self.cluster.http("GET", "/v1/%s/status" % t), 200)
            self.assertEqual(sum(body["events"].values()), len(EVENTS), body)

    def test_privacy_delete(self):
        t = self.tenants[-1]
        n = sum(1 for ev in EVENTS if ev[0] == "u6")
        body = self.assertStatus(self.cluster.http("DELETE", "/v1/%s/events?%s" % (t, q(user="u6"))), 200)
        self.assertEqual(body, {"deleted": n})
        listed = self.assertStatus(self.cluster.http("GET", "/v1/%s/users/u6/events" % t), 200)
        self.assertEqual(listed["events"], [])
        self.assertEqual(self.cluster.redis("XLEN", "reco:{%s}:events" % t), len(EVENTS) - n)

    def test_zy_transaction_meets_moved(self):
        """A tenant's slot moves while nothing runs; the ingestor's first command for it after the
        move is a transaction (a scenario's PUT), whose queued commands all get MOVED: the store
        sends the transaction again, whole, to the new master."""
        c, t = self.cluster, self.tenants[1]
        slot, source = redis_cluster.tenant_slot(t), self.owner[t]
        target = next(p for p in self.masters if p != source)
        self.assertGreater(redis_cluster.migrate_slot(c._resp, slot, target, wait_until, RedisError), 20)
        body = {"model": "item-to-item", "fallbacks": ["popular"]}
        self.assertIn(c.http("PUT", "/v1/%s/scenarios/moved" % t, body)[0], (200, 201))
        node = c._resp.node
        self.assertIn("moved", node(target).call("SMEMBERS", "reco:{%s}:scenarios" % t))
        self.assertIn("item-to-item", node(target).call("GET", "reco:{%s}:scenario:moved" % t))
        self.assertMovedLogged(slot, target, "-ingestor.log")
        got = self.assertStatus(c.http("GET", "/v1/%s/recommend/moved?item=tent&limit=50" % t), 200)
        self.assertRanking(got, visible(self.ref.neighbours("tent")))

    def assertMovedLogged(self, slot, port, *logs):
        """A process (its log's name ends with one of logs) met MOVED for slot and followed it."""
        text = ""
        for name in os.listdir(self.cluster.tmp):
            if name.endswith(logs):
                with open(os.path.join(self.cluster.tmp, name), errors="replace") as f:
                    text += f.read()
        self.assertIn("slot %d moved to 127.0.0.1:%d" % (slot, port), text)

    def test_zz_slot_moves_while_serving(self):
        """Moves the first tenant's slot to another master under load (ASK while half-moved,
        MOVED after): every write and read answers 200 and every acknowledged event is there."""
        c, t = self.cluster, self.tenants[0]
        slot, source = redis_cluster.tenant_slot(t), self.owner[t]
        target = next(p for p in self.masters if p != source)
        before = c.redis("XLEN", "reco:{%s}:events" % t)
        stop, failures, counts = threading.Event(), [], {"posted": 0, "read": 0}

        def load():
            k = 0
            while not stop.is_set():
                k += 1
                status, _, body = c.http("POST", "/v1/%s/events" % t,
                                         {"user": "m%d" % k, "item": "tent", "type": "view"})
                if (status, body) != (200, {"stored": 1, "duplicates": 0}):
                    failures.append(("POST", status, body))
                else:
                    counts["posted"] += 1
                status, _, body = c.http("GET", "/v1/%s/recommend?%s" % (t, q(model="item-to-item", item="tent")))
                if status != 200:
                    failures.append(("GET", status, body))
                counts["read"] += 1
        worker = threading.Thread(target=load)
        worker.start()
        try:
            wait_until(lambda: counts["posted"] >= 5, timeout=10, what="load before the move")
            moved = redis_cluster.migrate_slot(c._resp, slot, target, wait_until, RedisError)
            posted_at_move = counts["posted"]
            wait_until(lambda: counts["posted"] >= posted_at_move + 10, timeout=10, what="load after the move")
        finally:
            stop.set()
            worker.join(15)
        self.assertGreater(moved, 20)
        self.assertEqual(failures, [])
        self.assertEqual(c.redis("XLEN", "reco:{%s}:events" % t), before + counts["posted"])
        node = c._resp.node
        self.assertGreaterEqual(node(target).call("CLUSTER", "COUNTKEYSINSLOT", slot), moved)
        self.assertEqual(node(source).call("CLUSTER", "COUNTKEYSINSLOT", slot), 0)
        with self.assertRaises(RedisError) as moved_err:
            node(source).call("XLEN", "reco:{%s}:events" % t)
        self.assertTrue(str(moved_err.exception).startswith("MOVED %d " % slot), moved_err.exception)
        self.assertMovedLogged(slot, target, "-ingestor.log", "-query.log")
        # The trainer, a fresh process, finds the new master too; the answers stay exact.
        rc, out = c.run_trainer_once(t)
        self.assertEqual(rc, 0, out)
        got = self.recommend(t, model="popular", limit=50)["recommendations"]
        self.assertEqual(got[0]["item"], "tent")
        self.assertAlmostEqual(got[0]["score"], dict(POPULAR)["tent"] + counts["posted"], delta=1e-9)


ADMIN = "admin-key-for-the-cluster-tests-0123456789"


def bearer(k):
    return {"Authorization": "Bearer " + k}


class AuthOnRedisCluster(ShopTestCase):
    """--auth on against the cluster: the gateway's asynchronous key checks follow MOVED to the
    master of each tenant's slot (and to the global reco:apikey:<sha256>'s master for a key of
    another tenant); the admin API's transactions mix a global key and the tenant's."""
    cluster_kwargs = {"redis_cluster": True, "query_workers": 1, "trainer": False, "admin_key": ADMIN}

    @classmethod
    def setUpData(cls):
        c, h = cls.cluster, bearer(ADMIN)
        owner = {}
        for t in CANDIDATES:
            port = c._resp.port_of_slot(redis_cluster.tenant_slot(t))
            if port not in owner.values():
                owner[t] = port
        cls.tenants, cls.keys = sorted(owner), {}
        assert len(set(owner.values())) == 3, owner
        for t in cls.tenants:
            assert c.http("POST", "/admin/tenants", {"tenant": t}, headers=h)[0] == 201
            for role in ("read", "write"):
                status, _, body = c.http("POST", "/admin/tenants/%s/keys" % t, {"role": role}, headers=h)
                assert status == 201, body
                cls.keys[t, role] = (body["key"], body["id"])

    def test_keys_on_every_master(self):
        c = self.cluster
        for t in self.tenants:
            other = next(o for o in self.tenants if o != t)
            write, read = self.keys[t, "write"][0], self.keys[t, "read"][0]
            with self.subTest(tenant=t):
                got = self.assertStatus(c.http("POST", "/v1/%s/events" % t, {"user": "u", "item": "i",
                                                                           "type": "view"}, headers=bearer(write)), 200)
                self.assertEqual(got, {"stored": 1, "duplicates": 0})
                self.assertStatus(c.http("GET", "/v1/%s/recommend?model=popular" % t, headers=bearer(read)), 200)
                self.assertError(c.http("POST", "/v1/%s/events" % t, [], headers=bearer(read)), 403)
                self.assertError(c.http("GET", "/v1/%s/models" % other, headers=bearer(write)), 403, "forbidden")
                self.assertError(c.http("GET", "/v1/%s/models" % t, headers=bearer("rk_write_" + "0" * 64)), 401)

    def test_revoke_and_delete(self):
        c, t = self.cluster, self.tenants[0]
        k, kid = self.keys[t, "write"]
        self.assertStatus(c.http("GET", "/v1/%s/models" % t, headers=bearer(k)), 200)
        self.assertStatus(c.http("DELETE", "/admin/tenants/%s/keys/%s" % (t, kid), headers=bearer(ADMIN)), 200)
        self.assertError(c.http("GET", "/v1/%s/models" % t, headers=bearer(k)), 401, "unauthorized")
        gone = self.tenants[1]
        rk = self.keys[gone, "read"][0]
        self.assertStatus(c.http("DELETE", "/admin/tenants/%s" % gone, headers=bearer(ADMIN)), 200)
        self.assertEqual(c.scan("reco:{%s}:*" % gone), [])
        self.assertNotIn(gone, c.redis("SMEMBERS", "reco:tenants"))
        self.assertError(c.http("GET", "/v1/%s/recommend?model=popular" % gone, headers=bearer(rk)), 401)


if __name__ == "__main__":
    unittest.main(verbosity=2)
