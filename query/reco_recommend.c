/* reco_recommend — answers `recommend` from a model version's ZSETs (see reco_recommend.h).
 *
 * One function per way of serving (serve_global, serve_neighbours, serve_bought_with,
 * serve_similar_customers); each reads what it needs through reco_recommend_read.c, whose filter
 * leaves out hidden, context and seen items, and appends at most limit entries to the answer.
 * Round trips: the versions (one MGET, with item-to-item's for for-user's fill); then one per
 * phase: the user's history or the neighbour users, one pipeline of every list to sum, and one
 * pipeline checking the best candidates against the hidden set and the history. A single list
 * is read page by page instead, usually one page. The hidden set is usually remembered
 * (reco_query_remembered_set: tracked by Redis like the versions) and checked here, so without
 * a user's history to leave out the check needs no round trip at all.
 *
 * Ownership: every list, batch and board is freed before the handler returns; the request
 * context borrows the parsed args, which borrow the request's JSON. */
#include "reco_recommend.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reco_for_user.h"
#include "reco_keys.h"
#include "reco_log.h"
#include "reco_query_store.h"
#include "reco_recommend_read.h"
#include "reco_recommend_shape.h"

typedef struct {
    reco_store_t *st;
    const char *tenant;
    const reco_recommend_args_t *a;
    char hidden_key[RECO_KEY_MAX];
    reco_version_cache_set_t hidden; /* the hidden items, when remembered */
    char history_key[RECO_KEY_MAX]; /* the user's history; "" without a user */
    reco_filter_t filter;
    reco_reply_t *rep;
    const reco_recommend_opts_t *opts; /* NULL for the op itself */
} request_t;

static int fail_internal(reco_reply_t *rep, const char *why)
{
    reco_reply_fail(rep, 500, "internal", "%s", why);
    return -1;
}

static int fail_out_of_memory(reco_reply_t *rep)
{
    return fail_internal(rep, "out of memory");
}

/* Entries read from each list that is summed: enough for the largest limit after filtering,
 * and the same for every page, so that the pages of one ranking agree (paging). */
static long list_count(const request_t *req)
{
    (void)req;
    long n = (long)RECO_RECOMMEND_LIMIT_MAX + 20;
    return n > RECO_RECOMMEND_LIST_MIN ? n : RECO_RECOMMEND_LIST_MIN;
}

/* ---- keys not (yet) in common/reco_keys.c: the pair and user lists of docs/models.md ---- */

static int build_key(char *buf, size_t n, const char *tenant, const char *model, int64_t version,
                     const char *kind, const char *a, const char *b)
{
    int len = snprintf(buf, n, "reco:{%s}:m:%s:%" PRId64 ":%s:%s%s%s", tenant, model, version, kind,
                       a, b ? "\x1f" : "", b ? b : "");
    return len < 0 || (size_t)len >= n ? -1 : len;
}

/* …:m:<model>:<v>:p:<a>\x1f<b> with a < b bytewise, whichever order they come in. */
static int model_pair_key(char *buf, size_t n, const char *tenant, const char *model,
                          int64_t version, const char *a, const char *b)
{
    if (strcmp(a, b) > 0) {
        const char *t = a;
        a = b;
        b = t;
    }
    return build_key(buf, n, tenant, model, version, "p", a, b);
}

static int model_user_key(char *buf, size_t n, const char *tenant, const char *model,
                          int64_t version, const char *user)
{
    return build_key(buf, n, tenant, model, version, "u", user, NULL);
}

/* ---- summing lists ---- */

/* Sums the lists of batch (scores times the batch weights, or the weights alone), leaves out
 * the `exclude` ids, ranks, and appends what passes the filter to out. */
