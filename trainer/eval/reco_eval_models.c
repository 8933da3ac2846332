/* reco_eval_models — train with the trainer's functions, rank like the query worker (see
 * reco_eval_models.h).
 *
 * Every model is one of three shapes: a global list (popular), neighbour lists summed over the
 * user's recent items (item-to-item, for-user with an item-to-item fill), or a dense matrix
 * (ease-reference). Adding a model of an existing shape is one train function and one row of
 * MODELS below.
 *
 * Scratch: a dense accumulator over the train items with an epoch stamp per slot (a slot belongs
 * to the current pass when its stamp equals the pass's epoch, so nothing is cleared between
 * users), the same for "seen by this user", and a top-K heap. */
#include "reco_eval_models.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reco_cooccur.h"
#include "reco_ease_users.h"
#include "reco_models.h"
#include "reco_popularity.h"
#include "reco_users.h"
#include "reco_validate.h"

typedef enum { SHAPE_GLOBAL, SHAPE_NEIGHBOURS, SHAPE_DENSE, SHAPE_USERS } shape_t;

struct reco_eval_model {
    const reco_eval_context_t *ctx;
    shape_t shape;
    double train_ms;
    reco_scored_t *global; /* SHAPE_GLOBAL */
    size_t n_global;
    reco_neighbours_t lists; /* SHAPE_NEIGHBOURS: summed over `history` recent items;
                              * SHAPE_USERS: neighbour users per user */
    size_t history;
    int weighted;           /* lists and dense: scale by x_ui instead of 1 */
    double half_life;       /* lists: recency half-life in history ranks; 0: none */
    reco_neighbours_t users; /* for-user: per-user lists (reco_ease_user_lists), served first */
    reco_neighbours_t fill; /* when non-empty: ranks after `lists`, over fill_history items */
    size_t fill_history;
    reco_ease_dense_t dense; /* SHAPE_DENSE */
    int32_t *dense_of;       /* train item -> dense index, or -1 */
    /* scratch */
    double *acc;
    uint32_t *acc_epoch, *seen_epoch, *touched;
    uint32_t acc_now, seen_now;
    size_t n_touched;
    reco_scored_t *heap;
    size_t heap_cap;
};

static double monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ---- training ---------------------------------------------------------------------------- */

static int train_popular(const reco_eval_context_t *ctx, reco_eval_model_t *m)
{
    m->shape = SHAPE_GLOBAL;
    return reco_model_popular(ctx->train, &m->global, &m->n_global);
}

static int item_to_item(const reco_eval_context_t *ctx, reco_neighbours_t *out)
{
    reco_item_to_item_options_t o = {.top_k = ctx->top_k, .threads = ctx->threads};
    return reco_model_item_to_item(ctx->train, &o, out);
}

static int train_item_to_item(const reco_eval_context_t *ctx, reco_eval_model_t *m)
{
    m->shape = SHAPE_NEIGHBOURS;
    m->history = RECO_EVAL_I2I_HISTORY;
    return item_to_item(ctx, &m->lists);
}

static int score_compare(const void *pa, const void *pb)
{
    const reco_scored_t *a = pa, *b = pb;
    if (a->score != b->score) return a->score > b->score ? -1 : 1;
    return a->item < b->item ? -1 : (a->item > b->item ? 1 : 0);
}

