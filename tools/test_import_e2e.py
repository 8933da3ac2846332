"""End-to-end test of reco-import: a real redis-server, gateway and ingestor (tests/integration/
harness.py's Cluster, on free loopback ports), and the real reco-import binary.

A generated MovieLens-shaped CSV (userId,movieId,rating,timestamp,source) with two bad rows goes in:
one that has no user (rejected by reco-import itself) and one whose rating is out of range
(rejected by the server, which names it as events[i]; the rest of its batch must still be
stored). Checked: exit status 1, the summary line, the rejects file (line numbers and reasons),
and what Redis holds (XLEN of reco:{T}:events, one entry's fields). Also: items from JSON lines,
users from CSV (attributes typed), retries through 503s while no ingestor runs, exit status 2 and a quick end when no server listens, exit 2 on bad options. Standard library
only; the binary is $RECO_IMPORT_BIN or $RECO_BUILD_DIR/tools/reco-import/reco-import."""

import json
import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "integration"))
from harness import BUILD_DIR, Cluster, free_port, wait_until  # noqa: E402

IMPORTER = os.environ.get("RECO_IMPORT_BIN") or os.path.join(BUILD_DIR, "tools", "reco-import", "reco-import")
TENANT = "imp"
ROWS = 240                 # data rows in the CSV, bad ones included
NO_USER_ROW = 57           # 0-based data row without a user: rejected locally
BAD_RATING_ROW = 131       # 0-based data row with rating 7: rejected by the server
BASE_TS = 1260759144       # epoch seconds
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def write_ratings_csv(path):
    """ROWS rows; row k is user u<k % 17>, item m<k % 29>, rating 0.5..5, one bad row of each kind."""
    lines = ["userId,movieId,rating,timestamp,source"]
    for k in range(ROWS):
        user = "" if k == NO_USER_ROW else "u%d" % (k % 17)
        rating = "7" if k == BAD_RATING_ROW else "%g" % (0.5 + (k % 10) * 0.5)
        lines.append("%s,m%d,%s,%d,%s" % (user, k % 29, rating, BASE_TS + k, "web" if k % 2 else "app"))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def summary_counts(stdout):
    """{'read': n, ...} from the summary line 'reco-import: read N, sent N, ..., X s, Y rows/s'."""
    line = [ln for ln in stdout.splitlines() if ln.startswith("reco-import: ")][-1]
    counts = {}
    for part in line[len("reco-import: "):].split(", "):
        name, _, value = part.partition(" ")
        if name in ("read", "sent", "stored", "duplicates", "rejected", "failed"):
            counts[name] = int(value)
    return counts


