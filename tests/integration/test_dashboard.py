"""The dashboard at /dashboard/ (docs/dashboard.md), in a real browser against the real system.

- A tenant is seeded through the HTTP API: a catalogue, events of several types, a trainer run,
  a scenario with two A/B variants whose recommendations (real answers, forced onto each variant
  by split group) are rendered, clicked and bought citing their recommendation ids.
- Debian's headless Chromium, driven by playwright-core (tests/dashboard/drive.mjs, npm ci from
  the committed lock; no browser download), opens /dashboard/?tenant=..., waits with a deadline
  until the page has refreshed twice, and reports what it shows. The page must show exactly the
  numbers the API returns (events per type from GET /status, CTR per scenario and variant from
  GET /stats, the models of /status, the top items of the popular model), feed and draw both
  charts (each series' own pixels are counted on the canvas), report no error, and load nothing
  but the gateway's own URLs. A tenant name the API refuses shows every answer's error.
- With auth on (docs/auth.md): a key typed into the page is sent as Authorization: Bearer, kept
  in sessionStorage, never in a URL; without it the page shows the 401s, with a read key the 403s
  of /status and /stats.
- A screenshot of the page goes to <build>/artifacts/dashboard.png (build/artifacts/dashboard.png
  for the normal build; $RECO_ARTIFACTS_DIR overrides the directory).
- The static file server itself (gateway/reco_static.c): content types, ETag / Last-Modified and
  304s, HEAD, 405, and 404 for missing, hidden, traversing, symlinked and non-regular names, on a
  gateway started with --dashboard-dir pointing at a crafted directory.
Real processes on loopback (harness.py)."""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BUILD_DIR, HOST, REPO, ClusterTestCase  # noqa: E402

DRIVER_DIR = os.path.join(REPO, "tests", "dashboard")
ARTIFACTS = os.environ.get("RECO_ARTIFACTS_DIR") or os.path.join(BUILD_DIR, "artifacts")
SCREENSHOT = os.path.join(ARTIFACTS, "dashboard.png")
T = "dashshop"
ITEMS = ["tent", "stove", "lamp", "mat", "bag", "boots", "jacket", "socks", "gloves", "map", "rope", "cup"]
# (type, how many) of the plain events; users and items rotate so that popular has clear ranks
PLAIN = [("view", 41), ("cart", 9), ("purchase", 5), ("bookmark", 3)]
USERS = 8  # each asks the scenario once; even users get variant A, odd users B
PRICE = 12.5


def plain_events():
    events = []
    for kind, n in PLAIN:
        for k in range(n):
            item = ITEMS[(k * k + len(kind)) % 7]  # only the first 7 items: popular has a tail of 0
            events.append({"user": "u%d" % (k % 11), "item": item, "type": kind})
    return events


def run_driver(*visits, timeout_ms=20000):
    """Runs tests/dashboard/drive.mjs: one browser, one visit per dict {url, refreshes, key?,
    screenshot?}. Returns (exit code, [report per visit], stderr)."""
    subprocess.run(["bash", os.path.join(DRIVER_DIR, "install.sh")], check=True, timeout=600)
    for v in visits:
        if v.get("screenshot"):
            os.makedirs(os.path.dirname(v["screenshot"]), exist_ok=True)
    spec = json.dumps({"timeout_ms": timeout_ms, "visits": list(visits)})
    res = subprocess.run(["node", os.path.join(DRIVER_DIR, "drive.mjs"), spec], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=180)
    out, err = res.stdout.decode("utf-8", "replace"), res.stderr.decode("utf-8", "replace")
    try:
        reports = json.loads(out.strip().splitlines()[-1])["visits"]
    except (ValueError, IndexError, KeyError):
        raise AssertionError("the driver printed no report (exit %d):\n%s\n%s" % (res.returncode, out, err))
    return res.returncode, reports, err


