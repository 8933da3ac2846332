/* reco_tenants — tenants and API keys for the admin API (see reco_tenants.h).
 *
 * Keys (docs/redis-keys.md): the registry reco:tenants; reco:{T}:tenant (created_at, the rate
 * limit); reco:{T}:apikeys, sha256 -> "<role> <id> <created ms> <shown prefix>"; and the global
 * reco:apikey:<sha256> -> T, written and deleted with its entry (MULTI/EXEC), so that a gateway
 * can tell a key of another tenant (403) from an unknown one (401). A key itself is never
 * written anywhere: it exists only in the keys.create reply.
 *
 * Deleting a tenant first removes its API keys and its registry entry (from then on no key of
 * it works), then every key reco:{T}:* in batches of SCAN + UNLINK (UNLINK frees memory in the
 * background), so Redis is never blocked for long whatever the tenant's size. */
#include "reco_tenants.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reco_apikey.h"
#include "reco_keys.h"
#include "reco_log.h"
#include "reco_validate.h"

#define SCAN_BATCH "500"

/* One command now; NULL (error remembered, or I/O failed) unless Redis answered without error. */
static redisReply *call(reco_pipeline_t *p, int argc, const char **argv)
{
    redisReply *r = reco_pipeline_call(p, argc, argv);
    if (r && r->type == REDIS_REPLY_ERROR) {
        reco_pipeline_note_error(p, r);
        freeReplyObject(r);
        return NULL;
    }
    return r;
}

/* 1 if the tenant is registered, 0 if not (404 answered), -1 on failure (answered). */
static int require_tenant(reco_pipeline_t *p, const char *tenant, reco_reply_t *rep)
{
    const char *argv[] = {"SISMEMBER", RECO_KEY_TENANTS, tenant};
    redisReply *r = call(p, 3, argv);
    int found = r && r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    if (r) freeReplyObject(r);
    if (!r) {
        reco_pipeline_finish(p, rep);
        return -1;
    }
    if (!found) reco_reply_fail(rep, 404, "not_found", "tenant '%s' does not exist", tenant);
    return found;
}

/* One field of an HGETALL reply, or NULL. */
static const char *hash_field(const redisReply *r, const char *name)
{
    for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2)
        if (r->element[i]->type == REDIS_REPLY_STRING && strcmp(r->element[i]->str, name) == 0 &&
            r->element[i + 1]->type == REDIS_REPLY_STRING)
            return r->element[i + 1]->str;
    return NULL;
}

/* {tenant, created_at, rate_limit, keys}, or NULL after answering the failure. */
static json_t *tenant_info(reco_pipeline_t *p, const char *tenant, reco_reply_t *rep)
{
    char conf[RECO_KEY_MAX], keys[RECO_KEY_MAX];
    if (reco_key_tenant_config(conf, sizeof conf, tenant) < 0 ||
        reco_key_apikeys(keys, sizeof keys, tenant) < 0) {
        reco_reply_fail(rep, 500, "internal", "key too long");
        return NULL;
    }
    const char *hgetall[] = {"HGETALL", conf}, *hlen[] = {"HLEN", keys};
    reco_pipeline_sendz(p, 2, hgetall);
    reco_pipeline_sendz(p, 2, hlen);
    redisReply *c = reco_pipeline_next(p), *n = reco_pipeline_next(p);
    json_t *info = NULL;
    if (c && n && c->type == REDIS_REPLY_ARRAY && n->type == REDIS_REPLY_INTEGER) {
        const char *created = hash_field(c, "created_at"), *rate = hash_field(c, "rate_per_second"),
                   *burst = hash_field(c, "rate_burst");
        json_t *limit = rate && burst ? json_pack("{s:f, s:I}", "per_second", strtod(rate, NULL),
                                                  "burst", (json_int_t)strtoll(burst, NULL, 10))
                                      : json_null();
        info =
            json_pack("{s:s, s:o, s:o, s:I}", "tenant", tenant, "created_at",
                      created ? json_integer((json_int_t)strtoll(created, NULL, 10)) : json_null(),
                      "rate_limit", limit, "keys", (json_int_t)n->integer);
    }
    reco_pipeline_note_error(p, c);
    reco_pipeline_note_error(p, n);
    if (c) freeReplyObject(c);
    if (n) freeReplyObject(n);
    if (!info && reco_pipeline_finish(p, rep) == 0)
        reco_reply_fail(rep, 500, "internal", "unexpected reply to HGETALL/HLEN");
    return info;
}

