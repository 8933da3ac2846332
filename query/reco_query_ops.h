/* reco_query_ops — the query worker's request dispatch and its small ops: models.status and
 * health (recommend lives in reco_recommend.c, items.get / users.get / actions.list in
 * reco_catalog.c, events.list / users.export in reco_events_read.c). docs/protocol.md lists the
 * ops.
 *
 * Ownership: reco_query_new takes the store; reco_query_destroy frees both. */
#ifndef RECO_QUERY_OPS_H
#define RECO_QUERY_OPS_H

#include "reco_store.h"
#include "reco_wire.h"

typedef struct reco_query reco_query_t;

/* Takes *store (and sets it to NULL). NULL on a NULL store or out of memory (store freed). */
reco_query_t *reco_query_new(reco_store_t **store);
void reco_query_destroy(reco_query_t **query);

/* A reco_worker_handler_fn: ctx is a reco_query_t *. Always fills rep. */
void reco_query_handle(void *ctx, const reco_request_t *req, reco_reply_t *rep);

#endif
