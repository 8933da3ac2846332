/* reco_tenant_status — tenant.status and metrics.tenants (see reco_tenant_status.h).
 *
 * Both ops read the same figures of each tenant in two pipelined round trips: first the
 * counters hash, an MGET of every model's current key (and, for tenant.status, the 60 minute
 * hashes); then HGETALL of the meta hash of every version found. A tenant that was never
 * written to simply has empty figures. Replies are freed before the answer is sent; nothing is
 * kept between requests. */
#include "reco_tenant_status.h"

#include <stdlib.h>
#include <string.h>

#include "reco_config.h"
#include "reco_keys.h"
#include "reco_log.h"
#include "reco_model_names.h"
#include "reco_query_store.h"
#include "reco_validate.h"

#define MODEL_COUNT RECO_MODEL_COUNT

typedef struct {
    const char *tenant;
    redisReply *totals; /* HGETALL reco:{T}:counts:events */
    int64_t versions[MODEL_COUNT];
    redisReply *metas[MODEL_COUNT]; /* HGETALL of the current version's meta; NULL if never built */
} figures_t;

static void figures_free(figures_t *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (f[i].totals) freeReplyObject(f[i].totals);
        for (size_t m = 0; m < MODEL_COUNT; m++)
            if (f[i].metas[m]) freeReplyObject(f[i].metas[m]);
    }
}

/* The value of field in an HGETALL reply as an integer; -1 when absent or not an integer. */
static long long hash_integer(const redisReply *hash, const char *field)
{
    for (size_t i = 0; hash && hash->type == REDIS_REPLY_ARRAY && i + 1 < hash->elements; i += 2) {
        const redisReply *k = hash->element[i], *v = hash->element[i + 1];
        if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING ||
            strcmp(k->str, field) != 0)
            continue;
        long n;
        return reco_parse_long(v->str, 0, INT64_MAX, &n) == 0 ? n : -1;
    }
    return -1;
}

/* {field: integer} of an HGETALL reply of counters; fields whose value is not an integer skipped.
 */
static json_t *hash_counts(const redisReply *hash)
{
    json_t *out = json_object();
    for (size_t i = 0; out && hash->type == REDIS_REPLY_ARRAY && i + 1 < hash->elements; i += 2) {
        const redisReply *k = hash->element[i], *v = hash->element[i + 1];
        long n;
        if (k->type == REDIS_REPLY_STRING && v->type == REDIS_REPLY_STRING &&
            reco_parse_long(v->str, 0, INT64_MAX, &n) == 0)
            json_object_set_new(out, k->str, json_integer(n));
    }
    return out;
}

static int append(reco_store_t *st, int argc, const char **argv)
{
    size_t lens[2 + MODEL_COUNT];
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    return reco_store_appendv(st, argc, argv, lens);
}

/* Appends HGETALL counters and MGET of the current keys of one tenant. 0, -1 (a key does not fit)
 * or -2 (Redis unavailable). */
static int append_tenant(reco_store_t *st, const char *tenant)
{
    char counts[RECO_KEY_MAX], keys[MODEL_COUNT][RECO_KEY_MAX];
    const char *argv[1 + MODEL_COUNT] = {"MGET"};
    if (reco_key_event_counts(counts, sizeof counts, tenant) < 0) return -1;
    for (size_t m = 0; m < MODEL_COUNT; m++) {
        if (reco_key_model_current(keys[m], sizeof keys[m], tenant, reco_model_names[m]) < 0)
            return -1;
        argv[1 + m] = keys[m];
    }
    const char *hgetall[] = {"HGETALL", counts};
    return append(st, 2, hgetall) != 0 || append(st, 1 + MODEL_COUNT, argv) != 0 ? -2 : 0;
}

/* The reply to a failed append_tenant: -2 is Redis unavailable (503), -1 a key too long. */
static void fail_append(reco_store_t *st, int rc, const char *tenant, reco_reply_t *rep)
{
    if (rc == -2)
        reco_reply_fail(rep, 503, "redis_unavailable", "%s", reco_store_errstr(st));
    else
        reco_reply_fail(rep, 500, "internal", "keys of tenant %s do not fit", tenant);
}

/* Takes the two replies of append_tenant into f. 0, or -1 with rep filled. */
static int take_tenant(reco_store_t *st, figures_t *f, redisReply **r, reco_reply_t *rep)
{
    if (r[0]->type != REDIS_REPLY_ARRAY)
        return reco_query_fail(rep, st, r[0], "HGETALL of the event counters");
    if (r[1]->type != REDIS_REPLY_ARRAY || r[1]->elements != MODEL_COUNT)
        return reco_query_fail(rep, st, r[1], "MGET of current versions");
    for (size_t m = 0; m < MODEL_COUNT; m++) {
        f->versions[m] = 0;
        if (reco_query_parse_version(r[1]->element[m], &f->versions[m]) < 0) {
            reco_reply_fail(rep, 500, "internal",
                            "tenant %s, model %s: the current key holds no version", f->tenant,
                            reco_model_names[m]);
            return -1;
        }
    }
    f->totals = r[0];
    r[0] = NULL;
    return 0;
}

