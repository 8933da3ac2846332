/* reco_resort — the `resort` op (see reco_resort.h).
 *
 * Reads: the model's current version (one GET); popular: one ZMSCORE of the items on the
 * version's global list; for-user: the user's recent history (ZREVRANGE), then one pipeline of
 * ZMSCORE of the items on the item-to-item list of each history item, summed. random reads
 * nothing. With `scenario`, one GET of the scenario first (404 if it does not exist). The
 * argument vectors point into the parsed args, which borrow the request's JSON. */
#include "reco_resort.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "reco_keys.h"
#include "reco_query_args.h"
#include "reco_query_store.h"
#include "reco_recommend_read.h"
#include "reco_scenario.h"
#include "reco_scenario_read.h"

typedef enum { BY_POPULAR, BY_UNPOPULAR, BY_FOR_USER, BY_RANDOM } resort_by_t;

typedef struct {
    resort_by_t by;
    const char *by_name;
    const char *items[RECO_RESORT_ITEMS_MAX];
    size_t n;
    const char *user;
    const char *scenario; /* must exist when given (TasteHit's widget), or NULL */
    int has_seed;
    uint64_t seed;
    char id_buf[RECO_RESORT_ITEMS_MAX + 1][RECO_QUERY_ID_BUF];
} resort_args_t;

/* ---- ordering (pure) ---- */

typedef struct {
    const double *scores;
    const unsigned char *known;
    int ascending;
} order_ctx_t;

static int before(const order_ctx_t *c, size_t a, size_t b)
{
    if (c->known[a] != c->known[b]) return c->known[a] > c->known[b];
    if (c->known[a] && c->scores[a] != c->scores[b])
        return c->ascending ? c->scores[a] < c->scores[b] : c->scores[a] > c->scores[b];
    return a < b;
}

