"""Faults under load: while client threads keep writing event batches (with client ids) and asking
for recommendations, every kind of process is killed with SIGKILL in turn and started again, as a
supervisor would: a query worker, the ingestor, the trainer, the gateway, and redis-server (kill -9
and a new redis-server on the same port and data dir, AOF with appendfsync always).

What is asserted:
  * Nothing acknowledged is lost and nothing is stored twice: every id of every batch answered 200
    is in the tenant's event stream exactly once, and the stream holds nothing else (writers retry
    a batch, same ids, until it is acknowledged, so "attempted" = "acknowledged" at the end).
  * Only the killed process died: after each restart every other process still runs under the PID
    it had, and no log holds a sanitizer report or an abort.
  * Service is back within RECOVERY_S (2 s) of each restart. The clock starts when the test starts
    the new process (just before fork/exec: redis-server, reco-gateway, reco-ingestor, reco-query
    or reco-trainer) and stops when a probe has had both a 200 from GET /v1/T/recommend and a 200
    acknowledging a new batch. A query worker's or the trainer's death takes no service away (the
    other worker answers; the trainer serves no request); the clock runs all the same. The new
    trainer's own readiness (blocked on its queue again, after the full build it does at start,
    which grows with the data) is measured apart and bounded by TRAINER_READY_S.
  * Clients never hang and never get a malformed answer: every request has a timeout
    (CLIENT_TIMEOUT_S, above the gateway's longest answer with the reply timeouts set below) and a
    timeout fails the test; every answer is a 200 with the expected body or a JSON 503/504 error
    {"error":{"code","message"}}. A request that got no answer at all (connection reset, refused,
    closed before the status line) is allowed only while the gateway itself is down: from its kill
    until its successor listens on the HTTP port (plus RESET_GRACE_S) - the HTTP server is gone,
    so there is nobody to answer 503. Anywhere else it fails the test.
The figures (requests, errors by kind and per phase, recovery times) are printed to stderr.
"""

import http.client
import json
import os
import random
import signal
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import HOST, ClusterTestCase, key, wait_until  # noqa: E402

