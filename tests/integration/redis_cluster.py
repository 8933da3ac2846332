"""redis_cluster — a real 3-master Redis Cluster for the integration harness, and a small client
that follows it (docs/redis-cluster.md).

`Cluster(redis_cluster=True)` (or RECO_TEST_REDIS_CLUSTER=1 in the environment) starts three
`redis-server --cluster-enabled yes` on free loopback ports (their cluster bus ports, port +
10000, free too), joins them with `redis-cli --cluster create ... --cluster-replicas 0
--cluster-yes`, and waits until every node says cluster_state:ok. The reco processes get the
first node's address and find the others themselves (CLUSTER SLOTS).

ClusterResp sends each command to the master of its key's slot (CRC16 and hash tags computed
here, the slot's master learned from CLUSTER SLOTS and MOVED replies) and follows MOVED and ASK,
so tests call `cluster.redis(...)` exactly as on a single Redis. Standard library only.
"""

import os
import socket
import subprocess
import time

HOST = "127.0.0.1"
NODES = 3
SLOTS = 16384
# Commands without a key: sent to the first node (or, with redis_all, to every master).
KEYLESS = {"PING", "INFO", "CLIENT", "CLUSTER", "CONFIG", "DEBUG", "TIME", "DBSIZE", "SCAN", "FLUSHALL",
           "FLUSHDB", "KEYS", "SCRIPT", "ECHO", "WAIT", "COMMAND", "MEMORY", "SLOWLOG", "LATENCY", "ROLE"}


def crc16(data):
    """CRC16-XMODEM, as Redis Cluster hashes keys."""
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
        crc &= 0xFFFF
    return crc


def keyslot(key):
    """The slot of key (str or bytes), with the hash-tag rule: the first non-empty {...}."""
    b = key if isinstance(key, bytes) else str(key).encode()
    start = b.find(b"{")
    if start >= 0:
        end = b.find(b"}", start + 1)
        if end > start + 1:
            b = b[start + 1:end]
    return crc16(b) % SLOTS


def tenant_slot(tenant):
    return keyslot("reco:{%s}:" % tenant)


def free_cluster_port():
    """A free port p whose cluster bus port p + 10000 is free as well."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind((HOST, 0))
            port = s.getsockname()[1]
        if port + 10000 > 65535:
            continue
        try:
            with socket.socket() as s:
                s.bind((HOST, port + 10000))
            return port
        except OSError:
            continue
    raise RuntimeError("no free port pair for a cluster node")


class ClusterResp:
    """A RESP client for the cluster: one Resp per node, commands routed by slot, MOVED and ASK
    followed (at most 5 hops). resp_class: the harness's single-node client."""

    def __init__(self, ports, resp_class, error_class):
        self.ports = list(ports)
        self.resp_class, self.error_class = resp_class, error_class
        self.conns = {}
        self.slot_port = {}

    def node(self, port):
        if port not in self.conns:
            self.conns[port] = self.resp_class(port)
        return self.conns[port]

    def close(self):
        for c in self.conns.values():
            c.close()
        self.conns = {}

    def refresh(self):
        """The slot map from CLUSTER SLOTS of the first node that answers."""
        for port in self.ports:
            try:
                ranges = self.node(port).call("CLUSTER", "SLOTS")
            except (OSError, EOFError, self.error_class):
                continue
            self.slot_port = {}
            for start, end, master, *_ in ranges:
                for s in range(start, end + 1):
                    self.slot_port[s] = int(master[1])
            return True
        return False

    def masters(self):
        if not self.slot_port:
            self.refresh()
        return sorted(set(self.slot_port.values())) or self.ports

    def port_of_slot(self, slot):
        if slot not in self.slot_port:
            self.refresh()
        return self.slot_port.get(slot, self.ports[0])

    def call(self, *args):
        name = str(args[0]).upper()
        if name in KEYLESS or len(args) < 2:
            return self.node(self.ports[0]).call(*args)
        slot = keyslot(args[1])
        port, ask = self.port_of_slot(slot), False
        for _ in range(5):
            conn = self.node(port)
            try:
                if ask:
                    conn.call("ASKING")
                return conn.call(*args)
            except self.error_class as exc:
                text = str(exc)
                if not (text.startswith("MOVED ") or text.startswith("ASK ")):
                    raise
                port, ask = int(text.rsplit(":", 1)[1]), text.startswith("ASK ")
                if not ask:
                    self.slot_port[int(text.split()[1])] = port
        raise self.error_class("too many redirects for %r" % (args,))


