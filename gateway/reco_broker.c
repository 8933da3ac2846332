/* reco_broker — load-balancing broker over ZeroMQ ROUTER sockets (see reco_broker.h).
 *
 * Ownership: the broker owns every worker_t and pending_t. A pending request lives in exactly one
 * place: its pool's waiting FIFO, or a worker's in-flight list, or nowhere for the instant
 * between completion and free (the two lists share the pending's prev/next links). A worker is
 * in its pool's ready list iff it is known, alive and has spare credit: fewer than the pool's
 * credit requests in flight plus late replies owed.
 *
 * Credit: a query worker may hold several requests (--query-credit, default 4). It still works
 * on one at a time, in order, but the next one is already in its socket when it finishes, so
 * no worker waits for a gateway round trip between requests, and ZeroMQ carries messages in
 * batches instead of waking two threads per message. A request goes to the ready worker with
 * the fewest requests on hand (the longest-ready one among equals), so queues stay short and
 * even. Because a worker answers in order, a reply that cannot be decoded belongs to its oldest
 * late or in-flight request. Ingest workers get credit 1: an ingest request is not retried
 * after a timeout, so none should sit behind another's long write. All sockets are ROUTER with
 * ZMQ_ROUTER_MANDATORY.
 *
 * ZeroMQ in libevent: ZMQ_FD is edge-triggered, so every wake-up drains the socket while
 * ZMQ_EVENTS says POLLIN, and after every send we drain again (a send can consume the edge). */
#include "reco_broker.h"

#include <czmq.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uthash.h>
#include <utlist.h>

#include "reco_log.h"

typedef struct pending pending_t;
typedef struct worker worker_t;
typedef struct pool pool_t;

struct worker {
    char identity[256];
    size_t identity_len;
    pool_t *pool;
    int64_t last_heard;
    pending_t *inflight; /* utlist DL of the requests sent to it, oldest first */
    int ninflight;
    int owed;  /* requests that timed out on it: each holds a credit until its late reply comes */
    int ready; /* in the pool's ready list */
    worker_t *prev, *next; /* ready list */
    UT_hash_handle hh;
};

struct pending {
    char id[RECO_LOG_REQUEST_ID_MAX + 24]; /* the op's id: the request id (reco_log), made unique */
    char request_id[RECO_LOG_REQUEST_ID_MAX + 1]; /* current again while done runs */
    pool_t *pool;
    char *payload;
    size_t len;
    char op[48];
    reco_broker_done_fn done;
    void *arg;
    int attempts;
    int64_t queued_at; /* monotonic ms of the first enqueue */
    worker_t *worker;  /* while in flight */
    struct event *timer;
    pending_t *prev, *next; /* the waiting FIFO, or the worker's in-flight list */
    UT_hash_handle hh;
};

struct pool {
    reco_broker_t *broker;
    reco_pool_t kind;
    zsock_t *sock;
    struct event *readable;
    worker_t *workers; /* hash by identity */
    worker_t *ready;   /* utlist DL of workers with spare credit, longest ready first */
    pending_t *waiting;
    int nworkers, nwaiting;
    int credit; /* requests a worker may hold */
};

struct reco_broker {
    struct event_base *base;
    reco_broker_config_t cfg;
    pool_t pools[RECO_POOL_COUNT];
    pending_t *pending; /* hash of every accepted request by id */
    struct event *beat;
    uint64_t next_id;
};

static const char *const pool_names[RECO_POOL_COUNT] = {"ingest", "query"};

const char *reco_broker_pool_name(reco_pool_t pool)
{
    return (unsigned)pool < RECO_POOL_COUNT ? pool_names[pool] : "?";
}

static void dispatch(pool_t *p);
static void drain(pool_t *p);
static void worker_update(worker_t *w);

/* ---- completing requests ---- */

static void pending_free(reco_broker_t *b, pending_t *pd)
{
    HASH_DEL(b->pending, pd);
    if (pd->timer)
        event_free(pd->timer);
    free(pd->payload);
    free(pd);
}

