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
#include "reco_validate.h"

#define SLOTS 1024
#define SLOT_KEY_MAX 192 /* longer keys are simply not remembered */
#define RETRY_MS 1000
#define SET_SLOTS 64

typedef struct {
    char key[SLOT_KEY_MAX];
    int64_t version;
    int64_t stored_at;
    uint64_t epoch;
} slot_t;

/* A remembered set: its members sorted (one allocation each), or too_big. */
typedef struct {
    char key[SLOT_KEY_MAX];
    char **members;
    size_t n;
    int too_big;
    int64_t stored_at;
    uint64_t epoch;
} set_slot_t;

struct reco_version_cache {
    char host[256];
    int port;
    struct timeval timeout;
    redisContext *reader; /* CLIENT TRACKING on, REDIRECT to sub */
    redisContext *sub;    /* SUBSCRIBE __redis__:invalidate */
    int64_t next_attempt;
    uint64_t epoch; /* starts at 1: zeroed slots never match */
    slot_t slots[SLOTS];
    set_slot_t sets[SET_SLOTS];
};

reco_version_cache_t *reco_version_cache_new(const char *address, int timeout_ms)
{
    reco_version_cache_t *c = calloc(1, sizeof *c);
    if (!c) return NULL;
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
    if (why && c->sub) reco_warn("version cache off for now: %s", why);
    if (c->reader) redisFree(c->reader);
    if (c->sub) redisFree(c->sub);
    c->reader = c->sub = NULL;
    c->epoch++;
    c->next_attempt = reco_monotonic_ms() + RETRY_MS;
}

static void set_slot_clear(set_slot_t *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->members[i]);
    free(s->members);
    s->members = NULL;
    s->n = 0;
    s->too_big = 0;
    s->key[0] = '\0';
}

void reco_version_cache_destroy(reco_version_cache_t **cache)
{
    if (!cache || !*cache) return;
    for (size_t i = 0; i < SET_SLOTS; i++)
        set_slot_clear(&(*cache)->sets[i]);
    teardown(*cache, NULL);
    free(*cache);
    *cache = NULL;
}

static redisContext *open_connection(const reco_version_cache_t *c)
{
    redisContext *ctx = redisConnectWithTimeout(c->host, c->port, c->timeout);
    if (ctx && !ctx->err && redisSetTimeout(ctx, c->timeout) == REDIS_OK) return ctx;
    if (ctx) redisFree(ctx);
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
    if (ok && integer) *integer = r->integer;
    if (r) freeReplyObject(r);
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
        if (reco_monotonic_ms() >= c->next_attempt) set_up(c);
        return;
    }
    struct pollfd p = {.fd = c->sub->fd, .events = POLLIN};
    if (poll(&p, 1, 0) <= 0) return; /* nothing arrived: everything remembered is still right */
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
    if (c->sub->err) teardown(c, c->sub->errstr);
}

static uint64_t key_hash(const char *key)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h;
}

static slot_t *slot_of(reco_version_cache_t *c, const char *key)
{
    return &c->slots[key_hash(key) % SLOTS];
}

int reco_version_cache_get(reco_version_cache_t *c, const char *key, int64_t *version)
{
    if (!c->sub) return -1;
    const slot_t *s = slot_of(c, key);
    if (s->epoch != c->epoch || strcmp(s->key, key) != 0 ||
        reco_monotonic_ms() - s->stored_at > RECO_VERSION_CACHE_KEEP_MS)
        return -1;
    *version = s->version;
    return 1;
}

redisReply *reco_version_cache_mget(reco_version_cache_t *c, size_t n, const char *const *keys)
{
    if (!c->reader || n == 0 || n > 16) return NULL;
    const char *argv[17] = {"MGET"};
    size_t lens[17] = {4};
    for (size_t i = 0; i < n; i++) {
        argv[1 + i] = keys[i];
        lens[1 + i] = strlen(keys[i]);
    }
    redisReply *r = redisCommandArgv(c->reader, (int)n + 1, argv, lens);
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != n) {
        teardown(c, r ? "unexpected reply to MGET" : c->reader->errstr);
        if (r) freeReplyObject(r);
        return NULL;
    }
    return r;
}

void reco_version_cache_put(reco_version_cache_t *c, const char *key, int64_t version)
{
    size_t len = strlen(key);
    if (!c->sub || len >= SLOT_KEY_MAX) return;
    slot_t *s = slot_of(c, key);
    memcpy(s->key, key, len + 1);
    s->version = version;
    s->stored_at = reco_monotonic_ms();
    s->epoch = c->epoch;
}

/* ---- sets ---- */

static int compare_members(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* SCARD, then SMEMBERS when it is small enough, over the tracked connection (so that Redis
 * reports its changes), into s. 0, or -1 (the connections are torn down). */
static int read_set(reco_version_cache_t *c, const char *key, set_slot_t *s)
{
    set_slot_clear(s);
    redisReply *r = redisCommand(c->reader, "SCARD %s", key);
    int ok = r && r->type == REDIS_REPLY_INTEGER;
    long long card = ok ? r->integer : 0;
    if (r) freeReplyObject(r);
    if (ok && card > RECO_VERSION_CACHE_SET_MAX)
        s->too_big = 1;
    else if (ok && card > 0) {
        r = redisCommand(c->reader, "SMEMBERS %s", key);
        ok = r && r->type == REDIS_REPLY_ARRAY &&
             (s->members = calloc(r->elements ? r->elements : 1, sizeof *s->members));
        for (size_t i = 0; ok && i < r->elements; i++) {
            const redisReply *m = r->element[i];
            ok = m->type == REDIS_REPLY_STRING && strlen(m->str) == m->len &&
                 (s->members[s->n] = strdup(m->str)) != NULL;
            s->n += ok;
        }
        if (ok) qsort(s->members, s->n, sizeof *s->members, compare_members);
        if (r) freeReplyObject(r);
    }
    if (!ok) {
        set_slot_clear(s);
        teardown(c, c->reader->err ? c->reader->errstr : "unexpected reply reading a set");
        return -1;
    }
    return 0;
}

int reco_version_cache_set(reco_version_cache_t *c, const char *key, reco_version_cache_set_t *out)
{
    size_t len = strlen(key);
    if (!c->reader || len >= SLOT_KEY_MAX) return -1;
    set_slot_t *s = &c->sets[key_hash(key) % SET_SLOTS];
    int fresh = s->epoch == c->epoch && strcmp(s->key, key) == 0 &&
                reco_monotonic_ms() - s->stored_at <= RECO_VERSION_CACHE_KEEP_MS;
    if (!fresh) {
        uint64_t epoch = c->epoch; /* an invalidation read meanwhile makes the entry stale */
        if (read_set(c, key, s) != 0) return -1;
        memcpy(s->key, key, len + 1);
        s->stored_at = reco_monotonic_ms();
        s->epoch = epoch;
    }
    if (s->too_big) return 0;
    out->members = (const char *const *)s->members;
    out->n = s->n;
    return 1;
}

int reco_version_cache_set_has(const reco_version_cache_set_t *set, const char *member, size_t len)
{
    size_t lo = 0, hi = set->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *m = set->members[mid];
        size_t mlen = strlen(m), common = mlen < len ? mlen : len;
        int c = memcmp(m, member, common);
        if (c == 0) c = mlen < len ? -1 : mlen > len ? 1 : 0;
        if (c == 0) return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}
