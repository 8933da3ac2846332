/* reco_store — a self-healing synchronous hiredis connection (see reco_store.h).
 *
 * Invariant: st->ctx is either NULL or a context with err == 0. Any error moves it back to NULL,
 * so a half-read pipeline can never leak replies into the next request.
 *
 * The first connection asks INFO cluster: a plain Redis (or one that refuses the question) is
 * served here over st->ctx; a cluster node hands every call to reco_store_cluster.c, which
 * routes each command to the master of its key's slot. The mode never changes afterwards. */
#include "reco_store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reco_config.h"
#include "reco_log.h"
#include "reco_store_internal.h"

reco_store_t *reco_store_new(const char *address, int timeout_ms)
{
    reco_store_t *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    if (reco_config_split_hostport(address, st->host, sizeof st->host, &st->port) != 0) {
        free(st);
        return NULL;
    }
    snprintf(st->address, sizeof st->address, "%s", address);
    st->timeout.tv_sec = timeout_ms / 1000;
    st->timeout.tv_usec = (timeout_ms % 1000) * 1000;
    return st;
}

void reco_store_destroy(reco_store_t **store)
{
    if (!store || !*store)
        return;
    if ((*store)->ctx)
        redisFree((*store)->ctx);
    reco_store_cluster_destroy(*store);
    free(*store);
    *store = NULL;
}

void reco_store_set_error(reco_store_t *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->errstr, sizeof st->errstr, fmt, ap);
    va_end(ap);
}

static void drop(reco_store_t *st, const char *why)
{
    snprintf(st->errstr, sizeof st->errstr, "redis %s: %s", st->address, why);
    if (st->ctx) {
        reco_warn("%s; reconnecting on next use", st->errstr);
        redisFree(st->ctx);
        st->ctx = NULL;
    }
}

/* On the first connection: INFO cluster decides the mode. Returns the plain connection, or
 * NULL (cluster mode, or the question failed: the connection is dropped). */
static redisContext *detect_mode(reco_store_t *st)
{
    redisReply *r = redisCommand(st->ctx, "INFO cluster");
    if (!r) {
        drop(st, st->ctx->errstr[0] ? st->ctx->errstr : "connection lost");
        return NULL;
    }
    int cluster = r->type == REDIS_REPLY_STRING && strstr(r->str, "cluster_enabled:1");
    freeReplyObject(r);
    if (!cluster) {
        st->mode = RECO_STORE_PLAIN;
        return st->ctx;
    }
    redisFree(st->ctx);
    st->ctx = NULL;
    st->mode = RECO_STORE_CLUSTER;
    if (reco_store_cluster_start(st) == 0)
        reco_info("redis %s is a cluster node: commands go to the master of their slot", st->address);
    return NULL;
}

static redisContext *connected(reco_store_t *st)
{
    if (st->ctx)
        return st->ctx;
    redisContext *c = redisConnectWithTimeout(st->host, st->port, st->timeout);
    if (!c || c->err) {
        snprintf(st->errstr, sizeof st->errstr, "redis %s: %s", st->address, c ? c->errstr : "out of memory");
        if (c)
            redisFree(c);
        return NULL;
    }
    redisSetTimeout(c, st->timeout);
    redisEnableKeepAlive(c);
    st->ctx = c;
    if (st->mode == RECO_STORE_UNKNOWN)
        return detect_mode(st);
    return c;
}

/* The connection of a plain store, or NULL (in cluster mode too, with nothing to report). */
static redisContext *plain(reco_store_t *st)
{
    if (st->mode == RECO_STORE_CLUSTER)
        return NULL;
    return connected(st);
}

static int is_cluster(reco_store_t *st)
{
    if (st->mode == RECO_STORE_UNKNOWN)
        connected(st);
    return st->mode == RECO_STORE_CLUSTER;
}

static redisReply *checked(reco_store_t *st, void *reply)
{
    if (!reply) {
        drop(st, st->ctx && st->ctx->errstr[0] ? st->ctx->errstr : "connection lost");
        return NULL;
    }
    return reply;
}

/* The RESP bytes of a command for the cluster path; -1 (error set) if hiredis refuses it. */
static int formatted(reco_store_t *st, int len)
{
    if (len < 0)
        reco_store_set_error(st, "redis %s: cannot format the command", st->address);
    return len;
}

redisReply *reco_store_command(reco_store_t *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    void *r = NULL;
    if (is_cluster(st)) {
        char *cmd = NULL;
        int len = formatted(st, redisvFormatCommand(&cmd, fmt, ap));
        r = len < 0 ? NULL : reco_store_cluster_command(st, cmd, (size_t)len);
    } else if (plain(st)) {
        r = checked(st, redisvCommand(st->ctx, fmt, ap));
    }
    va_end(ap);
    return r;
}

