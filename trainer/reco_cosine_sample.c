/* reco_cosine_sample — sampling the long rows of a cosine's matrix (see the header). */
#include "reco_cosine_sample.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* splitmix64's finaliser: a well-mixed 64-bit hash of (row, column). */
static uint64_t pair_hash(uint32_t row, uint32_t col)
{
    uint64_t z = ((uint64_t)row << 32 | col) + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The hash threshold below which row r's pairs are kept; UINT64_MAX keeps all. */
static uint64_t row_threshold(const reco_cosine_input_t *in, uint32_t r, size_t max_row)
{
    size_t n = in->row_ptr[r + 1] - in->row_ptr[r];
    if (n <= max_row) return UINT64_MAX;
    return (uint64_t)((double)max_row / (double)n * 18446744073709551615.0);
}

static int kept(const uint64_t *threshold, uint32_t r, uint32_t c)
{
    return threshold[r] == UINT64_MAX || pair_hash(r, c) < threshold[r];
}

int reco_cosine_has_long_rows(const reco_cosine_input_t *in, size_t max_row)
{
    for (size_t r = 0; r < in->n_rows; r++)
        if (in->row_ptr[r + 1] - in->row_ptr[r] > max_row) return 1;
    return 0;
}

/* One side of the CSR (outer = columns or rows), keeping the pairs kept() accepts;
 * outer_is_col: the outer index is the column, so the pair is (inner, outer). */
static int filter_side(size_t n_outer, const size_t *ptr, const uint32_t *idx, const double *w,
                       const uint64_t *threshold, int outer_is_col, size_t **out_ptr,
                       uint32_t **out_idx, double **out_w)
{
    size_t total = 0;
    for (size_t o = 0; o < n_outer; o++)
        for (size_t p = ptr[o]; p < ptr[o + 1]; p++)
            total += outer_is_col ? kept(threshold, idx[p], (uint32_t)o)
                                  : kept(threshold, (uint32_t)o, idx[p]);
    *out_ptr = malloc((n_outer + 1) * sizeof **out_ptr);
    *out_idx = malloc((total ? total : 1) * sizeof **out_idx);
    *out_w = malloc((total ? total : 1) * sizeof **out_w);
    if (!*out_ptr || !*out_idx || !*out_w) return -1;
    size_t at = 0;
    (*out_ptr)[0] = 0;
    for (size_t o = 0; o < n_outer; o++) {
        for (size_t p = ptr[o]; p < ptr[o + 1]; p++) {
            int keep = outer_is_col ? kept(threshold, idx[p], (uint32_t)o)
                                    : kept(threshold, (uint32_t)o, idx[p]);
            if (!keep) continue;
            (*out_idx)[at] = idx[p];
            (*out_w)[at++] = w[p];
        }
        (*out_ptr)[o + 1] = at;
    }
    return 0;
}

int reco_cosine_sample(const reco_cosine_input_t *in, size_t max_row, reco_cosine_sampled_t *out)
{
    memset(out, 0, sizeof *out);
    uint64_t *threshold = malloc((in->n_rows ? in->n_rows : 1) * sizeof *threshold);
    if (!threshold) return -1;
    for (size_t r = 0; r < in->n_rows; r++) {
        threshold[r] = row_threshold(in, (uint32_t)r, max_row);
        out->rows_sampled += threshold[r] != UINT64_MAX;
    }
    int rc = filter_side(in->n_cols, in->col_ptr, in->col_rows, in->col_weights, threshold, 1,
                         &out->col_ptr, &out->col_rows, &out->col_weights);
    if (rc == 0)
        rc = filter_side(in->n_rows, in->row_ptr, in->row_cols, in->row_weights, threshold, 0,
                         &out->row_ptr, &out->row_cols, &out->row_weights);
    free(threshold);
    if (rc != 0) {
        reco_cosine_sample_free(out);
        return -1;
    }
    out->input = (reco_cosine_input_t){.n_cols = in->n_cols,
                                       .n_rows = in->n_rows,
                                       .col_ptr = out->col_ptr,
                                       .col_rows = out->col_rows,
                                       .col_weights = out->col_weights,
                                       .row_ptr = out->row_ptr,
                                       .row_cols = out->row_cols,
                                       .row_weights = out->row_weights};
    return 0;
}

void reco_cosine_sample_free(reco_cosine_sampled_t *s)
{
    if (!s) return;
    free(s->col_ptr);
    free(s->row_ptr);
    free(s->col_rows);
    free(s->row_cols);
    free(s->col_weights);
    free(s->row_weights);
    memset(s, 0, sizeof *s);
}
