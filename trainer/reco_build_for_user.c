/* reco_build_for_user — for-user (EASE) for one tenant, inline or on a side thread (see
 * reco_build_internal.h, and reco_ease / reco_ease_users for the model). */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reco_build_internal.h"
#include "reco_ease.h"
#include "reco_ease_users.h"
#include "reco_keys.h"
#include "reco_log.h"
#include "reco_model_keys.h"
#include "reco_notify.h"
#include "reco_validate.h"

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
    /* beside the other models (side thread) one thread: OpenBLAS's threads spin while they
     * wait, and on an oversubscribed machine that costs more than it gains */
    opts.threads = b->side ? 1 : c->threads;
    if (c->ease_lambda > 0) opts.lambda = c->ease_lambda;
    if (c->ease_max_items) opts.max_items = c->ease_max_items;
    if (c->ease_top_k) opts.top_k = c->ease_top_k;
    reco_ease_users_options_t uo = {.top_n = c->for_user_list,
                                    .min_items = c->for_user_min_items,
                                    .max_lists = c->for_user_max_lists,
                                    .dense_budget = RECO_EASE_DENSE_BUDGET_DEFAULT,
                                    .threads = b->side ? 1 : c->threads,
                                    .tick = reco_build_tick,
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

int reco_build_for_user(build_t *b)
{
    int64_t started = reco_monotonic_ms(), built_at = reco_now_ms();
    reco_version_t *v = reco_version_begin(b->store, b->tenant, RECO_MODEL_FOR_USER);
    if (!v) return -1;
    reco_neighbours_t rows, users;
    int dense = 0;
    int rc = compute_for_user(b, &rows, &users, &dense);
    int64_t computed = reco_monotonic_ms();
    if (rc != 0)
        reco_error("tenant %s: for-user not computed (out of memory, the factorisation failed, "
                   "or cancelled)",
                   b->tenant);
    else if ((rc = reco_build_write_neighbours(b, v, &rows)) == 0)
        rc = reco_build_write_lists_as(
            b, v, &users, (id_table_t){b->table.user_ids, b->table.user_id_lens},
            (id_table_t){(const char *const *)b->m->item_ids, b->m->item_id_lens},
            reco_key_model_user);
    if (rc == 0) rc = reco_build_finish(b, v, RECO_MODEL_FOR_USER, started, built_at);
    if (rc == 0)
        reco_build_summary(
            b,
            "; for-user v%" PRId64 ": %zu item rows, %zu pairs, %zu user lists (%s rows) "
            "in %" PRId64 " ms (EASE %" PRId64 " ms)",
            reco_version_number(v), rows.n_lists, rows.n_pairs, users.n_lists,
            dense ? "dense" : "top-K", reco_monotonic_ms() - started, computed - started);
    reco_neighbours_clear(&rows);
    reco_neighbours_clear(&users);
    reco_version_destroy(&v);
    return rc;
}

/* ---- the side thread -------------------------------------------------------------------- */

struct reco_build_side {
    build_t ctx; /* a side context: shares main's inputs, owns ctx.store */
    pthread_t thread;
    int rc;
    int done; /* set (atomically) by the side thread when it has finished */
    reco_build_model_fn build;
};

static void *side_run(void *arg)
{
    reco_build_side_t *s = arg;
    s->rc = s->build(&s->ctx);
    __atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

reco_build_side_t *reco_build_side_start(build_t *main, reco_build_model_fn build)
{
    reco_build_side_t *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->build = build;
    s->ctx = *main;
    s->ctx.side = 1;
    s->ctx.summary_len = 0;
    s->ctx.summary[0] = '\0';
    s->ctx.store = reco_store_new(reco_store_address(main->store), RECO_BUILD_REDIS_TIMEOUT_MS);
    if (!s->ctx.store || pthread_create(&s->thread, NULL, side_run, s) != 0) {
        reco_store_destroy(&s->ctx.store);
        free(s);
        return NULL;
    }
    return s;
}

void reco_build_side_cancel(reco_build_side_t *side)
{
    if (side) side->ctx.cancelled = 1;
}

int reco_build_side_join(build_t *main, reco_build_side_t **side)
{
    reco_build_side_t *s = *side;
    /* the main thread keeps the lease alive while the side thread finishes: nobody else renews
     * it, and the side's flip checks it */
    while (!__atomic_load_n(&s->done, __ATOMIC_ACQUIRE)) {
        if (reco_build_may_continue(main) != 0) s->ctx.cancelled = 1;
        nanosleep(&(struct timespec){.tv_nsec = 20 * 1000 * 1000}, NULL);
    }
    pthread_join(s->thread, NULL);
    if (s->ctx.summary_len) reco_build_summary(main, "%s", s->ctx.summary);
    for (int k = 0; k < s->ctx.n_notify; k++) /* flips are announced even if a later one failed */
        reco_notifier_send(main->cfg->notifier, main->tenant, s->ctx.notify[k].model,
                           s->ctx.notify[k].version);
    int rc = s->rc;
    reco_store_destroy(&s->ctx.store);
    free(s);
    *side = NULL;
    return rc;
}
