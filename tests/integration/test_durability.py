"""Durability of acknowledged writes: once the gateway answered 200, the data survives
`kill -9` of the ingestor and then of redis-server (restarted from its AOF on the same port and
data dir), and a client that retries the same batch (it could not know the answer arrived)
stores nothing twice thanks to the events' ids. An acknowledged deletion survives the same way."""

import os
import signal
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ClusterTestCase, key, wait_until  # noqa: E402

T0 = 1700000000000
PROBE = {"user": "probe", "item": "probe", "type": "view"}


class Durability(ClusterTestCase):
    cluster_kwargs = {"query_workers": 1, "trainer": False}

    def post(self, tenant, body, timeout=10.0):
        return self.cluster.http("POST", "/v1/%s/events" % tenant, body, timeout=timeout)

    def crash_and_restart(self):
        """kill -9 the ingestor, then redis-server; restart redis from its AOF and a new ingestor,
        and wait until a write goes through again (into a tenant of its own)."""
        c = self.cluster
        c.kill(c.ingestor, signal.SIGKILL)
        c.kill(c.redis_proc, signal.SIGKILL)
        c.start_redis()  # same port, same data dir
        c.start_ingestor()
        wait_until(lambda: self.post("probe", PROBE, timeout=5)[0] == 200, timeout=15,
                   what="a write through the new ingestor into the restarted Redis")

    def batch(self, n, start=0):
        return [{"id": "d-%d" % k, "user": "du%d" % (k % 12), "item": "di%d" % (k % 17),
                 "type": ("view", "cart", "purchase", "bookmark", "click")[k % 5], "timestamp": T0 + k,
                 "session": "ds%d" % (k % 3)} for k in range(start, start + n)]

    def assertAllThere(self, tenant, events):
        r = self.cluster.redis
        stream = self.cluster.stream(tenant)
        self.assertEqual(r("XLEN", key(tenant, "events")), len(events))
        self.assertEqual(sorted(f.get("id") for _, f in stream), sorted(e["id"] for e in events))
        by_id = {f["id"]: (f["user"], f["item"], f["type"], int(f["ts"])) for _, f in stream}
        for e in events:
            self.assertEqual(by_id[e["id"]], (e["user"], e["item"], e["type"], e["timestamp"]))
        # The per-user index holds exactly each user's stream entries, the history their items.
        for user in sorted({e["user"] for e in events}):
            sids = {sid for sid, f in stream if f["user"] == user}
            self.assertEqual(set(r("ZRANGE", key(tenant, "user-events:" + user), 0, -1)), sids, user)
            self.assertEqual(set(r("ZRANGE", key(tenant, "user-history:" + user), 0, -1)),
                             {e["item"] for e in events if e["user"] == user}, user)
        for item in sorted({e["item"] for e in events}):
            sids = {sid for sid, f in stream if f["item"] == item}
            self.assertEqual(set(r("ZRANGE", key(tenant, "item-events:" + item), 0, -1)), sids, item)
        scores = r("ZMSCORE", key(tenant, "event-ids"), *[e["id"] for e in events])
        self.assertNotIn(None, scores, "client ids were lost")

    def test_acknowledged_events_survive_kill_9_and_retries_store_nothing_twice(self):
        tenant = "durable"
        batches = [self.batch(100, start) for start in (0, 100, 200)]
        for b in batches:
            status, _, body = self.post(tenant, b)
            self.assertEqual((status, body), (200, {"stored": 100, "duplicates": 0}))
        everything = [e for b in batches for e in b]
        self.assertAllThere(tenant, everything)
        self.crash_and_restart()
        self.assertAllThere(tenant, everything)
        # The client retries: nothing is stored twice, whole batches or any part of one.
        for b in batches:
            status, _, body = self.post(tenant, b)
            self.assertEqual((status, body), (200, {"stored": 0, "duplicates": 100}))
        status, _, body = self.post(tenant, batches[0][:10] + self.batch(5, 300))
        self.assertEqual((status, body), (200, {"stored": 5, "duplicates": 10}))
        self.assertAllThere(tenant, everything + self.batch(5, 300))

    def test_acknowledged_user_deletion_survives_kill_9(self):
        tenant = "durable-delete"
        events = [{"user": "leaver", "item": "li%d" % k, "type": "view", "timestamp": T0 + k, "id": "l-%d" % k}
                  for k in range(20)]
        stays = [{"user": "stayer", "item": "li%d" % k, "type": "cart", "timestamp": T0 + k, "id": "s-%d" % k}
                 for k in range(5)]
        status, _, body = self.post(tenant, events + stays)
        self.assertEqual((status, body.get("stored") if isinstance(body, dict) else body), (200, 25))
        status, _, body = self.cluster.http("DELETE", "/v1/%s/users/leaver" % tenant)
        self.assertEqual((status, body), (200, {"deleted": 20}))
        self.crash_and_restart()
        self.assertEqual(self.cluster.scan(key(tenant, "*leaver*")), [])
        self.assertEqual(sorted(f["user"] for _, f in self.cluster.stream(tenant)), ["stayer"] * 5)
        self.assertAllThere(tenant, stays)


if __name__ == "__main__":
    unittest.main(verbosity=2)
