"""Metrics and logs end to end (docs/operations-metrics.md): GET /metrics counts exactly the
requests made, by route template, dialect, method and status (a 404, a 400 and a 405 among
them, and a path no route matches as "other"); latency histograms are cumulative and their
_count equals the requests; workers and queue depth per pool; events ingested per type (a
duplicate counted once) and the model figures after a trainer run; `promtool check metrics`
passes on a real scrape. GET /v1/{tenant}/status gives the totals and the per-minute rows that
were posted, and the models' versions and sizes as their meta hashes hold them. Request ids:
X-Request-Id is taken when valid, made when not, and returned on every answer; with
--log-format json every line of every process parses, and one request's id appears in the
gateway's and in the worker's lines. Real redis-server, real processes, real HTTP."""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Cluster, ClusterTestCase, key, wait_until  # noqa: E402

T = "metrics-shop"
OTHER = "metrics-other"  # the tenant the counting test writes to, so that T's figures stay as posted
POSTED = {"view": 7, "cart": 3, "purchase": 2}
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?')


def events():
    out, n = [], 0
    for etype, count in POSTED.items():
        for k in range(count):
            n += 1
            out.append({"id": "e%d" % n, "user": "u%d" % (k % 3), "item": "i%d" % (k % 4), "type": etype})
    return out


