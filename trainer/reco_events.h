/* reco_events — a tenant's event log held in memory, compactly, and the table models read.
 *
 * The trainer keeps each tenant's parsed events between builds so that the next build reads only
 * the newer stream entries (reco_event_cache, reco_dataset). reco_events_t is that log: ids are
 * interned once (reco_intern), and each event is a row of parallel arrays: user and item (uint32
 * index), ts (int64 epoch ms), weight (double, already resolved from the tenant's action
 * weights), type (uint8: reco_event_type_t, RECO_EVENT_TYPE_COUNT for a custom action) and
 * basket (uint32 index of the event's order id, else its session id, else RECO_NO_BASKET).
 * 29 bytes per event plus the distinct ids: 20 M events take about 0.6 GB.
 *
 * A build turns the log into a reco_event_table_t: the same events, with user and item indices
 * renumbered in id byte order (so "ties by item index" means "ties by item id" everywhere, as in
 * reco_matrix.h). The table is what the pure model functions read; unit tests fill one by hand.
 *
 * Ownership: the log owns its arrays and ids. A table borrows the log's ts, weight, type and
 * basket arrays and its ids, so it must be cleared before the log is appended to or destroyed;
 * it owns only its renumbered user and item arrays and id pointer arrays. */
#ifndef RECO_EVENTS_H
#define RECO_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#define RECO_NO_BASKET UINT32_MAX

/* One event to append; the strings are borrowed for the call (not NUL-terminated). */
typedef struct {
    const char *user;
    size_t user_len;
    const char *item;
    size_t item_len;
    int type; /* reco_event_type_t, or RECO_EVENT_TYPE_COUNT for a custom action */
    int64_t ts;
    double weight;
    const char *order; /* order / transaction id, NULL when none */
    size_t order_len;
    const char *session; /* session / cookie id, NULL when none */
    size_t session_len;
} reco_event_fields_t;

typedef struct reco_events reco_events_t;

/* NULL when out of memory. */
reco_events_t *reco_events_new(void);
void reco_events_destroy(reco_events_t **ev);

/* Appends one event (ids are copied once, at their first appearance). 0, or -1 when out of
 * memory or an id table is full (the log is then unchanged except for interned ids). */
int reco_events_append(reco_events_t *ev, const reco_event_fields_t *e);

/* Makes room for n events in all (a read that knows the stream's length asks once instead of
 * doubling, so the columns are not up to twice as large as needed). 0, or -1 when out of memory
 * (nothing changed). */
int reco_events_reserve(reco_events_t *ev, size_t n);

size_t reco_events_count(const reco_events_t *ev);
size_t reco_events_users(const reco_events_t *ev);
size_t reco_events_items(const reco_events_t *ev);
/* Approximate bytes held. */
size_t reco_events_memory(const reco_events_t *ev);

/* The table the models read. Public and read-only; see the top comment for ownership. */
typedef struct {
    size_t n_events, n_users, n_items, n_baskets;
    const uint32_t *user;        /* n_events: user index, in id byte order */
    const uint32_t *item;        /* n_events: item index, in id byte order */
    const int64_t *ts;           /* n_events: epoch ms */
    const double *weight;        /* n_events */
    const uint8_t *type;         /* n_events: reco_event_type_t, RECO_EVENT_TYPE_COUNT = custom */
    const uint32_t *basket;      /* n_events: < n_baskets, or RECO_NO_BASKET; NULL: none at all */
    const char *const *user_ids; /* n_users, NUL-terminated, ascending */
    const size_t *user_id_lens;
    const char *const *item_ids; /* n_items, NUL-terminated, ascending */
    const size_t *item_id_lens;
    void *owned; /* private: what reco_event_table_clear frees (NULL for a hand-made table) */
} reco_event_table_t;

/* Fills *out from the log (cleared first). 0, or -1 when out of memory (*out is then empty). */
int reco_events_table(const reco_events_t *ev, reco_event_table_t *out);
/* Frees what the table owns and zeroes it. Safe on a zeroed or hand-made table. */
void reco_event_table_clear(reco_event_table_t *t);

#endif
