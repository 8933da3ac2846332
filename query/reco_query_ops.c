/* reco_query_ops — dispatch of the query worker, models.status and health (see reco_query_ops.h).
 * The other ops live in their own modules: recommend (reco_recommend.c); items.get, users.get,
 * actions.list (reco_catalog.c); events.list, users.export (reco_events_read.c).
 *
 * models.status costs two round trips whatever the tenant: one MGET of every model's current
 * keys, then one pipeline of HGETALL over the meta hashes of the versions found. */
#include "reco_query_ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reco_catalog.h"
#include "reco_chain.h"
#include "reco_config.h"
#include "reco_events_read.h"
#include "reco_keys.h"
#include "reco_model_names.h"
#include "reco_log.h"
#include "reco_query_store.h"
#include "reco_recommend.h"
#include "reco_recommendation_id.h"
#include "reco_resort.h"
#include "reco_scenario_read.h"
#include "reco_stats.h"
#include "reco_tenant_status.h"
#include "reco_validate.h"

struct reco_query {
    reco_store_t *store;
};

reco_query_t *reco_query_new(reco_store_t **store)
{
    if (!store || !*store)
        return NULL;
    reco_query_t *q = calloc(1, sizeof *q);
    if (!q) {
        reco_store_destroy(store);
        return NULL;
    }
    q->store = *store;
    *store = NULL;
    return q;
}

void reco_query_destroy(reco_query_t **query)
{
    if (!query || !*query)
        return;
    reco_store_destroy(&(*query)->store);
    free(*query);
    *query = NULL;
}

/* ---- models.status ---- */

#define model_names reco_model_names
#define MODEL_COUNT RECO_MODEL_COUNT

/* The integer in field of an HGETALL reply, or JSON null when absent or not an integer. */
static json_t *meta_integer(const redisReply *hash, const char *field)
{
    for (size_t i = 0; hash->type == REDIS_REPLY_ARRAY && i + 1 < hash->elements; i += 2) {
        const redisReply *k = hash->element[i], *v = hash->element[i + 1];
        if (k->type != REDIS_REPLY_STRING || strcmp(k->str, field) != 0 || v->type != REDIS_REPLY_STRING)
            continue;
        long n;
        return reco_parse_long(v->str, 0, INT64_MAX, &n) == 0 ? json_integer(n) : json_null();
    }
    return json_null();
}

static json_t *model_status_json(int64_t version, const redisReply *meta)
{
    json_t *built_at = meta_integer(meta, "built_at_ms");
    if (json_is_null(built_at)) { /* accept the short name too */
        json_decref(built_at);
        built_at = meta_integer(meta, "built_at");
    }
    return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o}", "version", (json_int_t)version, "built_at",
                     built_at, "duration_ms", meta_integer(meta, "duration_ms"), "events",
                     meta_integer(meta, "events"), "users", meta_integer(meta, "users"), "items",
                     meta_integer(meta, "items"));
}

/* MGET of every model's current key into versions (0 = never built). 0, or -1 with rep filled. */
static int read_current_versions(reco_store_t *st, const char *tenant, int64_t *versions,
                                 reco_reply_t *rep)
{
    char keys[MODEL_COUNT][RECO_KEY_MAX];
    const char *argv[1 + MODEL_COUNT] = {"MGET"};
    size_t lens[1 + MODEL_COUNT] = {4};
    for (size_t m = 0; m < MODEL_COUNT; m++) {
        if (reco_key_model_current(keys[m], sizeof keys[m], tenant, model_names[m]) < 0) {
            reco_reply_fail(rep, 500, "internal", "model key does not fit");
            return -1;
        }
        argv[1 + m] = keys[m];
        lens[1 + m] = strlen(keys[m]);
    }
    redisReply *r = reco_store_commandv(st, 1 + MODEL_COUNT, argv, lens);
    int rc = 0;
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != MODEL_COUNT)
        rc = reco_query_fail(rep, st, r, "MGET of current versions");
    for (size_t m = 0; rc == 0 && m < MODEL_COUNT; m++) {
        versions[m] = 0;
        if (reco_query_parse_version(r->element[m], &versions[m]) < 0) {
            reco_warn("%s holds no model version", keys[m]);
            reco_reply_fail(rep, 500, "internal", "%s: holds no model version", keys[m]);
            rc = -1;
        }
    }
    if (r)
        freeReplyObject(r);
    return rc;
}

