/* reco_query_store — shared Redis reads of the query worker (see reco_query_store.h).
 *
 * A Redis error reply that means "cannot serve right now" (LOADING, BUSY, MASTERDOWN, ...) is a
 * 503 like a lost connection, because retrying later will work; any other error reply is a
 * 500, because retrying will not.
 *
 * Model meta memory (reco_query_model_versions): a small direct-mapped table, keyed by tenant,
 * model and version, of the build time and rebuild interval read from the version's meta hash.
 * The trainer writes the meta before it flips `current`, and never changes it afterwards, so a
 * remembered entry is right for as long as the version exists. Entries are still dropped after
 * META_KEEP_MS, so that a tenant wiped and rebuilt from version 1 again (a reused number) is
 * wrong for at most that long. Only entries whose meta held built_at are kept. The worker is
 * single-threaded: the table needs no lock.
 *
 * The versions themselves: remembered in reco_version_cache.c, which Redis keeps right with
 * invalidation messages, so the usual request reads no current key at all. */
#include "reco_query_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reco_config.h"
#include "reco_keys.h"
#include "reco_log.h"
#include "reco_validate.h"
#include "reco_version_cache.h"

int reco_query_fail(reco_reply_t *rep, reco_store_t *store, const redisReply *reply, const char *what)
{
    if (!reply) {
        reco_warn("redis unavailable: %s", reco_store_errstr(store));
        reco_reply_fail(rep, 503, "redis_unavailable", "%s", reco_store_errstr(store));
    } else if (reply->type == REDIS_REPLY_ERROR) {
        reco_warn("redis error on %s: %s", what, reply->str);
        if (reco_store_error_is_transient(reply->str))
            reco_reply_fail(rep, 503, "redis_unavailable", "redis: %s", reply->str);
        else
            reco_reply_fail(rep, 500, "internal", "redis: %s: %s", what, reply->str);
    } else {
        reco_warn("unexpected redis reply type %d on %s", reply->type, what);
        reco_reply_fail(rep, 500, "internal", "redis: unexpected reply to %s", what);
    }
    return -1;
}

int reco_query_parse_version(const redisReply *reply, int64_t *version)
{
    if (reply && reply->type == REDIS_REPLY_NIL)
        return 0;
    if (!reply || reply->type != REDIS_REPLY_STRING || reply->len >= 24)
        return -1;
    char text[24];
    long v;
    memcpy(text, reply->str, reply->len);
    text[reply->len] = '\0';
    if (reco_parse_long(text, 1, INT64_MAX, &v) != 0)
        return -1;
    *version = v;
    return 1;
}

int reco_query_current_version(reco_store_t *store, const char *tenant, const char *model,
                               int64_t *version, reco_reply_t *rep)
{
    char key[RECO_KEY_MAX];
    if (reco_key_model_current(key, sizeof key, tenant, model) < 0) {
        reco_reply_fail(rep, 500, "internal", "key for model %s does not fit", model);
        return -1;
    }
    const char *argv[] = {"GET", key};
    const size_t lens[] = {3, strlen(key)};
    redisReply *r = reco_store_commandv(store, 2, argv, lens);
    int found = reco_query_parse_version(r, version);
    if (found < 0 && r && r->type == REDIS_REPLY_STRING)
        reco_reply_fail(rep, 500, "internal", "%s: holds no model version", key);
    else if (found < 0)
        reco_query_fail(rep, store, r, key);
    if (r)
        freeReplyObject(r);
    return found;
}

/* ---- served versions and their meta ---- */

#define META_SLOTS 512
#define META_KEEP_MS 60000
#define META_NAME_MAX (RECO_TENANT_MAX + 1 + 64)

typedef struct {
    char name[META_NAME_MAX + 1]; /* tenant \x1f model; "" = empty slot */
    int64_t version, built_at_ms, interval_ms, stored_at;
} meta_entry_t;

static meta_entry_t meta_table[META_SLOTS];

static meta_entry_t *meta_slot(const char *name, int64_t version)
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)version;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return &meta_table[h % META_SLOTS];
}

static int meta_name(char *buf, const char *tenant, const char *model)
{
    int len = snprintf(buf, META_NAME_MAX + 1, "%s\x1f%s", tenant, model);
    return len < 0 || len > META_NAME_MAX ? -1 : 0;
}

