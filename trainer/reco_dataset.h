/* reco_dataset — reads a tenant's event stream from Redis into its in-memory event log, fully or
 * only the entries added since the last read.
 *
 * The stream reco:{T}:events is read in pages of RECO_DATASET_PAGE entries (XRANGE key <start>
 * <end> COUNT n, then from (<last id>). Each entry carries the fields user, item, type, ts (epoch
 * ms, decimal) and, optionally, value (decimal; required for ratings, ignored for other types),
 * order and session (the event's basket keys, reco_events.h); other fields are ignored. An entry
 * that does not parse is skipped and counted (debug log), never fatal: the stream is the
 * ingestor's output, but the trainer does not trust it blindly.
 *
 * The weight of an event comes from the tenant's action weights (reco_weights: built-in default
 * or override, rating = value x factor, custom action = its registered weight). An event whose
 * type is a well-formed name but neither built in nor registered (an action deleted since) is
 * not kept, and counted apart from malformed entries.
 *
 * Incremental reads. A reco_dataset_state_t carries a tenant's log from one build to the next,
 * with the id of the last entry read and what XINFO STREAM said then (length, entries-added,
 * max-deleted-entry-id: Redis >= 7). A refresh first asks XINFO STREAM, then reads from the start
 * ("full") when there is no log yet, on the schedule (every full_every-th read), when the action
 * weights changed (the kept weights are stale), when the stream was re-created (entries-added
 * went down) or when entries were deleted (max-deleted-entry-id moved, or the length is not the
 * old length plus the entries added since: this also catches a deletion below the highest id
 * ever deleted, and trimming); otherwise it reads only the entries after the last id read.
 * Either way it reads up to XINFO's last-generated-id, so what it read matches the counters it
 * keeps. Entries added meanwhile are for the next read. Any failure empties the state: nothing
 * is kept that could be wrong, and the next read is full (so is the first after a restart).
 *
 * Ownership: the state owns its log and weights; the caller owns the state. */
#ifndef RECO_DATASET_H
#define RECO_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "reco_events.h"
#include "reco_store.h"
#include "reco_weights.h"

#define RECO_DATASET_PAGE 10000
#define RECO_STREAM_ID_MAX 48 /* "<ms>-<seq>": two 20-digit numbers and a dash, and a NUL */

/* One parsed stream entry; its strings point into the reply it was parsed from. */
typedef reco_event_fields_t reco_stream_event_t;

/* Parses the field/value array of one stream entry and weighs it with weights (NULL: defaults,
 * no custom actions). Returns 0; -1 for a malformed entry; 1 for a well-formed entry whose type
 * has no weight. On -1 and 1, *why is set to a static description of the problem. An order or
 * session that is not a valid id is ignored (the event has no such basket key). */
int reco_dataset_parse_event(const redisReply *fields, const reco_weights_t *weights,
                             reco_stream_event_t *ev, const char **why);

/* What XINFO STREAM says. has_counters: Redis >= 7 gave entries-added and max-deleted-entry-id. */
typedef struct {
    long long length, entries_added;
    char last_generated[RECO_STREAM_ID_MAX], max_deleted[RECO_STREAM_ID_MAX];
    int has_counters, exists;
} reco_stream_info_t;

/* XINFO STREAM key. 0 (a missing key is an existing, empty stream: exists = 0), or -1 (logged
 * with the tenant's name). */
int reco_dataset_stream_info(reco_store_t *st, const char *tenant, const char *key,
                             reco_stream_info_t *info);

/* A tenant's log between builds. Zero it before the first use. */
typedef struct {
    reco_events_t *events;            /* NULL: nothing read yet */
    reco_weights_t *weights;          /* the table the events were weighed with */
    char last_id[RECO_STREAM_ID_MAX]; /* read up to here (XINFO's last-generated-id) */
    char max_deleted[RECO_STREAM_ID_MAX];
    long long length, entries_added;
    unsigned reads_since_full;
} reco_dataset_state_t;

/* Frees the log and weights and zeroes the state. */
void reco_dataset_state_clear(reco_dataset_state_t *s);

typedef struct {
    size_t events;        /* entries kept by this read */
    size_t skipped;       /* malformed entries in this read */
    size_t unregistered;  /* entries of this read whose type has no weight */
    size_t total;         /* events in the log after the read */
    int full;             /* 1: read from the start */
    const char *why_full; /* static text: "first read", "scheduled", ... (NULL when incremental) */
} reco_dataset_stats_t;

/* Called after each page; returning non-zero abandons the read (e.g. a stop signal or a lost
 * lease; the callback may renew the lease with the same store). */
typedef int (*reco_dataset_page_fn)(void *ctx);

/* Brings the state up to date with the stream (see the top comment). Takes *weights (the
 * tenant's current table, may be NULL = defaults; *weights is set to NULL). full_every: read
 * fully every full_every-th refresh (1: always; 0: only when needed). Returns 0, or -1 (Redis
 * failed, out of memory, or after_page abandoned the read; logged) with the state emptied.
 * after_page may be NULL. */
int reco_dataset_refresh(reco_store_t *st, const char *tenant, reco_weights_t **weights,
                         unsigned full_every, reco_dataset_state_t *state,
                         reco_dataset_stats_t *stats, reco_dataset_page_fn after_page, void *ctx);

/* 1 when the two tables weigh every event alike (NULL = the defaults). */
int reco_dataset_weights_same(const reco_weights_t *a, const reco_weights_t *b);

#endif
