/* reco_build_models — one tenant's models but for-user: compute, write, flip (see
 * reco_build_internal.h). Each function logs its own failures. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reco_baskets.h"
#include "reco_build_internal.h"
#include "reco_categories.h"
#include "reco_content.h"
#include "reco_cooccur.h"
#include "reco_intern.h"
#include "reco_keys.h"
#include "reco_log.h"
#include "reco_model_keys.h"
#include "reco_popularity.h"
#include "reco_users.h"
#include "reco_validate.h"

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
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
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
    if (rc == 0)
        rc = reco_model_popular_categories(items, count, score, RECO_CATEGORY_LIST_MAX, &cats);
    if (rc != 0) reco_error("tenant %s: out of memory computing popular by category", b->tenant);
    char key[RECO_KEY_MAX];
    for (size_t c = 0; rc == 0 && c < cats.n; c++) {
        if (c % LEASE_CHECK_EVERY == LEASE_CHECK_EVERY - 1 && reco_build_may_continue(b) != 0)
            rc = -1;
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

int reco_build_popular(build_t *b)
{
    int64_t started = reco_monotonic_ms(), built_at = reco_now_ms();
    reco_version_t *v = reco_version_begin(b->store, b->tenant, RECO_MODEL_POPULAR);
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
    if (rc == 0) rc = reco_build_finish(b, v, RECO_MODEL_POPULAR, started, built_at);
    if (rc == 0)
        reco_build_summary(b, "; popular v%" PRId64 ": %zu items, %zu categories in %" PRId64 " ms",
                           reco_version_number(v), n, categories, reco_monotonic_ms() - started);
    reco_version_destroy(&v);
    return rc;
}

int reco_build_item_to_item(build_t *b)
{
    int64_t started = reco_monotonic_ms(), built_at = reco_now_ms();
    reco_version_t *v = reco_version_begin(b->store, b->tenant, RECO_MODEL_ITEM_TO_ITEM);
    if (!v) return -1;
    reco_item_to_item_options_t opts = {
        .top_k = b->cfg->top_k, .threads = b->cfg->threads, .tick = reco_build_tick, .tick_ctx = b};
    reco_neighbours_t nb;
    int rc = reco_model_item_to_item(b->m, &opts, &nb);
    int64_t computed = reco_monotonic_ms();
    if (rc != 0)
        reco_error("tenant %s: item-to-item not computed (out of memory, or cancelled)", b->tenant);
    else
        rc = reco_build_write_neighbours(b, v, &nb);
    if (rc == 0) rc = reco_build_finish(b, v, RECO_MODEL_ITEM_TO_ITEM, started, built_at);
    if (rc == 0) {
        reco_debug("tenant %s: item-to-item v%" PRId64 ": computed in %" PRId64
                   " ms, written and flipped in %" PRId64 " ms",
                   b->tenant, reco_version_number(v), computed - started,
                   reco_monotonic_ms() - computed);
        reco_build_summary(b,
                           "; item-to-item v%" PRId64 ": %zu lists, %zu pairs (computed in %" PRId64
                           " ms) in %" PRId64 " ms",
                           reco_version_number(v), nb.n_lists, nb.n_pairs, computed - started,
                           reco_monotonic_ms() - started);
    }
    reco_neighbours_clear(&nb);
    reco_version_destroy(&v);
    return rc;
}

/* popular-1d, -7d, -30d, -365d: popularity over the last days before the build. */
int reco_build_popular_windows(build_t *b)
{
    static const struct {
        const char *model;
        int days;
    } windows[] = {{RECO_MODEL_POPULAR_1D, 1},
                   {RECO_MODEL_POPULAR_7D, 7},
                   {RECO_MODEL_POPULAR_30D, 30},
                   {RECO_MODEL_POPULAR_365D, 365}};
    for (size_t k = 0; k < sizeof windows / sizeof windows[0]; k++) {
        if (k > 0 && reco_build_may_continue(b) != 0) return -1;
        int64_t started = reco_monotonic_ms(), built_at = reco_now_ms();
        reco_scored_t *list = NULL;
        size_t n = 0;
        if (reco_model_popular_window(&b->table, b->now, windows[k].days * RECO_DAY_MS, &list,
                                      &n) != 0) {
            reco_error("tenant %s: out of memory computing %s", b->tenant, windows[k].model);
            return -1;
        }
        int rc = reco_build_publish_global(b, windows[k].model, started, built_at, list, n);
        free(list);
        if (rc != 0) return -1;
    }
    return 0;
}

int reco_build_trending(build_t *b)
{
    int64_t started = reco_monotonic_ms(), built_at = reco_now_ms();
    reco_scored_t *list = NULL;
    size_t n = 0;
    if (reco_model_trending(&b->table, b->now, TRENDING_HALF_LIFE_MS, &list, &n) != 0) {
        reco_error("tenant %s: out of memory computing trending", b->tenant);
        return -1;
    }
    int rc = reco_build_publish_global(b, RECO_MODEL_TRENDING, started, built_at, list, n);
    free(list);
    return rc;
}