/* The rate_limit argument: 1 with values set, 0 when null or absent (has: whether present), -1
 * after answering 400. */
static int rate_arg(const json_t *args, double *rate, long *burst, int *has, reco_reply_t *rep)
{
    json_t *v = json_object_get(args, "rate_limit");
    *has = v != NULL;
    if (!v || json_is_null(v)) return 0;
    reco_error_t err;
    if (reco_rate_limit_parse(v, "rate_limit", rate, burst, &err) != 0) {
        reco_reply_fail(rep, err.status, err.code, "%s", err.message);
        return -1;
    }
    return 1;
}

/* Writes (set = 1) or removes the tenant's rate limit fields. */
static void send_rate(reco_pipeline_t *p, const char *conf, int set, double rate, long burst)
{
    char r[32], b[32];
    snprintf(r, sizeof r, "%.17g", rate);
    snprintf(b, sizeof b, "%ld", burst);
    const char *hset[] = {"HSET", conf, "rate_per_second", r, "rate_burst", b},
               *hdel[] = {"HDEL", conf, "rate_per_second", "rate_burst"};
    if (set)
        reco_pipeline_sendz(p, 6, hset);
    else
        reco_pipeline_sendz(p, 4, hdel);
}

void reco_op_tenants_create(reco_ingest_t *ing, const char *tenant, const json_t *args,
                            reco_reply_t *rep)
{
    double rate = 0;
    long burst = 0;
    int has;
    int limited = rate_arg(args, &rate, &burst, &has, rep);
    char conf[RECO_KEY_MAX], now[32];
    if (limited < 0) return;
    if (reco_key_tenant_config(conf, sizeof conf, tenant) < 0) {
        reco_reply_fail(rep, 500, "internal", "key too long");
        return;
    }
    reco_pipeline_t p = {.store = ing->store};
    const char *sadd[] = {"SADD", RECO_KEY_TENANTS, tenant};
    redisReply *r = call(&p, 3, sadd);
    int added = r && r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    if (r) freeReplyObject(r);
    if (!r) {
        reco_pipeline_finish(&p, rep);
        return;
    }
    if (!added) {
        reco_reply_fail(rep, 409, "tenant_exists", "tenant: '%s' exists already", tenant);
        return;
    }
    snprintf(now, sizeof now, "%" PRId64, reco_now_ms());
    const char *hset[] = {"HSET", conf, "created_at", now};
    reco_pipeline_sendz(&p, 4, hset);
    send_rate(&p, conf, limited, rate, burst);
    if (reco_pipeline_finish(&p, rep) != 0) return;
    json_t *info = tenant_info(&p, tenant, rep);
    if (info) reco_reply_ok(rep, 201, info);
    reco_info("tenant %s created", tenant);
}

void reco_op_tenants_get(reco_ingest_t *ing, const char *tenant, const json_t *args,
                         reco_reply_t *rep)
{
    (void)args;
    reco_pipeline_t p = {.store = ing->store};
    if (require_tenant(&p, tenant, rep) != 1) return;
    json_t *info = tenant_info(&p, tenant, rep);
    if (info) reco_reply_ok(rep, 200, info);
}

void reco_op_tenants_update(reco_ingest_t *ing, const char *tenant, const json_t *args,
                            reco_reply_t *rep)
{
    double rate = 0;
    long burst = 0;
    int has;
    int limited = rate_arg(args, &rate, &burst, &has, rep);
    char conf[RECO_KEY_MAX];
    if (limited < 0) return;
    if (!has) {
        reco_reply_fail(rep, 400, "missing_field",
                        "rate_limit: required ({\"per_second\": r, \"burst\": b}, or "
                        "null for the gateway's default)");
        return;
    }
    if (reco_key_tenant_config(conf, sizeof conf, tenant) < 0) {
        reco_reply_fail(rep, 500, "internal", "key too long");
        return;
    }
    reco_pipeline_t p = {.store = ing->store};
    if (require_tenant(&p, tenant, rep) != 1) return;
    send_rate(&p, conf, limited, rate, burst);
    if (reco_pipeline_finish(&p, rep) != 0) return;
    json_t *info = tenant_info(&p, tenant, rep);
    if (info) reco_reply_ok(rep, 200, info);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void reco_op_tenants_list(reco_ingest_t *ing, const char *tenant, const json_t *args,
                          reco_reply_t *rep)
{
    (void)tenant, (void)args;
    reco_pipeline_t p = {.store = ing->store};
    const char *smembers[] = {"SMEMBERS", RECO_KEY_TENANTS};
    redisReply *r = call(&p, 2, smembers);
    const char **names =
        r && r->type == REDIS_REPLY_ARRAY ? calloc(r->elements + 1, sizeof *names) : NULL;
    json_t *list = names ? json_array() : NULL;
    if (!list) {
        if (r) freeReplyObject(r);
        free(names);
        if (reco_pipeline_finish(&p, rep) == 0)
            reco_reply_fail(rep, 500, "internal", "unexpected reply to SMEMBERS");
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < r->elements; i++)
        if (r->element[i]->type == REDIS_REPLY_STRING && reco_valid_tenant(r->element[i]->str))
            names[n++] = r->element[i]->str; /* anything else was not written by reco: ignored */
    qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; list && i < n; i++) {
        json_t *info = tenant_info(&p, names[i], rep);
        if (!info) {
            json_decref(list);
            list = NULL;
        }
        json_array_append_new(list, info);
    }
    free(names);
    freeReplyObject(r);
    if (list) reco_reply_ok(rep, 200, json_pack("{s:o}", "tenants", list));
}

