"""Faults: workers, the ingestor and redis-server die with SIGKILL; the gateway keeps answering
(another worker, or a quick 503 with a JSON error), recovers when a worker comes back, and no
acknowledged event is lost. Also: SIGTERM stops every process cleanly."""

import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Cluster, ClusterTestCase, wait_until  # noqa: E402

T = "faults"
EVENTS_KEY = "reco:{%s}:events" % T


class QueryWorkerFaults(ClusterTestCase):
    cluster_kwargs = {"query_workers": 2, "trainer": False}

    def ask(self, timeout=10.0):
        return self.cluster.http("GET", "/v1/%s/recommend?model=popular&limit=5" % T, timeout=timeout)

    def test_query_workers_die_and_come_back(self):
        c = self.cluster
        self.assertEqual(c.wait_healthy(query=2)["workers"]["query"], 2)
        for _ in range(5):
            self.assertStatus(self.ask(), 200)

        c.kill(c.query_procs[0], signal.SIGKILL)
        for k in range(20):
            status, _, body = self.ask()
            self.assertEqual(status, 200, "request %d after one worker died: %r" % (k, body))
            self.assertEqual(body.get("recommendations"), [], body)

        c.kill(c.query_procs[1], signal.SIGKILL)
        started = time.monotonic()
        resp = self.ask(timeout=10)
        elapsed = time.monotonic() - started
        self.assertError(resp, 503, "no_worker")
        self.assertLess(elapsed, 2.5, "the 503 took %.2f s" % elapsed)
        # Still 503 (and quick) while no worker is there: nothing piles up.
        started = time.monotonic()
        self.assertError(self.ask(), 503, "no_worker")
        self.assertLess(time.monotonic() - started, 2.5)
        # Ingest does not depend on query workers.
        self.assertEqual(self.assertStatus(c.http("POST", "/v1/%s/events" % T,
                                                  {"user": "u", "item": "i", "type": "view"}), 200),
                         {"stored": 1, "duplicates": 0})

        gateway_pid = c.gateway.pid
        c.start_query_worker()
        wait_until(lambda: self.ask(timeout=5)[0] == 200, timeout=10, what="a request served by the new worker")
        for _ in range(10):
            self.assertStatus(self.ask(), 200)
        self.assertTrue(c.gateway.alive())
        self.assertEqual(c.gateway.pid, gateway_pid)
        c.wait_healthy(query=1)


class StoreFaults(ClusterTestCase):
    cluster_kwargs = {"query_workers": 1, "trainer": False}

    def post(self, events):
        return self.cluster.http("POST", "/v1/%s/events" % T, events)

    def test_ingestor_killed_after_ack(self):
        c = self.cluster
        before = c.redis("XLEN", EVENTS_KEY) or 0
        batch = [{"user": "k%d" % n, "item": "i%d" % (n % 7), "type": "view"} for n in range(50)]
        self.assertEqual(self.assertStatus(self.post(batch), 200), {"stored": 50, "duplicates": 0})
        c.kill(c.ingestor, signal.SIGKILL)
        self.assertEqual(c.redis("XLEN", EVENTS_KEY), before + 50)
        # With no ingestor, writes fail fast with a JSON 503; a new ingestor takes over.
        started = time.monotonic()
        self.assertError(self.post(batch[:1]), 503, "no_worker")
        self.assertLess(time.monotonic() - started, 2.5)
        c.start_ingestor()
        wait_until(lambda: self.post(batch[:1])[0] == 200, timeout=10, what="the new ingestor")
        self.assertEqual(c.redis("XLEN", EVENTS_KEY), before + 51)

    def test_redis_killed_and_restarted_keeps_acknowledged_events(self):
        c = self.cluster
        marker = {"user": "durable-user", "item": "durable-item", "type": "purchase"}
        self.assertEqual(self.assertStatus(self.post(marker), 200), {"stored": 1, "duplicates": 0})
        n = c.redis("XLEN", EVENTS_KEY)
        c.kill(c.redis_proc, signal.SIGKILL)  # at once: no time for an fsync or a shutdown save
        c.start_redis()  # same port, same data dir
        self.assertEqual(c.redis("XLEN", EVENTS_KEY), n)
        entries = c.redis("XRANGE", EVENTS_KEY, "-", "+")
        self.assertTrue(any("durable-user" in "".join(map(str, e[1])) for e in entries), entries[-3:])
        self.assertIn("durable-item", c.redis("ZRANGE", "reco:{%s}:user-history:durable-user" % T, 0, -1))
        # The workers reconnect to the restarted Redis by themselves.
        c.wait_healthy(ingest=1, query=1, timeout=10)
        wait_until(lambda: self.post(marker)[0] == 200, timeout=10, what="an ingest after the Redis restart")
        self.assertEqual(c.redis("XLEN", EVENTS_KEY), n + 1)
        wait_until(lambda: c.http("GET", "/v1/%s/recommend?model=popular" % T)[0] == 200, timeout=10,
                   what="a query after the Redis restart")


class CleanShutdown(unittest.TestCase):
    def test_sigterm_stops_every_process_cleanly(self):
        cluster = Cluster(query_workers=2, trainer=True).__enter__()
        try:
            status, _, body = cluster.http("POST", "/v1/%s/events" % T, {"user": "u", "item": "i", "type": "view"})
            self.assertEqual(status, 200, body)
            started = time.monotonic()
            codes = cluster.stop(timeout=5, remove_tmp=False)
            elapsed = time.monotonic() - started
            self.assertEqual(len(codes), 6, codes)  # redis, gateway, ingestor, 2 query workers, trainer
            self.assertEqual(set(codes.values()), {0}, "not every process exited 0 on SIGTERM: %r" % codes)
            self.assertLess(elapsed, 5.5)
        except BaseException:
            sys.stderr.write(cluster.logs())
            raise
        finally:
            cluster.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
