"""A Redis that is slow or full: clients get clear JSON errors within a bounded time, no process
dies, and service comes back by itself once Redis is well again; no acknowledged write is lost.

Slow: `CLIENT PAUSE <ms> ALL` holds every command of every client for longer than the workers'
Redis command timeout (RECO_REDIS_TIMEOUT_MS, set to TIMEOUT_MS here so the test stays short;
the defaults are 2 s for query workers and 10 s for the ingestor). CLIENT PAUSE stands in for
`DEBUG SLEEP`, which Redis 7 refuses unless started with enable-debug-command; for a client both
look the same: connects succeed, commands get no answer. A worker gives up after its timeout,
drops the connection and answers 503 "redis_unavailable"; a query worker may first wait on its
version cache's own connections (see SLOW_ANSWER_S), so every answer comes within SLOW_ANSWER_S. A 200 during the pause is allowed (an answer
the gateway's HTTP cache still holds). Events written during the pause may reach Redis after the
worker gave up (Redis runs the queued command when the pause ends): the client retries with the
same ids and gets them counted as duplicates, never stored twice.

Full: `CONFIG SET maxmemory` below the memory in use, with `maxmemory-policy noeviction`. Redis
refuses every command that may grow memory with an -OOM error, which reco counts as transient
(common/reco_store.c reco_store_error_is_transient): writes get 503 "redis_unavailable" whose
message quotes Redis's OOM text (a 503, not a 507: the condition passes when memory is freed or
raised, and clients retry a 503 the same way as any other outage). Reads keep working. After
maxmemory is raised, writes succeed again without any restart."""

import os
import signal  # noqa: F401 - kept for symmetry with the other fault tests
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Cluster, ClusterTestCase, Resp, key, wait_until  # noqa: E402

TIMEOUT_MS = 500
# A query worker may wait once on its version cache's own connection (query/reco_version_cache.c,
# same timeout) and once on its store's: a read's answer takes up to 2 timeouts (+ 1 s of slack
# for a loaded machine). The pause outlasts that bound, so an unbounded wait would show.
SLOW_ANSWER_S = 2 * TIMEOUT_MS / 1000 + 1.0
PAUSE_MS = 3000
RECOVERY_S = 2.0
CLIENT_TIMEOUT_S = 12.0


class DegradedCluster(Cluster):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.env["RECO_REDIS_TIMEOUT_MS"] = str(TIMEOUT_MS)  # the workers' command timeout