/* The remembered meta of (name, version) into out; 1 if found and fresh. */
static int meta_recall(const char *name, reco_model_version_t *out, int64_t now)
{
    const meta_entry_t *e = meta_slot(name, out->version);
    if (e->version != out->version || strcmp(e->name, name) != 0 || now - e->stored_at > META_KEEP_MS)
        return 0;
    out->built_at_ms = e->built_at_ms;
    out->interval_ms = e->interval_ms;
    return 1;
}

static void meta_remember(const char *name, const reco_model_version_t *v, int64_t now)
{
    meta_entry_t *e = meta_slot(name, v->version);
    size_t len = strlen(name); /* meta_name made it fit */
    memcpy(e->name, name, len < META_NAME_MAX ? len + 1 : META_NAME_MAX + 1);
    e->name[META_NAME_MAX] = '\0';
    e->version = v->version;
    e->built_at_ms = v->built_at_ms;
    e->interval_ms = v->interval_ms;
    e->stored_at = now;
}

/* A non-negative integer meta field of an HMGET reply element; 0 when absent or malformed. */
static int64_t meta_field(const redisReply *r)
{
    long n = 0;
    if (!r || r->type != REDIS_REPLY_STRING || r->len >= 24)
        return 0;
    char text[24];
    memcpy(text, r->str, r->len);
    text[r->len] = '\0';
    return reco_parse_long(text, 0, INT64_MAX, &n) == 0 ? n : 0;
}

/* One pipeline of HMGET <meta> built_at interval_ms over the versions of out[] whose meta is
 * not remembered (need[i]); fills and remembers them. */
static int read_meta(reco_store_t *store, const char *tenant, const char *const *models, size_t n,
                     const char names[][META_NAME_MAX + 1], const int *need, reco_model_version_t *out,
                     int64_t now, reco_reply_t *rep)
{
    size_t sent = 0;
    for (size_t m = 0; m < n; m++) {
        char key[RECO_KEY_MAX];
        if (!need[m])
            continue;
        if (reco_key_model_meta(key, sizeof key, tenant, models[m], out[m].version) < 0) {
            reco_reply_fail(rep, 500, "internal", "meta key of model %s does not fit", models[m]);
            return -1;
        }
        const char *argv[] = {"HMGET", key, "built_at", "interval_ms"};
        const size_t lens[] = {5, strlen(key), 8, 11};
        if (reco_store_appendv(store, 4, argv, lens) != 0)
            return reco_query_fail(rep, store, NULL, "HMGET of model meta");
        sent++;
    }
    redisReply *replies[RECO_QUERY_VERSIONS_MAX] = {NULL};
    if (sent > 0 && reco_query_read_all(store, sent, replies) != 0)
        return reco_query_fail(rep, store, NULL, "HMGET of model meta");
    int rc = 0;
    for (size_t m = 0, k = 0; m < n; m++) {
        if (!need[m])
            continue;
        const redisReply *r = replies[k++];
        if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
            rc = reco_query_fail(rep, store, r, "HMGET of model meta");
            break;
        }
        out[m].built_at_ms = meta_field(r->element[0]);
        out[m].interval_ms = meta_field(r->element[1]);
        if (out[m].built_at_ms > 0)
            meta_remember(names[m], &out[m], now);
    }
    reco_query_free_all(sent, replies);
    return rc;
}

/* The tracked memory of current versions (reco_version_cache.h), made on first use for the
 * store's Redis with the store's timeout (--redis-timeout-ms: a stalled Redis costs a request
 * the same wait on the cache's connections as on the store's); it lives as long as the process. */
static reco_version_cache_t *versions_cache;

/* 0 with out[].version filled when every key is remembered, else -1. */
static int versions_remembered(reco_store_t *store, char keys[][RECO_KEY_MAX], size_t n,
                               reco_model_version_t *out)
{
    /* On a Redis Cluster the versions live on every master and one tracked connection would
     * see only one master's invalidations: no memory there (docs/redis-cluster.md). */
    if (!versions_cache && reco_store_is_cluster(store) != 0)
        return -1;
    if (!versions_cache)
        versions_cache = reco_version_cache_new(reco_store_address(store), reco_store_timeout_ms(store));
    if (!versions_cache)
        return -1;
    reco_version_cache_sync(versions_cache);
    for (size_t m = 0; m < n; m++) {
        out[m] = (reco_model_version_t){0, 0, 0};
        if (reco_version_cache_get(versions_cache, keys[m], &out[m].version) != 1)
            return -1;
    }
    return 0;
}

