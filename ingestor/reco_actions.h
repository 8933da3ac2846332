/* reco_actions — a tenant's custom actions (event types) and weights: actions.put,
 * actions.delete, and the lookup events.add uses to accept custom types.
 *
 * Both live in one HASH, reco:{T}:actions, name -> weight: a built-in name there overrides its
 * default weight; any other name is a custom action, known to the tenant. */
#ifndef RECO_ACTIONS_H
#define RECO_ACTIONS_H

#include <stdbool.h>

#include "reco_ingest_internal.h"

/* actions.put {name, weight}: 200 {name, weight, builtin}. */
void reco_op_actions_put(reco_ingest_t *ing, const char *tenant, const json_t *args,
                         reco_reply_t *rep);
/* actions.delete {name}: 200 {name, deleted: true}, or 404 for a custom action never registered. */
void reco_op_actions_delete(reco_ingest_t *ing, const char *tenant, const json_t *args,
                            reco_reply_t *rep);

/* The custom action names of one tenant, read once (HGETALL) on the first question, so a batch
 * of built-in types never costs a Redis call. Lives on the handler's stack. */
typedef struct reco_known_actions {
    reco_store_t *store;
    const char *tenant;
    int loaded;    /* 1 after the HGETALL answered */
    int failed;    /* 1 if it did not: the caller answers 503, whatever the validator said */
    char why[256]; /* when failed */
    void *names;   /* the set of names (private) */
} reco_known_actions_t;

/* A reco_type_known_fn: ctx is a reco_known_actions_t. False when the lookup failed. The store
 * must have no pipeline reply pending. */
bool reco_known_actions_contains(void *ctx, const char *type);
void reco_known_actions_clear(reco_known_actions_t *known);

#endif
