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
#include "reco_build_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reco_baskets.h"
#include "reco_categories.h"
#include "reco_content.h"
#include "reco_compact.h"
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

void reco_build_summary(build_t *b, const char *fmt, ...)
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
int reco_build_may_continue(build_t *b)
{
    if (b->cfg->stop && *b->cfg->stop) {
        if (!b->side) reco_info("tenant %s: stop requested; abandoning the build", b->tenant);
        return -1;
    }
    if (b->side) return b->cancelled ? -1 : 0;
    return reco_lease_keep(b->lease);
}

int reco_build_tick(void *ctx)
{
    return reco_build_may_continue(ctx);
}

/* Commits v and announces it; logs and returns -1 on failure. */
int reco_build_finish(build_t *b, reco_version_t *v, const char *model, int64_t started,
                      int64_t built_at)
{
    reco_version_meta_t meta = {.built_at_ms = built_at,
                                .duration_ms = reco_monotonic_ms() - started,
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
    if (b->side) {
        if (b->n_notify < (int)(sizeof b->notify / sizeof b->notify[0])) {
            b->notify[b->n_notify].model = model;
            b->notify[b->n_notify++].version = reco_version_number(v);
        }
    } else {
        reco_notifier_send(b->cfg->notifier, b->tenant, model, reco_version_number(v));
    }
    return 0;
}

/* One ZSET per non-empty list i, at key_of(keys.ids[i]), members members.ids[entry]. */
int reco_build_write_lists_as(build_t *b, reco_version_t *v, const reco_neighbours_t *nb,
                              id_table_t keys, id_table_t members, list_key_fn key_of)
{
    char key[RECO_KEY_MAX];
    for (size_t i = 0; i < nb->n_items; i++) {
        if (i % LEASE_CHECK_EVERY == LEASE_CHECK_EVERY - 1 && reco_build_may_continue(b) != 0)
            return -1;
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
int reco_build_write_lists(build_t *b, reco_version_t *v, const reco_neighbours_t *nb,
                           const char *const *ids, const size_t *lens, list_key_fn key_of)
{
    id_table_t t = {ids, lens};
    return reco_build_write_lists_as(b, v, nb, t, t, key_of);
}

/* Item lists (item-to-item and the like) over the matrix's items. */
int reco_build_write_neighbours(build_t *b, reco_version_t *v, const reco_neighbours_t *nb)
{
    return reco_build_write_lists(b, v, nb, (const char *const *)b->m->item_ids, b->m->item_id_lens,
                                  reco_key_model_item);
}

/* Publishes one global list under a new version of model. */
int reco_build_publish_global(build_t *b, const char *model, int64_t started, int64_t built_at,
                              const reco_scored_t *list, size_t n)
{
    reco_version_t *v = reco_version_begin(b->store, b->tenant, model);
    if (!v) return -1;
    int rc = reco_version_write_global(v, b->m, list, n);
    if (rc != 0)
        reco_error("tenant %s: %s v%" PRId64 ": %s", b->tenant, model, reco_version_number(v),
                   reco_version_errstr(v));
    if (rc == 0) rc = reco_build_finish(b, v, model, started, built_at);
    if (rc == 0)
        reco_build_summary(b, "; %s v%" PRId64 ": %zu items in %" PRId64 " ms", model,
                           reco_version_number(v), n, reco_monotonic_ms() - started);
    reco_version_destroy(&v);
    return rc;
}

/* Publishes neighbour lists, one ZSET per list at key_of(ids[i]), under a new version of model;
 * detail goes into the log line. */
int reco_build_publish_lists(build_t *b, const char *model, int64_t started, int64_t built_at,
                             const reco_neighbours_t *nb, const char *const *ids,
                             const size_t *lens, list_key_fn key_of, const char *detail)
{
    reco_version_t *v = reco_version_begin(b->store, b->tenant, model);
    if (!v) return -1;
    int rc = reco_build_write_lists(b, v, nb, ids, lens, key_of);
    if (rc == 0) rc = reco_build_finish(b, v, model, started, built_at);
    if (rc == 0)
        reco_build_summary(b, "; %s v%" PRId64 ": %zu lists, %zu pairs%s in %" PRId64 " ms", model,
                           reco_version_number(v), nb->n_lists, nb->n_pairs, detail,
                           reco_monotonic_ms() - started);
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
                             reco_build_tick, b) != 0)
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

/* One side lane: for-user, then also-bought. */
static int for_user_then_also_bought(build_t *b)
{
    if (reco_build_for_user(b) != 0) return -1;
    if (reco_build_may_continue(b) != 0) return -1;
    return reco_build_cooccur(b, RECO_MODEL_ALSO_BOUGHT);
}

/* Reads the events and builds every model; the lease is held. */
static int build_models(build_t *b)
{
    int64_t started = reco_monotonic_ms();
    b->now = reco_now_ms();
    if (read_events(b) != 0) return -1;
    if (b->stats.full)
        reco_build_summary(b, "tenant %s: read %zu events (full: %s; %zu users, %zu items",
                           b->tenant, b->stats.events, b->stats.why_full, b->m->n_users,
                           b->m->n_items);
    else
        reco_build_summary(b, "tenant %s: read %zu new events (%zu in memory; %zu users, %zu items",
                           b->tenant, b->stats.events, b->stats.total, b->m->n_users,
                           b->m->n_items);
    if (b->stats.skipped) reco_build_summary(b, "; %zu malformed skipped", b->stats.skipped);
    if (b->stats.unregistered)
        reco_build_summary(b, "; %zu of unregistered actions skipped", b->stats.unregistered);
    reco_build_summary(b, ") in %" PRId64 " ms", reco_monotonic_ms() - started);
    if (reco_item_catalog_load(b->cfg->store, b->tenant, reco_build_tick, b, &b->catalog) != 0)
        return -1;
    /* similar-customers (the longest computation) runs on one side thread, for-user then
     * also-bought on another, beside the rest on this one; the three lanes were balanced on
     * the 20M-event benchmark (bench/train_synthetic.sh). A lane whose thread cannot start is
     * built inline at the end */
    reco_build_side_t *sides[2] = {reco_build_side_start(b, for_user_then_also_bought),
                                   reco_build_side_start(b, reco_build_similar_users)};
    reco_build_model_fn inline_fns[2] = {for_user_then_also_bought, reco_build_similar_users};
    int rc = 0;
    if (rc == 0 && (reco_build_may_continue(b) != 0 || reco_build_popular(b) != 0)) rc = -1;
    if (rc == 0 && (reco_build_may_continue(b) != 0 || reco_build_popular_windows(b) != 0)) rc = -1;
    if (rc == 0 && (reco_build_may_continue(b) != 0 || reco_build_trending(b) != 0)) rc = -1;
    if (rc == 0 && (reco_build_may_continue(b) != 0 || reco_build_item_to_item(b) != 0)) rc = -1;
    if (rc == 0 &&
        (reco_build_may_continue(b) != 0 || reco_build_cooccur(b, RECO_MODEL_ALSO_VIEWED) != 0))
        rc = -1;
    if (rc == 0 && (reco_build_may_continue(b) != 0 || reco_build_bought_with(b) != 0)) rc = -1;
    if (rc == 0 && (reco_build_may_continue(b) != 0 || reco_build_content(b) != 0)) rc = -1;
    for (int k = 0; k < 2; k++) {
        if (sides[k]) {
            if (rc != 0) reco_build_side_cancel(sides[k]);
            if (reco_build_side_join(b, &sides[k]) != 0) rc = -1;
        } else if (rc == 0 && (reco_build_may_continue(b) != 0 || inline_fns[k](b) != 0)) {
            rc = -1;
        }
    }
    return rc;
}

reco_build_result_t reco_build_tenant(const reco_build_config_t *cfg, const char *tenant)
{
    build_t b = {.cfg = cfg, .tenant = tenant, .store = cfg->store};
    /* the lease has a connection of its own: renewals happen while cfg->store has pipelined
     * reads and writes in flight, whose replies they must not take */
    reco_store_t *lease_store =
        reco_store_new(reco_store_address(cfg->store), RECO_BUILD_REDIS_TIMEOUT_MS);
    b.lease = lease_store ? reco_lease_new(lease_store, tenant, cfg->owner, cfg->lease_ms) : NULL;
    if (!b.lease) {
        reco_store_destroy(&lease_store);
        return RECO_BUILD_FAILED;
    }
    if (cfg->lease_renew_ms > 0) reco_lease_set_renew_ms(b.lease, cfg->lease_renew_ms);
    int got = reco_lease_acquire(b.lease);
    if (got <= 0) {
        if (got == 0)
            reco_info("tenant %s: lease held by %s; skipping", tenant,
                      reco_lease_holder(b.lease)[0] ? reco_lease_holder(b.lease)
                                                    : "another trainer");
        else
            reco_warn("tenant %s: cannot take the lease: %s", tenant,
                      reco_store_errstr(lease_store));
        reco_lease_destroy(&b.lease);
        reco_store_destroy(&lease_store);
        return got == 0 ? RECO_BUILD_BUSY : RECO_BUILD_FAILED;
    }
    int64_t started = reco_monotonic_ms();
    int rc = build_models(&b);
    if (rc == 0)
        reco_info("%s; total %" PRId64 " ms", b.summary, reco_monotonic_ms() - started);
    else if (cfg->stop && *cfg->stop)
        reco_info("tenant %s: build abandoned after %" PRId64 " ms (stopping)", tenant,
                  reco_monotonic_ms() - started);
    else if (b.summary_len)
        reco_error("%s; build failed after %" PRId64 " ms", b.summary,
                   reco_monotonic_ms() - started);
    else
        reco_error("tenant %s: build failed after %" PRId64 " ms", tenant,
                   reco_monotonic_ms() - started);
    if (!(cfg->stop && *cfg->stop)) {
        reco_compact_config_t cc = {.interval_ms = cfg->compact_interval_ms,
                                    .chunk = cfg->compact_chunk,
                                    .tick = reco_build_tick,
                                    .tick_ctx = &b};
        reco_compact_maybe(cfg->store, tenant, b.lease, &cc, reco_now_ms());
    }
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
    reco_store_destroy(&lease_store);
    return rc == 0 ? RECO_BUILD_OK : RECO_BUILD_FAILED;
}