redisReply *reco_store_commandv(reco_store_t *st, int argc, const char **argv, const size_t *lens)
{
    if (is_cluster(st)) {
        char *cmd = NULL;
        int len = formatted(st, redisFormatCommandArgv(&cmd, argc, argv, lens));
        return len < 0 ? NULL : reco_store_cluster_command(st, cmd, (size_t)len);
    }
    redisContext *c = plain(st);
    if (!c)
        return NULL;
    return checked(st, redisCommandArgv(c, argc, argv, lens));
}

int reco_store_append(reco_store_t *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (is_cluster(st)) {
        char *cmd = NULL;
        int len = formatted(st, redisvFormatCommand(&cmd, fmt, ap));
        va_end(ap);
        return len < 0 ? -1 : reco_store_cluster_append(st, cmd, (size_t)len);
    }
    redisContext *c = plain(st);
    if (!c) {
        va_end(ap);
        return -1;
    }
    int rc = redisvAppendCommand(c, fmt, ap);
    va_end(ap);
    if (rc != REDIS_OK) {
        drop(st, c->errstr[0] ? c->errstr : "append failed");
        return -1;
    }
    return 0;
}

int reco_store_appendv(reco_store_t *st, int argc, const char **argv, const size_t *lens)
{
    if (is_cluster(st)) {
        char *cmd = NULL;
        int len = formatted(st, redisFormatCommandArgv(&cmd, argc, argv, lens));
        return len < 0 ? -1 : reco_store_cluster_append(st, cmd, (size_t)len);
    }
    redisContext *c = plain(st);
    if (!c)
        return -1;
    if (redisAppendCommandArgv(c, argc, argv, lens) != REDIS_OK) {
        drop(st, c->errstr[0] ? c->errstr : "append failed");
        return -1;
    }
    return 0;
}

int reco_store_read(reco_store_t *st, redisReply **reply)
{
    *reply = NULL;
    if (st->mode == RECO_STORE_CLUSTER)
        return reco_store_cluster_read(st, reply);
    if (!st->ctx) {
        snprintf(st->errstr, sizeof st->errstr, "redis %s: not connected", st->address);
        return -1;
    }
    void *r = NULL;
    if (redisGetReply(st->ctx, &r) != REDIS_OK || !r) {
        drop(st, st->ctx->errstr[0] ? st->ctx->errstr : "connection lost");
        return -1;
    }
    *reply = r;
    return 0;
}

int reco_store_flush(reco_store_t *st)
{
    if (st->mode == RECO_STORE_CLUSTER)
        return reco_store_cluster_flush(st);
    if (!st->ctx) {
        snprintf(st->errstr, sizeof st->errstr, "redis %s: not connected", st->address);
        return -1;
    }
    int done = 0;
    while (!done)
        if (redisBufferWrite(st->ctx, &done) != REDIS_OK) {
            drop(st, st->ctx->errstr[0] ? st->ctx->errstr : "write failed");
            return -1;
        }
    return 0;
}

int reco_store_error_is_transient(const char *text)
{
    static const char *const prefixes[] = {"LOADING", "READONLY", "MASTERDOWN", "BUSY", "OOM",
                                           "TRYAGAIN", "CLUSTERDOWN", "NOREPLICAS", "MISCONF"};
    for (size_t i = 0; text && i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(text, prefixes[i], strlen(prefixes[i])) == 0)
            return 1;
    return 0;
}

int reco_store_ping(reco_store_t *st)
{
    redisReply *r = reco_store_command(st, "PING");
    int ok = r && r->type == REDIS_REPLY_STATUS;
    if (r)
        freeReplyObject(r);
    return ok ? 0 : -1;
}

int reco_store_is_cluster(reco_store_t *st)
{
    is_cluster(st);
    return st->mode == RECO_STORE_UNKNOWN ? -1 : st->mode == RECO_STORE_CLUSTER;
}

const char *reco_store_errstr(const reco_store_t *st)
{
    return st->errstr[0] ? st->errstr : "no error";
}

const char *reco_store_address(const reco_store_t *st)
{
    return st->address;
}

int reco_store_node_of(reco_store_t *st, const char *key, char *host, size_t cap, int *port)
{
    const char *h = st->host;
    *port = st->port;
    if (reco_store_is_cluster(st) == 1) {
        int node = reco_store_cluster_node(st, reco_slot_of(key, strlen(key)));
        if (node < 0)
            return -1;
        h = st->nodes[node].host;
        *port = st->nodes[node].port;
    }
    if (strlen(h) >= cap) {
        reco_store_set_error(st, "host name %s too long", h);
        return -1;
    }
    memcpy(host, h, strlen(h) + 1);
    return 0;
}

int reco_store_timeout_ms(const reco_store_t *st)
{
    return (int)(st->timeout.tv_sec * 1000 + st->timeout.tv_usec / 1000);
}