int reco_query_remembered_set(const char *key, reco_version_cache_set_t *out)
{
    if (!versions_cache) /* made by the first version lookup; never on a cluster */
        return 0;
    reco_version_cache_sync(versions_cache); /* a change made before this instant is seen */
    return reco_version_cache_set(versions_cache, key, out) == 1;
}

int reco_query_model_versions(reco_store_t *store, const char *tenant, const char *const *models, size_t n,
                              reco_model_version_t *out, reco_reply_t *rep)
{
    char keys[RECO_QUERY_VERSIONS_MAX][RECO_KEY_MAX], names[RECO_QUERY_VERSIONS_MAX][META_NAME_MAX + 1];
    const char *argv[1 + RECO_QUERY_VERSIONS_MAX] = {"MGET"};
    size_t lens[1 + RECO_QUERY_VERSIONS_MAX] = {4};
    if (n == 0 || n > RECO_QUERY_VERSIONS_MAX) {
        reco_reply_fail(rep, 500, "internal", "versions of %zu models asked for", n);
        return -1;
    }
    for (size_t m = 0; m < n; m++) {
        if (reco_key_model_current(keys[m], sizeof keys[m], tenant, models[m]) < 0 ||
            meta_name(names[m], tenant, models[m]) < 0) {
            reco_reply_fail(rep, 500, "internal", "key for model %s does not fit", models[m]);
            return -1;
        }
        argv[1 + m] = keys[m];
        lens[1 + m] = strlen(keys[m]);
    }
    /* remembered, else read over the tracked connection, else read as ever (cache off) */
    int cached = versions_remembered(store, keys, n, out) == 0;
    redisReply *tracked = cached || !versions_cache ? NULL : reco_version_cache_mget(versions_cache, n, argv + 1);
    redisReply *r = cached ? NULL : tracked ? tracked : reco_store_commandv(store, (int)n + 1, argv, lens);
    if (!cached && (!r || r->type != REDIS_REPLY_ARRAY || r->elements != n)) {
        reco_query_fail(rep, store, r, "MGET of current versions");
        if (r)
            freeReplyObject(r);
        return -1;
    }
    int rc = 0, need[RECO_QUERY_VERSIONS_MAX] = {0}, missing = 0;
    int64_t now = reco_monotonic_ms();
    for (size_t m = 0; rc == 0 && m < n; m++) {
        if (!cached)
            out[m] = (reco_model_version_t){0, 0, 0};
        if (!cached && reco_query_parse_version(r->element[m], &out[m].version) < 0) {
            reco_warn("%s holds no model version", keys[m]);
            reco_reply_fail(rep, 500, "internal", "%s: holds no model version", keys[m]);
            rc = -1;
        } else if (out[m].version > 0 && !meta_recall(names[m], &out[m], now)) {
            need[m] = 1;
            missing++;
        }
        if (rc == 0 && tracked)
            reco_version_cache_put(versions_cache, keys[m], out[m].version);
    }
    if (r)
        freeReplyObject(r);
    if (rc == 0 && missing > 0)
        rc = read_meta(store, tenant, models, n, (const char(*)[META_NAME_MAX + 1])names, need, out, now, rep);
    return rc;
}

void reco_reply_cache_fields(json_t *body, const reco_model_version_t *v)
{
    if (!body || !v)
        return;
    if (v->built_at_ms > 0)
        json_object_set_new(body, "built_at", json_integer((json_int_t)v->built_at_ms));
    if (v->interval_ms > 0)
        json_object_set_new(body, "interval_ms", json_integer((json_int_t)v->interval_ms));
}

int reco_query_read_all(reco_store_t *store, size_t n, redisReply **replies)
{
    for (size_t i = 0; i < n; i++) {
        if (reco_store_read(store, &replies[i]) != 0) {
            reco_query_free_all(i, replies);
            return -1;
        }
    }
    return 0;
}

void reco_query_free_all(size_t n, redisReply **replies)
{
    for (size_t i = 0; i < n; i++) {
        if (replies[i])
            freeReplyObject(replies[i]);
        replies[i] = NULL;
    }
}