static int train_for_user(const reco_eval_context_t *ctx, reco_eval_model_t *m)
{
    m->shape = SHAPE_NEIGHBOURS;
    m->history = ctx->for_user_history ? ctx->for_user_history : RECO_EVAL_FOR_USER_HISTORY;
    m->weighted = ctx->ease.weighted;
    m->half_life = ctx->recency_half_life;
    m->fill_history = RECO_EVAL_I2I_HISTORY;
    double started = monotonic_ms();
    reco_ease_dense_t d;
    if (reco_ease_dense(ctx->train, &ctx->ease, &d) != 0) return -1;
    reco_ease_users_options_t uo = ctx->ease_users;
    uo.threads = ctx->threads;
    uo.weighted = ctx->ease.weighted;
    int rc = reco_ease_rows(&d, ctx->train->n_items, &ctx->ease, &m->lists);
    if (rc == 0 && uo.top_n > 0)
        rc = reco_ease_user_lists(ctx->train, &d, &m->lists, &uo, &m->users, NULL);
    reco_ease_dense_clear(&d);
    if (rc != 0) return -1;
    m->train_ms = monotonic_ms() - started;         /* the fill is the item-to-item model's */
    if (ctx->ease.keep == RECO_EASE_KEEP_MAGNITUDE) /* a ZSET is read by score, not |score| */
        for (size_t i = 0; i < m->lists.n_items; i++)
            qsort(m->lists.entries + m->lists.ptr[i], m->lists.ptr[i + 1] - m->lists.ptr[i],
                  sizeof *m->lists.entries, score_compare);
    return item_to_item(ctx, &m->fill);
}

static int train_reference(const reco_eval_context_t *ctx, reco_eval_model_t *m)
{
    m->shape = SHAPE_DENSE;
    m->weighted = ctx->reference.weighted;
    reco_ease_options_t o = ctx->reference;
    o.max_items = 0;
    o.top_k = 0;
    if (reco_ease_dense(ctx->train, &o, &m->dense) != 0) return -1;
    size_t n_items = ctx->train->n_items;
    m->dense_of = malloc((n_items ? n_items : 1) * sizeof *m->dense_of);
    if (!m->dense_of) return -1;
    for (size_t i = 0; i < n_items; i++)
        m->dense_of[i] = -1;
    for (size_t a = 0; a < m->dense.n; a++)
        m->dense_of[m->dense.items[a]] = (int32_t)a;
    return 0;
}

static int train_window(const reco_eval_context_t *ctx, reco_eval_model_t *m, int64_t days)
{
    m->shape = SHAPE_GLOBAL;
    return reco_model_popular_window(ctx->events, ctx->now, days * RECO_DAY_MS, &m->global,
                                     &m->n_global);
}

static int train_popular_1d(const reco_eval_context_t *ctx, reco_eval_model_t *m)
{
    return train_window(ctx, m, 1);
}

static int train_popular_7d(const reco_eval_context_t *ctx, reco_eval_model_t *m)
{
    return train_window(ctx, m, 7);
}

static int train_popular_30d(const reco_eval_context_t *ctx, reco_eval_model_t *m)
{
    return train_window(ctx, m, 30);
}

static int train_popular_365d(const reco_eval_context_t *ctx, reco_eval_model_t *m)
{
    return train_window(ctx, m, 365);
}

static int train_trending(const reco_eval_context_t *ctx, reco_eval_model_t *m)
{
    m->shape = SHAPE_GLOBAL;
    return reco_model_trending(ctx->events, ctx->now, RECO_EVAL_TRENDING_HALF_LIFE_MS, &m->global,
                               &m->n_global);
}

static int train_also_viewed(const reco_eval_context_t *ctx, reco_eval_model_t *m)
{
    m->shape = SHAPE_NEIGHBOURS;
    m->history = RECO_EVAL_I2I_HISTORY;
    reco_cooccur_options_t o = {
        .type_mask = RECO_TYPE_BIT(RECO_EVENT_VIEW) | RECO_TYPE_BIT(RECO_EVENT_CLICK),
        .now_ms = ctx->now,
        .half_life_ms = RECO_EVAL_COOCCUR_HALF_LIFE_MS,
        .similarity = {
            .top_k = ctx->top_k, .threads = ctx->threads, .shrinkage = RECO_EVAL_SHRINKAGE}};
    return reco_model_cooccur(ctx->events, &o, &m->lists, NULL);
}

static int train_similar_customers(const reco_eval_context_t *ctx, reco_eval_model_t *m)
{
    m->shape = SHAPE_USERS;
    reco_item_to_item_options_t o = {.top_k = RECO_EVAL_SIMILAR_USERS_TOP_K,
                                     .threads = ctx->threads,
                                     .max_row_entries = ctx->similar_users_max_item_users,
                                     .sample_long_rows = ctx->similar_users_sample};
    return reco_model_similar_users(ctx->train, &o, &m->lists);
}

