/* reco_ingest — the op table of the ingest worker, and its two smallest ops (see reco_ingest.h).
 *
 * Each op lives in the module that owns its keys: events.add in reco_events.c, items and users
 * in reco_catalog.c, actions in reco_actions.c, deletion and transfer in reco_privacy.c. They all
 * share the worker's state (reco_ingest_internal.h) and answer through a reco_pipeline_t, so the
 * error rules (503 for a lost or busy Redis, 500 for a refused command) are written once.
 *
 * Ownership: the reco_ingest_t owns its store and its script handle. */
#include "reco_ingest.h"

#include <stdlib.h>
#include <string.h>

#include "reco_actions.h"
#include "reco_catalog.h"
#include "reco_events.h"
#include "reco_ingest_internal.h"
#include "reco_keys.h"
#include "reco_log.h"
#include "reco_privacy.h"
#include "reco_scenarios.h"
#include "reco_tenants.h"
#include "reco_validate.h"

reco_ingest_t *reco_ingest_new(reco_store_t **store, long history_cap)
{
    if (!store || !*store) return NULL;
    reco_ingest_t *ing = history_cap >= 1 ? calloc(1, sizeof *ing) : NULL;
    if (ing && !(ing->script = reco_ingest_script_new())) {
        free(ing);
        ing = NULL;
    }
    if (!ing) {
        reco_store_destroy(store);
        return NULL;
    }
    ing->store = *store;
    *store = NULL;
    ing->history_cap = history_cap;
    reco_ingest_script_load(ing->script, ing->store); /* failure logged; retried when needed */
    return ing;
}

void reco_ingest_destroy(reco_ingest_t **ingest)
{
    if (!ingest || !*ingest) return;
    reco_store_destroy(&(*ingest)->store);
    reco_ingest_script_destroy(&(*ingest)->script);
    free(*ingest);
    *ingest = NULL;
}

void reco_ingest_send_register_tenant(reco_pipeline_t *p, const char *tenant)
{
    const char *argv[] = {"SADD", RECO_KEY_TENANTS, tenant};
    reco_pipeline_sendz(p, 3, argv);
}

static void op_train_request(reco_ingest_t *ing, const char *tenant, const json_t *args,
                             reco_reply_t *rep)
{
    (void)args;
    reco_pipeline_t p = {.store = ing->store};
    reco_ingest_send_register_tenant(&p, tenant);
    const char *rpush[] = {"RPUSH", RECO_KEY_TRAIN_QUEUE, tenant};
    reco_pipeline_sendz(&p, 3, rpush);
    if (reco_pipeline_finish(&p, rep) == 0)
        reco_reply_ok(rep, 202, json_pack("{s:b}", "queued", 1));
}

static void op_health(reco_ingest_t *ing, const char *tenant, const json_t *args, reco_reply_t *rep)
{
    (void)tenant, (void)args;
    if (reco_store_ping(ing->store) == 0)
        reco_reply_ok(rep, 200, json_pack("{s:s}", "redis", "ok"));
    else
        reco_reply_fail(rep, 503, "redis_unavailable", "%s", reco_store_errstr(ing->store));
}

static const struct {
    const char *name;
    reco_op_fn handle;
    int needs_tenant;
} ops[] = {
    {"events.add", reco_op_events_add, 1},         {"items.upsert", reco_op_items_upsert, 1},
    {"users.upsert", reco_op_users_upsert, 1},     {"actions.put", reco_op_actions_put, 1},
    {"actions.delete", reco_op_actions_delete, 1}, {"events.delete", reco_op_events_delete, 1},
    {"users.delete", reco_op_users_delete, 1},     {"users.transfer", reco_op_users_transfer, 1},
    {"train.request", op_train_request, 1},        {"health", op_health, 0},
    {"scenarios.put", reco_op_scenarios_put, 1},   {"scenarios.delete", reco_op_scenarios_delete, 1},
    /* the admin API (reco_tenants.c) */
    {"tenants.create", reco_op_tenants_create, 1}, {"tenants.list", reco_op_tenants_list, 0},
    {"tenants.get", reco_op_tenants_get, 1},       {"tenants.update", reco_op_tenants_update, 1},
    {"tenants.delete", reco_op_tenants_delete, 1}, {"keys.create", reco_op_keys_create, 1},
    {"keys.list", reco_op_keys_list, 1},           {"keys.delete", reco_op_keys_delete, 1},
};

void reco_ingest_handle(void *ctx, const reco_request_t *req, reco_reply_t *rep)
{
    reco_ingest_t *ing = ctx;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (strcmp(req->op, ops[i].name) != 0) continue;
        if (ops[i].needs_tenant && !reco_valid_tenant(req->tenant)) {
            reco_reply_fail(rep, 400, "invalid_field",
                            "tenant: must be 1 to %d characters of A-Z, a-z, 0-9, '_' or '-'",
                            RECO_TENANT_MAX);
            return;
        }
        if (!json_is_object(req->args)) {
            reco_reply_fail(rep, 400, "invalid_body", "args: must be an object");
            return;
        }
        reco_debug("%s %s tenant=%s", req->id, req->op, req->tenant);
        ops[i].handle(ing, req->tenant, req->args, rep);
        return;
    }
    reco_reply_fail(rep, 400, "unknown_op", "op: '%s' is not an ingest operation", req->op);
}