/* also-viewed (view, click) or also-bought (cart, purchase). */
int reco_build_cooccur(build_t *b, const char *model)
{
    int64_t started = reco_monotonic_ms(), built_at = reco_now_ms();
    int viewed = strcmp(model, RECO_MODEL_ALSO_VIEWED) == 0;
    reco_cooccur_options_t o = {
        .type_mask = viewed ? RECO_TYPE_BIT(RECO_EVENT_VIEW) | RECO_TYPE_BIT(RECO_EVENT_CLICK)
                            : RECO_TYPE_BIT(RECO_EVENT_CART) | RECO_TYPE_BIT(RECO_EVENT_PURCHASE),
        .now_ms = b->now,
        .half_life_ms = b->cfg->cooccur_half_life_ms,
        .similarity = {.top_k = b->cfg->top_k,
                       .threads = b->cfg->threads,
                       .tick = reco_build_tick,
                       .tick_ctx = b,
                       .shrinkage = b->cfg->shrinkage}};
    reco_neighbours_t nb;
    size_t kept = 0;
    if (reco_model_cooccur(&b->table, &o, &nb, &kept) != 0) {
        reco_error("tenant %s: %s not computed (out of memory, or cancelled)", b->tenant, model);
        return -1;
    }
    char detail[96];
    snprintf(detail, sizeof detail, " from %zu events (computed in %" PRId64 " ms)", kept,
             reco_monotonic_ms() - started);
    int rc = reco_build_publish_lists(b, model, started, built_at, &nb, b->table.item_ids,
                                      b->table.item_id_lens, reco_key_model_item, detail);
    reco_neighbours_clear(&nb);
    return rc;
}

int reco_build_similar_users(build_t *b)
{
    int64_t started = reco_monotonic_ms(), built_at = reco_now_ms();
    reco_item_to_item_options_t o = {
        .top_k = b->cfg->similar_users_top_k ? b->cfg->similar_users_top_k : b->cfg->top_k,
        .threads = b->cfg->threads,
        .tick = reco_build_tick,
        .tick_ctx = b,
        .max_row_entries = b->cfg->similar_users_max_item_users,
        .sample_long_rows = b->cfg->similar_users_sample};
    reco_neighbours_t nb;
    if (reco_model_similar_users(b->m, &o, &nb) != 0) {
        reco_error("tenant %s: similar-customers not computed (out of memory, or cancelled)",
                   b->tenant);
        return -1;
    }
    char detail[64];
    snprintf(detail, sizeof detail, " (computed in %" PRId64 " ms)", reco_monotonic_ms() - started);
    int rc = reco_build_publish_lists(b, RECO_MODEL_SIMILAR_CUSTOMERS, started, built_at, &nb,
                                      b->table.user_ids, b->table.user_id_lens, reco_key_model_user,
                                      detail);
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
    reco_content_options_t o = {.similarity = {.top_k = b->cfg->top_k,
                                               .threads = b->cfg->threads,
                                               .tick = reco_build_tick,
                                               .tick_ctx = b},
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
        rc = reco_build_publish_lists(b, RECO_MODEL_CONTENT, started, built_at, &nb, ids, lens,
                                      reco_key_model_item, detail);
    reco_neighbours_clear(&nb);
    free(ids);
    free(lens);
    return rc;
}

int reco_build_content(build_t *b)
{
    int64_t started = reco_monotonic_ms(), built_at = reco_now_ms();
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
        bytes +=
            id_lens[r[k].item[0]] + 2 + (r[k].item[1] == RECO_NO_ITEM ? 0 : id_lens[r[k].item[1]]);
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
        if (a % LEASE_CHECK_EVERY == LEASE_CHECK_EVERY - 1 && reco_build_may_continue(b) != 0)
            return -1;
        size_t n = r->item_ptr[a + 1] - r->item_ptr[a];
        if (n > 0 && (reco_key_model_item(key, sizeof key, b->tenant, model, number, ids[a]) < 0 ||
                      write_rule_list(b, v, key, r->item_rules + r->item_ptr[a], n) != 0))
            return -1;
    }
    for (size_t c = 0; c < r->n_contexts; c++) {
        if (c % LEASE_CHECK_EVERY == LEASE_CHECK_EVERY - 1 && reco_build_may_continue(b) != 0)
            return -1;
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
                               .tick = reco_build_tick,
                               .tick_ctx = b};
    int rc = reco_model_bought_with(&baskets, b->table.n_items, &o, rules);
    reco_basket_list_clear(&baskets);
    if (rc != 0)
        reco_error("tenant %s: bought-with not computed (out of memory, or cancelled)", b->tenant);
    return rc;
}

int reco_build_bought_with(build_t *b)
{
    int64_t started = reco_monotonic_ms(), built_at = reco_now_ms();
    reco_basket_rules_t rules;
    if (mine_bought_with(b, &rules) != 0) return -1;
    reco_version_t *v = reco_version_begin(b->store, b->tenant, RECO_MODEL_BOUGHT_WITH);
    int rc = v ? write_rules(b, v, &rules) : -1;
    if (v && rc != 0)
        reco_error("tenant %s: bought-with v%" PRId64 ": %s", b->tenant, reco_version_number(v),
                   reco_version_errstr(v));
    if (rc == 0) rc = reco_build_finish(b, v, RECO_MODEL_BOUGHT_WITH, started, built_at);
    size_t lists = 0;
    for (size_t a = 0; rc == 0 && a < rules.n_items; a++)
        lists += rules.item_ptr[a + 1] > rules.item_ptr[a];
    if (rc == 0)
        reco_build_summary(b,
                           "; bought-with v%" PRId64
                           ": %zu item lists, %zu pair lists, %zu rules from "
                           "%zu baskets in %" PRId64 " ms",
                           reco_version_number(v), lists, rules.n_contexts, rules.n_rules,
                           rules.n_baskets, reco_monotonic_ms() - started);
    reco_basket_rules_clear(&rules);
    reco_version_destroy(&v);
    return rc;
}
