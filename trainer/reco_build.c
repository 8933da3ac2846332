/* reco_build — orchestration of one tenant's rebuild (see reco_build.h).
 *
 * The action weights (reco:{T}:actions) are read once, just before the stream, so a whole build
 * weighs every event with the same table. The event log is brought up to date once (kept in the
 * cache between builds, or read whole into a build-local state without one), turned into the
 * id-ordered event table, and the user × item matrix is built from it once; every model reads
 * those. "now" for the time windows and decays is taken once per build. Timings use
 * CLOCK_MONOTONIC; built_at is wall-clock epoch ms. meta.duration_ms of a model is its compute +
 * write time (the shared read is reported separately in the log line). */
#include "reco_build.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reco_baskets.h"
#include "reco_categories.h"
#include "reco_content.h"
#include "reco_cooccur.h"
#include "reco_dataset.h"
#include "reco_ease.h"
#include "reco_ease_users.h"
#include "reco_events.h"
#include "reco_intern.h"
#include "reco_item_catalog.h"
#include "reco_keys.h"
#include "reco_lease.h"
#include "reco_log.h"
#include "reco_model_keys.h"
#include "reco_models.h"
#include "reco_popularity.h"
#include "reco_publish.h"
#include "reco_users.h"
#include "reco_validate.h"
#include "reco_weights.h"

#define LEASE_CHECK_EVERY 1024 /* items written between lease renewals / stop checks */
#define BASKET_GAP_MS (30LL * 60 * 1000) /* key-less events further apart: another basket */
#define TRENDING_HALF_LIFE_MS (24LL * 3600 * 1000)

typedef struct {
    const reco_build_config_t *cfg;
    const char *tenant;
    reco_lease_t *lease;
    reco_matrix_t *m;
    reco_dataset_stats_t stats;
    reco_dataset_state_t *state; /* the cache's, or own_state */
    reco_dataset_state_t own_state;
    reco_event_table_t table; /* the events; m is built from it and shares its ids */
    reco_item_catalog_t *catalog; /* read once: popular's categories and content */
    int64_t now;              /* epoch ms, for windows and decays */
    char summary[4096];
    size_t summary_len;
} build_t;

/* Writes a list's key: reco_key_model_item or reco_key_model_user. */
typedef int (*list_key_fn)(char *buf, size_t n, const char *tenant, const char *model,
                           int64_t version, const char *id);

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void summary_add(build_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void summary_add(build_t *b, const char *fmt, ...)
{
    if (b->summary_len >= sizeof b->summary - 1) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->summary + b->summary_len, sizeof b->summary - b->summary_len, fmt, ap);
    va_end(ap);
    if (n > 0) b->summary_len += (size_t)n;
    if (b->summary_len >= sizeof b->summary) b->summary_len = sizeof b->summary - 1;
}

/* 0 while the build may go on: not asked to stop, and the lease is still ours. */
static int may_continue(build_t *b)
{
    if (b->cfg->stop && *b->cfg->stop) {
        reco_info("tenant %s: stop requested; abandoning the build", b->tenant);
        return -1;
    }
    return reco_lease_keep(b->lease);
}

static int tick(void *ctx)
{
    return may_continue(ctx);
}

/* Commits v and announces it; logs and returns -1 on failure. */
static int finish_version(build_t *b, reco_version_t *v, const char *model, int64_t started,
                          int64_t built_at)
{
    reco_version_meta_t meta = {.built_at_ms = built_at,
                                .duration_ms = monotonic_ms() - started,
                                .events = b->table.n_events,
                                .users = b->m->n_users,
                                .items = b->m->n_items,
                                .events_until_ms = b->now,
                                .interval_ms = b->cfg->interval_ms};
    int64_t previous = 0;
    if (reco_version_commit(v, &meta, b->lease, &previous) != 0) {
        reco_error("tenant %s: %s v%" PRId64 " not published: %s", b->tenant, model,
                   reco_version_number(v), reco_version_errstr(v));
        return -1;
    }
    reco_debug("tenant %s: %s current v%" PRId64 " -> v%" PRId64, b->tenant, model, previous,
               reco_version_number(v));
    reco_notifier_send(b->cfg->notifier, b->tenant, model, reco_version_number(v));
    return 0;
}

