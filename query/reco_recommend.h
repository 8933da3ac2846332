/* reco_recommend — the `recommend` op: reads the model version the trainer currently serves and
 * answers from its ZSETs (docs/protocol.md, docs/redis-keys.md).
 *
 *   popular                 the version's global list, best first
 *   item-to-item + item     the neighbours of that item
 *   item-to-item + user     the neighbours of the user's 20 most recent items (read from the live
 *                           history, so an event stored a second ago counts without retraining),
 *                           similarities summed per candidate
 *
 * Hidden items, the context item and (user path) items the user already has are never returned.
 *
 * The pure parts — argument validation, filtering a ranked page, merging neighbour lists — are
 * exported so that they can be unit-tested without Redis (test_reco_recommend.c).
 *
 * Ownership: reco_scored_list_t owns copies of its item ids; reco_scored_list_clear frees them.
 * reco_recommend_args_t borrows its strings from the request's args (or its own buffers), so it
 * lives no longer than the args. */
#ifndef RECO_RECOMMEND_H
#define RECO_RECOMMEND_H

#include <jansson.h>
#include <stddef.h>

#include "reco_error.h"
#include "reco_store.h"
#include "reco_wire.h"

#define RECO_RECOMMEND_LIMIT_DEFAULT 10
#define RECO_RECOMMEND_LIMIT_MAX 100
#define RECO_RECOMMEND_USER_ITEMS 20      /* most recent history items used for a user */
#define RECO_RECOMMEND_USER_NEIGHBOURS 50 /* neighbours read per history item */

typedef enum { RECO_RECOMMEND_POPULAR, RECO_RECOMMEND_ITEM_TO_ITEM } reco_recommend_kind_t;

/* Points into itself (item_buf, user_buf): do not copy it. */
typedef struct {
    reco_recommend_kind_t kind;
    const char *model; /* its name, RECO_MODEL_POPULAR or RECO_MODEL_ITEM_TO_ITEM */
    const char *item;  /* NULL when absent */
    const char *user;  /* NULL when absent */
    int limit;
    char item_buf[32]; /* integer ids are accepted and turned into decimal text here */
    char user_buf[32];
} reco_recommend_args_t;

/* Validates recommend's args into *out. Returns 0, or -1 with err set to a 400 naming the field. */
int reco_recommend_parse_args(const json_t *args, reco_recommend_args_t *out, reco_error_t *err);

/* ---- ranked lists ---- */

typedef struct {
    char *item; /* owned, NUL-terminated; len bytes */
    size_t len;
    double score;
} reco_scored_t;

typedef struct {
    reco_scored_t *v;
    size_t n, cap;
} reco_scored_list_t;

/* Appends a copy of item. 0, or -1 out of memory. */
int reco_scored_list_push(reco_scored_list_t *list, const char *item, size_t len, double score);
void reco_scored_list_clear(reco_scored_list_t *list);

/* Appends to out, in order, the entries of page whose drop flag is 0 and which are not `exclude`
 * (NULL: none), until out holds limit entries. drop may be NULL (drop nothing).
 * Returns 0, or -1 out of memory. */
int reco_scored_list_take(reco_scored_list_t *out, size_t limit, const reco_scored_list_t *page,
                          const unsigned char *drop, const char *exclude);

/* ---- merging neighbour lists (user path) ---- */

typedef struct reco_scoreboard reco_scoreboard_t;

reco_scoreboard_t *reco_scoreboard_new(void);
void reco_scoreboard_destroy(reco_scoreboard_t **board);
/* Adds score to item's sum (a new item starts at 0). 0, or -1 out of memory. */
int reco_scoreboard_add(reco_scoreboard_t *board, const char *item, size_t len, double score);
/* item never appears in the ranking, whether added before or after. 0, or -1 out of memory. */
int reco_scoreboard_exclude(reco_scoreboard_t *board, const char *item, size_t len);
/* Every item not excluded into out (appended), by summed score descending, then by id
 * ascending (bytewise), so the order never depends on hashing. 0, or -1 out of memory. */
int reco_scoreboard_rank(const reco_scoreboard_t *board, reco_scored_list_t *out);

/* ---- the op ---- */

/* Handles `recommend` for a validated tenant; always fills rep. */
void reco_recommend_handle(reco_store_t *store, const char *tenant, const json_t *args, reco_reply_t *rep);

#endif
