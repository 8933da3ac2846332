/* reco_models — popularity and cosine similarity between columns (see reco_models.h).
 *
 * Cosine threading: the columns (items for item-to-item) are cut into contiguous ranges of about
 * equal estimated work (the work for column i is Σ_{r ∈ i} |columns of r|), one range per thread.
 * Each worker owns its accumulator, its top-K heap and its output buffer, and writes counts[i]
 * only for its own columns, so workers share nothing writable. Because ranges are contiguous and
 * ascending, concatenating the workers' buffers in range order yields the final layout.
 *
 * Determinism: for a given column the accumulator sums over the column's rows in ascending row
 * order, so sim(i, j) and sim(j, i) are the same double, and no result depends on scheduling. */
#include "reco_models.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* true when a ranks strictly before b: higher score, or equal score and smaller item. */
static int ranks_before(const reco_scored_t *a, const reco_scored_t *b)
{
    if (a->score != b->score) return a->score > b->score;
    return a->item < b->item;
}

int reco_scored_before(const reco_scored_t *a, const reco_scored_t *b)
{
    return ranks_before(a, b);
}

static int scored_compare(const void *pa, const void *pb)
{
    const reco_scored_t *a = pa, *b = pb;
    if (ranks_before(a, b)) return -1;
    return ranks_before(b, a) ? 1 : 0;
}

void reco_scored_sort(reco_scored_t *e, size_t n)
{
    if (n > 1) qsort(e, n, sizeof *e, scored_compare);
}

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void reco_ticker_init(reco_ticker_t *t, reco_tick_fn tick, void *ctx, int interval_ms)
{
    *t = (reco_ticker_t){
        .tick = tick, .ctx = ctx, .interval_ms = interval_ms > 0 ? interval_ms : 1000};
    t->next_ms = monotonic_ms() + t->interval_ms;
}

int reco_ticker_check(reco_ticker_t *t)
{
    if (t->cancelled) return 1;
    if (!t->tick || (++t->calls & 1023) != 0) return 0;
    int64_t now = monotonic_ms();
    if (now < t->next_ms) return 0;
    t->next_ms = now + t->interval_ms;
    if (t->tick(t->ctx) != 0) t->cancelled = 1;
    return t->cancelled;
}

int reco_model_popular(const reco_matrix_t *m, reco_scored_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (m->n_items == 0) return 0;
    reco_scored_t *list = malloc(m->n_items * sizeof *list);
    if (!list) return -1;
    size_t count = 0;
    for (size_t i = 0; i < m->n_items; i++) {
        double score = 0.0;
        for (size_t p = m->item_ptr[i]; p < m->item_ptr[i + 1]; p++)
            score += m->item_weights[p];
        if (score > 0.0) list[count++] = (reco_scored_t){.item = (uint32_t)i, .score = score};
    }
    if (count == 0) {
        free(list);
        return 0;
    }
    qsort(list, count, sizeof *list, scored_compare);
    *out = list;
    *n = count;
    return 0;
}

/* ---- cosine top-K between columns (item-to-item, user-to-user, content) ------------------- */

/* One column's accumulator entry, its three fields side by side: the inner loop touches columns
 * in no particular order, and one cache line per touch instead of three is most of its speed. */
typedef struct {
    double acc;      /* Σ w_ri·w_rj for the current column i */
    uint32_t stamp;  /* == i + 1 when acc holds a sum for column i */
    uint32_t common; /* with shrinkage: rows with a non-zero weight on both */
} slot_t;

typedef struct {
    const reco_cosine_input_t *in;
    const double *norms;
    size_t top_k;
    double shrinkage;
    size_t max_row;      /* rows with more entries are ignored; SIZE_MAX: none */
    size_t first, last;  /* columns [first, last) */
    uint32_t *counts;    /* shared, n_cols; this worker writes [first, last) only */
    atomic_int *cancel;  /* shared */
    slot_t *slot;        /* n_cols: the accumulator with shrinkage (count_common) */
    double *acc;         /* n_cols: the accumulator without: 0.0 = untouched (see accumulate) */
    int count_common;    /* shrinkage > 0: slot.common is kept */
    uint32_t *touched;   /* n_cols */
    reco_scored_t *heap; /* top_k: a min-heap, the worst kept entry at the root */
    reco_scored_t *out;  /* this worker's neighbour lists, in column order */
    size_t n_out, cap_out;
    int failed;
} worker_t;

static void heap_sift_down(reco_scored_t *h, size_t n, size_t at)
{
    for (;;) {
        size_t worst = at, l = 2 * at + 1, r = l + 1;
        if (l < n && ranks_before(&h[worst], &h[l])) worst = l;
        if (r < n && ranks_before(&h[worst], &h[r])) worst = r;
        if (worst == at) return;
        reco_scored_t t = h[at];
        h[at] = h[worst];
        h[worst] = t;
        at = worst;
    }
}