static int sum_rank_filter(request_t *req, const reco_key_batch_t *batch, long count,
                           int with_scores, const char *const *exclude, size_t n_exclude,
                           reco_scored_list_t *out)
{
    reco_scoreboard_t *board = reco_scoreboard_new();
    reco_scored_list_t ranked = {0};
    int rc = board ? 0 : fail_out_of_memory(req->rep);
    if (rc == 0) rc = reco_read_sum_lists(req->st, batch, count, with_scores, board, req->rep);
    for (size_t i = 0; rc == 0 && i < n_exclude; i++)
        if (reco_scoreboard_exclude(board, exclude[i], strlen(exclude[i])) != 0)
            rc = fail_out_of_memory(req->rep);
    if (rc == 0 && reco_scoreboard_rank(board, &ranked) != 0) rc = fail_out_of_memory(req->rep);
    if (rc == 0) rc = reco_read_filter(&req->filter, &ranked, out, req->rep);
    reco_scored_list_clear(&ranked);
    reco_scoreboard_destroy(&board);
    return rc;
}

/* ---- global lists ---- */

static int serve_global(request_t *req, int64_t version, reco_scored_list_t *out)
{
    char key[RECO_KEY_MAX];
    if (req->opts && req->opts->list_key)
        return reco_read_ranked(&req->filter, req->opts->list_key, out, req->rep);
    if (reco_key_model_global(key, sizeof key, req->tenant, req->a->model->name, version) < 0)
        return fail_internal(req->rep, "model key does not fit");
    return reco_read_ranked(&req->filter, key, out, req->rep);
}

/* ---- neighbour lists ---- */

/* The neighbours of the n sources (context items or history items) in model. A single context
 * item is its list, paged; otherwise the lists are summed. from_history: the sources are the
 * user's, left out when the history is. */
static int neighbours_of(request_t *req, const char *model, int64_t version,
                         const char *const *sources, size_t n, int from_history,
                         reco_scored_list_t *out)
{
    char key[RECO_KEY_MAX];
    if (n == 1 && !from_history) {
        if (reco_key_model_item(key, sizeof key, req->tenant, model, version, sources[0]) < 0)
            return fail_internal(req->rep, "model key does not fit");
        return reco_read_ranked(&req->filter, key, out, req->rep);
    }
    reco_key_batch_t batch = {0};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (reco_key_model_item(key, sizeof key, req->tenant, model, version, sources[i]) < 0)
            continue; /* cannot happen for validated ids; such an item has no neighbours */
        if (reco_key_batch_add(&batch, key, 1.0) != 0) rc = fail_out_of_memory(req->rep);
    }
    int leave_out = from_history && req->filter.seen_key;
    if (rc == 0)
        rc = sum_rank_filter(req, &batch, list_count(req), 1, sources, leave_out ? n : 0, out);
    reco_key_batch_clear(&batch);
    return rc;
}

/* for-user: EASE only knows the most active items; a short answer is topped up with the
 * fill model's neighbours of the same sources, after EASE's own, each marked with its model. */
static int fill_up(request_t *req, int64_t fill_version, const char *const *sources, size_t n,
                   int from_history, reco_scored_list_t *out)
{
    size_t limit = req->filter.limit; /* the page's offset + limit */
    if (out->n >= limit || fill_version == 0 || n == 0) return 0;
    const char *fill_model = req->a->model->fill;
    reco_scored_list_t fill = {0};
    req->filter.positive_only = 0; /* the fill model's scores, whatever their sign */
    /* limit entries: at most out->n of them repeat what out has, so enough remain */
    int rc = neighbours_of(req, fill_model, fill_version, sources, n, from_history, &fill);
    for (size_t i = 0; rc == 0 && i < fill.n && out->n < limit; i++) {
        if (reco_scored_list_contains(out, fill.v[i].item, fill.v[i].len)) continue;
        if (reco_scored_list_push(out, fill.v[i].item, fill.v[i].len, fill.v[i].score) != 0)
            rc = fail_out_of_memory(req->rep);
        else
            out->v[out->n - 1].model = fill_model;
    }
    reco_scored_list_clear(&fill);
    return rc;
}