def parse_metrics(text):
    """[(name, {label: value}, float)] of every sample; checks the families are announced."""
    samples, typed = [], {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            typed[name] = kind
            continue
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, "not a sample line: %r" % line
        labels = {k: v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
                  for k, v in LABEL.findall(m.group(2) or "")}
        samples.append((m.group(1), labels, float(m.group(3))))
        base = re.sub(r"_(bucket|sum|count)$", "", m.group(1))
        assert m.group(1) in typed or base in typed, "sample of an unannounced family: %r" % line
    return samples


def pick(samples, name, **labels):
    return [(lab, v) for n, lab, v in samples if n == name and all(lab.get(k) == w for k, w in labels.items())]


def value(samples, name, **labels):
    found = pick(samples, name, **labels)
    assert len(found) == 1, "%s %r: %d samples" % (name, labels, len(found))
    return found[0][1]


class Metrics(ClusterTestCase):
    cluster_kwargs = {"query_workers": 1, "trainer": False}

    @classmethod
    def setUpData(cls):
        c = cls.cluster
        status, _, body = c.http("POST", "/v1/%s/events" % T, events())
        assert status == 200 and body["stored"] == sum(POSTED.values()), body
        status, _, body = c.http("POST", "/v1/%s/events" % T, events()[:5])  # the same ids again
        assert status == 200 and body["duplicates"] == 5 and body["stored"] == 0, body
        rc, out = c.run_trainer_once(T)
        assert rc == 0, out

    def scrape(self):
        status, headers, text = self.cluster.http("GET", "/metrics", headers={"Accept": "text/plain"})
        self.assertEqual(status, 200, text)
        self.assertTrue(headers["content-type"].startswith("text/plain; version=0.0.4"), headers)
        return text, parse_metrics(text)

    # -- GET /v1/{tenant}/status ---------------------------------------------------------------
    def test_status_counts_what_was_posted(self):
        before_minute = int(time.time() * 1000) // 60000
        body = self.assertStatus(self.cluster.http("GET", "/v1/%s/status" % T), 200)
        self.assertEqual(body["tenant"], T)
        self.assertEqual(body["events"], POSTED)  # the duplicates did not count
        rows = body["events_per_minute"]
        self.assertEqual(len(rows), 60)
        self.assertEqual([r["minute"] for r in rows], list(range(rows[0]["minute"], rows[0]["minute"] + 60)))
        self.assertIn(rows[-1]["minute"], (before_minute, before_minute + 1))
        for r in rows:
            self.assertEqual(set(r["counts"]), set(POSTED), r)  # every type in every row, zeros included
        for etype, n in POSTED.items():
            self.assertEqual(sum(r["counts"][etype] for r in rows), n)
        # the rows are the minute hashes the ingest script wrote, which expire after 2 days
        for r in rows:
            stored = self.cluster.redis("HGETALL", key(T, "counts:events:m:%d" % r["minute"])) or []
            got = {k: int(v) for k, v in zip(stored[::2], stored[1::2])}
            self.assertEqual({k: v for k, v in r["counts"].items() if v}, got)
            if got:
                ttl = self.cluster.redis("TTL", key(T, "counts:events:m:%d" % r["minute"]))
                self.assertTrue(0 < ttl <= 2 * 86400, ttl)
        stored = self.cluster.redis("HGETALL", key(T, "counts:events"))
        self.assertEqual({k: int(v) for k, v in zip(stored[::2], stored[1::2])}, POSTED)

    def test_status_models_from_their_meta(self):
        body = self.assertStatus(self.cluster.http("GET", "/v1/%s/status" % T), 200)
        models = {m["model"]: m for m in body["models"]}
        self.assertIn("popular", models)
        self.assertGreater(models["popular"]["keys"], 0)
        now_ms = int(time.time() * 1000)
        for name, m in models.items():
            version = int(self.cluster.redis("GET", key(T, "m:%s:current" % name)))
            self.assertEqual(m["version"], version)
            meta = self.cluster.redis("HGETALL", key(T, "m:%s:%d:meta" % (name, version)))
            meta = dict(zip(meta[::2], meta[1::2]))
            self.assertEqual(m["built_at"], int(meta["built_at"]))
            self.assertEqual(m["duration_ms"], int(meta["duration_ms"]))
            self.assertEqual(m["keys"], int(meta["keys"]))
            self.assertTrue(0 <= m["age_s"] <= (now_ms - m["built_at"]) // 1000 + 1, m)

    def test_status_of_an_empty_and_a_bad_tenant(self):
        body = self.assertStatus(self.cluster.http("GET", "/v1/nobody-here/status"), 200)
        self.assertEqual(body["events"], {})
        self.assertEqual(body["models"], [])
        self.assertEqual(len(body["events_per_minute"]), 60)
        self.assertTrue(all(r["counts"] == {} for r in body["events_per_minute"]))
        status, _, err = self.cluster.http("GET", "/v1/bad%20tenant/status")
        self.assertEqual(status, 400, err)
        self.assertIn("tenant", err["error"]["message"])
        status, headers, err = self.cluster.http("POST", "/v1/%s/status" % T, {})
        self.assertEqual(status, 405, err)

    # -- GET /metrics ----------------------------------------------------------------------------
    def test_requests_are_counted_by_route_template_and_status(self):
        c = self.cluster
        _, before = self.scrape()
        calls = [("GET", "/v1/%s/status" % T, 200)] * 3 + [
            ("GET", "/v1/%s/items/no-such-item" % T, 404),
            ("GET", "/v1/%s/items/other-missing" % T, 404),
            ("GET", "/v1/%s/recommend?model=bogus" % T, 400),
            ("GET", "/nowhere/at/all", 404),
            ("DELETE", "/metrics", 405),
            ("POST", "/v1/%s/events" % OTHER, 200),
        ]
        for method, path, want in calls:
            body = [{"user": "u9", "item": "i9", "type": "view"}] if method == "POST" else None
            status, _, answer = c.http(method, path, body)
            self.assertEqual(status, want, (method, path, answer))
        _, after = self.scrape()

        def delta(route, dialect, method, status):
            labels = dict(route=route, dialect=dialect, method=method, status=str(status))
            was = pick(before, "reco_http_requests_total", **labels)
            return value(after, "reco_http_requests_total", **labels) - (was[0][1] if was else 0)

        self.assertEqual(delta("/v1/{tenant}/status", "native", "GET", 200), 3)
        self.assertEqual(delta("/v1/{tenant}/items/{item}", "native", "GET", 404), 2)
        self.assertEqual(delta("/v1/{tenant}/recommend", "native", "GET", 400), 1)
        self.assertEqual(delta("other", "other", "GET", 404), 1)
        self.assertEqual(delta("/metrics", "other", "DELETE", 405), 1)
        self.assertEqual(delta("/v1/{tenant}/events", "native", "POST", 200), 1)
        self.assertEqual(delta("/metrics", "other", "GET", 200), 1)  # the first scrape
        # nothing else happened in between
        total = lambda s: sum(v for _, v in pick(s, "reco_http_requests_total"))  # noqa: E731
        self.assertEqual(total(after) - total(before), len(calls) + 1)

    def test_histograms_are_cumulative_and_count_every_request(self):
        c = self.cluster
        for _ in range(4):
            self.assertStatus(c.http("GET", "/v1/%s/status" % T), 200)
        _, samples = self.scrape()
        series = {}
        for name, labels, v in samples:
            if name.startswith("reco_http_request_duration_seconds"):
                series.setdefault((labels["route"], labels["dialect"]), []).append((name, labels.get("le"), v))
        self.assertIn(("/v1/{tenant}/status", "native"), series)
        for (route, dialect), lines in series.items():
            buckets = [(le, v) for n, le, v in lines if n.endswith("_bucket")]
            self.assertEqual(buckets[-1][0], "+Inf")
            bounds = [float(le) for le, _ in buckets[:-1]]
            self.assertEqual(bounds, sorted(bounds))
            counts = [v for _, v in buckets]
            self.assertEqual(counts, sorted(counts), (route, dialect))  # monotone
            count = [v for n, _, v in lines if n.endswith("_count")][0]
            total = [v for n, _, v in lines if n.endswith("_sum")][0]
            self.assertEqual(counts[-1], count)
            self.assertGreater(total, 0)
            requests = sum(v for _, v in pick(samples, "reco_http_requests_total", route=route, dialect=dialect))
            self.assertEqual(count, requests, (route, dialect))

    def test_pools_tenants_and_models(self):
        _, samples = self.scrape()
        self.assertEqual(value(samples, "reco_workers", pool="query"), 1)
        self.assertEqual(value(samples, "reco_workers", pool="ingest"), 1)
        self.assertEqual(value(samples, "reco_queue_depth", pool="query"), 0)
        self.assertEqual(value(samples, "reco_metrics_tenants_up"), 1)
        status = self.assertStatus(self.cluster.http("GET", "/v1/%s/status" % T), 200)
        for etype, n in status["events"].items():  # events posted by other tests count too
            self.assertEqual(value(samples, "reco_events_ingested_total", tenant=T, type=etype), n)
        self.assertGreaterEqual(value(samples, "reco_events_ingested_total", tenant=T, type="cart"), POSTED["cart"])
        for m in status["models"]:
            labels = dict(tenant=T, model=m["model"])
            self.assertEqual(value(samples, "reco_model_version", **labels), m["version"])
            self.assertEqual(value(samples, "reco_model_size", **labels), m["keys"])
            self.assertAlmostEqual(value(samples, "reco_model_build_duration_seconds", **labels),
                                   m["duration_ms"] / 1000, places=3)
            self.assertGreaterEqual(value(samples, "reco_model_age_seconds", **labels), 0)
        self.assertTrue(pick(samples, "reco_model_version", tenant=T, model="popular"))

    def test_promtool_accepts_a_real_scrape(self):
        promtool = shutil.which("promtool")
        self.assertIsNotNone(promtool, "promtool is missing: scripts/install-deps.sh installs Debian's prometheus")
        self.cluster.http("GET", "/v1/%s/items/nope" % T)  # some series of every kind
        text, _ = self.scrape()
        res = subprocess.run([promtool, "check", "metrics"], input=text.encode(), capture_output=True, timeout=30)
        self.assertEqual(res.returncode, 0, res.stdout.decode() + res.stderr.decode() + text[:2000])

    def test_request_ids(self):
        c = self.cluster
        status, headers, _ = c.http("GET", "/v1/%s/status" % T, headers={"X-Request-Id": "it-abc.123:x_y"})
        self.assertEqual(headers["x-request-id"], "it-abc.123:x_y")
        made = set()
        for bad in ("has space", "x" * 65, "quote\"d", None):
            extra = {"X-Request-Id": bad} if bad else {}
            status, headers, _ = c.http("GET", "/nowhere", headers=extra)
            self.assertEqual(status, 404)
            self.assertRegex(headers["x-request-id"], r"^[0-9a-f]{16}$")
            made.add(headers["x-request-id"])
        self.assertEqual(len(made), 4)  # a new id each time
        # every answer carries one: an error made before any dispatch, and a worker's 400
        status, headers, _ = c.http("GET", "/v1/%s/recommend?model=bogus" % T, headers={"X-Request-Id": "r-400"})
        self.assertEqual((status, headers["x-request-id"]), (400, "r-400"))


class MetricsWithoutQueryWorkers(ClusterTestCase):
    cluster_kwargs = {"query_workers": 1, "trainer": False}

    def test_gateway_metrics_still_served(self):
        c = self.cluster
        self.assertEqual(c.http("POST", "/v1/%s/events" % T, events())[0], 200)
        c.kill(c.query_procs[0])

        def scrape_without_workers():
            status, _, text = c.http("GET", "/metrics")
            samples = parse_metrics(text)
            return status == 200 and value(samples, "reco_workers", pool="query") == 0 and samples
        samples = wait_until(scrape_without_workers, what="the gateway dropping its query worker")
        self.assertEqual(value(samples, "reco_metrics_tenants_up"), 0)
        self.assertEqual(value(samples, "reco_workers", pool="ingest"), 1)
        self.assertFalse(pick(samples, "reco_events_ingested_total"))
        self.assertEqual(value(samples, "reco_http_requests_total", route="/v1/{tenant}/events", dialect="native",
                               method="POST", status="200"), 1)


class JsonLogs(unittest.TestCase):
    """Every process with --log-format json (RECO_LOG_FORMAT): every line parses, and a request's
    id is in the gateway's access line and in the query worker's line for its op."""

    def test_request_id_in_every_process_log(self):
        c = Cluster(query_workers=1, trainer=False, gateway_args=["--access-log"])
        c.env["RECO_LOG_FORMAT"] = "json"
        c.env["RECO_LOG_LEVEL"] = "debug"
        with c:
            self.assertEqual(c.http("POST", "/v1/%s/events" % T, events())[0], 200)
            rc, out = c.run_trainer_once(T)
            self.assertEqual(rc, 0, out)
            status, headers, _ = c.http("GET", "/v1/%s/status" % T, headers={"X-Request-Id": "jsonlog-42"})
            self.assertEqual((status, headers["x-request-id"]), (200, "jsonlog-42"))
            status, headers, _ = c.http("POST", "/v1/%s/events" % T, [{"user": "u", "item": "i", "type": "view"}],
                                        headers={"X-Request-Id": "jsonlog-ingest"})
            self.assertEqual((status, headers["x-request-id"]), (200, "jsonlog-ingest"))
            logs = {p.name: p.log_path for p in c.procs if p.name != "redis"}
            found = {}

            def lines(path):
                with open(path, encoding="utf-8") as f:
                    return [l for l in f.read().splitlines() if l and not l.startswith("=== ")]
            # the access line is written once the answer is: wait for it with a deadline
            # (both requests' lines: the ingest's may land after the status's)
            for rid in ("jsonlog-42", "jsonlog-ingest"):
                wait_until(lambda: any(rid in l for l in lines(logs["gateway"])), what="the access line of " + rid)
            for name, path in logs.items():
                for line in lines(path):
                    obj = json.loads(line)  # every line parses
                    for field in ("ts", "level", "process", "pid", "msg"):
                        self.assertIn(field, obj, line)
                    self.assertRegex(obj["ts"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
                    self.assertIn(obj["level"], ("debug", "info", "warn", "error"))
                    if obj.get("request_id"):
                        found.setdefault(obj["request_id"], set()).add(obj["process"])
            self.assertIn("gateway", found.get("jsonlog-42", set()), found)
            self.assertIn("query", found.get("jsonlog-42", set()), found)
            self.assertIn("gateway", found.get("jsonlog-ingest", set()), found)
            self.assertIn("ingestor", found.get("jsonlog-ingest", set()), found)
            access = [json.loads(l) for l in lines(logs["gateway"]) if "jsonlog-42" in l and "access" in l]
            self.assertTrue(any("GET /v1/{tenant}/status 200" in a["msg"] for a in access), access)
            trainer_lines = [l for l in out.splitlines() if l.strip() and not l.startswith("=== ")]
            self.assertTrue(trainer_lines)
            for line in trainer_lines:
                self.assertEqual(json.loads(line)["process"], "trainer")


if __name__ == "__main__":
    unittest.main()