static void heap_offer(reco_scored_t *h, size_t *n, size_t k, reco_scored_t e)
{
    if (*n < k) {
        size_t at = (*n)++;
        h[at] = e;
        while (at > 0) { /* sift up: a worse entry moves towards the root */
            size_t parent = (at - 1) / 2;
            if (!ranks_before(&h[parent], &h[at])) break;
            reco_scored_t t = h[at];
            h[at] = h[parent];
            h[parent] = t;
            at = parent;
        }
    } else if (ranks_before(&e, &h[0])) {
        h[0] = e;
        heap_sift_down(h, *n, 0);
    }
}

/* Without shrinkage the accumulator is a bare double per column, half a slot: its random
 * accesses (one per step, Σ over rows of their entries²) are what similar-customers costs, and
 * a smaller array misses the cache less. 0.0 means untouched: a zero product is skipped, and
 * a sum that returns to exactly 0.0 (negative weights) only lists j twice in touched, which
 * neighbours_of tolerates (it reads and clears acc[j] at the first). Sums run in the same order
 * as accumulate's, so both paths give the same doubles. Returns the touched count. */
static size_t accumulate_plain(worker_t *w, size_t i)
{
    const reco_cosine_input_t *in = w->in;
    double *acc = w->acc;
    size_t n_touched = 0;
    for (size_t p = in->col_ptr[i]; p < in->col_ptr[i + 1]; p++) {
        uint32_t r = in->col_rows[p];
        double wri = in->col_weights[p];
        size_t q = in->row_ptr[r], end = in->row_ptr[r + 1];
        if (wri == 0.0 || end - q > w->max_row) continue;
        for (; q < end; q++) {
            uint32_t j = in->row_cols[q];
            double product = wri * in->row_weights[q];
            if (j == i || product == 0.0) continue;
            if (acc[j] == 0.0) w->touched[n_touched++] = j;
            acc[j] += product;
        }
    }
    return n_touched;
}

/* Accumulates Σ_r w_ri·w_rj for every column j ≠ i sharing a row with i (and, with shrinkage,
 * the number of rows where both weights are non-zero); returns the touched count. */
static size_t accumulate(worker_t *w, size_t i)
{
    const reco_cosine_input_t *in = w->in;
    uint32_t mark = (uint32_t)i + 1;
    size_t n_touched = 0;
    for (size_t p = in->col_ptr[i]; p < in->col_ptr[i + 1]; p++) {
        uint32_t r = in->col_rows[p];
        double wri = in->col_weights[p];
        if (wri == 0.0 || in->row_ptr[r + 1] - in->row_ptr[r] > w->max_row) continue;
        for (size_t q = in->row_ptr[r]; q < in->row_ptr[r + 1]; q++) {
            uint32_t j = in->row_cols[q];
            if (j == i) continue;
            slot_t *sl = &w->slot[j];
            if (sl->stamp != mark) {
                sl->stamp = mark;
                sl->acc = 0.0;
                sl->common = 0;
                w->touched[n_touched++] = j;
            }
            sl->acc += wri * in->row_weights[q];
            sl->common += in->row_weights[q] != 0.0;
        }
    }
    return n_touched;
}

static int out_reserve(worker_t *w, size_t more)
{
    if (w->n_out + more <= w->cap_out) return 0;
    size_t cap = w->cap_out ? w->cap_out : 1024;
    while (cap < w->n_out + more)
        cap *= 2;
    reco_scored_t *grown = realloc(w->out, cap * sizeof *grown);
    if (!grown) return -1;
    w->out = grown;
    w->cap_out = cap;
    return 0;
}

/* Computes column i's neighbour list and appends it to w->out. */
static int neighbours_of(worker_t *w, size_t i)
{
    w->counts[i] = 0;
    double ni = w->norms[i];
    if (ni == 0.0) return 0;
    size_t n_touched = w->count_common ? accumulate(w, i) : accumulate_plain(w, i), n_heap = 0;
    for (size_t t = 0; t < n_touched; t++) {
        uint32_t j = w->touched[t];
        double sum;
        if (w->count_common) {
            sum = w->slot[j].acc;
        } else {
            sum = w->acc[j];
            w->acc[j] = 0.0;
        }
        if (w->norms[j] == 0.0 || sum == 0.0) continue;
        double sim = sum / (ni * w->norms[j]);
        if (w->count_common)
            sim *= (double)w->slot[j].common / ((double)w->slot[j].common + w->shrinkage);
        if (sim > 0.0)
            heap_offer(w->heap, &n_heap, w->top_k, (reco_scored_t){.item = j, .score = sim});
    }
    if (n_heap == 0) return 0;
    if (out_reserve(w, n_heap) != 0) return -1;
    qsort(w->heap, n_heap, sizeof *w->heap, scored_compare);
    memcpy(w->out + w->n_out, w->heap, n_heap * sizeof *w->heap);
    w->n_out += n_heap;
    w->counts[i] = (uint32_t)n_heap;
    return 0;
}