static void op_models_status(reco_query_t *q, const char *tenant, const json_t *args, reco_reply_t *rep)
{
    (void)args;
    int64_t versions[MODEL_COUNT];
    if (read_current_versions(q->store, tenant, versions, rep) != 0)
        return;
    size_t sent = 0;
    for (size_t m = 0; m < MODEL_COUNT; m++) {
        char key[RECO_KEY_MAX];
        if (!versions[m] || reco_key_model_meta(key, sizeof key, tenant, model_names[m], versions[m]) < 0)
            continue;
        const char *argv[] = {"HGETALL", key};
        const size_t lens[] = {7, strlen(key)};
        if (reco_store_appendv(q->store, 2, argv, lens) != 0) {
            reco_query_fail(rep, q->store, NULL, "HGETALL");
            return;
        }
        sent++;
    }
    redisReply *metas[MODEL_COUNT] = {NULL};
    if (reco_query_read_all(q->store, sent, metas) != 0) {
        reco_query_fail(rep, q->store, NULL, "HGETALL");
        return;
    }
    json_t *models = json_object();
    size_t next = 0;
    for (size_t m = 0; m < MODEL_COUNT && models; m++) {
        if (!versions[m]) {
            json_object_set_new(models, model_names[m], json_null());
            continue;
        }
        const redisReply *meta = metas[next++];
        if (meta->type != REDIS_REPLY_ARRAY) {
            reco_query_fail(rep, q->store, meta, "HGETALL of model meta");
            json_decref(models);
            reco_query_free_all(sent, metas);
            return;
        }
        json_object_set_new(models, model_names[m], model_status_json(versions[m], meta));
    }
    reco_query_free_all(sent, metas);
    reco_reply_ok(rep, 200, json_pack("{s:o}", "models", models));
}

/* ---- ops of other modules, health ---- */

static void op_resort(reco_query_t *q, const char *tenant, const json_t *args, reco_reply_t *rep)
{
    reco_resort_handle(q->store, tenant, args, rep);
}

static void op_recommend(reco_query_t *q, const char *tenant, const json_t *args, reco_reply_t *rep)
{
    reco_recommend_handle(q->store, tenant, args, rep);
    /* every recommendation answer carries an id that clicks and purchases can cite */
    const char *model = json_string_value(json_object_get(args, "model"));
    char scenario[RECO_ATTRIBUTION_SCENARIO_MAX + 1];
    snprintf(scenario, sizeof scenario, "%s%s", RECO_ATTRIBUTION_MODEL_SCENARIO,
             model ? model : "");
    if (rep->status == 200 && rep->body &&
        reco_recommendation_id_attach(q->store, tenant, rep->body, scenario, RECO_VARIANT_DEFAULT,
                                      model) != 0)
        reco_warn("recommend: no recommendation id (no randomness, or out of memory)");
}

static void op_stats_get(reco_query_t *q, const char *tenant, const json_t *args, reco_reply_t *rep)
{
    reco_stats_handle(q->store, tenant, args, rep);
}

static void op_recommend_scenario(reco_query_t *q, const char *tenant, const json_t *args,
                                  reco_reply_t *rep)
{
    reco_chain_handle(q->store, tenant, args, rep);
}

static void op_recommend_bulk(reco_query_t *q, const char *tenant, const json_t *args,
                              reco_reply_t *rep)
{
    reco_chain_bulk_handle(q->store, tenant, args, rep);
}

