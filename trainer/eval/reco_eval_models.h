/* reco_eval_models — each served model trained with the trainer's own function, and ranked for a
 * user the way the query worker ranks it.
 *
 *   popular         reco_model_popular; the global list, the user's items left out
 *   item-to-item    reco_model_item_to_item (top_k neighbours); Σ of the neighbour lists of the
 *                   user's 20 most recent items (RECO_EVAL_I2I_HISTORY, the query's
 *                   RECO_RECOMMEND_USER_ITEMS)
 *   for-user        reco_ease (served options); Σ of x_ui · row i of B over the user's 200 most
 *                   recent items (RECO_EVAL_FOR_USER_HISTORY, or ctx->for_user_history), items
 *                   with a sum > 0; when that
 *                   gives fewer than K items, the item-to-item ranking fills in (docs/models.md).
 *                   train time = the EASE computation only (item-to-item is built anyway)
 *   ease-reference  reco_ease_dense over every item, untruncated: x_u · B over ALL the user's
 *                   train items, every unseen item ranked — the bar for the served models
 *   popular-1d, -7d, -30d, -365d, trending
 *                   reco_model_popular_window / reco_model_trending at `now` = the latest train
 *                   event; served like popular
 *   also-viewed     reco_model_cooccur over every row taken as a view (the CSV has no types),
 *                   shrinkage 10, half-life 30 days (the trainer's defaults); served like
 *                   item-to-item
 *   similar-customers
 *                   reco_model_similar_users (top 20); the user's 20 best neighbours' 50 most
 *                   recent train items, each adding the neighbour's similarity (the query's
 *                   serve_similar_customers)
 * Not here: also-bought and bought-with (no purchases, orders or sessions in a CSV of
 * interactions) and content (no catalogue).
 *
 * A summed list is read like the query reads a ZSET: its list_entries best scores only (the
 * query reads max(limit + 20, 50) entries of each list it sums, so 50 for K <= 30).
 *
 * Items the user has in the train part are never ranked. Ties: smaller item index first.
 * Lists may be shorter than K: nothing is padded.
 *
 * Ownership: the context and what it points to are borrowed by a model for its whole life; a
 * model owns its lists and a scratch area, so one model must not rank from two threads. */
#ifndef RECO_EVAL_MODELS_H
#define RECO_EVAL_MODELS_H

#include <stddef.h>
#include <stdint.h>

#include "reco_ease.h"
#include "reco_ease_users.h"
#include "reco_events.h"
#include "reco_matrix.h"

#define RECO_EVAL_I2I_HISTORY 20
#define RECO_EVAL_FOR_USER_HISTORY 200
#define RECO_EVAL_LIST_ENTRIES 50    /* the query's RECO_RECOMMEND_LIST_MIN */
#define RECO_EVAL_NEIGHBOUR_USERS 20 /* the query's RECO_RECOMMEND_NEIGHBOUR_USERS */
#define RECO_EVAL_NEIGHBOUR_ITEMS 50 /* the query's RECO_RECOMMEND_NEIGHBOUR_ITEMS */
/* the trainer's defaults (trainer/main.c, reco_build.c) */
#define RECO_EVAL_SHRINKAGE 10.0
#define RECO_EVAL_COOCCUR_HALF_LIFE_MS (30LL * 86400000LL)
#define RECO_EVAL_TRENDING_HALF_LIFE_MS (86400000LL)
#define RECO_EVAL_SIMILAR_USERS_TOP_K 20

typedef struct {
    const reco_matrix_t *train;
    /* the train events, numbered like train (time-window, trending and also-viewed models);
     * every row is a view */
    const reco_event_table_t *events;
    /* per train-matrix user: the distinct train items, most recent first, with x_ui (the summed
     * train weight of the pair) */
    const size_t *recent_ptr; /* n_users + 1 */
    const uint32_t *recent_items;
    const double *recent_weights;
    int64_t now;              /* the latest train timestamp (time-window models) */
    size_t for_user_history;  /* recent items for-user sums over; 0: RECO_EVAL_FOR_USER_HISTORY */
    size_t list_entries;      /* entries of each summed list read, best score first; 0: all */
    double recency_half_life; /* for-user: the r-th most recent item (r from 0) weighs
                               * 2^(−r / half-life); 0: every item weighs the same (the query) */
    int threads;              /* item-to-item threads and OpenBLAS threads */
    size_t top_k;             /* item-to-item neighbours per item (the trainer's --top-k) */
    size_t similar_users_max_item_users; /* similar-customers: items of more users sampled
                                          * (similar_users_sample) or ignored; 0: none */
    int similar_users_sample;
    reco_ease_options_t ease; /* for-user */
    reco_ease_users_options_t ease_users; /* for-user's per-user lists (top_n 0: none) */
    reco_ease_options_t reference; /* ease-reference (max_items and top_k are ignored: all) */
} reco_eval_context_t;

typedef struct reco_eval_model reco_eval_model_t;

/* The known model names, in the default order. */
size_t reco_eval_model_count(void);
const char *reco_eval_model_name(size_t which);
/* Index of name, or -1. */
int reco_eval_model_find(const char *name);

/* Trains model `which` on ctx->train. NULL when out of memory or the computation failed. */
reco_eval_model_t *reco_eval_model_train(size_t which, const reco_eval_context_t *ctx);
void reco_eval_model_destroy(reco_eval_model_t **m);

/* Milliseconds the model's own computation took. */
double reco_eval_model_train_ms(const reco_eval_model_t *m);

/* Writes up to k train-matrix item indices, best first, for train-matrix user `user` into out;
 * returns how many. */
size_t reco_eval_model_rank(reco_eval_model_t *m, uint32_t user, size_t k, uint32_t *out);

#endif