static void pending_finish(reco_broker_t *b, pending_t *pd, const reco_reply_t *reply)
{
    reco_log_set_request_id(pd->request_id);
    pd->done(pd->arg, reply);
    reco_log_set_request_id(NULL);
    pending_free(b, pd);
}

static void pending_fail(reco_broker_t *b, pending_t *pd, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void pending_fail(reco_broker_t *b, pending_t *pd, int status, const char *code, const char *fmt, ...)
{
    reco_reply_t rep;
    memset(&rep, 0, sizeof rep);
    rep.id = pd->id;
    rep.status = status;
    rep.error.status = status;
    snprintf(rep.error.code, sizeof rep.error.code, "%s", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rep.error.message, sizeof rep.error.message, fmt, ap);
    va_end(ap);
    reco_warn("request %s (%s) failed: %d %s", pd->id, pd->op, status, rep.error.message);
    pending_finish(b, pd, &rep);
}

static void pending_arm(reco_broker_t *b, pending_t *pd, int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    (void)b;
    evtimer_add(pd->timer, &tv);
}

/* Puts a request (back) in its pool's queue; a retry goes to the front. */
static void pending_enqueue(pending_t *pd, int front)
{
    pool_t *p = pd->pool;
    pd->worker = NULL;
    if (front)
        DL_PREPEND(p->waiting, pd);
    else
        DL_APPEND(p->waiting, pd);
    p->nwaiting++;
    pending_arm(p->broker, pd, p->broker->cfg.queue_timeout_ms);
}

/* A request whose worker failed: retry once elsewhere, else fail. Never an ingest request: its
 * worker may have written part or all of it before it died (or sent a bad reply), and events
 * without ids would then be stored twice under a 200 that counts only the retry's; the client
 * gets the error and retries (safe for events with ids) — integration-faults-load. */
static void pending_retry_or_fail(reco_broker_t *b, pending_t *pd, int status, const char *code, const char *why)
{
    if (pd->pool->kind == RECO_POOL_INGEST) {
        pending_fail(b, pd, status, code, "ingest pool: %s; it may have been written in part or in whole "
                     "(events with ids can be retried safely)", why);
    } else if (pd->attempts < 2) {
        reco_info("request %s (%s): %s; retrying on another worker", pd->id, pd->op, why);
        pending_enqueue(pd, 1);
        dispatch(pd->pool);
    } else {
        pending_fail(b, pd, status, code, "%s pool: %s, and the retry failed too", pool_names[pd->pool->kind], why);
    }
}

/* A waiting request's timer fired: wait on while workers exist but are busy, else fail. */
static void waiting_timeout(reco_broker_t *b, pending_t *pd)
{
    pool_t *p = pd->pool;
    int64_t waited = zclock_mono() - pd->queued_at;
    if (p->nworkers > 0 && waited < b->cfg.busy_timeout_ms) {
        int64_t left = b->cfg.busy_timeout_ms - waited;
        pending_arm(b, pd, (int)(left < b->cfg.queue_timeout_ms ? left : b->cfg.queue_timeout_ms));
        return;
    }
    DL_DELETE(p->waiting, pd);
    p->nwaiting--;
    if (p->nworkers > 0)
        pending_fail(b, pd, 503, "overloaded", "all %d %s workers stayed busy for %d ms; retry later", p->nworkers,
                     pool_names[p->kind], (int)waited);
    else
        pending_fail(b, pd, 503, "no_worker", "no %s worker became available within %d ms", pool_names[p->kind],
                     (int)waited);
}

static void on_pending_timeout(evutil_socket_t fd, short what, void *arg)
{
    pending_t *pd = arg;
    reco_broker_t *b = pd->pool->broker;
    (void)fd;
    (void)what;
    if (!pd->worker) { /* still waiting for an idle worker */
        waiting_timeout(b, pd);
        return;
    }
    worker_t *w = pd->worker;
    DL_DELETE(w->inflight, pd);
    w->ninflight--;
    w->owed++; /* its credit stays taken until the late reply arrives or the worker is dropped */
    pd->worker = NULL;
    if (pd->pool->kind == RECO_POOL_INGEST)
        pending_fail(b, pd, 504, "worker_timeout",
                     "the ingest worker did not answer within %d ms; the write may or may not be stored "
                     "(events with ids can be retried safely)", b->cfg.reply_timeout_ms[RECO_POOL_INGEST]);
    else
        pending_retry_or_fail(b, pd, 504, "worker_timeout", "worker did not reply in time");
}

/* ---- workers ---- */

static int worker_load(const worker_t *w)
{
    return w->ninflight + w->owed;
}

/* Puts w in or out of the ready list, by its spare credit. */
static void worker_update(worker_t *w)
{
    int ready = worker_load(w) < w->pool->credit;
    if (ready && !w->ready)
        DL_APPEND(w->pool->ready, w);
    else if (!ready && w->ready)
        DL_DELETE(w->pool->ready, w);
    w->ready = ready;
}

static void worker_drop(worker_t *w, const char *why)
{
    pool_t *p = w->pool;
    reco_warn("%s worker %.*s dropped: %s", pool_names[p->kind], (int)w->identity_len, w->identity, why);
    if (w->ready)
        DL_DELETE(p->ready, w);
    HASH_DEL(p->workers, w);
    p->nworkers--;
    pending_t *lost = w->inflight;
    free(w);
    while (lost) {
        pending_t *pd = lost;
        DL_DELETE(lost, pd);
        pd->worker = NULL;
        pending_retry_or_fail(p->broker, pd, 503, "worker_lost", "the worker handling it went away");
    }
}

static worker_t *worker_find(pool_t *p, const char *identity, size_t len)
{
    worker_t *w = NULL;
    HASH_FIND(hh, p->workers, identity, len, w);
    return w;
}

static worker_t *worker_add(pool_t *p, const char *identity, size_t len)
{
    worker_t *w = calloc(1, sizeof *w);
    if (!w || len > sizeof w->identity) {
        free(w);
        return NULL;
    }
    memcpy(w->identity, identity, len);
    w->identity_len = len;
    w->pool = p;
    HASH_ADD(hh, p->workers, identity, len, w);
    p->nworkers++;
    reco_info("%s worker %.*s connected (%d now)", pool_names[p->kind], (int)len, identity, p->nworkers);
    return w;
}

/* Sends [identity, cmd, payload?]; returns -1 if the peer is gone. */
static int send_to(pool_t *p, worker_t *w, const char *cmd, const char *payload, size_t len)
{
    void *s = zsock_resolve(p->sock);
    int flags = ZMQ_DONTWAIT;
    if (zmq_send(s, w->identity, w->identity_len, flags | ZMQ_SNDMORE) < 0)
        return -1;
    if (zmq_send(s, cmd, strlen(cmd), flags | (payload ? ZMQ_SNDMORE : 0)) < 0)
        return -1; /* ZeroMQ drops a partial multipart message; nothing to clean up */
    if (payload && zmq_send(s, payload, len, flags) < 0)
        return -1;
    return 0;
}

/* The ready worker with the fewest requests on hand; the longest ready among equals. */
static worker_t *least_loaded(const pool_t *p)
{
    worker_t *best = NULL, *w;
    DL_FOREACH(p->ready, w)
    {
        if (!best || worker_load(w) < worker_load(best))
            best = w;
    }
    return best;
}

static void dispatch(pool_t *p)
{
    int sent = 0;
    while (p->waiting && p->ready) {
        pending_t *pd = p->waiting;
        worker_t *w = least_loaded(p);
        DL_DELETE(p->waiting, pd);
        p->nwaiting--;
        evtimer_del(pd->timer);
        if (send_to(p, w, RECO_CMD_REQUEST, pd->payload, pd->len) != 0) {
            DL_PREPEND(p->waiting, pd);
            p->nwaiting++;
            pending_arm(p->broker, pd, p->broker->cfg.queue_timeout_ms);
            worker_drop(w, zmq_strerror(errno));
            continue;
        }
        pd->attempts++;
        pd->worker = w;
        DL_APPEND(w->inflight, pd);
        w->ninflight++;
        DL_DELETE(p->ready, w); /* to the back of the ready list, if it stays ready */
        w->ready = 0;
        worker_update(w);
        pending_arm(p->broker, pd, p->broker->cfg.reply_timeout_ms[p->kind]);
        sent = 1;
    }
    /* A send may have consumed the read edge of ZMQ_FD: look again. */
    if (sent && (zsock_events(p->sock) & ZMQ_POLLIN))
        event_active(p->readable, EV_READ, 0);
}

/* ---- incoming messages ---- */

/* A worker answers in order: a reply is for its oldest late request if it owes one, else for
 * its oldest in-flight one. */
static void handle_reply(pool_t *p, worker_t *w, zframe_t *payload)
{
    reco_reply_t rep;
    reco_error_t err;
    int ok = payload && reco_wire_decode_reply(zframe_data(payload), zframe_size(payload), &rep, &err) == 0;
    pending_t *pd = NULL;
    if (ok)
        HASH_FIND_STR(p->broker->pending, rep.id, pd);
    if (pd && pd->worker == w) {
        DL_DELETE(w->inflight, pd);
        w->ninflight--;
        evtimer_del(pd->timer);
        pending_finish(p->broker, pd, &rep);
    } else if (w->owed > 0) {
        w->owed--; /* the late answer to a request that timed out (and was retried or failed) */
        if (!ok)
            reco_warn("unreadable late reply from %.*s: %s", (int)w->identity_len, w->identity, err.message);
    } else if (w->inflight) {
        pending_t *oldest = w->inflight;
        reco_warn("bad reply from %.*s: %s", (int)w->identity_len, w->identity, ok ? "unexpected id" : err.message);
        DL_DELETE(w->inflight, oldest);
        w->ninflight--;
        oldest->worker = NULL;
        evtimer_del(oldest->timer);
        pending_retry_or_fail(p->broker, oldest, 502, "bad_reply", "worker sent an unreadable reply");
    } else {
        reco_warn("reply from %.*s that nothing waits for ignored", (int)w->identity_len, w->identity);
    }
    if (ok)
        reco_reply_clear(&rep);
    worker_update(w);
}

static void handle_message(pool_t *p, zmsg_t *msg)
{
    zframe_t *identity = zmsg_pop(msg);
    char *cmd = zmsg_popstr(msg);
    if (!identity || !cmd || zframe_size(identity) == 0 || zframe_size(identity) > 255)
        goto done;
    const char *id = (const char *)zframe_data(identity);
    size_t idlen = zframe_size(identity);
    worker_t *w = worker_find(p, id, idlen);
    if (strcmp(cmd, RECO_CMD_READY) == 0) {
        if (w) /* reconnected under the same identity: whatever it had is lost */
            worker_drop(w, "said READY again");
        w = worker_add(p, id, idlen);
        if (w)
            worker_update(w);
    } else if (strcmp(cmd, RECO_CMD_HEARTBEAT) == 0) {
        if (!w && (w = worker_add(p, id, idlen)) != NULL) /* e.g. after a gateway restart */
            worker_update(w);
    } else if (strcmp(cmd, RECO_CMD_REPLY) == 0) {
        if (!w) {
            reco_warn("reply from unknown worker %.*s ignored", (int)idlen, id);
            goto done;
        }
        zframe_t *payload = zmsg_pop(msg);
        handle_reply(p, w, payload);
        zframe_destroy(&payload);
    } else {
        reco_warn("unknown command '%s' from %.*s", cmd, (int)idlen, id);
    }
    if (w)
        w->last_heard = zclock_mono();
done:
    zframe_destroy(&identity);
    free(cmd);
}

static void drain(pool_t *p)
{
    for (int budget = 1000; budget > 0; budget--) {
        /* Receive timeout 0: NULL when nothing is queued. A message already in the socket costs
         * no system call this way; asking ZMQ_EVENTS first would cost a poll(2) per message. */
        zmsg_t *msg = zmsg_recv(p->sock);
        if (!msg)
            break;
        handle_message(p, msg);
        zmsg_destroy(&msg);
    }
    if (p->waiting && p->ready)
        dispatch(p);
    else if (zsock_events(p->sock) & ZMQ_POLLIN)
        event_active(p->readable, EV_READ, 0); /* budget spent: yield to HTTP, come back */
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    drain(arg);
}

/* ---- heartbeats ---- */

static void on_beat(evutil_socket_t fd, short what, void *arg)
{
    reco_broker_t *b = arg;
    (void)fd;
    (void)what;
    int64_t now = zclock_mono();
    int64_t limit = (int64_t)b->cfg.heartbeat_ms * b->cfg.liveness;
    for (int k = 0; k < RECO_POOL_COUNT; k++) {
        pool_t *p = &b->pools[k];
        worker_t *w, *tmp;
        HASH_ITER(hh, p->workers, w, tmp)
        {
            if (!w->inflight && now - w->last_heard > limit)
                worker_drop(w, "heartbeat lost"); /* a busy worker is watched by its reply timeout */
            else if (send_to(p, w, RECO_CMD_HEARTBEAT, NULL, 0) != 0)
                worker_drop(w, "socket gone");
        }
        if (p->waiting && p->ready)
            dispatch(p);
        event_active(p->readable, EV_READ, 0);
    }
}

/* ---- life cycle ---- */

static int pool_open(reco_broker_t *b, reco_pool_t kind)
{
    pool_t *p = &b->pools[kind];
    p->broker = b;
    p->kind = kind;
    p->credit = b->cfg.credit[kind];
    p->sock = zsock_new(ZMQ_ROUTER);
    if (!p->sock)
        return -1;
    zsock_set_router_mandatory(p->sock, 1);
    zsock_set_linger(p->sock, 0);
    zsock_set_sndhwm(p->sock, 100000);
    zsock_set_rcvhwm(p->sock, 100000);
    zsock_set_rcvtimeo(p->sock, 0); /* drain() never blocks */
    if (zsock_bind(p->sock, "%s", b->cfg.bind[kind]) < 0) {
        reco_error("cannot bind %s socket on %s: %s", pool_names[kind], b->cfg.bind[kind], zmq_strerror(errno));
        return -1;
    }
    p->readable = event_new(b->base, zsock_fd(p->sock), EV_READ | EV_PERSIST, on_readable, p);
    if (!p->readable || event_add(p->readable, NULL) != 0)
        return -1;
    reco_info("%s workers connect to %s", pool_names[kind], b->cfg.bind[kind]);
    return 0;
}

reco_broker_t *reco_broker_new(struct event_base *base, const reco_broker_config_t *cfg)
{
    reco_broker_t *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->base = base;
    b->cfg = *cfg;
    if (b->cfg.heartbeat_ms <= 0)
        b->cfg.heartbeat_ms = 500;
    if (b->cfg.liveness <= 0)
        b->cfg.liveness = 3;
    if (b->cfg.queue_timeout_ms <= 0)
        b->cfg.queue_timeout_ms = 1000;
    if (b->cfg.busy_timeout_ms <= 0)
        b->cfg.busy_timeout_ms = 10000;
    if (b->cfg.reply_timeout_ms[RECO_POOL_INGEST] <= 0)
        b->cfg.reply_timeout_ms[RECO_POOL_INGEST] = 30000;
    if (b->cfg.reply_timeout_ms[RECO_POOL_QUERY] <= 0)
        b->cfg.reply_timeout_ms[RECO_POOL_QUERY] = 5000;
    if (b->cfg.max_queue <= 0)
        b->cfg.max_queue = 10000;
    if (b->cfg.credit[RECO_POOL_INGEST] <= 0)
        b->cfg.credit[RECO_POOL_INGEST] = 1;
    if (b->cfg.credit[RECO_POOL_QUERY] <= 0)
        b->cfg.credit[RECO_POOL_QUERY] = 4;
    for (int k = 0; k < RECO_POOL_COUNT; k++) {
        if (pool_open(b, (reco_pool_t)k) != 0) {
            reco_broker_destroy(&b);
            return NULL;
        }
    }
    b->beat = event_new(base, -1, EV_PERSIST, on_beat, b);
    struct timeval tv = {b->cfg.heartbeat_ms / 1000, (b->cfg.heartbeat_ms % 1000) * 1000};
    if (!b->beat || event_add(b->beat, &tv) != 0) {
        reco_broker_destroy(&b);
        return NULL;
    }
    return b;
}

void reco_broker_destroy(reco_broker_t **broker)
{
    if (!broker || !*broker)
        return;
    reco_broker_t *b = *broker;
    pending_t *pd, *tmp;
    HASH_ITER(hh, b->pending, pd, tmp)
    {
        pending_fail(b, pd, 503, "shutting_down", "the gateway is shutting down");
    }
    for (int k = 0; k < RECO_POOL_COUNT; k++) {
        pool_t *p = &b->pools[k];
        worker_t *w, *wt;
        HASH_ITER(hh, p->workers, w, wt)
        {
            HASH_DEL(p->workers, w);
            free(w);
        }
        if (p->readable)
            event_free(p->readable);
        zsock_destroy(&p->sock);
    }
    if (b->beat)
        event_free(b->beat);
    free(b);
    *broker = NULL;
}

int reco_broker_submit(reco_broker_t *b, reco_pool_t pool, const char *tenant, const char *op,
                       json_t *args, reco_broker_done_fn done, void *arg, reco_error_t *err)
{
    pool_t *p = &b->pools[pool];
    if (p->nwaiting >= b->cfg.max_queue) {
        json_decref(args);
        reco_error_set(err, 503, "overloaded", "%d requests already wait for a %s worker", p->nwaiting,
                       pool_names[pool]);
        return -1;
    }
    pending_t *pd = calloc(1, sizeof *pd);
    if (!pd) {
        json_decref(args);
        reco_error_set(err, 500, "internal", "out of memory");
        return -1;
    }
    /* The op's id is the HTTP request's id (workers log it), unless another request still
     * pending has it (a client reusing ids): then a sequence number makes it unique. */
    const char *rid = reco_log_request_id();
    pending_t *same = NULL;
    ++b->next_id;
    if (rid[0])
        HASH_FIND_STR(b->pending, rid, same);
    if (rid[0] && !same)
        snprintf(pd->id, sizeof pd->id, "%s", rid);
    else if (rid[0])
        snprintf(pd->id, sizeof pd->id, "%s~%llu", rid, (unsigned long long)b->next_id);
    else
        snprintf(pd->id, sizeof pd->id, "%lx-%llu", (unsigned long)getpid(), (unsigned long long)b->next_id);
    snprintf(pd->request_id, sizeof pd->request_id, "%s", rid);
    snprintf(pd->op, sizeof pd->op, "%s", op);
    reco_request_t req = {RECO_WIRE_VERSION, pd->id, (char *)tenant, (char *)op, args};
    int bad = reco_wire_encode_request(&req, &pd->payload, &pd->len);
    json_decref(args);
    pd->timer = bad ? NULL : evtimer_new(b->base, on_pending_timeout, pd);
    if (bad || !pd->timer) {
        free(pd->payload);
        free(pd);
        reco_error_set(err, 500, "internal", "request could not be encoded");
        return -1;
    }
    pd->pool = p;
    pd->queued_at = zclock_mono();
    pd->done = done;
    pd->arg = arg;
    HASH_ADD_STR(b->pending, id, pd);
    pending_enqueue(pd, 0);
    if (p->ready)
        dispatch(p); /* callbacks only run on replies and timers, never from here */
    return 0;
}

int reco_broker_worker_count(const reco_broker_t *b, reco_pool_t pool)
{
    return b->pools[pool].nworkers;
}

int reco_broker_waiting_count(const reco_broker_t *b, reco_pool_t pool)
{
    return b->pools[pool].nwaiting;
}