class ImportTest(unittest.TestCase):
    cluster = None

    @classmethod
    def setUpClass(cls):
        if not os.access(IMPORTER, os.X_OK):
            raise FileNotFoundError("reco-import is not built: %s" % IMPORTER)
        cls.cluster = Cluster(query_workers=1, trainer=False).__enter__()

    @classmethod
    def tearDownClass(cls):
        if cls.cluster:
            cls.cluster.stop()
            if cls.cluster.sanitizer_reports:
                raise AssertionError("sanitizer reports in process logs:\n" +
                                     "\n".join(cls.cluster.sanitizer_reports[:20]))

    def run_import(self, *args, timeout=120):
        res = subprocess.run([IMPORTER, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, timeout=timeout,
                             env={k: v for k, v in os.environ.items() if not k.startswith("RECO_")})
        out, err = res.stdout.decode("utf-8", "replace"), res.stderr.decode("utf-8", "replace")
        for mark in SANITIZER_MARKS:
            self.assertNotIn(mark, err, "reco-import printed a sanitizer report:\n" + err)
        return res.returncode, out, err

    def url(self):
        return "http://127.0.0.1:%d" % self.cluster.http_port

    def test_csv_with_bad_rows(self):
        c = self.cluster
        csv_path, rejects = os.path.join(c.tmp, "ratings.csv"), os.path.join(c.tmp, "rejects.jsonl")
        write_ratings_csv(csv_path)
        code, out, err = self.run_import(
            "--url", self.url(), "--tenant", TENANT, "--map", "userId=user,movieId=item,rating=value",
            "--type", "rating", "--timestamp-unit", "s", "--batch", "50", "--parallel", "3",
            "--rejects", rejects, csv_path)
        self.assertEqual(code, 1, "exit status (1 = some rows rejected)\nstdout: %s\nstderr: %s" % (out, err))
        self.assertEqual(summary_counts(out), {"read": ROWS, "sent": ROWS - 2, "stored": ROWS - 2,
                                               "duplicates": 0, "rejected": 2, "failed": 0}, out)

        with open(rejects) as f:
            rejected = sorted((json.loads(line) for line in f), key=lambda r: r["line"])
        self.assertEqual([r["line"] for r in rejected], [NO_USER_ROW + 2, BAD_RATING_ROW + 2])  # header = line 1
        self.assertEqual(rejected[0]["error"], "user: missing")
        self.assertEqual(rejected[0]["row"][:3], ["", "m%d" % (NO_USER_ROW % 29), "4"])  # the raw cells
        # the server names the element of its batch: the third batch starts at row 101 (row 57
        # never joined one), so row 131 is events[30] there
        self.assertTrue(rejected[1]["error"].startswith("events[30].value"), rejected[1])
        self.assertEqual(rejected[1]["row"]["value"], 7)
        self.assertEqual(rejected[1]["row"]["user"], "u%d" % (BAD_RATING_ROW % 17))

        self.assertEqual(c.redis("XLEN", "reco:{%s}:events" % TENANT), ROWS - 2)
        first = c.redis("XRANGE", "reco:{%s}:events" % TENANT, "-", "+", "COUNT", "1000")
        fields = [dict(zip(e[1][::2], e[1][1::2])) for e in first]
        by_ts = {int(f["ts"]): f for f in fields}
        self.assertEqual(len(by_ts), ROWS - 2)
        row7 = by_ts[(BASE_TS + 7) * 1000]  # timestamp seconds -> ms
        self.assertEqual((row7["user"], row7["item"], row7["type"], float(row7["value"])), ("u7", "m7", "rating", 4.0))
        self.assertEqual(json.loads(row7["properties"]), {"source": "web"})  # an extra column
        self.assertNotIn((BASE_TS + BAD_RATING_ROW) * 1000, by_ts)
        self.assertNotIn((BASE_TS + NO_USER_ROW) * 1000, by_ts)

    def test_items_from_json_lines(self):
        c = self.cluster
        path = os.path.join(c.tmp, "items.jsonl")
        with open(path, "w") as f:
            for k in range(30):
                f.write(json.dumps({"movieId": "film-%d" % k, "title": "Film %d" % k, "categories": ["Drama"],
                                    "attributes": {"year": 1990 + k}}) + "\n")
            f.write("\n{broken\n")
        code, out, err = self.run_import("--url", self.url(), "--tenant", TENANT, "--kind", "items",
                                         "--map", "movieId=id", "--batch", "7", path)
        self.assertEqual(code, 1, out + err)
        self.assertEqual(summary_counts(out), {"read": 31, "sent": 30, "stored": 30, "duplicates": 0,
                                               "rejected": 1, "failed": 0}, out)
        self.assertEqual(c.redis("SCARD", "reco:{%s}:items" % TENANT), 30)
        self.assertEqual(c.redis("HGET", "reco:{%s}:item:film-3" % TENANT, "title"), "Film 3")

    def test_users_csv(self):
        c = self.cluster
        path = os.path.join(c.tmp, "users.csv")
        with open(path, "w") as f:
            f.write("customer,country,age,zip\n")
            for k in range(25):
                f.write("c%d,FR,%d,0%d100\n" % (k, 20 + k, k % 10))
        code, out, err = self.run_import("--url", self.url(), "--tenant", TENANT, "--kind", "users",
                                         "--map", "customer=id", path)
        self.assertEqual(code, 0, out + err)
        self.assertEqual(summary_counts(out)["stored"], 25, out)
        user = c.redis("HGETALL", "reco:{%s}:user:c4" % TENANT)
        attrs = dict(zip(user[::2], user[1::2]))
        self.assertEqual(json.loads(attrs["attr:age"]), 24)  # a number stays a number
        self.assertEqual(json.loads(attrs["attr:zip"]), "04100")  # a leading zero keeps it text
        self.assertEqual(json.loads(attrs["attr:country"]), "FR")

    def test_retries_while_no_worker(self):
        """No ingestor: the gateway answers 503 no_worker; reco-import backs off and retries, an
        ingestor comes back, and every row is stored once."""
        c = self.cluster
        path = os.path.join(c.tmp, "retry.csv")
        with open(path, "w") as f:
            f.write("user,item,type\n" + "".join("r%d,i%d,view\n" % (k, k % 5) for k in range(30)))
        c.kill(c.ingestor)
        wait_until(lambda: c.health()[1].get("workers", {}).get("ingest") == 0, what="no ingest worker")
        proc = subprocess.Popen([IMPORTER, "--url", self.url(), "--tenant", "retry", "--batch", "10", path],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            time.sleep(1.5)  # on purpose: the first request must meet the 503 (queue timeout 1 s)
            c.start_ingestor()
            out, err = (b.decode() for b in proc.communicate(timeout=60))
        finally:
            if proc.poll() is None:
                proc.kill()
        c.wait_healthy(ingest=1, query=1)
        self.assertEqual(proc.returncode, 0, out + err)
        self.assertIn("HTTP 503", err)
        self.assertEqual(summary_counts(out)["stored"], 30, out)
        self.assertEqual(c.redis("XLEN", "reco:{retry}:events"), 30)

    def test_server_unreachable_is_fatal(self):
        path = os.path.join(self.cluster.tmp, "one.csv")
        with open(path, "w") as f:
            f.write("user,item,type\nu,i,view\n")
        code, out, err = self.run_import("--url", "http://127.0.0.1:%d" % free_port(), "--tenant", TENANT,
                                         "--retries", "2", "--backoff-ms", "10", path, timeout=30)
        self.assertEqual(code, 2, out + err)
        self.assertIn("gave up after 2 retries", err)
        self.assertEqual(summary_counts(out)["failed"], 1, out)

    def test_bad_options_exit_2(self):
        path = os.path.join(self.cluster.tmp, "one.csv")
        with open(path, "w") as f:
            f.write("user,item\nu,i\n")
        for args, says in ((["--tenant", "bad tenant!", path], "--tenant"),
                           (["--tenant", TENANT, "--kind", "orders", path], "--kind"),
                           (["--tenant", TENANT, path], "--type"),  # no type column, no --type
                           (["--tenant", TENANT, "--batch", "0", path], "batch"),
                           (["--tenant", TENANT], "FILE")):
            code, out, err = self.run_import("--url", self.url(), *args)
            self.assertEqual(code, 2, (args, out, err))
            self.assertIn(says, err, (args, err))
        code, out, _ = self.run_import("--help")
        self.assertEqual(code, 0)
        self.assertIn("MovieLens", out)
        self.assertIn("RECO_IMPORT_PARALLEL", out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
