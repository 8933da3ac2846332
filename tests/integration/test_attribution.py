"""Attribution and A/B end to end (docs/attribution.md): scenario variants split users
deterministically by weight, a split group (native split_group, Gravity's splitGroup) overrides
the hash; every answer's recommendation id resolves to its scenario, variant and model; rendered,
click, view and purchase events citing ids taken from real answers of the native routes, of
Gravity and of Yoochoose are counted exactly into GET /v1/{tenant}/stats (impressions, clicks,
CTR, conversions, revenue), a duplicate event id counts once, a forged id is stored but not
counted; the stats route's validation. Real redis-server, real processes, real HTTP."""

import base64
import datetime
import os
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ClusterTestCase, key  # noqa: E402

T = "7007"  # numeric: Yoochoose's customer ids are numbers
ITEMS = [{"id": "i%d" % n, "title": "Item %d" % n, "categories": ["shop/all"],
          "attributes": {"price": 10 + n}} for n in range(1, 9)]
SPLIT = {"model": "popular", "limit": 5,
         "variants": [{"name": "A", "weight": 1},
                      {"name": "B", "weight": 1, "model": "popular-30d", "limit": 3}]}


def q(**params):
    return urllib.parse.urlencode(params, doseq=True)


def resolve(rid):
    """The attribution a version-1 id carries in its (readable, signed) payload."""
    prefix, _nonce, payload, _mac = rid.split(".")
    assert prefix == "r1", rid
    text = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    ms, scenario, variant, model = text.split("\x1f")
    return {"ms": int(ms), "scenario": scenario, "variant": variant, "model": model}


def forge(rid):
    """rid with its payload claiming another variant: the signature no longer matches."""
    prefix, nonce, payload, mac = rid.split(".")
    text = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    parts = text.split("\x1f")
    parts[2] = "A" if parts[2] != "A" else "B"
    fake = base64.urlsafe_b64encode("\x1f".join(parts).encode()).decode().rstrip("=")
    return ".".join((prefix, nonce, fake, mac))


