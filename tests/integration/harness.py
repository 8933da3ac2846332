"""harness — starts a whole reco system (redis-server, gateway, ingestor, query workers, trainer)
on loopback, on free ports chosen at run time, in a temporary directory, for end-to-end tests.

Nothing is built here: the binaries are taken from $RECO_BUILD_DIR (default: <repo>/build).
Every process writes stdout and stderr to <tmpdir>/<name>.log; `Cluster.logs()` returns the
tails, and `ClusterTestCase` prints them when a test fails. Readiness is always polled with a
deadline, never slept for. Children get PR_SET_PDEATHSIG so that a killed test run leaves no
process behind. Standard library only.
"""

import ctypes
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import redis_cluster

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD_DIR = os.path.abspath(os.environ.get("RECO_BUILD_DIR") or os.path.join(REPO, "build"))
HOST = "127.0.0.1"
HEARTBEAT_MS = 500


def key(tenant, rest):
    """A key of tenant, as docs/redis-keys.md spells it: key("shop", "events") -> "reco:{shop}:events"."""
    return "reco:{%s}:%s" % (tenant, rest)


def free_port():
    """A TCP port that was free a moment ago (bind to port 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout=10.0, interval=0.03, what="condition"):
    """Polls predicate() until it returns a truthy value, which is returned; raises on timeout.
    Exceptions from predicate count as 'not yet'; the last one is quoted in the timeout error."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready yet"
            last = exc
        if time.monotonic() >= deadline:
            raise TimeoutError("timed out after %.1f s waiting for %s (last error: %r)" % (timeout, what, last))
        time.sleep(interval)


def _die_with_parent():
    # PR_SET_PDEATHSIG = 1: the kernel sends SIGKILL to the child when the test process dies.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    except Exception:  # noqa: BLE001 - best effort only
        pass


class RedisError(Exception):
    pass


class Resp:
    """A tiny RESP2 client: one connection, reopened when it breaks. Bulk strings come back as
    str (UTF-8), integers as int, nil as None, errors raise RedisError."""

    def __init__(self, port, timeout=5.0):
        self.port, self.timeout = port, timeout
        self.sock = self.rfile = None

    def close(self):
        if self.sock:
            self.sock.close()
        self.sock = self.rfile = None

    def call(self, *args):
        payload = [b"*%d\r\n" % len(args)]
        for a in args:
            b = a if isinstance(a, bytes) else str(a).encode()
            payload.append(b"$%d\r\n%s\r\n" % (len(b), b))
        for attempt in range(2):
            try:
                if not self.sock:
                    self.sock = socket.create_connection((HOST, self.port), timeout=self.timeout)
                    self.rfile = self.sock.makefile("rb")
                self.sock.sendall(b"".join(payload))
                return self._read()
            except (OSError, EOFError):
                self.close()
                if attempt:
                    raise

    def _read(self):
        line = self.rfile.readline()
        if not line.endswith(b"\r\n"):
            raise EOFError("redis closed the connection")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RedisError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.rfile.read(n + 2)
            if len(data) != n + 2:
                raise EOFError("short read")
            return data[:-2].decode("utf-8", "surrogateescape")
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._read() for _ in range(n)]
        raise RedisError("bad RESP line %r" % line)


class Proc:
    """One child process with its log file."""

    def __init__(self, name, args, log_path, env):
        self.name, self.args, self.log_path = name, args, log_path
        self.log = open(log_path, "ab")
        self.log.write(("=== %s\n" % " ".join(args)).encode())
        self.log.flush()
        self.popen = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
                                      env=env, preexec_fn=_die_with_parent)

    @property
    def pid(self):
        return self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def __repr__(self):
        return "<%s pid %d>" % (self.name, self.pid)


def _child_env():
    # Every reco program also reads RECO_* variables; the tests set everything by flag.
    return {k: v for k, v in os.environ.items() if not k.startswith("RECO_")}


