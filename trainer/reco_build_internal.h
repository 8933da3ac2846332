/* reco_build_internal — what the files of one tenant's rebuild share (not for other modules).
 *
 *   reco_build.c           orchestration: lease, read, the order of the models, the log line,
 *                          and the helpers below (clock, summary, checks, writing lists,
 *                          committing a version)
 *   reco_build_models.c    popular (with its categories), the time windows, trending,
 *                          item-to-item, also-viewed / also-bought, similar-customers, content,
 *                          bought-with
 *   reco_build_for_user.c  for-user (EASE), and the side threads: similar-customers (the
 *                          longest computation of a large tenant) on one, for-user then
 *                          also-bought on another, each with its own Redis connection, while
 *                          the main thread builds and writes the others
 *
 * A build_t is one context: the main one holds the lease and renews it; a side context (side
 * = 1) shares the main one's read-only inputs (matrix, table, catalogue, now), has its own
 * store connection and summary, and only watches the stop flag — the lease is renewed by the
 * main thread, and a version's flip still checks the lease in Redis, so a trainer that lost
 * its lease never flips from either thread. */
#ifndef RECO_BUILD_INTERNAL_H
#define RECO_BUILD_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "reco_build.h"
#include "reco_dataset.h"
#include "reco_events.h"
#include "reco_item_catalog.h"
#include "reco_lease.h"
#include "reco_matrix.h"
#include "reco_models.h"
#include "reco_publish.h"
#include "reco_store.h"

#define LEASE_CHECK_EVERY 1024           /* items written between lease renewals / stop checks */
#define BASKET_GAP_MS (30LL * 60 * 1000) /* key-less events further apart: another basket */
#define TRENDING_HALF_LIFE_MS (24LL * 3600 * 1000)
/* per command, on the connections a build opens besides cfg->store (the lease's, the side
 * thread's): the trainer's own default */
#define RECO_BUILD_REDIS_TIMEOUT_MS 10000

typedef struct {
    const reco_build_config_t *cfg;
    const char *tenant;
    reco_store_t *store;    /* this context's connection: cfg->store, or the side thread's own */
    int side;               /* 1: a side context (no lease renewal, see above) */
    volatile int cancelled; /* side: the main build failed; stop at the next check */
    struct {                /* side: flips to announce from the main thread (ZeroMQ sockets */
        const char *model;  /* are not thread-safe) */
        int64_t version;
    } notify[4];
    int n_notify;
    reco_lease_t *lease;
    reco_matrix_t *m;
    reco_dataset_stats_t stats;
    reco_dataset_state_t *state; /* the cache's, or own_state */
    reco_dataset_state_t own_state;
    reco_event_table_t table;     /* the events; m is built from it and shares its ids */
    reco_item_catalog_t *catalog; /* read once: popular's categories and content */
    int64_t now;                  /* epoch ms, for windows and decays */
    char summary[4096];
    size_t summary_len;
} build_t;

/* Writes a list's key: reco_key_model_item or reco_key_model_user. */
typedef int (*list_key_fn)(char *buf, size_t n, const char *tenant, const char *model,
                           int64_t version, const char *id);

/* The ids naming a list's keys (key_of(ids[i])) and its members (ids[entry]). */
typedef struct {
    const char *const *ids;
    const size_t *lens;
} id_table_t;

void reco_build_summary(build_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* 0 while the build may go on: not asked to stop, and (main context) the lease is still ours. */
int reco_build_may_continue(build_t *b);
int reco_build_tick(void *ctx); /* reco_tick_fn over reco_build_may_continue */
/* Commits v and announces it; logs and returns -1 on failure. */
int reco_build_finish(build_t *b, reco_version_t *v, const char *model, int64_t started,
                      int64_t built_at);
/* One ZSET per non-empty list i, at key_of(keys.ids[i]), members members.ids[entry]. */
int reco_build_write_lists_as(build_t *b, reco_version_t *v, const reco_neighbours_t *nb,
                              id_table_t keys, id_table_t members, list_key_fn key_of);
/* The same with one table for keys and members. */
int reco_build_write_lists(build_t *b, reco_version_t *v, const reco_neighbours_t *nb,
                           const char *const *ids, const size_t *lens, list_key_fn key_of);
/* Item lists (item-to-item and the like) over the matrix's items. */
int reco_build_write_neighbours(build_t *b, reco_version_t *v, const reco_neighbours_t *nb);
/* Publishes one global list under a new version of model. */
int reco_build_publish_global(build_t *b, const char *model, int64_t started, int64_t built_at,
                              const reco_scored_t *list, size_t n);
/* Publishes neighbour lists under a new version of model; detail goes into the log line. */
int reco_build_publish_lists(build_t *b, const char *model, int64_t started, int64_t built_at,
                             const reco_neighbours_t *nb, const char *const *ids,
                             const size_t *lens, list_key_fn key_of, const char *detail);

/* reco_build_models.c: each builds, writes and flips one model (0, or -1 logged). */
int reco_build_popular(build_t *b);
int reco_build_popular_windows(build_t *b);
int reco_build_trending(build_t *b);
int reco_build_item_to_item(build_t *b);
int reco_build_cooccur(build_t *b, const char *model);
int reco_build_similar_users(build_t *b);
int reco_build_content(build_t *b);
int reco_build_bought_with(build_t *b);

/* reco_build_for_user.c */
int reco_build_for_user(build_t *b);
typedef struct reco_build_side reco_build_side_t;
typedef int (*reco_build_model_fn)(build_t *b);
/* Starts a side thread (its own connection to cfg->store's address) building one model. NULL
 * when it cannot (then the caller builds it inline). */
reco_build_side_t *reco_build_side_start(build_t *main, reco_build_model_fn build);
/* Waits for the side thread, appends its summary to main's; 0, or -1 if its model failed.
 * Frees the side; *side = NULL. */
int reco_build_side_join(build_t *main, reco_build_side_t **side);
/* Asks the side thread to stop soon (a failed build); safe on NULL. */
void reco_build_side_cancel(reco_build_side_t *side);

#endif
