/* reco_version_cache — remembered current versions, invalidated by Redis (see
 * reco_version_cache.h for the rules and why they leave no staleness).
 *
 * The memory is a direct-mapped table of current keys; a slot is valid only while its epoch is
 * the cache's, so forgetting everything is one increment. The table is forgotten on every
 * invalidation message, whatever key it names: flips are rare (one per model per build), so a
 * finer rule would buy nothing. The connections are torn down together on any failure, and the
 * epoch moves on, so nothing remembered over a connection that broke is ever used again. */
#include "reco_version_cache.h"

#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reco_config.h"
#include "reco_log.h"

#define SLOTS 1024
#define SLOT_KEY_MAX 192 /* longer keys are simply not remembered */
#define RETRY_MS 1000

typedef struct {
    char key[SLOT_KEY_MAX];
    int64_t version;
    int64_t stored_at;
    uint64_t epoch;
} slot_t;

struct reco_version_cache {
    char host[256];
    int port;
    struct timeval timeout;
    redisContext *reader; /* CLIENT TRACKING on, REDIRECT to sub */
    redisContext *sub;    /* SUBSCRIBE __redis__:invalidate */
    int64_t next_attempt;
    uint64_t epoch; /* starts at 1: zeroed slots never match */
    slot_t slots[SLOTS];
};

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

reco_version_cache_t *reco_version_cache_new(const char *address, int timeout_ms)
{
    reco_version_cache_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    if (reco_config_split_hostport(address, c->host, sizeof c->host, &c->port) != 0) {
        free(c);
        return NULL;
    }
    c->timeout.tv_sec = timeout_ms / 1000;
    c->timeout.tv_usec = (timeout_ms % 1000) * 1000;
    c->epoch = 1;
    return c;
}

static void teardown(reco_version_cache_t *c, const char *why)
{
    if (why && c->sub)
        reco_warn("version cache off for now: %s", why);
    if (c->reader)
        redisFree(c->reader);
    if (c->sub)
        redisFree(c->sub);
    c->reader = c->sub = NULL;
    c->epoch++;
    c->next_attempt = monotonic_ms() + RETRY_MS;
}

void reco_version_cache_destroy(reco_version_cache_t **cache)
{
    if (!cache || !*cache)
        return;
    teardown(*cache, NULL);
    free(*cache);
    *cache = NULL;
}

static redisContext *open_connection(const reco_version_cache_t *c)
{
    redisContext *ctx = redisConnectWithTimeout(c->host, c->port, c->timeout);
    if (ctx && !ctx->err && redisSetTimeout(ctx, c->timeout) == REDIS_OK)
        return ctx;
    if (ctx)
        redisFree(ctx);
    return NULL;
}

/* A command that must answer with the given type; 0 if it did. */
static int expect(redisContext *ctx, int type, long long *integer, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(ctx, fmt, ap);
    va_end(ap);
    int ok = r && r->type == type;
    if (ok && integer)
        *integer = r->integer;
    if (r)
        freeReplyObject(r);
    return ok ? 0 : -1;
}

static void set_up(reco_version_cache_t *c)
{
    long long id = 0;
    c->sub = open_connection(c);
    c->reader = c->sub ? open_connection(c) : NULL;
    if (!c->reader || expect(c->sub, REDIS_REPLY_INTEGER, &id, "CLIENT ID") != 0 ||
        expect(c->sub, REDIS_REPLY_ARRAY, NULL, "SUBSCRIBE __redis__:invalidate") != 0 ||
        expect(c->reader, REDIS_REPLY_STATUS, NULL, "CLIENT TRACKING on REDIRECT %lld", id) != 0) {
        teardown(c, NULL); /* Redis down, or older than 6 (no tracking): read every time */
        return;
    }
    c->epoch++;
    reco_debug("version cache on (tracking redirected to client %lld)", id);
}

void reco_version_cache_sync(reco_version_cache_t *c)
{
    if (!c->sub) {
        if (monotonic_ms() >= c->next_attempt)
            set_up(c);
        return;
    }
    struct pollfd p = {.fd = c->sub->fd, .events = POLLIN};
    if (poll(&p, 1, 0) <= 0)
        return; /* nothing arrived: everything remembered is still right */
    if (redisBufferRead(c->sub) != REDIS_OK) {
        teardown(c, c->sub->errstr[0] ? c->sub->errstr : "invalidation connection closed");
        return;
    }
    void *reply = NULL;
    while (redisGetReplyFromReader(c->sub, &reply) == REDIS_OK && reply) {
        /* ["message", "__redis__:invalidate", [keys] or nil (a flush)]: forget everything */
        freeReplyObject(reply);
        reply = NULL;
        c->epoch++;
    }
    if (c->sub->err)
        teardown(c, c->sub->errstr);
}

static slot_t *slot_of(reco_version_cache_t *c, const char *key)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return &c->slots[h % SLOTS];
}

int reco_version_cache_get(reco_version_cache_t *c, const char *key, int64_t *version)
{
    if (!c->sub)
        return -1;
    const slot_t *s = slot_of(c, key);
    if (s->epoch != c->epoch || strcmp(s->key, key) != 0 ||
        monotonic_ms() - s->stored_at > RECO_VERSION_CACHE_KEEP_MS)
        return -1;
    *version = s->version;
    return 1;
}

redisReply *reco_version_cache_mget(reco_version_cache_t *c, size_t n, const char *const *keys)
{
    if (!c->reader || n == 0 || n > 16)
        return NULL;
    const char *argv[17] = {"MGET"};
    size_t lens[17] = {4};
    for (size_t i = 0; i < n; i++) {
        argv[1 + i] = keys[i];
        lens[1 + i] = strlen(keys[i]);
    }
    redisReply *r = redisCommandArgv(c->reader, (int)n + 1, argv, lens);
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != n) {
        teardown(c, r ? "unexpected reply to MGET" : c->reader->errstr);
        if (r)
            freeReplyObject(r);
        return NULL;
    }
    return r;
}

void reco_version_cache_put(reco_version_cache_t *c, const char *key, int64_t version)
{
    size_t len = strlen(key);
    if (!c->sub || len >= SLOT_KEY_MAX)
        return;
    slot_t *s = slot_of(c, key);
    memcpy(s->key, key, len + 1);
    s->version = version;
    s->stored_at = monotonic_ms();
    s->epoch = c->epoch;
}
