/* reco_store_cluster — the store's Redis Cluster mode (see reco_store.h, docs/redis-cluster.md).
 *
 * State: the slot map (slot -> master, from CLUSTER SLOTS, asked on a separate short-lived
 * connection so that it never reads a pipelined reply), one lazily opened connection per master,
 * and the queue of appended commands in append order. Each command is kept as the RESP bytes
 * hiredis formatted; its key is read back from them (reco_slot_route says which argument), so
 * the printf-style and the argv calls route alike.
 *
 * Replies: every master's connection answers in the order it was sent to, which is not append
 * order (a command of a transaction whose key is in another slot is sent after EXEC), so each
 * node keeps a FIFO of the queue entries it owes. Reading the reply of entry i reads that node's
 * replies into their entries until i has one; the caller always gets them in append order.
 *
 * Redirects: a MOVED or ASK reply means the command did not run. MOVED refreshes the map and
 * sends the command again to the node named; ASK sends ASKING + the command there; at most
 * REDIRECTS_MAX hops. Before a node gets a command out of turn, the replies it still owes are
 * read into their entries, so nothing is read twice or out of place. A transaction whose
 * commands were redirected is sent again as a whole (MULTI, its commands, EXEC).
 *
 * Failures: an I/O error drops every connection that owes replies and forgets the queue (the
 * caller abandons the pipeline, as in plain mode) and marks the map stale. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "reco_log.h"
#include "reco_store.h"
#include "reco_store_internal.h"

enum { ENTRY_PLAIN, ENTRY_TX_MULTI, ENTRY_TX_IN, ENTRY_TX_OUT, ENTRY_TX_DROPPED, ENTRY_TX_EXEC };
#define REDIRECTS_MAX 5
#define TRYAGAIN_MAX 40
#define TRYAGAIN_WAIT_MS 25
#define ARGS_MAX 16 /* routing looks at no argument past these */

/* ---- the arguments of a formatted command ---- */

/* Reads up to max arguments of the RESP array cmd (made by hiredis). argc, or -1. */
static int parse_args(const char *cmd, size_t len, const char **argv, size_t *lens, int max)
{
    const char *end = cmd + len;
    char *next;
    if (len < 4 || cmd[0] != '*') return -1;
    long n = strtol(cmd + 1, &next, 10);
    const char *p = next + 2;
    if (n < 1 || p > end) return -1;
    int argc = 0;
    for (long i = 0; i < n && argc < max; i++) {
        if (p >= end || *p != '$') return -1;
        long l = strtol(p + 1, &next, 10);
        p = next + 2;
        if (l < 0 || p > end || (size_t)(end - p) < (size_t)l + 2) return -1;
        argv[argc] = p;
        lens[argc++] = (size_t)l;
        p += l + 2;
    }
    return argc;
}

/* ---- nodes and the slot map ---- */

static int node_find(reco_store_t *st, const char *host, int port, int add)
{
    for (size_t i = 0; i < st->n_nodes; i++)
        if (st->nodes[i].port == port && strcmp(st->nodes[i].host, host) == 0) return (int)i;
    if (!add || st->n_nodes >= 1000) return -1;
    reco_store_node_t *grown = realloc(st->nodes, (st->n_nodes + 1) * sizeof *grown);
    if (!grown) return -1;
    st->nodes = grown;
    reco_store_node_t *n = &st->nodes[st->n_nodes];
    memset(n, 0, sizeof *n);
    snprintf(n->host, sizeof n->host, "%s", host);
    n->port = port;
    return (int)st->n_nodes++;
}

/* Applies one CLUSTER SLOTS reply (asked of host). 0, or -1 if it is not one. */
static int map_apply(reco_store_t *st, const redisReply *r, const char *host)
{
    if (r->type != REDIS_REPLY_ARRAY) return -1;
    short *slots = st->slots;
    for (int s = 0; s < RECO_SLOT_COUNT; s++)
        slots[s] = -1;
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *range = r->element[i];
        if (range->type != REDIS_REPLY_ARRAY || range->elements < 3 ||
            range->element[2]->type != REDIS_REPLY_ARRAY || range->element[2]->elements < 2 ||
            range->element[2]->element[0]->type != REDIS_REPLY_STRING)
            continue;
        const redisReply *master = range->element[2];
        long long from = range->element[0]->integer, to = range->element[1]->integer;
        int node = node_find(st, master->element[0]->len ? master->element[0]->str : host,
                             (int)master->element[1]->integer, 1);
        for (long long s = from; node >= 0 && s <= to && s < RECO_SLOT_COUNT; s++)
            if (s >= 0) slots[s] = (short)node;
    }
    st->map_stale = 0;
    return 0;
}