class DashboardPage(ClusterTestCase):
    cluster_kwargs = {"trainer": False}

    @classmethod
    def setUpData(cls):
        c = cls.cluster
        cls.sent = {}

        def post_events(events):
            status, _, body = c.http("POST", "/v1/%s/events" % T, events)
            assert status == 200 and body.get("stored") == len(events), (status, body)
            for e in events:
                cls.sent[e["type"]] = cls.sent.get(e["type"], 0) + 1

        assert c.http("PUT", "/v1/%s/items" % T, [{"id": i, "title": i.title()} for i in ITEMS])[0] == 200
        assert c.http("PUT", "/v1/%s/actions/rendered" % T, {"weight": 0})[0] == 200
        post_events(plain_events())
        rc, out = c.run_trainer_once(T)
        assert rc == 0, out
        scenario = {"model": "popular", "limit": 3,
                    "variants": [{"name": "A", "weight": 1}, {"name": "B", "weight": 1, "limit": 2}]}
        status, _, body = c.http("PUT", "/v1/%s/scenarios/home" % T, scenario)
        assert status in (200, 201), (status, body)
        # each user sees the scenario's answer (every item rendered), clicks some, buys a few
        cls.expect = {}
        for k in range(USERS):
            variant = "AB"[k % 2]
            status, _, body = c.http("GET", "/v1/%s/recommend/home?user=u%d&split_group=%s" % (T, k, variant))
            assert status == 200 and body.get("recommendation_id"), (status, body)
            rid, shown = body["recommendation_id"], [r["item"] for r in body["recommendations"]]
            assert shown, body
            events = [{"user": "u%d" % k, "item": i, "type": "rendered", "recommendation": rid} for i in shown]
            clicked = k % 3 != 0
            if clicked:
                events.append({"user": "u%d" % k, "item": shown[0], "type": "click", "recommendation": rid})
            bought = k % 4 == 1
            if bought:
                events.append({"user": "u%d" % k, "item": shown[0], "type": "purchase", "recommendation": rid,
                               "price": PRICE, "quantity": 2})
            post_events(events)
            e = cls.expect.setdefault(variant, {"impressions": 0, "clicks": 0, "conversions": 0, "revenue": 0.0})
            e["impressions"] += len(shown)
            e["clicks"] += clicked
            e["conversions"] += bought
            e["revenue"] += PRICE * 2 * bought
        base = "http://%s:%d/dashboard" % (HOST, c.http_port)
        cls.rc, (cls.report, cls.bad_report), cls.stderr = run_driver(
            {"url": base + "/?tenant=%s&refresh=2" % T, "refreshes": 2, "screenshot": SCREENSHOT},
            # a tenant name the API refuses: the page asks /v1/bad%20tenant!/..., every answer an error
            {"url": base + "?tenant=bad%20tenant!&refresh=60", "refreshes": 1})
        # the API's answers, read after the page's: nothing changes the tenant in between
        cls.status = cls.get("/v1/%s/status" % T)
        cls.stats = cls.get("/v1/%s/stats" % T)
        cls.popular = cls.get("/v1/%s/recommend?model=popular&limit=10" % T)

    @classmethod
    def get(cls, path):
        status, _, body = cls.cluster.http("GET", path)
        assert status == 200, (path, status, body)
        return body

    def setUp(self):
        self.assertEqual(self.rc, 0, "the page did not finish its refreshes: %r\n%r\n%s"
                         % (self.report, self.bad_report, self.stderr))

    def test_page_loaded_without_errors_and_only_from_the_gateway(self):
        r = self.report
        self.assertEqual(r["state"], "ready", r["status_line"])
        self.assertGreaterEqual(r["refresh_count"], 2)
        self.assertEqual(r["tenant_input"], T)
        self.assertEqual(r["errors"], {"events": None, "ctr": None, "models": None, "top": None})
        self.assertEqual(r["page_errors"], [])
        self.assertEqual(r["console_errors"], [])
        self.assertEqual(r["failed_requests"], [])
        self.assertEqual(r["foreign_requests"], [])
        origin = "http://%s:%d/" % (HOST, self.cluster.http_port)
        for path in ("dashboard/uPlot.iife.min.js", "dashboard/dashboard.js", "v1/%s/status" % T,
                     "v1/%s/stats" % T, "v1/%s/recommend?model=popular&limit=10" % T):
            self.assertIn("GET " + origin + path, r["requests"])

    def test_events_per_type_are_the_apis(self):
        rows = {row["type"]: row for row in self.report["events"]}
        self.assertEqual(sorted(rows), sorted(self.status["events"]))
        self.assertEqual({t: int(row["total"]) for t, row in rows.items()}, self.status["events"])
        self.assertEqual(self.status["events"], self.sent)  # and the API counted what was sent
        recent = {}
        for minute in self.status["events_per_minute"]:
            for t, n in minute["counts"].items():
                recent[t] = recent.get(t, 0) + n
        self.assertEqual({t: int(row["recent"]) for t, row in rows.items()}, {t: recent.get(t, 0) for t in rows})
        self.assertEqual(recent, self.sent)  # all sent in the last minutes
        for t, row in rows.items():  # the text shows the same numbers
            self.assertIn("{:,}".format(self.sent[t]), row["text"])
        chart = self.report["charts"]["events"]
        self.assertEqual(chart["series"], sorted(self.sent))
        self.assertEqual(chart["points"], len(self.status["events_per_minute"]))
        self.assertEqual(chart["legend"][1:], sorted(self.sent))
        self.assertGreater(chart["canvas"]["width"], 200)
        self.assertGreater(chart["painted"], 2000, "the events chart is (nearly) empty: %r" % chart)
        self.assertEqual(dict(zip(chart["series"], chart["sums"])), recent)  # the chart was given the API's numbers
        # and drew them: every line rises to its count in the minute the events came in (the lines
        # overlap where they are 0, so only a few pixels of each are its own)
        for t, pixels in zip(chart["series"], chart["by_series"]):
            self.assertGreater(pixels, 3, "no line of %s in the events chart: %r" % (t, chart))

    def test_ctr_per_variant_is_the_apis(self):
        totals = {}
        for row in self.stats["stats"]:
            t = totals.setdefault((row["scenario"], row["variant"]),
                                  {"impressions": 0, "clicks": 0, "conversions": 0, "revenue": 0.0})
            for k in t:
                t[k] += row[k]
        self.assertEqual(sorted(totals), [("home", "A"), ("home", "B")], self.stats)
        for variant in "AB":  # the API attributed what was sent
            got = totals[("home", variant)]
            self.assertEqual({k: got[k] for k in ("impressions", "clicks", "conversions")},
                             {k: self.expect[variant][k] for k in ("impressions", "clicks", "conversions")})
            self.assertAlmostEqual(got["revenue"], self.expect[variant]["revenue"], places=6)
        rows = {(row["scenario"], row["variant"]): row for row in self.report["ctr"]}
        self.assertEqual(sorted(rows), sorted(totals))
        for key, t in totals.items():
            row = rows[key]
            self.assertEqual(int(row["impressions"]), t["impressions"], key)
            self.assertEqual(int(row["clicks"]), t["clicks"], key)
            self.assertEqual(int(row["conversions"]), t["conversions"], key)
            self.assertAlmostEqual(float(row["revenue"]), t["revenue"], places=6)
            ctr = t["clicks"] / t["impressions"]
            self.assertAlmostEqual(float(row["ctr"]), ctr, places=12, msg=key)
            self.assertIn("%.2f %%" % (100 * ctr), row["text"])
        chart = self.report["charts"]["ctr"]
        self.assertEqual(chart["series"], ["home / A", "home / B"])
        self.assertEqual(chart["points"], len({row["day"] for row in self.stats["stats"]}))
        per_day = {}
        for row in self.stats["stats"]:
            d = per_day.setdefault("%s / %s" % (row["scenario"], row["variant"]), {}).setdefault(row["day"], [0, 0])
            d[0] += row["clicks"]
            d[1] += row["impressions"]
        for label, got in zip(chart["series"], chart["sums"]):  # the chart was given the API's CTR per day
            want = sum(100 * c / i for c, i in per_day[label].values() if i)
            self.assertAlmostEqual(got, want, places=9, msg=label)
        for label, pixels in zip(chart["series"], chart["by_series"]):  # each variant's points are drawn
            self.assertGreater(pixels, 5, "no point of %s in the CTR chart: %r" % (label, chart))

    def test_models_are_the_apis(self):
        rows = {row["model"]: row for row in self.report["models"]}
        self.assertIn("popular", rows)
        self.assertEqual(sorted(rows), sorted(m["model"] for m in self.status["models"]))
        for m in self.status["models"]:
            row = rows[m["model"]]
            self.assertEqual(int(row["version"]), m["version"], m)
            self.assertEqual(int(row["builtAt"]), m["built_at"], m)
            self.assertEqual(int(row["keys"]), m["keys"], m)
            self.assertEqual(float(row["durationMs"]), float(m["duration_ms"]), m)
            self.assertLessEqual(abs(float(row["ageS"]) - m["age_s"]), 30, m)  # read a moment apart

    def test_top_items_are_the_apis(self):
        want = [(r["item"], r["score"]) for r in self.popular["recommendations"]]
        self.assertGreaterEqual(len(want), 5, self.popular)
        self.assertEqual([(r["item"], float(r["score"])) for r in self.report["top"]], want)
        for r, (item, _) in zip(self.report["top"], want):
            self.assertTrue(r["text"].startswith(item), r)

    def test_errors_of_the_api_are_shown(self):
        # an API error is shown in the section that needed the answer, not swallowed
        report = self.bad_report
        self.assertEqual(report["tenant_input"], "bad tenant!")
        self.assertEqual(report["state"], "error", report["status_line"])
        self.assertIn("3 of 3 requests failed", report["status_line"])
        for section, path in (("events", "/status"), ("models", "/status"), ("ctr", "/stats"),
                              ("top", "/recommend?model=popular&limit=10")):
            path = "/v1/bad%20tenant!" + path
            status, _, body = self.cluster.http("GET", path)
            self.assertGreaterEqual(status, 400, body)
            self.assertEqual(report["errors"][section], "GET %s → %d %s: %s" % (
                path, status, body["error"]["code"], body["error"]["message"]), section)
        self.assertEqual((report["events"], report["ctr"], report["models"], report["top"]), ([], [], [], []))

    def test_screenshot_saved(self):
        self.assertEqual(self.report["screenshot"], SCREENSHOT)
        with open(SCREENSHOT, "rb") as f:
            head = f.read(24)
        self.assertEqual(head[:8], b"\x89PNG\r\n\x1a\n")
        width = int.from_bytes(head[16:20], "big")
        self.assertGreaterEqual(width, 1000)
        self.assertGreater(os.path.getsize(SCREENSHOT), 20000)


