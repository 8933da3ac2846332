/* reco_recommend — answers `recommend` from a model version's ZSETs (see reco_recommend.h).
 *
 * Ranked lists (popular, item-to-item with an item) are read in pages of 2 * limit + 10 entries
 * with ZREVRANGE ... WITHSCORES; each page is checked against the hidden set with one
 * SMISMEMBER, and paging stops once `limit` entries survived or the list is exhausted. Entries
 * keep the order ZREVRANGE gives them: score descending, and for equal scores Redis's own order
 * (member descending, bytewise) — we do not re-sort, so the answer matches what an operator sees
 * with redis-cli.
 *
 * The user path merges up to 20 neighbour lists in a reco_scoreboard_t (a uthash table keyed by
 * item id) and ranks by summed score, ties by item id ascending. The candidates are then checked
 * in one pipeline against the hidden set (SMISMEMBER) and the user's whole history (ZMSCORE),
 * not only the 20 items the candidates came from.
 *
 * Ownership: every list and reply is freed before the handler returns. */
#include "reco_recommend.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "reco_config.h"
#include "reco_keys.h"
#include "reco_log.h"
#include "reco_query_store.h"
#include "reco_validate.h"

static int fail_internal(reco_reply_t *rep, const char *why)
{
    reco_reply_fail(rep, 500, "internal", "%s", why);
    return -1;
}

static int fail_out_of_memory(reco_reply_t *rep)
{
    return fail_internal(rep, "out of memory");
}

/* ---- arguments ---- */

static int parse_id(const json_t *args, const char *field, char buf[32], const char **out,
                    reco_error_t *err)
{
    json_t *v = json_object_get(args, field);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_integer(v)) {
        snprintf(buf, 32, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        *out = buf;
        return 0;
    }
    if (json_is_string(v) && reco_valid_id(json_string_value(v), json_string_length(v))) {
        *out = json_string_value(v);
        return 0;
    }
    reco_error_set(err, 400, "invalid_field",
                   "%s: must be a string of 1 to %d characters without control characters", field,
                   RECO_ID_MAX);
    return -1;
}

/* An integer, or its decimal text (query-string values may arrive as text). */
static int parse_limit(const json_t *v, int *limit, reco_error_t *err)
{
    long n = RECO_RECOMMEND_LIMIT_DEFAULT;
    int ok = 1;
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        ok = i >= 1 && i <= RECO_RECOMMEND_LIMIT_MAX;
        n = (long)i;
    } else if (json_is_string(v)) {
        ok = reco_parse_long(json_string_value(v), 1, RECO_RECOMMEND_LIMIT_MAX, &n) == 0;
    } else if (v && !json_is_null(v)) {
        ok = 0;
    }
    if (!ok) {
        reco_error_set(err, 400, "invalid_field", "limit: must be an integer from 1 to %d",
                       RECO_RECOMMEND_LIMIT_MAX);
        return -1;
    }
    *limit = (int)n;
    return 0;
}

int reco_recommend_parse_args(const json_t *args, reco_recommend_args_t *out, reco_error_t *err)
{
    memset(out, 0, sizeof *out);
    json_t *model = json_object_get(args, "model");
    const char *name = json_string_value(model);
    if (!model || json_is_null(model)) {
        reco_error_set(err, 400, "missing_field", "model: required (one of popular, item-to-item)");
        return -1;
    }
    if (name && strcmp(name, RECO_MODEL_POPULAR) == 0) {
        out->kind = RECO_RECOMMEND_POPULAR;
        out->model = RECO_MODEL_POPULAR;
    } else if (name && strcmp(name, RECO_MODEL_ITEM_TO_ITEM) == 0) {
        out->kind = RECO_RECOMMEND_ITEM_TO_ITEM;
        out->model = RECO_MODEL_ITEM_TO_ITEM;
    } else {
        reco_error_set(err, 400, "invalid_field", "model: must be one of popular, item-to-item");
        return -1;
    }
    if (parse_limit(json_object_get(args, "limit"), &out->limit, err) != 0 ||
        parse_id(args, "item", out->item_buf, &out->item, err) != 0 ||
        parse_id(args, "user", out->user_buf, &out->user, err) != 0)
        return -1;
    if (out->kind == RECO_RECOMMEND_ITEM_TO_ITEM && !out->item && !out->user) {
        reco_error_set(err, 400, "missing_field", "item: item-to-item needs an item or a user");
        return -1;
    }
    return 0;
}

