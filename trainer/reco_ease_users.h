/* reco_ease_users — for-user's per-user lists: each user's EASE scores over the whole history,
 * computed at build time.
 *
 * For user u with history row x_u (over the modelled items): s_u = Σ_i x_ui · B_i, the items of
 * u's history (any weight) left out, the top_n with s > 0 kept, best first (ties: item index
 * ascending). This is exactly the dense EASE ranking (what the reference in reco-eval computes),
 * which summing truncated rows at query time is not: a row's top entries miss the many small
 * contributions that add up over a long history (on ml-latest-small, summing the 50 best
 * entries of each of the 200 most recent items' rows gives nDCG@10 0.33 where the whole history
 * gives 0.38). The query worker serves this list and adds, at query time, the rows of the items
 * the user touched after the build, so a fresh event still counts at once.
 *
 * Cost: Σ_u (modelled items of u) × n with dense rows. Above dense_budget multiply-adds the
 * published (top-K) rows are summed instead — Σ_u items × K — so a tenant with millions of users
 * stays in seconds. Users with fewer than min_items modelled items get no list: for them the
 * query worker's sum of their rows is as good, and storing nothing saves Redis memory. At most
 * max_lists users get one — those with the most modelled items, who gain most — so a tenant
 * with millions of users writes a bounded number of lists (50 entries × 100k by default).
 *
 * Pure: no Redis, no logging; deterministic (ties by item index; the sums run in history order).
 * Ownership: *out is malloc'ed (free with reco_neighbours_clear); inputs are borrowed. */
#ifndef RECO_EASE_USERS_H
#define RECO_EASE_USERS_H

#include <stddef.h>

#include "reco_ease.h"
#include "reco_matrix.h"
#include "reco_models.h"

#define RECO_EASE_USER_TOP_N_DEFAULT 50
#define RECO_EASE_USER_MIN_ITEMS_DEFAULT 1
#define RECO_EASE_USER_MAX_LISTS_DEFAULT 100000
#define RECO_EASE_DENSE_BUDGET_DEFAULT 2e9 /* multiply-adds: ~1 s on 2 cores */

typedef struct {
    size_t top_n;        /* entries kept per user (>= 1) */
    size_t min_items;    /* users with fewer modelled items get an empty list */
    size_t max_lists;    /* at most this many users get a list, those with the most modelled
                          * items (min_items is raised until they fit); 0: no bound */
    double dense_budget; /* above it, rows (the published top-K lists) are summed */
    int weighted;        /* x_ui = w_ui instead of 1 (as the EASE options' weighted) */
    int threads;
    reco_tick_fn tick; /* may be NULL; non-zero cancels */
    void *tick_ctx;
} reco_ease_users_options_t;

/* Fills *out with one list per matrix user (out->n_items = m->n_users; entries hold item
 * indices). d is the dense model; rows its published lists (reco_ease_rows), used above the
 * budget. *used_dense says which was summed. 0, or -1 (out of memory, cancelled): *out empty. */
int reco_ease_user_lists(const reco_matrix_t *m, const reco_ease_dense_t *d,
                         const reco_neighbours_t *rows, const reco_ease_users_options_t *opts,
                         reco_neighbours_t *out, int *used_dense);

#endif
