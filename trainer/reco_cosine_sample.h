/* reco_cosine_sample — bounds the cost of a cosine between columns by sampling its long rows.
 *
 * The cosine's work is Σ over rows of their entries², so one row of 100k entries (an item every
 * user touched, in user-to-user) costs as much as 10^10 ordinary steps. Ignoring such rows
 * loses what they say; this keeps each long row's entries with probability max_row / entries,
 * by a hash of (row, column) — deterministic, the same on every run and thread — so a long row
 * still links about max_row of its columns, at max_row² steps. Columns and rows see the same
 * kept pairs, so norms and sums stay consistent: the result is the exact cosine of the sampled
 * matrix.
 *
 * Ownership: reco_cosine_sample fills *out with arrays it allocates; reco_cosine_sample_free
 * releases them. in is only read. */
#ifndef RECO_COSINE_SAMPLE_H
#define RECO_COSINE_SAMPLE_H

#include <stddef.h>

#include "reco_models.h"

typedef struct {
    reco_cosine_input_t input; /* the sampled matrix: pass it to reco_model_cosine */
    size_t *col_ptr, *row_ptr; /* owned storage behind input */
    uint32_t *col_rows, *row_cols;
    double *col_weights, *row_weights;
    size_t rows_sampled; /* long rows sampled */
} reco_cosine_sampled_t;

/* Keeps every entry of rows with at most max_row entries and a sample of the longer rows'.
 * Returns 0, or -1 when out of memory (*out is then empty). */
int reco_cosine_sample(const reco_cosine_input_t *in, size_t max_row, reco_cosine_sampled_t *out);
/* True when some row of in has more than max_row entries (sampling would change something). */
int reco_cosine_has_long_rows(const reco_cosine_input_t *in, size_t max_row);
void reco_cosine_sample_free(reco_cosine_sampled_t *s);

#endif