def start(cluster, resp_class, error_class, wait_until):
    """Starts the three nodes under cluster.tmp (spawned with cluster.spawn, named "redis"), joins
    them, waits for cluster_state:ok on all; returns (ports, their Procs, a ClusterResp)."""
    ports, procs = [], []
    client = ClusterResp([], resp_class, error_class)
    for n in range(NODES):
        data = os.path.join(cluster.tmp, "redis-%d" % n)
        os.makedirs(data, exist_ok=True)
        for attempt in range(3):  # a port taken meanwhile by someone else: another one
            port = free_cluster_port()
            p = cluster.spawn("redis", [
                "redis-server", "--port", str(port), "--bind", HOST, "--dir", data, "--cluster-enabled", "yes",
                "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "3000", "--appendonly", "yes",
                "--appendfsync", "always", "--save", ""])

            def up(port=port, p=p):
                return "exited" if not p.alive() else client.node(port).call("PING") == "PONG"
            if wait_until(up, what="cluster node %d PING" % port) is True:
                break
            client.conns.pop(port, None)
        else:
            raise RuntimeError("redis-server --cluster-enabled did not start\n" + cluster.logs())
        ports.append(port)
        procs.append(p)
    client.ports = ports
    res = subprocess.run(["redis-cli", "--cluster", "create"] + ["%s:%d" % (HOST, p) for p in ports] +
                         ["--cluster-replicas", "0", "--cluster-yes"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    with open(os.path.join(cluster.tmp, "redis-cluster-create.log"), "wb") as f:
        f.write(res.stdout)
    if res.returncode != 0:
        raise RuntimeError("redis-cli --cluster create failed:\n" + res.stdout.decode("utf-8", "replace"))

    def ok():
        for port in ports:
            info = client.node(port).call("CLUSTER", "INFO")
            if "cluster_state:ok" not in info or "cluster_known_nodes:%d" % NODES not in info:
                return False
        return client.refresh() and len(set(client.slot_port.values())) == NODES
    wait_until(ok, timeout=30, what="cluster_state:ok on every node")
    return ports, procs, client


def migrate_slot(client, slot, target_port, wait_until, error_class):
    """Moves slot to the master on target_port the way redis-cli --cluster reshard does: SETSLOT
    IMPORTING on the target, MIGRATING on the source, MIGRATE the keys in batches, then SETSLOT
    NODE on both (and the rest). Returns the number of keys moved."""
    source_port = client.port_of_slot(slot)
    if source_port == target_port:
        return 0
    src, dst = client.node(source_port), client.node(target_port)
    src_id, dst_id = src.call("CLUSTER", "MYID"), dst.call("CLUSTER", "MYID")
    dst.call("CLUSTER", "SETSLOT", slot, "IMPORTING", src_id)
    src.call("CLUSTER", "SETSLOT", slot, "MIGRATING", dst_id)
    moved = 0
    while True:
        keys = src.call("CLUSTER", "GETKEYSINSLOT", slot, 50)
        if not keys:
            break
        src.call("MIGRATE", HOST, target_port, "", 0, 5000, "KEYS", *keys)
        moved += len(keys)
        time.sleep(0.01)  # let the clients meet the slot half-moved (ASK)
    for node in (dst, src):
        node.call("CLUSTER", "SETSLOT", slot, "NODE", dst_id)
    for port in client.masters():
        if port not in (source_port, target_port):
            try:
                client.node(port).call("CLUSTER", "SETSLOT", slot, "NODE", dst_id)
            except error_class:
                pass  # the epoch propagates by itself
    client.slot_port[slot] = target_port
    return moved