/* for-user and a user alone: the user's list plus the rows of fresh items, when the user has a
 * list (*listed = 1); otherwise nothing is done. */
static int user_list(request_t *req, int64_t version, const reco_scored_list_t *history,
                     const char *const *sources, reco_scored_list_t *out, int *listed)
{
    reco_key_batch_t batch = {0};
    int rc = reco_for_user_batch(req->st, req->tenant, req->a->model->name, version, req->a->user,
                                 history, &batch, req->rep);
    *listed = rc == 1;
    if (rc == 1)
        rc = sum_rank_filter(req, &batch, list_count(req), 1, sources,
                             req->filter.seen_key ? history->n : 0, out);
    reco_key_batch_clear(&batch);
    return rc < 0 ? -1 : 0;
}

static int serve_neighbours(request_t *req, const int64_t versions[2], reco_scored_list_t *out)
{
    const reco_recommend_args_t *a = req->a;
    if (a->n_items > 0) {
        int rc = neighbours_of(req, a->model->name, versions[0], a->items, a->n_items, 0, out);
        return rc == 0 && a->model->fill ? fill_up(req, versions[1], a->items, a->n_items, 0, out)
                                         : rc;
    }
    reco_scored_list_t history = {0};
    const char **sources = NULL;
    int rc =
        reco_read_top(req->st, req->history_key, a->model->history_items, 1, &history, req->rep);
    if (rc == 0 && history.n > 0 && !(sources = malloc(history.n * sizeof *sources)))
        rc = fail_out_of_memory(req->rep);
    for (size_t i = 0; rc == 0 && i < history.n; i++)
        sources[i] = history.v[i].item;
    int listed = 0; /* served from the user's build-time list (reco_for_user.h) */
    if (rc == 0 && history.n > 0 && a->model->user_lists)
        rc = user_list(req, versions[0], &history, sources, out, &listed);
    if (rc == 0 && history.n > 0 && !listed)
        rc = neighbours_of(req, a->model->name, versions[0], sources, history.n, 1, out);
    if (rc == 0 && history.n > 0 && a->model->fill)
        rc = fill_up(req, versions[1], sources, history.n, 1, out);
    free(sources);
    reco_scored_list_clear(&history);
    return rc;
}

/* ---- bought-with ---- */

static int serve_bought_with(request_t *req, int64_t version, reco_scored_list_t *out)
{
    const reco_recommend_args_t *a = req->a;
    const char *model = a->model->name;
    char key[RECO_KEY_MAX];
    req->filter.members = a->include_sets ? RECO_MEMBERS_SETS : RECO_MEMBERS_SINGLE;
    if (a->n_items == 1) {
        if (reco_key_model_item(key, sizeof key, req->tenant, model, version, a->items[0]) < 0)
            return fail_internal(req->rep, "model key does not fit");
        return reco_read_ranked(&req->filter, key, out, req->rep);
    }
    reco_key_batch_t batch = {0};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < a->n_items; i++)
        if (reco_key_model_item(key, sizeof key, req->tenant, model, version, a->items[i]) >= 0 &&
            reco_key_batch_add(&batch, key, 1.0) != 0)
            rc = fail_out_of_memory(req->rep);
    size_t paired = a->n_items < RECO_RECOMMEND_PAIR_ITEMS ? a->n_items : RECO_RECOMMEND_PAIR_ITEMS;
    for (size_t i = 0; rc == 0 && i < paired; i++)
        for (size_t j = i + 1; rc == 0 && j < paired; j++)
            if (model_pair_key(key, sizeof key, req->tenant, model, version, a->items[i],
                               a->items[j]) >= 0 &&
                reco_key_batch_add(&batch, key, 1.0) != 0)
                rc = fail_out_of_memory(req->rep);
    if (rc == 0) rc = sum_rank_filter(req, &batch, list_count(req), 1, NULL, 0, out);
    reco_key_batch_clear(&batch);
    return rc;
}

