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
 *    output). With shrinkage λ > 0 the similarity is multiplied by n_ij / (n_ij + λ), n_ij being
 *    the number of users with a non-zero weight on both items (also-viewed, also-bought).
 *  - reco_model_cosine: the same computation on any sparse matrix given by columns and rows
 *    (the columns are compared): user-to-user (reco_users) and content (reco_content) use it.
 *
 * Also shared by the other model modules: reco_scored_sort (the ranking order) and reco_ticker
 * (cancellation checks from a long single-threaded loop). */
#ifndef RECO_MODELS_H
#define RECO_MODELS_H

#include <stddef.h>
#include <stdint.h>

#include "reco_matrix.h"

typedef struct {
    uint32_t item; /* index into the matrix's item_ids */
    double score;
} reco_scored_t;

/* Sorts by score descending, then item ascending. */
void reco_scored_sort(reco_scored_t *e, size_t n);
/* 1 when a ranks strictly before b in that order. */
int reco_scored_before(const reco_scored_t *a, const reco_scored_t *b);

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

/* Calls tick about every interval_ms from a single-threaded loop: reco_ticker_check is cheap
 * (it reads the clock once every 1024 calls). */
typedef struct {
    reco_tick_fn tick; /* may be NULL */
    void *ctx;
    int interval_ms;
    int64_t next_ms;
    unsigned calls;
    int cancelled;
} reco_ticker_t;

void reco_ticker_init(reco_ticker_t *t, reco_tick_fn tick, void *ctx, int interval_ms);
/* Non-zero once tick has asked to cancel (and from then on). */
int reco_ticker_check(reco_ticker_t *t);

typedef struct {
    size_t top_k;      /* >= 1 */
    int threads;       /* >= 1; capped at the number of items */
    reco_tick_fn tick; /* may be NULL */
    void *tick_ctx;
    int tick_interval_ms; /* default 1000 when <= 0 */
    double shrinkage;     /* λ >= 0; 0: plain cosine */
    size_t max_row_entries; /* rows (users for item-to-item) with more entries are ignored
                               entirely, norms included; 0: none is. Bounds the work, which
                               grows with the square of a row's size. */
    int sample_long_rows;   /* similar-customers: rows over max_row_entries keep a fixed
                               pseudo-random sample of about that many entries instead
                               (reco_cosine_sample.h) */
} reco_item_to_item_options_t;

/* Fills *out (cleared first; free with reco_neighbours_clear). Returns 0, or -1 when out of
 * memory, a thread cannot be started, or tick cancelled; *out is then empty. */
int reco_model_item_to_item(const reco_matrix_t *m, const reco_item_to_item_options_t *opts,
                            reco_neighbours_t *out);
void reco_neighbours_clear(reco_neighbours_t *nb);

/* A sparse matrix seen by columns (the vectors compared) and by rows (its transpose): column c
 * is col_rows/col_weights[col_ptr[c] .. col_ptr[c + 1]) with rows ascending, row r is
 * row_cols/row_weights[row_ptr[r] .. row_ptr[r + 1]). */
typedef struct {
    size_t n_cols, n_rows;
    const size_t *col_ptr;
    const uint32_t *col_rows;
    const double *col_weights;
    const size_t *row_ptr;
    const uint32_t *row_cols;
    const double *row_weights;
} reco_cosine_input_t;

/* Cosine top-K between columns, exactly as item-to-item (which is this with columns = items,
 * rows = users); out->n_items is the number of columns and entries hold column indices. */
int reco_model_cosine(const reco_cosine_input_t *in, const reco_item_to_item_options_t *opts,
                      reco_neighbours_t *out);
/* The matrix's items as columns (item-to-item) or its users as columns (user-to-user). */
reco_cosine_input_t reco_cosine_items(const reco_matrix_t *m);
reco_cosine_input_t reco_cosine_users(const reco_matrix_t *m);

#endif
