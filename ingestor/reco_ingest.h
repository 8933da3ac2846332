/* reco_ingest — the ingest worker's request handler: dispatches the write-side ops of
 * docs/protocol.md to their modules (reco_events, reco_catalog, reco_actions, reco_privacy) and
 * answers train.request and health itself.
 *
 * A reply is sent only after Redis has answered every command of the request, so a 200 means
 * "stored". The handler never aborts: bad input gets a 400 naming the field, a lost Redis a 503
 * `redis_unavailable` (the store reconnects by itself on the next request).
 *
 * Ownership: reco_ingest_new takes the store; reco_ingest_destroy frees it. */
#ifndef RECO_INGEST_H
#define RECO_INGEST_H

#include "reco_store.h"
#include "reco_wire.h"

typedef struct reco_ingest reco_ingest_t;

/* Takes *store (and sets it to NULL). history_cap: entries kept per user/item history ZSET.
 * Loads the ingest script if Redis answers (else on the first request that needs it).
 * NULL on a NULL store, a cap below 1 or out of memory (the store is then freed). */
reco_ingest_t *reco_ingest_new(reco_store_t **store, long history_cap);
void reco_ingest_destroy(reco_ingest_t **ingest);

/* A reco_worker_handler_fn: ctx is a reco_ingest_t *. Always fills rep. */
void reco_ingest_handle(void *ctx, const reco_request_t *req, reco_reply_t *rep);

#endif
