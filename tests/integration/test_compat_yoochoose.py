"""The Yoochoose dialect end to end (gateway/reco_compat_yoochoose*.c, seed 004): every request
the seed prints, replayed with only the base URL changed (/compat/yoochoose instead of
http://reco.yoochoose.net), checked for the documented status codes, headers and JSON shapes,
and checked against the native scenario route (POST /v1/{T}/recommend/{scenario}) that the
dialect maps onto; the tracking events a Yoochoose shop sends (click, buy, basket, rate,
consume, login) and the links an answer carries (clickrecommended, rendered), read back through
the native event listing; history codes in contextitems; each documented error code. Real
redis-server, real processes, real HTTP."""

import email.utils
import json
import os
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ClusterTestCase  # noqa: E402

T = "0000"  # the seed's customer id
Y = "/compat/yoochoose"

ITEMS = [
    {"id": "123", "title": "Compact camera A", "categories": ["Camera/Compact"],
     "attributes": {"deeplink": "/p/123", "description": "small"}},
    {"id": "124", "title": "Compact camera B", "categories": ["Camera/Compact"],
     "attributes": {"deeplink": "/p/124", "description": "smaller"}},
    {"id": "125", "title": "Compact camera C", "categories": ["Camera/Compact", "Sale/Cameras"],
     "attributes": {"deeplink": "/p/125"}},
    {"id": "126", "title": "DSLR", "categories": ["Camera/DSLR"],
     "attributes": {"deeplink": "/p/126", "price": 19.99, "new": True}},
    {"id": "127", "title": "Lens", "categories": ["Camera/Lenses"], "attributes": {"tags": ["a", "b"]}},
    {"id": "10", "title": "Football article", "categories": ["Sport/Football", "America/USA"]},
    {"id": "11", "title": "Cricket article", "categories": ["Sport/Cricket"]},
    {"id": "100175717", "title": "French Cuff Cotton Twill Oxford", "categories": ["Women/Shirts"]},
    {"id": "100172819", "title": "Silk blouse", "categories": ["Women/Shirts"]},
    {"id": "200", "title": "Tripod", "categories": ["Camera/Accessories"]},
    {"id": "201", "title": "Bag", "categories": ["Camera/Accessories"]},
    {"id": "202", "title": "Card", "categories": ["Camera/Accessories"]},
    {"id": "203", "title": "Strap", "categories": ["Camera/Accessories"]},
]

VIEWS = {  # user: items viewed (native events, loaded before training)
    "u1": ["123", "124", "125", "10"], "u2": ["123", "124", "126"], "u3": ["123", "125", "200"],
    "u4": ["10", "11", "100175717"], "u5": ["10", "11", "100172819", "100175717"],
    "u6": ["124", "125", "201", "202"], "u7": ["123", "203", "124"], "u8": ["11", "100172819", "127"],
}


def q(**params):
    return urllib.parse.urlencode(params, doseq=True)


def ids(body):
    return [r["itemId"] for r in body["recommendationItems"]]


def as_id(item):
    return int(item) if item.isdigit() else item