void reco_resort_order(const double *scores, const unsigned char *known, size_t n, int ascending,
                       size_t *order)
{
    order_ctx_t c = {scores, known, ascending};
    for (size_t i = 0; i < n; i++) { /* insertion sort: n <= 100, stable by construction */
        size_t j = i;
        for (; j > 0 && before(&c, i, order[j - 1]); j--)
            order[j] = order[j - 1];
        order[j] = i;
    }
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void reco_resort_shuffle(uint64_t seed, size_t n, size_t *order)
{
    uint64_t state = seed;
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(splitmix64(&state) % i), t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
}

/* ---- arguments ---- */

static int parse_by(const json_t *args, resort_args_t *out, reco_error_t *err)
{
    static const char *const names[] = {"popular", "unpopular", "for-user", "random"};
    const char *by = json_string_value(json_object_get(args, "by"));
    for (size_t i = 0; by && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(by, names[i]) == 0) {
            out->by = (resort_by_t)i;
            out->by_name = names[i];
            return 0;
        }
    reco_error_set(err, 400, by ? "invalid_field" : "missing_field",
                   "by: must be one of popular, unpopular, for-user, random");
    return -1;
}

static int parse_items(const json_t *args, resort_args_t *out, reco_error_t *err)
{
    json_t *items = json_object_get(args, "items");
    size_t n = json_array_size(items);
    if (!json_is_array(items) || n == 0 || n > RECO_RESORT_ITEMS_MAX) {
        reco_error_set(err, 400, items ? "invalid_field" : "missing_field",
                       "items: must be an array of 1 to %d item ids", RECO_RESORT_ITEMS_MAX);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        char field[32];
        const char *id = NULL;
        snprintf(field, sizeof field, "items[%zu]", i);
        int found = reco_query_arg_id_value(json_array_get(items, i), field, out->id_buf[i], &id, err);
        if (found == 0) reco_error_set(err, 400, "invalid_field", "%s: must be an item id", field);
        if (found != 1) return -1;
        int repeated = 0;
        for (size_t k = 0; k < out->n; k++)
            repeated |= strcmp(out->items[k], id) == 0;
        if (!repeated) out->items[out->n++] = id;
    }
    return 0;
}

static int parse_args(const json_t *args, resort_args_t *out, reco_error_t *err)
{
    memset(out, 0, sizeof *out);
    json_t *seed = json_object_get(args, "seed");
    if (parse_by(args, out, err) != 0 || parse_items(args, out, err) != 0 ||
        reco_query_arg_id(args, "user", out->id_buf[RECO_RESORT_ITEMS_MAX], &out->user, err) < 0)
        return -1;
    json_t *scenario = json_object_get(args, "scenario");
    if (scenario && !json_is_null(scenario)) {
        if (!reco_valid_scenario_id(json_string_value(scenario))) {
            reco_error_set(err, 400, "invalid_field", "scenario: must be a scenario id");
            return -1;
        }
        out->scenario = json_string_value(scenario);
    }
    if (out->by == BY_FOR_USER && !out->user) {
        reco_error_set(err, 400, "missing_field", "user: by=for-user needs a user");
        return -1;
    }
    if (seed && !json_is_null(seed)) {
        if (!json_is_integer(seed) || json_integer_value(seed) < 0) {
            reco_error_set(err, 400, "invalid_field", "seed: must be a whole number >= 0");
            return -1;
        }
        out->has_seed = 1;
        out->seed = (uint64_t)json_integer_value(seed);
    }
    return 0;
}

/* ---- scores ---- */

/* Appends ZMSCORE key <items>. */
static int append_zmscore(reco_store_t *st, const char *key, const resort_args_t *a,
                          reco_reply_t *rep)
{
    const char *argv[2 + RECO_RESORT_ITEMS_MAX] = {"ZMSCORE", key};
    size_t lens[2 + RECO_RESORT_ITEMS_MAX] = {7, strlen(key)};
    for (size_t i = 0; i < a->n; i++) {
        argv[2 + i] = a->items[i];
        lens[2 + i] = strlen(a->items[i]);
    }
    if (reco_store_appendv(st, (int)(2 + a->n), argv, lens) != 0)
        return reco_query_fail(rep, st, NULL, "ZMSCORE");
    return 0;
}

/* Reads n ZMSCORE replies and adds each score found to scores[] (known[] set). */
static int sum_zmscores(reco_store_t *st, size_t n, const resort_args_t *a, double *scores,
                        unsigned char *known, reco_reply_t *rep)
{
    redisReply **replies = calloc(n + 1, sizeof *replies);
    int rc = replies ? 0 : (reco_reply_fail(rep, 500, "internal", "out of memory"), -1);
    if (rc == 0 && n > 0 && reco_query_read_all(st, n, replies) != 0)
        rc = reco_query_fail(rep, st, NULL, "ZMSCORE");
    for (size_t k = 0; rc == 0 && k < n; k++) {
        const redisReply *r = replies[k];
        if (r->type != REDIS_REPLY_ARRAY || r->elements != a->n) {
            rc = reco_query_fail(rep, st, r, "ZMSCORE");
            break;
        }
        for (size_t i = 0; i < a->n; i++) {
            if (r->element[i]->type != REDIS_REPLY_STRING) continue;
            scores[i] += strtod(r->element[i]->str, NULL);
            known[i] = 1;
        }
    }
    if (replies) reco_query_free_all(n, replies);
    free(replies);
    return rc;
}

static int score_popular(reco_store_t *st, const char *tenant, int64_t version,
                         const resort_args_t *a, double *scores, unsigned char *known,
                         reco_reply_t *rep)
{
    char key[RECO_KEY_MAX];
    if (reco_key_model_global(key, sizeof key, tenant, RECO_MODEL_POPULAR, version) < 0) {
        reco_reply_fail(rep, 500, "internal", "model key does not fit");
        return -1;
    }
    if (append_zmscore(st, key, a, rep) != 0) return -1;
    return sum_zmscores(st, 1, a, scores, known, rep);
}

static int score_for_user(reco_store_t *st, const char *tenant, int64_t version,
                          const resort_args_t *a, double *scores, unsigned char *known,
                          reco_reply_t *rep)
{
    char key[RECO_KEY_MAX];
    reco_scored_list_t history = {0};
    if (reco_key_user_history(key, sizeof key, tenant, a->user) < 0) {
        reco_reply_fail(rep, 500, "internal", "history key does not fit");
        return -1;
    }
    int rc = reco_read_top(st, key, RECO_RESORT_HISTORY_ITEMS, 0, &history, rep);
    size_t sent = 0;
    for (size_t h = 0; rc == 0 && h < history.n; h++) {
        if (reco_key_model_item(key, sizeof key, tenant, RECO_MODEL_ITEM_TO_ITEM, version,
                                history.v[h].item) < 0)
            continue;
        rc = append_zmscore(st, key, a, rep);
        sent += rc == 0;
    }
    if (rc == 0) rc = sum_zmscores(st, sent, a, scores, known, rep);
    reco_scored_list_clear(&history);
    return rc;
}

/* ---- the op ---- */

static json_t *reply_body(const resort_args_t *a, int64_t version, const size_t *order,
                          const double *scores, const unsigned char *known)
{
    json_t *items = json_array();
    for (size_t k = 0; items && k < a->n; k++) {
        size_t i = order[k];
        json_array_append_new(items, json_pack("{s:s, s:o}", "item", a->items[i], "score",
                                               known[i] ? json_real(scores[i]) : json_null()));
    }
    json_t *body = json_pack("{s:s, s:o, s:o}", "by", a->by_name, "version",
                             version > 0 ? json_integer(version) : json_null(), "items", items);
    if (body && a->by == BY_RANDOM) json_object_set_new(body, "seed", json_integer((json_int_t)a->seed));
    return body;
}

static uint64_t draw_seed(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t state = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec + (uint64_t)getpid();
    return splitmix64(&state) & ((1ULL << 53) - 1); /* exact in every JSON reader */
}

void reco_resort_handle(reco_store_t *store, const char *tenant, const json_t *args,
                        reco_reply_t *rep)
{
    resort_args_t a;
    reco_error_t err;
    reco_error_clear(&err);
    if (parse_args(args, &a, &err) != 0) {
        reco_query_reply_error(rep, &err);
        return;
    }
    double scores[RECO_RESORT_ITEMS_MAX] = {0};
    unsigned char known[RECO_RESORT_ITEMS_MAX] = {0};
    size_t order[RECO_RESORT_ITEMS_MAX];
    int64_t version = 0;
    int rc = 0;
    if (a.scenario) { /* TasteHit's widget: it only has to exist */
        json_t *scenario = NULL;
        rc = reco_scenario_load(store, tenant, a.scenario, &scenario, rep);
        json_decref(scenario);
        if (rc != 0) return;
    }
    if (a.by == BY_RANDOM) {
        if (!a.has_seed) a.seed = draw_seed();
        reco_resort_shuffle(a.seed, a.n, order);
    } else {
        const char *model = a.by == BY_FOR_USER ? RECO_MODEL_ITEM_TO_ITEM : RECO_MODEL_POPULAR;
        rc = reco_query_current_version(store, tenant, model, &version, rep) < 0 ? -1 : 0;
        if (rc == 0 && version > 0)
            rc = a.by == BY_FOR_USER ? score_for_user(store, tenant, version, &a, scores, known, rep)
                                     : score_popular(store, tenant, version, &a, scores, known, rep);
        if (rc == 0) reco_resort_order(scores, known, a.n, a.by == BY_UNPOPULAR, order);
    }
    if (rc != 0) return;
    json_t *body = reply_body(&a, version, order, scores, known);
    if (body)
        reco_reply_ok(rep, 200, body);
    else
        reco_reply_fail(rep, 500, "internal", "out of memory");
}
