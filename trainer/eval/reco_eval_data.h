/* reco_eval_data — the interactions reco-eval evaluates on: (user, item, value, timestamp) rows.
 *
 * Rows come from a CSV file with a header naming the columns user, item and optionally value and
 * timestamp (any order, case-insensitive; other columns are ignored), or from the builder below
 * (tests). A row without user or item, or whose value / timestamp does not parse, is skipped and
 * counted. No column means value 1 and timestamp 0.
 *
 * Invariants after finish, the same as reco_matrix's so that indices can be mapped by a merge:
 *  - user and item indices follow the byte order of the ids (memcmp, the shorter first on a
 *    common prefix);
 *  - events are sorted by user, then timestamp, then row (file order), so a user's events are
 *    events[user_ptr[u] .. user_ptr[u + 1]) oldest first, and "the latest" is well defined even
 *    when timestamps tie.
 *
 * Ownership: the data owns its ids and arrays; immutable after finish. */
#ifndef RECO_EVAL_DATA_H
#define RECO_EVAL_DATA_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t user, item;
    int64_t ts;   /* as in the file (any unit); 0 when there is no timestamp column */
    double value; /* 1 when there is no value column */
    uint32_t row; /* order of addition */
} reco_eval_event_t;

typedef struct {
    size_t n_users, n_items, n_events;
    const char **user_ids; /* NUL-terminated */
    size_t *user_id_lens;
    const char **item_ids;
    size_t *item_id_lens;
    reco_eval_event_t *events;
    size_t *user_ptr; /* n_users + 1 */
    size_t skipped;   /* rows not used (CSV only) */
    int has_value, has_timestamp;
    /* private: the id bytes the id pointers point into */
    char *user_arena, *item_arena;
} reco_eval_data_t;

typedef struct reco_eval_builder reco_eval_builder_t;

reco_eval_builder_t *reco_eval_builder_new(void);
/* Copies the ids. 0, or -1 when out of memory or past UINT32_MAX - 1 rows, users or items. */
int reco_eval_builder_add(reco_eval_builder_t *b, const char *user, size_t user_len,
                          const char *item, size_t item_len, double value, int64_t ts);
/* Takes the builder (*b = NULL). NULL when out of memory. */
reco_eval_data_t *reco_eval_builder_finish(reco_eval_builder_t **b);
void reco_eval_builder_destroy(reco_eval_builder_t **b);

/* Reads a CSV file. Returns the data, or NULL with a reason in err (cannot open, no user/item
 * column in the header, out of memory). */
reco_eval_data_t *reco_eval_data_load_csv(const char *path, char *err, size_t errlen);

void reco_eval_data_destroy(reco_eval_data_t **d);

#endif
