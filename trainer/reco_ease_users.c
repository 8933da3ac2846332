/* reco_ease_users — per-user EASE lists (see reco_ease_users.h).
 *
 * Users are cut into ranges of about equal work, one per thread. Each thread has a dense
 * accumulator over the n modelled items, an epoch array marking the user's own items, a heap of
 * top_n, and its own growing output (users in order); the outputs are concatenated at the end,
 * which keeps user order since ranges are contiguous. The calling thread (range 0) runs the
 * tick; the others watch the shared cancelled flag. */
#include "reco_ease_users.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reco_parallel.h"

typedef struct {
    const reco_matrix_t *m;
    const reco_ease_dense_t *d;
    const reco_neighbours_t *rows;      /* NULL: dense rows */
    const reco_ease_users_options_t *o; /* = &o_eff */
    reco_ease_users_options_t o_eff;    /* the caller's, min_items raised for max_lists */
    const int32_t *dense_of;            /* matrix item -> dense index or -1 */
    size_t *counts;                     /* per user */
    reco_scored_t *out[RECO_PARALLEL_MAX];
    size_t out_n[RECO_PARALLEL_MAX], out_cap[RECO_PARALLEL_MAX];
    size_t bounds[RECO_PARALLEL_MAX + 1];
    int claimed[RECO_PARALLEL_MAX]; /* a range's slot is taken (ranges may repeat when empty) */
    volatile int cancelled, failed;
} job_t;

typedef struct {
    double *acc;
    uint32_t *mine; /* epoch per dense index: == now when the user has the item */
    uint32_t now;
    reco_scored_t *heap;
    size_t n_heap;
} scratch_t;

static void heap_sift_down(reco_scored_t *h, size_t n, size_t at)
{
    for (;;) { /* the root is the worst kept: smallest score, then largest item */
        size_t worst = at, l = 2 * at + 1, r = l + 1;
        if (l < n && reco_scored_before(&h[worst], &h[l])) worst = l;
        if (r < n && reco_scored_before(&h[worst], &h[r])) worst = r;
        if (worst == at) return;
        reco_scored_t t = h[at];
        h[at] = h[worst];
        h[worst] = t;
        at = worst;
    }
}

static void heap_offer(scratch_t *s, size_t k, reco_scored_t e)
{
    reco_scored_t *h = s->heap;
    if (s->n_heap < k) {
        size_t at = s->n_heap++;
        h[at] = e;
        while (at > 0 && reco_scored_before(&h[(at - 1) / 2], &h[at])) {
            reco_scored_t t = h[at];
            h[at] = h[(at - 1) / 2];
            h[(at - 1) / 2] = t;
            at = (at - 1) / 2;
        }
    } else if (reco_scored_before(&e, &h[0])) {
        h[0] = e;
        heap_sift_down(h, s->n_heap, 0);
    }
}

/* Adds x · (row a of B) to acc: the dense row, or the published list of matrix item `item`. */
static void add_row(const job_t *j, scratch_t *s, size_t a, uint32_t item, double x)
{
    size_t n = j->d->n;
    if (!j->rows) {
        const double *row = j->d->b + a * n;
        for (size_t c = 0; c < n; c++)
            s->acc[c] += x * row[c];
        return;
    }
    const reco_neighbours_t *r = j->rows;
    for (size_t e = r->ptr[item]; e < r->ptr[item + 1]; e++) {
        int32_t c = j->dense_of[r->entries[e].item];
        if (c >= 0) s->acc[c] += x * r->entries[e].score;
    }
}

