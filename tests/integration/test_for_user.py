"""for-user end to end: the trainer's EASE (λ = 2 here, so the numbers are not tiny) is checked
to the exact score against an EASE computed in this file (Gauss-Jordan inverse); the user's
build-time list (…:u:<user>) answers for a known user; an event posted after the build changes
the very next answer without retraining (the fresh item's row is added, the item itself left
out); a user the trainer never saw is served from the rows of its history."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ClusterTestCase, key  # noqa: E402

TENANT = "fu"
LAMBDA = 2.0
# (user, item): every event a view (weight 1); X is binary, so repeats would not matter
EVENTS = [
    ("u1", "a"), ("u1", "b"), ("u1", "c"),
    ("u2", "a"), ("u2", "b"), ("u2", "d"),
    ("u3", "b"), ("u3", "c"), ("u3", "e"),
    ("u4", "a"), ("u4", "d"), ("u4", "e"), ("u4", "f"),
    ("u5", "c"), ("u5", "f"),
    ("u6", "d"), ("u6", "f"), ("u6", "a"),
]


def invert(a):
    n = len(a)
    m = [row[:] + [1.0 if i == j else 0.0 for j in range(n)] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        pivot = m[c][c]
        m[c] = [v / pivot for v in m[c]]
        for r in range(n):
            if r != c and m[r][c] != 0.0:
                f = m[r][c]
                m[r] = [v - f * w for v, w in zip(m[r], m[c])]
    return [row[n:] for row in m]


class Ease:
    def __init__(self, events, lam):
        self.items = sorted({i for _, i in events})
        self.hist = {}
        for u, i in events:
            self.hist.setdefault(u, set()).add(i)
        idx = {i: k for k, i in enumerate(self.items)}
        n = len(self.items)
        g = [[0.0] * n for _ in range(n)]
        for items in self.hist.values():
            for a in items:
                for b in items:
                    g[idx[a]][idx[b]] += 1.0
        for k in range(n):
            g[k][k] += lam
        p = invert(g)
        self.b = {a: {c: (0.0 if a == c else -p[idx[a]][idx[c]] / p[idx[c]][idx[c]]) for c in self.items}
                  for a in self.items}

    def user_scores(self, history):
        """x_u·B over the dense rows, own items out, scores > 0 (the build-time list)."""
        s = {c: sum(self.b[a][c] for a in history) for c in self.items if c not in history}
        return {c: v for c, v in s.items() if v > 0}

    def row(self, a):
        """What the trainer publishes for item a: the positive entries of its row."""
        return {c: v for c, v in self.b[a].items() if v > 0}


class ForUserTest(ClusterTestCase):
    cluster_kwargs = {"trainer": False}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.cluster
        base = int(time.time()) - 86400  # a day ago: older than the build
        body = [{"user": u, "item": i, "type": "view", "timestamp": base + k} for k, (u, i) in enumerate(EVENTS)]
        status, _, reply = c.http("POST", "/v1/%s/events" % TENANT, body)
        assert status == 200 and reply.get("stored") == len(EVENTS), reply
        cls.rc, cls.out = c.run_trainer_once(TENANT, extra_args=["--ease-lambda", "2"])
        cls.ease = Ease(EVENTS, LAMBDA)

    def recommend(self, **params):
        q = "&".join("%s=%s" % kv for kv in params.items())
        status, _, body = self.cluster.http("GET", "/v1/%s/recommend?model=for-user&limit=50&%s" % (TENANT, q))
        self.assertEqual(status, 200, body)
        return body

    def assertScores(self, recs, want):
        got = {r["item"]: r["score"] for r in recs if r.get("model") == "for-user"}
        self.assertEqual(set(got), set(want), "got %r, want %r" % (recs, want))
        for item, score in want.items():
            self.assertAlmostEqual(got[item], score, delta=1e-9, msg=item)
        ranked = [r["score"] for r in recs if r.get("model") == "for-user"]
        self.assertEqual(ranked, sorted(ranked, reverse=True), recs)

    def test_00_trained_with_user_lists(self):
        self.assertEqual(self.rc, 0, self.out)
        self.assertRegex(self.out, r"for-user v\d+: 6 item rows, \d+ pairs, \d+ user lists \(dense rows\)")
        v = self.cluster.redis("GET", key(TENANT, "m:for-user:current"))
        self.assertTrue(v)
        meta = self.cluster.redis("HGETALL", key(TENANT, "m:for-user:%s:meta" % v))
        meta = dict(zip(meta[::2], meta[1::2]))
        self.assertGreater(int(meta["events_until"]), int(time.time() * 1000) - 120_000, meta)
        self.assertEqual(int(meta["interval_ms"]), 300_000, meta)
        stored = self.cluster.redis("ZRANGE", key(TENANT, "m:for-user:%s:u:u1" % v), 0, -1, "WITHSCORES")
        want = self.ease.user_scores({"a", "b", "c"})
        self.assertEqual(set(stored[::2]), set(want))
        for item, score in zip(stored[::2], stored[1::2]):
            self.assertAlmostEqual(float(score), want[item], delta=1e-9)

    def test_01_known_user_exact(self):
        for user in ("u1", "u3", "u5"):
            with self.subTest(user=user):
                self.assertScores(self.recommend(user=user)["recommendations"],
                                  self.ease.user_scores(self.ease.hist[user]))

    def test_fresh_event_counts_without_retraining(self):
        v = self.cluster.redis("GET", key(TENANT, "m:for-user:current"))
        before = self.ease.user_scores(self.ease.hist["u2"])  # {a, b, d}
        status, _, body = self.cluster.http("POST", "/v1/%s/events" % TENANT,
                                            {"user": "u2", "item": "c", "type": "view"})
        self.assertEqual(status, 200, body)
        after = self.recommend(user="u2")
        self.assertEqual(str(after["version"]), v, "the model was rebuilt meanwhile")
        want = dict(before)
        for c, s in self.ease.row("c").items():
            want[c] = want.get(c, 0.0) + s
        want = {c: s for c, s in want.items() if c not in {"a", "b", "c", "d"} and s > 0}
        self.assertNotIn("c", [r["item"] for r in after["recommendations"]])
        self.assertNotEqual(want, before)  # the fixture makes the fresh row matter
        self.assertScores(after["recommendations"], want)

    def test_new_user_sums_rows(self):
        status, _, body = self.cluster.http("POST", "/v1/%s/events" % TENANT,
                                            [{"user": "n1", "item": "b", "type": "view"},
                                             {"user": "n1", "item": "e", "type": "view"}])
        self.assertEqual(status, 200, body)
        want = {}
        for a in ("b", "e"):
            for c, s in self.ease.row(a).items():
                if c not in ("b", "e"):
                    want[c] = want.get(c, 0.0) + s
        self.assertScores(self.recommend(user="n1")["recommendations"], want)


if __name__ == "__main__":
    unittest.main(verbosity=2)