/* The catalogue items' popularity: score[i] of catalogue item i, by its id's place among the
 * matrix's item ids (sorted in id byte order), 0 for items nobody touched. NULL when OOM. */
static double *catalog_scores(const build_t *b, const reco_scored_t *list, size_t n)
{
    const reco_matrix_t *m = b->m;
    size_t count = reco_item_catalog_count(b->catalog);
    const reco_content_item_t *items = reco_item_catalog_items(b->catalog);
    double *by_item = calloc(m->n_items ? m->n_items : 1, sizeof *by_item);
    double *score = calloc(count ? count : 1, sizeof *score);
    for (size_t k = 0; by_item && k < n; k++)
        by_item[list[k].item] = list[k].score;
    for (size_t i = 0; by_item && score && i < count; i++) {
        size_t lo = 0, hi = m->n_items;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            int c = reco_id_compare(m->item_ids[mid], m->item_id_lens[mid], items[i].id,
                                    items[i].id_len);
            if (c == 0) {
                score[i] = by_item[mid];
                break;
            }
            if (c < 0) lo = mid + 1;
            else hi = mid;
        }
    }
    free(by_item);
    if (!by_item) free(score);
    return by_item ? score : NULL;
}

/* popular's per-category lists (…:c:<category>) under version v; *n_lists counts them. */
static int write_categories(build_t *b, reco_version_t *v, const reco_scored_t *list, size_t n,
                            size_t *n_lists)
{
    size_t count = reco_item_catalog_count(b->catalog);
    const reco_content_item_t *items = reco_item_catalog_items(b->catalog);
    double *score = catalog_scores(b, list, n);
    const char **ids = malloc((count ? count : 1) * sizeof *ids);
    size_t *lens = malloc((count ? count : 1) * sizeof *lens);
    reco_category_lists_t cats = {0};
    int rc = score && ids && lens ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < count; i++) {
        ids[i] = items[i].id;
        lens[i] = items[i].id_len;
    }
    if (rc == 0) rc = reco_model_popular_categories(items, count, score, RECO_CATEGORY_LIST_MAX, &cats);
    if (rc != 0) reco_error("tenant %s: out of memory computing popular by category", b->tenant);
    char key[RECO_KEY_MAX];
    for (size_t c = 0; rc == 0 && c < cats.n; c++) {
        if (c % LEASE_CHECK_EVERY == LEASE_CHECK_EVERY - 1 && may_continue(b) != 0) rc = -1;
        else if (reco_key_model_category(key, sizeof key, b->tenant, RECO_MODEL_POPULAR,
                                         reco_version_number(v), cats.names[c]) < 0)
            continue; /* a category too long for a key has no list */
        else if (reco_version_write_ids(v, key, ids, lens, cats.entries + cats.ptr[c],
                                        cats.ptr[c + 1] - cats.ptr[c]) != 0)
            rc = -1;
    }
    *n_lists = cats.n;
    reco_category_lists_clear(&cats);
    free(score);
    free(ids);
    free(lens);
    return rc;
}

static int build_popular(build_t *b)
{
    int64_t started = monotonic_ms(), built_at = reco_now_ms();
    reco_version_t *v = reco_version_begin(b->cfg->store, b->tenant, RECO_MODEL_POPULAR);
    if (!v) return -1;
    reco_scored_t *list = NULL;
    size_t n = 0, categories = 0;
    int rc = reco_model_popular(b->m, &list, &n);
    if (rc != 0)
        reco_error("tenant %s: out of memory computing popular", b->tenant);
    else if ((rc = reco_version_write_global(v, b->m, list, n)) != 0 ||
             (rc = write_categories(b, v, list, n, &categories)) != 0)
        reco_error("tenant %s: popular v%" PRId64 ": %s", b->tenant, reco_version_number(v),
                   reco_version_errstr(v));
    free(list);
    if (rc == 0) rc = finish_version(b, v, RECO_MODEL_POPULAR, started, built_at);
    if (rc == 0)
        summary_add(b, "; popular v%" PRId64 ": %zu items, %zu categories in %" PRId64 " ms",
                    reco_version_number(v), n, categories, monotonic_ms() - started);
    reco_version_destroy(&v);
    return rc;
}

/* The ids naming a list's keys (key_of(ids[i])) and its members (ids[entry]). */
typedef struct {
    const char *const *ids;
    const size_t *lens;
} id_table_t;