class DashboardWithKeys(ClusterTestCase):
    """With auth on (docs/auth.md), the key typed into the page is sent as Authorization: Bearer
    on every API request, kept in sessionStorage and never put in the URL; the page itself needs
    no key. Without a key the page shows the 401s; a write key sees everything; a read key only
    the top items, and the page shows the 403s of /status and /stats."""
    ADMIN = "admin-key-for-the-dashboard-test-0123"
    cluster_kwargs = {"trainer": False, "query_workers": 1, "admin_key": ADMIN}
    TENANT = "keyed"

    @classmethod
    def setUpData(cls):
        c, admin = cls.cluster, {"Authorization": "Bearer " + cls.ADMIN}
        cls.prepare(c, admin)
        url = "http://%s:%d/dashboard/?tenant=%s&refresh=60" % (HOST, c.http_port, cls.TENANT)
        cls.rc, reports, cls.stderr = run_driver({"url": url, "key": cls.keys["write"]},
                                                 {"url": url, "key": cls.keys["read"]})
        cls.reports = dict(zip(("write", "read"), reports))

    @classmethod
    def prepare(cls, c, admin):
        assert c.http("POST", "/admin/tenants", {"tenant": cls.TENANT}, headers=admin)[0] == 201
        cls.keys = {}
        for role in ("read", "write"):
            status, _, body = c.http("POST", "/admin/tenants/%s/keys" % cls.TENANT, {"role": role}, headers=admin)
            assert status == 201, (status, body)
            cls.keys[role] = body["key"]
        events = [{"user": "u%d" % k, "item": "i%d" % (k % 3), "type": "view"} for k in range(7)]
        status, _, body = c.http("POST", "/v1/%s/events" % cls.TENANT, events,
                                 headers={"Authorization": "Bearer " + cls.keys["write"]})
        assert status == 200, (status, body)

    def drive(self, role):
        report = self.reports[role]
        self.assertEqual(self.rc, 0, (report, self.stderr))
        self.assertTrue(report["api_auth"], report)
        return report

    def test_write_key_sees_everything(self):
        key = self.keys["write"]
        r = self.drive("write")
        self.assertEqual(r["state"], "ready", (r["status_line"], r["errors"]))
        self.assertEqual({row["type"]: int(row["total"]) for row in r["events"]}, {"view": 7})
        self.assertEqual(r["session_key"], key)
        self.assertNotIn(key, r["location"])
        after = r["api_auth"][-3:]  # the refresh after the key was typed: every request carries it
        self.assertEqual([a for _, a in after], ["Bearer " + key] * 3, after)
        self.assertFalse(any(key in url for url in r["requests"]), "the key went into a URL")
        # before the key was typed, the page had asked without one and showed the 401s
        before = r["before_key"]
        self.assertEqual([a for _, a in r["api_auth"][:3]], [None] * 3)
        status, _, body = self.cluster.http("GET", "/v1/%s/status" % self.TENANT)
        self.assertEqual(status, 401, body)
        self.assertEqual(before["errors"]["events"], "GET /v1/%s/status → 401 %s: %s" % (
            self.TENANT, body["error"]["code"], body["error"]["message"]))
        self.assertIn("3 of 3 requests failed", before["status_line"])
        self.assertEqual(before["events"], [])

    def test_read_key_sees_the_403s(self):
        r = self.drive("read")
        self.assertEqual(r["state"], "error", r["status_line"])
        for section, path in (("events", "/status"), ("ctr", "/stats")):
            status, _, body = self.cluster.http("GET", "/v1/%s%s" % (self.TENANT, path),
                                                headers={"Authorization": "Bearer " + self.keys["read"]})
            self.assertEqual(status, 403, body)
            self.assertEqual(r["errors"][section], "GET /v1/%s%s → 403 %s: %s" % (
                self.TENANT, path, body["error"]["code"], body["error"]["message"]))
        self.assertIsNone(r["errors"]["top"])