static int refresh_from(reco_store_t *st, const char *host, int port)
{
    char asked[256];
    snprintf(asked, sizeof asked, "%s", host); /* host may live in st->nodes, which may move */
    redisContext *c = redisConnectWithTimeout(asked, port, st->timeout);
    if (!c || c->err) {
        reco_store_set_error(st, "redis %s:%d: %s", asked, port, c ? c->errstr : "out of memory");
        if (c) redisFree(c);
        return -1;
    }
    redisSetTimeout(c, st->timeout);
    redisReply *r = redisCommand(c, "CLUSTER SLOTS");
    int rc = r ? map_apply(st, r, asked) : -1;
    if (rc != 0)
        reco_store_set_error(st, "redis %s:%d: CLUSTER SLOTS: %s", asked, port,
                             !r                             ? c->errstr
                             : r->type == REDIS_REPLY_ERROR ? r->str
                                                            : "unexpected reply");
    if (r) freeReplyObject(r);
    redisFree(c);
    return rc;
}

/* Reads the slot map from the first node that answers (the known masters, then the address). */
static int refresh_map(reco_store_t *st)
{
    for (size_t i = 0; i < st->n_nodes; i++)
        if (refresh_from(st, st->nodes[i].host, st->nodes[i].port) == 0) return 0;
    return refresh_from(st, st->host, st->port);
}

static int route_node(reco_store_t *st, int slot)
{
    if ((st->map_stale || st->slots[slot] < 0) && refresh_map(st) != 0) return -1;
    if (st->slots[slot] < 0)
        reco_store_set_error(st, "redis %s: no master serves slot %d", st->address, slot);
    return st->slots[slot];
}

/* A node for a keyless command: one already connected, else the master of slot 0's range. */
static int any_node(reco_store_t *st)
{
    if (st->map_stale && refresh_map(st) != 0) return -1;
    for (size_t i = 0; i < st->n_nodes; i++)
        if (st->nodes[i].ctx) return (int)i;
    for (int s = 0; s < RECO_SLOT_COUNT; s++)
        if (st->slots[s] >= 0) return st->slots[s];
    reco_store_set_error(st, "redis %s: the cluster serves no slot", st->address);
    return -1;
}

static void remember_script(reco_store_t *st, const char *body, size_t len)
{
    for (size_t i = 0; i < st->n_scripts; i++)
        if (st->script_lens[i] == len && memcmp(st->scripts[i], body, len) == 0) return;
    char **scripts = realloc(st->scripts, (st->n_scripts + 1) * sizeof *scripts);
    if (scripts) st->scripts = scripts;
    size_t *lens = realloc(st->script_lens, (st->n_scripts + 1) * sizeof *lens);
    if (lens) st->script_lens = lens;
    char *copy = malloc(len + 1);
    if (!scripts || !lens || !copy) {
        free(copy);
        return;
    }
    memcpy(copy, body, len);
    st->scripts[st->n_scripts] = copy;
    st->script_lens[st->n_scripts++] = len;
}

/* The node's connection, opened (and given every script loaded so far) if need be. */
static redisContext *node_ctx(reco_store_t *st, int i)
{
    reco_store_node_t *n = &st->nodes[i];
    if (n->ctx) return n->ctx;
    redisContext *c = redisConnectWithTimeout(n->host, n->port, st->timeout);
    if (!c || c->err) {
        reco_store_set_error(st, "redis %s:%d: %s", n->host, n->port,
                             c ? c->errstr : "out of memory");
        if (c) redisFree(c);
        st->map_stale = 1;
        return NULL;
    }
    redisSetTimeout(c, st->timeout);
    redisEnableKeepAlive(c);
    for (size_t s = 0; s < st->n_scripts; s++) {
        redisReply *r = redisCommand(c, "SCRIPT LOAD %b", st->scripts[s], st->script_lens[s]);
        int ok = r && r->type == REDIS_REPLY_STRING;
        if (r) freeReplyObject(r);
        if (!ok) {
            reco_store_set_error(st, "redis %s:%d: SCRIPT LOAD failed", n->host, n->port);
            redisFree(c);
            return NULL;
        }
    }
    n->ctx = c;
    return c;
}

