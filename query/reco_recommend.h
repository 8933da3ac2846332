/* reco_recommend — the `recommend` op: reads the version the trainer currently serves of the
 * model asked for and answers from its ZSETs (docs/models.md, docs/redis-keys.md).
 *
 *   global lists (popular*, trending): the top of …:<v>:all.
 *   neighbour lists (item-to-item, also-viewed, also-bought, content, for-user): one context
 *     item: its list …:<v>:i:<item>, paged; several: their lists summed; a user alone: the
 *     lists of the user's fresh history (20 most recent items, 200 for for-user, each weighted
 *     1) summed. for-user is filled up from item-to-item over the same context when EASE (which
 *     only knows the most active items) yields fewer than limit.
 *   bought-with: the rules of one context item (…:i:<item>), or of several: the single lists of
 *     every item and the pair lists …:p:<a>\x1f<b> of the pairs among the first 4, summed;
 *     2-item sets only with include_sets.
 *   similar-customers: the user's 20 nearest users (…:u:<user>); the 50 most recent items of
 *     each, weighted by the user's similarity, summed.
 *
 * Never returned: hidden items, context items, and with exclude_seen the user's whole history (a
 * set is left out when either of its items is). A single list keeps Redis's order; summed lists
 * rank by score descending, then item id ascending (bytewise).
 *
 * Reply: {model, version, recommendations: [{item, score, model}…]}, a set as {items: [x, y],
 * score, model}; `model` of an entry is the model that produced it (item-to-item for for-user's
 * fill). A model never built: version null, no recommendations. */
#ifndef RECO_RECOMMEND_H
#define RECO_RECOMMEND_H

#include <jansson.h>

#include "reco_ranking.h"
#include "reco_recommend_args.h"
#include "reco_store.h"
#include "reco_wire.h"

#define RECO_RECOMMEND_NEIGHBOUR_USERS 20 /* similar-customers: neighbours used */
#define RECO_RECOMMEND_NEIGHBOUR_ITEMS 50 /* similar-customers: recent items per neighbour */
#define RECO_RECOMMEND_PAIR_ITEMS 4       /* bought-with: context items whose pairs are read */
#define RECO_RECOMMEND_LIST_MIN 50        /* entries read per summed list, at least */

/* The recommendations array of a reply. model: the entries' model when theirs is NULL; sets:
 * members are bought-with members (a 2-item set becomes {items: [x, y]}). Entries that cannot be
 * sent (not UTF-8, malformed sets) are left out with a warning. NULL when out of memory. */
json_t *reco_recommendations_json(const reco_scored_list_t *list, const char *model, int sets);

/* What a scenario's chain (reco_chain.c) changes in one run; all zero = the op's own rules. */
typedef struct {
    const char *list_key;       /* global models: read this ZSET instead of …:<v>:all (e.g.
                                   popular in one category); NULL = the model's own list */
    const char *seen_key;       /* a ZSET left out when args leave no history out (the user's
                                   purchases); NULL = none */
    const char *const *exclude; /* more ids never returned (earlier steps' answers) */
    size_t n_exclude;
    int keep_context;           /* context items may be returned */
} reco_recommend_opts_t;

/* One model run for validated args a: versions[0] is a->model's version (not 0), versions[1]
 * its fill's (0 = none); opts may be NULL. Appends at most a->limit entries to out (an entry's
 * model is NULL unless a fill produced it). 0, or -1 with rep filled. */
int reco_recommend_run(reco_store_t *store, const char *tenant, const reco_recommend_args_t *a,
                       const int64_t versions[2], const reco_recommend_opts_t *opts,
                       reco_scored_list_t *out, reco_reply_t *rep);

/* Handles `recommend` for a validated tenant; always fills rep. */
void reco_recommend_handle(reco_store_t *store, const char *tenant, const json_t *args,
                           reco_reply_t *rep);

#endif
