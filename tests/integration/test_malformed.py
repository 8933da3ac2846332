"""Malformed requests against the live gateway (issue 8, "Bad input"; docs/fuzzing.md has the
fuzzers that check the same code in-process).

Every request here is wrong: bad JSON, bad UTF-8 (in bodies, paths and query strings), invalid
percent-encoding, ids over the documented limits, nesting 10,000 levels deep, wrong types for
every field of the events, items and recommend bodies, negative and huge limits, unknown tenants
and scenarios, bodies over --max-body-bytes, empty bodies, wrong content types, on the native API
and on every dialect's routes. Each answer must be a 4xx whose body is
{"error": {"code": ..., "message": <non-empty>}}, the message naming the field where there is
one; no answer may be a 5xx. Afterwards every process still runs with the PID it started with
and /healthz is 200.

Requests go over a raw socket (http.client refuses non-ASCII bytes in a request line).

Known limitation (asserted, documented in docs/fuzzing.md): a body over twice --max-body-bytes
plus 64 KiB is cut off by libevent itself before reco sees it; libevent answers 413 with its
own HTML body and closes the connection. Bodies between the limit and that cut-off get reco's
JSON 413."""

import json
import os
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import HOST, ClusterTestCase  # noqa: E402

T = "bad"
MAX_BODY = 16384
GOOD_EVENT = {"user": "u1", "item": "i1", "type": "view"}
GOOD_ITEM = {"id": "i1", "title": "Tent"}