/* One ZSET per non-empty list i, at key_of(keys.ids[i]), members members.ids[entry]. */
static int write_lists_as(build_t *b, reco_version_t *v, const reco_neighbours_t *nb,
                          id_table_t keys, id_table_t members, list_key_fn key_of)
{
    char key[RECO_KEY_MAX];
    for (size_t i = 0; i < nb->n_items; i++) {
        if (i % LEASE_CHECK_EVERY == LEASE_CHECK_EVERY - 1 && may_continue(b) != 0) return -1;
        size_t count = nb->ptr[i + 1] - nb->ptr[i];
        if (count == 0) continue;
        if (key_of(key, sizeof key, b->tenant, reco_version_model(v), reco_version_number(v),
                   keys.ids[i]) < 0 ||
            reco_version_write_ids(v, key, members.ids, members.lens, nb->entries + nb->ptr[i],
                                   count) != 0) {
            reco_error("tenant %s: %s v%" PRId64 ": %s", b->tenant, reco_version_model(v),
                       reco_version_number(v), reco_version_errstr(v));
            return -1;
        }
    }
    return 0;
}

/* One ZSET per non-empty list i, at key_of(ids[i]), members ids[entry]. */
static int write_lists(build_t *b, reco_version_t *v, const reco_neighbours_t *nb,
                       const char *const *ids, const size_t *lens, list_key_fn key_of)
{
    id_table_t t = {ids, lens};
    return write_lists_as(b, v, nb, t, t, key_of);
}

/* Item lists (item-to-item and the like) over the matrix's items. */
static int write_neighbours(build_t *b, reco_version_t *v, const reco_neighbours_t *nb)
{
    return write_lists(b, v, nb, (const char *const *)b->m->item_ids, b->m->item_id_lens,
                       reco_key_model_item);
}

static int build_item_to_item(build_t *b)
{
    int64_t started = monotonic_ms(), built_at = reco_now_ms();
    reco_version_t *v = reco_version_begin(b->cfg->store, b->tenant, RECO_MODEL_ITEM_TO_ITEM);
    if (!v) return -1;
    reco_item_to_item_options_t opts = {
        .top_k = b->cfg->top_k, .threads = b->cfg->threads, .tick = tick, .tick_ctx = b};
    reco_neighbours_t nb;
    int rc = reco_model_item_to_item(b->m, &opts, &nb);
    int64_t computed = monotonic_ms();
    if (rc != 0)
        reco_error("tenant %s: item-to-item not computed (out of memory, or cancelled)", b->tenant);
    else
        rc = write_neighbours(b, v, &nb);
    if (rc == 0) rc = finish_version(b, v, RECO_MODEL_ITEM_TO_ITEM, started, built_at);
    if (rc == 0) {
        reco_debug("tenant %s: item-to-item v%" PRId64 ": computed in %" PRId64
                   " ms, written and flipped in %" PRId64 " ms",
                   b->tenant, reco_version_number(v), computed - started,
                   monotonic_ms() - computed);
        summary_add(b, "; item-to-item v%" PRId64 ": %zu lists, %zu pairs in %" PRId64 " ms",
                    reco_version_number(v), nb.n_lists, nb.n_pairs, monotonic_ms() - started);
    }
    reco_neighbours_clear(&nb);
    reco_version_destroy(&v);
    return rc;
}

#ifndef RECO_MODEL_FOR_USER
#define RECO_MODEL_FOR_USER "for-user" /* belongs in common/reco_keys.h with the other names */
#endif

/* for-user: EASE (reco_ease) over the most active items. Published: each item's top entries of
 * B (…:i:<item>, summed at query time for events newer than the build and for users without a
 * list) and each user's build-time list over the whole history (…:u:<user>, reco_ease_users).
 * The Cholesky inverse cannot be interrupted: it takes well under a second for the default 2000
 * items, far below the lease term; the lease is renewed while writing. */