typedef struct {
    const char *name;
    int (*train)(const reco_eval_context_t *ctx, reco_eval_model_t *m);
} model_def_t;

static const model_def_t MODELS[] = {
    {"popular", train_popular},
    {"popular-1d", train_popular_1d},
    {"popular-7d", train_popular_7d},
    {"popular-30d", train_popular_30d},
    {"popular-365d", train_popular_365d},
    {"trending", train_trending},
    {"item-to-item", train_item_to_item},
    {"also-viewed", train_also_viewed},
    {"similar-customers", train_similar_customers},
    {"for-user", train_for_user},
    {"ease-reference", train_reference},
};
#define N_MODELS (sizeof MODELS / sizeof MODELS[0])

size_t reco_eval_model_count(void)
{
    return N_MODELS;
}

const char *reco_eval_model_name(size_t which)
{
    return which < N_MODELS ? MODELS[which].name : NULL;
}

int reco_eval_model_find(const char *name)
{
    for (size_t i = 0; i < N_MODELS; i++)
        if (strcmp(MODELS[i].name, name) == 0) return (int)i;
    return -1;
}

void reco_eval_model_destroy(reco_eval_model_t **mp)
{
    if (!mp || !*mp) return;
    reco_eval_model_t *m = *mp;
    free(m->global);
    reco_neighbours_clear(&m->lists);
    reco_neighbours_clear(&m->fill);
    reco_neighbours_clear(&m->users);
    reco_ease_dense_clear(&m->dense);
    free(m->dense_of);
    free(m->acc);
    free(m->acc_epoch);
    free(m->seen_epoch);
    free(m->touched);
    free(m->heap);
    free(m);
    *mp = NULL;
}

reco_eval_model_t *reco_eval_model_train(size_t which, const reco_eval_context_t *ctx)
{
    if (which >= N_MODELS) return NULL;
    reco_eval_model_t *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->ctx = ctx;
    size_t n = ctx->train->n_items ? ctx->train->n_items : 1;
    m->acc = malloc(n * sizeof *m->acc);
    m->acc_epoch = calloc(n, sizeof *m->acc_epoch);
    m->seen_epoch = calloc(n, sizeof *m->seen_epoch);
    m->touched = malloc(n * sizeof *m->touched);
    m->train_ms = -1.0;
    double started = monotonic_ms();
    if (!m->acc || !m->acc_epoch || !m->seen_epoch || !m->touched ||
        MODELS[which].train(ctx, m) != 0) {
        reco_eval_model_destroy(&m);
        return NULL;
    }
    if (m->train_ms < 0) m->train_ms = monotonic_ms() - started;
    return m;
}

double reco_eval_model_train_ms(const reco_eval_model_t *m)
{
    return m->train_ms;
}

/* ---- ranking ----------------------------------------------------------------------------- */

static int ranks_before(const reco_scored_t *a, const reco_scored_t *b)
{
    if (a->score != b->score) return a->score > b->score;
    return a->item < b->item;
}

static void swap(reco_scored_t *a, reco_scored_t *b)
{
    reco_scored_t t = *a;
    *a = *b;
    *b = t;
}

static void heap_sift_down(reco_scored_t *h, size_t n, size_t at)
{
    for (;;) {
        size_t worst = at, l = 2 * at + 1, r = l + 1;
        if (l < n && ranks_before(&h[worst], &h[l])) worst = l;
        if (r < n && ranks_before(&h[worst], &h[r])) worst = r;
        if (worst == at) return;
        swap(&h[at], &h[worst]);
        at = worst;
    }
}

/* Keeps the k best offers in h (a min-heap: the worst kept at the root). */
static void heap_offer(reco_scored_t *h, size_t *n, size_t k, reco_scored_t e)
{
    if (*n < k) {
        size_t at = (*n)++;
        h[at] = e;
        while (at > 0 && ranks_before(&h[(at - 1) / 2], &h[at])) {
            swap(&h[(at - 1) / 2], &h[at]);
            at = (at - 1) / 2;
        }
    } else if (ranks_before(&e, &h[0])) {
        h[0] = e;
        heap_sift_down(h, *n, 0);
    }
}

