/* reco_ease — EASE (Steck 2019, "Embarrassingly Shallow Autoencoders"), the `for-user` model.
 *
 * Over n chosen items (the max_items most active ones), with X the users × items matrix:
 *
 *     G = XᵀX + λI,   P = G⁻¹,   B_ij = −P_ij / P_jj  (i ≠ j),   B_jj = 0.
 *
 * A user with history row x is scored s = x·B, i.e. Σ over the user's items i of row i of B, so
 * the neighbour list of item i (what the trainer publishes) is row i of B. G is accumulated
 * sparsely (Σ over users of the outer product of their chosen items: O(Σ_u n_u²)), inverted with
 * a Cholesky factorisation (LAPACKE dpotrf + dpotri, O(n³), OpenBLAS threads), and B is formed in
 * place, so memory is one dense n × n array of doubles (3000 items: 72 MB) plus the output.
 *
 * X is binary by default (x_ui = 1 when w_ui > 0): then λ means the same thing for every tenant
 * whatever its action weights; `weighted` uses w_ui as is (λ must then grow with the weights²).
 *
 * Pure: no Redis, no logging. Deterministic for a given matrix and options (the item choice and
 * every tie are broken by item index); OpenBLAS may round the last bits differently with another
 * thread count. openblas_set_num_threads() is process-wide: the last caller's count holds.
 *
 * Ownership: outputs are malloc'ed and owned by the caller (reco_neighbours_clear,
 * reco_ease_dense_clear); the matrix is borrowed for the duration of the call. */
#ifndef RECO_EASE_H
#define RECO_EASE_H

#include <stddef.h>
#include <stdint.h>

#include "reco_matrix.h"
#include "reco_models.h"

/* Tuned on MovieLens ml-latest-small with reco-eval (bench/README.md, "Offline evaluation"),
 * with the per-user lists of reco_ease_users: λ 250 reaches the untruncated all-items EASE
 * reference on both hold-outs; 2000 items rank as well as all 9066 there (and cost a third of
 * 3000's time); 50 entries per row because the query reads the 50 best entries of each list it
 * sums (only for a user's fresh events, and for users without a list). */
#define RECO_EASE_LAMBDA_DEFAULT 250.0
#define RECO_EASE_MAX_ITEMS_DEFAULT 2000
#define RECO_EASE_TOP_K_DEFAULT 50

typedef enum {
    RECO_EASE_KEEP_POSITIVE = 0, /* the top_k largest entries > 0 of each row (default) */
    RECO_EASE_KEEP_MAGNITUDE = 1 /* the top_k entries of largest |B_ij|, negative ones included */
} reco_ease_keep_t;

typedef struct {
    double lambda;    /* > 0 (L2 regularisation; RECO_EASE_LAMBDA_DEFAULT) */
    size_t max_items; /* items modelled: the most active ones; 0 = every item with a user */
    size_t top_k;     /* entries kept per row; 0 = every non-zero entry (no truncation) */
    int threads;      /* Gram matrix, top-K and OpenBLAS threads (1..64); <= 0: one, and
                       * OpenBLAS's own setting */
    int weighted;     /* 0: x_ui = 1 when w_ui > 0 (default); 1: x_ui = w_ui */
    reco_ease_keep_t keep;
} reco_ease_options_t;

/* The defaults above (lambda, max_items, top_k), 1 thread, binary, keep positive. */
void reco_ease_options_default(reco_ease_options_t *opts);

/* The items EASE models: those with at least one user of weight > 0, the max_items with most such
 * users (ties: smaller index), returned in ascending index order. *items is malloc'ed (NULL when
 * *n == 0). 0, or -1 when out of memory. */
int reco_ease_select_items(const reco_matrix_t *m, size_t max_items, uint32_t **items, size_t *n);

/* Turns g, a symmetric positive definite n × n matrix (both triangles filled; row- and
 * column-major are the same) holding XᵀX, into B in place: adds λ to the diagonal, inverts,
 * divides each column by minus its diagonal, zeroes the diagonal. Afterwards g[i * n + j] = B_ij.
 * 0, or -1 when the factorisation failed (not positive definite, NaN) or out of memory. */
int reco_ease_solve(double *g, size_t n, double lambda);

/* The dense model: b[a * n + c] = B between items[a] and items[c] (matrix indices). */
typedef struct {
    size_t n;
    uint32_t *items; /* n, ascending */
    double *b;       /* n × n, row-major */
} reco_ease_dense_t;

/* Computes the dense B of m (opts->top_k and keep unused). *out is cleared first.
 * 0, or -1 (out of memory, factorisation failed); *out is then empty. */
int reco_ease_dense(const reco_matrix_t *m, const reco_ease_options_t *opts,
                    reco_ease_dense_t *out);
void reco_ease_dense_clear(reco_ease_dense_t *d);

/* The top_k entries of every row of d (see keep) as neighbour lists indexed by matrix item
 * (n_items of them; items not modelled get empty lists), by score descending then item ascending
 * (KEEP_MAGNITUDE: by |score| descending). *out is cleared first. 0, or -1 (out of memory). */
int reco_ease_rows(const reco_ease_dense_t *d, size_t n_items, const reco_ease_options_t *opts,
                   reco_neighbours_t *out);

/* Computes B and keeps, per modelled item, the top_k entries of its row (see keep) as its
 * neighbour list, by score descending then item ascending (KEEP_MAGNITUDE: by |score|
 * descending). Items not modelled get empty lists. *out is cleared first (free with
 * reco_neighbours_clear). 0, or -1 (out of memory, factorisation failed); *out is then empty. */
int reco_ease(const reco_matrix_t *m, const reco_ease_options_t *opts, reco_neighbours_t *out);

#endif
