"""A user's data on request, over HTTP: listing a user's or an item's events (newest first,
paged, filtered by type), every form of event deletion, export, deleting a user (and the next
model build no longer using them), deleting a session, and moving a guest's events to a
registered user (with and without keeping the guest).

Each test writes into a tenant of its own. After every deletion or transfer the whole tenant
is checked: the stream holds exactly the events that should remain, and every per-user,
per-item and per-session index and history agrees with the stream (no entry left behind)."""

import math
import os
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ClusterTestCase, key  # noqa: E402

T0 = 1700000000000  # 2023-11-14T22:13:20Z, in ms


def rfc3339_ms(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03dZ" % (ms % 1000)


def event_body(ev):
    """(user, item, type, ts[, session[, extra]]) as a JSON event."""
    body = {"user": ev[0], "item": ev[1], "type": ev[2], "timestamp": ev[3]}
    if len(ev) > 4 and ev[4] is not None:
        body["session"] = ev[4]
    if len(ev) > 5:
        body.update(ev[5])
    return body


WEIGHTS = {"view": 1.0, "cart": 3.0, "purchase": 5.0, "bookmark": 2.0, "click": 1.0}


def user_based(events, history):
    """Item-to-item for a user, as documented: the cosine neighbours (over per-user-item sums of
    event weights) of each history item, summed, history left out."""
    w = {}
    for ev in events:
        weight = ev[5]["value"] if ev[2] == "rating" else WEIGHTS[ev[2]]
        w[(ev[0], ev[1])] = w.get((ev[0], ev[1]), 0.0) + weight
    users = {u for u, _ in w}
    items = {i for _, i in w}

    def cosine(a, b):
        dot = sum(w.get((u, a), 0.0) * w.get((u, b), 0.0) for u in users)
        norm = math.sqrt(sum(w.get((u, a), 0.0) ** 2 for u in users) * sum(w.get((u, b), 0.0) ** 2 for u in users))
        return dot / norm if dot else 0.0
    scores = {}
    for h in history:
        for j in items - set(history):
            if cosine(h, j) > 0:
                scores[j] = scores.get(j, 0.0) + cosine(h, j)
    return scores


def row(ev):
    """The part of an event that the stream checks compare: (user, item, type, ts, session)."""
    return (ev[0], ev[1], ev[2], ev[3], ev[4] if len(ev) > 4 else None)


class PrivacyTestCase(ClusterTestCase):
    cluster_kwargs = {"query_workers": 1, "trainer": False}

    def setUp(self):
        self.t = ("p" + self._testMethodName[len("test"):])[:64]

    def call(self, method, path, body=None, **params):
        query = "?" + urllib.parse.urlencode(params) if params else ""
        return self.cluster.http(method, "/v1/%s/%s%s" % (self.t, path, query), body)

    def load(self, events):
        body = [event_body(ev) for ev in events]
        # (The reply's exact shape is test_write_side's business; here it is set-up.)
        self.assertEqual(self.assertStatus(self.call("POST", "events", body), 200).get("stored"), len(body))

    def list_events(self, what, ident, **params):
        body = self.assertStatus(self.call("GET", "%s/%s/events" % (what, urllib.parse.quote(ident, safe="")),
                                           **params), 200)
        self.assertEqual(set(body), {"events", "next"}, body)
        return body

    def assertConsistent(self, want):
        """The stream holds exactly the events `want` (as row() tuples), and every index and
        history of the tenant agrees with it: user-, item- and session-events hold exactly the
        stream ids (scored by event time), user- and item-history exactly the pairs."""
        r = self.cluster.redis
        stream = self.cluster.stream(self.t)
        got = [(f["user"], f["item"], f["type"], int(f["ts"]), f.get("session")) for _, f in stream]
        self.assertEqual(sorted(got), sorted(row(ev) for ev in want), "the stream")
        indexes = {"user-events": {}, "item-events": {}, "session-events": {}}
        histories = {"user-history": {}, "item-history": {}}
        for sid, f in stream:
            for kind, field in (("user-events", "user"), ("item-events", "item"), ("session-events", "session")):
                if field in f:
                    indexes[kind].setdefault(f[field], {})[sid] = int(f["ts"])
            histories["user-history"].setdefault(f["user"], set()).add(f["item"])
            histories["item-history"].setdefault(f["item"], set()).add(f["user"])
        for kind, want_index in list(indexes.items()) + list(histories.items()):
            prefix = key(self.t, kind + ":")
            found = {}
            for k in self.cluster.scan(prefix + "*"):
                flat = r("ZRANGE", k, 0, -1, "WITHSCORES")
                members = {flat[n]: int(float(flat[n + 1])) for n in range(0, len(flat), 2)}
                found[k[len(prefix):]] = members if kind.endswith("-events") else set(members)
            self.assertEqual(found, want_index, kind)

    def pages(self, what, ident, limit, **params):
        """Follows `next` from the first page to the last; returns the pages. Every page but the
        last is full; the last is not empty unless the one before was full."""
        pages, cursor = [], None
        while True:
            query = dict(params, limit=limit)
            if cursor is not None:
                query["cursor"] = cursor
            body = self.list_events(what, ident, **query)
            pages.append(body["events"])
            cursor = body["next"]
            if cursor is None:
                break
            self.assertIsInstance(cursor, str, body)
            self.assertLessEqual(len(pages), 500, "paging does not end")
            self.assertEqual(len(body["events"]), limit, "a page before the last one is not full")
        self.assertLessEqual(len(pages[-1]), limit)
        if not pages[-1] and len(pages) > 1:
            self.assertEqual(len(pages[-2]), limit)
        return pages

    def assertNewestFirst(self, events):
        stamps = [e["timestamp"] for e in events]
        self.assertEqual(stamps, sorted(stamps, reverse=True), "not newest first")


class Listing(PrivacyTestCase):
    TYPES = ["view", "cart", "purchase", "bookmark", "click"]

    def fixture(self):
        """30 events of "lister" (five of them at the same ms as another), posted out of time
        order, and 10 of "other" on the same items."""
        mine = [("lister", "i%d" % (k % 5), self.TYPES[k % 5], T0 + 1000 * ((k * 7) % 25)) for k in range(25)]
        mine += [("lister", "tie%d" % k, "view", T0 + 12000) for k in range(5)]
        mine.append(("lister", "i0", "rating", T0 + 30000, None, {"value": 3.5}))
        others = [("other", "i%d" % (k % 5), "view", T0 + 500 + 1000 * k) for k in range(10)]
        self.load(mine[:13] + others[:5])
        self.load(others[5:] + mine[13:])
        return mine, others

    def assertEventsAre(self, events, want):
        by_sid = {sid: f for sid, f in self.cluster.stream(self.t)}
        for e in events:
            self.assertIn(e.get("stream_id"), by_sid, e)
            f = by_sid[e["stream_id"]]
            self.assertEqual((e.get("user"), e.get("item"), e.get("type"), e.get("timestamp")),
                             (f["user"], f["item"], f["type"], int(f["ts"])), e)
            self.assertIsInstance(e["timestamp"], int, e)
        self.assertEqual(len({e["stream_id"] for e in events}), len(events), "an event came twice")
        self.assertEqual(sorted((e["user"], e["item"], e["type"], e["timestamp"]) for e in events),
                         sorted(ev[:4] for ev in want))
        self.assertNewestFirst(events)

    def test_one_page(self):
        mine, others = self.fixture()
        body = self.list_events("users", "lister")
        self.assertIsNone(body["next"], body)
        self.assertEventsAre(body["events"], mine)
        newest = body["events"][0]
        self.assertEqual((newest["type"], newest.get("value")), ("rating", 3.5))
        body = self.list_events("items", "i0")
        self.assertEventsAre(body["events"], [ev for ev in mine + others if ev[1] == "i0"])
        self.assertEqual(self.list_events("users", "nobody"), {"events": [], "next": None})
        self.assertEqual(self.list_events("items", "nothing"), {"events": [], "next": None})

    def test_paging_yields_every_event_once(self):
        mine, others = self.fixture()
        for limit in (7, 1, 31, 1000):  # 31 events: uneven pages, one per event, exact fit, one page
            with self.subTest(limit=limit):
                pages = self.pages("users", "lister", limit)
                self.assertEqual(len([p for p in pages if p]), math.ceil(len(mine) / limit))
                self.assertEventsAre([e for p in pages for e in p], mine)
        for limit in (3, 4):
            with self.subTest(item="i1", limit=limit):
                pages = self.pages("items", "i1", limit)
                self.assertEventsAre([e for p in pages for e in p], [ev for ev in mine + others if ev[1] == "i1"])

    def test_type_filter(self):
        mine, others = self.fixture()
        for t in ("purchase", "view", "rating"):
            with self.subTest(type=t):
                pages = self.pages("users", "lister", 2, type=t)
                self.assertEventsAre([e for p in pages for e in p], [ev for ev in mine if ev[2] == t])
        pages = self.pages("items", "i2", 1, type="view")
        self.assertEventsAre([e for p in pages for e in p], [ev for ev in mine + others if ev[1:3] == ("i2", "view")])
        self.assertEqual(self.list_events("users", "lister", type="wishlist"), {"events": [], "next": None})

    def test_bad_parameters(self):
        self.fixture()
        for limit in ("0", "1001", "ten", "-1", ""):
            with self.subTest(limit=limit):
                self.assertError(self.call("GET", "users/lister/events", limit=limit), 400, "invalid_field", "limit")
        self.assertError(self.call("GET", "users/lister/events", cursor="not-a-cursor"), 400, "invalid_field",
                         "cursor")
        self.assertError(self.call("GET", "items/i0/events", cursor="x" * 300), 400, "invalid_field", "cursor")
        self.assertError(self.call("GET", "users/lister/events", type="Not A Type!"), 400, "invalid_field", "type")
        self.assertError(self.call("GET", "users/%s/events" % ("x" * 257)), 400, "invalid_field", "user")
        self.assertError(self.call("GET", "items/a%01b/events"), 400, "invalid_field", "item")


# The data set of the deletion tests: (user, item, type, ts, session).
DATA = [
    ("a", "x", "view", T0 + 1000, "s1"),
    ("a", "x", "cart", T0 + 2000, "s1"),
    ("a", "y", "view", T0 + 3000),
    ("b", "x", "view", T0 + 4000, "s2"),
    ("b", "y", "purchase", T0 + 5000, "s2"),
    ("a", "x", "purchase", T0 + 6000),
    ("c", "z", "view", T0 + 7000, "s1"),
    ("b", "x", "cart", T0 + 2000),  # the same time as a's cart of x
]


class Deletion(PrivacyTestCase):
    def delete_events(self, deleted, **params):
        """DELETE /events?params answers {"deleted": n}; afterwards the tenant holds DATA but the
        events that `deleted` picks."""
        self.load(DATA)
        self.assertConsistent(DATA)
        body = self.assertStatus(self.call("DELETE", "events", **params), 200)
        gone = [ev for ev in DATA if deleted(ev)]
        self.assertGreater(len(gone), 0)
        self.assertEqual(body, {"deleted": len(gone)})
        self.assertConsistent([ev for ev in DATA if not deleted(ev)])
        for user in ("a", "b", "c"):
            events = self.list_events("users", user)["events"]
            self.assertEqual(sorted((e["item"], e["type"], e["timestamp"]) for e in events),
                             sorted(ev[1:4] for ev in DATA if ev[0] == user and not deleted(ev)), user)
        # Again: nothing is left to delete.
        self.assertEqual(self.assertStatus(self.call("DELETE", "events", **params), 200), {"deleted": 0})

    def test_by_item(self):
        self.delete_events(lambda ev: ev[1] == "x", item="x")

    def test_by_item_and_user(self):
        self.delete_events(lambda ev: ev[:2] == ("a", "x"), item="x", user="a")

    def test_by_item_user_and_exact_timestamp(self):
        self.delete_events(lambda ev: ev[:2] == ("a", "x") and ev[3] == T0 + 2000, item="x", user="a",
                           timestamp=T0 + 2000)

    def test_by_user(self):
        self.delete_events(lambda ev: ev[0] == "a", user="a")

    def test_by_user_before(self):
        # before is exclusive: the event at exactly T0 + 3000 stays.
        self.delete_events(lambda ev: ev[0] == "a" and ev[3] < T0 + 3000, user="a", before=T0 + 3000)

    def test_by_item_before_as_rfc3339(self):
        self.delete_events(lambda ev: ev[1] == "x" and ev[3] < T0 + 4000, item="x", before=rfc3339_ms(T0 + 4000))

    def test_by_item_user_before(self):
        self.delete_events(lambda ev: ev[:2] == ("a", "x") and ev[3] < T0 + 6000, item="x", user="a",
                           before=T0 + 6000)

    def test_by_item_and_type(self):
        self.delete_events(lambda ev: ev[1] == "x" and ev[2] == "cart", item="x", type="cart")

    def test_by_user_type_and_exact_timestamp(self):
        self.delete_events(lambda ev: ev[0] == "a" and ev[2] == "cart" and ev[3] == T0 + 2000, user="a", type="cart",
                           timestamp=T0 + 2000)

    def test_by_session_parameter(self):
        self.delete_events(lambda ev: len(ev) > 4 and ev[4] == "s2", session="s2")

    def test_deleting_nothing(self):
        self.load(DATA)
        for params in ({"user": "nobody"}, {"item": "x", "user": "c"}, {"item": "x", "timestamp": T0 + 999},
                       {"user": "a", "before": T0}):
            with self.subTest(**params):
                self.assertEqual(self.assertStatus(self.call("DELETE", "events", **params), 200), {"deleted": 0})
        self.assertConsistent(DATA)

    def test_needs_a_user_or_an_item(self):
        self.load(DATA)
        for params in ({}, {"before": T0 + 5000}, {"timestamp": T0 + 1000}):
            with self.subTest(**params):
                self.assertError(self.call("DELETE", "events", **params), 400)
        for params, field in (({"user": "a", "timestamp": "noon"}, "timestamp"),
                              ({"item": "x", "before": "yesterday"}, "before"),
                              ({"user": "a\x01"}, "user"), ({"item": "x" * 257}, "item"),
                              ({"item": "x", "type": "Not A Type!"}, "type")):
            with self.subTest(**params):
                self.assertError(self.call("DELETE", "events", **params), 400, "invalid_field", field)
        self.assertConsistent(DATA)

    def test_delete_session(self):
        self.load(DATA)
        self.assertEqual(self.assertStatus(self.call("DELETE", "sessions/s1"), 200), {"deleted": 3})
        self.assertConsistent([ev for ev in DATA if not (len(ev) > 4 and ev[4] == "s1")])
        self.assertEqual(self.cluster.redis("EXISTS", key(self.t, "session-events:s1")), 0)
        self.assertEqual(self.assertStatus(self.call("DELETE", "sessions/s1"), 200), {"deleted": 0})
        self.assertEqual(self.assertStatus(self.call("DELETE", "sessions/unknown"), 200), {"deleted": 0})
        self.assertError(self.call("DELETE", "sessions/%s" % ("s" * 257)), 400, "invalid_field", "session")


class Export(PrivacyTestCase):
    def test_export_holds_everything_about_the_user(self):
        attrs = {"city": "Oslo", "newsletter": True}
        self.assertStatus(self.call("PUT", "users", [{"id": "exp", "attributes": attrs}, {"id": "quiet"}]), 200)
        mine = [("exp", "x", "view", T0 + 1000, "sx"), ("exp", "x", "cart", T0 + 2000),
                ("exp", "y", "purchase", T0 + 3000, None, {"quantity": 2, "price": 9.5, "order": "o1"}),
                ("exp", "z", "rating", T0 + 4000, None, {"value": 4})]
        self.load(mine + [("someone", "x", "view", T0 + 5000), ("nosy", "q", "view", T0)])
        body = self.assertStatus(self.call("GET", "users/exp/export"), 200)
        self.assertEqual(set(body), {"user", "events", "history"}, body)
        self.assertEqual((body["user"]["id"], body["user"]["attributes"]), ("exp", attrs))
        sids = {sid for sid, f in self.cluster.stream(self.t) if f["user"] == "exp"}
        self.assertEqual({e.get("stream_id") for e in body["events"]}, sids)
        self.assertEqual(sorted((e["user"], e["item"], e["type"], e["timestamp"]) for e in body["events"]),
                         sorted(ev[:4] for ev in mine))
        purchase = [e for e in body["events"] if e["type"] == "purchase"][0]
        self.assertEqual((purchase.get("quantity"), purchase.get("price"), purchase.get("order")), (2, 9.5, "o1"))
        self.assertEqual([e.get("session") for e in body["events"] if e["timestamp"] == T0 + 1000], ["sx"])
        # history: one entry per item, at the time of the item's latest event. (The brief names
        # the time "timestamp", like an event's; docs/protocol.md says "ts" for the op.)
        self.assertEqual(sorted((h.get("item"), h.get("timestamp")) for h in body["history"]),
                         [("x", T0 + 2000), ("y", T0 + 3000), ("z", T0 + 4000)])

    def test_export_of_partial_and_unknown_users(self):
        self.assertStatus(self.call("PUT", "users", [{"id": "quiet", "attributes": {"a": 1}}]), 200)
        self.load([("anon", "x", "view", T0)])
        quiet = self.assertStatus(self.call("GET", "users/quiet/export"), 200)
        self.assertEqual((quiet["user"]["id"], quiet["user"]["attributes"], quiet["events"], quiet["history"]),
                         ("quiet", {"a": 1}, [], []))
        anon = self.assertStatus(self.call("GET", "users/anon/export"), 200)
        self.assertIsNone(anon["user"])
        self.assertEqual([(e["item"], e["timestamp"]) for e in anon["events"]], [("x", T0)])
        self.assertEqual(self.assertStatus(self.call("GET", "users/nobody/export"), 200),
                         {"user": None, "events": [], "history": []})
        self.assertError(self.call("GET", "users/%s/export" % ("u" * 257)), 400, "invalid_field", "user")


class UserDeletion(PrivacyTestCase):
    USER = "forget-me-42"

    def test_delete_user_removes_everything(self):
        r, u = self.cluster.redis, self.USER
        self.assertStatus(self.call("PUT", "users", [{"id": u, "attributes": {"email": "me@example.com"}},
                                                     {"id": "keep-me", "attributes": {"x": 1}}]), 200)
        theirs = [(u, "x", "view", T0 + 1000, "sess-fm"), (u, "y", "purchase", T0 + 2000, "sess-fm"),
                  (u, "x", "cart", T0 + 3000, None, {"id": "fm-1"})]
        others = [("keep-me", "x", "view", T0 + 1500, "sess-k"), ("keep-me", "z", "view", T0 + 2500)]
        self.load(theirs + others)
        self.assertGreater(len(self.cluster.scan(key(self.t, "*%s*" % u))), 0)
        self.assertEqual(self.assertStatus(self.call("DELETE", "users/" + u), 200), {"deleted": len(theirs)})
        self.assertEqual(self.cluster.scan(key(self.t, "*%s*" % u)), [], "keys naming the user are left")
        self.assertFalse([f for _, f in self.cluster.stream(self.t) if u in f.values()], "stream entries are left")
        self.assertConsistent(others)
        self.assertEqual(r("SISMEMBER", key(self.t, "users"), u), 0)
        self.assertError(self.call("GET", "users/" + u), 404, "not_found")
        self.assertEqual(self.assertStatus(self.call("GET", "users/%s/export" % u), 200),
                         {"user": None, "events": [], "history": []})
        self.assertEqual(self.list_events("users", u), {"events": [], "next": None})
        # The other user is untouched.
        self.assertEqual(self.assertStatus(self.call("GET", "users/keep-me"), 200)["attributes"], {"x": 1})
        # Deleting again, or a user that never was, deletes nothing.
        self.assertEqual(self.assertStatus(self.call("DELETE", "users/" + u), 200), {"deleted": 0})
        self.assertEqual(self.assertStatus(self.call("DELETE", "users/never-was"), 200), {"deleted": 0})
        self.assertError(self.call("DELETE", "users/%s" % ("u" * 257)), 400, "invalid_field", "user")

    def test_ids_that_need_escaping_in_paths(self):
        u = "Jürgen/ä ?&x=1%"
        path = urllib.parse.quote(u, safe="")
        self.load([(u, "x", "view", T0), (u, "y", "cart", T0 + 1), ("other", "x", "view", T0 + 2)])
        self.assertEqual(sorted(e["item"] for e in self.list_events("users", u)["events"]), ["x", "y"])
        self.assertEqual(len(self.assertStatus(self.call("GET", "users/%s/export" % path), 200)["events"]), 2)
        self.assertEqual(self.assertStatus(self.call("DELETE", "users/" + path), 200), {"deleted": 2})
        self.assertConsistent([("other", "x", "view", T0 + 2)])
        self.assertEqual(self.assertStatus(self.call("GET", "users/%s/export" % path), 200),
                         {"user": None, "events": [], "history": []})

    def popular(self):
        body = self.assertStatus(self.call("GET", "recommend", model="popular", limit=50), 200)
        return {rec["item"]: rec["score"] for rec in body["recommendations"]}

    def neighbours(self, item):
        body = self.assertStatus(self.call("GET", "recommend", model="item-to-item", item=item, limit=50), 200)
        return {rec["item"]: rec["score"] for rec in body["recommendations"]}

    def train(self):
        rc, out = self.cluster.run_trainer_once(self.t)
        self.assertEqual(rc, 0, out)

    def test_the_next_model_build_forgets_the_user(self):
        u = self.USER
        # u alone links A and B; v links A and C; w links C and D.
        self.load([(u, "A", "view", T0), (u, "B", "view", T0 + 1), ("v", "A", "view", T0 + 2),
                   ("v", "C", "view", T0 + 3), ("w", "C", "view", T0 + 4), ("w", "D", "view", T0 + 5)])
        self.train()
        self.assertIn("B", self.neighbours("A"))
        self.assertIn("C", self.neighbours("A"))
        self.assertEqual(self.popular(), {"A": 2, "B": 1, "C": 2, "D": 1})
        r = self.cluster.redis
        per_user = []  # the lists keyed by u in the served versions: gone with the user, at once
        for model in ("for-user", "similar-customers"):
            v = r("GET", "reco:{%s}:m:%s:current" % (self.t, model))
            per_user.append("reco:{%s}:m:%s:%s:u:%s" % (self.t, model, v, u))
        self.assertEqual([r("EXISTS", k) for k in per_user], [1, 1], per_user)
        self.assertEqual(self.assertStatus(self.call("DELETE", "users/" + u), 200), {"deleted": 2})
        self.assertEqual([r("EXISTS", k) for k in per_user], [0, 0], per_user)
        self.train()
        self.assertNotIn("B", self.neighbours("A"))
        self.assertEqual(self.neighbours("B"), {})
        self.assertIn("C", self.neighbours("A"))  # the rebuild did happen, from the others' data
        self.assertEqual(self.popular(), {"A": 1, "C": 2, "D": 1})


class Transfer(PrivacyTestCase):
    def recommend_for(self, user):
        body = self.assertStatus(self.call("GET", "recommend", model="item-to-item", user=user, limit=50), 200)
        return {rec["item"]: rec["score"] for rec in body["recommendations"]}

    def assertScores(self, got, want):
        self.assertEqual(sorted(got), sorted(want), "got %r, want %r" % (got, want))
        for item, score in want.items():
            self.assertAlmostEqual(got[item], score, delta=1e-9, msg="%s: %r" % (item, got))

    def setup_shop(self, guest, member):
        """x1 links A and P, x2 links C and Q; the guest saw A and B, the member saw C. Trained
        on that. Returns the guest's events and all events (the model's data)."""
        guest_events = [(guest, "A", "view", T0 + 10, "cookie-1", {"id": "g-1"}),
                        (guest, "A", "cart", T0 + 20, "cookie-1"),
                        (guest, "B", "view", T0 + 30, "cookie-1", {"value": 1.5})]
        events = guest_events + [("x1", "A", "view", T0), ("x1", "P", "view", T0 + 1), ("x2", "C", "view", T0 + 2),
                                 ("x2", "Q", "view", T0 + 3), (member, "C", "view", T0 + 40)]
        self.load(events)
        rc, out = self.cluster.run_trainer_once(self.t)
        self.assertEqual(rc, 0, out)
        self.assertScores(self.recommend_for(member), user_based(events, ["C"]))
        self.assertScores(self.recommend_for(guest), user_based(events, ["A", "B"]))
        self.assertEqual(sorted(user_based(events, ["A", "B", "C"])), ["P", "Q"])
        return guest_events, events

    def test_transfer_moves_the_guest_into_the_member(self):
        guest_events, events = self.setup_shop("guest-1", "member-1")
        before = self.cluster.stream(self.t)
        self.assertStatus(self.call("PUT", "users", [{"id": "guest-1", "attributes": {"cart": "full"}},
                                                     {"id": "member-1", "attributes": {"tier": "gold"}}]), 200)
        self.assertEqual(self.assertStatus(self.call("POST", "users/guest-1/transfer/member-1"), 200),
                         {"moved": len(guest_events)})
        moved = [("member-1",) + ev[1:] for ev in guest_events]
        rest = [(f["user"], f["item"], f["type"], int(f["ts"]), f.get("session")) for _, f in before
                if f["user"] != "guest-1"]
        self.assertConsistent(moved + rest)
        # The moved events keep their times and their other fields.
        member = self.list_events("users", "member-1")["events"]
        self.assertEqual(sorted((e["item"], e["type"], e["timestamp"], e.get("session"), e.get("value"))
                                for e in member),
                         sorted([("A", "view", T0 + 10, "cookie-1", None), ("A", "cart", T0 + 20, "cookie-1", None),
                                 ("B", "view", T0 + 30, "cookie-1", 1.5), ("C", "view", T0 + 40, None, None)]))
        self.assertEqual(self.list_events("users", "guest-1"), {"events": [], "next": None})
        self.assertEqual(self.cluster.scan(key(self.t, "*guest-1*")), [], "the guest is not gone")
        self.assertError(self.call("GET", "users/guest-1"), 404, "not_found")
        self.assertEqual(self.assertStatus(self.call("GET", "users/member-1"), 200)["attributes"], {"tier": "gold"})
        # Live user-based recommendations use the moved history at once (no retraining):
        # A's neighbour P joins C's neighbour Q; A, B and C themselves are history.
        self.assertScores(self.recommend_for("member-1"), user_based(events, ["A", "B", "C"]))
        self.assertScores(self.recommend_for("guest-1"), {})

    def test_transfer_with_keep_copies(self):
        guest_events, events = self.setup_shop("guest-2", "member-2")
        guest_before = self.list_events("users", "guest-2")
        self.assertEqual(self.assertStatus(self.call("POST", "users/guest-2/transfer/member-2", keep="true"), 200),
                         {"moved": len(guest_events)})
        self.assertEqual(self.list_events("users", "guest-2"), guest_before)
        copies = [("member-2",) + ev[1:] for ev in guest_events]
        all_events = [(f["user"], f["item"], f["type"], int(f["ts"]), f.get("session"))
                      for _, f in self.cluster.stream(self.t)]
        self.assertEqual(sorted(e for e in all_events if e[0] == "member-2"),
                         sorted([row(ev) for ev in copies] + [("member-2", "C", "view", T0 + 40, None)]))
        self.assertConsistent(all_events)
        self.assertScores(self.recommend_for("member-2"), user_based(events, ["A", "B", "C"]))
        self.assertScores(self.recommend_for("guest-2"), user_based(events, ["A", "B"]))

    def test_transfer_edge_cases(self):
        self.load([("m", "A", "view", T0)])
        self.assertEqual(self.assertStatus(self.call("POST", "users/ghost/transfer/m"), 200), {"moved": 0})
        self.assertConsistent([("m", "A", "view", T0)])
        # Into a user who has nothing yet.
        self.assertEqual(self.assertStatus(self.call("POST", "users/m/transfer/fresh"), 200), {"moved": 1})
        self.assertConsistent([("fresh", "A", "view", T0)])
        self.assertError(self.call("POST", "users/fresh/transfer/fresh"), 400, "invalid_field", "to")
        self.assertError(self.call("POST", "users/fresh/transfer/other", keep="perhaps"), 400, "invalid_field",
                         "keep")
        self.assertError(self.call("POST", "users/fresh/transfer/%s" % ("t" * 257)), 400, "invalid_field", "to")
        self.assertConsistent([("fresh", "A", "view", T0)])


if __name__ == "__main__":
    unittest.main(verbosity=2)
