"""The Gravity / Yusp dialect (/compat/gravity/{tenant}, seed 003) end to end.

Every example request of the seed is replayed with its body and query string as printed there
(only the base URL changed; the seed's "..." placeholder lines, which stand for "more elements",
are left out, and the bulk body is sent exactly as printed: objects separated by a comma). The
answers are checked against the documented status and shape, and against the native API on the
same tenant (the same items in the same order as GET /v1/{tenant}/recommend/{scenario}; what
the native routes store and list), so a shape with made-up content would fail. Then each error
the dialect answers: 413 over 1 MB (the seed's one documented error), and the 400 / 404 / 405
of bad requests, each naming the field.

Real redis-server, gateway, ingestor, query worker; the models are built with
`reco-trainer --once`."""

import json
import os
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ClusterTestCase, wait_until  # noqa: E402

T = "gravity"
BASE = "/compat/gravity/" + T
COOKIE = "1512467a76a-5cc340e5fa6ba5c2"

# ---- the seed's example bodies, as printed -------------------------------------------------
SEED_ADD_EVENTS = """[
    {
        "itemId":"sampleItemId1",
        "userId":"sampleUserId1",
        "cookieId":"sampleCookieId1",
        "eventType":"BUY",
        "time": 1525625386,
        "nameValues":
        [
            {"name":"unitPrice","value":"199.9"},
            {"name":"quantity","value":"1"},
            {"name":"orderId","value":"order-0123"}
        ]
    },
    {
        "itemId":"sampleItemId2",
        "userId":"sampleUserId2",
        "cookieId":"sampleCookieId2",
        "eventType":"BUY",
        "time": 1525625386,
        "nameValues":
        [
            {"name":"unitPrice","value":"15"},
            {"name":"quantity","value":"2"},
            {"name":"orderId","value":"order-2423"}
        ]
    }
]"""

SEED_ADD_ITEMS = """[
    {
        "itemId":"sampleItem1",
        "title":"Sample product 1",    
        "hidden":false,
        "nameValues":
        [
            {"name":"description","value":"This is only a sample product."},
            {"name":"categoryPath","value":"mainCategory/subCategory"},
            {"name":"url","value":"http://example.com/sampleItem1"},
            {"name":"imageUrl","value":"http://example.com/sampleItem1Image.jpg"}
        ]
    },
    {
        "itemId":"sampleItem2",
        "title":"Sample product 2",
        "hidden":false,
        "nameValues":
        [
            {"name":"description","value":"This is only a sample product."},
            {"name":"categoryPath","value":"mainCategory/subCategory"},
            {"name":"url","value":"http://example.com/sampleItem2"},
            {"name":"imageUrl","value":"http://example.com/sampleItem2Image.jpg"}
        ]
    }
]"""

SEED_UPDATE_ITEMS = """[
    {
        "itemId":"sampleItem1",
        "hidden":true
    },
    {
        "itemId":"sampleItem2",
        "hidden":true
    }
]"""

SEED_ADD_USERS = """[
    {
        "userId":"testUser1",
        "hidden":false,
        "nameValues":
        [
            {"name":"name","value":"Jack Test"},
            {"name":"sex","value":"male"},
            {"name":"country","value":"USA"}
        ]
    },
    {
        "userId":"testUser2",
        "hidden":false,
        "nameValues":
        [
            {"name":"name","value":"Rose Reco"},
            {"name":"sex","value":"female"},
            {"name":"country","value":"USA"}
        ]
    }
]"""

SEED_GET_RECO_QUERY = ("userId=testUser1&cookieId=1512467a76a-5cc340e5fa6ba5c2&scenarioId=MAIN_PAGE&numberLimit=5"
                       "&resultNameValue=title&resultNameValue=imageUrl&resultNameValue=Url")

SEED_POST_RECO = """{  
      "cookieId":"1512467a76a-5cc340e5fa6ba5c2",
      "numberLimit":5,
      "scenarioId":"MAIN_PAGE",
      "nameValues":[  
         {  
            "name":"categoryId",
            "value":"\\/automoto\\/cars"
         }
      ]
}"""