class StaticFiles(ClusterTestCase):
    """reco_static.c on a crafted --dashboard-dir: what is served, how, and what never is."""
    tmp = tempfile.mkdtemp(prefix="reco-static-")
    cluster_kwargs = {"trainer": False, "query_workers": 1, "gateway_args": ["--dashboard-dir", tmp]}
    FILES = {"index.html": b"<!doctype html><title>x</title>", "app.js": b"console.log(1);\n",
             "style.css": b"body{}\n", "data.json": b"{}", "blob.bin": b"\x00\x01"}

    @classmethod
    def setUpData(cls):
        for name, data in cls.FILES.items():
            with open(os.path.join(cls.tmp, name), "wb") as f:
                f.write(data)
        with open(os.path.join(cls.tmp, ".hidden"), "w") as f:
            f.write("secret")
        os.mkdir(os.path.join(cls.tmp, "sub"))
        with open(os.path.join(cls.tmp, "sub", "inner.txt"), "w") as f:
            f.write("inner")
        cls.outside = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False)
        cls.outside.write("outside the directory")
        cls.outside.close()
        os.symlink(cls.outside.name, os.path.join(cls.tmp, "link.txt"))
        os.mkfifo(os.path.join(cls.tmp, "fifo.txt"))

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            if getattr(cls, "outside", None):
                os.unlink(cls.outside.name)

    def test_files_with_their_content_types(self):
        types = {"index.html": "text/html; charset=utf-8", "app.js": "text/javascript; charset=utf-8",
                 "style.css": "text/css; charset=utf-8", "data.json": "application/json",
                 "blob.bin": "application/octet-stream"}
        for name, ctype in types.items():
            status, headers, _ = self.cluster.http("GET", "/dashboard/" + name)
            self.assertEqual(status, 200, name)
            self.assertEqual(headers["content-type"], ctype, name)
            self.assertEqual(headers["x-content-type-options"], "nosniff")
            self.assertEqual(headers["cache-control"], "no-cache")
            self.assertEqual(int(headers["content-length"]), len(self.FILES[name]))
        for path in ("/dashboard/", "/dashboard", "/dashboard/?tenant=x"):
            status, headers, body = self.cluster.http("GET", path)
            self.assertEqual((status, body), (200, self.FILES["index.html"].decode()), path)
            self.assertIn("default-src 'none'", headers["content-security-policy"])

    def test_conditional_requests(self):
        status, headers, _ = self.cluster.http("GET", "/dashboard/app.js")
        etag, modified = headers["etag"], headers["last-modified"]
        self.assertRegex(etag, r'^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$')
        self.assertEqual(self.cluster.http("GET", "/dashboard/app.js", headers={"If-None-Match": etag})[:1], (304,))
        status, headers, body = self.cluster.http("GET", "/dashboard/app.js",
                                                  headers={"If-None-Match": 'W/"x", ' + etag})
        self.assertEqual((status, body, headers["etag"]), (304, "", etag))
        self.assertEqual(self.cluster.http("GET", "/dashboard/app.js", headers={"If-None-Match": '"other"'})[0], 200)
        self.assertEqual(self.cluster.http("GET", "/dashboard/app.js", headers={"If-Modified-Since": modified})[0],
                         304)
        self.assertEqual(self.cluster.http("GET", "/dashboard/app.js",
                                           headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0], 200)
        # If-None-Match wins over If-Modified-Since (RFC 9110)
        self.assertEqual(self.cluster.http("GET", "/dashboard/app.js", headers={
            "If-None-Match": '"other"', "If-Modified-Since": modified})[0], 200)

    def test_head_and_other_methods(self):
        status, headers, body = self.cluster.http("HEAD", "/dashboard/app.js")
        self.assertEqual((status, body), (200, ""))
        self.assertEqual(int(headers["content-length"]), len(self.FILES["app.js"]))
        self.assertEqual(headers["content-type"], "text/javascript; charset=utf-8")
        with socket.create_connection((HOST, self.cluster.http_port), timeout=5) as s:  # no body on the wire
            s.sendall(b"HEAD /dashboard/app.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            raw = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                raw += chunk
        head, _, rest = raw.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 200"), raw)
        self.assertEqual(rest, b"")
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            for path in ("/dashboard/app.js", "/dashboard/", "/dashboard/missing.js"):
                resp = self.cluster.http(method, path, body={} if method != "DELETE" else None)
                self.assertError(resp, 405, "method_not_allowed")
                self.assertEqual(resp[1]["allow"], "GET, HEAD")

    def test_what_is_never_served(self):
        for path in ("/dashboard/missing.js", "/dashboard/.hidden", "/dashboard/%2ehidden", "/dashboard/sub",
                     "/dashboard/sub/inner.txt", "/dashboard/sub%2Finner.txt", "/dashboard/..%2F..%2Fetc%2Fpasswd",
                     "/dashboard/%2e%2e", "/dashboard/link.txt", "/dashboard/fifo.txt", "/dashboard//",
                     "/dashboard/a%00b", "/dashboard/" + "x" * 129):
            status, headers, body = self.cluster.http("GET", path)
            self.assertIn(status, (400, 404), (path, status, body))
            self.assertIsInstance(body, dict, (path, body))
            self.assertIn("error", body, path)
            self.assertNotIn("outside the directory", json.dumps(body))
            self.assertNotIn("inner", json.dumps(body).replace("inner.txt", ""))


if __name__ == "__main__":
    unittest.main(verbosity=2)