T = "faultload"
RECOVERY_S = 2.0
CLIENT_TIMEOUT_S = 8.0   # > queue 1 s + 2 query tries x 2 s, > ingest reply timeout 3 s
RESET_GRACE_S = 0.5
TRAINER_READY_S = 10.0
BATCH = 5
CRASH_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:", "Assertion `",
               "stack smashing", "double free", "corrupted")


class Outcome:
    OK, ERROR, NO_ANSWER, TIMEOUT, MALFORMED = "200", "json-error", "no-answer", "timeout", "malformed"


def request(port, method, path, body=None):
    """One request on a fresh connection. Returns (outcome, status, parsed body or detail)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=CLIENT_TIMEOUT_S)
    try:
        data = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
        resp = conn.getresponse()
        raw = resp.read()
        ctype = resp.getheader("Content-Type", "")
    except socket.timeout:
        return Outcome.TIMEOUT, None, "no answer within %.0f s" % CLIENT_TIMEOUT_S
    except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine) as exc:
        return Outcome.NO_ANSWER, None, repr(exc)
    except OSError as exc:
        return Outcome.NO_ANSWER, None, repr(exc)
    finally:
        conn.close()
    try:
        parsed = json.loads(raw.decode("utf-8"))
    except ValueError:
        return Outcome.MALFORMED, resp.status, raw[:200]
    if "application/json" not in ctype:
        return Outcome.MALFORMED, resp.status, "Content-Type %r" % ctype
    if resp.status == 200:
        return Outcome.OK, 200, parsed
    err = parsed.get("error") if isinstance(parsed, dict) else None
    if resp.status in (503, 504) and isinstance(err, dict) and isinstance(err.get("code"), str) \
            and err.get("code") and isinstance(err.get("message"), str) and err.get("message"):
        return Outcome.ERROR, resp.status, parsed
    return Outcome.MALFORMED, resp.status, parsed


class Load:
    """The client threads and what they saw. Every request is logged as (start, end, kind,
    outcome, status, detail); `acked` holds the ids of acknowledged batches."""

    def __init__(self, cluster, writers=2, readers=2):
        self.c = cluster
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.log = []
        self.acked = set()
        self.attempted = set()
        self.bad_bodies = []
        self.threads = [threading.Thread(target=self.writer, args=(n,), daemon=True) for n in range(writers)]
        self.threads += [threading.Thread(target=self.reader, args=(n,), daemon=True) for n in range(readers)]

    def record(self, start, kind, result):
        with self.lock:
            self.log.append((start, time.monotonic(), kind) + result)

    def writer(self, n):
        seq = 0
        while not self.stop.is_set():
            seq += 1
            batch = [{"id": "w%d-%d-%d" % (n, seq, k), "user": "lu%d" % random.randrange(40),
                      "item": "li%d" % random.randrange(60), "type": "view"} for k in range(BATCH)]
            with self.lock:
                self.attempted.update(e["id"] for e in batch)
            # Retry the same batch (same ids) until it is acknowledged, even after stop was asked:
            # at the end every attempted id must be acknowledged (give up only at a hard deadline).
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                start = time.monotonic()
                res = request(self.c.http_port, "POST", "/v1/%s/events" % T, batch)
                self.record(start, "write", res)
                if res[0] == Outcome.OK:
                    body = res[2]
                    if not (isinstance(body, dict) and body.get("stored", -1) + body.get("duplicates", -1) == BATCH):
                        with self.lock:
                            self.bad_bodies.append(("write", body))
                    else:
                        with self.lock:
                            self.acked.update(e["id"] for e in batch)
                    break
                if res[0] in (Outcome.TIMEOUT, Outcome.MALFORMED):
                    break  # judged at the end; a retry could not make it right
                self.stop.wait(0.02)
            self.stop.wait(0.01)  # pace: a steady load, not a saturating one

    def reader(self, n):
        while not self.stop.is_set():
            start = time.monotonic()
            res = request(self.c.http_port, "GET", "/v1/%s/recommend?model=popular&limit=5&user=lu%d" % (T, n))
            self.record(start, "read", res)
            if res[0] == Outcome.OK and not isinstance(res[2].get("recommendations") if isinstance(res[2], dict)
                                                       else None, list):
                with self.lock:
                    self.bad_bodies.append(("read", res[2]))
            self.stop.wait(0.01)

    def start(self):
        for t in self.threads:
            t.start()

    def finish(self, timeout=25.0):
        self.stop.set()
        for t in self.threads:
            t.join(timeout)
        return [t for t in self.threads if t.is_alive()]


BIG = "faultload-big"
BIG_N = 3000


class BigWrite(threading.Thread):
    """One large batch (BIG_N events with ids, its own tenant) posted until acknowledged: the
    ingestor is killed while Redis is taking it, so its answer is lost mid-write and the retry
    must store exactly the rest."""

    def __init__(self, cluster):
        super().__init__(daemon=True)
        self.c, self.outcomes, self.acked = cluster, [], False
        self.batch = [{"id": "big-%d" % k, "user": "bu%d" % (k % 50), "item": "li%d" % (k % 60), "type": "view"}
                      for k in range(BIG_N)]

    def run(self):
        deadline = time.monotonic() + 20
        while not self.acked and time.monotonic() < deadline:
            res = request(self.c.http_port, "POST", "/v1/%s/events" % BIG, self.batch)
            self.outcomes.append(res)
            body = res[2]
            self.acked = res[0] == Outcome.OK and body.get("stored", -1) + body.get("duplicates", -1) == BIG_N
            if res[0] in (Outcome.TIMEOUT, Outcome.MALFORMED):
                return


class FaultsUnderLoad(ClusterTestCase):
    # Reply timeouts short enough that a request whose worker died mid-way gets its 504/503 well
    # inside the clients' timeout; the last flag of a kind wins over the harness's.
    cluster_kwargs = {"query_workers": 2, "trainer": True,
                      "gateway_args": ["--reply-timeout-ms", "2000", "--ingest-reply-timeout-ms", "3000"]}

    @classmethod
    def setUpData(cls):
        c = cls.cluster
        seed = [{"id": "seed-%d" % k, "user": "su%d" % (k % 9), "item": "li%d" % (k % 13), "type": "view"}
                for k in range(60)]
        status, _, body = c.http("POST", "/v1/%s/events" % T, seed)
        assert status == 200 and body == {"stored": 60, "duplicates": 0}, (status, body)
        cls.seed_ids = {e["id"] for e in seed}
        code, out = c.run_trainer_once(T)
        assert code == 0, out

    # -- probes (main thread) ----------------------------------------------------------------
    def probe_back(self, t0, tag):
        """Polls until a recommend answers 200 and a new batch is acknowledged; returns seconds
        since t0. Probe ids count as acknowledged like the load's."""
        c = self.cluster
        got = {"read": False, "write": False}
        batch = [{"id": "p-%s-%d" % (tag, k), "user": "pu", "item": "li%d" % k, "type": "view"} for k in range(2)]
        with self.load.lock:
            self.load.attempted.update(e["id"] for e in batch)

        def back():
            if not got["read"]:
                got["read"] = request(c.http_port, "GET", "/v1/%s/recommend?model=popular&limit=3" % T)[0] == Outcome.OK
            if not got["write"]:
                res = request(c.http_port, "POST", "/v1/%s/events" % T, batch)
                if res[0] == Outcome.OK:
                    got["write"] = True
                    with self.load.lock:
                        self.load.acked.update(e["id"] for e in batch)
            return all(got.values())
        wait_until(back, timeout=15, interval=0.02, what="service back after restarting the %s" % tag)
        return time.monotonic() - t0

    def trainer_listening(self):
        me = self.cluster.trainer
        # The new trainer's BLPOP: a client blocked on the queue (the killed one's connection is
        # closed by the kernel with the process).
        return me.alive() and "cmd=blpop" in self.cluster.redis("CLIENT", "LIST")

    def others_alive(self, pids):
        dead = [(name, pid) for name, pid in pids if not any(p.pid == pid and p.alive() for p in self.cluster.procs)]
        self.assertEqual(dead, [], "processes that were not killed died")

    def live_pids(self):
        return [(p.name, p.pid) for p in self.cluster.procs if p.alive()]

    def restart_same(self, proc):
        """Starts proc's command line again (same ports and endpoints): what a supervisor does."""
        new = self.cluster.spawn(proc.name, proc.args)
        return new

    # -- the test ------------------------------------------------------------------------------
    def test_kill_9_each_process_kind_under_load(self):
        c = self.cluster
        self.load = Load(c)
        self.load.start()
        phases = []  # (kind, t_kill, t0, t_ready, recovery_s)
        try:
            wait_until(lambda: len(self.load.acked) >= 20, timeout=10, what="the load to get going")
            for kind in ("query", "ingestor", "trainer", "gateway", "redis"):
                before = self.live_pids()
                victim = {"query": lambda: c.query_procs[0], "ingestor": lambda: c.ingestor,
                          "trainer": lambda: c.trainer, "gateway": lambda: c.gateway,
                          "redis": lambda: c.redis_proc}[kind]()
                if kind == "ingestor":  # kill it in the middle of a large write
                    big = BigWrite(c)
                    big.start()
                    wait_until(lambda: (c.redis("XLEN", key(BIG, "events")) or 0) > 0 or not big.is_alive(),
                               timeout=10, interval=0.002, what="the large batch reaching Redis")
                t_kill = time.monotonic()
                c.kill(victim, signal.SIGKILL)
                t0 = time.monotonic()
                if kind == "redis":
                    c.start_redis()  # same port and data dir; returns once the new server answers PING
                elif kind == "query":
                    c.query_procs[0] = self.restart_same(victim)
                else:
                    setattr(c, kind, self.restart_same(victim))  # c.ingestor, c.trainer, c.gateway
                t_ready = t0
                if kind == "gateway":
                    wait_until(lambda: socket.create_connection((HOST, c.http_port), timeout=1).close() or True,
                               timeout=5, interval=0.01, what="the new gateway's HTTP port")
                    t_ready = time.monotonic()
                elif kind == "redis":
                    t_ready = time.monotonic()
                recovery = self.probe_back(t0, kind)
                if kind == "ingestor":  # the cut batch is retried to its end before the next kill
                    big.join(CLIENT_TIMEOUT_S * 3)
                if kind == "trainer":
                    wait_until(self.trainer_listening, timeout=TRAINER_READY_S, interval=0.02,
                               what="the new trainer blocking on reco:train:queue")
                    t_ready = time.monotonic()
                phases.append((kind, t_kill, t0, t_ready, recovery))
                self.others_alive([(n, pid) for n, pid in before if pid != victim.pid])
                # Some load in the new state before the next kill: a few more batches acknowledged.
                n = len(self.load.acked)
                wait_until(lambda: len(self.load.acked) >= n + 10, timeout=10, what="load after the %s restart" % kind)
            c.wait_healthy(ingest=1, query=2)
        finally:
            stuck = self.load.finish()
        self.assertEqual(stuck, [], "client threads still running: a request hung")
        self.report(phases)
        self.judge_big_write(big)
        self.judge_requests(phases)
        self.judge_store()
        self.judge_processes(phases)
        for kind, _, _, _, recovery in phases:
            self.assertLess(recovery, RECOVERY_S, "service came back %.2f s after restarting the %s" % (recovery, kind))

    # -- judgements ----------------------------------------------------------------------------
    def judge_requests(self, phases):
        gateway = [p for p in phases if p[0] == "gateway"][0]
        window = (gateway[1], gateway[3] + RESET_GRACE_S)
        bad = []
        for start, end, kind, outcome, status, detail in self.load.log:
            if outcome in (Outcome.TIMEOUT, Outcome.MALFORMED):
                bad.append((kind, outcome, status, detail))
            elif outcome == Outcome.NO_ANSWER and not (window[0] <= end <= window[1]):
                bad.append((kind, outcome, "outside the gateway's downtime", detail))
        self.assertEqual(bad[:10], [], "%d bad answers" % len(bad))
        self.assertEqual(self.load.bad_bodies[:5], [], "200s with a wrong body")

    def judge_big_write(self, big):
        self.assertFalse(big.is_alive(), "the large batch's request hung")
        first = big.outcomes[0]
        sys.stderr.write("large batch (%d events) cut by the ingestor's kill: first answer %s %s, %d tries\n"
                         % (BIG_N, first[1] or first[0], first[2].get("error", {}).get("code", first[2])
                            if isinstance(first[2], dict) else first[2], len(big.outcomes)))
        for outcome, status, detail in big.outcomes:
            self.assertIn(outcome, (Outcome.OK, Outcome.ERROR), (status, detail))
        self.assertTrue(big.acked, big.outcomes[-1])
        ids = [f.get("id") for _, f in self.cluster.stream(BIG)]
        self.assertEqual(len(ids), len(set(ids)), "an event id of the large batch was stored twice")
        self.assertEqual(set(ids), {e["id"] for e in big.batch})

    def judge_store(self):
        c = self.cluster
        stream = c.stream(T)
        ids = [f.get("id") for _, f in stream]
        self.assertEqual(len(ids), len(set(ids)), "an event id was stored twice")
        stored = set(ids) - self.seed_ids
        acked = set(self.load.acked)
        self.assertEqual(acked, set(self.load.attempted), "batches never acknowledged (writer gave up)")
        missing, extra = acked - stored, stored - acked
        self.assertEqual(sorted(missing)[:10], [], "%d acknowledged events are not in Redis" % len(missing))
        self.assertEqual(sorted(extra)[:10], [], "%d stored events were never sent" % len(extra))
        self.assertEqual(c.redis("ZCARD", key(T, "event-ids")), len(ids))
        sys.stderr.write("store: %d acknowledged events, %d in the stream (+%d seed), none twice\n"
                         % (len(acked), len(stored), len(self.seed_ids)))

    def judge_processes(self, phases):
        c = self.cluster
        killed = len(phases)
        dead = [p for p in c.procs if not p.alive()]
        self.assertEqual(len(dead), killed, "dead: %r" % dead)
        marks = []
        for p in c.procs:
            with open(p.log_path, errors="replace") as f:
                marks += ["%s: %s" % (p.name, line.strip()) for line in f if any(m in line for m in CRASH_MARKS)]
        self.assertEqual(marks, [])

    def report(self, phases):
        log = self.load.log
        lines = ["faults under load: %d requests (%d writes, %d reads)"
                 % (len(log), sum(1 for r in log if r[2] == "write"), sum(1 for r in log if r[2] == "read"))]
        for i, (kind, t_kill, t0, t_ready, recovery) in enumerate(phases):
            t_end = phases[i + 1][1] if i + 1 < len(phases) else float("inf")
            seen = {}
            for start, end, rkind, outcome, status, detail in log:
                if t_kill <= end < t_end and outcome != Outcome.OK:
                    label = "%s %s %s" % (rkind, outcome, status if status else "")
                    if outcome == Outcome.ERROR:
                        label += " " + detail["error"]["code"]
                    seen[label.strip()] = seen.get(label.strip(), 0) + 1
            ready = "; %s ready %.2f s after its start" % (kind, t_ready - t0) if t_ready > t0 else ""
            lines.append("  kill -9 %-8s back %.2f s after the restart (down %.2f s from the kill%s); errors: %s"
                         % (kind, recovery, t0 + recovery - t_kill, ready, seen or "none"))
        sys.stderr.write("\n".join(lines) + "\n")


class IngestCutByAKill(ClusterTestCase):
    """The gateway never re-sends an ingest request whose worker died: the dead ingestor may have
    written part of it, and events without ids would be stored again under a 200 whose counts
    cover only the second try. The client gets 503 worker_lost and knows to check or retry."""
    cluster_kwargs = {"query_workers": 1, "trainer": False}

    def test_events_without_ids_are_not_stored_twice_behind_the_clients_back(self):
        c, tenant = self.cluster, "faultload-noid"
        batch = [{"user": "nu%d" % (k % 50), "item": "ni%d" % (k % 60), "type": "view"} for k in range(BIG_N)]
        answer = {}
        post = threading.Thread(target=lambda: answer.update(
            r=request(c.http_port, "POST", "/v1/%s/events" % tenant, batch)), daemon=True)
        post.start()
        wait_until(lambda: (c.redis("XLEN", key(tenant, "events")) or 0) > 0 or not post.is_alive(),
                   timeout=10, interval=0.002, what="the batch reaching Redis")
        c.kill(c.ingestor, signal.SIGKILL)
        c.start_ingestor()
        post.join(CLIENT_TIMEOUT_S + 2)
        self.assertFalse(post.is_alive(), "the request hung")
        outcome, status, body = answer["r"]
        stored = c.redis("XLEN", key(tenant, "events"))
        if outcome == Outcome.OK:  # it finished before the kill: then its count is the truth
            self.assertEqual((body["stored"], stored), (BIG_N, BIG_N), body)
        else:
            self.assertEqual((outcome, status, body["error"]["code"]), (Outcome.ERROR, 503, "worker_lost"), body)
            self.assertLessEqual(stored, BIG_N, "the gateway re-sent the batch to the new ingestor")
        sys.stderr.write("id-less batch of %d cut by the kill: %s, %d in the stream\n"
                         % (BIG_N, status, stored))


if __name__ == "__main__":
    unittest.main(verbosity=2)