SEED_BULK_QUERY = "userId=120&cookieId=150b84fc9fa-2c4e4e60fdd7f1f1"
SEED_BULK = """{
    "scenarioId": "MAIN_PAGE_PERSONAL",
    "numberLimit": 2,
    "nameValues": [{
        "name": "categoryId",
        "value": "3"
    }],
    "resultNameValues": [
        "imgUrl",
        "price",
        "categoryId"
    ]
}, {
    "scenarioId": "MAIN_PAGE_PERSONAL",
    "numberLimit": 2,
    "nameValues": [{
        "name": "categoryId",
        "value": "4"
    }],
    "resultNameValues": [
        "imgUrl",
        "price",
        "categoryId"
    ]
}"""

# ---- the rest of the catalogue and history, in Gravity's shape --------------------------


def nv(**pairs):
    out = []
    for name, value in pairs.items():
        for v in value if isinstance(value, list) else [value]:
            out.append({"name": name, "value": v})
    return out


CATALOGUE = [
    {"itemId": "1", "title": "Example Item Title 1", "itemType": "Product",
     "nameValues": nv(imgUrl="http://webshop.example.com/img1.jpg", price="10", categoryId=["3", "8"])},
    {"itemId": "2", "title": "Example Item Title 2", "itemType": "Product",
     "nameValues": nv(imgUrl="http://webshop.example.com/img2.jpg", price="15", categoryId=["3", "9"])},
    {"itemId": "3", "title": "Example Item Title 3", "itemType": "Product",
     "nameValues": nv(imgUrl="http://webshop.example.com/img3.jpg", price="10", categoryId=["4", "8"])},
    {"itemId": "4", "title": "Example Item Title 4", "itemType": "Product",
     "nameValues": nv(imgUrl="http://webshop.example.com/img4.jpg", price="15", categoryId=["4", "9"])},
    {"itemId": "car1", "title": "Red car", "nameValues": nv(categoryId="/automoto/cars", categoryPath="automoto/cars")},
    {"itemId": "car2", "title": "Blue car", "nameValues": nv(categoryId="/automoto/cars", categoryPath="automoto/cars")},
    {"itemId": "bike1", "title": "Bike", "nameValues": nv(categoryId="/automoto/bikes", categoryPath="automoto/bikes")},
]

# (user, item, Gravity event type)
HISTORY = [
    ("g1", "sampleItem1", "VIEW"), ("g1", "sampleItem2", "BUY"), ("g1", "1", "VIEW"), ("g1", "car1", "VIEW"),
    ("g2", "sampleItem1", "BUY"), ("g2", "2", "ADD_TO_CART"), ("g2", "3", "VIEW"), ("g2", "car2", "BUY"),
    ("g3", "sampleItem2", "VIEW"), ("g3", "4", "VIEW"), ("g3", "bike1", "VIEW"), ("g3", "car1", "BUY"),
    ("g4", "1", "BUY"), ("g4", "2", "VIEW"), ("g4", "sampleItem1", "VIEW"), ("g4", "3", "ADD_TO_FAVORITES"),
    ("testUser1", "sampleItem1", "VIEW"), ("testUser1", "car1", "VIEW"), ("testUser1", "4", "REC_CLICK"),
]

GRAVITY_KEYS = {"itemId", "title", "itemType", "hidden", "fromDate", "toDate", "nameValues"}


def q(**params):
    return urllib.parse.urlencode(params, doseq=True)