static int compute_for_user(build_t *b, reco_neighbours_t *rows, reco_neighbours_t *users,
                            int *dense)
{
    const reco_build_config_t *c = b->cfg;
    reco_ease_options_t opts;
    reco_ease_options_default(&opts);
    opts.threads = c->threads;
    if (c->ease_lambda > 0) opts.lambda = c->ease_lambda;
    if (c->ease_max_items) opts.max_items = c->ease_max_items;
    if (c->ease_top_k) opts.top_k = c->ease_top_k;
    reco_ease_users_options_t uo = {.top_n = c->for_user_list,
                                    .min_items = c->for_user_min_items,
                                    .dense_budget = RECO_EASE_DENSE_BUDGET_DEFAULT,
                                    .threads = c->threads,
                                    .tick = tick,
                                    .tick_ctx = b};
    reco_ease_dense_t d;
    memset(users, 0, sizeof *users);
    if (reco_ease_dense(b->m, &opts, &d) != 0) return -1;
    int rc = reco_ease_rows(&d, b->m->n_items, &opts, rows);
    if (rc == 0 && uo.top_n > 0) rc = reco_ease_user_lists(b->m, &d, rows, &uo, users, dense);
    reco_ease_dense_clear(&d);
    if (rc != 0) reco_neighbours_clear(rows);
    return rc;
}

static int build_for_user(build_t *b)
{
    int64_t started = monotonic_ms(), built_at = reco_now_ms();
    reco_version_t *v = reco_version_begin(b->cfg->store, b->tenant, RECO_MODEL_FOR_USER);
    if (!v) return -1;
    reco_neighbours_t rows, users;
    int dense = 0;
    int rc = compute_for_user(b, &rows, &users, &dense);
    int64_t computed = monotonic_ms();
    if (rc != 0)
        reco_error("tenant %s: for-user not computed (out of memory, the factorisation failed, "
                   "or cancelled)", b->tenant);
    else if ((rc = write_neighbours(b, v, &rows)) == 0)
        rc = write_lists_as(b, v, &users, (id_table_t){b->table.user_ids, b->table.user_id_lens},
                            (id_table_t){(const char *const *)b->m->item_ids, b->m->item_id_lens},
                            reco_key_model_user);
    if (rc == 0) rc = finish_version(b, v, RECO_MODEL_FOR_USER, started, built_at);
    if (rc == 0)
        summary_add(b,
                    "; for-user v%" PRId64 ": %zu item rows, %zu pairs, %zu user lists (%s rows) "
                    "in %" PRId64 " ms (EASE %" PRId64 " ms)",
                    reco_version_number(v), rows.n_lists, rows.n_pairs, users.n_lists,
                    dense ? "dense" : "top-K", monotonic_ms() - started, computed - started);
    reco_neighbours_clear(&rows);
    reco_neighbours_clear(&users);
    reco_version_destroy(&v);
    return rc;
}

/* Publishes one global list under a new version of model. */
static int publish_global(build_t *b, const char *model, int64_t started, int64_t built_at,
                          const reco_scored_t *list, size_t n)
{
    reco_version_t *v = reco_version_begin(b->cfg->store, b->tenant, model);
    if (!v) return -1;
    int rc = reco_version_write_global(v, b->m, list, n);
    if (rc != 0)
        reco_error("tenant %s: %s v%" PRId64 ": %s", b->tenant, model, reco_version_number(v),
                   reco_version_errstr(v));
    if (rc == 0) rc = finish_version(b, v, model, started, built_at);
    if (rc == 0)
        summary_add(b, "; %s v%" PRId64 ": %zu items in %" PRId64 " ms", model,
                    reco_version_number(v), n, monotonic_ms() - started);
    reco_version_destroy(&v);
    return rc;
}

/* popular-1d, -7d, -30d, -365d: popularity over the last days before the build. */
static int build_popular_windows(build_t *b)
{
    static const struct {
        const char *model;
        int days;
    } windows[] = {{RECO_MODEL_POPULAR_1D, 1},
                   {RECO_MODEL_POPULAR_7D, 7},
                   {RECO_MODEL_POPULAR_30D, 30},
                   {RECO_MODEL_POPULAR_365D, 365}};
    for (size_t k = 0; k < sizeof windows / sizeof windows[0]; k++) {
        if (k > 0 && may_continue(b) != 0) return -1;
        int64_t started = monotonic_ms(), built_at = reco_now_ms();
        reco_scored_t *list = NULL;
        size_t n = 0;
        if (reco_model_popular_window(&b->table, b->now, windows[k].days * RECO_DAY_MS, &list,
                                      &n) != 0) {
            reco_error("tenant %s: out of memory computing %s", b->tenant, windows[k].model);
            return -1;
        }
        int rc = publish_global(b, windows[k].model, started, built_at, list, n);
        free(list);
        if (rc != 0) return -1;
    }
    return 0;
}

