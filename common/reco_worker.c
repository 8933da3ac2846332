/* reco_worker — DEALER-side loop of the broker protocol (see reco_worker.h, docs/protocol.md).
 *
 * Each gateway connection is tracked separately: its socket, when we last heard from it, and
 * when we owe it a heartbeat. A connection that has been silent for liveness * heartbeat_ms is
 * torn down and made anew, which also re-sends READY, so a restarted gateway gets its workers
 * back without anyone restarting them. */
#include "reco_worker.h"

#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reco_log.h"

#define MAX_GATEWAYS 16

typedef struct {
    char endpoint[256];
    zsock_t *sock;
    int64_t last_heard;   /* for the liveness timer: also set when the link is (re)opened */
    int64_t last_message; /* when the gateway last sent anything (0: never) */
    int64_t next_beat;
    unsigned generation;
} gateway_link_t;

struct reco_worker {
    reco_worker_config_t cfg;
    char kind[16];
    reco_worker_handler_fn handler;
    void *ctx;
    gateway_link_t links[MAX_GATEWAYS];
    int nlinks;
    uint64_t served;
    int64_t health_at; /* when the health file was last renewed */
};

static volatile sig_atomic_t *signal_flag;

static void on_signal(int sig)
{
    (void)sig;
    if (signal_flag)
        *signal_flag = 1;
}