class DegradedRedis(ClusterTestCase):
    cluster_kwargs = {"query_workers": 2, "trainer": True}
    cluster_class = DegradedCluster

    @classmethod
    def setUpData(cls):
        c = cls.cluster
        seed = [{"id": "seed-%d" % k, "user": "u%d" % (k % 6), "item": "i%d" % (k % 9), "type": "view"}
                for k in range(54)]
        status, _, body = c.http("POST", "/v1/slow/events", seed)
        assert status == 200 and body == {"stored": 54, "duplicates": 0}, (status, body)
        status, _, body = c.http("POST", "/v1/full/events", seed)
        assert status == 200, (status, body)
        for t in ("slow", "full"):
            code, out = c.run_trainer_once(t)
            assert code == 0, out
        cls.pids = {p.pid for p in c.procs if p.alive()}

    def tearDown(self):
        c = self.cluster
        c.redis("CONFIG", "SET", "maxmemory", "0")
        c.redis("CLIENT", "UNPAUSE")
        dead = [p for p in c.procs if p.pid in self.pids and not p.alive()]
        self.assertEqual(dead, [], "processes died")

    # -- helpers -------------------------------------------------------------------------------
    def timed(self, method, path, body=None):
        """(seconds, (status, headers, body)); a client timeout fails the test."""
        started = time.monotonic()
        resp = self.cluster.http(method, path, body, timeout=CLIENT_TIMEOUT_S)
        return time.monotonic() - started, resp

    def assertClearError(self, resp, codes=("redis_unavailable", "worker_timeout")):
        status = resp[0]
        self.assertIn(status, (503, 504), resp)
        err = self.assertError(resp, status)
        self.assertIn(err["code"], codes, resp)
        return err

    def events(self, tenant, prefix, n):
        return [{"id": "%s-%d" % (prefix, k), "user": "u%d" % (k % 6), "item": "i%d" % (k % 9), "type": "view"}
                for k in range(n)]

    def write_until_acked(self, tenant, batch, timeout):
        def ok():
            status, _, body = self.cluster.http("POST", "/v1/%s/events" % tenant, batch, timeout=CLIENT_TIMEOUT_S)
            return status == 200 and body
        body = wait_until(ok, timeout=timeout, interval=0.02, what="an acknowledged write")
        self.assertEqual(body["stored"] + body["duplicates"], len(batch), body)
        return body

    def assertStoredOnce(self, tenant, ids):
        stream = self.cluster.stream(tenant)
        stored = [f.get("id") for _, f in stream]
        self.assertEqual(len(stored), len(set(stored)), "an event id was stored twice")
        self.assertEqual(sorted(set(ids) - set(stored)), [], "acknowledged events missing")
        self.assertEqual(self.cluster.redis("ZCARD", key(tenant, "event-ids")), len(stored))

    # -- slow ----------------------------------------------------------------------------------
    def test_slow_redis_gives_quick_json_errors_and_recovers_alone(self):
        c = self.cluster
        T = "slow"
        self.assertStatus(c.http("GET", "/v1/%s/recommend?model=popular&limit=3" % T), 200)
        answers, lock = [], threading.Lock()
        batch = self.events(T, "paused", 4)
        pauser = Resp(c.redis_port)
        pauser.call("CLIENT", "PAUSE", str(PAUSE_MS), "ALL")
        pauser.close()
        paused_at = time.monotonic()
        pause_end = paused_at + PAUSE_MS / 1000

        def client(kind, n):
            # Requests until the pause is over; each one's time and answer are kept.
            k = 0
            while time.monotonic() < pause_end - 0.2:
                k += 1
                if kind == "read":
                    path = "/v1/%s/recommend?model=item-to-item&item=i%d&limit=3&user=u%d" % (T, k % 9, n)
                    res = self.timed("GET", path)
                else:
                    res = self.timed("POST", "/v1/%s/events" % T, batch)
                with lock:
                    answers.append((kind,) + res)
        threads = [threading.Thread(target=client, args=(kind, n)) for n, kind in
                   enumerate(("read", "read", "write"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(CLIENT_TIMEOUT_S + PAUSE_MS / 1000)
        self.assertFalse(any(t.is_alive() for t in threads), "a client hung")
        errors = 0
        sys.stderr.write("during the pause: %s\n" % ", ".join("%s %d %s %.2f s" % (
            kind, resp[0], resp[2]["error"]["code"] if resp[0] != 200 else "", seconds) for kind, seconds, resp in answers))
        for kind, seconds, resp in answers:
            self.assertLess(seconds, SLOW_ANSWER_S, "%s answered after %.2f s: %r" % (kind, seconds, resp))
            if resp[0] != 200:
                self.assertClearError(resp)
                errors += 1
        self.assertGreater(errors, 0, "no request noticed the paused Redis: %r" % answers)
        # Recovery, by itself: the first read and write after the pause ends.
        wait_until(lambda: time.monotonic() >= pause_end or None, timeout=PAUSE_MS / 1000 + 1, interval=0.01)
        wait_until(lambda: c.http("GET", "/v1/%s/recommend?model=item-to-item&item=i1&limit=3" % T)[0] == 200,
                   timeout=RECOVERY_S, interval=0.02, what="a read after the pause")
        body = self.write_until_acked(T, batch, RECOVERY_S)
        back = time.monotonic() - pause_end
        sys.stderr.write("slow redis: %d answers during a %d ms pause (command timeout %d ms), %d errors, "
                         "slowest %.2f s; read and write back %.2f s after the pause\n"
                         % (len(answers), PAUSE_MS, TIMEOUT_MS, errors, max(a[1] for a in answers), back))
        self.assertLess(back, RECOVERY_S)
        # The batch may have been written while its client got 503: the retry counts duplicates.
        self.assertIn(body["duplicates"], (0, len(batch)), body)
        self.assertStoredOnce(T, [e["id"] for e in batch])

    # -- full ----------------------------------------------------------------------------------
    def used_memory(self):
        info = self.cluster.redis("INFO", "memory")
        return int([ln for ln in info.split("\r\n") if ln.startswith("used_memory:")][0].split(":")[1])

    def test_full_redis_refuses_writes_clearly_and_keeps_reads(self):
        c = self.cluster
        T = "full"
        before = self.events(T, "before", 5)
        self.write_until_acked(T, before, 5)
        c.redis("CONFIG", "SET", "maxmemory-policy", "noeviction")
        c.redis("CONFIG", "SET", "maxmemory", str(self.used_memory() // 2))
        refused = self.events(T, "refused", 5)
        for method, path, body in (("POST", "/v1/%s/events" % T, refused),
                                   ("PUT", "/v1/%s/items" % T, [{"id": "new-item", "title": "x"}]),
                                   ("PUT", "/v1/%s/scenarios/home" % T, {"model": "popular"})):
            seconds, resp = self.timed(method, path, body)
            err = self.assertClearError(resp, ("redis_unavailable",))
            self.assertEqual(resp[0], 503, resp)
            self.assertIn("OOM", err["message"], resp)
            self.assertLess(seconds, 1.0)
        for path in ("/v1/%s/recommend?model=popular&limit=3" % T,
                     "/v1/%s/recommend?model=item-to-item&item=i1&limit=3" % T,
                     "/v1/%s/recommend?model=popular&limit=3&user=u1" % T,
                     "/v1/%s/users/u1/events" % T,
                     "/v1/%s/models" % T):
            status, _, body = c.http("GET", path)
            self.assertEqual(status, 200, "%s while Redis is full: %r" % (path, body))
        self.assertTrue(c.http("GET", "/v1/%s/recommend?model=popular&limit=3" % T)[2]["recommendations"])
        # More room: writes go through again, nothing was half-written by the refused batch.
        c.redis("CONFIG", "SET", "maxmemory", "0")
        started = time.monotonic()
        body = self.write_until_acked(T, refused, RECOVERY_S)
        self.assertEqual(body, {"stored": len(refused), "duplicates": 0})
        sys.stderr.write("full redis: writes 503 with Redis's OOM text, reads 200; writes back %.2f s after "
                         "maxmemory was raised\n" % (time.monotonic() - started))
        self.assertStoredOnce(T, [e["id"] for e in before + refused])


if __name__ == "__main__":
    unittest.main(verbosity=2)