/* Second round trip: the meta hash of every version found. 0, or -1 with rep filled. */
static int read_metas(reco_store_t *st, figures_t *f, size_t n, reco_reply_t *rep)
{
    size_t sent = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t m = 0; m < MODEL_COUNT; m++) {
            char key[RECO_KEY_MAX];
            if (!f[i].versions[m] || reco_key_model_meta(key, sizeof key, f[i].tenant,
                                                         reco_model_names[m], f[i].versions[m]) < 0)
                continue;
            const char *argv[] = {"HGETALL", key};
            if (append(st, 2, argv) != 0)
                return reco_query_fail(rep, st, NULL, "HGETALL of model meta");
            sent++;
        }
    redisReply **metas = sent ? calloc(sent, sizeof *metas) : NULL;
    if (sent && !metas) {
        reco_reply_fail(rep, 500, "internal", "out of memory");
        return -1;
    }
    if (sent && reco_query_read_all(st, sent, metas) != 0) {
        free(metas);
        return reco_query_fail(rep, st, NULL, "HGETALL of model meta");
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t m = 0; m < MODEL_COUNT; m++)
            if (f[i].versions[m]) f[i].metas[m] = metas[k++];
    free(metas);
    for (size_t i = 0; i < n; i++)
        for (size_t m = 0; m < MODEL_COUNT; m++)
            if (f[i].metas[m] && f[i].metas[m]->type != REDIS_REPLY_ARRAY)
                return reco_query_fail(rep, st, f[i].metas[m], "HGETALL of model meta");
    return 0;
}

static json_t *integer_or_null(long long v)
{
    return v >= 0 ? json_integer(v) : json_null();
}

/* [{model, version, built_at, age_s, duration_ms, keys}] of the built models. */
static json_t *models_json(const figures_t *f, int64_t now_ms)
{
    json_t *models = json_array();
    for (size_t m = 0; models && m < MODEL_COUNT; m++) {
        if (!f->versions[m]) continue;
        const redisReply *meta = f->metas[m];
        long long built_at = hash_integer(meta, "built_at");
        if (built_at < 0) built_at = hash_integer(meta, "built_at_ms");
        long long age_s = built_at < 0 ? -1 : built_at > now_ms ? 0 : (now_ms - built_at) / 1000;
        json_array_append_new(
            models, json_pack("{s:s, s:I, s:o, s:o, s:o, s:o}", "model", reco_model_names[m],
                              "version", (json_int_t)f->versions[m], "built_at",
                              integer_or_null(built_at), "age_s", integer_or_null(age_s),
                              "duration_ms", integer_or_null(hash_integer(meta, "duration_ms")),
                              "keys", integer_or_null(hash_integer(meta, "keys"))));
    }
    return models;
}

/* The 60 rows of events_per_minute: every type of totals in each, 0 where the minute has none. */
static json_t *minutes_json(const json_t *totals, redisReply **minutes, int64_t first_minute)
{
    json_t *rows = json_array();
    for (int i = 0; rows && i < RECO_STATUS_MINUTES; i++) {
        json_t *got = hash_counts(minutes[i]), *counts = json_object();
        const char *type;
        json_t *total;
        json_object_foreach((json_t *)totals, type, total)
        {
            json_t *n = json_object_get(got, type);
            json_object_set_new(counts, type, json_integer(n ? json_integer_value(n) : 0));
        }
        json_object_foreach(got, type,
                            total) /* a type counted in the minute but not (yet) in total */
            if (!json_object_get(counts, type)) json_object_set(counts, type, total);
        json_decref(got);
        json_array_append_new(rows, json_pack("{s:I, s:o}", "minute",
                                              (json_int_t)(first_minute + i), "counts", counts));
    }
    return rows;
}