static void *worker_run(void *arg)
{
    worker_t *w = arg;
    for (size_t i = w->first; i < w->last; i++) {
        if ((i & 255) == 0 && atomic_load(w->cancel)) return NULL;
        if (neighbours_of(w, i) != 0) {
            w->failed = 1;
            atomic_store(w->cancel, 1);
            return NULL;
        }
    }
    return NULL;
}

static int row_ignored(const reco_cosine_input_t *in, uint32_t r, size_t max_row)
{
    return in->row_ptr[r + 1] - in->row_ptr[r] > max_row;
}

static double *column_norms(const reco_cosine_input_t *in, size_t max_row)
{
    double *norms = malloc((in->n_cols ? in->n_cols : 1) * sizeof *norms);
    if (!norms) return NULL;
    for (size_t i = 0; i < in->n_cols; i++) {
        double s = 0.0;
        for (size_t p = in->col_ptr[i]; p < in->col_ptr[i + 1]; p++)
            if (!row_ignored(in, in->col_rows[p], max_row))
                s += in->col_weights[p] * in->col_weights[p];
        norms[i] = sqrt(s);
    }
    return norms;
}

/* The estimated cost of column i's list: one step per (row of i, column of that row) pair. */
static double column_work(const reco_cosine_input_t *in, size_t i, size_t max_row)
{
    double work = 1.0;
    for (size_t p = in->col_ptr[i]; p < in->col_ptr[i + 1]; p++) {
        uint32_t r = in->col_rows[p];
        if (!row_ignored(in, r, max_row))
            work += 1.0 + (double)(in->row_ptr[r + 1] - in->row_ptr[r]);
    }
    return work;
}

/* Cuts [0, n_cols) into `threads` contiguous ranges of about equal work; bounds[t]..bounds[t+1].
 */
static void split_work(const reco_cosine_input_t *in, int threads, size_t max_row, size_t *bounds)
{
    double total = 0.0, done = 0.0;
    for (size_t i = 0; i < in->n_cols; i++)
        total += column_work(in, i, max_row);
    bounds[0] = 0;
    size_t i = 0;
    for (int t = 1; t < threads; t++) {
        double target = total * t / threads;
        while (i < in->n_cols && done < target)
            done += column_work(in, i++, max_row);
        bounds[t] = i;
    }
    bounds[threads] = in->n_cols;
}

static int worker_init(worker_t *w, size_t n_cols, size_t top_k)
{
    size_t n = n_cols ? n_cols : 1;
    w->count_common = w->shrinkage > 0.0;
    if (w->count_common)
        w->slot = calloc(n, sizeof *w->slot);
    else
        w->acc = calloc(n, sizeof *w->acc);
    w->touched = malloc(n * sizeof *w->touched);
    w->heap = malloc(top_k * sizeof *w->heap);
    return (w->slot || w->acc) && w->touched && w->heap ? 0 : -1;
}

static void worker_free_scratch(worker_t *w)
{
    free(w->slot);
    free(w->acc);
    free(w->touched);
    free(w->heap);
    w->slot = NULL;
    w->acc = NULL;
    w->touched = NULL;
    w->heap = NULL;
}