/* ---- the queue ---- */

static void queue_reset(reco_store_t *st)
{
    for (size_t i = 0; i < st->q_len; i++) {
        free(st->queue[i].cmd);
        if (st->queue[i].reply) freeReplyObject(st->queue[i].reply);
    }
    st->q_head = st->q_len = 0;
    st->tx_open = 0;
    for (size_t i = 0; i < st->n_nodes; i++)
        st->nodes[i].fifo_head = st->nodes[i].fifo_len = 0;
}

/* Drops every connection that owes replies (or broke), forgets the queue, marks the map stale. */
static void fail_all(reco_store_t *st)
{
    reco_warn("%s; reconnecting on next use", st->errstr);
    for (size_t i = 0; i < st->n_nodes; i++) {
        reco_store_node_t *n = &st->nodes[i];
        if (n->ctx && (n->fifo_len > n->fifo_head || n->ctx->err)) {
            redisFree(n->ctx);
            n->ctx = NULL;
        }
    }
    queue_reset(st);
    st->map_stale = 1;
}

static int push_entry(reco_store_t *st, char *cmd, size_t len, int kind, int node)
{
    if (st->q_len == st->q_cap) {
        size_t cap = st->q_cap ? 2 * st->q_cap : 64;
        reco_store_entry_t *q = realloc(st->queue, cap * sizeof *q);
        if (!q) {
            free(cmd);
            reco_store_set_error(st, "redis %s: out of memory", st->address);
            return -1;
        }
        st->queue = q;
        st->q_cap = cap;
    }
    st->queue[st->q_len] = (reco_store_entry_t){.node = node, .kind = kind, .cmd = cmd, .len = len};
    return (int)st->q_len++;
}

static int fifo_push(reco_store_node_t *n, size_t idx)
{
    if (n->fifo_len == n->fifo_cap) {
        size_t cap = n->fifo_cap ? 2 * n->fifo_cap : 64;
        size_t *f = realloc(n->fifo, cap * sizeof *f);
        if (!f) return -1;
        n->fifo = f;
        n->fifo_cap = cap;
    }
    n->fifo[n->fifo_len++] = idx;
    return 0;
}

/* Writes entry idx to its node's connection. 0, or -1 (everything dropped). */
static int send_entry(reco_store_t *st, size_t idx)
{
    reco_store_entry_t *e = &st->queue[idx];
    redisContext *c = node_ctx(st, e->node);
    if (!c || redisAppendFormattedCommand(c, e->cmd, e->len) != REDIS_OK ||
        fifo_push(&st->nodes[e->node], idx) != 0) {
        if (c)
            reco_store_set_error(st, "redis %s:%d: %s", st->nodes[e->node].host,
                                 st->nodes[e->node].port,
                                 c->errstr[0] ? c->errstr : "append failed");
        fail_all(st);
        return -1;
    }
    e->sent = 1;
    return 0;
}

/* Reads the next reply node owes into its entry. 0, or -1 (everything dropped). */
static int read_one(reco_store_t *st, int node)
{
    reco_store_node_t *n = &st->nodes[node];
    void *r = NULL;
    if (n->fifo_head == n->fifo_len || !n->ctx) {
        reco_store_set_error(st, "redis %s:%d: no reply is owed", n->host, n->port);
        fail_all(st);
        return -1;
    }
    if (redisGetReply(n->ctx, &r) != REDIS_OK || !r) {
        reco_store_set_error(st, "redis %s:%d: %s", n->host, n->port,
                             n->ctx->errstr[0] ? n->ctx->errstr : "connection lost");
        fail_all(st);
        return -1;
    }
    st->queue[n->fifo[n->fifo_head++]].reply = r;
    return 0;
}

/* The reply of entry idx (taken from it), reading its node's earlier replies first. */
static redisReply *reply_of(reco_store_t *st, size_t idx)
{
    if (!st->queue[idx].sent) {
        reco_store_set_error(st, "redis %s: a reply was read before its command could be routed",
                             st->address);
        fail_all(st);
        return NULL;
    }
    while (!st->queue[idx].reply)
        if (read_one(st, st->queue[idx].node) != 0) return NULL;
    redisReply *r = st->queue[idx].reply;
    st->queue[idx].reply = NULL;
    return r;
}