static int build_trending(build_t *b)
{
    int64_t started = monotonic_ms(), built_at = reco_now_ms();
    reco_scored_t *list = NULL;
    size_t n = 0;
    if (reco_model_trending(&b->table, b->now, TRENDING_HALF_LIFE_MS, &list, &n) != 0) {
        reco_error("tenant %s: out of memory computing trending", b->tenant);
        return -1;
    }
    int rc = publish_global(b, RECO_MODEL_TRENDING, started, built_at, list, n);
    free(list);
    return rc;
}

/* Publishes neighbour lists, one ZSET per list at key_of(ids[i]), under a new version of model;
 * detail goes into the log line. */
static int publish_lists(build_t *b, const char *model, int64_t started, int64_t built_at,
                         const reco_neighbours_t *nb, const char *const *ids, const size_t *lens,
                         list_key_fn key_of, const char *detail)
{
    reco_version_t *v = reco_version_begin(b->cfg->store, b->tenant, model);
    if (!v) return -1;
    int rc = write_lists(b, v, nb, ids, lens, key_of);
    if (rc == 0) rc = finish_version(b, v, model, started, built_at);
    if (rc == 0)
        summary_add(b, "; %s v%" PRId64 ": %zu lists, %zu pairs%s in %" PRId64 " ms", model,
                    reco_version_number(v), nb->n_lists, nb->n_pairs, detail,
                    monotonic_ms() - started);
    reco_version_destroy(&v);
    return rc;
}

/* also-viewed (view, click) or also-bought (cart, purchase). */
static int build_cooccur(build_t *b, const char *model)
{
    int64_t started = monotonic_ms(), built_at = reco_now_ms();
    int viewed = strcmp(model, RECO_MODEL_ALSO_VIEWED) == 0;
    reco_cooccur_options_t o = {
        .type_mask = viewed ? RECO_TYPE_BIT(RECO_EVENT_VIEW) | RECO_TYPE_BIT(RECO_EVENT_CLICK)
                            : RECO_TYPE_BIT(RECO_EVENT_CART) | RECO_TYPE_BIT(RECO_EVENT_PURCHASE),
        .now_ms = b->now,
        .half_life_ms = b->cfg->cooccur_half_life_ms,
        .similarity = {.top_k = b->cfg->top_k,
                       .threads = b->cfg->threads,
                       .tick = tick,
                       .tick_ctx = b,
                       .shrinkage = b->cfg->shrinkage}};
    reco_neighbours_t nb;
    size_t kept = 0;
    if (reco_model_cooccur(&b->table, &o, &nb, &kept) != 0) {
        reco_error("tenant %s: %s not computed (out of memory, or cancelled)", b->tenant, model);
        return -1;
    }
    char detail[64];
    snprintf(detail, sizeof detail, " from %zu events", kept);
    int rc = publish_lists(b, model, started, built_at, &nb, b->table.item_ids,
                           b->table.item_id_lens, reco_key_model_item, detail);
    reco_neighbours_clear(&nb);
    return rc;
}

static int build_similar_users(build_t *b)
{
    int64_t started = monotonic_ms(), built_at = reco_now_ms();
    reco_item_to_item_options_t o = {
        .top_k = b->cfg->similar_users_top_k ? b->cfg->similar_users_top_k : b->cfg->top_k,
        .threads = b->cfg->threads,
        .tick = tick,
        .tick_ctx = b,
        .max_row_entries = b->cfg->similar_users_max_item_users};
    reco_neighbours_t nb;
    if (reco_model_similar_users(b->m, &o, &nb) != 0) {
        reco_error("tenant %s: similar-customers not computed (out of memory, or cancelled)",
                   b->tenant);
        return -1;
    }
    int rc = publish_lists(b, RECO_MODEL_SIMILAR_CUSTOMERS, started, built_at, &nb,
                           b->table.user_ids, b->table.user_id_lens, reco_key_model_user, "");
    reco_neighbours_clear(&nb);
    return rc;
}

