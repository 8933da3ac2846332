"""Deployment files: docker-compose.yml, deploy/Dockerfile and deploy/k8s/*.yaml.

No Docker engine and no Kubernetes cluster run here (nor in CI), so what is checked is what can
be without them:
  * `docker-compose -f docker-compose.yml config` (Debian's docker-compose 1.29, which needs no
    daemon for `config`) accepts the file; its normalised output has the five services, query
    (and ingestor) scalable with `--scale` (no container_name, no published port), a health check
    on every service (the gateway's on /healthz), Redis's data on a named volume with AOF on, a
    build target of deploy/Dockerfile for every reco service, and only environment variables the
    programs know (each one appears in the program's --help).
  * deploy/Dockerfile's runtime stage installs the Debian package of every shared library the
    built programs link directly (found with readelf and dpkg -S on this Debian machine).
  * The worker health check really works: two query workers run as PID 1 in PID and UTS
    namespaces of their own with the same hostname (as two containers of one service on host
    networking), both attach to the gateway, and the compose file's health check passes on the
    file they renew, and fails on a file not renewed for 10 s; a worker whose gateway is gone
    stops renewing it.
  * Every document of deploy/k8s/*.yaml validates against the Kubernetes API's JSON schemas
    (the npm package kubernetes-models, offline: tests/deploy/validate-k8s.mjs), and the
    structure reco needs: Deployments for gateway, ingestor, query and trainer, Services, an
    autoscaling/v2 HorizontalPodAutoscaler for the query Deployment (which requests CPU), a
    ConfigMap whose every key is used and whose addresses name real Services and ports,
    readiness and liveness probes (HTTP /healthz for the gateway, the health file for workers),
    requests and limits on every container, Redis as a StatefulSet with a volume claim mounted
    at /data and AOF on, selectors matching their pods' labels, and env names the programs know.
"""

import os
import re
import shutil
import subprocess
import sys

try:
    import yaml  # python3-yaml (Debian)
except ImportError:  # an interpreter without it (e.g. a pyenv python): Debian's python3 has it
    if sys.executable != "/usr/bin/python3" and os.access("/usr/bin/python3", os.X_OK):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

import signal
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BUILD_DIR, HOST, REPO, Cluster, wait_until  # noqa: E402

PROGRAMS = {"reco-gateway": "gateway/reco-gateway", "reco-ingestor": "ingestor/reco-ingestor",
            "reco-query": "query/reco-query", "reco-trainer": "trainer/reco-trainer"}
_help_cache = {}


def help_env_names(program):
    """The RECO_* names a program's --help lists."""
    if program not in _help_cache:
        out = subprocess.run([os.path.join(BUILD_DIR, PROGRAMS[program]), "--help"], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, timeout=10).stdout.decode()
        _help_cache[program] = set(re.findall(r"\bRECO_[A-Z0-9_]+\b", out))
    return _help_cache[program]


def dockerfile_stages():
    with open(os.path.join(REPO, "deploy", "Dockerfile")) as f:
        text = f.read()
    stages, current = {}, None
    for line in text.splitlines():
        m = re.match(r"FROM\s+\S+\s+AS\s+(\S+)", line, re.I)
        if m:
            current = m.group(1)
            stages[current] = []
        elif current:
            stages[current].append(line)
    return stages, text


def sanitizer_runtime(pkg):
    """The ASan/UBSan runtimes an ASan build links (scripts/test.sh's second pass): never in the
    release image the Dockerfile builds."""
    return re.match(r"lib(asan|ubsan|lsan|tsan)\d+$", pkg) is not None