void reco_signals_install(volatile sig_atomic_t *flag)
{
    signal_flag = flag;
    zsys_handler_set(NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* The worker's name on the gateway's ROUTER socket: unique among every worker of every host.
 * kind-pid alone is not: each container of a `docker compose --scale query=N` or of a Kubernetes
 * Deployment runs its worker as PID 1, and two workers with one identity would be one worker to
 * the gateway (the second connection is refused). So: kind-hostname-pid-nonce-generation, with a
 * random nonce drawn once per process (hostnames repeat with host networking). */
static void make_identity(const reco_worker_t *w, unsigned generation, char *out, size_t size)
{
    static unsigned nonce;
    static char host[64];
    if (!host[0]) {
        if (gethostname(host, sizeof host) != 0 || !host[0])
            snprintf(host, sizeof host, "host");
        host[sizeof host - 1] = '\0';
        if (getrandom(&nonce, sizeof nonce, 0) != (ssize_t)sizeof nonce)
            nonce = (unsigned)zclock_time() ^ (unsigned)getpid();
    }
    snprintf(out, size, "%s-%s-%ld-%04x-%u", w->kind, host, (long)getpid(), nonce & 0xffffu, generation);
}

static int link_open(reco_worker_t *w, gateway_link_t *l)
{
    char identity[160];
    make_identity(w, ++l->generation, identity, sizeof identity);
    l->sock = zsock_new(ZMQ_DEALER);
    if (!l->sock)
        return -1;
    zsock_set_identity(l->sock, identity);
    zsock_set_linger(l->sock, 0);
    zsock_set_sndhwm(l->sock, 1000);
    zsock_set_rcvtimeo(l->sock, 0); /* receives never block: see drain() */
    if (zsock_connect(l->sock, "%s", l->endpoint) != 0) {
        reco_error("cannot connect to gateway %s", l->endpoint);
        zsock_destroy(&l->sock);
        return -1;
    }
    zstr_sendm(l->sock, RECO_CMD_READY);
    zstr_send(l->sock, w->kind);
    int64_t now = zclock_mono();
    l->last_heard = now;
    l->next_beat = now + w->cfg.heartbeat_ms;
    reco_info("%s worker %s connected to gateway %s", w->kind, identity, l->endpoint);
    return 0;
}

reco_worker_t *reco_worker_new(const reco_worker_config_t *cfg, reco_worker_handler_fn handler, void *ctx)
{
    if (!cfg || !cfg->endpoints || !*cfg->endpoints || !handler)
        return NULL;
    reco_worker_t *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->cfg = *cfg;
    snprintf(w->kind, sizeof w->kind, "%s", cfg->kind ? cfg->kind : "worker");
    if (w->cfg.heartbeat_ms <= 0)
        w->cfg.heartbeat_ms = 1000;
    if (w->cfg.liveness <= 0)
        w->cfg.liveness = 3;
    w->handler = handler;
    w->ctx = ctx;
    const char *p = cfg->endpoints;
    while (*p && w->nlinks < MAX_GATEWAYS) {
        size_t len = strcspn(p, ",");
        if (len > 0 && len < sizeof w->links[0].endpoint) {
            gateway_link_t *l = &w->links[w->nlinks++];
            memcpy(l->endpoint, p, len);
            l->endpoint[len] = '\0';
            if (link_open(w, l) != 0) {
                reco_worker_destroy(&w);
                return NULL;
            }
        }
        p += len + (p[len] == ',');
    }
    if (w->nlinks == 0)
        reco_worker_destroy(&w);
    return w;
}

void reco_worker_destroy(reco_worker_t **w)
{
    if (!w || !*w)
        return;
    for (int i = 0; i < (*w)->nlinks; i++)
        zsock_destroy(&(*w)->links[i].sock);
    free(*w);
    *w = NULL;
}

static void serve_request(reco_worker_t *w, gateway_link_t *l, zframe_t *payload)
{
    reco_request_t req;
    reco_reply_t rep;
    reco_error_t err;
    memset(&rep, 0, sizeof rep);
    if (!payload || reco_wire_decode_request(zframe_data(payload), zframe_size(payload), &req, &err) != 0) {
        reco_warn("dropping undecodable request from %s: %s", l->endpoint, payload ? err.message : "no payload");
        return;
    }
    rep.id = strdup(req.id);
    reco_log_set_request_id(req.id); /* the gateway's request id: every line of this op carries it */
    w->handler(w->ctx, &req, &rep);
    if (rep.status == 0 && rep.error.status == 0)
        reco_reply_fail(&rep, 500, "internal", "handler for op '%s' produced no reply", req.op);
    char *buf = NULL;
    size_t len = 0;
    if (reco_wire_encode_reply(&rep, &buf, &len) != 0) {
        reco_reply_clear(&rep);
        rep.id = strdup(req.id);
        reco_reply_fail(&rep, 500, "internal", "reply for op '%s' could not be encoded", req.op);
        reco_wire_encode_reply(&rep, &buf, &len);
    }
    if (buf) {
        zmsg_t *msg = zmsg_new();
        zmsg_addstr(msg, RECO_CMD_REPLY);
        zmsg_addmem(msg, buf, len);
        if (zmsg_send(&msg, l->sock) != 0) {
            reco_warn("cannot send reply %s to %s", req.id, l->endpoint);
            zmsg_destroy(&msg);
        }
        free(buf);
    }
    w->served++;
    reco_log_set_request_id(NULL);
    reco_request_clear(&req);
    reco_reply_clear(&rep);
}

/* Handles one queued message; 0 if there was none (the socket never blocks: receive timeout 0). */
static int receive(reco_worker_t *w, gateway_link_t *l)
{
    zmsg_t *msg = zmsg_recv(l->sock);
    if (!msg)
        return 0;
    l->last_heard = l->last_message = zclock_mono();
    char *cmd = zmsg_popstr(msg);
    if (cmd && strcmp(cmd, RECO_CMD_REQUEST) == 0) {
        zframe_t *payload = zmsg_pop(msg);
        serve_request(w, l, payload);
        zframe_destroy(&payload);
        /* We were busy, not the gateway silent: whatever it sent meanwhile is still queued. */
        l->last_heard = zclock_mono();
    } else if (!cmd || strcmp(cmd, RECO_CMD_HEARTBEAT) != 0) {
        reco_warn("unknown command '%s' from gateway %s", cmd ? cmd : "(none)", l->endpoint);
    }
    free(cmd);
    zmsg_destroy(&msg);
    return 1;
}

/* Serves what the link has queued (a gateway may send several requests ahead: broker credit)
 * without going back to zmq_poll between them: a non-blocking receive of a message already in
 * the socket costs no system call, where zmq_poll (or asking ZMQ_EVENTS) costs a poll(2) each
 * time. Up to DRAIN_MAX, so heartbeats still go out. */
#define DRAIN_MAX 64

static void drain(reco_worker_t *w, gateway_link_t *l, volatile sig_atomic_t *stop)
{
    for (int n = 0; n < DRAIN_MAX && !*stop && l->sock; n++)
        if (!receive(w, l))
            break;
}

static void keep_alive(reco_worker_t *w, gateway_link_t *l, int64_t now)
{
    if (now - l->last_heard > (int64_t)w->cfg.heartbeat_ms * w->cfg.liveness) {
        reco_warn("gateway %s silent for %d ms; reconnecting", l->endpoint,
                  (int)(now - l->last_heard));
        zsock_destroy(&l->sock);
        if (link_open(w, l) != 0)
            l->last_heard = now; /* retry after another liveness period */
        return;
    }
    if (now >= l->next_beat && l->sock) {
        zstr_send(l->sock, RECO_CMD_HEARTBEAT);
        l->next_beat = now + w->cfg.heartbeat_ms;
    }
}

/* Liveness for container probes (deploy/): the file's mtime is renewed about every heartbeat
 * while some gateway was heard from within the liveness window, so "renewed in the last few
 * seconds" means the loop turns (no request is stuck) and a gateway is there. */
static void renew_health(reco_worker_t *w, int64_t now)
{
    if (!w->cfg.health_file || now - w->health_at < w->cfg.heartbeat_ms)
        return;
    int heard = 0;
    for (int i = 0; i < w->nlinks; i++)
        heard |= w->links[i].last_message > 0 &&
                 now - w->links[i].last_message <= (int64_t)w->cfg.heartbeat_ms * w->cfg.liveness;
    if (!heard)
        return;
    int fd = open(w->cfg.health_file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || futimens(fd, NULL) != 0)
        reco_warn("cannot renew health file %s: %s", w->cfg.health_file, strerror(errno));
    if (fd >= 0)
        close(fd);
    w->health_at = now;
}

int reco_worker_run(reco_worker_t *w, volatile sig_atomic_t *stop)
{
    zmq_pollitem_t items[MAX_GATEWAYS];
    while (!*stop) {
        for (int i = 0; i < w->nlinks; i++) {
            items[i].socket = w->links[i].sock ? zsock_resolve(w->links[i].sock) : NULL;
            items[i].fd = -1;
            items[i].events = w->links[i].sock ? ZMQ_POLLIN : 0;
            items[i].revents = 0;
        }
        int rc = zmq_poll(items, w->nlinks, w->cfg.heartbeat_ms / 2 > 0 ? w->cfg.heartbeat_ms / 2 : 1);
        if (rc < 0 && errno != EINTR) {
            reco_error("zmq_poll: %s", zmq_strerror(errno));
            break;
        }
        for (int i = 0; rc > 0 && i < w->nlinks && !*stop; i++)
            if (items[i].revents & ZMQ_POLLIN)
                drain(w, &w->links[i], stop);
        int64_t now = zclock_mono();
        for (int i = 0; i < w->nlinks; i++)
            keep_alive(w, &w->links[i], now);
        renew_health(w, now);
    }
    reco_info("%s worker stopping after %llu requests", w->kind, (unsigned long long)w->served);
    return 0;
}

/* ---- reco_worker_main ---- */

#define MAX_OPTIONS 24

static volatile sig_atomic_t main_stop;

int reco_worker_main(int argc, char **argv, const reco_worker_program_t *prog)
{
    const char *redis = "127.0.0.1:6379", *gateway = prog->default_gateway, *log_level = "info",
               *log_format = "text", *health_file = "";
    long heartbeat_ms = 500, redis_timeout_ms = prog->redis_timeout_ms > 0 ? prog->redis_timeout_ms : 2000;
    reco_option_t opts[MAX_OPTIONS] = {
        {"redis", "RECO_REDIS", RECO_OPT_STRING, &redis, 0, 0, "Redis address, host:port"},
        {"gateway", prog->gateway_env, RECO_OPT_STRING, &gateway, 0, 0,
         "gateway endpoint(s) to connect to, comma-separated"},
        {"heartbeat-ms", "RECO_HEARTBEAT_MS", RECO_OPT_INT, &heartbeat_ms, 10, 60000,
         "heartbeat interval with the gateway, in milliseconds"},
        {"redis-timeout-ms", "RECO_REDIS_TIMEOUT_MS", RECO_OPT_INT, &redis_timeout_ms, 1, 600000,
         "timeout of the Redis connect and of every command, in milliseconds"},
        {"log-level", "RECO_LOG_LEVEL", RECO_OPT_STRING, &log_level, 0, 0, "debug, info, warn or error"},
        {"log-format", "RECO_LOG_FORMAT", RECO_OPT_STRING, &log_format, 0, 0,
         "text, or json: one JSON object a line (docs/operations-metrics.md)"},
        {"health-file", "RECO_HEALTH_FILE", RECO_OPT_STRING, &health_file, 0, 0,
         "file touched about every heartbeat while a gateway is heard from (container probes, docs/operations.md)"},
    };
    size_t n = 7;
    for (size_t i = 0; i < prog->n_extra && n < MAX_OPTIONS; i++)
        opts[n++] = prog->extra[i];
    char usage[64];
    snprintf(usage, sizeof usage, "reco-%s [options]", prog->name);
    reco_config_result_t rc = reco_config_parse(argc, argv, opts, n, usage, prog->about);
    if (rc != RECO_CONFIG_OK)
        return rc == RECO_CONFIG_HELP ? 0 : 2;
    if (reco_log_setup(prog->name, log_level, log_format) != 0)
        return 2;
    reco_signals_install(&main_stop);
    reco_store_t *store = reco_store_new(redis, (int)redis_timeout_ms);
    if (!store) {
        fprintf(stderr, "redis must be host:port, got '%s'\n", redis);
        return 2;
    }
    if (reco_store_ping(store) != 0)
        reco_warn("%s; will retry on every request", reco_store_errstr(store));
    void *ctx = prog->init(&store);
    if (!ctx) {
        reco_error("cannot set up the %s worker", prog->kind);
        return 1;
    }
    const reco_worker_config_t cfg = {
        .kind = prog->kind, .endpoints = gateway, .heartbeat_ms = (int)heartbeat_ms, .liveness = 3,
        .health_file = *health_file ? health_file : NULL};
    reco_worker_t *worker = reco_worker_new(&cfg, prog->handler, ctx);
    if (!worker) {
        reco_error("cannot connect to gateway '%s'", gateway);
        prog->destroy(ctx);
        return 1;
    }
    reco_info("serving %s requests from %s; redis %s", prog->kind, gateway, redis);
    reco_worker_run(worker, &main_stop);
    reco_worker_destroy(&worker);
    prog->destroy(ctx);
    return 0;
}