class Cluster:
    """A running reco system. Use as a context manager, or call start() and stop()."""

    def __init__(self, query_workers=2, trainer=True, gateway_args=(), keep_tmp=None, admin_key=None,
                 redis_cluster=None):
        """admin_key: None runs the gateway with --auth off (development mode, no keys); a key (at
        least 16 characters) runs it with --auth on, that admin key, and this cluster's Redis.
        redis_cluster: True starts a 3-master Redis Cluster instead of one redis-server
        (tests/integration/redis_cluster.py); None: $RECO_TEST_REDIS_CLUSTER decides."""
        if redis_cluster is None:
            redis_cluster = os.environ.get("RECO_TEST_REDIS_CLUSTER", "") not in ("", "0")
        self.redis_cluster = redis_cluster
        self.redis_ports = []  # the cluster's nodes, in start order (redis_port is the first)
        self.n_query, self.with_trainer = query_workers, trainer
        self.gateway_args = list(gateway_args)
        self.admin_key = admin_key
        self.keep_tmp = bool(os.environ.get("RECO_KEEP_TMP")) if keep_tmp is None else keep_tmp
        self.tmp = tempfile.mkdtemp(prefix="reco-it-")
        self.env = _child_env()
        self.procs = []  # every Proc ever started, live or not, in start order
        self.redis_proc = self.gateway = self.ingestor = self.trainer = None
        self.query_procs = []
        self.redis_port = self.http_port = self.ingest_port = self.query_port = None
        self._resp = None
        self._counter = 0
        self.sanitizer_reports = []

    # -- lifecycle -------------------------------------------------------------------------
    def __enter__(self):
        try:
            self.start()
        except BaseException:
            sys.stderr.write(self.logs())
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        needed = ["gateway/reco-gateway", "ingestor/reco-ingestor", "query/reco-query"]
        for binary in needed + ["trainer/reco-trainer"] * self.with_trainer:
            if not os.access(self.bin(binary), os.X_OK):
                raise FileNotFoundError("%s is not built (RECO_BUILD_DIR=%s)" % (binary, BUILD_DIR))
        self.start_redis()
        self.start_gateway()
        self.start_ingestor()
        for _ in range(self.n_query):
            self.start_query_worker()
        if self.with_trainer:
            self.start_trainer_daemon()
        self.wait_healthy(ingest=1, query=self.n_query)
        if self.with_trainer:
            self.wait_trainer_listening()

    def stop(self, timeout=5.0, remove_tmp=True):
        """SIGTERM every live process, the reco ones (newest first) before redis-server; each
        group gets up to `timeout` s before SIGKILL. Returns {"name[pid]": returncode} of the
        processes this call stopped (a string for one that had to be killed). The temp dir goes
        unless remove_tmp is false or $RECO_KEEP_TMP is set."""
        live = [p for p in reversed(self.procs) if p.alive()]
        codes = {}
        for group in ([p for p in live if p.name != "redis"], [p for p in live if p.name == "redis"]):
            for p in group:
                p.popen.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + timeout
            for p in group:
                key = "%s[%d]" % (p.name, p.pid)
                try:
                    codes[key] = p.popen.wait(max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    p.popen.kill()
                    p.popen.wait()
                    codes[key] = "killed after %.0f s" % timeout
        for p in self.procs:
            p.log.close()
        self.sanitizer_reports = self.find_sanitizer_reports()
        if self._resp:
            self._resp.close()
        if remove_tmp and not self.keep_tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
        return codes

    SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")

    def find_sanitizer_reports(self):
        """Lines of the process logs where ASan/UBSan reported a bug (a build configured with
        -Db_sanitize=address,undefined writes them to stderr): such a run must fail."""
        found = []
        for p in self.procs:
            try:
                with open(p.log.name, errors="replace") as f:
                    found += ["%s: %s" % (p.name, line.strip()) for line in f
                              if any(mark in line for mark in self.SANITIZER_MARKS)]
            except OSError:
                pass
        return found

    def bin(self, rel):
        return os.path.join(BUILD_DIR, rel)

    def spawn(self, name, args):
        self._counter += 1
        p = Proc(name, args, os.path.join(self.tmp, "%02d-%s.log" % (self._counter, name)), self.env)
        self.procs.append(p)
        return p

    def kill(self, proc, sig=signal.SIGKILL, wait=5.0):
        """Sends sig to proc; for SIGKILL/SIGTERM also reaps it (waiting up to `wait` s)."""
        if proc.alive():
            proc.popen.send_signal(sig)
        if sig in (signal.SIGKILL, signal.SIGTERM):
            return proc.popen.wait(wait)
        return None

    # -- processes -------------------------------------------------------------------------
    def start_redis(self):
        """Starts redis-server (AOF on, own data dir) and waits for PING. A restart keeps the
        port and the data dir; the first start picks a free port (retrying if it was taken)."""
        if self.redis_cluster:
            if self.redis_port is not None:
                raise RuntimeError("restarting a Redis Cluster is not supported by the harness")
            self.redis_ports, procs, self._resp = redis_cluster.start(self, Resp, RedisError, wait_until)
            self.redis_port, self.redis_proc = self.redis_ports[0], procs[0]
            return procs[0]
        data = os.path.join(self.tmp, "redis")
        os.makedirs(data, exist_ok=True)
        restart = self.redis_port is not None
        for _ in range(1 if restart else 3):
            if not restart:
                self.redis_port = free_port()
            p = self.spawn("redis", ["redis-server", "--port", str(self.redis_port), "--bind", HOST,
                                     "--dir", data, "--appendonly", "yes", "--appendfsync", "always",
                                     "--save", ""])
            if self._resp:
                self._resp.close()
            self._resp = Resp(self.redis_port)
            if wait_until(lambda: not p.alive() or self._serves(p), what="redis PING") and p.alive():
                self.redis_proc = p
                return p
        raise RuntimeError("redis-server did not start\n" + self.logs())

    def _serves(self, p):
        """True once the redis-server on redis_port is p (not some other process on the port)."""
        try:  # PING answers -LOADING until the AOF is loaded
            return self.redis("PING") == "PONG" and ("process_id:%d\r" % p.pid) in self.redis("INFO", "server")
        except (OSError, EOFError, RedisError):
            return False

    def start_gateway(self):
        for _ in range(3):
            self.http_port, self.ingest_port, self.query_port = free_port(), free_port(), free_port()
            p = self.spawn("gateway", [self.bin("gateway/reco-gateway"), "--http-host", HOST,
                                       "--http-port", str(self.http_port),
                                       "--ingest-bind", "tcp://%s:%d" % (HOST, self.ingest_port),
                                       "--query-bind", "tcp://%s:%d" % (HOST, self.query_port),
                                       "--queue-timeout-ms", "1000", "--reply-timeout-ms", "5000",
                                       "--heartbeat-ms", str(HEARTBEAT_MS), "--log-level", "info"]
                           + self.auth_args() + self.gateway_args)

            def listening():
                if not p.alive():
                    return "dead"
                with socket.create_connection((HOST, self.http_port), timeout=1):
                    return "up"
            if wait_until(listening, what="gateway HTTP port") == "up":
                self.gateway = p
                return p
        raise RuntimeError("reco-gateway did not start\n" + self.logs())

    def auth_args(self):
        """The gateway's auth flags (docs/auth.md): off unless the cluster has an admin key."""
        if self.admin_key is None:
            return ["--auth", "off"]
        return ["--auth", "on", "--admin-key", self.admin_key, "--redis", "%s:%d" % (HOST, self.redis_port)]

    def start_ingestor(self):
        self.ingestor = self.spawn("ingestor", [self.bin("ingestor/reco-ingestor"),
                                                "--redis", "%s:%d" % (HOST, self.redis_port),
                                                "--gateway", "tcp://%s:%d" % (HOST, self.ingest_port),
                                                "--heartbeat-ms", str(HEARTBEAT_MS)])
        return self.ingestor

    def start_query_worker(self):
        p = self.spawn("query", [self.bin("query/reco-query"), "--redis", "%s:%d" % (HOST, self.redis_port),
                                 "--gateway", "tcp://%s:%d" % (HOST, self.query_port),
                                 "--heartbeat-ms", str(HEARTBEAT_MS)])
        self.query_procs.append(p)
        return p

    def start_trainer_daemon(self, interval=300):
        self.trainer = self.spawn("trainer", [self.bin("trainer/reco-trainer"),
                                              "--redis", "%s:%d" % (HOST, self.redis_port),
                                              "--interval", str(interval)])
        return self.trainer

    def wait_trainer_listening(self, timeout=10.0):
        """Waits until a trainer daemon blocks on the train queue (a BLPOP client in Redis)."""
        wait_until(lambda: any("cmd=blpop" in c for c in self.redis_all("CLIENT", "LIST")), timeout=timeout,
                   what="the trainer's BLPOP on reco:train:queue")

    def run_trainer_once(self, tenant, timeout=30.0, extra_args=()):
        """Runs `reco-trainer --once --tenant T [extra_args]` to completion; returns (returncode,
        output)."""
        args = [self.bin("trainer/reco-trainer"), "--redis", "%s:%d" % (HOST, self.redis_port),
                "--once", "--tenant", tenant] + list(extra_args)
        res = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             env=self.env, timeout=timeout, preexec_fn=_die_with_parent)
        out = res.stdout.decode("utf-8", "replace")
        with open(os.path.join(self.tmp, "trainer-once.log"), "a") as f:
            f.write("=== %s (exit %d)\n%s" % (" ".join(args), res.returncode, out))
        return res.returncode, out

    # -- clients ---------------------------------------------------------------------------
    def http(self, method, path, body=None, headers=None, timeout=10.0):
        """One HTTP request on a new connection. body: dict/list (sent as JSON), str or bytes
        (sent as is). Returns (status, headers as a lower-cased dict, parsed JSON or text)."""
        hdrs = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else (
                body.encode() if isinstance(body, str) else json.dumps(body).encode())
            hdrs["Content-Type"] = "application/json"
        hdrs.update(headers or {})
        if os.environ.get("RECO_RECORD_REQUESTS"):  # fuzz/make_corpus.py: the requests become seeds
            with open(os.environ["RECO_RECORD_REQUESTS"], "a") as f:
                f.write(json.dumps({"method": method, "path": path, "headers": hdrs,
                                    "body": data.decode("latin-1") if data is not None else None}) + "\n")
        conn = http.client.HTTPConnection(HOST, self.http_port, timeout=timeout)
        try:
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            raw = resp.read()
            rh = {k.lower(): v for k, v in resp.getheaders()}
        finally:
            conn.close()
        text = raw.decode("utf-8", "replace")
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = text
        return resp.status, rh, parsed

    def redis(self, *args):
        """One command; on a Redis Cluster it goes to the master of its key's slot (MOVED and ASK
        followed), a keyless one to the first node."""
        return self._resp.call(*args)

    def redis_all(self, *args):
        """The command's reply from every master (one item on a single Redis)."""
        if not self.redis_cluster:
            return [self.redis(*args)]
        return [self._resp.node(port).call(*args) for port in self._resp.masters()]

    def stream(self, tenant):
        """The tenant's event stream, oldest first, as [(entry id, {field: value})]."""
        entries = self.redis("XRANGE", key(tenant, "events"), "-", "+") or []
        return [(eid, dict(zip(fields[::2], fields[1::2]))) for eid, fields in entries]

    def scan(self, pattern):
        """Every key matching the glob pattern, sorted (SCAN, so Redis is never blocked)."""
        found = set()
        nodes = [self._resp.node(p) for p in self._resp.masters()] if self.redis_cluster else [self._resp]
        for node in nodes:
            cursor = "0"
            while True:
                cursor, keys = node.call("SCAN", cursor, "MATCH", pattern, "COUNT", 1000)
                found.update(keys)
                if cursor == "0":
                    break
        return sorted(found)

    def health(self):
        """(status, body) of GET /healthz."""
        status, _, body = self.http("GET", "/healthz", timeout=5)
        return status, body

    def wait_healthy(self, ingest=1, query=1, timeout=10.0):
        """Polls /healthz until 200 with at least that many workers of each kind connected."""
        def ok():
            status, body = self.health()
            w = body.get("workers", {}) if isinstance(body, dict) else {}
            return status == 200 and w.get("ingest", 0) >= ingest and w.get("query", 0) >= query and body
        return wait_until(ok, timeout=timeout, what="/healthz 200 with %d ingest, %d query" % (ingest, query))

    # -- diagnostics -----------------------------------------------------------------------
    def logs(self, lines=40):
        """The last `lines` lines of every log in the temp dir."""
        out = []
        if not os.path.isdir(self.tmp):
            return ""
        for name in sorted(os.listdir(self.tmp)):
            path = os.path.join(self.tmp, name)
            if name.endswith(".log") and os.path.isfile(path):
                with open(path, "rb") as f:
                    tail = f.read().decode("utf-8", "replace").splitlines()[-lines:]
                out.append("----- %s (last %d lines)\n%s\n" % (name, len(tail), "\n".join(tail)))
        return "".join(out)