/* Joins thread, calling tick about every interval while it runs; a non-zero tick cancels. */
static void join_ticking(pthread_t thread, const reco_item_to_item_options_t *opts,
                         atomic_int *cancel)
{
    int interval = opts->tick_interval_ms > 0 ? opts->tick_interval_ms : 1000;
    for (;;) {
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += interval / 1000;
        deadline.tv_nsec += (long)(interval % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
        if (pthread_timedjoin_np(thread, NULL, &deadline) != ETIMEDOUT) return;
        if (opts->tick && opts->tick(opts->tick_ctx) != 0) atomic_store(cancel, 1);
    }
}

/* Concatenates the workers' buffers into out. */
static int gather(size_t n_cols, worker_t *workers, int threads, const uint32_t *counts,
                  reco_neighbours_t *out)
{
    out->n_items = n_cols;
    out->ptr = malloc((n_cols + 1) * sizeof *out->ptr);
    size_t total = 0;
    for (int t = 0; t < threads; t++)
        total += workers[t].n_out;
    out->entries = malloc((total ? total : 1) * sizeof *out->entries);
    if (!out->ptr || !out->entries) return -1;
    out->ptr[0] = 0;
    for (size_t i = 0; i < n_cols; i++) {
        out->ptr[i + 1] = out->ptr[i] + counts[i];
        out->n_lists += counts[i] > 0;
    }
    size_t at = 0;
    for (int t = 0; t < threads; t++) {
        if (workers[t].n_out)
            memcpy(out->entries + at, workers[t].out, workers[t].n_out * sizeof *out->entries);
        at += workers[t].n_out;
    }
    out->n_pairs = total;
    return 0;
}

/* Starts the workers, waits for them (ticking), and gathers their lists. */
static int run_workers(const reco_cosine_input_t *in, const reco_item_to_item_options_t *opts,
                       int threads, worker_t *workers, pthread_t *ids, reco_neighbours_t *out)
{
    size_t top_k = opts->top_k ? opts->top_k : 1;
    size_t max_row = opts->max_row_entries ? opts->max_row_entries : SIZE_MAX;
    atomic_int cancel = 0;
    double *norms = column_norms(in, max_row);
    uint32_t *counts = calloc(in->n_cols ? in->n_cols : 1, sizeof *counts);
    size_t *bounds = malloc(((size_t)threads + 1) * sizeof *bounds);
    int started = 0, failed = !norms || !counts || !bounds;
    if (!failed) split_work(in, threads, max_row, bounds);
    for (int t = 0; !failed && t < threads; t++) {
        worker_t *w = &workers[t];
        *w = (worker_t){.in = in,
                        .norms = norms,
                        .top_k = top_k,
                        .shrinkage = opts->shrinkage > 0.0 ? opts->shrinkage : 0.0,
                        .max_row = max_row,
                        .first = bounds[t],
                        .last = bounds[t + 1],
                        .counts = counts,
                        .cancel = &cancel};
        failed = worker_init(w, in->n_cols, top_k) != 0 ||
                 pthread_create(&ids[t], NULL, worker_run, w) != 0;
        if (!failed) started++;
    }
    if (failed) atomic_store(&cancel, 1);
    for (int t = 0; t < started; t++)
        join_ticking(ids[t], opts, &cancel);
    for (int t = 0; t < threads; t++) {
        failed |= workers[t].failed;
        worker_free_scratch(&workers[t]);
    }
    failed |= atomic_load(&cancel);
    if (!failed && gather(in->n_cols, workers, threads, counts, out) != 0) failed = 1;
    free(bounds);
    free(counts);
    free(norms);
    return failed ? -1 : 0;
}

int reco_model_cosine(const reco_cosine_input_t *in, const reco_item_to_item_options_t *opts,
                      reco_neighbours_t *out)
{
    memset(out, 0, sizeof *out);
    int threads = opts->threads < 1 ? 1 : opts->threads;
    if ((size_t)threads > in->n_cols) threads = in->n_cols ? (int)in->n_cols : 1;
    worker_t *workers = calloc((size_t)threads, sizeof *workers);
    pthread_t *ids = calloc((size_t)threads, sizeof *ids);
    int rc = workers && ids ? run_workers(in, opts, threads, workers, ids, out) : -1;
    for (int t = 0; workers && t < threads; t++)
        free(workers[t].out);
    free(workers);
    free(ids);
    if (rc != 0) reco_neighbours_clear(out);
    return rc;
}

reco_cosine_input_t reco_cosine_items(const reco_matrix_t *m)
{
    return (reco_cosine_input_t){.n_cols = m->n_items,
                                 .n_rows = m->n_users,
                                 .col_ptr = m->item_ptr,
                                 .col_rows = m->item_users,
                                 .col_weights = m->item_weights,
                                 .row_ptr = m->user_ptr,
                                 .row_cols = m->user_items,
                                 .row_weights = m->user_weights};
}

reco_cosine_input_t reco_cosine_users(const reco_matrix_t *m)
{
    return (reco_cosine_input_t){.n_cols = m->n_users,
                                 .n_rows = m->n_items,
                                 .col_ptr = m->user_ptr,
                                 .col_rows = m->user_items,
                                 .col_weights = m->user_weights,
                                 .row_ptr = m->item_ptr,
                                 .row_cols = m->item_users,
                                 .row_weights = m->item_weights};
}

int reco_model_item_to_item(const reco_matrix_t *m, const reco_item_to_item_options_t *opts,
                            reco_neighbours_t *out)
{
    reco_cosine_input_t in = reco_cosine_items(m);
    return reco_model_cosine(&in, opts, out);
}

void reco_neighbours_clear(reco_neighbours_t *nb)
{
    if (!nb) return;
    free(nb->ptr);
    free(nb->entries);
    memset(nb, 0, sizeof *nb);
}