/* Computes content over the catalogue's items and publishes it. */
static int content_from_catalog(build_t *b, const reco_item_catalog_t *cat, int64_t started,
                                int64_t built_at)
{
    size_t n = reco_item_catalog_count(cat);
    const reco_content_item_t *items = reco_item_catalog_items(cat);
    const char **ids = malloc((n ? n : 1) * sizeof *ids);
    size_t *lens = malloc((n ? n : 1) * sizeof *lens);
    reco_content_options_t o = {
        .similarity = {.top_k = b->cfg->top_k, .threads = b->cfg->threads, .tick = tick, .tick_ctx = b},
        .max_term_items = b->cfg->content_max_term_items};
    reco_content_stats_t stats;
    reco_neighbours_t nb = {0};
    int rc = ids && lens ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        ids[i] = items[i].id;
        lens[i] = items[i].id_len;
    }
    if (rc == 0 && (rc = reco_model_content(items, n, &o, &nb, &stats)) != 0)
        reco_error("tenant %s: content not computed (out of memory, or cancelled)", b->tenant);
    if (rc == 0 && stats.bad_json)
        reco_warn("tenant %s: content: %zu category/attribute values are not JSON (ignored)",
                  b->tenant, stats.bad_json);
    char detail[128];
    snprintf(detail, sizeof detail, " over %zu catalogue items, %zu terms (%zu too common)", n,
             stats.terms, stats.dropped);
    if (rc == 0)
        rc = publish_lists(b, RECO_MODEL_CONTENT, started, built_at, &nb, ids, lens,
                           reco_key_model_item, detail);
    reco_neighbours_clear(&nb);
    free(ids);
    free(lens);
    return rc;
}

static int build_content(build_t *b)
{
    int64_t started = monotonic_ms(), built_at = reco_now_ms();
    return content_from_catalog(b, b->catalog, started, built_at);
}

/* One ZSET of rules at key: member = the consequent's id, or "<c>\x1f<d>" for a 2-item one. */
static int write_rule_list(build_t *b, reco_version_t *v, const char *key, const reco_rule_t *r,
                           size_t n)
{
    const char *const *ids = b->table.item_ids;
    const size_t *id_lens = b->table.item_id_lens;
    size_t bytes = 0;
    for (size_t k = 0; k < n; k++)
        bytes += id_lens[r[k].item[0]] + 2 +
                 (r[k].item[1] == RECO_NO_ITEM ? 0 : id_lens[r[k].item[1]]);
    char *text = malloc(bytes), *at = text;
    const char **members = malloc(n * sizeof *members);
    size_t *lens = malloc(n * sizeof *lens);
    double *scores = malloc(n * sizeof *scores);
    int rc = text && members && lens && scores ? 0 : -1;
    for (size_t k = 0; rc == 0 && k < n; k++) {
        int len = r[k].item[1] == RECO_NO_ITEM
                      ? snprintf(at, bytes - (size_t)(at - text), "%s", ids[r[k].item[0]])
                      : reco_member_pair(at, bytes - (size_t)(at - text), ids[r[k].item[0]],
                                         ids[r[k].item[1]]);
        if (len < 0) rc = -1;
        members[k] = at;
        lens[k] = (size_t)len;
        scores[k] = r[k].score;
        at += len + 1;
    }
    if (rc == 0) rc = reco_version_write_members(v, key, members, lens, scores, n);
    free(text);
    free(members);
    free(lens);
    free(scores);
    return rc;
}

/* Every item's list (i:<a>) and every context's list (p:<a>\x1f<b>). */
static int write_rules(build_t *b, reco_version_t *v, const reco_basket_rules_t *r)
{
    char key[RECO_KEY_MAX];
    const char *const *ids = b->table.item_ids;
    const char *model = reco_version_model(v);
    int64_t number = reco_version_number(v);
    for (size_t a = 0; a < r->n_items; a++) {
        if (a % LEASE_CHECK_EVERY == LEASE_CHECK_EVERY - 1 && may_continue(b) != 0) return -1;
        size_t n = r->item_ptr[a + 1] - r->item_ptr[a];
        if (n > 0 && (reco_key_model_item(key, sizeof key, b->tenant, model, number, ids[a]) < 0 ||
                      write_rule_list(b, v, key, r->item_rules + r->item_ptr[a], n) != 0))
            return -1;
    }
    for (size_t c = 0; c < r->n_contexts; c++) {
        if (c % LEASE_CHECK_EVERY == LEASE_CHECK_EVERY - 1 && may_continue(b) != 0) return -1;
        const uint32_t *pair = r->context_items + 2 * c;
        if (reco_key_model_pair(key, sizeof key, b->tenant, model, number, ids[pair[0]],
                                ids[pair[1]]) < 0 ||
            write_rule_list(b, v, key, r->context_rules + r->context_ptr[c],
                            r->context_ptr[c + 1] - r->context_ptr[c]) != 0)
            return -1;
    }
    return 0;
}

