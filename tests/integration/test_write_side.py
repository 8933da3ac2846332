"""The write side over HTTP: events (every field, every timestamp shape, every validation error,
batch atomicity, idempotent retries with client ids, async), Aegeria transactions, actions and
the weights they give the models, items and users read back.

Each test writes into a tenant of its own (named after the test), so counts are exact, and
checks Redis directly (docs/redis-keys.md) as well as the HTTP replies. A rejected request must
leave every key of the tenant byte for byte as it was (DUMP before and after)."""

import calendar
import json
import os
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ClusterTestCase, key, wait_until  # noqa: E402

MAX_BODY = 1048576  # the gateway's default --max-body-bytes
BUILTINS = [("view", 1), ("cart", 3), ("purchase", 5), ("rating", 1), ("bookmark", 2), ("click", 1)]
GOOD = {"user": "u1", "item": "i1", "type": "view"}


def now_ms():
    return int(time.time() * 1000)


def quote(text):
    return urllib.parse.quote(text, safe="")


def rfc3339(epoch_s, offset_minutes=0, frac=""):
    """epoch_s as RFC 3339 in the zone `offset_minutes` east of UTC."""
    local = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch_s + 60 * offset_minutes)) + frac
    if offset_minutes == 0:
        return local + "Z"
    sign = "+" if offset_minutes > 0 else "-"
    return local + "%s%02d:%02d" % (sign, abs(offset_minutes) // 60, abs(offset_minutes) % 60)


class WriteSideTestCase(ClusterTestCase):
    """One cluster per class; self.t is a tenant of the test's own."""

    cluster_kwargs = {"query_workers": 1, "trainer": False}

    def setUp(self):
        self.t = ("t" + self._testMethodName[len("test"):])[:64]

    # -- requests --------------------------------------------------------------------------
    def call(self, method, path, body=None, tenant=None):
        return self.cluster.http(method, "/v1/%s/%s" % (tenant or self.t, path), body)

    def post_events(self, body, query="", tenant=None):
        return self.call("POST", "events" + query, body, tenant)

    def assertStored(self, resp, stored, duplicates=0):
        self.assertEqual(self.assertStatus(resp, 200), {"stored": stored, "duplicates": duplicates})

    # -- Redis -----------------------------------------------------------------------------
    def xlen(self, tenant=None):
        return self.cluster.redis("XLEN", key(tenant or self.t, "events"))

    def entries(self, tenant=None):
        """The stream's field maps, oldest first."""
        return [fields for _, fields in self.cluster.stream(tenant or self.t)]

    def snapshot(self, tenant=None):
        """Every key of the tenant with its serialized value (model versions and the trainer's
        lease, which expire by themselves, left out)."""
        r = self.cluster.redis
        keys = [k for k in self.cluster.scan(key(tenant or self.t, "*")) if ":m:" not in k and
                not k.endswith(":trainer:lease")]
        return {k: r("DUMP", k) for k in keys}

    def assertRejected(self, resp_fn, status, code, mentions, tenant=None):
        """resp_fn() answers the error and changes nothing of the tenant in Redis."""
        before = self.snapshot(tenant)
        err = self.assertError(resp_fn(), status, code, mentions)
        after = self.snapshot(tenant)
        self.assertEqual(sorted(after), sorted(before), "a rejected request created or removed keys")
        for k in before:
            self.assertEqual(after[k], before[k], "a rejected request changed %s" % k)
        return err

    def assertEventRejected(self, body, code, mentions, status=400, query=""):
        return self.assertRejected(lambda: self.post_events(body, query), status, code, mentions)


class Events(WriteSideTestCase):
    def test_every_field_is_stored(self):
        props = {"color": "red", "size": 42, "ratio": 0.5, "gift": True, "tags": ["a", "b"]}
        ev = {"id": "ev-1", "user": "u-1", "item": "i-1", "type": "purchase", "timestamp": 1700000000123,
              "value": 2.5, "quantity": 3, "price": 19.99, "order": "o-1", "session": "s-1",
              "recommendation": "r-1", "properties": props}
        self.assertStored(self.post_events(ev), 1)
        stream = self.cluster.stream(self.t)
        self.assertEqual(len(stream), 1, stream)
        sid, f = stream[0]
        self.assertEqual(set(f), {"user", "item", "type", "ts", "id", "value", "quantity", "price", "order",
                                  "session", "recommendation", "properties"}, f)
        self.assertEqual((f["user"], f["item"], f["type"], int(f["ts"]), f["id"]),
                         ("u-1", "i-1", "purchase", 1700000000123, "ev-1"))
        self.assertEqual((f["order"], f["session"], f["recommendation"]), ("o-1", "s-1", "r-1"))
        self.assertEqual(float(f["value"]), 2.5)
        self.assertEqual(int(f["quantity"]), 3)
        self.assertAlmostEqual(float(f["price"]), 19.99, delta=1e-9)
        self.assertEqual(json.loads(f["properties"]), props)
        r = self.cluster.redis
        for index in ("user-events:u-1", "item-events:i-1", "session-events:s-1"):
            self.assertEqual(r("ZRANGE", key(self.t, index), 0, -1, "WITHSCORES"), [sid, "1700000000123"], index)
        self.assertEqual(float(r("ZSCORE", key(self.t, "user-history:u-1"), "i-1")), 1700000000123)
        self.assertEqual(float(r("ZSCORE", key(self.t, "item-history:i-1"), "u-1")), 1700000000123)
        self.assertIsNotNone(r("ZSCORE", key(self.t, "event-ids"), "ev-1"))
        self.assertEqual(r("SISMEMBER", "reco:tenants", self.t), 1)

    def test_every_field_reads_back(self):
        props = {"coupon": "SUMMER", "tags": ["x"]}
        ev = {"id": "rb-1", "user": "reader", "item": "book", "type": "rating", "timestamp": "1700000000.5",
              "value": 4.5, "quantity": 2, "price": 0, "order": "o-9", "session": "s-9", "recommendation": "rec-9",
              "properties": props}
        self.assertStored(self.post_events(ev), 1)
        sid = self.cluster.stream(self.t)[0][0]
        body = self.assertStatus(self.call("GET", "users/reader/events"), 200)
        self.assertEqual(body.get("next"), None, body)
        self.assertEqual(len(body.get("events", [])), 1, body)
        got = body["events"][0]
        want = {"stream_id": sid, "id": "rb-1", "user": "reader", "item": "book", "type": "rating",
                "timestamp": 1700000000500, "value": 4.5, "quantity": 2, "price": 0, "order": "o-9",
                "session": "s-9", "recommendation": "rec-9", "properties": props}
        for field, value in want.items():
            self.assertEqual(got.get(field), value, "%s in %r" % (field, got))

    def test_minimal_event_has_only_the_required_fields(self):
        before = now_ms()
        self.assertStored(self.post_events(GOOD), 1)
        after = now_ms()
        (f,) = self.entries()
        self.assertEqual(set(f), {"user", "item", "type", "ts"}, f)
        self.assertTrue(before <= int(f["ts"]) <= after, "no timestamp must mean now: %r not in [%d, %d]"
                        % (f["ts"], before, after))

    def test_integer_ids_become_text(self):
        self.assertStored(self.post_events({"user": 42, "item": 7, "type": "view", "order": 99}), 1)
        (f,) = self.entries()
        self.assertEqual((f["user"], f["item"], f.get("order")), ("42", "7", "99"))

    def test_every_timestamp_shape(self):
        base = 1600000000  # 2020-09-13T12:26:40Z
        self.assertEqual(rfc3339(base), "2020-09-13T12:26:40Z")
        shapes = [
            ("epoch-s", base, base * 1000),
            ("epoch-ms", base * 1000 + 123, base * 1000 + 123),
            ("epoch-s-text", str(base), base * 1000),
            ("epoch-ms-text", str(base * 1000 + 456), base * 1000 + 456),
            ("epoch-s-fraction", base + 0.25, base * 1000 + 250),
            ("rfc3339-z", rfc3339(base), base * 1000),
            ("rfc3339-fraction", rfc3339(base, frac=".789"), base * 1000 + 789),
            ("rfc3339-plus", rfc3339(base, 120), base * 1000),
            ("rfc3339-minus", rfc3339(base, -270), base * 1000),
            ("rfc3339-old", rfc3339(86400), 86400 * 1000),
        ]
        self.assertEqual(rfc3339(base, 120), "2020-09-13T14:26:40+02:00")
        self.assertEqual(rfc3339(base, -270), "2020-09-13T07:56:40-04:30")
        batch = [{"user": "u", "item": name, "type": "view", "timestamp": ts} for name, ts, _ in shapes]
        self.assertStored(self.post_events(batch), len(batch))
        got = {f["item"]: int(f["ts"]) for f in self.entries()}
        self.assertEqual(got, {name: ms for name, _, ms in shapes})

    def test_bad_timestamps(self):
        bad = ["yesterday", rfc3339(1600000000)[:-1], "2020-13-01T00:00:00Z", "2020-09-13T12:26:40+0200",
               "2020-09-13T12:26:40Z junk", "", "12abc", -1, True, {"s": 1}, [1600000000], 1e15]
        for ts in bad:
            with self.subTest(timestamp=ts):
                self.assertEventRejected(dict(GOOD, timestamp=ts), "invalid_field", "timestamp")
        self.assertEventRejected([GOOD, dict(GOOD, timestamp="soon")], "invalid_field", "events[1].timestamp")

    def test_wrong_field_types_name_the_field(self):
        cases = [
            ({"user": ["u1"]}, "user"), ({"user": ""}, "user"), ({"item": {"id": 3}}, "item"),
            ({"item": 1.5}, "item"), ({"value": "high"}, "value"), ({"value": [1]}, "value"),
            ({"quantity": 0}, "quantity"), ({"quantity": 1000001}, "quantity"), ({"quantity": 2.5}, "quantity"),
            ({"quantity": "2"}, "quantity"), ({"quantity": -3}, "quantity"),
            ({"price": -0.01}, "price"), ({"price": "9.99"}, "price"), ({"price": True}, "price"),
            ({"properties": "x"}, "properties"), ({"properties": [1]}, "properties"),
            ({"properties": {"nested": {"a": 1}}}, "properties"), ({"properties": {"nums": [1, 2]}}, "properties"),
            ({"id": ["a"]}, "id"), ({"id": ""}, "id"), ({"id": True}, "id"), ({"id": {"a": 1}}, "id"),
            ({"order": []}, "order"), ({"session": {}}, "session"), ({"recommendation": True}, "recommendation"),
        ]
        for change, field in cases:
            with self.subTest(**{field: change[field]}):
                self.assertEventRejected(dict(GOOD, **change), "invalid_field", field)
                self.assertEventRejected({"events": [GOOD, GOOD, dict(GOOD, **change)]}, "invalid_field",
                                         "events[2].%s" % field)
        # A type that is not a string is refused and named (as an unknown type or a wrong field).
        self.assertEventRejected(dict(GOOD, type=5), None, "type")
        self.assertEventRejected([GOOD, "view"], "invalid_field", "events[1]")
        self.assertEventRejected({"events": "nope"}, "invalid_field", "events")

    def test_boundaries_that_are_accepted(self):
        ok = [{"quantity": 1}, {"quantity": 1000000}, {"price": 0}, {"price": 123456.78},
              {"properties": {}}, {"type": "click"}, {"type": "rating", "value": 0}, {"type": "rating", "value": 5}]
        self.assertStored(self.post_events([dict(GOOD, **change) for change in ok]), len(ok))
        self.assertEqual(self.xlen(), len(ok))

    def test_missing_fields(self):
        for field in ("user", "item", "type"):
            with self.subTest(field=field):
                ev = {k: v for k, v in GOOD.items() if k != field}
                self.assertEventRejected(ev, "missing_field", field)
                self.assertEventRejected([GOOD, ev], "missing_field", "events[1].%s" % field)

    def test_rating_range(self):
        for value in (5.01, -0.01, 6, -1):
            with self.subTest(value=value):
                self.assertEventRejected(dict(GOOD, type="rating", value=value), "invalid_field", "value")
        self.assertEventRejected(dict(GOOD, type="rating", value="4"), "invalid_field", "value")
        self.assertEventRejected([GOOD, dict(GOOD, type="rating")], "missing_field", "events[1].value")
        self.assertStored(self.post_events([dict(GOOD, type="rating", value=v) for v in (0, 2.5, 5)]), 3)
        self.assertEqual(sorted(float(f["value"]) for f in self.entries()), [0.0, 2.5, 5.0])

    def test_properties_limit_is_4096_bytes_of_json(self):
        def props(total):  # {"p":"xxx..."} of exactly `total` bytes as compact JSON
            return {"p": "x" * (total - len('{"p":""}'))}
        self.assertEqual(len(json.dumps(props(4096), separators=(",", ":"))), 4096)
        self.assertStored(self.post_events(dict(GOOD, properties=props(4096))), 1)
        self.assertEventRejected(dict(GOOD, properties=props(4097)), "invalid_field", "properties")

    def test_unregistered_type(self):
        err = self.assertEventRejected(dict(GOOD, type="wishlist"), "unknown_event_type", "type")
        self.assertIn("wishlist", err["message"])
        err = self.assertEventRejected([GOOD, GOOD, dict(GOOD, type="wishlist")], "unknown_event_type",
                                       "events[2].type")
        self.assertIn("wishlist", err["message"])
        for name in ("Wishlist", "wish list", "wish.list", "x" * 33, ""):
            with self.subTest(type=name):
                self.assertEventRejected(dict(GOOD, type=name), "unknown_event_type", "type")

    def test_body_over_the_limit_is_refused(self):
        pad = "p" * 320
        batch = [{"user": "u%d" % n, "item": "i%d" % (n % 50), "type": "view", "properties": {"pad": pad}}
                 for n in range(3000)]
        body = json.dumps(batch).encode()
        self.assertGreater(len(body), 1_150_000)
        self.assertLess(len(body), 1_300_000)
        for method, route in (("POST", "events"), ("POST", "events?async=true"), ("POST", "transactions"),
                              ("PUT", "items"), ("PUT", "users"), ("PUT", "actions/big")):
            with self.subTest(route=route):
                self.assertRejected(lambda: self.call(method, route, body), 413, "payload_too_large", None)
        # The limit is exactly --max-body-bytes: JSON may end in blanks, so pad a valid body.
        event = json.dumps(GOOD).encode()
        exact = event + b" " * (MAX_BODY - len(event))
        self.assertRejected(lambda: self.post_events(exact + b" "), 413, "payload_too_large", None)
        self.assertStored(self.post_events(exact), 1)

    def test_invalid_utf8_is_refused_as_invalid_json(self):
        bodies = [
            b'{"user":"\xff\xfeuser","item":"i1","type":"view"}',
            b'{"user":"u1","item":"\xc3\x28","type":"view"}',
            b'{"user":"u1","item":"\xc0\xaf","type":"view"}',  # overlong "/"
            b'{"user":"u1","item":"\xed\xa0\x80","type":"view"}',  # a UTF-16 surrogate, UTF-8 encoded
            b'{"user":"u1","item":"i1","type":"view","session":"\xf5\x80\x80\x80"}',  # above U+10FFFF
            b'{"user":"u1","item":"i1","type":"view","id":"\xe2\x82"}',  # truncated sequence
            b'{"user":"\\ud800","item":"i1","type":"view"}',  # a lone surrogate escape
            b'[{"user":"u1","item":"i1","type":"view"},{"user":"u2","item":"\x80","type":"view"}]',
        ]
        for raw in bodies:
            with self.subTest(body=raw):
                self.assertEventRejected(raw, "invalid_json", None)
        # Valid multi-byte ids are stored byte for byte.
        self.assertStored(self.post_events({"user": "Jürgen 😀", "item": "télé", "type": "view"}), 1)
        (f,) = self.entries()
        self.assertEqual((f["user"], f["item"]), ("Jürgen 😀", "télé"))

    def test_control_characters_in_ids(self):
        for field in ("user", "item", "id", "order", "session", "recommendation"):
            for escape in ("\\u0001", "\\u001f", "\\n", "\\t", "\\u007f", "\\u001b[31m"):
                with self.subTest(field=field, escape=escape):
                    fields = dict(GOOD)
                    fields[field] = "PLACEHOLDER"
                    text = json.dumps(fields).replace("PLACEHOLDER", "ab" + escape + "cd")
                    self.assertEventRejected(text, "invalid_field", field)
                    batch = "[%s,%s]" % (json.dumps(GOOD), text)
                    self.assertEventRejected(batch, "invalid_field", "events[1].%s" % field)

    def test_nul_escape_in_an_id_is_refused(self):
        # jansson refuses \u0000 unless told otherwise (then it is invalid JSON); if the gateway
        # allows NUL, the id check must refuse it and name the field. Either way: 400, nothing written.
        for field in ("user", "item", "id", "session"):
            with self.subTest(field=field):
                fields = dict(GOOD)
                fields[field] = "PLACEHOLDER"
                text = json.dumps(fields).replace("PLACEHOLDER", "ab\\u0000cd")
                err = self.assertEventRejected(text, None, None)
                self.assertIn(err["code"], ("invalid_json", "invalid_field"), err)
                if err["code"] == "invalid_field":
                    self.assertIn(field, err["message"])

    def test_id_lengths_count_bytes(self):
        ok_ids = ["x" * 256, "é" * 128, "€" * 85 + "x"]
        bad_ids = ["x" * 257, "é" * 129, "€" * 86]
        for value in ok_ids:
            self.assertEqual(len(value.encode()), 256)
        for field in ("user", "item", "id", "order", "session", "recommendation"):
            for value in bad_ids:
                with self.subTest(field=field, chars=len(value)):
                    self.assertEventRejected(dict(GOOD, **{field: value}), "invalid_field", field)
            batch = [dict(GOOD, **{field: value}) for value in ok_ids]
            self.assertStored(self.post_events(batch), 3)
            got = [f.get(field) for f in self.entries()[-3:]]
            self.assertEqual(got, ok_ids, field)

    def test_empty_and_oversized_batches(self):
        self.assertEventRejected([], "invalid_body", "events")
        self.assertEventRejected({"events": []}, "invalid_body", "events")
        self.assertEventRejected([GOOD] * 10001, "too_many", "events")
        batch = [{"user": "u%d" % (n % 97), "item": "i%d" % (n % 89), "type": "view", "id": "big-%d" % n}
                 for n in range(10000)]
        self.assertStored(self.post_events(batch), 10000)
        self.assertEqual(self.xlen(), 10000)
        self.assertEqual(self.cluster.redis("ZCARD", key(self.t, "event-ids")), 10000)
        self.assertStored(self.post_events(batch), 0, 10000)
        self.assertEqual(self.xlen(), 10000)


class BatchesAndRetries(WriteSideTestCase):
    def batch(self, n, prefix="e"):
        return [{"id": "%s-%d" % (prefix, k), "user": "u%d" % (k % 4), "item": "i%d" % (k % 7), "type": "view",
                 "timestamp": 1700000000000 + k} for k in range(n)]

    def test_a_bad_element_writes_nothing_of_the_batch(self):
        good = self.batch(50)
        # Found by the gateway: a rating out of range, first and last.
        self.assertEventRejected(good + [dict(GOOD, type="rating", value=9)], "invalid_field", "events[50].value")
        self.assertEventRejected([dict(GOOD, user="")] + good, "invalid_field", "events[0].user")
        # Found by the ingestor alone (it knows the tenant's actions): an unregistered type.
        bad = good[:30] + [dict(GOOD, type="unregistered")] + good[30:]
        self.assertEventRejected(bad, "unknown_event_type", "events[30].type")
        # ...also at the very end of the largest batch, which the ingestor may write in chunks.
        large = self.batch(9999, prefix="large") + [dict(GOOD, type="unregistered")]
        self.assertEventRejected(large, "unknown_event_type", "events[9999].type")
        self.assertEqual(self.xlen(), 0)
        self.assertEqual(self.cluster.scan(key(self.t, "*")), [], "a refused batch left keys behind")
        # No client id was recorded either: the good events alone are all new.
        self.assertStored(self.post_events(good), 50)
        self.assertEqual(self.xlen(), 50)

    def test_retry_with_ids_stores_nothing_twice(self):
        r = self.cluster.redis
        batch = self.batch(20)
        self.assertStored(self.post_events(batch), 20)
        snap = self.snapshot()
        self.assertStored(self.post_events(batch), 0, 20)
        self.assertStored(self.post_events({"events": batch}), 0, 20)
        self.assertStored(self.post_events(batch[7]), 0, 1)
        self.assertEqual(self.xlen(), 20)
        for k in snap:  # the stream, its indexes and the histories are untouched
            if not k.endswith(":event-ids"):  # (a retry may refresh an id's time)
                self.assertEqual(r("DUMP", k), snap[k], k)
        # Old and new ids mixed: only the new ones are stored.
        mixed = batch[:10] + self.batch(25)[20:]
        self.assertStored(self.post_events(mixed), 5, 10)
        self.assertEqual(self.xlen(), 25)
        self.assertEqual(sorted(f.get("id") for f in self.entries()), sorted("e-%d" % k for k in range(25)))

    def test_the_same_id_twice_in_one_batch_is_stored_once(self):
        # Our reading of "the same id is stored at most once": within one request too.
        ev = dict(GOOD, id="twice")
        self.assertStored(self.post_events([ev, ev, dict(GOOD, id="once")]), 2, 1)
        self.assertEqual(sorted(f.get("id") for f in self.entries()), ["once", "twice"])

    def test_events_without_ids_are_never_deduplicated(self):
        for _ in range(3):
            self.assertStored(self.post_events(dict(GOOD, timestamp=1700000000000)), 1)
        self.assertEqual(self.xlen(), 3)

    def test_ids_are_per_tenant(self):
        other = self.t + "-2"
        self.assertStored(self.post_events(self.batch(5)), 5)
        self.assertStored(self.post_events(self.batch(5), tenant=other), 5)
        self.assertStored(self.post_events(self.batch(5), tenant=other), 0, 5)
        self.assertEqual((self.xlen(), self.xlen(other)), (5, 5))

    def test_async(self):
        batch = self.batch(5)
        started = time.monotonic()
        resp = self.post_events(batch, query="?async=true")
        self.assertEqual(self.assertStatus(resp, 202), {"queued": 5})
        self.assertLess(time.monotonic() - started, 2.0)
        wait_until(lambda: self.xlen() == 5, timeout=10, what="the 5 queued events in the stream")
        self.assertEqual(sorted(f.get("id") for f in self.entries()), sorted(e["id"] for e in batch))
        # The gateway still refuses what it can see is wrong, at once and with the field named.
        self.assertEventRejected(batch + [dict(GOOD, timestamp="soon")], "invalid_field", "events[5].timestamp",
                                 query="?async=true")
        self.assertEventRejected(GOOD, "invalid_field", "async", query="?async=maybe")
        self.assertStored(self.post_events(dict(GOOD, id="sync"), query="?async=false"), 1)
        # A queued retry stores nothing twice.
        self.assertEqual(self.assertStatus(self.post_events(batch, query="?async=true"), 202), {"queued": 5})
        self.assertStored(self.post_events(dict(GOOD, id="after")), 1)
        wait_until(lambda: self.xlen() >= 7, timeout=10, what="the event posted after the async retry")
        self.assertEqual(self.xlen(), 7)


class ConcurrentRetries(WriteSideTestCase):
    """Several ingestors, and clients that send the same batch at the same time: each id is
    still stored once, and the replies add up."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for _ in range(3):
            cls.cluster.start_ingestor()
        cls.cluster.wait_healthy(ingest=4, query=1)

    def test_the_same_batch_at_once_from_eight_clients(self):
        batch = [{"id": "c-%d" % k, "user": "u%d" % (k % 9), "item": "i%d" % (k % 13), "type": "view"}
                 for k in range(300)]
        replies = [None] * 8

        def send(n):
            replies[n] = self.post_events(batch)
        threads = [threading.Thread(target=send, args=(n,)) for n in range(8)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(30)
        bodies = [self.assertStatus(resp, 200) for resp in replies]
        self.assertEqual(sum(b["stored"] for b in bodies), 300, bodies)
        self.assertEqual(sum(b["duplicates"] for b in bodies), 7 * 300, bodies)
        self.assertEqual(self.xlen(), 300)
        self.assertEqual(sorted(f.get("id") for f in self.entries()), sorted(e["id"] for e in batch))
        for user in ("u0", "u4"):
            self.assertEqual(self.cluster.redis("ZCARD", key(self.t, "user-events:" + user)),
                             len([e for e in batch if e["user"] == user]), user)


class Transactions(WriteSideTestCase):
    AEGERIA = {"transactions": [
        {"completed_at": "2017-07-21T17:32:28Z", "customer": "user@email.com",
         "items": [{"item": "19876452", "quantity": 2}], "transaction": "abc456"},
        {"completed_at": "2017-07-22T09:00:00+02:00", "customer": "other@email.com",
         "items": [{"item": "111", "quantity": 1}, {"item": "222", "quantity": 5}], "transaction": "abc457"},
    ]}

    def post_tx(self, body, query=""):
        return self.call("POST", "transactions" + query, body)

    def test_transactions_become_purchases(self):
        self.assertStored(self.post_tx(self.AEGERIA), 3)
        t1 = calendar.timegm((2017, 7, 21, 17, 32, 28)) * 1000
        t2 = calendar.timegm((2017, 7, 22, 7, 0, 0)) * 1000
        got = sorted((f["user"], f["item"], f["type"], int(f["ts"]), f.get("order"), f.get("id"), f.get("quantity"))
                     for f in self.entries())
        self.assertEqual(got, sorted([
            ("user@email.com", "19876452", "purchase", t1, "abc456", "abc456/19876452", "2"),
            ("other@email.com", "111", "purchase", t2, "abc457", "abc457/111", "1"),
            ("other@email.com", "222", "purchase", t2, "abc457", "abc457/222", "5")]))
        self.assertEqual(self.cluster.redis("ZRANGE", key(self.t, "user-history:other@email.com"), 0, -1),
                         ["111", "222"])
        # Sent again: stored once.
        self.assertStored(self.post_tx(self.AEGERIA), 0, 3)
        self.assertStored(self.post_tx(self.AEGERIA["transactions"]), 0, 3)  # a bare array
        # The same transaction with one more line: only the new line is stored.
        more = json.loads(json.dumps(self.AEGERIA["transactions"][0]))
        more["items"].append({"item": "333", "quantity": 1})
        self.assertStored(self.post_tx({"transactions": [more]}), 1, 1)
        self.assertEqual(self.xlen(), 4)

    def test_async_transactions(self):
        resp = self.post_tx(self.AEGERIA, query="?async=true")
        self.assertEqual(self.assertStatus(resp, 202), {"queued": 3})
        wait_until(lambda: self.xlen() == 3, timeout=10, what="the queued purchases")

    def test_bad_transactions(self):
        tx = self.AEGERIA["transactions"][0]

        def without(field):
            return {k: v for k, v in tx.items() if k != field}
        cases = [
            ({"transactions": [without("customer")]}, "missing_field", "transactions[0].customer"),
            ({"transactions": [tx, without("transaction")]}, "missing_field", "transactions[1].transaction"),
            ({"transactions": [dict(tx, completed_at="last tuesday")]}, "invalid_field",
             "transactions[0].completed_at"),
            ({"transactions": [dict(tx, items=[])]}, "invalid_field", "transactions[0].items"),
            ({"transactions": [without("items")]}, "missing_field", "transactions[0].items"),
            ({"transactions": [dict(tx, items=[{"item": "1", "quantity": 0}])]}, "invalid_field",
             "transactions[0].items[0].quantity"),
            ({"transactions": [tx, dict(tx, items=[{"quantity": 1}])]}, "missing_field",
             "transactions[1].items[0].item"),
            ({"transactions": [dict(tx, customer="bad\nid")]}, "invalid_field", "transactions[0].customer"),
            ({"transactions": []}, "invalid_body", "transactions"),
            ({"transactions": "abc456"}, "invalid_field", "transactions"),
        ]
        for body, code, mentions in cases:
            with self.subTest(mentions=mentions):
                self.assertRejected(lambda: self.post_tx(body), 400, code, mentions)
        self.assertEqual(self.xlen(), 0)


class Actions(WriteSideTestCase):
    def actions(self, tenant=None):
        body = self.assertStatus(self.call("GET", "actions", tenant=tenant), 200)
        self.assertIsInstance(body.get("actions"), list, body)
        for a in body["actions"]:
            self.assertEqual(set(a), {"name", "weight", "builtin"}, a)
        return [(a["name"], a["weight"], a["builtin"]) for a in body["actions"]]

    def put(self, name, body):
        return self.call("PUT", "actions/%s" % name, body)

    def delete(self, name):
        return self.call("DELETE", "actions/%s" % name)

    def test_builtins_are_listed_first_with_default_weights(self):
        # rating's weight is the multiplier of the rating's value (1 unless overridden).
        self.assertEqual(self.actions(), [(n, w, True) for n, w in BUILTINS])

    def test_custom_action_lifecycle(self):
        err = self.assertEventRejected(dict(GOOD, type="wishlist"), "unknown_event_type", "type")
        self.assertIn("wishlist", err["message"])
        self.assertEqual(self.assertStatus(self.put("wishlist", {"weight": 4}), 200),
                         {"name": "wishlist", "weight": 4, "builtin": False})
        self.assertEqual(self.actions(), [(n, w, True) for n, w in BUILTINS] + [("wishlist", 4, False)])
        self.assertEqual(float(self.cluster.redis("HGET", key(self.t, "actions"), "wishlist")), 4.0)
        self.assertStored(self.post_events([GOOD, dict(GOOD, type="wishlist", user="u2")]), 2)
        self.assertEqual(self.entries()[-1]["type"], "wishlist")
        # Re-registering changes the weight; a second custom action is listed after the built-ins.
        self.assertEqual(self.assertStatus(self.put("wishlist", {"weight": 2.5}), 200),
                         {"name": "wishlist", "weight": 2.5, "builtin": False})
        self.assertStatus(self.put("gift-card_2", {"weight": 0}), 200)
        listed = self.actions()
        self.assertEqual(listed[:6], [(n, w, True) for n, w in BUILTINS])
        self.assertEqual(sorted(listed[6:]), [("gift-card_2", 0, False), ("wishlist", 2.5, False)])
        # Other tenants do not know it.
        self.assertRejected(lambda: self.post_events(dict(GOOD, type="wishlist"), tenant=self.t + "-2"), 400,
                            "unknown_event_type", "type", tenant=self.t + "-2")
        # Deleted: refused again; the events already stored stay.
        self.assertEqual(self.assertStatus(self.delete("wishlist"), 200), {"name": "wishlist", "deleted": True})
        self.assertEqual(self.actions(), [(n, w, True) for n, w in BUILTINS] + [("gift-card_2", 0, False)])
        self.assertEventRejected(dict(GOOD, type="wishlist"), "unknown_event_type", "type")
        self.assertEqual(self.xlen(), 2)
        self.assertError(self.delete("wishlist"), 404, "not_found")
        self.assertError(self.delete("never-registered"), 404, "not_found")

    def test_builtin_weight_override(self):
        self.assertEqual(self.assertStatus(self.put("view", {"weight": 0}), 200),
                         {"name": "view", "weight": 0, "builtin": True})
        self.assertEqual(self.assertStatus(self.put("rating", {"weight": 2}), 200),
                         {"name": "rating", "weight": 2, "builtin": True})
        want = dict(BUILTINS, view=0, rating=2)
        self.assertEqual(self.actions(), [(n, want[n], True) for n, _ in BUILTINS])
        # Deleting a built-in puts its default weight back; it stays an event type.
        self.assertEqual(self.assertStatus(self.delete("view"), 200), {"name": "view", "deleted": True})
        self.assertEqual(self.actions(), [(n, dict(BUILTINS, rating=2)[n], True) for n, _ in BUILTINS])
        self.assertStored(self.post_events(GOOD), 1)
        self.assertEqual(self.assertStatus(self.delete("click"), 200), {"name": "click", "deleted": True})

    def test_bad_actions(self):
        for body, code in (({"weight": -1}, "invalid_field"), ({"weight": 100.5}, "invalid_field"),
                           ({"weight": "high"}, "invalid_field"), ({"weight": None}, "invalid_field"),
                           ({"weight": True}, "invalid_field"), ({}, "missing_field"), ({"w": 3}, "missing_field")):
            with self.subTest(body=body):
                self.assertRejected(lambda: self.put("wishlist", body), 400, code, "weight")
        self.assertRejected(lambda: self.put("wishlist", "{"), 400, "invalid_json", None)
        for name in ("Wishlist", "wish%20list", "wish.list", "x" * 33, "caf%C3%A9"):
            with self.subTest(name=name):
                self.assertRejected(lambda: self.put(name, {"weight": 1}), 400, "invalid_field", "name")
                self.assertRejected(lambda: self.delete(name), 400, "invalid_field", "name")
        for weight in (0, 100, 0.25):
            self.assertEqual(self.assertStatus(self.put("edge", {"weight": weight}), 200)["weight"], weight)
        self.assertStatus(self.put("x" * 32, {"weight": 1}), 200)

    def popular(self):
        rc, out = self.cluster.run_trainer_once(self.t)
        self.assertEqual(rc, 0, out)
        body = self.assertStatus(self.call("GET", "recommend?model=popular&limit=50"), 200)
        recs = body["recommendations"]
        scores = [r["score"] for r in recs]
        self.assertEqual(scores, sorted(scores, reverse=True), recs)
        return {r["item"]: r["score"] for r in recs}

    def assertScores(self, got, want):
        self.assertEqual(sorted(got), sorted(want), "got %r, want %r" % (got, want))
        for item, score in want.items():
            self.assertAlmostEqual(got[item], score, delta=1e-9, msg="%s: got %r, want %r" % (item, got, want))

    def test_weights_drive_the_models(self):
        self.assertStatus(self.put("wishlist", {"weight": 4}), 200)
        events = [("u1", "A", "view"), ("u2", "A", "view"), ("u2", "A", "cart"), ("u1", "B", "purchase"),
                  ("u3", "C", "wishlist"), ("u1", "D", "rating", 4), ("u2", "D", "rating", 2),
                  ("u3", "E", "click"), ("u3", "E", "bookmark")]
        body = [dict({"user": e[0], "item": e[1], "type": e[2]}, **({"value": e[3]} if len(e) > 3 else {}))
                for e in events]
        self.assertStored(self.post_events(body), len(body))
        # Default weights: view 1, cart 3, purchase 5, rating = value, bookmark 2, click 1; wishlist 4.
        self.assertScores(self.popular(), {"A": 5, "B": 5, "C": 4, "D": 6, "E": 3})
        for name, weight in (("view", 0), ("cart", 10), ("rating", 0.5), ("wishlist", 7), ("click", 3)):
            self.assertStatus(self.put(name, {"weight": weight}), 200)
        self.assertScores(self.popular(), {"A": 10, "B": 5, "C": 7, "D": 3, "E": 5})
        self.assertStatus(self.delete("cart"), 200)  # back to 3
        self.assertScores(self.popular(), {"A": 3, "B": 5, "C": 7, "D": 3, "E": 5})


class ItemsAndUsers(WriteSideTestCase):
    def get(self, what, ident):
        return self.call("GET", "%s/%s" % (what, quote(ident)))

    def wait_for_next_ms(self, after):
        wait_until(lambda: now_ms() > after, timeout=1, interval=0.001, what="the clock to move on")

    def test_item_read_back_and_partial_updates(self):
        t0 = now_ms()
        item = {"id": "it-1", "title": "Tent", "categories": ["camping/tents"],
                "attributes": {"price": 249.0, "colors": ["green"], "brand": "K"}, "hidden": False}
        self.assertEqual(self.assertStatus(self.call("PUT", "items", [item]), 200), {"stored": 1})
        got = self.assertStatus(self.get("items", "it-1"), 200)
        self.assertEqual(set(got), {"id", "title", "categories", "attributes", "hidden", "created_at", "updated_at"})
        created = got["created_at"]
        self.assertIsInstance(created, int, got)
        self.assertTrue(t0 <= created <= now_ms(), got)
        self.assertGreaterEqual(got["updated_at"], created)
        self.assertEqual({k: got[k] for k in item}, item)

        def update(change, **want):
            nonlocal item
            previous = self.assertStatus(self.get("items", "it-1"), 200)["updated_at"]
            self.wait_for_next_ms(previous)
            before = now_ms()
            self.assertEqual(self.assertStatus(self.call("PUT", "items", [dict(change, id="it-1")]), 200),
                             {"stored": 1})
            item = dict(item, **want)
            got = self.assertStatus(self.get("items", "it-1"), 200)
            self.assertEqual({k: got[k] for k in item}, item, "after %r" % change)
            self.assertEqual(got["created_at"], created, "created_at changed")
            self.assertGreaterEqual(got["updated_at"], before)

        update({"title": "Tent 2"}, title="Tent 2")
        # Attributes are merged by name: the given ones replace theirs, the others stay.
        update({"attributes": {"price": 199.5, "weight_kg": 2}},
               attributes={"price": 199.5, "colors": ["green"], "brand": "K", "weight_kg": 2})
        update({"categories": ["sale", "camping/tents/2p"]}, categories=["sale", "camping/tents/2p"])
        update({"hidden": True}, hidden=True)
        self.assertEqual(self.cluster.redis("SISMEMBER", key(self.t, "hidden"), "it-1"), 1)
        update({"hidden": False}, hidden=False)
        self.assertEqual(self.cluster.redis("SISMEMBER", key(self.t, "hidden"), "it-1"), 0)
        update({})  # the id alone: nothing changes but updated_at

    def test_item_with_only_an_id(self):
        self.assertStatus(self.call("PUT", "items", {"items": [{"id": "bare"}]}), 200)
        got = self.assertStatus(self.get("items", "bare"), 200)
        self.assertEqual((got["id"], got["attributes"], got["hidden"]), ("bare", {}, False))
        self.assertIsNone(got.get("title"))
        self.assertIn(got.get("categories"), (None, []))

    def test_item_ids_in_paths(self):
        self.assertError(self.get("items", "nope"), 404, "not_found")
        for ident in ("télé 📺", "a/b", "sku?x=1&y=2", "100%"):
            with self.subTest(id=ident):
                self.assertStatus(self.call("PUT", "items", [{"id": ident, "title": "t"}]), 200)
                self.assertEqual(self.assertStatus(self.get("items", ident), 200)["id"], ident)
        self.assertError(self.get("items", "x" * 257), 400, "invalid_field", "item")
        self.assertError(self.call("GET", "items/ab%01cd"), 400, "invalid_field", "item")
        self.assertError(self.get("items", "x" * 256), 404, "not_found")  # a valid id, just unknown

    def test_users_upsert_and_read_back(self):
        t0 = now_ms()
        attrs = {"age": 31, "city": "Oslo", "vip": True, "tags": ["a", "b"]}
        self.assertEqual(self.assertStatus(self.call("PUT", "users", [{"id": "cust-1", "attributes": attrs}]), 200),
                         {"stored": 1})
        self.assertEqual(self.assertStatus(self.call("PUT", "users", {"users": [{"id": "cust-2"}, {"id": 77}]}),
                                           200), {"stored": 2})
        got = self.assertStatus(self.get("users", "cust-1"), 200)
        self.assertEqual(set(got), {"id", "attributes", "created_at", "updated_at"}, got)
        self.assertEqual((got["id"], got["attributes"]), ("cust-1", attrs))
        created = got["created_at"]
        self.assertTrue(t0 <= created <= now_ms(), got)
        self.assertGreaterEqual(got["updated_at"], created)
        self.assertEqual(self.assertStatus(self.get("users", "cust-2"), 200)["attributes"], {})
        self.assertEqual(self.assertStatus(self.get("users", "77"), 200)["id"], "77")
        self.assertEqual(set(self.cluster.redis("SMEMBERS", key(self.t, "users"))), {"cust-1", "cust-2", "77"})
        # An update merges attributes by name; created_at stays.
        self.wait_for_next_ms(got["updated_at"])
        before = now_ms()
        self.assertStatus(self.call("PUT", "users", [{"id": "cust-1", "attributes": {"city": "Bergen"}}]), 200)
        got = self.assertStatus(self.get("users", "cust-1"), 200)
        self.assertEqual(got["attributes"], dict(attrs, city="Bergen"))
        self.assertEqual(got["created_at"], created)
        self.assertGreaterEqual(got["updated_at"], before)
        self.assertError(self.get("users", "nobody"), 404, "not_found")
        self.assertError(self.get("users", "x" * 257), 400, "invalid_field", "user")

    def test_bad_users(self):
        cases = [
            ([{"attributes": {}}], "missing_field", "users[0].id"),
            ([{"id": "a"}, {"id": "b", "attributes": {"x": {"y": 1}}}], "invalid_field", "users[1].attributes.x"),
            ([{"id": "a", "attributes": "vip"}], "invalid_field", "users[0].attributes"),
            ([{"id": "a\u0001b"}], "invalid_field", "users[0].id"),
            ([{"id": "x" * 257}], "invalid_field", "users[0].id"),
            (["a"], "invalid_field", "users[0]"),
            ([], "invalid_body", "users"),
            ({"users": "a"}, "invalid_field", "users"),
        ]
        for body, code, mentions in cases:
            with self.subTest(mentions=mentions):
                self.assertRejected(lambda: self.call("PUT", "users", body), 400, code, mentions)
        self.assertEqual(self.cluster.scan(key(self.t, "*")), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