/* ---- redirects ---- */

static int is_redirect(const redisReply *r)
{
    return r && r->type == REDIS_REPLY_ERROR &&
           (strncmp(r->str, "MOVED ", 6) == 0 || strncmp(r->str, "ASK ", 4) == 0);
}

/* "MOVED <slot> <host>:<port>" or "ASK ...": the node named (added if new), after a map refresh
 * for MOVED. *ask says which. -1 if the text is not understood. */
static int redirect_target(reco_store_t *st, const char *text, int *ask)
{
    char *next;
    *ask = text[0] == 'A';
    long slot = strtol(text + (*ask ? 4 : 6), &next, 10);
    const char *addr = next + (*next == ' ');
    const char *colon = strrchr(addr, ':');
    if (slot < 0 || slot >= RECO_SLOT_COUNT || !colon || colon == addr ||
        (size_t)(colon - addr) >= 256)
        return -1;
    char host[256];
    snprintf(host, sizeof host, "%.*s", (int)(colon - addr), addr);
    int node = node_find(st, host, (int)strtol(colon + 1, NULL, 10), 1);
    if (node >= 0 && *ask)
        reco_debug("redis: slot %ld is moving to %s:%d (ASK)", slot, host, st->nodes[node].port);
    if (node >= 0 && !*ask) {
        reco_info("redis: slot %ld moved to %s:%d; reading the slot map again", slot, host,
                  st->nodes[node].port);
        refresh_map(st);
        st->slots[slot] = (short)node; /* the node's word wins over a map not yet updated */
    }
    return node;
}

/* Sends entries idx[0..n) again to node, after ASKING if ask, and puts their replies back into
 * them (freeing the old). The node's owed replies are read into their entries first. */
static int resend(reco_store_t *st, int node, int ask, const size_t *idx, size_t n)
{
    redisContext *c = node_ctx(st, node);
    if (!c) {
        fail_all(st);
        return -1;
    }
    while (st->nodes[node].fifo_head < st->nodes[node].fifo_len)
        if (read_one(st, node) != 0) return -1;
    int ok = !ask || redisAppendCommand(c, "ASKING") == REDIS_OK;
    for (size_t i = 0; ok && i < n; i++)
        ok = redisAppendFormattedCommand(c, st->queue[idx[i]].cmd, st->queue[idx[i]].len) ==
             REDIS_OK;
    for (size_t i = 0; ok && i < n + (size_t)(ask != 0); i++) {
        void *r = NULL;
        ok = redisGetReply(c, &r) == REDIS_OK && r;
        if (ok && ask && i == 0) {
            freeReplyObject(r);
        } else if (ok) {
            reco_store_entry_t *e = &st->queue[idx[i - (size_t)(ask != 0)]];
            if (e->reply) freeReplyObject(e->reply);
            e->reply = r;
        }
    }
    if (!ok) {
        reco_store_set_error(st, "redis %s:%d: %s", st->nodes[node].host, st->nodes[node].port,
                             c->errstr[0] ? c->errstr : "redirect failed");
        fail_all(st);
        return -1;
    }
    return 0;
}

static int is_tryagain(const redisReply *r)
{
    return r && r->type == REDIS_REPLY_ERROR && strncmp(r->str, "TRYAGAIN", 8) == 0;
}

/* r, or the reply of entry idx after following r's redirects. TRYAGAIN (a multi-key command
 * while its slot is half moved: it did not run) is sent again to the same node after a pause,
 * for at most TRYAGAIN_MAX * TRYAGAIN_WAIT_MS; then the caller gets it (a transient error). */
static redisReply *follow(reco_store_t *st, size_t idx, redisReply *r)
{
    int node = st->queue[idx].node, ask = 0;
    for (int hops = 0, waits = 0; hops < REDIRECTS_MAX;) {
        if (is_tryagain(r) && waits < TRYAGAIN_MAX) {
            struct timespec pause = {0, TRYAGAIN_WAIT_MS * 1000000L};
            nanosleep(&pause, NULL);
            waits++;
        } else if (is_redirect(r)) {
            node = redirect_target(st, r->str, &ask);
            if (node < 0) break;
            hops++;
        } else {
            break;
        }
        freeReplyObject(r);
        if (resend(st, node, ask, &idx, 1) != 0) return NULL;
        r = st->queue[idx].reply;
        st->queue[idx].reply = NULL;
    }
    return r;
}