/* ---- ranked lists ---- */

int reco_scored_list_push(reco_scored_list_t *list, const char *item, size_t len, double score)
{
    if (list->n == list->cap) {
        size_t cap = list->cap ? 2 * list->cap : 16;
        reco_scored_t *v = realloc(list->v, cap * sizeof *v);
        if (!v)
            return -1;
        list->v = v;
        list->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return -1;
    memcpy(copy, item, len);
    copy[len] = '\0';
    list->v[list->n++] = (reco_scored_t){.item = copy, .len = len, .score = score};
    return 0;
}

void reco_scored_list_clear(reco_scored_list_t *list)
{
    for (size_t i = 0; i < list->n; i++)
        free(list->v[i].item);
    free(list->v);
    memset(list, 0, sizeof *list);
}

int reco_scored_list_take(reco_scored_list_t *out, size_t limit, const reco_scored_list_t *page,
                          const unsigned char *drop, const char *exclude)
{
    size_t exclude_len = exclude ? strlen(exclude) : 0;
    for (size_t i = 0; i < page->n && out->n < limit; i++) {
        const reco_scored_t *e = &page->v[i];
        if ((drop && drop[i]) || (exclude && e->len == exclude_len && !memcmp(e->item, exclude, e->len)))
            continue;
        if (reco_scored_list_push(out, e->item, e->len, e->score) != 0)
            return -1;
    }
    return 0;
}

/* ---- the scoreboard ---- */

typedef struct {
    char *item;
    size_t len;
    double score;
    int excluded;
    UT_hash_handle hh;
} board_entry_t;

struct reco_scoreboard {
    board_entry_t *entries;
};

reco_scoreboard_t *reco_scoreboard_new(void)
{
    return calloc(1, sizeof(reco_scoreboard_t));
}

void reco_scoreboard_destroy(reco_scoreboard_t **board)
{
    if (!board || !*board)
        return;
    board_entry_t *e, *tmp;
    HASH_ITER(hh, (*board)->entries, e, tmp)
    {
        HASH_DEL((*board)->entries, e);
        free(e->item);
        free(e);
    }
    free(*board);
    *board = NULL;
}

static board_entry_t *board_entry(reco_scoreboard_t *board, const char *item, size_t len)
{
    board_entry_t *e = NULL;
    HASH_FIND(hh, board->entries, item, len, e);
    if (e)
        return e;
    e = calloc(1, sizeof *e);
    if (!e || !(e->item = malloc(len + 1))) {
        free(e);
        return NULL;
    }
    memcpy(e->item, item, len);
    e->item[len] = '\0';
    e->len = len;
    HASH_ADD_KEYPTR(hh, board->entries, e->item, e->len, e);
    return e;
}

int reco_scoreboard_add(reco_scoreboard_t *board, const char *item, size_t len, double score)
{
    board_entry_t *e = board_entry(board, item, len);
    if (!e)
        return -1;
    e->score += score;
    return 0;
}

int reco_scoreboard_exclude(reco_scoreboard_t *board, const char *item, size_t len)
{
    board_entry_t *e = board_entry(board, item, len);
    if (!e)
        return -1;
    e->excluded = 1;
    return 0;
}

static int compare_ranked(const void *a, const void *b)
{
    const reco_scored_t *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    int c = memcmp(x->item, y->item, x->len < y->len ? x->len : y->len);
    if (c != 0)
        return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

int reco_scoreboard_rank(const reco_scoreboard_t *board, reco_scored_list_t *out)
{
    size_t first = out->n;
    board_entry_t *e, *tmp;
    HASH_ITER(hh, board->entries, e, tmp)
    {
        if (!e->excluded && reco_scored_list_push(out, e->item, e->len, e->score) != 0)
            return -1;
    }
    if (out->n > first)
        qsort(out->v + first, out->n - first, sizeof *out->v, compare_ranked);
    return 0;
}

/* ---- reading Redis ---- */

/* Appends the members of a ZREVRANGE ... WITHSCORES reply to page. Non-finite scores (a hand-made
 * ZSET holding inf) are skipped: JSON cannot carry them. 0, or -1 on a malformed reply or OOM. */
static int page_from_reply(const redisReply *r, reco_scored_list_t *page)
{
    if (r->type != REDIS_REPLY_ARRAY || r->elements % 2 != 0)
        return -1;
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        const redisReply *m = r->element[i], *s = r->element[i + 1];
        if (m->type != REDIS_REPLY_STRING || s->type != REDIS_REPLY_STRING)
            return -1;
        double score = strtod(s->str, NULL);
        if (isfinite(score) && reco_scored_list_push(page, m->str, m->len, score) != 0)
            return -1;
    }
    return 0;
}

/* For each entry of list, drop[i] = 1 if it is in the hidden set or, when history_key is given,
 * in that history ZSET. One round trip. 0, or -1 with rep filled. */
static int mark_dropped(reco_store_t *st, const char *hidden_key, const char *history_key,
                        const reco_scored_list_t *list, unsigned char *drop, reco_reply_t *rep)
{
    const char **argv = malloc((list->n + 2) * sizeof *argv);
    size_t *lens = malloc((list->n + 2) * sizeof *lens);
    int ncmd = 0, rc = -1;
    if (argv && lens) {
        for (size_t i = 0; i < list->n; i++) {
            argv[i + 2] = list->v[i].item;
            lens[i + 2] = list->v[i].len;
        }
        const char *commands[2] = {"SMISMEMBER", "ZMSCORE"};
        const char *keys[2] = {hidden_key, history_key};
        for (int c = 0; c < 2 && keys[c]; c++) {
            argv[0] = commands[c];
            lens[0] = strlen(commands[c]);
            argv[1] = keys[c];
            lens[1] = strlen(keys[c]);
            if (reco_store_appendv(st, (int)list->n + 2, argv, lens) != 0)
                break; /* the store dropped the connection, and any reply pending with it */
            ncmd++;
        }
    }
    int expected = history_key ? 2 : 1;
    redisReply *replies[2] = {NULL, NULL};
    if (!argv || !lens) {
        reco_reply_fail(rep, 500, "internal", "out of memory");
    } else if (ncmd != expected || reco_query_read_all(st, (size_t)ncmd, replies) != 0) {
        reco_query_fail(rep, st, NULL, "SMISMEMBER");
    } else {
        rc = 0;
        for (int c = 0; c < ncmd && rc == 0; c++) {
            const redisReply *r = replies[c];
            if (r->type != REDIS_REPLY_ARRAY || r->elements != list->n) {
                rc = reco_query_fail(rep, st, r, c == 0 ? "SMISMEMBER" : "ZMSCORE");
                break;
            }
            for (size_t i = 0; i < list->n; i++) {
                const redisReply *e = r->element[i];
                if (c == 0 ? e->type == REDIS_REPLY_INTEGER && e->integer != 0 /* hidden */
                           : e->type != REDIS_REPLY_NIL /* has a score: in the history */)
                    drop[i] = 1;
            }
        }
    }
    reco_query_free_all(2, replies);
    free(argv);
    free(lens);
    return rc;
}

/* Reads a ranked ZSET page by page into out until limit entries survive the filters. */
static int fetch_ranked(reco_store_t *st, const char *key, const char *hidden_key,
                        const char *exclude, size_t limit, reco_scored_list_t *out, reco_reply_t *rep)
{
    const long page_size = 2 * (long)limit + 10;
    for (long start = 0;; start += page_size) {
        char from[24], to[24];
        snprintf(from, sizeof from, "%ld", start);
        snprintf(to, sizeof to, "%ld", start + page_size - 1);
        const char *argv[] = {"ZREVRANGE", key, from, to, "WITHSCORES"};
        const size_t lens[] = {9, strlen(key), strlen(from), strlen(to), 10};
        redisReply *r = reco_store_commandv(st, 5, argv, lens);
        reco_scored_list_t page = {0};
        int rc = r && page_from_reply(r, &page) == 0 ? 0 : reco_query_fail(rep, st, r, key);
        size_t fetched = r && r->type == REDIS_REPLY_ARRAY ? r->elements / 2 : 0;
        if (r)
            freeReplyObject(r);
        unsigned char *drop = page.n ? calloc(page.n, 1) : NULL;
        if (rc == 0 && page.n > 0) {
            if (!drop)
                rc = fail_out_of_memory(rep);
            else if ((rc = mark_dropped(st, hidden_key, NULL, &page, drop, rep)) == 0 &&
                     reco_scored_list_take(out, limit, &page, drop, exclude) != 0)
                rc = fail_out_of_memory(rep);
        }
        free(drop);
        reco_scored_list_clear(&page);
        if (rc != 0)
            return -1;
        if (out->n >= limit || fetched < (size_t)page_size)
            return 0;
    }
}

/* The user's most recent items, most recent first, into items (scores unused). */
static int read_recent_history(reco_store_t *st, const char *history_key, reco_scored_list_t *items,
                               reco_reply_t *rep)
{
    char stop[16];
    snprintf(stop, sizeof stop, "%d", RECO_RECOMMEND_USER_ITEMS - 1);
    const char *argv[] = {"ZREVRANGE", history_key, "0", stop};
    const size_t lens[] = {9, strlen(history_key), 1, strlen(stop)};
    redisReply *r = reco_store_commandv(st, 4, argv, lens);
    int rc = r && r->type == REDIS_REPLY_ARRAY ? 0 : reco_query_fail(rep, st, r, history_key);
    for (size_t i = 0; rc == 0 && i < r->elements; i++) {
        const redisReply *m = r->element[i];
        if (m->type == REDIS_REPLY_STRING && reco_scored_list_push(items, m->str, m->len, 0) != 0)
            rc = fail_out_of_memory(rep);
    }
    if (r)
        freeReplyObject(r);
    return rc;
}

/* One pipeline of ZREVRANGE over the neighbours of every history item, summed into board. */
static int merge_neighbours(reco_store_t *st, const char *tenant, int64_t version,
                            const reco_scored_list_t *history, reco_scoreboard_t *board,
                            reco_reply_t *rep)
{
    char stop[16];
    snprintf(stop, sizeof stop, "%d", RECO_RECOMMEND_USER_NEIGHBOURS - 1);
    size_t sent = 0;
    for (size_t i = 0; i < history->n && i < RECO_RECOMMEND_USER_ITEMS; i++) {
        char key[RECO_KEY_MAX];
        if (reco_key_model_item(key, sizeof key, tenant, RECO_MODEL_ITEM_TO_ITEM, version,
                                history->v[i].item) < 0)
            continue; /* cannot happen for validated ids; such an item has no neighbours */
        const char *argv[] = {"ZREVRANGE", key, "0", stop, "WITHSCORES"};
        const size_t lens[] = {9, strlen(key), 1, strlen(stop), 10};
        if (reco_store_appendv(st, 5, argv, lens) != 0)
            return reco_query_fail(rep, st, NULL, "ZREVRANGE");
        sent++;
    }
    redisReply *replies[RECO_RECOMMEND_USER_ITEMS] = {NULL};
    if (reco_query_read_all(st, sent, replies) != 0)
        return reco_query_fail(rep, st, NULL, "ZREVRANGE");
    int rc = 0;
    for (size_t i = 0; i < sent && rc == 0; i++) {
        reco_scored_list_t page = {0};
        if (page_from_reply(replies[i], &page) != 0)
            rc = reco_query_fail(rep, st, replies[i], "ZREVRANGE of neighbours");
        for (size_t j = 0; rc == 0 && j < page.n; j++)
            if (reco_scoreboard_add(board, page.v[j].item, page.v[j].len, page.v[j].score) != 0)
                rc = fail_out_of_memory(rep);
        reco_scored_list_clear(&page);
    }
    for (size_t i = 0; i < history->n && rc == 0; i++)
        if (reco_scoreboard_exclude(board, history->v[i].item, history->v[i].len) != 0)
            rc = fail_out_of_memory(rep);
    reco_query_free_all(sent, replies);
    return rc;
}

static int recommend_for_user(reco_store_t *st, const char *tenant, int64_t version, const char *user,
                              const char *hidden_key, size_t limit, reco_scored_list_t *out,
                              reco_reply_t *rep)
{
    char history_key[RECO_KEY_MAX];
    if (reco_key_user_history(history_key, sizeof history_key, tenant, user) < 0) {
        reco_reply_fail(rep, 500, "internal", "history key does not fit");
        return -1;
    }
    reco_scored_list_t history = {0}, ranked = {0};
    reco_scoreboard_t *board = reco_scoreboard_new();
    unsigned char *drop = NULL;
    int rc = board ? 0 : -1;
    if (rc != 0)
        reco_reply_fail(rep, 500, "internal", "out of memory");
    if (rc == 0)
        rc = read_recent_history(st, history_key, &history, rep);
    if (rc == 0 && history.n > 0)
        rc = merge_neighbours(st, tenant, version, &history, board, rep);
    if (rc == 0 && reco_scoreboard_rank(board, &ranked) != 0)
        rc = fail_out_of_memory(rep);
    if (rc == 0 && ranked.n > 0) {
        if (!(drop = calloc(ranked.n, 1)))
            rc = fail_out_of_memory(rep);
        else if ((rc = mark_dropped(st, hidden_key, history_key, &ranked, drop, rep)) == 0 &&
                 reco_scored_list_take(out, limit, &ranked, drop, NULL) != 0)
            rc = fail_out_of_memory(rep);
    }
    free(drop);
    reco_scored_list_clear(&ranked);
    reco_scored_list_clear(&history);
    reco_scoreboard_destroy(&board);
    return rc;
}

/* ---- the op ---- */

static json_t *recommendations_json(const reco_scored_list_t *list)
{
    json_t *array = json_array();
    for (size_t i = 0; array && i < list->n; i++) {
        json_t *e = json_pack("{s:s%, s:f}", "item", list->v[i].item, list->v[i].len, "score",
                              list->v[i].score);
        if (!e) { /* an id that is not UTF-8 cannot be sent as JSON: skip it, say so */
            reco_warn("skipping item that is not valid UTF-8 in a recommendation");
        } else if (json_array_append_new(array, e) != 0) {
            json_decref(array);
            return NULL;
        }
    }
    return array;
}

static int recommend(reco_store_t *st, const char *tenant, const reco_recommend_args_t *a,
                     int64_t version, reco_scored_list_t *out, reco_reply_t *rep)
{
    char hidden_key[RECO_KEY_MAX], key[RECO_KEY_MAX];
    size_t limit = (size_t)a->limit;
    if (reco_key_hidden(hidden_key, sizeof hidden_key, tenant) < 0)
        return fail_internal(rep, "hidden key does not fit");
    if (a->kind == RECO_RECOMMEND_POPULAR) {
        if (reco_key_model_global(key, sizeof key, tenant, a->model, version) < 0)
            return fail_internal(rep, "model key does not fit");
        return fetch_ranked(st, key, hidden_key, a->item, limit, out, rep);
    }
    if (a->item) {
        if (reco_key_model_item(key, sizeof key, tenant, a->model, version, a->item) < 0)
            return fail_internal(rep, "model key does not fit");
        return fetch_ranked(st, key, hidden_key, a->item, limit, out, rep);
    }
    return recommend_for_user(st, tenant, version, a->user, hidden_key, limit, out, rep);
}

void reco_recommend_handle(reco_store_t *store, const char *tenant, const json_t *args, reco_reply_t *rep)
{
    reco_recommend_args_t a;
    reco_error_t err;
    reco_error_clear(&err);
    if (reco_recommend_parse_args(args, &a, &err) != 0) {
        reco_reply_fail(rep, err.status, err.code, "%s", err.message);
        return;
    }
    int64_t version = 0;
    int found = reco_query_current_version(store, tenant, a.model, &version, rep);
    if (found < 0)
        return;
    if (found == 0) {
        reco_reply_ok(rep, 200, json_pack("{s:s, s:n, s:[]}", "model", a.model, "version",
                                          "recommendations"));
        return;
    }
    reco_scored_list_t out = {0};
    if (recommend(store, tenant, &a, version, &out, rep) == 0) {
        json_t *recs = recommendations_json(&out);
        if (recs)
            reco_reply_ok(rep, 200, json_pack("{s:s, s:I, s:o}", "model", a.model, "version",
                                              (json_int_t)version, "recommendations", recs));
        else
            reco_reply_fail(rep, 500, "internal", "out of memory");
    }
    reco_scored_list_clear(&out);
}