def raw_request(port, method, target, body=b"", headers=None, timeout=10.0):
    """One request on its own connection, bytes as given. Returns (status, {header: value}, body)."""
    hdrs = {"Host": "%s:%d" % (HOST, port), "Connection": "close"}
    if body:
        hdrs["Content-Type"] = "application/json"
    hdrs.update(headers or {})
    if body or method in ("POST", "PUT", "PATCH"):
        hdrs["Content-Length"] = str(len(body))
    head = method.encode() + b" " + target + b" HTTP/1.1\r\n"
    head += b"".join(b"%s: %s\r\n" % (k.encode(), v.encode()) for k, v in hdrs.items()) + b"\r\n"
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        try:
            s.sendall(head + body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer (413) and close before reading everything
        data = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
    rh = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        rh[k.strip().lower()] = v.strip()
    return status, rh, rest


class Raw:
    """JSON text put into a body as it is (json.dumps recurses, so deep nesting is written here)."""

    def __init__(self, text):
        self.text = text


def nested(depth):
    return Raw("[" * depth + "1" + "]" * depth)


def dumps(value):
    """json.dumps that writes Raw values as their text."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, dict):
        return "{" + ",".join("%s:%s" % (json.dumps(k), dumps(v)) for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    return json.dumps(value)


def wrong_values(field):
    """Values of the wrong type (or out of range) for a field of an event, item or request body."""
    ids = [[1], {"a": 1}, True, 1.5, "", "x" * 257, "a\u0001b"]
    table = {
        "user": ids, "item": ids, "session": ids, "order": ids, "id": ids,
        "type": [5, [], {}, True, "", "no such type!", "x" * 40],
        "timestamp": ["soon", [], {}, True, -5, "1013-11-27T05:30:55Z", 1e300],
        "value": ["5", [], {}, -1, 6, 1e300],
        "quantity": [0, -1, 1e9, "2", [], 1.5],
        "price": [-1, "x", [], {}],
        "recommendation": [[], {}, True, 1.5, "x" * 5000],
        "properties": ["x", [1], 5, {"a": {"b": {"c": 1}}}, {"a": "x" * 5000}],
        "title": [5, [], {}, True],
        "categories": ["x", 5, [5], [{}], [[]], [True]],
        "attributes": ["x", 5, [1], {"a": nested(100)}],
        "hidden": ["yes", 5, [], {}],
        "items": [{}, True, [[]], [{}], ["x" * 257], ["i%d" % i for i in range(500)]],
        "categories_request": ["x" * 300, 5, [5], [""]],
        "limit": [-1, 0, 51, 2 ** 62, "ten", [], 1.5],
        "offset": [-1, 1001, "x", 2 ** 62],
        "filters": ["x", 5, {}, [5], [{"price": {"min": "x"}}], [{"a": 1, "b": 2}], [{"similar_to": "x"}]],
        "pscore": ["x", [], {}, True],
        "split_group": [[], {}, True, "x" * 100],
    }
    return table[field]


class Malformed(ClusterTestCase):
    cluster_kwargs = {"query_workers": 1, "trainer": False,
                      "gateway_args": ["--max-body-bytes", str(MAX_BODY)]}

    @classmethod
    def setUpData(cls):
        c = cls.cluster
        c.wait_healthy()
        cls.pids = {p.name: p.pid for p in c.procs if p.alive()}
        status, _, _ = c.http("PUT", "/v1/%s/scenarios/home" % T, {"model": "popular"})
        assert status in (200, 201), status
        cls.answers = 0

    def send(self, method, target, body=b"", headers=None):
        if isinstance(target, str):
            target = target.encode()
        if isinstance(body, (dict, list, Raw)):
            body = dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        return raw_request(self.cluster.http_port, method, target, body, headers)

    def assertJsonError(self, answer, what, mentions=None, status=None):
        code, headers, raw = answer
        type(self).answers += 1
        self.assertTrue(400 <= code < 500, "%s: answered %d: %r" % (what, code, raw[:300]))
        if status is not None:
            self.assertEqual(code, status, "%s: %r" % (what, raw[:300]))
        self.assertIn("json", headers.get("content-type", ""), "%s: Content-Type %r" % (what, headers))
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            self.fail("%s: %d with a body that is not JSON (%s): %r" % (what, code, e, raw[:300]))
        err = doc.get("error") if isinstance(doc, dict) else None
        self.assertIsInstance(err, dict, "%s: %r" % (what, doc))
        self.assertIsInstance(err.get("code"), str, "%s: %r" % (what, doc))
        self.assertTrue(isinstance(err.get("message"), str) and err["message"], "%s: %r" % (what, doc))
        if mentions:
            self.assertIn(mentions, err["message"], "%s: the message does not name %s" % (what, mentions))
        return err

    def check(self, method, target, body=b"", mentions=None, status=None, headers=None):
        with self.subTest(method=method, target=target[:120], body=repr(body)[:120]):
            self.assertJsonError(self.send(method, target, body, headers),
                                 "%s %r" % (method, target[:120]), mentions, status)

    def check_bulk(self, body, mentions):
        """The bulk route answers 200 with one result per request: the bad one a 4xx error."""
        with self.subTest(route="bulk", body=repr(body)[:120]):
            code, _, raw = self.send("POST", "/v1/%s/recommend/bulk" % T, body)
            type(self).answers += 1
            if 400 <= code < 500:  # the body as a whole was refused
                self.assertJsonError((code, _, raw), "bulk", mentions)
                return
            self.assertEqual(code, 200, raw[:300])
            r = json.loads(raw)["responses"][0]
            self.assertTrue(400 <= r["status"] < 500, r)
            self.assertTrue(r["error"]["code"] and r["error"]["message"], r)
            self.assertIn(mentions, r["error"]["message"])

    # -- bodies ------------------------------------------------------------------------------
    BODY_ROUTES = [("POST", "/v1/%s/events" % T), ("POST", "/v1/%s/transactions" % T),
                   ("PUT", "/v1/%s/items" % T), ("PUT", "/v1/%s/users" % T),
                   ("PUT", "/v1/%s/scenarios/s1" % T), ("POST", "/v1/%s/recommend/home" % T),
                   ("POST", "/v1/%s/recommend/bulk" % T), ("POST", "/v1/%s/resort" % T),
                   ("PUT", "/v1/%s/actions/wish" % T),
                   ("POST", "/compat/aegeria/%s/transaction/bulk" % T),
                   ("POST", "/compat/advisable/%s/v1/views" % T),
                   ("POST", "/compat/advisable/%s/v1/purchases/batch" % T),
                   ("PUT", "/compat/advisable/%s/v1/users/u1" % T),
                   ("POST", "/compat/gravity/%s/addEvents" % T), ("POST", "/compat/gravity/%s/addItems" % T),
                   ("POST", "/compat/gravity/%s/updateItems" % T), ("POST", "/compat/gravity/%s/addUsers" % T),
                   ("POST", "/compat/gravity/%s/getItemRecommendation" % T),
                   ("POST", "/compat/gravity/%s/getItemRecommendationBulk" % T)]

    def test_bad_json_bad_utf8_deep_nesting(self):
        bad = [b"not json", b'{"user": "u1", "item": ', b"[1,]", b"\xff\xfe{}", b'{"user":"\xff\xfe"}',
               b'[{"user":"u\xc3\x28","item":"i","type":"view"}]', b"[" * 10000, b'{"a":' * 10000,
               b"\x00", b"{}" * 3, b'{"a":1,"a":2}']
        for method, route in self.BODY_ROUTES:
            for body in bad:
                self.check(method, route, body)

    def test_empty_bodies(self):
        for method, route in self.BODY_ROUTES:
            self.check(method, route, b"", headers={"Content-Length": "0"})

    def test_wrong_content_type(self):
        """A form or text body is not JSON: 400 invalid_json, whatever the Content-Type says."""
        for method, route in self.BODY_ROUTES:
            self.check(method, route, b"user=u1&item=i1&type=view",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
            self.check(method, route, b"<event user='u1'/>", headers={"Content-Type": "text/xml"})

    def test_nesting_within_json_limits(self):
        """Deep but parseable values in free-form fields: a 4xx, never the 500 of an op that cannot
        be encoded for its worker (the wire's depth limit is 32)."""
        for depth in (20, 40, 100, 1000):
            self.check("PUT", "/v1/%s/items" % T, [{"id": "i1", "attributes": {"a": nested(depth)}}])
            self.check("POST", "/v1/%s/events" % T, [dict(GOOD_EVENT, properties={"a": nested(depth)})])
            self.check("PUT", "/v1/%s/users" % T, [{"id": "u1", "attributes": {"a": nested(depth)}}])
            self.check("PUT", "/v1/%s/scenarios/s1" % T, {"model": "popular", "filters": [{"a": nested(depth)}]})
            self.check("POST", "/v1/%s/recommend/home" % T, {"user": "u1", "filters": nested(depth)})
            self.check("POST", "/compat/gravity/%s/addItems" % T,
                       [{"itemId": "i1", "nameValues": [{"name": "a", "value": nested(depth)}]}])

    def test_wrong_types_in_events(self):
        for field in ["user", "item", "type", "timestamp", "value", "quantity", "price", "order", "session",
                      "recommendation", "properties", "id"]:
            base = dict(GOOD_EVENT, type="rating", value=3) if field == "value" else dict(GOOD_EVENT)
            for v in wrong_values(field):
                self.check("POST", "/v1/%s/events" % T, [dict(base, **{field: v})], mentions=field)
        for field in ["user", "item", "type"]:
            self.check("POST", "/v1/%s/events" % T, [{k: v for k, v in GOOD_EVENT.items() if k != field}],
                       mentions=field)

    def test_wrong_types_in_items(self):
        for field in ["id", "title", "categories", "attributes", "hidden"]:
            for v in wrong_values(field):
                self.check("PUT", "/v1/%s/items" % T, [dict(GOOD_ITEM, **{field: v})], mentions=field)

    def test_wrong_types_in_recommend(self):
        fields = {"user": "user", "session": "session", "items": "items", "categories": "categories_request",
                  "limit": "limit", "offset": "offset", "filters": "filters", "pscore": "pscore",
                  "split_group": "split_group"}
        for field, kind in fields.items():
            for v in wrong_values(kind):
                if field == "categories" and isinstance(v, str):
                    v = [v]
                body = {"user": "u1", field: v}
                self.check("POST", "/v1/%s/recommend/home" % T, body, mentions=field)
                self.check_bulk({"requests": [dict(body, scenario="home")]}, field)

    # -- limits, ids, tenants ------------------------------------------------------------------
    def test_limits(self):
        for bad in ["-1", "0", "51", "99999999999999999999999", "ten", "1.5", "", "%00"]:
            self.check("GET", "/v1/%s/recommend/home?limit=%s" % (T, bad), mentions="limit")
            self.check("GET", "/v1/%s/recommend?model=popular&limit=%s" % (T, bad), mentions="limit")
            self.check("GET", "/compat/tastehit/api/%s/v1/home/r?limit=%s" % (T, bad), mentions="limit")
            self.check("GET", "/compat/aegeria/%s/recommendation/bought-with?item=i1&limit=%s" % (T, bad))
            self.check("GET", "/compat/gravity/%s/getItemRecommendation?scenarioId=home&numberLimit=%s" % (T, bad))
            self.check("GET", "/compat/yoochoose/api/v2/%s/u1/home.json?numrecs=%s" % (T, bad))
        for bad in ["-1", "1001", "x"]:
            self.check("GET", "/v1/%s/recommend/home?offset=%s" % (T, bad), mentions="offset")
        for bad in ["-1", "0", "1001", "99999999999999999999999", "x"]:  # listings: 1..1000
            self.check("GET", "/v1/%s/users/u1/events?limit=%s" % (T, bad), mentions="limit")

    def test_huge_ids(self):
        big = "x" * 257
        self.check("GET", "/v1/%s/items/%s" % (T, big))
        self.check("GET", "/v1/%s/users/%s/events" % (T, big))
        self.check("GET", "/v1/%s/recommend?model=item-to-item&item=%s" % (T, big), mentions="item")
        self.check("GET", "/v1/%s/recommend/home?user=%s" % (T, big), mentions="user")
        self.check("POST", "/v1/%s/events" % T, [dict(GOOD_EVENT, user=big)], mentions="user")
        self.check("GET", "/v1/%s/recommend/home" % ("t" * 65), mentions="tenant")
        self.check("GET", "/v1/%s/scenarios/%s" % (T, "s" * 65))
        self.check("POST", "/compat/tastehit/api/%s/v1/interaction/%s/i1/view" % (T, big))
        self.check("GET", "/compat/advisable/%s/v1/users/%s/views" % (T, big))
        self.check("GET", "/compat/yoochoose/api/%s/click/%s/1/i1" % (T, big))
        self.check("GET", "/compat/aegeria/%s/recommendation/by-similar-customers?customer=%s" % (T, big))
        self.check("GET", "/compat/gravity/%s/getUser?userId=%s" % (T, big))
        self.check("GET", "/v1/%s/recommend/home?%s" % (T, "&".join("items=i%d" % i for i in range(500))))
        self.check("GET", "/v1/%s/items/%s" % (T, "y" * 20000))

    def test_unknown_tenant_scenario_route(self):
        self.check("GET", "/v1/%s/recommend/nosuch?user=u1" % T, status=404)
        self.check("GET", "/v1/%s/scenarios/nosuch" % T, status=404)
        self.check("GET", "/v1/bad!tenant/recommend/home", mentions="tenant")
        self.check("GET", "/v1/%s/recommend?model=nosuch" % T, mentions="model")
        self.check("GET", "/v1/%s/nosuch" % T, status=404)
        self.check("GET", "/compat/nosuch/x", status=404)
        self.check("GET", "/compat/tastehit/api/%s/v1/nosuch/r" % T)  # 400 unknown_widget
        self.check("GET", "/compat/gravity/%s/getItemRecommendation?scenarioId=nosuch" % T)
        self.check("GET", "/compat/yoochoose/api/v2/%s/u1/nosuch.json" % T)
        self.check("POST", "/compat/tastehit/api/%s/v1/interaction/u1/i1/nosuchaction" % T)
        self.check("POST", "/compat/advisable/%s/v1/nosuch" % T, [{"user_id": "u1", "item_id": "i1"}])
        self.check("GET", "/compat/yoochoose/api/%s/nosuch/u1/1/i1" % T)
        self.check("DELETE", "/v1/%s/recommend/home" % T, status=405)
        self.check("PATCH", "/v1/%s/events" % T, b"{}")

    # -- encodings -----------------------------------------------------------------------------
    def test_bad_utf8_and_percent_encoding(self):
        paths = [b"/v1/%s/items/\xff\xfe" % T.encode(), b"/v1/%s/items/%%ff%%fe" % T.encode(),
                 b"/v1/%s/items/%%C3%%28" % T.encode(), b"/v1/%s/items/%%zz" % T.encode(),
                 b"/v1/%s/items/%%" % T.encode(), b"/v1/%s/items/a%%00b" % T.encode(),
                 b"/v1/\xff/events", b"/v1/%ff/recommend/home", b"/compat/\xff", b"/compat/%ff%fe/x",
                 b"/v1/%s/recommend/home?user=%%ff" % T.encode(), b"/v1/%s/recommend/home?user=\xff\xfe" % T.encode(),
                 b"/v1/%s/recommend/home?user=%%zz&limit=%%" % T.encode(),
                 b"/v1/%s/recommend/home?filters=%%5B%%7B%%22a%%22%%3A%%22%%ff%%22%%7D%%5D" % T.encode(),
                 b"/v1/%s/recommend/home?filters=[{" % T.encode(),
                 b"/v1/%s/recommend?model=popular&attributes=%%ff" % T.encode(),
                 b"/compat/tastehit/api/%s/v1/home/r?user=%%ff&itemarray=%%ff" % T.encode(),
                 b"/compat/tastehit/api/%s/v1/\xff/r" % T.encode(),
                 b"/compat/aegeria/%s/recommendation/bought-with?item=%%ff" % T.encode(),
                 b"/compat/advisable/%s/v1/users/%%ff/views" % T.encode(),
                 b"/compat/gravity/%s/getItemRecommendation?scenarioId=home&userId=%%ff" % T.encode(),
                 b"/compat/gravity/%s/getEvents?userId=\xff" % T.encode(),
                 b"/compat/yoochoose/api/v2/%s/%%ff/home.json" % T.encode(),
                 b"/compat/yoochoose/api/%s/click/u1/1/%%ff%%fe" % T.encode(),
                 b"/compat/yoochoose/api/v2/%s/u1/home.json?categorypath=%%ff&contextitems=%%zz" % T.encode()]
        for p in paths:
            self.check("GET", p)
        self.check("POST", b"/compat/tastehit/api/%s/v1/interaction/%%ff/i1/view" % T.encode())

    def test_oversize_bodies(self):
        over = b'[' + b'{"user":"u1","item":"i1","type":"view"},' * (MAX_BODY // 40 + 10) + b'{}]'
        self.assertGreater(len(over), MAX_BODY)
        for method, route in self.BODY_ROUTES:
            self.check(method, route, over, status=413)
        # Far over: libevent refuses it before reco runs (HTML 413, see the module's doc string).
        huge = b"[" + b"1," * (2 * MAX_BODY + 70000) + b"1]"
        code, _, _ = self.send("POST", "/v1/%s/events" % T, huge)
        type(self).answers += 1
        self.assertEqual(code, 413)

    # -- afterwards ----------------------------------------------------------------------------
    def test_zz_every_process_survived(self):
        """Runs last (unittest sorts by name): the same processes, alive, and healthy."""
        c = self.cluster
        now = {p.name: p.pid for p in c.procs if p.alive()}
        self.assertEqual(now, self.pids, "a process died or was restarted")
        self.assertEqual(c.health()[0], 200)
        self.assertEqual(c.http("POST", "/v1/%s/events" % T, [GOOD_EVENT])[0], 200)
        sys.stderr.write("test_malformed: %d malformed requests answered\n" % type(self).answers)


if __name__ == "__main__":
    unittest.main()
