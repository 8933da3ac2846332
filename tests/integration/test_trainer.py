"""The trainer against a real Redis: the per-tenant lease (a tenant leased by another trainer is
skipped; a dead trainer's lease expires and the tenant moves on; the lease is released after a
build), renewals of the lease in the middle of a build whose reads and writes are pipelined on
another connection (a multi-page stream, thousands of lists), and a failed build leaving the
served version in place."""

import os
import random
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import HOST, ClusterTestCase, key, wait_until  # noqa: E402


def xadd_pipeline(port, tenant, events):
    """Writes events straight into the tenant's stream (the ingestor's fields), pipelined."""
    out = []
    stream = key(tenant, "events")
    for user, item, ts in events:
        args = ["XADD", stream, "*", "user", user, "item", item, "type", "view", "ts", str(ts)]
        out.append("*%d\r\n" % len(args) + "".join("$%d\r\n%s\r\n" % (len(a.encode()), a) for a in args))
    payload = "".join(out).encode()
    with socket.create_connection((HOST, port)) as s:
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        got, replies = b"", 0
        while replies < len(events):  # each reply: $<len>\r\n<id>\r\n
            chunk = s.recv(1 << 16)
            if not chunk:
                break
            got += chunk
            replies = got.count(b"\r\n") // 2
    assert replies >= len(events), "redis answered %d of %d XADDs" % (replies, len(events))


class TrainerTest(ClusterTestCase):
    cluster_kwargs = {"trainer": False}

    def load(self, tenant, n_events, n_users, n_items, seed=1):
        rnd = random.Random(seed)
        events = [("u%d" % rnd.randrange(n_users), "i%d" % int(n_items * rnd.random() ** 2), 1_700_000_000_000 + k)
                  for k in range(n_events)]
        xadd_pipeline(self.cluster.redis_port, tenant, events)
        self.cluster.redis("SADD", "reco:tenants", tenant)

    def current(self, tenant, model="popular"):
        return self.cluster.redis("GET", key(tenant, "m:%s:current" % model))

    def test_lease_held_by_another_trainer_is_skipped(self):
        t = "held"
        self.load(t, 50, 5, 10)
        self.cluster.redis("SET", key(t, "trainer:lease"), "other-host:42", "PX", 60000)
        rc, out = self.cluster.run_trainer_once(t)
        self.assertEqual(rc, 1, out)
        self.assertIn("lease held by other-host:42; skipping", out)
        self.assertIsNone(self.current(t))
        self.assertEqual(self.cluster.redis("GET", key(t, "trainer:lease")), "other-host:42")

    def test_dead_trainers_lease_expires_and_the_tenant_moves_on(self):
        t = "orphan"
        self.load(t, 50, 5, 10)
        self.cluster.redis("SET", key(t, "trainer:lease"), "dead-host:7", "PX", 300)
        wait_until(lambda: self.cluster.redis("EXISTS", key(t, "trainer:lease")) == 0, timeout=5,
                   what="the dead trainer's lease to expire")
        rc, out = self.cluster.run_trainer_once(t)
        self.assertEqual(rc, 0, out)
        self.assertIsNotNone(self.current(t))
        self.assertEqual(self.cluster.redis("EXISTS", key(t, "trainer:lease")), 0, "not released after the build")

    def test_lease_renewed_while_reads_and_writes_are_in_flight(self):
        t = "big"
        # 6 pages of stream (10,000 entries each) and thousands of item lists to write, the lease
        # renewed every 100 ms (when due at a check): renewals fall between pipelined pages and
        # batches. A 20 s term keeps a loaded machine's pauses from losing it.
        self.load(t, 60_000, 4_000, 10_000)
        rc, out = self.cluster.run_trainer_once(t, timeout=120, extra_args=["--lease-ms", "20000", "--lease-renew-ms", "100", "--log-level", "debug"])
        self.assertEqual(rc, 0, out[-3000:])
        self.assertIn("read 60000 events", out)
        self.assertGreaterEqual(out.count("lease reco:{big}:trainer:lease: renewed"), 2,
                                "the build was too quick to renew its lease twice; the test needs more data")
        v = self.current(t, "item-to-item")
        meta = self.cluster.redis("HGETALL", key(t, "m:item-to-item:%s:meta" % v))
        meta = dict(zip(meta[::2], meta[1::2]))
        lists = self.cluster.redis("SCARD", key(t, "m:item-to-item:%s:keys" % v))
        self.assertEqual(int(meta["keys"]) + 2, lists, meta)  # every list indexed, plus meta and index
        self.assertGreater(int(meta["keys"]), 1000, meta)
        self.assertEqual(int(meta["events"]), 60_000)

    def test_failed_build_keeps_the_served_version(self):
        t = "keep"
        self.load(t, 200, 20, 30)
        rc, out = self.cluster.run_trainer_once(t)
        self.assertEqual(rc, 0, out)
        before = self.current(t, "item-to-item")
        # a key of the wrong type where the next version's list will go makes that write fail
        seq = int(self.cluster.redis("GET", key(t, "m:seq")))
        for v in range(seq + 1, seq + 20):
            self.cluster.redis("SET", key(t, "m:item-to-item:%d:i:i0" % v), "not a zset")
        rc, out = self.cluster.run_trainer_once(t)
        self.assertEqual(rc, 1, out)
        self.assertIn("WRONGTYPE", out)
        self.assertEqual(self.current(t, "item-to-item"), before)
        v = int(before)
        self.assertGreater(self.cluster.redis("EXISTS", key(t, "m:item-to-item:%d:i:i0" % v)), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