/* Mines the rules of the tenant's purchase baskets into *rules. 0 or -1 (logged). */
static int mine_bought_with(build_t *b, reco_basket_rules_t *rules)
{
    reco_basket_list_t baskets;
    memset(rules, 0, sizeof *rules);
    if (reco_baskets_from_events(&b->table, RECO_TYPE_BIT(RECO_EVENT_PURCHASE), BASKET_GAP_MS,
                                 &baskets) != 0) {
        reco_error("tenant %s: out of memory forming baskets", b->tenant);
        return -1;
    }
    reco_basket_options_t o = {.min_support = b->cfg->min_support ? b->cfg->min_support : 2,
                               .top_k = b->cfg->top_k,
                               .max_basket_items = b->cfg->max_basket_items,
                               .tick = tick,
                               .tick_ctx = b};
    int rc = reco_model_bought_with(&baskets, b->table.n_items, &o, rules);
    reco_basket_list_clear(&baskets);
    if (rc != 0)
        reco_error("tenant %s: bought-with not computed (out of memory, or cancelled)", b->tenant);
    return rc;
}

static int build_bought_with(build_t *b)
{
    int64_t started = monotonic_ms(), built_at = reco_now_ms();
    reco_basket_rules_t rules;
    if (mine_bought_with(b, &rules) != 0) return -1;
    reco_version_t *v = reco_version_begin(b->cfg->store, b->tenant, RECO_MODEL_BOUGHT_WITH);
    int rc = v ? write_rules(b, v, &rules) : -1;
    if (v && rc != 0)
        reco_error("tenant %s: bought-with v%" PRId64 ": %s", b->tenant, reco_version_number(v),
                   reco_version_errstr(v));
    if (rc == 0) rc = finish_version(b, v, RECO_MODEL_BOUGHT_WITH, started, built_at);
    size_t lists = 0;
    for (size_t a = 0; rc == 0 && a < rules.n_items; a++)
        lists += rules.item_ptr[a + 1] > rules.item_ptr[a];
    if (rc == 0)
        summary_add(b, "; bought-with v%" PRId64 ": %zu item lists, %zu pair lists, %zu rules from "
                    "%zu baskets in %" PRId64 " ms",
                    reco_version_number(v), lists, rules.n_contexts, rules.n_rules,
                    rules.n_baskets, monotonic_ms() - started);
    reco_basket_rules_clear(&rules);
    reco_version_destroy(&v);
    return rc;
}

/* Reads the action weights, brings the event log up to date with them, and builds the event
 * table and the matrix. 0 or -1 (logged). */
static int read_events(build_t *b)
{
    reco_weights_t *weights = NULL;
    if (reco_weights_load(b->cfg->store, b->tenant, &weights) != 0) return -1;
    if (reco_weights_overrides(weights) || reco_weights_custom(weights))
        reco_debug("tenant %s: %zu built-in weight(s) overridden, %zu custom action(s)", b->tenant,
                   reco_weights_overrides(weights), reco_weights_custom(weights));
    b->state = b->cfg->cache ? reco_event_cache_state(b->cfg->cache, b->tenant) : NULL;
    if (!b->state) b->state = &b->own_state;
    unsigned full_every = b->cfg->cache ? b->cfg->full_every : 1;
    if (reco_dataset_refresh(b->cfg->store, b->tenant, &weights, full_every, b->state, &b->stats,
                             tick, b) != 0)
        return -1;
    if (reco_events_table(b->state->events, &b->table) != 0) {
        reco_error("tenant %s: out of memory ordering the events", b->tenant);
        return -1;
    }
    reco_matrix_source_t src = {.n_users = b->table.n_users,
                                .n_items = b->table.n_items,
                                .user_ids = b->table.user_ids,
                                .user_id_lens = b->table.user_id_lens,
                                .item_ids = b->table.item_ids,
                                .item_id_lens = b->table.item_id_lens,
                                .n_events = b->table.n_events,
                                .user = b->table.user,
                                .item = b->table.item,
                                .weight = b->table.weight};
    if (!(b->m = reco_matrix_from_events(&src))) {
        reco_error("tenant %s: out of memory building the matrix", b->tenant);
        return -1;
    }
    return 0;
}

