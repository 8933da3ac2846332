/* reco_build — orchestration of one tenant's rebuild (see reco_build.h).
 *
 * The action weights (reco:{T}:actions) are read once, just before the stream, so a whole build
 * weighs every event with the same table. The matrix is read once and shared by both models.
 * Timings use CLOCK_MONOTONIC; built_at is wall-clock epoch ms. meta.duration_ms of a model is its
 * compute + write time (the shared read is reported separately in the log line). */
#include "reco_build.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "reco_dataset.h"
#include "reco_keys.h"
#include "reco_lease.h"
#include "reco_log.h"
#include "reco_models.h"
#include "reco_publish.h"
#include "reco_validate.h"
#include "reco_weights.h"

#define LEASE_CHECK_EVERY 1024 /* items written between lease renewals / stop checks */

typedef struct {
    const reco_build_config_t *cfg;
    const char *tenant;
    reco_lease_t *lease;
    reco_matrix_t *m;
    reco_dataset_stats_t stats;
    char summary[1024];
    size_t summary_len;
} build_t;

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
                                .events = b->stats.events,
                                .users = b->m->n_users,
                                .items = b->m->n_items};
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

static int build_popular(build_t *b)
{
    int64_t started = monotonic_ms(), built_at = reco_now_ms();
    reco_version_t *v = reco_version_begin(b->cfg->store, b->tenant, RECO_MODEL_POPULAR);
    if (!v) return -1;
    reco_scored_t *list = NULL;
    size_t n = 0;
    int rc = reco_model_popular(b->m, &list, &n);
    if (rc != 0)
        reco_error("tenant %s: out of memory computing popular", b->tenant);
    else if ((rc = reco_version_write_global(v, b->m, list, n)) != 0)
        reco_error("tenant %s: popular v%" PRId64 ": %s", b->tenant, reco_version_number(v),
                   reco_version_errstr(v));
    free(list);
    if (rc == 0) rc = finish_version(b, v, RECO_MODEL_POPULAR, started, built_at);
    if (rc == 0)
        summary_add(b, "; popular v%" PRId64 ": %zu items in %" PRId64 " ms",
                    reco_version_number(v), n, monotonic_ms() - started);
    reco_version_destroy(&v);
    return rc;
}

static int write_neighbours(build_t *b, reco_version_t *v, const reco_neighbours_t *nb)
{
    for (size_t i = 0; i < nb->n_items; i++) {
        if (i % LEASE_CHECK_EVERY == LEASE_CHECK_EVERY - 1 && may_continue(b) != 0) return -1;
        size_t count = nb->ptr[i + 1] - nb->ptr[i];
        if (count > 0 &&
            reco_version_write_item(v, b->m, (uint32_t)i, nb->entries + nb->ptr[i], count) != 0) {
            reco_error("tenant %s: item-to-item v%" PRId64 ": %s", b->tenant,
                       reco_version_number(v), reco_version_errstr(v));
            return -1;
        }
    }
    return 0;
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

/* Reads the action weights, then the events weighed with them. 0 or -1 (logged). */
static int read_events(build_t *b)
{
    reco_weights_t *weights = NULL;
    if (reco_weights_load(b->cfg->store, b->tenant, &weights) != 0) return -1;
    int rc = reco_dataset_load(b->cfg->store, b->tenant, weights, &b->m, &b->stats, tick, b);
    if (rc == 0 && (reco_weights_overrides(weights) || reco_weights_custom(weights)))
        reco_debug("tenant %s: %zu built-in weight(s) overridden, %zu custom action(s)", b->tenant,
                   reco_weights_overrides(weights), reco_weights_custom(weights));
    reco_weights_destroy(&weights);
    return rc;
}

/* Reads the events and builds every model; the lease is held. */
static int build_models(build_t *b)
{
    int64_t started = monotonic_ms();
    if (read_events(b) != 0) return -1;
    summary_add(b, "tenant %s: read %zu events (%zu users, %zu items", b->tenant, b->stats.events,
                b->m->n_users, b->m->n_items);
    if (b->stats.skipped) summary_add(b, "; %zu malformed skipped", b->stats.skipped);
    if (b->stats.unregistered)
        summary_add(b, "; %zu of unregistered actions skipped", b->stats.unregistered);
    summary_add(b, ") in %" PRId64 " ms", monotonic_ms() - started);
    if (may_continue(b) != 0 || build_popular(b) != 0) return -1;
    if (may_continue(b) != 0 || build_item_to_item(b) != 0) return -1;
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
    reco_lease_destroy(&b.lease);
    return rc == 0 ? RECO_BUILD_OK : RECO_BUILD_FAILED;
}