/* Sorts the heap best first in place. */
static void heap_sort(reco_scored_t *h, size_t n)
{
    while (n > 1) {
        swap(&h[0], &h[--n]);
        heap_sift_down(h, n, 0);
    }
}

static int heap_reserve(reco_eval_model_t *m, size_t k)
{
    if (k <= m->heap_cap) return 0;
    reco_scored_t *grown = realloc(m->heap, k * sizeof *grown);
    if (!grown) return -1;
    m->heap = grown;
    m->heap_cap = k;
    return 0;
}

/* Next epoch of a stamp array; on wrap-around the array is cleared. */
static uint32_t next_epoch(uint32_t *now, uint32_t *stamps, size_t n)
{
    if (++*now == 0) {
        memset(stamps, 0, n * sizeof *stamps);
        *now = 1;
    }
    return *now;
}

static void mark_seen(reco_eval_model_t *m, uint32_t user)
{
    const reco_matrix_t *t = m->ctx->train;
    uint32_t epoch = next_epoch(&m->seen_now, m->seen_epoch, t->n_items);
    for (size_t p = t->user_ptr[user]; p < t->user_ptr[user + 1]; p++)
        m->seen_epoch[t->user_items[p]] = epoch;
}

/* acc[j] = Σ over the user's `history` most recent items i of x · (score of j in i's list). */
static void sum_lists(reco_eval_model_t *m, const reco_neighbours_t *nb, uint32_t user,
                      size_t history, int weighted, double half_life)
{
    const reco_eval_context_t *ctx = m->ctx;
    uint32_t epoch = next_epoch(&m->acc_now, m->acc_epoch, ctx->train->n_items);
    m->n_touched = 0;
    size_t first = ctx->recent_ptr[user], last = ctx->recent_ptr[user + 1];
    if (last - first > history) last = first + history;
    for (size_t p = first; p < last; p++) {
        uint32_t i = ctx->recent_items[p];
        double x = weighted ? ctx->recent_weights[p] : 1.0;
        if (half_life > 0.0) x *= exp2(-(double)(p - first) / half_life);
        size_t end = nb->ptr[i + 1];
        if (ctx->list_entries && end - nb->ptr[i] > ctx->list_entries)
            end = nb->ptr[i] + ctx->list_entries;
        for (size_t e = nb->ptr[i]; e < end; e++) {
            uint32_t j = nb->entries[e].item;
            if (m->seen_epoch[j] == m->seen_now) continue;
            if (m->acc_epoch[j] != epoch) {
                m->acc_epoch[j] = epoch;
                m->acc[j] = 0.0;
                m->touched[m->n_touched++] = j;
            }
            m->acc[j] += x * nb->entries[e].score;
        }
    }
}

/* Appends to out the best k touched items of sum > 0, marking them seen. Returns the count. */
static size_t take_touched(reco_eval_model_t *m, size_t k, uint32_t *out)
{
    if (k == 0 || heap_reserve(m, k) != 0) return 0;
    size_t n = 0;
    for (size_t t = 0; t < m->n_touched; t++) {
        uint32_t j = m->touched[t];
        if (m->acc[j] > 0.0)
            heap_offer(m->heap, &n, k, (reco_scored_t){.item = j, .score = m->acc[j]});
    }
    heap_sort(m->heap, n);
    for (size_t r = 0; r < n; r++) {
        out[r] = m->heap[r].item;
        m->seen_epoch[out[r]] = m->seen_now;
    }
    return n;
}

static size_t rank_global(reco_eval_model_t *m, size_t k, uint32_t *out)
{
    size_t n = 0;
    for (size_t r = 0; r < m->n_global && n < k; r++)
        if (m->seen_epoch[m->global[r].item] != m->seen_now) out[n++] = m->global[r].item;
    return n;
}