void reco_tenant_status_handle(reco_store_t *st, const char *tenant, const json_t *args,
                               reco_reply_t *rep)
{
    (void)args;
    int64_t now = reco_now_ms(), first_minute = now / 60000 - (RECO_STATUS_MINUTES - 1);
    figures_t f = {.tenant = tenant};
    int rc = append_tenant(st, tenant);
    if (rc != 0) {
        fail_append(st, rc, tenant, rep);
        return;
    }
    for (int i = 0; i < RECO_STATUS_MINUTES; i++) {
        char key[RECO_KEY_MAX];
        reco_key_event_counts_minute(key, sizeof key, tenant, first_minute + i);
        const char *argv[] = {"HGETALL", key};
        if (append(st, 2, argv) != 0) {
            reco_query_fail(rep, st, NULL, "HGETALL of the minute counters");
            return;
        }
    }
    redisReply *r[2 + RECO_STATUS_MINUTES] = {NULL};
    if (reco_query_read_all(st, 2 + RECO_STATUS_MINUTES, r) != 0) {
        reco_query_fail(rep, st, NULL, "the event counters");
        return;
    }
    int ok = take_tenant(st, &f, r, rep) == 0;
    for (int i = 0; ok && i < RECO_STATUS_MINUTES; i++)
        if (r[2 + i]->type != REDIS_REPLY_ARRAY)
            ok = reco_query_fail(rep, st, r[2 + i], "HGETALL of the minute counters") == 0;
    if (ok && read_metas(st, &f, 1, rep) == 0) {
        json_t *events = hash_counts(f.totals);
        json_t *minutes = minutes_json(events, r + 2, first_minute);
        reco_reply_ok(rep, 200,
                      json_pack("{s:s, s:o, s:o, s:o}", "tenant", tenant, "events", events,
                                "events_per_minute", minutes, "models", models_json(&f, now)));
    }
    reco_query_free_all(2 + RECO_STATUS_MINUTES, r);
    figures_free(&f, 1);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Up to RECO_STATUS_TENANTS_MAX valid names of reco:tenants, sorted, distinct, into *out
 * (strdup'ed); *truncated when there were more. Returns the count, or -1 with rep filled. */
static long list_tenants(reco_store_t *st, char ***out, int *truncated, reco_reply_t *rep)
{
    char **names = calloc(RECO_STATUS_TENANTS_MAX, sizeof *names);
    char cursor[32] = "0";
    long n = 0;
    *truncated = 0;
    if (!names) {
        reco_reply_fail(rep, 500, "internal", "out of memory");
        return -1;
    }
    do {
        redisReply *r = reco_store_command(st, "SSCAN %s %s COUNT 1000", RECO_KEY_TENANTS, cursor);
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
            r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY) {
            reco_query_fail(rep, st, r, "SSCAN reco:tenants");
            if (r) freeReplyObject(r);
            for (long i = 0; i < n; i++)
                free(names[i]);
            free(names);
            return -1;
        }
        snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
        for (size_t i = 0; i < r->element[1]->elements; i++) {
            const redisReply *e = r->element[1]->element[i];
            if (e->type != REDIS_REPLY_STRING || !reco_valid_tenant(e->str)) continue;
            if (n == RECO_STATUS_TENANTS_MAX)
                *truncated = 1;
            else if ((names[n] = strdup(e->str)) != NULL)
                n++;
        }
        freeReplyObject(r);
    } while (strcmp(cursor, "0") != 0 && !*truncated);
    qsort(names, (size_t)n, sizeof *names, compare_names);
    long distinct = 0; /* SSCAN may return a member twice */
    for (long i = 0; i < n; i++) {
        if (distinct > 0 && strcmp(names[distinct - 1], names[i]) == 0)
            free(names[i]);
        else
            names[distinct++] = names[i];
    }
    *out = names;
    return distinct;
}

static void answer_tenants(reco_store_t *st, figures_t *f, long n, int truncated, reco_reply_t *rep)
{
    redisReply **r = n ? calloc((size_t)n * 2, sizeof *r) : NULL;
    if (n && !r) {
        reco_reply_fail(rep, 500, "internal", "out of memory");
        return;
    }
    for (long i = 0; i < n; i++) {
        int rc = append_tenant(st, f[i].tenant);
        if (rc != 0) {
            /* the commands already appended must not answer the next op: read them away */
            if (i > 0 && reco_query_read_all(st, (size_t)i * 2, r) == 0)
                reco_query_free_all((size_t)i * 2, r);
            free(r);
            fail_append(st, rc, f[i].tenant, rep);
            return;
        }
    }
    if (n && reco_query_read_all(st, (size_t)n * 2, r) != 0) {
        free(r);
        reco_query_fail(rep, st, NULL, "the event counters");
        return;
    }
    int ok = 1;
    for (long i = 0; ok && i < n; i++)
        ok = take_tenant(st, &f[i], r + 2 * i, rep) == 0;
    reco_query_free_all((size_t)n * 2, r);
    free(r);
    if (!ok || read_metas(st, f, (size_t)n, rep) != 0) return;
    int64_t now = reco_now_ms();
    json_t *tenants = json_array();
    for (long i = 0; tenants && i < n; i++)
        json_array_append_new(tenants, json_pack("{s:s, s:o, s:o}", "tenant", f[i].tenant, "events",
                                                 hash_counts(f[i].totals), "models",
                                                 models_json(&f[i], now)));
    reco_reply_ok(rep, 200, json_pack("{s:o, s:b}", "tenants", tenants, "truncated", truncated));
}

void reco_metrics_tenants_handle(reco_store_t *st, const json_t *args, reco_reply_t *rep)
{
    (void)args;
    char **names = NULL;
    int truncated = 0;
    long n = list_tenants(st, &names, &truncated, rep);
    if (n < 0) return;
    figures_t *f = n ? calloc((size_t)n, sizeof *f) : NULL;
    if (n && !f) {
        reco_reply_fail(rep, 500, "internal", "out of memory");
    } else {
        for (long i = 0; i < n; i++)
            f[i].tenant = names[i];
        answer_tenants(st, f, n, truncated, rep);
        figures_free(f, (size_t)n);
    }
    free(f);
    for (long i = 0; i < n; i++)
        free(names[i]);
    free(names);
}