/* ---- API keys ---- */

/* The tenant's HGETALL of reco:{T}:apikeys, or NULL after answering the failure. */
static redisReply *all_keys(reco_pipeline_t *p, const char *tenant, char *key, size_t n,
                            reco_reply_t *rep)
{
    if (reco_key_apikeys(key, n, tenant) < 0) {
        reco_reply_fail(rep, 500, "internal", "key too long");
        return NULL;
    }
    const char *argv[] = {"HGETALL", key};
    redisReply *r = call(p, 2, argv);
    if (r && r->type == REDIS_REPLY_ARRAY) return r;
    if (r) freeReplyObject(r);
    if (reco_pipeline_finish(p, rep) == 0)
        reco_reply_fail(rep, 500, "internal", "unexpected reply to HGETALL");
    return NULL;
}

typedef struct {
    char role[8], id[RECO_APIKEY_ID_HEX + 1], shown[32];
    long long created;
} key_record_t;

static int parse_record(const char *text, key_record_t *k)
{
    return sscanf(text, "%7s %16s %lld %31s", k->role, k->id, &k->created, k->shown) == 4 ? 0 : -1;
}

void reco_op_keys_create(reco_ingest_t *ing, const char *tenant, const json_t *args,
                         reco_reply_t *rep)
{
    json_t *role_arg = json_object_get(args, "role");
    reco_role_t role = reco_role_parse(json_string_value(role_arg));
    if (role == RECO_ROLE_NONE) {
        reco_reply_fail(
            rep, 400, role_arg ? "invalid_field" : "missing_field",
            "role: must be \"read\" (recommendations only, safe in a browser) or \"write\"");
        return;
    }
    char key[RECO_APIKEY_MAX], id[RECO_APIKEY_ID_HEX + 1], hash[RECO_APIKEY_HASH_HEX + 1],
        shown[32];
    char keys[RECO_KEY_MAX], owner[RECO_KEY_MAX], record[128];
    if (reco_apikey_generate(role, key, id) != 0) {
        reco_reply_fail(rep, 500, "internal", "no randomness for a new key");
        return;
    }
    reco_apikey_hash(key, strlen(key), hash);
    reco_apikey_shown(key, shown, sizeof shown);
    int64_t now = reco_now_ms();
    snprintf(record, sizeof record, "%s %s %" PRId64 " %s", reco_role_name(role), id, now, shown);
    reco_pipeline_t p = {.store = ing->store};
    if (reco_key_apikeys(keys, sizeof keys, tenant) < 0 ||
        reco_key_apikey_owner(owner, sizeof owner, hash) < 0) {
        reco_reply_fail(rep, 500, "internal", "key too long");
    } else if (require_tenant(&p, tenant, rep) == 1) {
        const char *multi[] = {"MULTI"}, *hset[] = {"HSET", keys, hash, record},
                   *set[] = {"SET", owner, tenant}, *exec[] = {"EXEC"};
        reco_pipeline_sendz(&p, 1, multi);
        reco_pipeline_sendz(&p, 4, hset);
        reco_pipeline_sendz(&p, 3, set);
        reco_pipeline_sendz(&p, 1, exec);
        if (reco_pipeline_finish(&p, rep) == 0) {
            reco_reply_ok(rep, 201,
                          json_pack("{s:s, s:s, s:s, s:s, s:I}", "id", id, "role",
                                    reco_role_name(role), "key", key, "prefix", shown, "created_at",
                                    (json_int_t)now));
            reco_info("tenant %s: %s key %s created", tenant, reco_role_name(role), id);
        }
    }
    explicit_bzero(key, sizeof key);
}

