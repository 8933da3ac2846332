"""Erasing deleted events for good (trainer/reco_compact.h): XDEL leaves a deleted event's bytes
inside the stream's node, so they are in every dump of the stream; the trainer's compaction
rewrites the stream without them (same ids, fields and counters), BGREWRITEAOF takes them off
disk, incremental reads go on where they were, and deletions and writes made while a compaction
is copying are neither lost nor brought back."""

import glob
import os
import re
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ClusterTestCase, key, wait_until  # noqa: E402
import redis_cluster  # noqa: E402

MARKER = "gone-4711"  # the deleted user's id: its bytes must leave the stream and the disk


def stream_counters(cluster, tenant):
    info = cluster.redis("XINFO", "STREAM", key(tenant, "events"))
    info = dict(zip(info[::2], info[1::2]))
    return {k: info[k] for k in ("length", "last-generated-id", "entries-added", "max-deleted-entry-id")}


class Compaction(ClusterTestCase):
    cluster_kwargs = {"query_workers": 1, "trainer": False}

    @classmethod
    def setUpData(cls):
        # raw listpacks in DUMP and in the AOF's RDB base, so a search for the bytes means something
        cls.cluster.redis("CONFIG", "SET", "rdbcompression", "no")

    def post(self, tenant, events):
        self.assertStatus(self.cluster.http("POST", "/v1/%s/events" % tenant, events), 200)

    def delete_user_events(self, tenant, user):
        return self.assertStatus(self.cluster.http("DELETE", "/v1/%s/events?user=%s" % (tenant, user)), 200)

    def aof_bytes(self, data_dir="redis"):
        data = b""
        for path in glob.glob(os.path.join(self.cluster.tmp, data_dir, "appendonlydir", "*")):
            with open(path, "rb") as f:
                data += f.read()
        return data

    def aof_rewritten(self, node=None):
        info = node.call("INFO", "persistence") if node else self.cluster.redis("INFO", "persistence")
        return "aof_rewrite_in_progress:0" in info and "aof_rewrite_scheduled:0" in info

    def test_deleted_events_leave_memory_and_disk(self):
        c, t = self.cluster, "erase"
        events = []
        for k in range(60):  # the deleted user's events sit between others, in the same nodes
            user = MARKER if k % 20 == 10 else "u%d" % (k % 7)
            events.append({"user": user, "item": "i%d" % (k % 11), "type": "view", "id": "e%d" % k})
        self.post(t, events)
        self.assertEqual(self.delete_user_events(t, MARKER)["deleted"], 3)
        entries, counters = c.stream(t), stream_counters(c, t)
        self.assertEqual(len(entries), 57)
        self.assertIn(MARKER, c.redis("DUMP", key(t, "events")))  # XDEL left the bytes

        rc, out = c.run_trainer_once(t, extra_args=["--compact-chunk", "7"])
        self.assertEqual(rc, 0, out)
        self.assertIn("event stream compacted: 57 live entries rewritten, 3 deleted ones gone", out)
        self.assertNotIn(MARKER, c.redis("DUMP", key(t, "events")))
        self.assertEqual(c.stream(t), entries)  # same ids, same fields, same order
        self.assertEqual(stream_counters(c, t), counters)  # what the trainer's incremental reads use
        self.assertEqual(c.redis("EXISTS", key(t, "events-compacting")), 0)
        record = c.redis("HGETALL", key(t, "events-compacted"))
        self.assertEqual(dict(zip(record[::2], record[1::2]))["deleted"], "3")
        # BGREWRITEAOF: once it and the removal of the old AOF files are done, no file holds the id
        wait_until(lambda: self.aof_rewritten() and MARKER.encode() not in self.aof_bytes(), timeout=20,
                   what="an AOF without the deleted user's id")

        # nothing deleted since: the next build does not compact again
        rc, out = c.run_trainer_once(t)
        self.assertEqual(rc, 0, out)
        self.assertNotIn("compacting", out)
        # another deletion makes it due only after --compact-interval
        self.delete_user_events(t, "u1")
        rc, out = c.run_trainer_once(t)
        self.assertNotIn("compacting", out)
        c.redis("HSET", key(t, "events-compacted"), "at", 0)  # as if the last one was long ago
        rc, out = c.run_trainer_once(t, extra_args=["--compact-interval", "1"])
        self.assertIn("event stream compacted: %d live entries" % (57 - sum(
            1 for _, e in entries if e["user"] == "u1")), out)

    def test_builds_after_a_compaction_read_on_incrementally(self):
        c, t = self.cluster, "incremental"
        self.post(t, [{"user": "u%d" % (k % 5), "item": "i%d" % (k % 9), "type": "view"} for k in range(40)])
        self.delete_user_events(t, "u0")
        # two builds in one process: the first compacts, the second finds the same counters
        rc, out = c.run_trainer_once(t, extra_args=["--builds", "2", "--compact-chunk", "3"])
        self.assertEqual(rc, 0, out)
        self.assertIn("event stream compacted: 32 live entries", out)
        self.assertIn("read 0 new events", out)

    def test_writes_and_deletions_during_a_compaction(self):
        c, t = self.cluster, "busy"
        users = ["u%d" % k for k in range(60)]
        acked, deleted_users = {}, set()
        for b in range(6):
            batch = [{"user": users[(b * 500 + k) % 60], "item": "i%d" % (k % 97), "type": "view",
                      "id": "p%d-%d" % (b, k)} for k in range(500)]
            self.post(t, batch)
            acked.update((e["id"], e["user"]) for e in batch)
        self.delete_user_events(t, users[0])
        deleted_users.add(users[0])
        done, errors = threading.Event(), []
        copying = key(t, "events-compacting")

        def writer():
            """Writes all along (400 batches at most); deletes users while the copy exists."""
            n, k = 0, 1
            try:
                while not done.is_set() and n < 400:
                    batch = [{"user": "w%d" % n, "item": "i%d" % j, "type": "cart", "id": "w%d-%d" % (n, j)}
                             for j in range(20)]
                    self.post(t, batch)
                    acked.update((e["id"], e["user"]) for e in batch)
                    if k < len(users) and c.redis("EXISTS", copying):
                        self.delete_user_events(t, users[k])
                        deleted_users.add(users[k])
                        k += 1
                    n += 1
            except Exception as e:  # noqa: BLE001 - reported by the test thread
                errors.append(e)

        th = threading.Thread(target=writer)
        th.start()
        try:
            rc, out = c.run_trainer_once(t, extra_args=["--compact-chunk", "5"])
        finally:
            done.set()
            th.join(30)
        self.assertEqual(errors, [])
        self.assertEqual(rc, 0, out)
        self.assertIn("event stream compacted", out)
        stored = {e["id"] for _, e in c.stream(t)}
        expected = {i for i, user in acked.items() if user not in deleted_users}
        self.assertEqual(len(stored), len(expected))
        self.assertEqual(stored, expected)
        # users were deleted while the copy was being made: more deleted at the end than at the start
        started = re.search(r"compacting the event stream \((\d+) entries deleted", out)
        ended = re.search(r"compacted: \d+ live entries rewritten, (\d+) deleted", out)
        self.assertGreater(int(ended.group(1)), int(started.group(1)), out)