class Attribution(ClusterTestCase):
    cluster_kwargs = {"query_workers": 2, "trainer": False}

    @classmethod
    def setUpData(cls):
        c = cls.cluster
        assert c.http("PUT", "/v1/%s/items" % T, ITEMS)[0] == 200
        events = [{"user": "seed%d" % u, "item": "i%d" % n, "type": "view"}
                  for u in range(12) for n in range(1, 9) if (u + n) % 3 != 0]
        status, _, body = c.http("POST", "/v1/%s/events" % T, events)
        assert status == 200, body
        assert c.http("PUT", "/v1/%s/actions/rendered" % T, {"weight": 0})[0] == 200
        for sid, scenario in (("home", SPLIT), ("count", SPLIT), ("plain", {"model": "popular"})):
            assert c.http("PUT", "/v1/%s/scenarios/%s" % (T, sid), scenario)[0] in (200, 201)
        rc, out = c.run_trainer_once(T)
        assert rc == 0, out

    # -- helpers ---------------------------------------------------------------------------
    def reco(self, scenario, **params):
        return self.assertStatus(self.cluster.http(
            "GET", "/v1/%s/recommend/%s?%s" % (T, scenario, q(**params))), 200)

    def events(self, events, stored=None):
        body = self.assertStatus(self.cluster.http("POST", "/v1/%s/events" % T, events), 200)
        if stored is not None:
            self.assertEqual(body["stored"], stored, body)
        return body

    def stats(self, **params):
        today = datetime.datetime.now(datetime.timezone.utc).date()
        params.setdefault("from", (today - datetime.timedelta(days=1)).isoformat())
        params.setdefault("to", (today + datetime.timedelta(days=1)).isoformat())
        return self.assertStatus(self.cluster.http("GET", "/v1/%s/stats?%s" % (T, q(**params))), 200)

    def totals(self, scenario):
        """(variant, model) -> summed metrics of the scenario over the days asked."""
        out = {}
        for row in self.stats(scenario=scenario)["stats"]:
            self.assertEqual(row["scenario"], scenario)
            t = out.setdefault((row["variant"], row["model"]),
                               {"impressions": 0, "clicks": 0, "conversions": 0, "revenue": 0.0})
            for m in t:
                t[m] += row[m]
            want_ctr = row["clicks"] / row["impressions"] if row["impressions"] else 0
            self.assertAlmostEqual(row["ctr"], want_ctr)
        return out

    # -- variants --------------------------------------------------------------------------
    def test_users_split_deterministically(self):
        seen = {}
        for u in range(200):
            body = self.reco("home", user="user-%d" % u)
            self.assertIn(body["variant"], ("A", "B"))
            self.assertEqual(resolve(body["recommendation_id"])["variant"], body["variant"])
            seen["user-%d" % u] = body["variant"]
        counts = {v: list(seen.values()).count(v) for v in ("A", "B")}
        self.assertTrue(70 <= counts["A"] <= 130, counts)  # 50/50 over 200 users (±4.2 sigma)
        for u in range(0, 200, 10):  # the same user always gets the same variant
            for _ in range(3):
                self.assertEqual(self.reco("home", user="user-%d" % u)["variant"], seen["user-%d" % u])
        # the variant's overrides serve: B is popular-30d with limit 3, A popular with limit 5
        a_user = next(u for u, v in seen.items() if v == "A")
        b_user = next(u for u, v in seen.items() if v == "B")
        a, b = self.reco("home", user=a_user), self.reco("home", user=b_user)
        self.assertEqual((len(a["recommendations"]), len(b["recommendations"])), (5, 3))
        self.assertEqual({r["model"] for r in a["recommendations"]}, {"popular"})
        self.assertEqual({r["model"] for r in b["recommendations"]}, {"popular-30d"})
        self.assertEqual(resolve(b["recommendation_id"]),
                         dict(resolve(b["recommendation_id"]), scenario="home", variant="B", model="popular-30d"))
        # a session (cookie) is hashed like a user
        s = [self.reco("home", session="cookie-77")["variant"] for _ in range(3)]
        self.assertEqual(len(set(s)), 1)

    def test_split_group_overrides_the_hash(self):
        for u in range(20):
            for group in ("A", "B"):
                body = self.reco("home", user="sg-%d" % u, split_group=group)
                self.assertEqual(body["variant"], group)
        # a group that names no variant is hashed itself: all its members get one variant
        self.assertEqual(len({self.reco("home", user="m-%d" % u, split_group="team-x")["variant"]
                              for u in range(20)}), 1)
        # POST and bulk carry split_group too
        body = self.assertStatus(self.cluster.http("POST", "/v1/%s/recommend/home" % T,
                                                   {"user": "p1", "split_group": "B"}), 200)
        self.assertEqual(body["variant"], "B")
        bulk = self.assertStatus(self.cluster.http("POST", "/v1/%s/recommend/bulk" % T, {"requests": [
            {"scenario": "home", "user": "p1", "split_group": "A"},
            {"scenario": "home", "user": "p1", "split_group": "B"},
            {"scenario": "plain", "user": "p1", "split_group": "B"}]}), 200)
        self.assertEqual([r["variant"] for r in bulk["responses"]], ["A", "B", "default"])
        self.assertError(self.cluster.http("GET", "/v1/%s/recommend/home?split_group=%s" % (T, "x" * 65)),
                         400, "invalid_field", "split_group")

    def test_gravity_split_group(self):
        base = "/compat/gravity/%s/getItemRecommendation" % T
        for group in ("A", "B"):
            body = self.assertStatus(self.cluster.http(
                "GET", base + "?" + q(scenarioId="home", userId="g1", splitGroup=group)), 200)
            self.assertEqual(body["splitGroup"], group)  # echoed, as before
            self.assertEqual(resolve(body["recommendationId"])["variant"], group)
            self.assertEqual(len(body["itemIds"]), 5 if group == "A" else 3)
        body = self.assertStatus(self.cluster.http("POST", base, {"scenarioId": "home", "userId": "g1",
                                                                  "splitGroup": "B"}), 200)
        self.assertEqual(resolve(body["recommendationId"])["variant"], "B")
        self.assertError(self.cluster.http("POST", base, {"scenarioId": "home", "splitGroup": {"x": 1}}),
                         400, "invalid_field", "splitGroup")

    def test_model_route_ids_resolve(self):
        body = self.assertStatus(self.cluster.http("GET", "/v1/%s/recommend?model=popular&limit=2" % T), 200)
        got = resolve(body["recommendation_id"])
        self.assertEqual((got["scenario"], got["variant"], got["model"]), ("model:popular", "default", "popular"))

    # -- attribution -----------------------------------------------------------------------
    def test_events_citing_ids_are_counted_exactly(self):
        a = self.reco("count", user="buyer-a", split_group="A")
        b = self.reco("count", user="buyer-b", split_group="B")
        rid_a, rid_b = a["recommendation_id"], b["recommendation_id"]
        model_a, model_b = a["recommendations"][0]["model"], b["recommendations"][0]["model"]
        items_a = [r["item"] for r in a["recommendations"]]
        # native: 3 impressions, 1 click, 1 purchase of 2 x 12.5 on A
        self.events([{"user": "buyer-a", "item": i, "type": "rendered", "recommendation": rid_a}
                     for i in items_a[:3]], stored=3)
        self.events([{"user": "buyer-a", "item": items_a[0], "type": "click", "recommendation": rid_a},
                     {"user": "buyer-a", "item": items_a[0], "type": "purchase", "recommendation": rid_a,
                      "price": 12.5, "quantity": 2}], stored=2)
        # a duplicate event id counts once
        once = {"id": "dup-1", "user": "buyer-b", "item": "i1", "type": "click", "recommendation": rid_b}
        self.events([once], stored=1)
        self.assertEqual(self.events([once], stored=0)["duplicates"], 1)
        # forged and unknown ids: stored, not counted
        self.events([{"user": "buyer-b", "item": "i1", "type": "purchase", "price": 999,
                      "recommendation": forge(rid_b)},
                     {"user": "buyer-b", "item": "i1", "type": "click", "recommendation": "r1.AAAA.BBBB.CCCC"},
                     {"user": "buyer-b", "item": "i1", "type": "click", "recommendation": "0" * 32}], stored=3)
        # an event without an id, or of a type that is not attributed, counts nothing
        self.events([{"user": "buyer-b", "item": "i2", "type": "click"},
                     {"user": "buyer-b", "item": "i2", "type": "cart", "recommendation": rid_b}], stored=2)
        # another tenant's id is not this tenant's
        other = self.assertStatus(self.cluster.http("GET", "/v1/other-%s/recommend?model=popular" % T), 200)
        self.events([{"user": "buyer-b", "item": "i1", "type": "click",
                      "recommendation": other["recommendation_id"]}], stored=1)

        # Gravity: its answer's recommendationId, cited by REC_CLICK and BUY (2 x 7.5)
        g = self.assertStatus(self.cluster.http("GET", "/compat/gravity/%s/getItemRecommendation?%s" % (
            T, q(scenarioId="count", userId="buyer-g", splitGroup="B"))), 200)
        rid_g = g["recommendationId"]
        status, _, text = self.cluster.http("POST", "/compat/gravity/%s/addEvents" % T, [
            {"itemId": g["itemIds"][0], "userId": "buyer-g", "eventType": "REC_CLICK", "recommendationId": rid_g},
            {"itemId": g["itemIds"][0], "userId": "buyer-g", "eventType": "BUY", "recommendationId": rid_g,
             "nameValues": [{"name": "unitPrice", "value": "7.5"}, {"name": "quantity", "value": "2"}]}])
        self.assertEqual(status, 200, text)

        # Advisable (seed 001: recommendation_id on interactions): a view and a purchase (3 x 4)
        # citing the native answer of B
        for kind, extra in (("views", {}), ("purchases", {"price": 4, "amount": 3})):
            status, _, text = self.cluster.http("POST", "/compat/advisable/%s/v1/%s" % (T, kind), dict(
                extra, user_id="buyer-b", item_id="i1", recommendation_id=rid_b))
            self.assertEqual(status, 201, text)

        # Yoochoose: the rendered and clickRecommended links of an answer (no split group in
        # Yoochoose: the user's hash picks the variant, read back from the id)
        y = self.assertStatus(self.cluster.http(
            "GET", "/compat/yoochoose/api/v2/%s/buyer-y/count.json?numrecs=2" % T), 200)
        first = y["recommendationItems"][0]
        rid_y = urllib.parse.parse_qs(urllib.parse.urlsplit(first["links"]["rendered"]).query)["recommendation"][0]
        port = self.cluster.http_port
        for name in ("rendered", "clickRecommended"):
            path = first["links"][name][len("//127.0.0.1:%d" % port):]
            self.assertEqual(self.cluster.http("GET", path)[0], 204, path)
        y_at = resolve(rid_y)

        want = {}

        def add(variant, model, **metrics):
            t = want.setdefault((variant, model), {"impressions": 0, "clicks": 0, "conversions": 0, "revenue": 0.0})
            for m, v in metrics.items():
                t[m] += v
        add("A", model_a, impressions=3, clicks=1, conversions=1, revenue=25.0)
        add("B", model_b, clicks=2, conversions=1, revenue=12.0)
        g_at = resolve(rid_g)
        self.assertEqual((g_at["scenario"], g_at["variant"]), ("count", "B"))
        add("B", g_at["model"], clicks=1, conversions=1, revenue=15.0)
        self.assertEqual(y_at["scenario"], "count")
        add(y_at["variant"], y_at["model"], impressions=1, clicks=1)
        self.assertEqual(self.totals("count"), want)

        rows = [r for r in self.stats(scenario="count")["stats"] if r["variant"] == "A"]
        self.assertAlmostEqual(sum(r["clicks"] for r in rows) / sum(r["impressions"] for r in rows),
                               want[("A", model_a)]["clicks"] / want[("A", model_a)]["impressions"])
        # the counts live in the day's hash of the contract
        day = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
        stored = self.cluster.redis("HGETALL", key(T, "stats:d:" + day))
        self.assertTrue(any(f.startswith("count\x1fA\x1f") for f in stored[::2]), stored)

    def test_model_route_clicks_are_counted(self):
        body = self.assertStatus(self.cluster.http("GET", "/v1/%s/recommend?model=popular-7d&limit=2" % T), 200)
        self.events([{"user": "m1", "item": body["recommendations"][0]["item"], "type": "view",
                      "recommendation": body["recommendation_id"]}], stored=1)
        self.assertEqual(self.totals("model:popular-7d"),
                         {("default", "popular-7d"): {"impressions": 0, "clicks": 1, "conversions": 0,
                                                      "revenue": 0.0}})

    def test_dialects_without_an_id_field_send_it_as_a_header(self):
        """Aegeria's and TasteHit's documented answers are bare lists: their id comes as the
        X-Recommendation-Id header, and an event citing it is counted like any other."""
        status, headers, body = self.cluster.http("GET", "/compat/tastehit/api/%s/v1/plain/r?user_id=seed1" % T)
        self.assertEqual(status, 200, body)
        self.assertIsInstance(body, list)
        rid = headers.get("x-recommendation-id")
        self.assertEqual(resolve(rid)["scenario"], "plain")
        self.events([{"user": "th1", "item": body[0]["item_pid"], "type": "click", "recommendation": rid}], stored=1)
        self.assertEqual(self.totals("plain")[("default", "popular")]["clicks"], 1)
        status, headers, body = self.cluster.http(
            "GET", "/compat/aegeria/%s/recommendation/by-similar-customers?customer=seed1" % T)
        self.assertEqual(status, 200, body)
        self.assertEqual(set(body), {"recommendations"})
        self.assertEqual(resolve(headers.get("x-recommendation-id"))["scenario"], "model:similar-customers")

    # -- the stats route -------------------------------------------------------------------
    def test_stats_defaults_and_sorting(self):
        body = self.assertStatus(self.cluster.http("GET", "/v1/%s/stats" % T), 200)
        to = datetime.date.fromisoformat(body["to"])
        self.assertEqual(to, datetime.datetime.now(datetime.timezone.utc).date())
        self.assertEqual(datetime.date.fromisoformat(body["from"]), to - datetime.timedelta(days=29))
        keys = [(r["day"], r["scenario"], r["variant"]) for r in body["stats"]]
        self.assertEqual(keys, sorted(keys))
        for r in body["stats"]:
            self.assertEqual(set(r), {"day", "scenario", "variant", "model", "impressions", "clicks", "ctr",
                                      "conversions", "revenue"})
        empty = self.assertStatus(self.cluster.http("GET", "/v1/%s/stats?from=2020-01-01&to=2020-12-31" % T), 200)
        self.assertEqual(empty, {"from": "2020-01-01", "to": "2020-12-31", "stats": []})

    def test_stats_validation(self):
        for query, field in (("from=2026-02-30", "from"), ("to=yesterday", "to"), ("from=2026-1-01", "from"),
                             ("from=2026-03-02&to=2026-03-01", "from"), ("from=2024-01-01&to=2025-01-01", "from"),
                             ("scenario=a%20b", "scenario"), ("scenario=model:nope", "scenario"),
                             ("from=1969-12-31", "from")):
            self.assertError(self.cluster.http("GET", "/v1/%s/stats?%s" % (T, query)), 400, "invalid_field", field)
        # 366 days, both included, is the most
        self.assertStatus(self.cluster.http("GET", "/v1/%s/stats?from=2024-01-01&to=2024-12-31" % T), 200)
        self.assertEqual(self.cluster.http("POST", "/v1/%s/stats" % T, {})[0], 405)

    def test_variant_validation(self):
        for body, field in (({"model": "popular", "variants": [{"name": "A", "weight": 0}]}, "variants[0].weight"),
                            ({"model": "popular", "variants": [{"name": "A", "weight": 1},
                                                               {"name": "A", "weight": 2}]}, "variants[1].name"),
                            ({"model": "popular", "variants": [{"name": "A", "weight": 1, "model": "x"}]},
                             "variants[0].model"),
                            ({"model": "popular", "variants": [{"name": "v%d" % i, "weight": 1}
                                                               for i in range(9)]}, "variants")):
            self.assertError(self.cluster.http("PUT", "/v1/%s/scenarios/bad" % T, body), 400, None, field)
        stored = self.assertStatus(self.cluster.http("GET", "/v1/%s/scenarios/home" % T), 200)
        self.assertEqual(stored["variants"], SPLIT["variants"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