/* Reads a closed transaction's replies ahead (MULTI, its commands, EXEC); if one of its
 * commands was redirected, sends the transaction again where it was sent. 0, or -1. */
static int read_tx(reco_store_t *st, size_t multi)
{
    size_t exec = st->queue[multi].partner;
    if (!exec) return 0;
    for (size_t i = multi; i <= exec; i++)
        if (st->queue[i].kind != ENTRY_TX_OUT && st->queue[i].kind != ENTRY_TX_DROPPED &&
            !st->queue[i].reply)
            while (!st->queue[i].reply)
                if (read_one(st, st->queue[i].node) != 0) return -1;
    for (int hop = 0; hop < REDIRECTS_MAX; hop++) {
        const redisReply *moved = NULL;
        for (size_t i = multi + 1; !moved && i < exec; i++)
            if (st->queue[i].kind == ENTRY_TX_IN && is_redirect(st->queue[i].reply))
                moved = st->queue[i].reply;
        if (!moved) return 0;
        int ask, node = redirect_target(st, moved->str, &ask);
        if (node < 0) return 0;
        size_t n = 0, *idx = malloc((exec - multi + 1) * sizeof *idx);
        if (!idx) {
            reco_store_set_error(st, "redis %s: out of memory", st->address);
            fail_all(st);
            return -1;
        }
        for (size_t i = multi; i <= exec; i++)
            if (st->queue[i].kind != ENTRY_TX_OUT && st->queue[i].kind != ENTRY_TX_DROPPED)
                idx[n++] = i;
        int rc = resend(st, node, ask, idx, n);
        free(idx);
        if (rc != 0) return -1;
    }
    return 0;
}

/* EXEC's reply with the replies of the transaction's commands that ran outside it (other
 * slots) put in their places, so the array holds one result per queued command. */
static redisReply *exec_reply(reco_store_t *st, size_t exec)
{
    size_t multi = st->queue[exec].partner;
    redisReply *r = reply_of(st, exec);
    if (!r) return NULL;
    size_t outs = 0;
    for (size_t i = multi + 1; i < exec; i++)
        outs += st->queue[i].kind == ENTRY_TX_OUT;
    if (outs == 0) return r;
    redisReply **elements =
        calloc(outs + (r->type == REDIS_REPLY_ARRAY ? r->elements : 0), sizeof *elements);
    size_t k = 0, inside = 0;
    for (size_t i = multi + 1; i < exec; i++) {
        if (st->queue[i].kind == ENTRY_TX_IN && r->type == REDIS_REPLY_ARRAY &&
            inside < r->elements && elements)
            elements[k++] = r->element[inside++];
        if (st->queue[i].kind != ENTRY_TX_OUT) continue;
        redisReply *out = reply_of(st, i);
        out = out ? follow(st, i, out) : NULL;
        if (!out) {
            free(elements);
            freeReplyObject(r);
            return NULL;
        }
        if (elements && r->type == REDIS_REPLY_ARRAY)
            elements[k++] = out;
        else
            freeReplyObject(out); /* the transaction failed; these commands ran all the same */
    }
    if (elements && r->type == REDIS_REPLY_ARRAY) {
        free(r->element);
        r->element = elements;
        r->elements = k;
    } else {
        free(elements);
    }
    return r;
}

/* ---- transactions ---- */

static int start_tx_on(reco_store_t *st, int node)
{
    st->tx_node = node;
    st->queue[st->tx_multi].node = node;
    return send_entry(st, st->tx_multi);
}

static int append_in_tx(reco_store_t *st, char *cmd, size_t len, int slot)
{
    if (st->tx_node < 0) {
        int node = slot >= 0 ? route_node(st, slot) : any_node(st);
        if (node < 0 || start_tx_on(st, node) != 0) {
            free(cmd);
            if (node < 0) fail_all(st);
            return -1;
        }
        st->tx_slot = slot;
    }
    int node = slot >= 0 ? route_node(st, slot) : st->tx_node;
    if (node < 0) {
        free(cmd);
        fail_all(st);
        return -1;
    }
    if (slot >= 0 && st->tx_slot < 0 && node == st->tx_node) st->tx_slot = slot;
    if (slot < 0 || slot == st->tx_slot) {
        int idx = push_entry(st, cmd, len, ENTRY_TX_IN, st->tx_node);
        return idx < 0 ? (fail_all(st), -1) : send_entry(st, (size_t)idx);
    }
    return push_entry(st, cmd, len, ENTRY_TX_OUT, node) < 0 ? (fail_all(st), -1)
                                                            : 0; /* sent after EXEC */
}