void reco_op_keys_list(reco_ingest_t *ing, const char *tenant, const json_t *args,
                       reco_reply_t *rep)
{
    (void)args;
    char keys[RECO_KEY_MAX];
    reco_pipeline_t p = {.store = ing->store};
    if (require_tenant(&p, tenant, rep) != 1) return;
    redisReply *r = all_keys(&p, tenant, keys, sizeof keys, rep);
    if (!r) return;
    json_t *list = json_array();
    for (size_t i = 0; list && i + 1 < r->elements; i += 2) {
        key_record_t k;
        if (r->element[i + 1]->type != REDIS_REPLY_STRING ||
            parse_record(r->element[i + 1]->str, &k) != 0) {
            reco_warn("tenant %s: unreadable API key entry ignored", tenant);
            continue;
        }
        json_array_append_new(list,
                              json_pack("{s:s, s:s, s:s, s:I}", "id", k.id, "role", k.role,
                                        "prefix", k.shown, "created_at", (json_int_t)k.created));
    }
    freeReplyObject(r);
    reco_reply_ok(rep, 200, json_pack("{s:o}", "keys", list ? list : json_array()));
}

void reco_op_keys_delete(reco_ingest_t *ing, const char *tenant, const json_t *args,
                         reco_reply_t *rep)
{
    const char *id = json_string_value(json_object_get(args, "id"));
    if (!reco_apikey_valid_id(id)) {
        reco_reply_fail(rep, 400, "invalid_field", "id: a key id is %d lower-case hex digits",
                        RECO_APIKEY_ID_HEX);
        return;
    }
    char keys[RECO_KEY_MAX], owner[RECO_KEY_MAX], bucket[RECO_KEY_MAX];
    reco_pipeline_t p = {.store = ing->store};
    if (require_tenant(&p, tenant, rep) != 1) return;
    redisReply *r = all_keys(&p, tenant, keys, sizeof keys, rep);
    if (!r) return;
    const char *hash = NULL;
    for (size_t i = 0; !hash && i + 1 < r->elements; i += 2) {
        key_record_t k;
        if (r->element[i]->type == REDIS_REPLY_STRING &&
            r->element[i + 1]->type == REDIS_REPLY_STRING &&
            parse_record(r->element[i + 1]->str, &k) == 0 && strcmp(k.id, id) == 0)
            hash = r->element[i]->str;
    }
    if (!hash) {
        reco_reply_fail(rep, 404, "not_found", "id: tenant '%s' has no key '%s'", tenant, id);
    } else if (reco_key_apikey_owner(owner, sizeof owner, hash) < 0 ||
               reco_key_rate_bucket(bucket, sizeof bucket, tenant, hash) < 0) {
        reco_reply_fail(rep, 500, "internal", "key too long");
    } else {
        /* two DELs: the owner key is global, the bucket the tenant's (one slot per command on
         * a Redis Cluster, docs/redis-cluster.md) */
        const char *multi[] = {"MULTI"}, *hdel[] = {"HDEL", keys, hash}, *del_owner[] = {"DEL", owner},
                   *del_bucket[] = {"DEL", bucket}, *exec[] = {"EXEC"};
        reco_pipeline_sendz(&p, 1, multi);
        reco_pipeline_sendz(&p, 3, hdel);
        reco_pipeline_sendz(&p, 2, del_owner);
        reco_pipeline_sendz(&p, 2, del_bucket);
        reco_pipeline_sendz(&p, 1, exec);
        if (reco_pipeline_finish(&p, rep) == 0) {
            reco_reply_ok(rep, 200, json_pack("{s:s, s:b}", "id", id, "deleted", 1));
            reco_info("tenant %s: key %s revoked", tenant, id);
        }
    }
    freeReplyObject(r);
}

/* ---- deleting a tenant ---- */

/* Deletes the tenant's API keys (and their owner entries), its configuration and its registry
 * entry. 0, or -1 after answering the failure. */
