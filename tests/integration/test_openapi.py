"""GET /openapi.json: the OpenAPI 3 document of the native API and every dialect route.

- The document a running gateway serves is valid: checked by two maintained validators from the
  npm registry (tests/openapi/: swagger-parser against the official OpenAPI JSON Schema, and
  Redocly's recommended lint rules), installed by tests/openapi/install.sh (npm ci from the
  committed package-lock.json).
- It describes exactly the routes the gateway serves, both ways: `reco-gateway --list-routes`
  (the native route table itself, and each dialect's list) against the document's paths and
  methods, templates compared with their parameter names blanked out.
- The list is honest: for every listed path, the running gateway is asked with a method the list
  does not give it, and must answer 405 with an Allow header naming exactly the listed methods
  (a path it did not route would be a 404, a method it serves but the list misses would be in
  Allow).
Real processes on loopback (harness.py)."""

import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BUILD_DIR, REPO, ClusterTestCase  # noqa: E402

OPENAPI_DIR = os.path.join(REPO, "tests", "openapi")
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")
TENANT = "oa"
# Path parameter values for the probes: a valid value of each (a dialect checks some before it
# looks at the method); anything else gets "x1".
SAMPLES = {"tenant": TENANT, "customer": TENANT, "customerid": TENANT, "interaction_type": "views",
           "itemtypeid": "1", "scenarioid": "home", "action": "visit", "widget": "home", "name": "view"}


def normalise(template):
    """"/v1/{tenant}/items/{item}" -> "/v1/{}/items/{}": parameter names do not matter."""
    return re.sub(r"\{[^}/]+\}", "{}", template)


def template_regex(template):
    parts = re.split(r"(\{[^}/]+\})", template)
    return re.compile("^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts if p) + "$")


def fill(template):
    return re.sub(r"\{([^}/]+)\}", lambda m: urllib.parse.quote(SAMPLES.get(m.group(1), "x1"), safe=""), template)


def listed_routes():
    out = subprocess.run([os.path.join(BUILD_DIR, "gateway", "reco-gateway"), "--list-routes"], check=True,
                         stdout=subprocess.PIPE, timeout=30).stdout.decode()
    routes = []
    for line in out.splitlines():
        method, _, path = line.partition(" ")
        routes.append((method, path))
    return routes


class OpenApiTest(ClusterTestCase):
    cluster_kwargs = {"trainer": False}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cluster.wait_healthy()
        status, headers, cls.doc = cls.cluster.http("GET", "/openapi.json")
        assert status == 200, (status, cls.doc)
        cls.content_type = headers.get("content-type", "")

    def test_served_as_json_openapi_3(self):
        self.assertTrue(self.content_type.startswith("application/json"), self.content_type)
        self.assertIsInstance(self.doc, dict)
        self.assertTrue(self.doc["openapi"].startswith("3."), self.doc.get("openapi"))
        self.assertIn("Error", self.doc["components"]["schemas"])
        self.assertError(self.cluster.http("POST", "/openapi.json", body={}), 405)

    def test_validators_accept_the_document(self):
        subprocess.run(["bash", os.path.join(OPENAPI_DIR, "install.sh")], check=True, timeout=600)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(self.doc, f)
        try:
            res = subprocess.run(["node", os.path.join(OPENAPI_DIR, "validate.mjs"), f.name], stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, timeout=120)
        finally:
            os.unlink(f.name)
        out = res.stdout.decode("utf-8", "replace")
        self.assertEqual(res.returncode, 0, out)
        self.assertIn("valid: reco", out)

    def test_validator_refuses_a_broken_document(self):
        """The check has teeth: a path parameter left undeclared and a dangling $ref fail it."""
        subprocess.run(["bash", os.path.join(OPENAPI_DIR, "install.sh")], check=True, timeout=600)
        broken = json.loads(json.dumps(self.doc))
        item = broken["paths"]["/v1/{tenant}/items/{item}"]
        item.pop("parameters")
        item["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
            "$ref": "#/components/schemas/NoSuchSchema"}
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(broken, f)
        try:
            res = subprocess.run(["node", os.path.join(OPENAPI_DIR, "validate.mjs"), f.name], stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, timeout=120)
        finally:
            os.unlink(f.name)
        out = res.stdout.decode("utf-8", "replace")
        self.assertNotEqual(res.returncode, 0, out)
        self.assertIn("path-parameters-defined", out)
        self.assertIn("NoSuchSchema", out)

    def test_every_served_route_is_documented_and_vice_versa(self):
        routes = listed_routes()
        self.assertGreater(len(routes), 40, routes)
        served = {(m, normalise(p)) for m, p in routes}
        self.assertEqual(len(served), len(routes), "a route is listed twice: %r" % routes)
        documented = {(m.upper(), normalise(p)) for p, item in self.doc["paths"].items()
                      for m in item if m.upper() in METHODS + ("HEAD", "OPTIONS")}
        self.assertEqual(len(documented), sum(1 for item in self.doc["paths"].values()
                                              for m in item if m.upper() in METHODS + ("HEAD", "OPTIONS")),
                         "two document paths differ only by parameter names")
        self.assertEqual(sorted(served - documented), [], "served but not in GET /openapi.json")
        self.assertEqual(sorted(documented - served), [], "in GET /openapi.json but not served")
        for prefix in ("/healthz", "/openapi.json", "/v1/{}/", "/compat/"):
            self.assertTrue(any(p.startswith(prefix) for _, p in served), prefix)

    def test_every_dialect_served_has_routes(self):
        """The dispatcher's 404 names the dialects it serves; each has routes in the list."""
        resp = self.cluster.http("GET", "/compat/no-such-vendor/x")
        err = self.assertError(resp, 404)
        vendors = re.findall(r"/compat/([a-z]+)", err["message"])
        self.assertTrue(vendors, err)
        paths = [p for _, p in listed_routes()]
        for vendor in vendors:
            self.assertTrue(any(p.startswith("/compat/%s/" % vendor) for p in paths), vendor)

    def test_the_gateway_routes_exactly_the_listed_methods(self):
        routes = listed_routes()
        templates = sorted({p for _, p in routes})
        checked = 0
        for template in templates:
            path = fill(template)
            expected = {m for m, t in routes if template_regex(t).match(path)}
            self.assertIn(next(m for m, t in routes if t == template), expected, (template, path))
            probe = next(m for m in ("PATCH", "DELETE", "PUT", "POST", "GET") if m not in expected)
            status, headers, body = self.cluster.http(probe, path)
            self.assertEqual(status, 405, "%s %s (for %s): expected 405, got %d %r" % (probe, path, template, status,
                                                                                      body))
            allow = {m.strip() for m in headers.get("allow", "").split(",") if m.strip()}
            self.assertEqual(allow, expected, "%s %s: Allow %r, the list says %r" % (probe, path, allow, expected))
            checked += 1
        self.assertEqual(checked, len(templates))


if __name__ == "__main__":
    unittest.main(verbosity=2)