/* Scores user u into s->heap (sorted best first); returns the count. */
static size_t score_user(const job_t *j, scratch_t *s, size_t u)
{
    const reco_matrix_t *m = j->m;
    size_t n = j->d->n, modelled = 0;
    if (++s->now == 0) { /* wrapped: forget every mark */
        memset(s->mine, 0, n * sizeof *s->mine);
        s->now = 1;
    }
    for (size_t p = m->user_ptr[u]; p < m->user_ptr[u + 1]; p++) {
        int32_t a = j->dense_of[m->user_items[p]];
        if (a < 0) continue;
        s->mine[a] = s->now;
        modelled += m->user_weights[p] > 0.0;
    }
    if (modelled == 0 || modelled < j->o->min_items) return 0;
    memset(s->acc, 0, n * sizeof *s->acc);
    for (size_t p = m->user_ptr[u]; p < m->user_ptr[u + 1]; p++) {
        int32_t a = j->dense_of[m->user_items[p]];
        double w = m->user_weights[p];
        if (a >= 0 && w > 0.0) add_row(j, s, (size_t)a, m->user_items[p], j->o->weighted ? w : 1.0);
    }
    s->n_heap = 0;
    for (size_t c = 0; c < n; c++)
        if (s->mine[c] != s->now && s->acc[c] > 0.0)
            heap_offer(s, j->o->top_n, (reco_scored_t){.item = j->d->items[c], .score = s->acc[c]});
    reco_scored_sort(s->heap, s->n_heap);
    return s->n_heap;
}

static int append(job_t *j, int t, const reco_scored_t *e, size_t n)
{
    if (j->out_n[t] + n > j->out_cap[t]) {
        size_t cap = j->out_cap[t] ? j->out_cap[t] * 2 : 4096;
        while (cap < j->out_n[t] + n)
            cap *= 2;
        reco_scored_t *grown = realloc(j->out[t], cap * sizeof *grown);
        if (!grown) return -1;
        j->out[t] = grown;
        j->out_cap[t] = cap;
    }
    memcpy(j->out[t] + j->out_n[t], e, n * sizeof *e);
    j->out_n[t] += n;
    return 0;
}

static void users_range(void *ctx, size_t first, size_t last)
{
    job_t *j = ctx;
    int t = 0; /* this range's slot: the first unclaimed one with these bounds */
    while (t < RECO_PARALLEL_MAX - 1 && (j->bounds[t] != first || j->bounds[t + 1] != last ||
                                         __atomic_exchange_n(&j->claimed[t], 1, __ATOMIC_ACQ_REL)))
        t++;
    size_t n = j->d->n;
    scratch_t s = {.acc = malloc(n * sizeof *s.acc),
                   .mine = calloc(n, sizeof *s.mine),
                   .heap = malloc(j->o->top_n * sizeof *s.heap)};
    reco_ticker_t ticker;
    reco_ticker_init(&ticker, j->o->tick, j->o->tick_ctx, 1000);
    if (!s.acc || !s.mine || !s.heap) j->failed = 1;
    for (size_t u = first; u < last && !j->failed && !j->cancelled; u++) {
        if (t == 0 && reco_ticker_check(&ticker)) j->cancelled = 1;
        j->counts[u] = score_user(j, &s, u);
        if (j->counts[u] && append(j, t, s.heap, j->counts[u]) != 0) j->failed = 1;
    }
    free(s.acc);
    free(s.mine);
    free(s.heap);
}

/* Splits the users by work (modelled items of each × the cost of one row). */
static int split_users(job_t *j, int threads)
{
    const reco_matrix_t *m = j->m;
    double *work = malloc((m->n_users ? m->n_users : 1) * sizeof *work);
    if (!work) return -1;
    for (size_t u = 0; u < m->n_users; u++)
        work[u] = 1.0 + (double)(m->user_ptr[u + 1] - m->user_ptr[u]);
    reco_split_by_work(work, m->n_users, threads, j->bounds);
    free(work);
    return 0;
}

