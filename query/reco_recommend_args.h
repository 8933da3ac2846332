/* reco_recommend_args — the models the query worker serves (docs/models.md) and the checked
 * arguments of `recommend`.
 *
 * The table says, per model, how it is served: the top of one global list; the neighbour lists
 * of context items (or of the user's fresh history); association rules (bought-with); or the
 * recent items of similar users. Everything model-specific the serving code needs is a field of
 * the table, so adding a model of an existing kind is one line.
 *
 * Argument rules (the gateway checks the same; a worker checks again, never trusting its input,
 * and answers 400 naming the field):
 *   model          required, one of the table's names
 *   items          array of 0..20 context item ids (strings or integers); `item` is the legacy
 *                  single id, treated as one more element; repeats are dropped, order is kept
 *   user           an id, optional (required by similar-customers)
 *   limit          1..50, default 10
 *   offset         0..1000, default 0: passing entries skipped before the page starts
 *   pscore, pitem  the page cursor (TasteHit's pagination score): only entries ranked strictly
 *                  after (pscore, pitem) are returned. The ranking is score descending, then
 *                  member ascending (bytewise), so "after" means score < pscore, or score ==
 *                  pscore and member > pitem; without pitem, score < pscore (TasteHit's rule:
 *                  nothing scored pscore or more). pscore a finite number; pitem an item id, or
 *                  a bought-with set "x\x1fy" as replies carry it in `next`
 *   filters        TasteHit filters (common/reco_filter.h), AND-ed
 *   attributes     array of 0..20 names: title, categories, created_at, updated_at, or any
 *                  attribute name (attr:<name>); each returned item carries them
 *   include_sets   bool, default false (bought-with only: return 2-item sets too)
 *   exclude_seen   bool, default true when the list is derived from the user (the personalised
 *                  models for-user and similar-customers, and any neighbour model served from the
 *                  user's history); leaves out everything in the user's history
 *
 * Ownership: reco_recommend_args_t borrows its strings from the request's args or from its own
 * id_buf, so it must not be copied and lives no longer than the args. */
#ifndef RECO_RECOMMEND_ARGS_H
#define RECO_RECOMMEND_ARGS_H

#include <jansson.h>
#include <stddef.h>

#include "reco_error.h"
#include "reco_filter.h"
#include "reco_query_args.h"
#include "reco_validate.h"

#define RECO_RECOMMEND_LIMIT_DEFAULT 10
#define RECO_RECOMMEND_LIMIT_MAX 50
#define RECO_RECOMMEND_OFFSET_MAX 1000
#define RECO_RECOMMEND_ATTRIBUTES_MAX 20
#define RECO_RECOMMEND_PITEM_MAX (2 * RECO_ID_MAX + 1) /* a set: x \x1f y */
#define RECO_RECOMMEND_CONTEXT_MAX 20 /* context items per request */

typedef enum {
    RECO_SERVE_GLOBAL,           /* the top of …:<v>:all */
    RECO_SERVE_NEIGHBOURS,       /* …:<v>:i:<item> of the context items or the user's history */
    RECO_SERVE_BOUGHT_WITH,      /* …:i:<item> and …:p:<a>\x1f<b> of the context items */
    RECO_SERVE_SIMILAR_CUSTOMERS /* …:u:<user> neighbours, then their recent items */
} reco_serve_t;

typedef struct {
    const char *name; /* as in the API and in Redis keys */
    reco_serve_t serve;
    int history_items; /* NEIGHBOURS: most recent history items summed for a user alone */
    int personalised;  /* exclude_seen defaults to true */
    const char *fill;  /* model filling a list shorter than limit (same context), or NULL */
    int positive_only; /* a score <= 0 is no recommendation (EASE's rows hold negative weights) */
    int user_lists;    /* NEIGHBOURS: a user alone is served from …:u:<user> plus fresh rows
                        * (reco_for_user.h) when the trainer stored a list for the user */
} reco_model_info_t;

/* The entry for name, or NULL if no such model. */
const reco_model_info_t *reco_model_find(const char *name);
/* Every model, in the order of docs/models.md: i in [0, reco_model_count()). */
size_t reco_model_count(void);
const reco_model_info_t *reco_model_at(size_t i);
/* The names for error messages: reco_model_list_text (common/reco_model_names.h), whose order
 * this table follows (the unit test checks it). */

/* Points into itself (id_buf): do not copy it. */
typedef struct {
    const reco_model_info_t *model;
    const char *items[RECO_RECOMMEND_CONTEXT_MAX]; /* context items, distinct, in request order */
    size_t n_items;
    const char *user; /* NULL when absent */
    int limit;
    int include_sets;
    int exclude_seen; /* resolved: the explicit value, or the default described above */
    int offset;
    int has_cursor;     /* pscore given */
    double pscore;
    const char *pitem;  /* NULL: no tie-break, every entry scored pscore is left out */
    size_t pitem_len;
    reco_filter_set_t filters;
    const char *attributes[RECO_RECOMMEND_ATTRIBUTES_MAX]; /* names, borrowed from args */
    size_t n_attributes;
    char id_buf[RECO_RECOMMEND_CONTEXT_MAX + 2][RECO_QUERY_ID_BUF]; /* integer ids as text */
} reco_recommend_args_t;

/* Validates recommend's args into *out. Returns 0, or -1 with err set to a 400 naming the field. */
int reco_recommend_parse_args(const json_t *args, reco_recommend_args_t *out, reco_error_t *err);

#endif