/* ---- similar-customers ---- */

static int serve_similar_customers(request_t *req, int64_t version, reco_scored_list_t *out)
{
    const reco_recommend_args_t *a = req->a;
    char key[RECO_KEY_MAX];
    if (model_user_key(key, sizeof key, req->tenant, a->model->name, version, a->user) < 0)
        return fail_internal(req->rep, "model key does not fit");
    reco_scored_list_t neighbours = {0};
    reco_key_batch_t batch = {0};
    int rc = reco_read_top(req->st, key, RECO_RECOMMEND_NEIGHBOUR_USERS, 1, &neighbours, req->rep);
    for (size_t i = 0; rc == 0 && i < neighbours.n; i++) {
        const reco_scored_t *n = &neighbours.v[i];
        if (strcmp(n->item, a->user) == 0 ||
            reco_key_user_history(key, sizeof key, req->tenant, n->item) < 0)
            continue;
        if (reco_key_batch_add(&batch, key, n->score) != 0) rc = fail_out_of_memory(req->rep);
    }
    if (rc == 0) rc = sum_rank_filter(req, &batch, RECO_RECOMMEND_NEIGHBOUR_ITEMS, 0, NULL, 0, out);
    reco_key_batch_clear(&batch);
    reco_scored_list_clear(&neighbours);
    return rc;
}

/* ---- the op ---- */

/* A chain's options on top of the filter recommend() built: the extra left-out ZSET, and the
 * context that is left out (the args' unless kept, plus the extra ids) in *context, which the
 * caller frees after the run. 0, or -1 out of memory. */
static int apply_opts(request_t *req, const char ***context)
{
    const reco_recommend_opts_t *o = req->opts;
    *context = NULL;
    if (!o) return 0;
    if (!req->filter.seen_key) req->filter.seen_key = o->seen_key;
    size_t n_args = o->keep_context ? 0 : req->a->n_items, n = n_args + o->n_exclude;
    if (n > 0 && !(*context = malloc(n * sizeof **context))) return fail_out_of_memory(req->rep);
    for (size_t i = 0; i < n; i++)
        (*context)[i] = i < n_args ? req->a->items[i] : o->exclude[i - n_args];
    req->filter.context = *context;
    req->filter.n_context = n;
    return 0;
}

static int serve(request_t *req, const int64_t versions[2], reco_scored_list_t *out)
{
    switch (req->a->model->serve) {
    case RECO_SERVE_GLOBAL:
        return serve_global(req, versions[0], out);
    case RECO_SERVE_NEIGHBOURS:
        return serve_neighbours(req, versions, out);
    case RECO_SERVE_BOUGHT_WITH:
        return serve_bought_with(req, versions[0], out);
    case RECO_SERVE_SIMILAR_CUSTOMERS:
        return serve_similar_customers(req, versions[0], out);
    }
    return fail_internal(req->rep, "model served no way");
}

static int recommend(request_t *req, const int64_t versions[2], reco_scored_list_t *out)
{
    const reco_recommend_args_t *a = req->a;
    if (reco_key_hidden(req->hidden_key, sizeof req->hidden_key, req->tenant) < 0 ||
        (a->user && reco_key_user_history(req->history_key, sizeof req->history_key, req->tenant,
                                          a->user) < 0))
        return fail_internal(req->rep, "key does not fit");
    req->filter = (reco_filter_t){
        .store = req->st,
        .hidden_key = req->hidden_key,
        .seen_key = a->user && a->exclude_seen ? req->history_key : NULL,
        .context = a->items,
        .n_context = a->n_items,
        .members = RECO_MEMBERS_ITEMS,
        .limit = (size_t)a->limit,
        .positive_only = a->model->positive_only,
    };
    /* the hidden items without a round trip, while they are few and tracked */
    if (reco_query_remembered_set(req->hidden_key, &req->hidden) == 1)
        req->filter.hidden_members = &req->hidden;
    reco_shape_filter(a, req->tenant, &req->filter); /* catalogue filters, cursor, offset */
    size_t first = out->n;
    const char **context = NULL;
    int rc = apply_opts(req, &context);
    if (rc == 0) rc = serve(req, versions, out);
    if (rc == 0) reco_shape_skip_offset(a, out, first);
    free(context);
    return rc;
}