class Compose(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        exe = shutil.which("docker-compose")
        if not exe:
            raise AssertionError("docker-compose is not installed (scripts/install-deps.sh installs Debian's)")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RECO_", "DOCKER_", "COMPOSE_"))}
        res = subprocess.run([exe, "-f", "docker-compose.yml", "config"], cwd=REPO, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        if res.returncode != 0:
            raise AssertionError("docker-compose config failed:\n" + res.stderr.decode())
        cls.config = yaml.safe_load(res.stdout)
        cls.services = cls.config["services"]

    def test_the_five_services(self):
        self.assertLessEqual({"redis", "gateway", "ingestor", "trainer", "query"}, set(self.services))

    def test_query_and_ingestor_scale(self):
        for name in ("query", "ingestor"):
            s = self.services[name]
            self.assertNotIn("container_name", s, name)
            self.assertNotIn("ports", s, "%s publishes a host port: --scale %s=N would collide" % (name, name))
            self.assertNotIn("hostname", s, name)

    def test_health_checks_everywhere(self):
        for name, s in self.services.items():
            test = s.get("healthcheck", {}).get("test")
            self.assertTrue(test and test != ["NONE"], "%s has no health check" % name)
        self.assertIn("http://localhost:8080/healthz", " ".join(self.services["gateway"]["healthcheck"]["test"]))
        for name in ("ingestor", "query"):
            env = self.services[name]["environment"]
            self.assertIn("RECO_HEALTH_FILE", env, name)
            self.assertIn(env["RECO_HEALTH_FILE"], " ".join(self.services[name]["healthcheck"]["test"]), name)

    def test_redis_keeps_its_data_with_aof(self):
        redis = self.services["redis"]
        cmd = " ".join(redis["command"])
        self.assertIn("--appendonly yes", cmd)
        self.assertIn("--appendfsync always", cmd)
        # docker-compose 1.x prints short syntax ("redis-data:/data:rw"), newer ones long syntax
        mounts = [v if isinstance(v, dict) else dict(zip(("source", "target"), v.split(":")[:2]))
                  for v in redis["volumes"]]
        mounts = [m for m in mounts if m.get("target") == "/data"]
        self.assertEqual(len(mounts), 1, redis["volumes"])
        self.assertIn(mounts[0]["source"], self.config.get("volumes", {}), "not a named volume")

    def test_reco_services_build_a_stage_and_know_their_environment(self):
        stages, _ = dockerfile_stages()
        gw_env = self.services["gateway"]["environment"]
        for name in ("gateway", "ingestor", "query", "trainer"):
            s = self.services[name]
            program = s["command"][0]
            self.assertIn(program, PROGRAMS, name)
            self.assertIn(s["build"]["target"], stages, "%s builds a stage deploy/Dockerfile lacks" % name)
            self.assertTrue(s["build"]["dockerfile"].endswith("deploy/Dockerfile"))
            unknown = set(s.get("environment", {})) - help_env_names(program)
            self.assertEqual(unknown, set(), "%s sets variables %s does not read" % (name, program))
            for dep in s.get("depends_on", {}):
                self.assertIn(dep, self.services)
        # The workers reach the gateway's bind ports through the service name.
        for name, var, bind in (("ingestor", "RECO_INGEST_CONNECT", "RECO_INGEST_BIND"),
                                ("query", "RECO_QUERY_CONNECT", "RECO_QUERY_BIND")):
            host, port = re.match(r"tcp://([^:]+):(\d+)$", self.services[name]["environment"][var]).groups()
            self.assertIn(host, self.services)
            self.assertTrue(gw_env[bind].endswith(":" + port), (var, bind))
            self.assertTrue(self.services[name]["environment"]["RECO_REDIS"].startswith("redis:"))

    def test_runtime_image_installs_every_linked_library(self):
        stages, _ = dockerfile_stages()
        installed = set(re.findall(r"\b(lib[a-z0-9.+-]+)\b", " ".join(stages["runtime"])))
        base = {"libc6", "libgcc-s1", "libstdc++6"}  # in debian:bookworm-slim already
        wanted = {}  # real path of each directly linked library -> [(soname, program)]
        for rel in PROGRAMS.values():
            path = os.path.join(BUILD_DIR, rel)
            needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]",
                                subprocess.run(["readelf", "-d", path], stdout=subprocess.PIPE).stdout.decode())
            ldd = subprocess.run(["ldd", path], stdout=subprocess.PIPE).stdout.decode()
            for soname in needed:
                m = re.search(r"^\s*%s => (\S+)" % re.escape(soname), ldd, re.M)
                if m:
                    wanted.setdefault(os.path.realpath(m.group(1)), []).append((soname, os.path.basename(rel)))
        # One dpkg -S for all (it reads the whole package database each time); with a merged
        # /usr a file may be registered under /lib or /usr/lib: ask for both spellings.
        alt = {p.replace("/usr/lib/", "/lib/", 1): p for p in wanted if p.startswith("/usr/lib/")}
        out = subprocess.run(["dpkg", "-S"] + list(wanted) + list(alt), stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL).stdout.decode()
        owner = {}
        for line in out.splitlines():
            pkgs, _, path = line.partition(": ")
            owner[alt.get(path, path)] = pkgs.split(",")[0].split(":")[0].strip()
        self.assertEqual(sorted(set(wanted) - set(owner)), [], "libraries no Debian package owns")
        missing = {}
        for path, users in wanted.items():
            pkg = owner[path]
            if pkg not in base and pkg not in installed and not sanitizer_runtime(pkg):
                missing.setdefault(pkg, []).extend("%s (%s)" % u for u in users)
        self.assertEqual(missing, {}, "deploy/Dockerfile's runtime stage lacks these packages")