class Gravity(ClusterTestCase):
    cluster_kwargs = {"query_workers": 1, "trainer": False}

    @classmethod
    def setUpData(cls):
        c = cls.cluster
        for path, body in (("addItems", SEED_ADD_ITEMS), ("addItems", CATALOGUE), ("addUsers", SEED_ADD_USERS),
                           ("addEvents", SEED_ADD_EVENTS)):
            status, _, text = c.http("POST", "%s/%s" % (BASE, path), body)
            assert (status, text) == (200, ""), (path, status, text)
        events = [{"itemId": i, "userId": u, "eventType": t, "time": 1700000000 + n}
                  for n, (u, i, t) in enumerate(HISTORY)]
        status, _, text = c.http("POST", BASE + "/addEvents", events)
        assert (status, text) == (200, ""), (status, text)
        scenarios = {"MAIN_PAGE": {"model": "popular"},
                     "MAIN_PAGE_PERSONAL": {"model": "for-user", "fallbacks": ["popular"]},
                     "ITEM_PAGE": {"model": "item-to-item", "fallbacks": ["popular"]}}
        for sid, body in scenarios.items():
            assert c.http("PUT", "/v1/%s/scenarios/%s" % (T, sid), body)[0] in (200, 201)
        rc, out = c.run_trainer_once(T)
        assert rc == 0, out

    # -- helpers -----------------------------------------------------------------------------
    def call(self, method, name, query="", body=None):
        return self.cluster.http(method, "%s/%s%s" % (BASE, name, "?" + query if query else ""), body)

    def native(self, method, path, body=None):
        status, _, out = self.cluster.http(method, "/v1/%s/%s" % (T, path), body)
        self.assertEqual(status, 200, out)
        return out

    def native_ids(self, scenario, **params):
        out = self.native("GET", "recommend/%s?%s" % (scenario, q(**params)))
        return [r["item"] for r in out["recommendations"]]

    def assertRecommendation(self, body, limit, names=None):
        """The documented shape of one recommendation answer; returns its itemIds."""
        self.assertIsInstance(body, dict, body)
        self.assertLessEqual({"recommendationId", "items", "itemIds", "predictionValues"}, set(body), body)
        self.assertIsInstance(body["recommendationId"], str)
        self.assertTrue(body["recommendationId"])
        ids = body["itemIds"]
        self.assertTrue(0 < len(ids) <= limit, body)
        self.assertEqual([i["itemId"] for i in body["items"]], ids)
        self.assertEqual(len(body["predictionValues"]), len(ids))
        self.assertEqual(body["predictionValues"], sorted(body["predictionValues"], reverse=True))
        for item in body["items"]:
            self.assertEqual(set(item), GRAVITY_KEYS, item)
            self.assertIsInstance(item["title"], str)
            self.assertIs(item["hidden"], False)
            for pair in item["nameValues"]:
                self.assertEqual(set(pair), {"name", "value"})
                self.assertIsInstance(pair["value"], str)
                if names is not None:
                    self.assertIn(pair["name"], names)
        return ids

    @staticmethod
    def values(item, name):
        return [p["value"] for p in item["nameValues"] if p["name"] == name]

    # -- writes ------------------------------------------------------------------------------
    def test_add_items_example_stores_the_catalogue(self):
        resp = self.call("POST", "addItems", "async=true", SEED_ADD_ITEMS)
        self.assertEqual(resp[0], 200, resp)
        self.assertEqual(resp[2], "")  # "an empty HTTP 200"
        item = self.native("GET", "items/sampleItem1")
        self.assertEqual(item["title"], "Sample product 1")
        self.assertEqual(item["categories"], ["mainCategory/subCategory"])
        self.assertEqual(item["attributes"]["imageUrl"], "http://example.com/sampleItem1Image.jpg")
        self.assertEqual(item["attributes"]["description"], "This is only a sample product.")
        self.assertIs(item["hidden"], False)

    def test_add_events_example_stores_purchases(self):
        resp = self.call("POST", "addEvents", "async=true", SEED_ADD_EVENTS)
        self.assertEqual((resp[0], resp[2]), (200, ""), resp)
        for user, item, price, qty, order, cookie in (
                ("sampleUserId1", "sampleItemId1", 199.9, 1, "order-0123", "sampleCookieId1"),
                ("sampleUserId2", "sampleItemId2", 15, 2, "order-2423", "sampleCookieId2")):
            events = self.native("GET", "users/%s/events" % user)["events"]
            self.assertTrue(events)
            for ev in events:  # setUpClass and this test sent the same purchase
                self.assertEqual((ev["item"], ev["type"], ev["timestamp"]), (item, "purchase", 1525625386000))
                self.assertEqual((ev["price"], ev["quantity"], ev["order"], ev["session"]),
                                 (price, qty, order, cookie))

    def test_add_users_example_and_get_user(self):
        resp = self.call("POST", "addUsers", "async=true", SEED_ADD_USERS)
        self.assertEqual((resp[0], resp[2]), (200, ""), resp)
        user = self.native("GET", "users/testUser2")
        self.assertEqual(user["attributes"]["name"], "Rose Reco")
        body = self.assertStatus(self.call("GET", "getUser", "userId=testUser1"), 200)
        self.assertEqual(body["userId"], "testUser1")
        self.assertIs(body["hidden"], False)
        self.assertEqual(sorted((p["name"], p["value"]) for p in body["nameValues"]),
                         [("country", "USA"), ("name", "Jack Test"), ("sex", "male")])

    def test_event_types_map_onto_native_types(self):
        events = self.native("GET", "users/testUser1/events")["events"]
        self.assertEqual(sorted((e["item"], e["type"]) for e in events),
                         [("4", "click"), ("car1", "view"), ("sampleItem1", "view")])
        got = self.assertStatus(self.call("GET", "getEvents", "userId=g4"), 200)
        self.assertEqual([(e["itemId"], e["eventType"]) for e in got],
                         [("1", "BUY"), ("2", "VIEW"), ("sampleItem1", "VIEW"), ("3", "ADD_TO_FAVORITES")])

    def test_sync_write_answers_after_storing(self):
        body = [{"itemId": "1", "userId": "sync-user", "eventType": "VIEW"}]
        resp = self.call("POST", "addEvents", "", body)
        self.assertEqual((resp[0], resp[2]), (200, ""), resp)
        self.assertEqual(len(self.native("GET", "users/sync-user/events")["events"]), 1)

    def test_update_items_example_hides_items(self):
        before = self.native_ids("MAIN_PAGE", limit=50)
        self.assertIn("sampleItem1", before)
        try:
            resp = self.call("POST", "updateItems", "async=true", SEED_UPDATE_ITEMS)
            self.assertEqual((resp[0], resp[2]), (200, ""), resp)
            wait_until(lambda: self.native("GET", "items/sampleItem2")["hidden"], what="sampleItem2 hidden")
            self.assertTrue(self.native("GET", "items/sampleItem1")["hidden"])
            # only hidden changed: the rest of the item stays
            self.assertEqual(self.native("GET", "items/sampleItem1")["title"], "Sample product 1")
            body = self.assertStatus(self.call("GET", "getItemRecommendation", q(scenarioId="MAIN_PAGE",
                                                                                 numberLimit=50)), 200)
            self.assertNotIn("sampleItem1", body["itemIds"])
            self.assertNotIn("sampleItem2", body["itemIds"])
            self.assertEqual(body["itemIds"], [i for i in before if i not in ("sampleItem1", "sampleItem2")])
        finally:
            self.assertEqual(self.call("POST", "addItems", "", SEED_ADD_ITEMS)[0], 200)

    # -- recommendations --------------------------------------------------------------------
    def test_get_item_recommendation_example(self):
        body = self.assertStatus(self.call("GET", "getItemRecommendation", SEED_GET_RECO_QUERY), 200)
        ids = self.assertRecommendation(body, 5, names={"title", "imageUrl", "Url"})
        self.assertEqual(ids, self.native_ids("MAIN_PAGE", user="testUser1", cookie=COOKIE, limit=5))
        catalogue = {i["itemId"]: i for i in json.loads(SEED_ADD_ITEMS) + CATALOGUE}
        for item in body["items"]:
            self.assertEqual(item["title"], catalogue[item["itemId"]]["title"])
            self.assertEqual(self.values(item, "title"), [item["title"]])
            self.assertEqual(self.values(item, "imageUrl"),
                             [p["value"] for p in catalogue[item["itemId"]]["nameValues"] if p["name"] == "imageUrl"])
            self.assertEqual(item["itemType"], catalogue[item["itemId"]].get("itemType", ""))
            self.assertEqual((item["fromDate"], item["toDate"]), (0, 0))
        native = self.native("GET", "recommend/MAIN_PAGE?%s" % q(user="testUser1", limit=5))
        self.assertEqual(body["predictionValues"], [r["score"] for r in native["recommendations"]])

    def test_post_item_recommendation_example_filters_by_name_value(self):
        body = self.assertStatus(self.call("POST", "getItemRecommendation", "async=true", SEED_POST_RECO), 200)
        ids = self.assertRecommendation(body, 5)
        self.assertEqual(sorted(ids), ["car1", "car2"])
        filters = json.dumps([{"categoryId": "/automoto/cars"}])
        self.assertEqual(ids, self.native_ids("MAIN_PAGE", cookie=COOKIE, limit=5, filters=filters))

    def test_recommendation_context_item_and_category_path(self):
        body = self.assertStatus(self.call("GET", "getItemRecommendation",
                                           q(scenarioId="ITEM_PAGE", itemId="car1", numberLimit=4,
                                             resultNameValue="categoryPath")), 200)
        ids = self.assertRecommendation(body, 4, names={"categoryPath"})
        self.assertNotIn("car1", ids)
        self.assertEqual(ids, self.native_ids("ITEM_PAGE", item="car1", limit=4))
        body = self.assertStatus(self.call("GET", "getItemRecommendation",
                                           q(scenarioId="MAIN_PAGE", categoryPath="automoto",
                                             resultNameValue="categoryPath")), 200)
        self.assertEqual(sorted(body["itemIds"]), ["bike1", "car1", "car2"])
        self.assertEqual({v for i in body["items"] for v in self.values(i, "categoryPath")},
                         {"automoto/cars", "automoto/bikes"})

    def test_split_group_is_accepted_and_echoed(self):
        plain = self.assertStatus(self.call("GET", "getItemRecommendation", q(scenarioId="MAIN_PAGE")), 200)
        split = self.assertStatus(self.call("GET", "getItemRecommendation",
                                            q(scenarioId="MAIN_PAGE", splitGroup="B")), 200)
        self.assertEqual(split["splitGroup"], "B")
        self.assertNotIn("splitGroup", plain)
        self.assertEqual(split["itemIds"], plain["itemIds"])
        self.assertNotEqual(split["recommendationId"], plain["recommendationId"])

    def test_bulk_example(self):
        resp = self.call("POST", "getItemRecommendationBulk", SEED_BULK_QUERY, SEED_BULK)
        body = self.assertStatus(resp, 200)
        self.assertIsInstance(body, list, body)
        self.assertEqual(len(body), 2)
        catalogue = {i["itemId"]: i for i in CATALOGUE}
        for answer, category in zip(body, ("3", "4")):
            ids = self.assertRecommendation(answer, 2, names={"imgUrl", "price", "categoryId"})
            expect = self.native_ids("MAIN_PAGE_PERSONAL", user="120", cookie="150b84fc9fa-2c4e4e60fdd7f1f1",
                                     limit=2, filters=json.dumps([{"categoryId": category}]))
            self.assertEqual(ids, expect)
            for item in answer["items"]:
                self.assertIn(category, self.values(item, "categoryId"))
                self.assertEqual(item["nameValues"], [p for p in catalogue[item["itemId"]]["nameValues"]])
        self.assertNotEqual(body[0]["recommendationId"], body[1]["recommendationId"])
        # the same requests as one JSON array
        as_array = self.assertStatus(self.call("POST", "getItemRecommendationBulk", SEED_BULK_QUERY,
                                               "[" + SEED_BULK + "]"), 200)
        self.assertEqual([a["itemIds"] for a in as_array], [a["itemIds"] for a in body])

    def test_bulk_element_errors_stay_in_place(self):
        body = [{"scenarioId": "MAIN_PAGE", "numberLimit": 1}, {"scenarioId": "NO_SUCH"}]
        out = self.assertStatus(self.call("POST", "getItemRecommendationBulk", "", body), 200)
        self.assertEqual(len(out[0]["itemIds"]), 1)
        self.assertEqual(out[1]["status"], 404)
        self.assertEqual(out[1]["error"]["code"], "not_found")

    # -- privacy -----------------------------------------------------------------------------
    def test_privacy_examples(self):
        """getUser, getEvents and optOut as the seed shows them, on a tenant of their own."""
        base = "/compat/gravity/gravity-privacy"
        c = self.cluster
        cookie = "1606543fc24-0e4cacafec3db9dc"
        events = [
            {"itemId": "4999933", "userId": "120", "cookieId": cookie, "time": 1525326427, "eventType": "BUY",
             "nameValues": nv(quantity="1", unitPrice="37.5", orderId="44000437")},
            {"itemId": "4999933", "userId": "120", "cookieId": cookie, "time": 1525625386, "eventType": "VIEW"},
            {"itemId": "777", "cookieId": cookie, "time": 1525625390, "eventType": "VIEW",
             "nameValues": nv(source="newsletter")},
            {"itemId": "777", "userId": "121", "time": 1525625391, "eventType": "VIEW"},
        ]
        self.assertEqual(c.http("POST", base + "/addEvents", events)[0], 200)
        users = [{"userId": "120", "hidden": False, "nameValues": nv(md5_email="2dff02796543fc99709b59096ff80ff3")}]
        self.assertEqual(c.http("POST", base + "/addUsers", users)[0], 200)

        user = self.assertStatus(c.http("GET", base + "/getUser?userId=120"), 200)
        self.assertEqual(user, {"userId": "120", "hidden": False,
                                "nameValues": [{"name": "md5_email", "value": "2dff02796543fc99709b59096ff80ff3"}]})
        by_cookie = self.assertStatus(c.http("GET", base + "/getUser?cookieId=" + cookie), 200)
        self.assertEqual(set(by_cookie), {"userId", "cookieId", "hidden", "nameValues"})
        self.assertEqual(by_cookie["nameValues"], [])  # an anonymous visitor has no metadata

        listed = self.assertStatus(c.http("GET", base + "/getEvents?userId=120"), 200)
        keys = {"itemId", "userId", "cookieId", "time", "eventType", "nameValues", "recommendationId"}
        self.assertEqual([set(e) for e in listed], [keys, keys])
        self.assertEqual([(e["time"], e["eventType"], e["cookieId"]) for e in listed],
                         [(1525326427, "BUY", cookie), (1525625386, "VIEW", cookie)])
        self.assertEqual(sorted((p["name"], p["value"]) for p in listed[0]["nameValues"]),
                         [("orderId", "44000437"), ("quantity", "1"), ("unitPrice", "37.5")])
        self.assertIsNone(listed[0]["recommendationId"])
        anon = self.assertStatus(c.http("GET", base + "/getEvents?cookieId=" + cookie), 200)
        self.assertEqual([(e["itemId"], e["userId"], e["nameValues"]) for e in anon],
                         [("777", cookie, [{"name": "source", "value": "newsletter"}])])

        # Delete full event history (by cookie): every event of that cookie, the user's too
        resp = c.http("GET", base + "/optOut?cookieId=" + cookie)
        self.assertEqual((resp[0], resp[2]), (200, ""), resp)
        self.assertEqual(self.assertStatus(c.http("GET", base + "/getEvents?cookieId=" + cookie), 200), [])
        self.assertEqual(self.assertStatus(c.http("GET", base + "/getEvents?userId=120"), 200), [])
        self.assertEqual(len(self.assertStatus(c.http("GET", base + "/getEvents?userId=121"), 200)), 1)
        self.assertEqual(self.assertStatus(c.http("GET", base + "/getUser?userId=120"), 200)["nameValues"],
                         users[0]["nameValues"])
        # Delete full user metadata and event history
        self.assertEqual(c.http("POST", base + "/addEvents", events[:2])[0], 200)
        resp = c.http("GET", base + "/optOut?userId=120")
        self.assertEqual((resp[0], resp[2]), (200, ""), resp)
        self.assertEqual(self.assertStatus(c.http("GET", base + "/getUser?userId=120"), 200)["nameValues"], [])
        self.assertEqual(self.assertStatus(c.http("GET", base + "/getEvents?userId=120"), 200), [])
        self.assertEqual(len(self.assertStatus(c.http("GET", base + "/getEvents?userId=121"), 200)), 1)

    # -- errors ------------------------------------------------------------------------------
    def test_413_over_one_megabyte(self):
        one = {"itemId": "1", "userId": "big", "eventType": "VIEW", "nameValues": nv(pad="x" * 1000)}
        body = json.dumps([one] * 1100)
        self.assertGreater(len(body), 1 << 20)
        self.assertError(self.call("POST", "addEvents", "async=true", body), 413, "payload_too_large", "body")
        self.assertError(self.call("POST", "getItemRecommendationBulk", "", " " * (1 << 20) + "[]"), 413)
        self.assertEqual(self.native("GET", "users/big/events")["events"], [])

    def test_write_errors_name_the_gravity_field(self):
        self.assertError(self.call("POST", "addEvents", "", [{"userId": "u", "eventType": "VIEW"}]), 400,
                         "missing_field", "events[0].itemId")
        self.assertError(self.call("POST", "addEvents", "", [{"itemId": "1", "eventType": "VIEW"}]), 400,
                         "missing_field", "events[0].userId")
        self.assertError(self.call("POST", "addEvents", "", [{"itemId": "1", "userId": "u", "eventType": "NO WAY"}]),
                         400, "unknown_event_type", "events[0].eventType")
        # a well-formed type that is not registered: the ingestor refuses the batch (sync)
        self.assertError(self.call("POST", "addEvents", "",
                                   [{"itemId": "1", "userId": "u", "eventType": "REMOVE_FROM_CART"}]),
                         400, "unknown_event_type", "remove_from_cart")
        bad = [{"itemId": "1", "userId": "u", "eventType": "BUY", "nameValues": nv(quantity="two")}]
        self.assertError(self.call("POST", "addEvents", "", bad), 400, "invalid_field", "quantity")
        bad = [{"itemId": "1", "userId": "u", "eventType": "VIEW", "nameValues": [{"value": "x"}]}]
        self.assertError(self.call("POST", "addEvents", "", bad), 400, "invalid_field", "events[0].nameValues[0].name")
        self.assertError(self.call("POST", "addItems", "", [{"title": "no id"}]), 400, "missing_field",
                         "items[0].itemId")
        self.assertError(self.call("POST", "addUsers", "", [{"nameValues": []}]), 400, "missing_field",
                         "users[0].userId")
        self.assertError(self.call("POST", "addItems", "", "[{"), 400, "invalid_json")
        self.assertError(self.call("POST", "addItems", "async=maybe", []), 400, "invalid_field", "async")
        self.assertError(self.call("POST", "addItems", "", []), 400, "invalid_body")
        self.assertEqual(self.native("GET", "users/u/events")["events"], [])

    def test_recommendation_errors(self):
        self.assertError(self.call("GET", "getItemRecommendation", "numberLimit=5"), 400, "missing_field",
                         "scenarioId")
        for limit in ("0", "51", "five"):
            self.assertError(self.call("GET", "getItemRecommendation", q(scenarioId="MAIN_PAGE", numberLimit=limit)),
                             400, "invalid_field", "numberLimit")
        self.assertError(self.call("GET", "getItemRecommendation", q(scenarioId="NO_SUCH")), 404, "not_found")
        self.assertError(self.call("POST", "getItemRecommendation", "", [1]), 400, "invalid_body")
        self.assertError(self.call("POST", "getItemRecommendationBulk", "", "{}, x"), 400, "invalid_json")
        self.assertError(self.call("POST", "getItemRecommendationBulk", "", [{"numberLimit": 2}]), 400,
                         "missing_field", "requests[0].scenarioId")
        self.assertError(self.call("POST", "getItemRecommendationBulk", "", [{"scenarioId": "MAIN_PAGE"}] * 21), 400,
                         "invalid_body")
        self.assertError(self.call("GET", "getItemRecommendation",
                                   q(scenarioId="MAIN_PAGE", resultNameValue="x" * 65)), 400, "invalid_field",
                         "resultNameValues")
        many = ["n%d" % i for i in range(17)] + ["title", "itemType"]  # 16 besides the 4 read anyway
        self.assertError(self.call("GET", "getItemRecommendation", q(scenarioId="MAIN_PAGE", resultNameValue=many)),
                         400, "invalid_field", "resultNameValues")
        self.assertStatus(self.call("GET", "getItemRecommendation", q(scenarioId="MAIN_PAGE",
                                                                      resultNameValue=many[1:])), 200)

    def test_routing_errors(self):
        self.assertError(self.call("GET", "addEvents"), 405, "method_not_allowed")
        self.assertError(self.call("GET", "getItemRecommendationBulk"), 405)
        self.assertError(self.call("GET", "noSuchMethod"), 404, "not_found", "getItemRecommendation")
        self.assertError(self.cluster.http("GET", "/compat/gravity/bad%20tenant/getUser?userId=1"), 400,
                         "invalid_field", "tenant")
        self.assertError(self.call("GET", "getUser"), 400, "missing_field", "userId")
        self.assertError(self.call("GET", "optOut"), 400, "missing_field", "userId")


if __name__ == "__main__":
    unittest.main(verbosity=2)