static json_t *entry_json(const reco_scored_t *e, const char *model, int sets)
{
    reco_id_span_t parts[2] = {{e->item, e->len}, {NULL, 0}};
    int n = sets ? reco_member_split(e->item, e->len, parts) : 1;
    if (n == 1)
        return json_pack("{s:s%, s:f, s:s}", "item", parts[0].id, parts[0].len, "score", e->score,
                         "model", model);
    if (n == 2)
        return json_pack("{s:[s%, s%], s:f, s:s}", "items", parts[0].id, parts[0].len, parts[1].id,
                         parts[1].len, "score", e->score, "model", model);
    return NULL;
}

json_t *reco_recommendations_json(const reco_scored_list_t *list, const char *model, int sets)
{
    json_t *array = json_array();
    for (size_t i = 0; array && i < list->n; i++) {
        const reco_scored_t *e = &list->v[i];
        json_t *entry = entry_json(e, e->model ? e->model : model, sets);
        if (!entry) { /* an id that is not UTF-8 cannot be sent as JSON: skip it, say so */
            reco_warn("skipping a recommendation that is not valid UTF-8 or not a set");
        } else if (json_array_append_new(array, entry) != 0) {
            json_decref(array);
            return NULL;
        }
    }
    return array;
}

int reco_recommend_run(reco_store_t *store, const char *tenant, const reco_recommend_args_t *a,
                       const int64_t versions[2], const reco_recommend_opts_t *opts,
                       reco_scored_list_t *out, reco_reply_t *rep)
{
    request_t req = {.st = store, .tenant = tenant, .a = a, .rep = rep, .opts = opts};
    return recommend(&req, versions, out);
}

void reco_recommend_handle(reco_store_t *store, const char *tenant, const json_t *args,
                           reco_reply_t *rep)
{
    reco_recommend_args_t a;
    reco_error_t err;
    reco_error_clear(&err);
    if (reco_recommend_parse_args(args, &a, &err) != 0) {
        reco_reply_fail(rep, err.status, err.code, "%s", err.message);
        return;
    }
    const char *models[2] = {a.model->name, a.model->fill};
    reco_model_version_t served[2] = {{0, 0, 0}, {0, 0, 0}};
    if (reco_query_model_versions(store, tenant, models, a.model->fill ? 2 : 1, served, rep) != 0)
        return;
    const int64_t versions[2] = {served[0].version, served[1].version};
    if (versions[0] == 0) {
        reco_reply_ok(
            rep, 200,
            json_pack("{s:s, s:n, s:[]}", "model", a.model->name, "version", "recommendations"));
        return;
    }
    request_t req = {.st = store, .tenant = tenant, .a = &a, .rep = rep};
    reco_scored_list_t out = {0};
    if (recommend(&req, versions, &out) == 0) {
        json_t *recs = reco_recommendations_json(&out, a.model->name,
                                                 a.model->serve == RECO_SERVE_BOUGHT_WITH);
        if (recs)
            reco_reply_ok(rep, 200,
                          json_pack("{s:s, s:I, s:o}", "model", a.model->name, "version",
                                    (json_int_t)versions[0], "recommendations", recs));
        if (recs && rep->body) /* for the gateway's Last-Modified / Expires (docs/protocol.md) */
            reco_reply_cache_fields(rep->body, &served[0]);
        else
            fail_out_of_memory(rep);
        if (recs && rep->body) /* attributes and the next page's cursor; on failure rep says why */
            reco_shape_reply(store, tenant, &a, &out, rep->body, rep);
    }
    reco_scored_list_clear(&out);
}