class Yoochoose(ClusterTestCase):
    cluster_kwargs = {"query_workers": 1, "trainer": False}

    @classmethod
    def setUpData(cls):
        c = cls.cluster
        assert c.http("PUT", "/v1/%s/items" % T, ITEMS)[0] == 200
        events = [{"user": u, "item": i, "type": "view"} for u, items in VIEWS.items() for i in items]
        events += [{"user": "u2", "item": "126", "type": "purchase"}, {"user": "u3", "item": "200", "type": "cart"}]
        status, _, body = c.http("POST", "/v1/%s/events" % T, events)
        assert status == 200, body
        for sid, scenario in (("detailpage", {"model": "item-to-item", "fallbacks": ["popular-category", "popular"]}),
                              ("itemonly", {"model": "item-to-item"}),
                              ("personal", {"model": "for-user"}),
                              ("basket", {"model": "bought-with"}),
                              ("category", {"model": "popular-category", "fallbacks": ["popular"]})):
            assert c.http("PUT", "/v1/%s/scenarios/%s" % (T, sid), scenario)[0] in (200, 201)
        rc, out = c.run_trainer_once(T)
        assert rc == 0, out

    # -- helpers ---------------------------------------------------------------------------
    def get(self, path, headers=None):
        return self.cluster.http("GET", Y + path, headers=headers)

    def native(self, scenario, **body):
        """The native scenario route's answer for the same request: the reference."""
        return self.assertStatus(self.cluster.http("POST", "/v1/%s/recommend/%s" % (T, scenario), body), 200)

    def user_events(self, user, type_=None):
        query = "?type=%s" % type_ if type_ else ""
        body = self.assertStatus(self.cluster.http("GET", "/v1/%s/users/%s/events%s" % (T, user, query)), 200)
        return body["events"]

    def track(self, path, method="GET", status=204):
        code, headers, body = self.cluster.http(method, Y + path)
        self.assertEqual(code, status, "%s %s: %r" % (method, path, body))
        return body

    def assertShape(self, body, scenario, user, context=(), source="REQUEST", item_type=1):
        """The documented shape of an answer: contextItems and recommendationItems with relevance,
        itemType, itemId, origin and links."""
        self.assertEqual(set(body), {"contextItems", "recommendationItems"}, body)
        self.assertEqual([c["itemId"] for c in body["contextItems"]], [as_id(i) for i in context])
        for c in body["contextItems"]:
            self.assertEqual(set(c), {"viewers", "itemType", "itemId", "sources"}, c)
            self.assertEqual((c["itemType"], c["sources"]), (item_type, source))
            self.assertIsInstance(c["viewers"], int)
        port = self.cluster.http_port
        for r in body["recommendationItems"]:
            self.assertIsInstance(r["relevance"], (int, float), r)
            self.assertEqual(r["itemType"], item_type)
            self.assertIsInstance(r["itemId"], (int, str))
            if context:
                self.assertEqual(r["origin"], {"itemIds": [as_id(i) for i in context], "itemType": item_type,
                                               "source": source})
            else:
                self.assertNotIn("origin", r)
            for name, event in (("clickRecommended", "clickrecommended"), ("rendered", "rendered")):
                prefix = "//127.0.0.1:%d%s/api/%s/%s/%s/%d/%s?scenario=%s&recommendation=" % (
                    port, Y, T, event, urllib.parse.quote(user, safe=""), item_type, r["itemId"], scenario)
                self.assertTrue(r["links"][name].startswith(prefix), (r["links"][name], prefix))

    # -- the seed's examples ---------------------------------------------------------------
    def test_seed_example_request(self):
        """GET http://reco.yoochoose.net/ebl/0000/john.doe/detailpage.json?contextitems=123&
        categorypath=%2FCamera%2FCompact&attribute=title&attribute=deeplink,description&numrecs=8"""
        query = "contextitems=123&categorypath=%2FCamera%2FCompact&attribute=title&attribute=deeplink,description&numrecs=8"
        ref = self.native("detailpage", user="john.doe", items=["123"], categories=["Camera/Compact"], limit=8,
                          attributes=["title", "deeplink", "description"])
        by_item = {as_id(r["item"]): r for r in ref["recommendations"]}
        for prefix in ("/ebl", "/api/v2", "/api"):  # the example's URL, the v2 API and the old API
            with self.subTest(prefix=prefix):
                status, headers, body = self.get("%s/0000/john.doe/detailpage.json?%s" % (prefix, query))
                self.assertEqual(status, 200, body)
                self.assertIn("application/json", headers["content-type"])
                self.assertShape(body, "detailpage", "john.doe", context=["123"])
                self.assertEqual(ids(body), [as_id(r["item"]) for r in ref["recommendations"]])
                self.assertEqual(len(ids(body)), 8)
                self.assertEqual(body["contextItems"][0]["viewers"], ref["context_items"][0]["viewers"])
                self.assertEqual(body["contextItems"][0]["viewers"], 4)  # u1, u2, u3, u7
                for r in body["recommendationItems"]:
                    self.assertEqual(r["relevance"], by_item[r["itemId"]]["score"])
                    stored = by_item[r["itemId"]]["attributes"]
                    want = [{"key": k, "value": [stored[k]]} for k in ("title", "deeplink", "description")
                            if stored.get(k) is not None]
                    self.assertEqual(r["attributes"], want, r)
                    self.assertNotIn("category", r)  # only with recommendCategory
        # the context counted: item-to-item's neighbours of 123 come first, then the fallbacks
        self.assertEqual(ref["recommendations"][0]["model"], "item-to-item")

    def test_request_template_and_defaults(self):
        """GET .../api/v2/[customerid]/[userid]/[scenarioid].[extension]?parameter=value&[attribute=attributekey]:
        numrecs defaults to 10 whatever the scenario's limit; attributes csv-style and repeated."""
        status, _, body = self.get("/api/v2/0000/someone/category.json?attribute=title")
        self.assertEqual(status, 200, body)
        self.assertShape(body, "category", "someone")
        self.assertEqual(len(body["recommendationItems"]), 10)
        self.assertEqual(ids(body), [as_id(r["item"]) for r in self.native("category", user="someone", limit=10)
                                     ["recommendations"]])
        for r in body["recommendationItems"]:
            self.assertEqual([a["key"] for a in r["attributes"]], ["title"])
            self.assertEqual(len(r["attributes"][0]["value"]), 1)
        # values of any type come as lists of strings; a missing attribute is left out
        status, _, body = self.get("/api/v2/0000/someone/category.json?attribute=tags,deeplink&numrecs=50")
        lens = [r for r in body["recommendationItems"] if r["itemId"] == 127]
        self.assertEqual(lens[0]["attributes"], [{"key": "tags", "value": ["a", "b"]}])
        status, _, body = self.get("/api/v2/0000/someone/category.json?attribute=price&attribute=new&numrecs=50")
        dslr = [r for r in body["recommendationItems"] if r["itemId"] == 126]
        self.assertEqual(dslr[0]["attributes"], [{"key": "price", "value": ["19.99"]},
                                                 {"key": "new", "value": ["true"]}])
        self.assertEqual(len(body["recommendationItems"]), len(ITEMS))

    def test_jsonp_example(self):
        """The seed's JSONP response: jsonpCallback({...}) by default, or the named function."""
        ref = self.get("/api/v2/0000/john.doe/detailpage.json?contextitems=10,11")[2]
        self.assertShape(ref, "detailpage", "john.doe", context=["10", "11"])
        self.assertEqual([c["viewers"] for c in ref["contextItems"]], [3, 3])
        for callback, want in ((None, "jsonpCallback"), ("callme", "callme"), ("obj.callme", "obj.callme")):
            with self.subTest(callback=callback):
                query = "contextitems=10,11" + ("&jsonpCallback=" + callback if callback else "")
                status, headers, text = self.get("/api/v2/0000/john.doe/detailpage.jsonp?" + query)
                self.assertEqual(status, 200, text)
                self.assertEqual(headers["content-type"], "application/javascript")
                self.assertTrue(text.startswith(want + "(") and text.endswith(");"), text)
                got = json.loads(text[len(want) + 1:-2])
                self.assertShape(got, "detailpage", "john.doe", context=["10", "11"])
                self.assertEqual([(r["itemId"], r["relevance"]) for r in got["recommendationItems"]],
                                 [(r["itemId"], r["relevance"]) for r in ref["recommendationItems"]])
        # .json ignores a callback; a bad callback name is a 400 naming the parameter
        self.assertIsInstance(self.get("/api/v2/0000/john.doe/detailpage.json?contextitems=10&jsonpCallback=f")[2], dict)
        self.assertError(self.get("/api/v2/0000/john.doe/detailpage.jsonp?jsonpCallback=alert(1)"), 400,
                         "invalid_field", "jsonpCallback")

    def test_xml_is_not_served(self):
        """GET .../api/[customerid]/[userid]/[scenarioid].xml: XML is deprecated; reco answers 400."""
        self.assertError(self.get("/api/0000/john.doe/detailpage.xml?contextitems=123"), 400, "invalid_field", "xml")
        self.assertError(self.get("/api/v2/0000/john.doe/detailpage.html"), 400, "invalid_field", "extension")

    # -- parameters ------------------------------------------------------------------------
    def test_categorypath_and_recommend_category(self):
        """categorypath is repeatable ('/' at either end ignored, '/' alone = the whole site);
        recommendCategory adds the closest of an item's several categories."""
        status, _, body = self.get("/api/v2/0000/v/category.json?categorypath=%2FSport%2FFootball%2F"
                                   "&categorypath=Women&numrecs=5&recommendCategory=true")
        self.assertEqual(status, 200, body)
        ref = self.native("category", user="v", categories=["Sport/Football", "Women"], limit=5)
        self.assertEqual(ids(body), [as_id(r["item"]) for r in ref["recommendations"]])
        cat = {r["itemId"]: r.get("category") for r in body["recommendationItems"]}
        self.assertEqual(cat[10], "Sport/Football")  # 10 is in Sport/Football and America/USA
        self.assertIsNone(cat.get(100175717))  # one category only: none suggested
        self.assertNotIn("attributes", body["recommendationItems"][0])  # categories were read, not asked for
        whole = self.get("/api/v2/0000/v/category.json?categorypath=%2F&numrecs=5")[2]
        self.assertEqual(ids(whole), [as_id(r["item"]) for r in self.native("category", user="v", limit=5)
                                      ["recommendations"]])
        # the seed's example: clicked in America/Canada, the football article opens as America/USA
        status, _, body = self.get("/api/v2/0000/v/category.json?categorypath=America%2FCanada&recommendCategory=true")
        self.assertEqual({r["itemId"]: r.get("category") for r in body["recommendationItems"]}.get(10), "America/USA")

    def test_usecontextcategorypath_userattribute_outputtypeid(self):
        """usecontextcategorypath: the context items' own paths; userattribute is accepted (see the
        README: not weighed yet); outputtypeid becomes the itemType of the answer."""
        status, _, body = self.get("/api/v2/0000/w/category.json?contextitems=126&categorypath=Women"
                                   "&usecontextcategorypath=true&userattribute=gender,customerclass&outputtypeid=2")
        self.assertEqual(status, 200, body)
        self.assertShape(body, "category", "w", context=["126"], item_type=2)
        ref = self.native("category", user="w", items=["126"], limit=10)
        self.assertEqual(ids(body), [as_id(r["item"]) for r in ref["recommendations"]])
        # the deprecated itemid is a context item too
        body = self.get("/api/v2/0000/w/itemonly.json?itemid=123")[2]
        self.assertShape(body, "itemonly", "w", context=["123"])

    def test_history_codes(self):
        """contextitems=CLICK|BUY|BASKET|RATE|CONSUME: the user's recent events of that kind (sent
        here through Yoochoose's tracking API) are the context; source names the code."""
        user = "hist.user"
        for item in ("125", "126", "125"):
            self.track("/api/0000/click/%s/1/%s?categorypath=%%2FCamera" % (user, item))
        self.track("/api/0000/buy/%s/1/123?fullprice=19.99EUR&quantity=1" % user)
        self.track("/api/0000/basket/%s/1/10" % user)
        self.track("/api/0000/rate/%s/1/11?rating=80" % user)
        self.track("/api/0000/consume/%s/1/127?percentage=60" % user)
        for code, context in (("CLICK", ["125", "126"]), ("BUY", ["123"]), ("BASKET", ["10"]), ("RATE", ["11"]),
                              ("CONSUME", ["127"]), ("click", ["125", "126"])):
            with self.subTest(code=code):
                status, _, body = self.get("/api/v2/0000/%s/detailpage.json?contextitems=%s&numrecs=5" % (user, code))
                self.assertEqual(status, 200, body)
                self.assertShape(body, "detailpage", user, context=context, source=code.upper())
                ref = self.native("detailpage", user=user, items=context, limit=5)
                self.assertEqual(ids(body), [as_id(r["item"]) for r in ref["recommendations"]])
        # no history of that kind, and a scenario that needs context: 409
        self.assertError(self.get("/api/v2/0000/%s/itemonly.json?contextitems=RATE" % "nobody"), 409, "no_history",
                         "RATE")
        # (bought-with refuses to run without context: the worker's 400 becomes the 409 too)
        self.assertError(self.get("/api/v2/0000/nobody/basket.json?contextitems=BASKET"), 409, "no_history",
                         "BASKET")
        self.assertError(self.get("/api/v2/0000/nobody/basket.json"), 400, "missing_field")
        # ...while a scenario with a fallback still answers
        self.assertEqual(self.get("/api/v2/0000/nobody/detailpage.json?contextitems=BUY")[0], 200)

    # -- errors ----------------------------------------------------------------------------
    def test_documented_errors(self):
        # 404: scenario (or customer: a customer without scenarios) not found
        self.assertError(self.get("/api/v2/0000/john.doe/nowhere.json"), 404, "not_found", "nowhere")
        self.assertError(self.get("/api/v2/9999/john.doe/detailpage.json"), 404, "not_found")
        # 409: personalised recommendations for a user with no history
        self.assertError(self.get("/api/v2/0000/new.user/personal.json"), 409, "no_history")
        self.assertEqual(self.get("/api/v2/0000/u1/personal.json")[0], 200)
        # 400: wrongly formatted requests name the parameter
        for query, field in (("numrecs=0", "numrecs"), ("numrecs=51", "numrecs"), ("numrecs=ten", "numrecs"),
                             ("contextitems=1,,2", "contextitems"), ("contextitems=CLICK,BUY", "contextitems"),
                             ("contextitems=123,click", "contextitems"), ("outputtypeid=0", "outputtypeid"),
                             ("usecontextcategorypath=maybe", "usecontextcategorypath"),
                             ("recommendCategory=2", "recommendCategory"), ("categorypath=a%2F%2Fb", "categorypath"),
                             ("contextitems=" + ",".join(str(i) for i in range(21)), "contextitems"),
                             ("attribute=" + ",".join("a%d" % i for i in range(21)), "attribute"),
                             ("userattribute=%01", "userattribute")):
            with self.subTest(query=query):
                self.assertError(self.get("/api/v2/0000/john.doe/detailpage.json?" + query), 400, mentions=field)
        self.assertError(self.get("/api/v2/bad!id/john.doe/detailpage.json"), 400, "invalid_field", "customerid")
        self.assertError(self.get("/api/v2/0000/john.doe/bad%20id.json"), 400, "invalid_field", "scenarioid")
        # 414: a request URI over 8 KiB
        self.assertError(self.get("/api/v2/0000/john.doe/detailpage.json?attribute=" + "x" * 9000), 414,
                         "uri_too_long")
        # GET only
        self.assertEqual(self.cluster.http("POST", Y + "/api/v2/0000/john.doe/detailpage.json", {})[0], 405)
        self.assertError(self.get("/nothing/here"), 404, "not_found")
        # 401 needs API keys, which reco does not have yet: Basic credentials are not checked
        # (Yoochoose's default is authentication disabled), so the request is served.
        basic = {"Authorization": "Basic MDAwMDp3cm9uZw=="}
        self.assertEqual(self.get("/api/v2/0000/john.doe/detailpage.json?contextitems=123", headers=basic)[0], 200)

    # -- caching ---------------------------------------------------------------------------
    def test_caching_headers_and_304(self):
        path = "/api/v2/0000/john.doe/detailpage.json?contextitems=123"
        status, headers, body = self.get(path)
        self.assertEqual(status, 200, body)
        models = self.assertStatus(self.cluster.http("GET", "/v1/%s/models" % T), 200)["models"]
        newest = max(m["built_at"] for name, m in models.items()
                     if m and name in ("item-to-item", "popular"))
        last_modified = email.utils.parsedate_to_datetime(headers["last-modified"]).timestamp()
        self.assertEqual(int(last_modified), newest // 1000)
        expires = email.utils.parsedate_to_datetime(headers["expires"]).timestamp()
        self.assertGreater(expires, last_modified)
        self.assertTrue(headers["cache-control"].startswith("private, max-age="), headers)
        status, headers304, text = self.get(path, headers={"If-Modified-Since": headers["last-modified"]})
        self.assertEqual((status, text), (304, ""))
        self.assertEqual(headers304["last-modified"], headers["last-modified"])
        older = email.utils.formatdate(last_modified - 60, usegmt=True)
        self.assertEqual(self.get(path, headers={"If-Modified-Since": older})[0], 200)

    # -- tracking --------------------------------------------------------------------------
    def test_tracking_events(self):
        """The tracking calls a Yoochoose shop sends (Yoochoose's tracking API, same base URL),
        stored as native events and read back through the native listing."""
        u = "Js79009234YU7"
        self.track("/api/0000/click/%s/1/123?categorypath=%%2FShoes%%2FChildren" % u)
        self.track("/api/0000/rendered/%s/1/128,129,155" % u)
        self.track("/api/0000/clickrecommended/%s/1/155?scenario=also_bought" % u)
        self.track("/api/0000/consume/%s/3/452" % u)
        self.track("/api/0000/consume/%s/3/452?percentage=60" % u, method="POST")
        self.track("/api/0000/basket/%s/1/128" % u)
        self.track("/api/0000/basket/%s/1/129" % u)
        self.track("/api/0000/rate/%s/1/133?rating=5" % u)
        self.track("/api/0000/login/%s/johndoe" % u)
        self.track("/api/0000/buy/johndoe/1/128?quantity=1&fullprice=19.99EUR")
        self.track("/api/0000/buy/johndoe/1/129?quantity=2&fullprice=4.44EUR")
        self.assertEqual(self.user_events(u), [])  # login moved the visitor's events to the account
        events = self.user_events("johndoe")
        kinds = sorted((e["type"], e["item"]) for e in events)
        self.assertEqual(kinds, sorted([("view", "123"), ("rendered", "128"), ("rendered", "129"), ("rendered", "155"),
                                        ("click", "155"), ("consume", "452"), ("consume", "452"), ("cart", "128"),
                                        ("cart", "129"), ("rating", "133"), ("purchase", "128"),
                                        ("purchase", "129")]))
        by = {(e["type"], e["item"], e.get("quantity")): e for e in events}
        self.assertEqual(by[("view", "123", None)]["properties"], {"itemtype": 1, "categorypath": "/Shoes/Children"})
        self.assertEqual(by[("click", "155", None)]["properties"], {"itemtype": 1, "scenario": "also_bought"})
        self.assertEqual(by[("purchase", "129", 2)]["price"], 4.44)
        self.assertEqual(by[("purchase", "129", 2)]["properties"], {"itemtype": 1, "currency": "EUR"})
        self.assertEqual(by[("rating", "133", None)]["value"], 0.25)  # 0..100 mapped to 0..5
        consume = [e for e in events if e["type"] == "consume"]
        self.assertEqual(sorted(e["properties"].get("percentage", -1) for e in consume), [-1, 60])
        self.assertEqual(consume[0]["properties"]["itemtype"], 3)
        # consume and rendered were registered as custom actions (rendered counts, weighs nothing)
        actions = self.assertStatus(self.cluster.http("GET", "/v1/%s/actions" % T), 200)["actions"]
        weights = {a["name"]: a["weight"] for a in actions}
        self.assertEqual((weights["consume"], weights["rendered"]), (2, 0))

    def test_rendered_is_not_interest(self):
        """An impression (rendered weighs 0) is stored and listed, but the user's history (for-user's
        seeds, exclude-seen) only takes the items the user acted on; deleting the click that made
        an item interesting takes it out again although its impression stays."""
        u, c = "shown-only", self.cluster
        history = "reco:{%s}:user-history:%s" % (T, u)
        self.track("/api/0000/rendered/%s/1/901,902" % u)
        self.assertEqual(sorted(e["item"] for e in self.user_events(u, "rendered")), ["901", "902"])
        self.assertEqual(c.redis("ZRANGE", history, 0, -1), [])
        self.track("/api/0000/click/%s/1/902" % u)
        self.assertEqual(c.redis("ZRANGE", history, 0, -1), ["902"])
        status, _, _ = c.http("DELETE", "/v1/%s/events?user=%s&type=view" % (T, u))
        self.assertEqual(status, 200)
        self.assertEqual(c.redis("ZRANGE", history, 0, -1), [])
        self.assertEqual(sorted(e["item"] for e in self.user_events(u)), ["901", "902"])

    def test_links_are_counted(self):
        """The links of an answer are tracking calls that work as given, and carry the
        recommendation id of the answer into the stored event."""
        user = "link.user"
        body = self.get("/api/v2/0000/%s/detailpage.json?contextitems=123&numrecs=3" % user)[2]
        port = self.cluster.http_port
        first = body["recommendationItems"][0]
        for name in ("clickRecommended", "rendered"):
            url = first["links"][name]
            path = url[len("//127.0.0.1:%d" % port):]
            code, _, text = self.cluster.http("GET", path)
            self.assertEqual(code, 204, (url, text))
        events = self.user_events(user)
        self.assertEqual(sorted(e["type"] for e in events), ["click", "rendered"])
        rid = urllib.parse.parse_qs(urllib.parse.urlsplit(first["links"]["rendered"]).query)["recommendation"][0]
        for e in events:
            self.assertEqual((e["item"], e["recommendation"]), (str(first["itemId"]), rid))
            self.assertEqual(e["properties"]["scenario"], "detailpage")
        # a user id that needs encoding survives the round trip
        odd = "a b/c"
        body = self.get("/api/v2/0000/%s/detailpage.json?contextitems=123&numrecs=1" % urllib.parse.quote(odd, safe=""))[2]
        link = body["recommendationItems"][0]["links"]["clickRecommended"]
        self.assertEqual(self.cluster.http("GET", link[len("//127.0.0.1:%d" % port):])[0], 204)
        self.assertEqual([e["type"] for e in self.user_events(urllib.parse.quote(odd, safe=""))], ["click"])

    def test_tracked_events_train_the_models(self):
        """Clicks sent in Yoochoose's tracking style are the models' input: after a rebuild, the
        items clicked together recommend each other, through the dialect and the native route."""
        for n in range(5):
            self.track("/api/0000/click/pair.user%d/1/900" % n)
            self.track("/api/0000/click/pair.user%d/1/901" % n)
        rc, out = self.cluster.run_trainer_once(T)
        self.assertEqual(rc, 0, out)
        body = self.assertStatus(self.get("/api/v2/0000/asker/itemonly.json?contextitems=900"), 200)
        self.assertEqual(ids(body)[0], 901)
        self.assertEqual(body["contextItems"][0]["viewers"], 5)
        native = self.native("itemonly", user="asker", items=["900"])
        self.assertEqual(ids(body), [as_id(r["item"]) for r in native["recommendations"]])

    def test_tracking_errors(self):
        for path, status, field in (
                ("/api/0000/clickrecommended/u/1/155", 400, "scenario"),
                ("/api/0000/rate/u/1/133", 400, "rating"), ("/api/0000/rate/u/1/133?rating=101", 400, "rating"),
                ("/api/0000/buy/u/1/128?fullprice=2,50EUR", 400, "fullprice"),
                ("/api/0000/buy/u/1/128?fullprice=EUR", 400, "fullprice"),
                ("/api/0000/buy/u/1/128?quantity=0", 400, "quantity"),
                ("/api/0000/consume/u/1/1?percentage=101", 400, "percentage"),
                ("/api/0000/click/u/0/123", 400, "itemtypeid"), ("/api/0000/click/u/x/123", 400, "itemtypeid"),
                ("/api/0000/rendered/u/1/1,,2", 400, "itemid"),
                ("/api/bad!/click/u/1/123", 400, "customerid"),
                ("/api/0000/blacklist/u/1/123", 404, None), ("/api/0000/click/u/1", 404, None)):
            with self.subTest(path=path):
                self.assertError(self.get(path), status, mentions=field)
        self.assertEqual(self.cluster.http("DELETE", Y + "/api/0000/click/u/1/123")[0], 405)
        self.assertEqual(self.user_events("u", "view"), [])  # nothing was stored by a refused call


if __name__ == "__main__":
    unittest.main(verbosity=2)