/* Concatenates the threads' outputs into out (freeing each as it goes). */
static int gather(job_t *j, int threads, reco_neighbours_t *out)
{
    size_t total = 0;
    for (int t = 0; t < threads; t++)
        total += j->out_n[t];
    out->n_items = j->m->n_users;
    out->ptr = malloc((out->n_items + 1) * sizeof *out->ptr);
    out->entries = malloc((total ? total : 1) * sizeof *out->entries);
    if (!out->ptr || !out->entries) return -1;
    size_t at = 0;
    for (size_t u = 0; u < out->n_items; u++) {
        out->ptr[u] = at;
        at += j->counts[u];
        out->n_lists += j->counts[u] > 0;
    }
    out->ptr[out->n_items] = at;
    out->n_pairs = at;
    at = 0;
    for (int t = 0; t < threads; t++) {
        if (j->out_n[t]) memcpy(out->entries + at, j->out[t], j->out_n[t] * sizeof *out->entries);
        at += j->out_n[t];
        free(j->out[t]);
        j->out[t] = NULL;
    }
    return 0;
}

/* The smallest count t >= min_items such that at most max_lists users have >= t modelled
 * items (counted as in score_user: entries of weight > 0 on modelled items). */
static size_t effective_min_items(const reco_matrix_t *m, const int32_t *dense_of, size_t n,
                                  const reco_ease_users_options_t *o)
{
    size_t t = o->min_items;
    if (o->max_lists == 0 || m->n_users <= o->max_lists) return t;
    size_t *hist = calloc(n + 2, sizeof *hist); /* hist[c]: users with c modelled items */
    if (!hist) return t;
    for (size_t u = 0; u < m->n_users; u++) {
        size_t c = 0;
        for (size_t p = m->user_ptr[u]; p < m->user_ptr[u + 1]; p++)
            c += dense_of[m->user_items[p]] >= 0 && m->user_weights[p] > 0.0;
        hist[c]++;
    }
    size_t at_least = 0, need = n + 1; /* users with >= c, from the top down */
    for (size_t c = n + 1; c-- > 1;) {
        at_least += hist[c];
        if (at_least > o->max_lists) break;
        need = c;
    }
    free(hist);
    return need > t ? need : t;
}

int reco_ease_user_lists(const reco_matrix_t *m, const reco_ease_dense_t *d,
                         const reco_neighbours_t *rows, const reco_ease_users_options_t *opts,
                         reco_neighbours_t *out, int *used_dense)
{
    memset(out, 0, sizeof *out);
    double cost = 0.0;
    for (size_t u = 0; u < m->n_users; u++)
        cost += (double)(m->user_ptr[u + 1] - m->user_ptr[u]);
    cost *= (double)d->n;
    int dense = !rows || cost <= opts->dense_budget;
    if (used_dense) *used_dense = dense;
    job_t *j = calloc(1, sizeof *j);
    int32_t *dense_of = malloc((m->n_items ? m->n_items : 1) * sizeof *dense_of);
    size_t *counts = calloc(m->n_users ? m->n_users : 1, sizeof *counts);
    int threads = reco_thread_count(opts->threads, m->n_users);
    int rc = j && dense_of && counts && opts->top_n > 0 ? 0 : -1;
    if (rc == 0 && opts->tick && opts->tick(opts->tick_ctx) != 0) rc = -1; /* cancelled already */
    if (rc == 0) {
        for (size_t i = 0; i < m->n_items; i++)
            dense_of[i] = -1;
        for (size_t a = 0; a < d->n; a++)
            dense_of[d->items[a]] = (int32_t)a;
        j->o_eff = *opts;
        j->o_eff.min_items = effective_min_items(m, dense_of, d->n, opts);
        j->m = m;
        j->d = d;
        j->rows = dense ? NULL : rows;
        j->o = &j->o_eff;
        j->dense_of = dense_of;
        j->counts = counts;
        rc = split_users(j, threads);
    }
    if (rc == 0 && d->n > 0) {
        reco_run_ranges(threads, j->bounds, users_range, j);
        rc = j->failed || j->cancelled ? -1 : 0;
    }
    if (rc == 0) rc = gather(j, threads, out);
    for (int t = 0; j && t < threads; t++)
        free(j->out[t]);
    free(j);
    free(dense_of);
    free(counts);
    if (rc != 0) reco_neighbours_clear(out);
    return rc;
}