class CompactionOnCluster(Compaction):
    """On a Redis Cluster the stream's slot may live on any master: the trainer sends
    BGREWRITEAOF to that one (and the copy and the swap happen there, in the tenant's slot)."""
    cluster_kwargs = {"redis_cluster": True, "query_workers": 1, "trainer": False}

    @classmethod
    def setUpData(cls):
        for node in cls.cluster.redis_all("CONFIG", "SET", "rdbcompression", "no"):
            assert node == "OK", node

    # the single-Redis tests are not run again here
    test_deleted_events_leave_memory_and_disk = None
    test_builds_after_a_compaction_read_on_incrementally = None
    test_writes_and_deletions_during_a_compaction = None

    def test_the_slots_master_rewrites_its_aof(self):
        c = self.cluster
        # a tenant whose slot is not on the node the trainer first connects to
        t = next(t for t in ("erase-%d" % k for k in range(100))
                 if c._resp.port_of_slot(redis_cluster.tenant_slot(t)) != c.redis_ports[0])
        port = c._resp.port_of_slot(redis_cluster.tenant_slot(t))
        self.post(t, [{"user": MARKER if k % 10 == 5 else "u%d" % (k % 4), "item": "i%d" % k, "type": "view"}
                      for k in range(40)])
        self.assertEqual(self.delete_user_events(t, MARKER)["deleted"], 4)
        self.assertIn(MARKER, c.redis("DUMP", key(t, "events")))
        rc, out = c.run_trainer_once(t, extra_args=["--compact-chunk", "6"])
        self.assertEqual(rc, 0, out)
        self.assertIn("event stream compacted: 36 live entries rewritten, 4 deleted ones gone", out)
        self.assertIn("BGREWRITEAOF on 127.0.0.1:%d: Background append only file rewriting" % port, out)
        self.assertNotIn(MARKER, c.redis("DUMP", key(t, "events")))
        node, data_dir = c._resp.node(port), "redis-%d" % c.redis_ports.index(port)
        wait_until(lambda: self.aof_rewritten(node) and MARKER.encode() not in self.aof_bytes(data_dir),
                   timeout=20, what="the slot's master's AOF without the deleted user's id")


if __name__ == "__main__":
    unittest.main()