static int close_tx(reco_store_t *st, char *cmd, size_t len, int discard)
{
    if (st->tx_node < 0) {
        int node = any_node(st);
        if (node < 0 || start_tx_on(st, node) != 0) {
            free(cmd);
            if (node < 0) fail_all(st);
            return -1;
        }
    }
    int idx = push_entry(st, cmd, len, ENTRY_TX_EXEC, st->tx_node);
    if (idx < 0) {
        fail_all(st);
        return -1;
    }
    st->queue[idx].partner = st->tx_multi;
    st->queue[st->tx_multi].partner = (size_t)idx;
    st->tx_open = 0;
    if (send_entry(st, (size_t)idx) != 0) return -1;
    for (size_t i = st->tx_multi + 1; i < (size_t)idx; i++) {
        if (st->queue[i].kind != ENTRY_TX_OUT) continue;
        if (discard)
            st->queue[i].kind = ENTRY_TX_DROPPED;
        else if (send_entry(st, i) != 0)
            return -1;
    }
    return 0;
}

/* ---- the calls of reco_store_internal.h ---- */

int reco_store_cluster_start(reco_store_t *st)
{
    for (int s = 0; s < RECO_SLOT_COUNT; s++)
        st->slots[s] = -1;
    st->map_stale = 1;
    return refresh_map(st);
}

void reco_store_cluster_destroy(reco_store_t *st)
{
    queue_reset(st);
    for (size_t i = 0; i < st->n_nodes; i++) {
        if (st->nodes[i].ctx) redisFree(st->nodes[i].ctx);
        free(st->nodes[i].fifo);
    }
    for (size_t i = 0; i < st->n_scripts; i++)
        free(st->scripts[i]);
    free(st->scripts);
    free(st->script_lens);
    free(st->nodes);
    free(st->queue);
}

int reco_store_cluster_append(reco_store_t *st, char *cmd, size_t len)
{
    const char *argv[ARGS_MAX];
    size_t lens[ARGS_MAX];
    int argc = parse_args(cmd, len, argv, lens, ARGS_MAX), key = -1;
    if (argc < 1) {
        free(cmd);
        reco_store_set_error(st, "redis %s: cannot read back a formatted command", st->address);
        fail_all(st);
        return -1;
    }
    reco_route_t route = reco_slot_route(argc, (const char *const *)argv, lens, &key);
    int slot = route == RECO_ROUTE_KEY ? reco_slot_of(argv[key], lens[key]) : -1;
    if (route == RECO_ROUTE_EVERY && argc > 2 && lens[1] == 4 &&
        strncasecmp(argv[1], "LOAD", 4) == 0)
        remember_script(st, argv[2], lens[2]);
    if (route == RECO_ROUTE_MULTI && !st->tx_open) {
        int idx = push_entry(st, cmd, len, ENTRY_TX_MULTI, -1);
        if (idx < 0) {
            fail_all(st);
            return -1;
        }
        st->tx_open = 1;
        st->tx_slot = st->tx_node = -1;
        st->tx_multi = (size_t)idx;
        return 0;
    }
    if (route == RECO_ROUTE_EXEC && st->tx_open)
        return close_tx(st, cmd, len, lens[0] == 7); /* DISCARD */
    if (st->tx_open) return append_in_tx(st, cmd, len, slot);
    int node = slot >= 0 ? route_node(st, slot) : any_node(st);
    int idx = node < 0 ? (free(cmd), -1) : push_entry(st, cmd, len, ENTRY_PLAIN, node);
    if (idx < 0) {
        fail_all(st);
        return -1;
    }
    return send_entry(st, (size_t)idx);
}

/* A status reply "QUEUED", made by hiredis's own reader so that freeReplyObject owns it. */
static redisReply *queued_reply(void)
{
    redisReader *reader = redisReaderCreate();
    void *r = NULL;
    if (reader && redisReaderFeed(reader, "+QUEUED\r\n", 9) == REDIS_OK)
        redisReaderGetReply(reader, &r);
    if (reader) redisReaderFree(reader);
    return r;
}

