/* reco_dataset — reads a tenant's event stream from Redis into a reco_matrix_t.
 *
 * The stream reco:{T}:events is read whole, in pages of RECO_DATASET_PAGE entries
 * (XRANGE key - + COUNT n, then XRANGE key (<last id> + COUNT n until a short page). Each entry
 * carries the fields user, item, type, ts (epoch ms, decimal) and, optionally, value (decimal;
 * required for ratings, ignored for other types); other fields are ignored. An entry that does
 * not parse is skipped and counted (debug log), never fatal: the stream is the ingestor's
 * output, but the trainer does not trust it blindly.
 *
 * The weight of an event is reco_event_weight(type, value); a (user, item) pair's weight is the
 * sum over its events.
 *
 * Ownership: the caller owns the returned matrix (reco_matrix_destroy). */
#ifndef RECO_DATASET_H
#define RECO_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "reco_matrix.h"
#include "reco_store.h"

#define RECO_DATASET_PAGE 10000

typedef struct {
    size_t events;  /* entries used */
    size_t skipped; /* malformed entries */
} reco_dataset_stats_t;

/* One parsed stream entry; user and item point into the reply they were parsed from. */
typedef struct {
    const char *user;
    size_t user_len;
    const char *item;
    size_t item_len;
    int type; /* reco_event_type_t */
    int64_t ts;
    double weight;
} reco_stream_event_t;

/* Parses the field/value array of one stream entry. Returns 0, or -1 with *why set to a static
 * description of the problem. */
int reco_dataset_parse_event(const redisReply *fields, reco_stream_event_t *ev, const char **why);

/* Called after each page; returning non-zero abandons the read (e.g. a stop signal or a lost
 * lease; the callback may renew the lease with the same store). */
typedef int (*reco_dataset_page_fn)(void *ctx);

/* Reads the tenant's whole stream. Returns 0 with *out set, or -1 (Redis failed, out of memory,
 * or after_page abandoned the read; logged). after_page may be NULL. */
int reco_dataset_load(reco_store_t *st, const char *tenant, reco_matrix_t **out,
                      reco_dataset_stats_t *stats, reco_dataset_page_fn after_page, void *ctx);

#endif