class WorkerHealthInContainers(unittest.TestCase):
    """Two query workers as PID 1 of PID and UTS namespaces of their own, one hostname: what two
    containers of the query service look like to the gateway."""

    def test_workers_as_pid_1_attach_and_renew_their_health_files(self):
        probe = subprocess.run(["unshare", "--pid", "--fork", "--uts", "--mount-proc", "true"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if probe.returncode != 0:
            self.skipTest("unshare of PID/UTS namespaces not permitted here (needs root)")
        with open(os.path.join(REPO, "docker-compose.yml")) as f:
            compose = yaml.safe_load(f)
        check = compose["services"]["query"]["healthcheck"]["test"]
        self.assertEqual(check[0], "CMD-SHELL")
        check_cmd = check[1].replace("$$", "$")  # compose's escape of a literal $
        c = Cluster(query_workers=1, trainer=False).__enter__()
        try:
            files, boxed = [], []
            for n in range(2):
                health = os.path.join(c.tmp, "health-%d" % n)
                files.append(health)
                worker = [c.bin("query/reco-query"), "--redis", "%s:%d" % (HOST, c.redis_port),
                          "--gateway", "tcp://%s:%d" % (HOST, c.query_port), "--heartbeat-ms", "200",
                          "--health-file", health]
                boxed.append(c.spawn("query", ["unshare", "--pid", "--fork", "--uts", "--mount-proc", "--kill-child=SIGTERM",
                                  "sh", "-c", 'hostname reco-query && echo "pid $$" && exec "$@"', "sh"] + worker))
            c.wait_healthy(ingest=1, query=3)  # both attached beside the usual one: identities differ
            for health in files:
                wait_until(lambda h=health: os.path.exists(h), timeout=5, what="the health file")
                ok = subprocess.run(["sh", "-c", check_cmd.replace("/tmp/reco-health", health)])
                self.assertEqual(ok.returncode, 0, "the compose health check fails on a fresh file")
            stale = os.path.join(c.tmp, "stale")
            open(stale, "w").close()
            os.utime(stale, (os.path.getmtime(stale) - 11,) * 2)
            self.assertNotEqual(subprocess.run(["sh", "-c", check_cmd.replace("/tmp/reco-health", stale)],
                                               stderr=subprocess.DEVNULL).returncode, 0)
            with open(boxed[-1].log_path) as f:
                self.assertIn("pid 1", f.read())  # the worker really ran as PID 1
            # No gateway: the workers stop renewing (after their liveness window, 3 beats).
            c.kill(c.gateway, signal.SIGKILL)
            # (renewed every 0.2 s while a gateway is heard from, so 1 s unrenewed means stopped)
            wait_until(lambda: all(os.path.getmtime(h) < time.time() - 1.0 for h in files),
                       timeout=5, interval=0.1, what="the health files going stale without a gateway")
        finally:
            # unshare ignores SIGTERM while it waits for its child: SIGKILL it, and --kill-child
            # hands the worker a SIGTERM
            for p in boxed:
                c.kill(p, signal.SIGKILL)
            c.stop()
        self.assertEqual(c.sanitizer_reports, [])


class Kubernetes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        d = os.path.join(REPO, "deploy", "k8s")
        cls.files = sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith((".yaml", ".yml")))
        cls.docs = []
        for path in cls.files:
            with open(path) as f:
                cls.docs += [doc for doc in yaml.safe_load_all(f) if doc]

    def of(self, kind, name=None):
        found = [d for d in self.docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
        if name is not None:
            self.assertEqual(len(found), 1, "%s %s" % (kind, name))
            return found[0]
        return found

    def containers(self):
        for d in self.docs:
            if d["kind"] in ("Deployment", "StatefulSet"):
                for c in d["spec"]["template"]["spec"]["containers"]:
                    yield d, c

    def test_schemas(self):
        """kubernetes-models' JSON schemas of the Kubernetes API (offline validator)."""
        deploy = os.path.join(REPO, "tests", "deploy")
        inst = subprocess.run(["bash", os.path.join(deploy, "install.sh")], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=300)
        self.assertEqual(inst.returncode, 0, inst.stdout.decode()[-2000:])
        res = subprocess.run(["node", os.path.join(deploy, "validate-k8s.mjs")] + self.files,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        self.assertEqual(res.returncode, 0, res.stdout.decode()[-4000:])
        self.assertEqual(res.stdout.decode().count('"ok":true'), len(self.docs))

    def test_workloads_and_services(self):
        for name in ("reco-gateway", "reco-ingestor", "reco-query", "reco-trainer"):
            self.of("Deployment", name)
        for name in ("reco-gateway", "reco-redis"):
            self.of("Service", name)
        self.assertGreaterEqual(len(self.of("ConfigMap")), 1)

    def test_selectors_match_labels_and_ports(self):
        pods = {}
        for d in self.docs:
            if d["kind"] in ("Deployment", "StatefulSet"):
                labels = d["spec"]["template"]["metadata"]["labels"]
                sel = d["spec"]["selector"]["matchLabels"]
                self.assertLessEqual(sel.items(), labels.items(), d["metadata"]["name"])
                ports = {p["containerPort"] for c in d["spec"]["template"]["spec"]["containers"]
                         for p in c.get("ports", [])}
                pods[d["metadata"]["name"]] = (labels, ports)
        for svc in self.of("Service"):
            sel = svc["spec"]["selector"]
            matching = [ports for labels, ports in pods.values() if sel.items() <= labels.items()]
            self.assertEqual(len(matching), 1, "Service %s selects %d workloads" % (svc["metadata"]["name"], len(matching)))
            for p in svc["spec"]["ports"]:
                self.assertIn(p.get("targetPort", p["port"]), matching[0], svc["metadata"]["name"])

    def test_hpa_scales_query_workers_on_cpu(self):
        hpa = self.of("HorizontalPodAutoscaler", "reco-query")
        self.assertEqual(hpa["apiVersion"], "autoscaling/v2")
        ref = hpa["spec"]["scaleTargetRef"]
        self.assertEqual((ref["kind"], ref["name"]), ("Deployment", "reco-query"))
        self.assertGreaterEqual(hpa["spec"]["minReplicas"], 1)
        self.assertGreater(hpa["spec"]["maxReplicas"], hpa["spec"]["minReplicas"])
        self.assertIn("cpu", [m["resource"]["name"] for m in hpa["spec"]["metrics"] if m["type"] == "Resource"])
        for c in self.of("Deployment", "reco-query")["spec"]["template"]["spec"]["containers"]:
            self.assertIn("cpu", c["resources"]["requests"], "CPU utilisation needs a CPU request")

    def test_probes(self):
        gw = self.of("Deployment", "reco-gateway")["spec"]["template"]["spec"]["containers"][0]
        ports = {p["containerPort"] for p in gw["ports"]}
        for probe in ("readinessProbe", "livenessProbe"):
            self.assertEqual(gw[probe]["httpGet"]["path"], "/healthz")
            self.assertIn(gw[probe]["httpGet"]["port"], ports)
        cm = self.of("ConfigMap", "reco-config")["data"]
        for name in ("reco-ingestor", "reco-query"):
            c = self.of("Deployment", name)["spec"]["template"]["spec"]["containers"][0]
            env = {e["name"] for e in c["env"]}
            self.assertIn("RECO_HEALTH_FILE", env, name)
            for probe in ("readinessProbe", "livenessProbe"):
                self.assertIn(cm["RECO_HEALTH_FILE"], " ".join(c[probe]["exec"]["command"]), (name, probe))

    def test_resources_everywhere(self):
        for d, c in self.containers():
            res = c.get("resources", {})
            self.assertIn("memory", res.get("requests", {}), "%s/%s" % (d["metadata"]["name"], c["name"]))
            self.assertIn("memory", res.get("limits", {}), "%s/%s" % (d["metadata"]["name"], c["name"]))

    def test_redis_statefulset_with_a_volume_and_aof(self):
        sts = self.of("StatefulSet", "reco-redis")
        claims = [t["metadata"]["name"] for t in sts["spec"]["volumeClaimTemplates"]]
        c = sts["spec"]["template"]["spec"]["containers"][0]
        mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
        self.assertTrue(any(mounts.get(claim) == "/data" for claim in claims), (claims, mounts))
        args = " ".join(c.get("args", []) + c.get("command", []))
        self.assertIn("--appendonly yes", args)
        self.assertIn("--appendfsync always", args)
        self.assertEqual(sts["spec"]["serviceName"], "reco-redis")

    def test_environment_names_and_references(self):
        cm = self.of("ConfigMap", "reco-config")["data"]
        secrets = {s["metadata"]["name"]: set(s.get("stringData", {})) | set(s.get("data", {}))
                   for s in self.of("Secret")}
        used = set()
        for d, c in self.containers():
            if c["name"] == "redis":
                continue
            program = c["command"][0]
            names = {e["name"] for e in c.get("env", [])}
            self.assertEqual(names - help_env_names(program), set(), "%s sets variables %s does not read"
                             % (d["metadata"]["name"], program))
            for e in c.get("env", []):
                ref = e.get("valueFrom", {})
                if "configMapKeyRef" in ref:
                    self.assertEqual(ref["configMapKeyRef"]["name"], "reco-config")
                    self.assertIn(ref["configMapKeyRef"]["key"], cm, e)
                    used.add(ref["configMapKeyRef"]["key"])
                if "secretKeyRef" in ref:
                    self.assertIn(ref["secretKeyRef"]["key"], secrets.get(ref["secretKeyRef"]["name"], set()), e)
        self.assertEqual(set(cm) - used, set(), "ConfigMap keys nobody reads")
        services = {s["metadata"]["name"]: {p["port"] for p in s["spec"]["ports"]} for s in self.of("Service")}
        for k in ("RECO_REDIS", "RECO_INGEST_CONNECT", "RECO_QUERY_CONNECT"):
            host, port = re.search(r"([a-z0-9-]+):(\d+)$", cm[k]).groups()
            self.assertIn(int(port), services.get(host, set()), "%s=%s names no Service port" % (k, cm[k]))


if __name__ == "__main__":
    unittest.main(verbosity=2)
