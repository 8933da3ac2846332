/* reco_ease — EASE item-item weights by a Cholesky inverse (see reco_ease.h).
 *
 * Layout: one n × n buffer g. The Gram matrix is accumulated into its lower triangle in
 * column-major terms (g[a * n + c] for a <= c is element (c, a)), which is what LAPACKE's
 * column-major 'L' routines read; dpotrf + dpotri leave P = G⁻¹ in the same triangle, and B
 * (row-major, not symmetric) is formed in place from it in one tiled pass: B_ij = −P_ij / P_jj
 * with the diagonal of P saved first.
 *
 * Item choice: an item's activity is the number of users with weight > 0 on it (not the sum of
 * weights, so one heavy user does not make an item "active"). */
#include "reco_ease.h"

#include "reco_parallel.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void reco_ease_options_default(reco_ease_options_t *opts)
{
    *opts = (reco_ease_options_t){.lambda = RECO_EASE_LAMBDA_DEFAULT,
                                  .max_items = RECO_EASE_MAX_ITEMS_DEFAULT,
                                  .top_k = RECO_EASE_TOP_K_DEFAULT,
                                  .threads = 1,
                                  .weighted = 0,
                                  .keep = RECO_EASE_KEEP_POSITIVE};
}

/* ---- item choice ------------------------------------------------------------------------ */

typedef struct {
    uint32_t item;
    size_t users;
} activity_t;

static int activity_compare(const void *pa, const void *pb)
{
    const activity_t *a = pa, *b = pb;
    if (a->users != b->users) return a->users > b->users ? -1 : 1;
    return a->item < b->item ? -1 : (a->item > b->item ? 1 : 0);
}

static int index_compare(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return a < b ? -1 : (a > b ? 1 : 0);
}

int reco_ease_select_items(const reco_matrix_t *m, size_t max_items, uint32_t **items, size_t *n)
{
    *items = NULL;
    *n = 0;
    if (m->n_items == 0) return 0;
    activity_t *act = malloc(m->n_items * sizeof *act);
    if (!act) return -1;
    size_t count = 0;
    for (size_t i = 0; i < m->n_items; i++) {
        size_t users = 0;
        for (size_t p = m->item_ptr[i]; p < m->item_ptr[i + 1]; p++)
            users += m->item_weights[p] > 0.0;
        if (users > 0) act[count++] = (activity_t){.item = (uint32_t)i, .users = users};
    }
    if (max_items > 0 && count > max_items) {
        qsort(act, count, sizeof *act, activity_compare);
        count = max_items;
    }
    uint32_t *chosen = count ? malloc(count * sizeof *chosen) : NULL;
    if (count && !chosen) {
        free(act);
        return -1;
    }
    for (size_t k = 0; k < count; k++)
        chosen[k] = act[k].item;
    free(act);
    qsort(chosen, count, sizeof *chosen, index_compare);
    *items = chosen;
    *n = count;
    return 0;
}

static int thread_count(const reco_ease_options_t *opts, size_t n)
{
    return reco_thread_count(opts->threads, n);
}

/* ---- G ------------------------------------------------------------------------------------ */

/* X restricted to the chosen items, by rows: user u's entries [ptr[u], ptr[u + 1]) hold dense
 * item indices (ascending, since matrix rows ascend and dense order follows matrix order) and
 * x_ui. Users with no chosen item are dropped. */
typedef struct {
    size_t n_rows, *ptr;
    uint32_t *at;
    double *x;
    double *g; /* the n × n output */
    size_t n;
} gram_t;

static void gram_clear(gram_t *gr)
{
    free(gr->ptr);
    free(gr->at);
    free(gr->x);
}