static size_t rank_dense(reco_eval_model_t *m, uint32_t user, size_t k, uint32_t *out)
{
    const reco_eval_context_t *ctx = m->ctx;
    const reco_ease_dense_t *d = &m->dense;
    if (d->n == 0 || heap_reserve(m, k) != 0) return 0;
    memset(m->acc, 0, d->n * sizeof *m->acc); /* acc is indexed by dense index here */
    for (size_t p = ctx->recent_ptr[user]; p < ctx->recent_ptr[user + 1]; p++) {
        int32_t a = m->dense_of[ctx->recent_items[p]];
        if (a < 0) continue;
        double x = m->weighted ? ctx->recent_weights[p] : 1.0;
        const double *row = d->b + (size_t)a * d->n;
        for (size_t c = 0; c < d->n; c++)
            m->acc[c] += x * row[c];
    }
    size_t n = 0;
    for (size_t c = 0; c < d->n; c++)
        if (m->seen_epoch[d->items[c]] != m->seen_now)
            heap_offer(m->heap, &n, k, (reco_scored_t){.item = d->items[c], .score = m->acc[c]});
    heap_sort(m->heap, n);
    for (size_t r = 0; r < n; r++)
        out[r] = m->heap[r].item;
    return n;
}

/* acc[j] = Σ over the user's best neighbours v of sim(u, v) for each of v's recent items j. */
static size_t rank_users(reco_eval_model_t *m, uint32_t user, size_t k, uint32_t *out)
{
    const reco_eval_context_t *ctx = m->ctx;
    const reco_neighbours_t *nb = &m->lists;
    uint32_t epoch = next_epoch(&m->acc_now, m->acc_epoch, ctx->train->n_items);
    m->n_touched = 0;
    size_t last = nb->ptr[user + 1];
    if (last - nb->ptr[user] > RECO_EVAL_NEIGHBOUR_USERS)
        last = nb->ptr[user] + RECO_EVAL_NEIGHBOUR_USERS;
    for (size_t e = nb->ptr[user]; e < last; e++) {
        uint32_t v = nb->entries[e].item;
        size_t first = ctx->recent_ptr[v], end = ctx->recent_ptr[v + 1];
        if (end - first > RECO_EVAL_NEIGHBOUR_ITEMS) end = first + RECO_EVAL_NEIGHBOUR_ITEMS;
        for (size_t p = first; p < end; p++) {
            uint32_t j = ctx->recent_items[p];
            if (m->seen_epoch[j] == m->seen_now) continue;
            if (m->acc_epoch[j] != epoch) {
                m->acc_epoch[j] = epoch;
                m->acc[j] = 0.0;
                m->touched[m->n_touched++] = j;
            }
            m->acc[j] += nb->entries[e].score;
        }
    }
    return take_touched(m, k, out);
}

size_t reco_eval_model_rank(reco_eval_model_t *m, uint32_t user, size_t k, uint32_t *out)
{
    if (user >= m->ctx->train->n_users || k == 0) return 0;
    mark_seen(m, user);
    switch (m->shape) {
    case SHAPE_GLOBAL:
        return rank_global(m, k, out);
    case SHAPE_DENSE:
        return rank_dense(m, user, k, out);
    case SHAPE_USERS:
        return rank_users(m, user, k, out);
    case SHAPE_NEIGHBOURS:
        break;
    }
    size_t n = 0;
    if (m->users.ptr && m->users.ptr[user + 1] > m->users.ptr[user]) {
        /* the build-time list over the whole history (nothing is newer than the build here) */
        for (size_t e = m->users.ptr[user]; e < m->users.ptr[user + 1] && n < k; e++) {
            uint32_t j = m->users.entries[e].item;
            if (m->seen_epoch[j] == m->seen_now) continue;
            out[n++] = j;
            m->seen_epoch[j] = m->seen_now;
        }
    } else {
        sum_lists(m, &m->lists, user, m->history, m->weighted, m->half_life);
        n = take_touched(m, k, out);
    }
    if (n < k && m->fill.ptr) {
        sum_lists(m, &m->fill, user, m->fill_history, 0, 0.0);
        n += take_touched(m, k - n, out + n);
    }
    return n;
}