static int revoke_tenant(reco_pipeline_t *p, const char *tenant, long long *nkeys,
                         reco_reply_t *rep)
{
    char keys[RECO_KEY_MAX], conf[RECO_KEY_MAX], owner[RECO_KEY_MAX];
    redisReply *r = all_keys(p, tenant, keys, sizeof keys, rep);
    if (!r) return -1;
    if (reco_key_tenant_config(conf, sizeof conf, tenant) < 0) {
        freeReplyObject(r);
        reco_reply_fail(rep, 500, "internal", "key too long");
        return -1;
    }
    const char *multi[] = {"MULTI"}, *exec[] = {"EXEC"}, *del[] = {"DEL", keys, conf},
               *srem[] = {"SREM", RECO_KEY_TENANTS, tenant};
    reco_pipeline_sendz(p, 1, multi);
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        if (r->element[i]->type != REDIS_REPLY_STRING ||
            reco_key_apikey_owner(owner, sizeof owner, r->element[i]->str) < 0)
            continue;
        const char *del_owner[] = {"DEL", owner};
        reco_pipeline_sendz(p, 2, del_owner);
    }
    *nkeys = (long long)(r->elements / 2);
    freeReplyObject(r);
    reco_pipeline_sendz(p, 3, del);
    reco_pipeline_sendz(p, 3, srem);
    reco_pipeline_sendz(p, 1, exec);
    return reco_pipeline_finish(p, rep);
}

/* UNLINKs every key of one SCAN page; returns the next cursor (0 = done) or -1 on failure. */
static long long unlink_page(reco_pipeline_t *p, const char *cursor, const char *match,
                             long long *deleted)
{
    const char *scan[] = {"SCAN", cursor, "MATCH", match, "COUNT", SCAN_BATCH};
    redisReply *r = call(p, 6, scan);
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY) {
        if (r) {
            freeReplyObject(r);
            reco_pipeline_fail(p, "unexpected reply to SCAN");
        }
        return -1;
    }
    long long next = strtoll(r->element[0]->str, NULL, 10);
    redisReply *page = r->element[1];
    if (page->elements > 0) {
        const char **argv = calloc(page->elements + 1, sizeof *argv);
        size_t *lens = calloc(page->elements + 1, sizeof *lens);
        if (!argv || !lens) {
            reco_pipeline_fail(p, "out of memory");
            next = -1;
        } else {
            argv[0] = "UNLINK";
            lens[0] = 6;
            for (size_t i = 0; i < page->elements; i++) {
                argv[i + 1] = page->element[i]->str;
                lens[i + 1] = page->element[i]->len;
            }
            reco_pipeline_send(p, (int)page->elements + 1, argv, lens);
            redisReply *u = reco_pipeline_next(p);
            if (u && u->type == REDIS_REPLY_INTEGER) *deleted += u->integer;
            reco_pipeline_note_error(p, u);
            if (!u || u->type == REDIS_REPLY_ERROR) next = -1;
            if (u) freeReplyObject(u);
        }
        free(argv);
        free(lens);
    }
    freeReplyObject(r);
    return next;
}

void reco_op_tenants_delete(reco_ingest_t *ing, const char *tenant, const json_t *args,
                            reco_reply_t *rep)
{
    (void)args;
    char match[RECO_KEY_MAX], cursor[32] = "0";
    long long nkeys = 0, deleted = 0, next;
    reco_pipeline_t p = {.store = ing->store};
    int len = reco_key_prefix(match, sizeof match - 1, tenant);
    if (len < 0) {
        reco_reply_fail(rep, 500, "internal", "key too long");
        return;
    }
    match[len] = '*'; /* tenant names hold no glob characters (reco_valid_tenant) */
    match[len + 1] = '\0';
    if (require_tenant(&p, tenant, rep) != 1 || revoke_tenant(&p, tenant, &nkeys, rep) != 0) return;
    reco_info("tenant %s: %lld API keys revoked; deleting its data", tenant, nkeys);
    do {
        next = unlink_page(&p, cursor, match, &deleted);
        snprintf(cursor, sizeof cursor, "%lld", next);
    } while (next > 0);
    if (reco_pipeline_finish(&p, rep) != 0) return;
    if (next < 0) {
        reco_reply_fail(rep, 500, "internal", "SCAN failed");
        return;
    }
    reco_info("tenant %s deleted (%lld keys)", tenant, deleted);
    reco_reply_ok(rep, 200,
                  json_pack("{s:s, s:b, s:I, s:I}", "tenant", tenant, "deleted", 1,
                            "api_keys_deleted", (json_int_t)nkeys, "keys_deleted",
                            (json_int_t)deleted));
}
