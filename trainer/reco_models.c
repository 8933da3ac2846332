/* reco_models — popularity and item-to-item cosine similarity (see reco_models.h).
 *
 * Item-to-item threading: the items are cut into contiguous ranges of about equal estimated work
 * (the work for item i is Σ_{u ∈ i} |items of u|), one range per thread. Each worker owns its
 * accumulator, its top-K heap and its output buffer, and writes counts[i] only for its own items,
 * so workers share nothing writable. Because ranges are contiguous and ascending, concatenating
 * the workers' buffers in range order yields the final per-item layout.
 *
 * Determinism: for a given item the accumulator sums over the item's users in ascending user
 * order, so sim(i, j) and sim(j, i) are the same double, and no result depends on scheduling. */
#include "reco_models.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* true when a ranks strictly before b: higher score, or equal score and smaller item. */
static int ranks_before(const reco_scored_t *a, const reco_scored_t *b)
{
    if (a->score != b->score) return a->score > b->score;
    return a->item < b->item;
}

static int scored_compare(const void *pa, const void *pb)
{
    const reco_scored_t *a = pa, *b = pb;
    if (ranks_before(a, b)) return -1;
    return ranks_before(b, a) ? 1 : 0;
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

/* ---- item-to-item ---------------------------------------------------------------------- */

typedef struct {
    const reco_matrix_t *m;
    const double *norms;
    size_t top_k;
    size_t first, last;  /* items [first, last) */
    uint32_t *counts;    /* shared, n_items; this worker writes [first, last) only */
    atomic_int *cancel;  /* shared */
    double *acc;         /* n_items */
    uint32_t *stamp;     /* n_items: stamp[j] == i + 1 when acc[j] holds a sum for item i */
    uint32_t *touched;   /* n_items */
    reco_scored_t *heap; /* top_k: a min-heap, the worst kept entry at the root */
    reco_scored_t *out;  /* this worker's neighbour lists, in item order */
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

/* Accumulates Σ_u w_ui·w_uj for every j ≠ i co-occurring with i; returns the touched count. */
static size_t accumulate(worker_t *w, size_t i)
{
    const reco_matrix_t *m = w->m;
    uint32_t mark = (uint32_t)i + 1;
    size_t n_touched = 0;
    for (size_t p = m->item_ptr[i]; p < m->item_ptr[i + 1]; p++) {
        uint32_t u = m->item_users[p];
        double wui = m->item_weights[p];
        if (wui == 0.0) continue;
        for (size_t q = m->user_ptr[u]; q < m->user_ptr[u + 1]; q++) {
            uint32_t j = m->user_items[q];
            if (j == i) continue;
            if (w->stamp[j] != mark) {
                w->stamp[j] = mark;
                w->acc[j] = 0.0;
                w->touched[n_touched++] = j;
            }
            w->acc[j] += wui * m->user_weights[q];
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

/* Computes item i's neighbour list and appends it to w->out. */
static int neighbours_of(worker_t *w, size_t i)
{
    w->counts[i] = 0;
    double ni = w->norms[i];
    if (ni == 0.0) return 0;
    size_t n_touched = accumulate(w, i), n_heap = 0;
    for (size_t t = 0; t < n_touched; t++) {
        uint32_t j = w->touched[t];
        if (w->norms[j] == 0.0) continue;
        double sim = w->acc[j] / (ni * w->norms[j]);
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

static double *item_norms(const reco_matrix_t *m)
{
    double *norms = malloc((m->n_items ? m->n_items : 1) * sizeof *norms);
    if (!norms) return NULL;
    for (size_t i = 0; i < m->n_items; i++) {
        double s = 0.0;
        for (size_t p = m->item_ptr[i]; p < m->item_ptr[i + 1]; p++)
            s += m->item_weights[p] * m->item_weights[p];
        norms[i] = sqrt(s);
    }
    return norms;
}

/* The estimated cost of item i's list: one step per (user of i, item of that user) pair. */
static double item_work(const reco_matrix_t *m, size_t i)
{
    double work = 1.0;
    for (size_t p = m->item_ptr[i]; p < m->item_ptr[i + 1]; p++) {
        uint32_t u = m->item_users[p];
        work += 1.0 + (double)(m->user_ptr[u + 1] - m->user_ptr[u]);
    }
    return work;
}

/* Cuts [0, n_items) into `threads` contiguous ranges of about equal work; bounds[t]..bounds[t+1].
 */
static void split_work(const reco_matrix_t *m, int threads, size_t *bounds)
{
    double total = 0.0, done = 0.0;
    for (size_t i = 0; i < m->n_items; i++)
        total += item_work(m, i);
    bounds[0] = 0;
    size_t i = 0;
    for (int t = 1; t < threads; t++) {
        double target = total * t / threads;
        while (i < m->n_items && done < target)
            done += item_work(m, i++);
        bounds[t] = i;
    }
    bounds[threads] = m->n_items;
}

static int worker_init(worker_t *w, const reco_matrix_t *m, size_t top_k)
{
    size_t n = m->n_items ? m->n_items : 1;
    w->acc = malloc(n * sizeof *w->acc);
    w->stamp = calloc(n, sizeof *w->stamp);
    w->touched = malloc(n * sizeof *w->touched);
    w->heap = malloc(top_k * sizeof *w->heap);
    return (w->acc && w->stamp && w->touched && w->heap) ? 0 : -1;
}

static void worker_free_scratch(worker_t *w)
{
    free(w->acc);
    free(w->stamp);
    free(w->touched);
    free(w->heap);
    w->acc = NULL;
    w->stamp = NULL;
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
static int gather(const reco_matrix_t *m, worker_t *workers, int threads, const uint32_t *counts,
                  reco_neighbours_t *out)
{
    out->n_items = m->n_items;
    out->ptr = malloc((m->n_items + 1) * sizeof *out->ptr);
    size_t total = 0;
    for (int t = 0; t < threads; t++)
        total += workers[t].n_out;
    out->entries = malloc((total ? total : 1) * sizeof *out->entries);
    if (!out->ptr || !out->entries) return -1;
    out->ptr[0] = 0;
    for (size_t i = 0; i < m->n_items; i++) {
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

int reco_model_item_to_item(const reco_matrix_t *m, const reco_item_to_item_options_t *opts,
                            reco_neighbours_t *out)
{
    memset(out, 0, sizeof *out);
    int threads = opts->threads < 1 ? 1 : opts->threads;
    if ((size_t)threads > m->n_items) threads = m->n_items ? (int)m->n_items : 1;
    size_t top_k = opts->top_k ? opts->top_k : 1;
    atomic_int cancel = 0;
    double *norms = item_norms(m);
    uint32_t *counts = calloc(m->n_items ? m->n_items : 1, sizeof *counts);
    worker_t *workers = calloc((size_t)threads, sizeof *workers);
    size_t *bounds = malloc(((size_t)threads + 1) * sizeof *bounds);
    pthread_t *ids = calloc((size_t)threads, sizeof *ids);
    int started = 0, failed = !norms || !counts || !workers || !bounds || !ids;
    if (!failed) split_work(m, threads, bounds);
    for (int t = 0; !failed && t < threads; t++) {
        worker_t *w = &workers[t];
        *w = (worker_t){.m = m,
                        .norms = norms,
                        .top_k = top_k,
                        .first = bounds[t],
                        .last = bounds[t + 1],
                        .counts = counts,
                        .cancel = &cancel};
        failed = worker_init(w, m, top_k) != 0 || pthread_create(&ids[t], NULL, worker_run, w) != 0;
        if (!failed) started++;
    }
    if (failed) atomic_store(&cancel, 1);
    for (int t = 0; t < started; t++)
        join_ticking(ids[t], opts, &cancel);
    for (int t = 0; workers && t < threads; t++) {
        failed |= workers[t].failed;
        worker_free_scratch(&workers[t]);
    }
    failed |= atomic_load(&cancel);
    if (!failed && gather(m, workers, threads, counts, out) != 0) failed = 1;
    for (int t = 0; workers && t < threads; t++)
        free(workers[t].out);
    free(workers);
    free(bounds);
    free(ids);
    free(counts);
    free(norms);
    if (failed) reco_neighbours_clear(out);
    return failed ? -1 : 0;
}

void reco_neighbours_clear(reco_neighbours_t *nb)
{
    if (!nb) return;
    free(nb->ptr);
    free(nb->entries);
    memset(nb, 0, sizeof *nb);
}