static int gram_rows(const reco_matrix_t *m, const uint32_t *items, size_t n, int weighted,
                     gram_t *gr)
{
    int32_t *dense = malloc((m->n_items ? m->n_items : 1) * sizeof *dense);
    gr->ptr = malloc((m->n_users + 1) * sizeof *gr->ptr);
    gr->at = malloc((m->nnz ? m->nnz : 1) * sizeof *gr->at);
    gr->x = malloc((m->nnz ? m->nnz : 1) * sizeof *gr->x);
    if (!dense || !gr->ptr || !gr->at || !gr->x) {
        free(dense);
        return -1;
    }
    for (size_t i = 0; i < m->n_items; i++)
        dense[i] = -1;
    for (size_t a = 0; a < n; a++)
        dense[items[a]] = (int32_t)a;
    size_t len = 0;
    gr->ptr[0] = 0;
    for (size_t u = 0; u < m->n_users; u++) {
        size_t before = len;
        for (size_t p = m->user_ptr[u]; p < m->user_ptr[u + 1]; p++) {
            int32_t a = dense[m->user_items[p]];
            double w = m->user_weights[p];
            if (a < 0 || !(w > 0.0)) continue;
            gr->at[len] = (uint32_t)a;
            gr->x[len++] = weighted ? w : 1.0;
        }
        if (len > before) gr->ptr[++gr->n_rows] = len;
    }
    free(dense);
    return 0;
}

/* Adds, for every row, x_p·x_q to column at[p] (row at[q]) for the pairs p <= q whose at[p] lies
 * in [first, last): each thread owns a range of columns of the lower triangle. */
static void gram_range(void *ctx, size_t first, size_t last)
{
    const gram_t *gr = ctx;
    for (size_t r = 0; r < gr->n_rows; r++) {
        const uint32_t *at = gr->at + gr->ptr[r];
        const double *x = gr->x + gr->ptr[r];
        size_t len = gr->ptr[r + 1] - gr->ptr[r];
        for (size_t p = 0; p < len; p++) {
            if (at[p] < first) continue;
            if (at[p] >= last) break;
            double *column = gr->g + (size_t)at[p] * gr->n;
            double xp = x[p];
            for (size_t q = p; q < len; q++)
                column[at[q]] += xp * x[q];
        }
    }
}

/* Accumulates XᵀX over the chosen items into the lower triangle (column-major) of g (zeroed). */
static int accumulate_gram(const reco_matrix_t *m, const uint32_t *items, size_t n,
                           const reco_ease_options_t *opts, double *g)
{
    gram_t gr = {.g = g, .n = n};
    int threads = thread_count(opts, n);
    double *work = calloc(n ? n : 1, sizeof *work);
    size_t bounds[RECO_PARALLEL_MAX + 1];
    if (!work || gram_rows(m, items, n, opts->weighted, &gr) != 0) {
        free(work);
        gram_clear(&gr);
        return -1;
    }
    for (size_t r = 0; r < gr.n_rows; r++) /* column at[p] costs len - p updates */
        for (size_t p = gr.ptr[r]; p < gr.ptr[r + 1]; p++)
            work[gr.at[p]] += (double)(gr.ptr[r + 1] - p);
    reco_split_by_work(work, n, threads, bounds);
    reco_run_ranges(threads, bounds, gram_range, &gr);
    free(work);
    gram_clear(&gr);
    return 0;
}

/* ---- P, B --------------------------------------------------------------------------------- */

/* P is in the lower triangle (element (r, c), r >= c, at g[c * n + r], column-major). Writes B
 * over the whole of g (row-major) in one pass over tiles, so that both elements a stored P_rc
 * feeds stay in cache: B_cr = −P_rc / P_rr at g[c * n + r], B_rc = −P_rc / P_cc at g[r * n + c]. */
static void form_b(double *g, size_t n, const double *diag)
{
    enum { TILE = 64 };
    for (size_t c0 = 0; c0 < n; c0 += TILE)
        for (size_t r0 = c0; r0 < n; r0 += TILE) {
            size_t c1 = c0 + TILE < n ? c0 + TILE : n, r1 = r0 + TILE < n ? r0 + TILE : n;
            for (size_t c = c0; c < c1; c++)
                for (size_t r = r0 > c + 1 ? r0 : c + 1; r < r1; r++) {
                    double p = g[c * n + r];
                    g[c * n + r] = -p / diag[r];
                    g[r * n + c] = -p / diag[c];
                }
        }
    for (size_t j = 0; j < n; j++)
        g[j * n + j] = 0.0;
}