/* Reads the events and builds every model; the lease is held. */
static int build_models(build_t *b)
{
    int64_t started = monotonic_ms();
    b->now = reco_now_ms();
    if (read_events(b) != 0) return -1;
    if (b->stats.full)
        summary_add(b, "tenant %s: read %zu events (full: %s; %zu users, %zu items", b->tenant,
                    b->stats.events, b->stats.why_full, b->m->n_users, b->m->n_items);
    else
        summary_add(b, "tenant %s: read %zu new events (%zu in memory; %zu users, %zu items",
                    b->tenant, b->stats.events, b->stats.total, b->m->n_users, b->m->n_items);
    if (b->stats.skipped) summary_add(b, "; %zu malformed skipped", b->stats.skipped);
    if (b->stats.unregistered)
        summary_add(b, "; %zu of unregistered actions skipped", b->stats.unregistered);
    summary_add(b, ") in %" PRId64 " ms", monotonic_ms() - started);
    if (reco_item_catalog_load(b->cfg->store, b->tenant, tick, b, &b->catalog) != 0) return -1;
    if (may_continue(b) != 0 || build_popular(b) != 0) return -1;
    if (may_continue(b) != 0 || build_popular_windows(b) != 0) return -1;
    if (may_continue(b) != 0 || build_trending(b) != 0) return -1;
    if (may_continue(b) != 0 || build_item_to_item(b) != 0) return -1;
    if (may_continue(b) != 0 || build_for_user(b) != 0) return -1;
    if (may_continue(b) != 0 || build_cooccur(b, RECO_MODEL_ALSO_VIEWED) != 0) return -1;
    if (may_continue(b) != 0 || build_cooccur(b, RECO_MODEL_ALSO_BOUGHT) != 0) return -1;
    if (may_continue(b) != 0 || build_bought_with(b) != 0) return -1;
    if (may_continue(b) != 0 || build_similar_users(b) != 0) return -1;
    if (may_continue(b) != 0 || build_content(b) != 0) return -1;
    return 0;
}

reco_build_result_t reco_build_tenant(const reco_build_config_t *cfg, const char *tenant)
{
    build_t b = {.cfg = cfg, .tenant = tenant};
    b.lease = reco_lease_new(cfg->store, tenant, cfg->owner, cfg->lease_ms);
    if (!b.lease) return RECO_BUILD_FAILED;
    int got = reco_lease_acquire(b.lease);
    if (got <= 0) {
        if (got == 0)
            reco_info("tenant %s: lease held by %s; skipping", tenant,
                      reco_lease_holder(b.lease)[0] ? reco_lease_holder(b.lease)
                                                    : "another trainer");
        else
            reco_warn("tenant %s: cannot take the lease: %s", tenant,
                      reco_store_errstr(cfg->store));
        reco_lease_destroy(&b.lease);
        return got == 0 ? RECO_BUILD_BUSY : RECO_BUILD_FAILED;
    }
    int64_t started = monotonic_ms();
    int rc = build_models(&b);
    if (rc == 0)
        reco_info("%s; total %" PRId64 " ms", b.summary, monotonic_ms() - started);
    else if (cfg->stop && *cfg->stop)
        reco_info("tenant %s: build abandoned after %" PRId64 " ms (stopping)", tenant,
                  monotonic_ms() - started);
    else if (b.summary_len)
        reco_error("%s; build failed after %" PRId64 " ms", b.summary, monotonic_ms() - started);
    else
        reco_error("tenant %s: build failed after %" PRId64 " ms", tenant,
                   monotonic_ms() - started);
    reco_matrix_destroy(&b.m);
    reco_item_catalog_destroy(&b.catalog);
    reco_event_table_clear(&b.table);
    reco_dataset_state_clear(&b.own_state);
    if (cfg->cache) {
        size_t dropped = reco_event_cache_trim(cfg->cache, tenant);
        if (dropped)
            reco_debug("event cache: %zu tenant(s) dropped to stay within the bound", dropped);
    }
    reco_lease_destroy(&b.lease);
    return rc == 0 ? RECO_BUILD_OK : RECO_BUILD_FAILED;
}
