/* reco_dataset — reads a tenant's event stream from Redis into a reco_matrix_t.
 *
 * The stream reco:{T}:events is read whole, in pages of RECO_DATASET_PAGE entries
 * (XRANGE key - + COUNT n, then XRANGE key (<last id> + COUNT n until a short page). Each entry
 * carries the fields user, item, type, ts (epoch ms, decimal) and, optionally, value (decimal;
 * required for ratings, ignored for other types); other fields are ignored. An entry that does
 * not parse is skipped and counted (debug log), never fatal: the stream is the ingestor's
 * output, but the trainer does not trust it blindly.
 *
 * The weight of an event comes from the tenant's action weights (reco_weights: built-in default
 * or override, rating = value x factor, custom action = its registered weight). An event whose
 * type is a well-formed name but neither built in nor registered (an action deleted since) is
 * not used, and counted apart from malformed entries. A (user, item) pair's weight is the sum
 * over its events.
 *
 * Ownership: the caller owns the returned matrix (reco_matrix_destroy); weights are borrowed. */
#ifndef RECO_DATASET_H
#define RECO_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "reco_matrix.h"
#include "reco_store.h"
#include "reco_weights.h"

#define RECO_DATASET_PAGE 10000

typedef struct {
    size_t events;       /* entries used */
    size_t skipped;      /* malformed entries */
    size_t unregistered; /* entries whose type has no weight (not built in, not registered) */
} reco_dataset_stats_t;

/* One parsed stream entry; user and item point into the reply they were parsed from. */
typedef struct {
    const char *user;
    size_t user_len;
    const char *item;
    size_t item_len;
    int type; /* reco_event_type_t, or RECO_EVENT_TYPE_COUNT for a custom action */
    int64_t ts;
    double weight;
} reco_stream_event_t;

/* Parses the field/value array of one stream entry and weighs it with weights (NULL: defaults,
 * no custom actions). Returns 0; -1 for a malformed entry; 1 for a well-formed entry whose type
 * has no weight. On -1 and 1, *why is set to a static description of the problem. */
int reco_dataset_parse_event(const redisReply *fields, const reco_weights_t *weights,
                             reco_stream_event_t *ev, const char **why);

/* Called after each page; returning non-zero abandons the read (e.g. a stop signal or a lost
 * lease; the callback may renew the lease with the same store). */
typedef int (*reco_dataset_page_fn)(void *ctx);

/* Reads the tenant's whole stream, weighing events with weights (NULL: defaults). Returns 0 with
 * *out set, or -1 (Redis failed, out of memory, or after_page abandoned the read; logged).
 * after_page may be NULL. */
int reco_dataset_load(reco_store_t *st, const char *tenant, const reco_weights_t *weights,
                      reco_matrix_t **out, reco_dataset_stats_t *stats,
                      reco_dataset_page_fn after_page, void *ctx);

#endif