int reco_store_cluster_read(reco_store_t *st, redisReply **reply)
{
    if (st->q_head >= st->q_len) {
        reco_store_set_error(st, "redis %s: no reply pending", st->address);
        return -1;
    }
    size_t idx = st->q_head;
    redisReply *r = NULL;
    switch (st->queue[idx].kind) {
    case ENTRY_TX_OUT:
    case ENTRY_TX_DROPPED:
        r = queued_reply();
        if (!r) {
            reco_store_set_error(st, "redis %s: out of memory", st->address);
            fail_all(st);
        }
        break;
    case ENTRY_TX_MULTI:
        r = read_tx(st, idx) == 0 ? reply_of(st, idx) : NULL;
        break;
    case ENTRY_TX_EXEC:
        r = exec_reply(st, idx);
        break;
    case ENTRY_TX_IN:
        r = reply_of(st, idx);
        break;
    default:
        r = reply_of(st, idx);
        r = r ? follow(st, idx, r) : NULL;
    }
    if (!r) return -1;
    if (st->queue[idx].kind == ENTRY_PLAIN) { /* a transaction's may still be sent again */
        free(st->queue[idx].cmd);
        st->queue[idx].cmd = NULL;
    }
    if (++st->q_head == st->q_len && !st->tx_open) queue_reset(st);
    *reply = r;
    return 0;
}

/* SCRIPT LOAD / FLUSH, FLUSHALL: sent to every master of the map; the last reply (or the first
 * error) is returned. */
static redisReply *every_master(reco_store_t *st, char *cmd, size_t len)
{
    redisReply *result = NULL;
    if ((st->map_stale || st->n_nodes == 0) && refresh_map(st) != 0) {
        free(cmd);
        return NULL;
    }
    for (size_t i = 0; i < st->n_nodes; i++) {
        int master = 0;
        for (int s = 0; s < RECO_SLOT_COUNT && !master; s++)
            master = st->slots[s] == (short)i;
        redisContext *c = master ? node_ctx(st, (int)i) : NULL;
        if (!master) continue;
        void *r = NULL;
        if (!c || redisAppendFormattedCommand(c, cmd, len) != REDIS_OK ||
            redisGetReply(c, &r) != REDIS_OK || !r) {
            if (c)
                reco_store_set_error(st, "redis %s:%d: %s", st->nodes[i].host, st->nodes[i].port,
                                     c->errstr[0] ? c->errstr : "connection lost");
            fail_all(st);
            if (result) freeReplyObject(result);
            free(cmd);
            return NULL;
        }
        if (result && result->type == REDIS_REPLY_ERROR) {
            freeReplyObject(r);
            continue;
        }
        if (result) freeReplyObject(result);
        result = r;
    }
    free(cmd);
    if (!result) reco_store_set_error(st, "redis %s: the cluster has no master", st->address);
    return result;
}

redisReply *reco_store_cluster_command(reco_store_t *st, char *cmd, size_t len)
{
    const char *argv[ARGS_MAX];
    size_t lens[ARGS_MAX];
    int argc = parse_args(cmd, len, argv, lens, ARGS_MAX), key;
    if (argc > 0 && st->q_len == 0 &&
        reco_slot_route(argc, (const char *const *)argv, lens, &key) == RECO_ROUTE_EVERY) {
        if (argc > 2 && lens[1] == 4 && strncasecmp(argv[1], "LOAD", 4) == 0)
            remember_script(st, argv[2], lens[2]);
        return every_master(st, cmd, len);
    }
    redisReply *r = NULL;
    if (reco_store_cluster_append(st, cmd, len) != 0 || reco_store_cluster_read(st, &r) != 0)
        return NULL;
    return r;
}

int reco_store_cluster_node(reco_store_t *st, int slot)
{
    return slot >= 0 && slot < RECO_SLOT_COUNT ? route_node(st, slot) : -1;
}

int reco_store_cluster_flush(reco_store_t *st)
{
    for (size_t i = 0; i < st->n_nodes; i++) {
        redisContext *c = st->nodes[i].ctx;
        int done = 0;
        while (c && !done)
            if (redisBufferWrite(c, &done) != REDIS_OK) {
                reco_store_set_error(st, "redis %s:%d: %s", st->nodes[i].host, st->nodes[i].port,
                                     c->errstr[0] ? c->errstr : "write failed");
                fail_all(st);
                return -1;
            }
    }
    return 0;
}