static void op_scenarios_get(reco_query_t *q, const char *tenant, const json_t *args,
                             reco_reply_t *rep)
{
    reco_scenarios_get_handle(q->store, tenant, args, rep);
}

static void op_scenarios_list(reco_query_t *q, const char *tenant, const json_t *args,
                              reco_reply_t *rep)
{
    reco_scenarios_list_handle(q->store, tenant, args, rep);
}

static void op_items_get(reco_query_t *q, const char *tenant, const json_t *args, reco_reply_t *rep)
{
    reco_catalog_items_get(q->store, tenant, args, rep);
}

static void op_users_get(reco_query_t *q, const char *tenant, const json_t *args, reco_reply_t *rep)
{
    reco_catalog_users_get(q->store, tenant, args, rep);
}

static void op_actions_list(reco_query_t *q, const char *tenant, const json_t *args,
                            reco_reply_t *rep)
{
    reco_catalog_actions_list(q->store, tenant, args, rep);
}

static void op_events_list(reco_query_t *q, const char *tenant, const json_t *args,
                           reco_reply_t *rep)
{
    reco_events_list_handle(q->store, tenant, args, rep);
}

static void op_users_export(reco_query_t *q, const char *tenant, const json_t *args,
                            reco_reply_t *rep)
{
    reco_users_export_handle(q->store, tenant, args, rep);
}

static void op_health(reco_query_t *q, const char *tenant, const json_t *args, reco_reply_t *rep)
{
    (void)tenant, (void)args;
    if (reco_store_ping(q->store) == 0)
        reco_reply_ok(rep, 200, json_pack("{s:s}", "redis", "ok"));
    else
        reco_reply_fail(rep, 503, "redis_unavailable", "%s", reco_store_errstr(q->store));
}

static void op_tenant_status(reco_query_t *q, const char *tenant, const json_t *args, reco_reply_t *rep)
{
    reco_tenant_status_handle(q->store, tenant, args, rep);
}

static void op_metrics_tenants(reco_query_t *q, const char *tenant, const json_t *args, reco_reply_t *rep)
{
    (void)tenant;
    reco_metrics_tenants_handle(q->store, args, rep);
}

/* ---- dispatch ---- */

typedef void (*op_fn)(reco_query_t *, const char *tenant, const json_t *args, reco_reply_t *);

static const struct {
    const char *name;
    op_fn handle;
    int needs_tenant;
} ops[] = {
    {"recommend", op_recommend, 1},
    {"resort", op_resort, 1},
    {"recommend.scenario", op_recommend_scenario, 1},
    {"recommend.bulk", op_recommend_bulk, 1},
    {"scenarios.get", op_scenarios_get, 1},
    {"scenarios.list", op_scenarios_list, 1},
    {"models.status", op_models_status, 1},
    {"stats.get", op_stats_get, 1},
    {"items.get", op_items_get, 1},
    {"users.get", op_users_get, 1},
    {"actions.list", op_actions_list, 1},
    {"events.list", op_events_list, 1},
    {"users.export", op_users_export, 1},
    {"tenant.status", op_tenant_status, 1},
    {"metrics.tenants", op_metrics_tenants, 0},
    {"health", op_health, 0},
};

void reco_query_handle(void *ctx, const reco_request_t *req, reco_reply_t *rep)
{
    reco_query_t *q = ctx;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (strcmp(req->op, ops[i].name) != 0)
            continue;
        if (ops[i].needs_tenant && !reco_valid_tenant(req->tenant)) {
            reco_reply_fail(rep, 400, "invalid_field",
                            "tenant: must be 1 to %d characters of A-Z, a-z, 0-9, '_' or '-'",
                            RECO_TENANT_MAX);
            return;
        }
        reco_debug("%s %s tenant=%s", req->id, req->op, req->tenant);
        ops[i].handle(q, req->tenant, req->args, rep);
        return;
    }
    reco_reply_fail(rep, 400, "unknown_op", "op: '%s' is not a query operation", req->op);
}