int reco_ease_solve(double *g, size_t n, double lambda)
{
    if (n == 0) return 0;
    if (n > (size_t)INT32_MAX) return -1;
    for (size_t a = 0; a < n; a++)
        g[a * n + a] += lambda;
    lapack_int ln = (lapack_int)n;
    /* the _work variants skip LAPACKE's NaN scan of the input: a NaN makes dpotrf fail anyway,
     * and the diagonal check below catches anything else */
    if (LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', ln, g, ln) != 0) return -1;
    if (LAPACKE_dpotri_work(LAPACK_COL_MAJOR, 'L', ln, g, ln) != 0) return -1;
    double *diag = malloc(n * sizeof *diag);
    if (!diag) return -1;
    for (size_t j = 0; j < n; j++) {
        diag[j] = g[j * n + j];
        if (!(diag[j] > 0.0) || !isfinite(diag[j])) {
            free(diag);
            return -1;
        }
    }
    form_b(g, n, diag);
    free(diag);
    return 0;
}

void reco_ease_dense_clear(reco_ease_dense_t *d)
{
    if (!d) return;
    free(d->items);
    free(d->b);
    memset(d, 0, sizeof *d);
}

int reco_ease_dense(const reco_matrix_t *m, const reco_ease_options_t *opts, reco_ease_dense_t *out)
{
    memset(out, 0, sizeof *out);
    if (opts->threads > 0) openblas_set_num_threads(opts->threads);
    if (reco_ease_select_items(m, opts->max_items, &out->items, &out->n) != 0) return -1;
    if (out->n == 0) return 0;
    if (out->n > SIZE_MAX / sizeof(double) / out->n) {
        reco_ease_dense_clear(out);
        return -1;
    }
    out->b = calloc(out->n * out->n, sizeof *out->b);
    if (!out->b || accumulate_gram(m, out->items, out->n, opts, out->b) != 0 ||
        reco_ease_solve(out->b, out->n, opts->lambda) != 0) {
        reco_ease_dense_clear(out);
        return -1;
    }
    return 0;
}

/* ---- top-K per row ---------------------------------------------------------------------- */

/* true when a ranks strictly before b under keep: larger key, then smaller item. */
static int ranks_before(const reco_scored_t *a, const reco_scored_t *b, reco_ease_keep_t keep)
{
    double ka = keep == RECO_EASE_KEEP_MAGNITUDE ? fabs(a->score) : a->score;
    double kb = keep == RECO_EASE_KEEP_MAGNITUDE ? fabs(b->score) : b->score;
    if (ka != kb) return ka > kb;
    return a->item < b->item;
}

/* A min-heap of at most k entries (the worst kept at the root). */
typedef struct {
    reco_scored_t *v;
    size_t n, k;
    reco_ease_keep_t keep;
} heap_t;

static void heap_swap(reco_scored_t *a, reco_scored_t *b)
{
    reco_scored_t t = *a;
    *a = *b;
    *b = t;
}

static void heap_sift_down(heap_t *h, size_t at)
{
    for (;;) {
        size_t worst = at, l = 2 * at + 1, r = l + 1;
        if (l < h->n && ranks_before(&h->v[worst], &h->v[l], h->keep)) worst = l;
        if (r < h->n && ranks_before(&h->v[worst], &h->v[r], h->keep)) worst = r;
        if (worst == at) return;
        heap_swap(&h->v[at], &h->v[worst]);
        at = worst;
    }
}

static void heap_offer(heap_t *h, reco_scored_t e)
{
    if (h->n < h->k) {
        size_t at = h->n++;
        h->v[at] = e;
        while (at > 0 && ranks_before(&h->v[(at - 1) / 2], &h->v[at], h->keep)) {
            heap_swap(&h->v[(at - 1) / 2], &h->v[at]);
            at = (at - 1) / 2;
        }
    } else if (ranks_before(&e, &h->v[0], h->keep)) {
        h->v[0] = e;
        heap_sift_down(h, 0);
    }
}

/* Pops the heap into v[0..n) best first; returns n. */
static size_t heap_drain_sorted(heap_t *h)
{
    size_t n = h->n;
    while (h->n > 1) {
        heap_swap(&h->v[0], &h->v[--h->n]);
        heap_sift_down(h, 0);
    }
    h->n = 0;
    return n;
}

typedef struct {
    const reco_ease_dense_t *d;
    reco_ease_keep_t keep;
    size_t k;
    reco_scored_t *slots; /* row a's list at slots[a * k], counts[a] entries */
    size_t *counts;
    int failed;
} gather_t;

static double key_of(double score, reco_ease_keep_t keep)
{
    return keep == RECO_EASE_KEEP_MAGNITUDE ? fabs(score) : score;
}

/* Rows [first, last) of B into their slots. Candidates are offered in ascending item order, so
 * one whose key does not exceed the worst kept key can never displace it (fast path). */
static void gather_range(void *ctx, size_t first, size_t last)
{
    gather_t *ga = ctx;
    const reco_ease_dense_t *d = ga->d;
    heap_t h = {.v = malloc(ga->k * sizeof *h.v), .k = ga->k, .keep = ga->keep};
    if (!h.v) {
        ga->failed = 1;
        return;
    }
    for (size_t a = first; a < last; a++) {
        const double *row = d->b + a * d->n;
        for (size_t c = 0; c < d->n; c++) {
            double key = key_of(row[c], ga->keep);
            if (c == a || !(key > 0.0)) continue;
            if (h.n == h.k && key <= key_of(h.v[0].score, ga->keep)) continue;
            heap_offer(&h, (reco_scored_t){.item = d->items[c], .score = row[c]});
        }
        ga->counts[a] = heap_drain_sorted(&h);
        memcpy(ga->slots + a * ga->k, h.v, ga->counts[a] * sizeof *h.v);
    }
    free(h.v);
}

int reco_ease_rows(const reco_ease_dense_t *d, size_t n_items, const reco_ease_options_t *opts,
                   reco_neighbours_t *out)
{
    memset(out, 0, sizeof *out);
    size_t k = opts->top_k && opts->top_k < d->n ? opts->top_k : (d->n ? d->n : 1);
    if (d->n && k > SIZE_MAX / sizeof(reco_scored_t) / d->n) return -1;
    gather_t ga = {.d = d, .keep = opts->keep, .k = k};
    ga.slots = malloc((d->n ? d->n * k : 1) * sizeof *ga.slots);
    ga.counts = calloc(d->n ? d->n : 1, sizeof *ga.counts);
    out->n_items = n_items;
    out->ptr = calloc(n_items + 1, sizeof *out->ptr);
    int rc = -1;
    if (ga.slots && ga.counts && out->ptr) {
        int threads = thread_count(opts, d->n);
        size_t bounds[RECO_PARALLEL_MAX + 1];
        for (int t = 0; t <= threads; t++)
            bounds[t] = d->n * (size_t)t / (size_t)threads;
        reco_run_ranges(threads, bounds, gather_range, &ga);
        size_t total = 0;
        for (size_t a = 0; a < d->n; a++)
            total += ga.counts[a];
        out->entries = malloc((total ? total : 1) * sizeof *out->entries);
        rc = ga.failed || !out->entries ? -1 : 0;
    }
    size_t at = 0, next = 0; /* next: the next modelled item, in d->items order */
    for (size_t i = 0; rc == 0 && i < n_items; i++) {
        out->ptr[i] = at;
        if (next >= d->n || d->items[next] != i) continue;
        memcpy(out->entries + at, ga.slots + next * k, ga.counts[next] * sizeof *out->entries);
        at += ga.counts[next];
        out->n_lists += ga.counts[next] > 0;
        next++;
    }
    if (rc == 0) {
        out->ptr[n_items] = at;
        out->n_pairs = at;
    }
    free(ga.slots);
    free(ga.counts);
    if (rc != 0) reco_neighbours_clear(out);
    return rc;
}

int reco_ease(const reco_matrix_t *m, const reco_ease_options_t *opts, reco_neighbours_t *out)
{
    memset(out, 0, sizeof *out);
    reco_ease_dense_t d;
    if (reco_ease_dense(m, opts, &d) != 0) return -1;
    int rc = reco_ease_rows(&d, m->n_items, opts, out);
    reco_ease_dense_clear(&d);
    if (rc != 0) reco_neighbours_clear(out);
    return rc;
}
