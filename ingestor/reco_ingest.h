/* reco_ingest — the ingest worker's request handlers: events.add, items.upsert, train.request
 * and health (docs/protocol.md).
 *
 * Every write of one request goes to Redis as one pipeline, and the reply is sent only after
 * Redis has answered every command of it, so a 200 means "stored". The handler never aborts:
 * bad input gets a 400 naming the field, a lost Redis a 503 `redis_unavailable` (the store
 * reconnects by itself on the next request).
 *
 * Ownership: reco_ingest_new takes the store; reco_ingest_destroy frees both. */
#ifndef RECO_INGEST_H
#define RECO_INGEST_H

#include "reco_store.h"
#include "reco_wire.h"

/* Commands groups (one event or one item) sent before the pipeline's replies are read. */
#define RECO_INGEST_CHUNK 1000

typedef struct reco_ingest reco_ingest_t;

/* Takes *store (and sets it to NULL). history_cap: entries kept per user/item history ZSET.
 * NULL on a NULL store, a cap below 1 or out of memory (the store is then freed). */
reco_ingest_t *reco_ingest_new(reco_store_t **store, long history_cap);
void reco_ingest_destroy(reco_ingest_t **ingest);

/* A reco_worker_handler_fn: ctx is a reco_ingest_t *. Always fills rep. */
void reco_ingest_handle(void *ctx, const reco_request_t *req, reco_reply_t *rep);

/* Writes v as the shortest decimal text that reads back as exactly v (e.g. 4.5 -> "4.5",
 * 0.1 -> "0.1"). Returns the length, or -1 if it does not fit in n bytes. */
int reco_format_double(double v, char *buf, size_t n);

#endif
