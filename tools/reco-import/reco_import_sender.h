/* reco_import_sender — sends batches to the native API with up to N requests in flight
 * (libcurl multi), and decides what each answer means for the rows.
 *
 *   2xx         the batch is stored: hooks.accepted(stored, duplicates)
 *   400         the message names an element ("events[17].value: ..."): that row is rejected
 *               with the message and the rest of the batch is sent again at once; a message that
 *               names no element rejects the whole batch
 *   413         the batch is split in two and both halves are sent (one row alone: rejected)
 *   429, 5xx,   sent again after 100 ms, 200 ms, 400 ms, ... (--retries times at most; then the
 *   no answer   import stops: fatal)
 *   other       fatal (404 for a route the server lacks, 401/403, ...)
 *
 * A retried request may have been stored already (a reply timed out after the write); events
 * with a client `id` are then counted as duplicates instead of stored twice.
 *
 * Everything runs on the caller's thread: submit() and drain() drive the transfers and call
 * the hooks from inside. Rows handed to a hook are valid during the call only. */
#ifndef RECO_IMPORT_SENDER_H
#define RECO_IMPORT_SENDER_H

#include "reco_import_batch.h"

typedef struct {
    void *ctx;
    void (*accepted)(void *ctx, const reco_import_batch_t *batch, long long stored,
                     long long duplicates);
    void (*rejected)(void *ctx, const reco_import_row_t *row, const char *reason);
    void (*tick)(void *ctx); /* called often (at least every 100 ms) while waiting */
} reco_import_hooks_t;

typedef struct {
    const char *url;    /* the whole URL, e.g. http://127.0.0.1:8080/v1/shop/events; copied */
    const char *method; /* "POST" or "PUT"; copied */
    const char *array;  /* the kind's array name in error messages ("events"); copied */
    int parallel;       /* requests in flight, >= 1 */
    int retries;        /* retries of one request before the import fails */
    long backoff_ms;    /* first retry delay; doubles on each retry, at most 30 s */
    long timeout_ms;    /* one request, connection included */
} reco_import_sender_config_t;

typedef struct reco_import_sender reco_import_sender_t;

/* NULL when libcurl cannot be set up (curl_global_init must have been called). */
reco_import_sender_t *reco_import_sender_new(const reco_import_sender_config_t *config,
                                             reco_import_hooks_t hooks);
/* Stops whatever is in flight (its rows are counted by nobody) and frees; *sender = NULL. */
void reco_import_sender_destroy(reco_import_sender_t **sender);

/* Takes *batch (sets it to NULL) and returns once a request slot has it, driving transfers in
 * the meantime. 0, or -1 when the import has failed (see errstr). */
int reco_import_sender_submit(reco_import_sender_t *sender, reco_import_batch_t **batch);
/* Drives transfers until every submitted batch has its answer. 0, or -1 when the import failed. */
int reco_import_sender_drain(reco_import_sender_t *sender);

/* Why the import failed ("" while it has not). */
const char *reco_import_sender_errstr(const reco_import_sender_t *sender);

#endif
