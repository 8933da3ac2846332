/* reco_models — the trainer's model computations, pure functions of a reco_matrix_t.
 *
 * Nothing here touches Redis or logs: inputs are a finished matrix and options, outputs are
 * malloc'ed arrays the caller owns. Results are deterministic: the same matrix gives bit-identical
 * output whatever the thread count, and ties are broken by item index ascending (= item id order,
 * see reco_matrix.h).
 *
 *  - popular: score(i) = Σ_u w_ui, items with score > 0, best first.
 *  - item-to-item: cosine similarity sim(i, j) = Σ_u w_ui·w_uj / (‖i‖·‖j‖), ‖i‖ = sqrt(Σ_u w_ui²),
 *    for j ≠ i with sim > 0, the top_k best per item. Computed with a sparse accumulator per
 *    thread (a dense array of n_items sums plus the list of touched items); items are split into
 *    contiguous ranges of about equal work, one per thread. Memory: O(nnz + n_items·threads +
 *    output). */
#ifndef RECO_MODELS_H
#define RECO_MODELS_H

#include <stddef.h>
#include <stdint.h>

#include "reco_matrix.h"

typedef struct {
    uint32_t item; /* index into the matrix's item_ids */
    double score;
} reco_scored_t;

/* Fills *out (malloc'ed, caller frees; NULL when *n == 0) with the items of score > 0, by score
 * descending then item ascending. Returns 0, or -1 when out of memory. */
int reco_model_popular(const reco_matrix_t *m, reco_scored_t **out, size_t *n);

typedef struct {
    size_t n_items;
    size_t *ptr; /* n_items + 1: neighbours of item i are entries[ptr[i] .. ptr[i + 1]) */
    reco_scored_t *entries; /* per item: score descending, then item ascending */
    size_t n_lists;         /* items that have at least one neighbour */
    size_t n_pairs;         /* = ptr[n_items] */
} reco_neighbours_t;

/* Called on the calling thread about every interval_ms while the worker threads run; returning
 * non-zero cancels the computation (e.g. a stop signal, or a lost lease). */
typedef int (*reco_tick_fn)(void *ctx);

typedef struct {
    size_t top_k;      /* >= 1 */
    int threads;       /* >= 1; capped at the number of items */
    reco_tick_fn tick; /* may be NULL */
    void *tick_ctx;
    int tick_interval_ms; /* default 1000 when <= 0 */
} reco_item_to_item_options_t;

/* Fills *out (cleared first; free with reco_neighbours_clear). Returns 0, or -1 when out of
 * memory, a thread cannot be started, or tick cancelled; *out is then empty. */
int reco_model_item_to_item(const reco_matrix_t *m, const reco_item_to_item_options_t *opts,
                            reco_neighbours_t *out);
void reco_neighbours_clear(reco_neighbours_t *nb);

#endif