class ClusterTestCase(unittest.TestCase):
    """Starts one Cluster for the class (cls.cluster_kwargs), runs the class's setUpData(), and prints
    the logs when loading or a test of the class fails or errors."""

    cluster_kwargs = {}
    cluster_class = None  # a Cluster subclass, when the class needs one (None: Cluster)
    cluster = None

    @classmethod
    def setUpClass(cls):
        cls.cluster = (cls.cluster_class or Cluster)(**cls.cluster_kwargs).__enter__()
        try:
            cls.setUpData()
        except BaseException:
            sys.stderr.write(cls.cluster.logs())
            cls.cluster.stop()
            raise

    @classmethod
    def setUpData(cls):
        """The class's data, loaded once into the running cluster (a subclass overrides it). If
        it fails, the logs are printed and the cluster is stopped."""

    @classmethod
    def tearDownClass(cls):
        if cls.cluster:
            cls.cluster.stop()
            if cls.cluster.sanitizer_reports:
                raise AssertionError("sanitizer reports in process logs:\n" +
                                     "\n".join(cls.cluster.sanitizer_reports[:20]))

    def run(self, result=None):
        result = result if result is not None else self.defaultTestResult()
        before = len(result.failures) + len(result.errors)
        super().run(result)
        if len(result.failures) + len(result.errors) > before and self.cluster:
            sys.stderr.write("\n===== logs after %s\n%s=====\n" % (self.id(), self.cluster.logs()))
        return result

    # Shared assertions -------------------------------------------------------------------
    def assertStatus(self, resp, status):
        code, _, body = resp
        self.assertEqual(code, status, "expected HTTP %d, got %d: %r" % (status, code, body))
        return body

    def assertError(self, resp, status, code=None, mentions=None):
        """An error response: the status, a JSON {"error":{"code","message"}}, the code if given,
        and the message naming `mentions` if given. Returns the error object."""
        got, headers, body = resp
        self.assertEqual(got, status, "expected HTTP %d, got %d: %r" % (status, got, body))
        self.assertIsInstance(body, dict, "error body is not JSON: %r" % (body,))
        self.assertIn("error", body, body)
        err = body["error"]
        self.assertIsInstance(err, dict, body)
        self.assertIsInstance(err.get("code"), str, body)
        self.assertIsInstance(err.get("message"), str, body)
        self.assertTrue(err["code"] and err["message"], body)
        self.assertIn("application/json", headers.get("content-type", ""), headers)
        if code is not None:
            self.assertEqual(err["code"], code, body)
        if mentions is not None:
            self.assertIn(mentions, err["message"], body)
        return err
