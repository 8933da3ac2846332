/* reco_chain — a scenario's chain of models, run step by step (see reco_chain.h).
 *
 * Round trips: GET of the scenario; one pipeline for everything the steps need to know up front
 * (MGET of every model version of the chain, ZCARD of the user's history, PFCOUNT of each
 * context item's viewers, and for popular-category without request paths HGET of the context
 * items' categories); then each step's own reads (reco_recommend_run). A chain that is full
 * stops early, so the usual request runs one step.
 *
 * Ownership: chain_t owns the scenario, the merged filters, the viewers array, the context
 * items' categories and the answer list; chain_clear frees them all. Step args are built as JSON
 * and parsed by reco_recommend_parse_args (the recommend op's own checks, so filters and every
 * future argument behave exactly as on the model route); the parsed args borrow that JSON and
 * die with it, within the step. */
#include "reco_chain.h"

#include <stdlib.h>
#include <string.h>

#include "reco_filter.h"
#include "reco_keys.h"
#include "reco_log.h"
#include "reco_query_store.h"
#include "reco_recommend.h"
#include "reco_recommend_shape.h"
#include "reco_recommendation_id.h"
#include "reco_scenario.h"
#include "reco_scenario_read.h"

#define CHAIN_MAX (1 + RECO_SCENARIO_FALLBACKS_MAX)
#define MODELS_MAX (2 * CHAIN_MAX) /* chain models and their fills */
#define CATEGORY_PATHS_MAX 32      /* paths and prefixes a popular-category step reads */

typedef struct {
    const char *name; /* static: a model table name */
    int64_t version;
} model_version_t;

typedef struct {
    reco_store_t *st;
    const char *tenant;
    json_t *scenario;         /* owned, canonical */
    const char *user;         /* borrowed from the request; NULL */
    const json_t *items;      /* the request's context items (array) */
    const json_t *categories; /* the request's category paths (array) */
    json_t *filters;          /* owned: the scenario's and the request's, or NULL */
    const json_t *pscore;     /* the request's page cursor (TasteHit), or NULL */
    size_t limit;             /* entries the chain collects: the request's limit + offset */
    size_t offset;            /* the first offset of them are left out of the answer */
    int include_sets;         /* bought-with steps also return 2-item sets */
    int exclude_context, exclude_purchased;
    json_t *exclude_seen;         /* borrowed: the scenario's exclude.seen, or NULL */
    const char *steps[CHAIN_MAX]; /* static names: the model, then the fallbacks */
    size_t n_steps;
    model_version_t models[MODELS_MAX];
    size_t n_models;
    long long history;       /* entries in the user's history; 0 without a user */
    json_t *viewers;         /* owned: context_items of the reply */
    json_t *item_categories; /* owned: paths of the context items (array), or NULL */
    char purchases_key[RECO_KEY_MAX];
    reco_scored_list_t out;
    reco_error_t skipped; /* why the first skipped step could not run */
    char variant[RECO_VARIANT_NAME_MAX + 1]; /* the A/B variant that serves the request */
    int ran;              /* steps that ran */
    reco_reply_t *rep;
} chain_t;

static void chain_clear(chain_t *c)
{
    json_decref(c->scenario);
    json_decref(c->filters);
    json_decref(c->viewers);
    json_decref(c->item_categories);
    reco_scored_list_clear(&c->out);
}

static int fail_out_of_memory(reco_reply_t *rep)
{
    reco_reply_fail(rep, 500, "internal", "out of memory");
    return -1;
}

/* The static name of a chain step (a model table entry, or popular-category); NULL if unknown. */
static const char *step_name(const char *name)
{
    if (name && strcmp(name, RECO_SCENARIO_POPULAR_CATEGORY) == 0)
        return RECO_SCENARIO_POPULAR_CATEGORY;
    const reco_model_info_t *m = reco_model_find(name);
    return m ? m->name : NULL;
}

static void add_model(chain_t *c, const char *name)
{
    for (size_t i = 0; i < c->n_models; i++)
        if (strcmp(c->models[i].name, name) == 0) return;
    if (c->n_models < MODELS_MAX) c->models[c->n_models++] = (model_version_t){name, 0};
}

static int64_t version_of(const chain_t *c, const char *name)
{
    for (size_t i = 0; i < c->n_models; i++)
        if (strcmp(c->models[i].name, name) == 0) return c->models[i].version;
    return 0;
}

/* ---- setting up: scenario, request, filters ---- */

/* The chain's steps and the models whose versions they need. -1 (500) on a bad name. */
static int read_steps(chain_t *c)
{
    json_t *fallbacks = json_object_get(c->scenario, "fallbacks");
    size_t n = 1 + json_array_size(fallbacks);
    for (size_t i = 0; i < n && i < CHAIN_MAX; i++) {
        json_t *v =
            i == 0 ? json_object_get(c->scenario, "model") : json_array_get(fallbacks, i - 1);
        const char *name = step_name(json_string_value(v));
        if (!name) {
            reco_reply_fail(c->rep, 500, "internal", "scenario: unknown model in the chain");
            return -1;
        }
        c->steps[c->n_steps++] = name;
        const reco_model_info_t *m = reco_model_find(name);
        add_model(c, m ? m->name : RECO_MODEL_POPULAR);
        if (m && m->fill) add_model(c, m->fill);
    }
    return 0;
}

/* The scenario's filters followed by the request's (all AND-ed), or NULL when neither has any. */
static int merge_filters(chain_t *c, const json_t *request)
{
    json_t *mine = json_object_get(c->scenario, "filters"),
           *theirs = json_object_get(request, "filters");
    if (json_array_size(mine) + json_array_size(theirs) == 0) return 0;
    if (json_array_size(mine) + json_array_size(theirs) > RECO_FILTER_MAX) {
        reco_reply_fail(
            c->rep, 400, "invalid_field",
            "filters: the scenario's %zu and the request's %zu filters are more than %d",
            json_array_size(mine), json_array_size(theirs), RECO_FILTER_MAX);
        return -1;
    }
    if (!(c->filters = json_array()) || json_array_extend(c->filters, mine) != 0 ||
        (theirs && json_array_extend(c->filters, theirs) != 0))
        return fail_out_of_memory(c->rep);
    return 0;
}

/* Loads the scenario of a canonical request and reads its settings into c. 0, or -1 with rep. */
static int chain_setup(chain_t *c, const json_t *request)
{
    const char *id = json_string_value(json_object_get(request, "scenario"));
    if (reco_scenario_load(c->st, c->tenant, id, &c->scenario, c->rep) != 0) return -1;
    json_t *applied = reco_scenario_variant_apply(c->scenario, c->tenant, request, c->variant);
    if (!applied) return fail_out_of_memory(c->rep);
    json_decref(c->scenario);
    c->scenario = applied; /* the variant's chain from here on */
    c->user = json_string_value(json_object_get(request, "user"));
    c->items = json_object_get(request, "items");
    c->categories = json_object_get(request, "categories");
    c->pscore = json_object_get(request, "pscore");
    json_t *limit = json_object_get(request, "limit");
    if (!limit) limit = json_object_get(c->scenario, "limit");
    c->offset = (size_t)json_integer_value(json_object_get(request, "offset"));
    c->limit = (size_t)json_integer_value(limit) + c->offset;
    c->include_sets = json_is_true(json_object_get(request, "include_sets"));
    json_t *exclude = json_object_get(c->scenario, "exclude");
    c->exclude_context = json_is_true(json_object_get(exclude, "context"));
    c->exclude_purchased = json_is_true(json_object_get(exclude, "purchased"));
    c->exclude_seen = json_object_get(exclude, "seen");
    if (c->user && reco_key_user_purchases(c->purchases_key, sizeof c->purchases_key, c->tenant,
                                           c->user) < 0) {
        reco_reply_fail(c->rep, 500, "internal", "key does not fit");
        return -1;
    }
    if (!(c->viewers = json_array())) return fail_out_of_memory(c->rep);
    return read_steps(c) != 0 || merge_filters(c, request) != 0 ? -1 : 0;
}

/* ---- what the steps need to know: one pipeline ---- */

static int is_category_step(const char *name)
{
    return strcmp(name, RECO_SCENARIO_POPULAR_CATEGORY) == 0;
}

static int needs_item_categories(const chain_t *c)
{
    for (size_t i = 0; i < c->n_steps; i++)
        if (is_category_step(c->steps[i]))
            return json_array_size(c->categories) == 0 && json_array_size(c->items) > 0;
    return 0;
}

static int append_command(chain_t *c, int argc, const char **argv, size_t *sent)
{
    size_t lens[2 + MODELS_MAX];
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    if (reco_store_appendv(c->st, argc, argv, lens) != 0)
        return reco_query_fail(c->rep, c->st, NULL, argv[0]);
    (*sent)++;
    return 0;
}

/* Appends MGET of the versions, ZCARD of the history, PFCOUNT and (if wanted) HGET categories
 * of each context item. *sent counts the commands appended. */
static int send_state_reads(chain_t *c, size_t *sent)
{
    char keys[MODELS_MAX][RECO_KEY_MAX], key[RECO_KEY_MAX];
    const char *argv[1 + MODELS_MAX] = {"MGET"};
    for (size_t m = 0; m < c->n_models; m++) {
        if (reco_key_model_current(keys[m], sizeof keys[m], c->tenant, c->models[m].name) < 0)
            return reco_query_fail(c->rep, c->st, NULL, "model key");
        argv[1 + m] = keys[m];
    }
    int rc = append_command(c, (int)(1 + c->n_models), argv, sent);
    if (rc == 0 && c->user && reco_key_user_history(key, sizeof key, c->tenant, c->user) >= 0)
        rc = append_command(c, 2, (const char *[]){"ZCARD", key}, sent);
    int categories = needs_item_categories(c);
    for (size_t i = 0; rc == 0 && i < json_array_size(c->items); i++) {
        const char *item = json_string_value(json_array_get(c->items, i));
        if (reco_key_item_viewers(key, sizeof key, c->tenant, item) < 0)
            return reco_query_fail(c->rep, c->st, NULL, "viewers key");
        rc = append_command(c, 2, (const char *[]){"PFCOUNT", key}, sent);
        if (rc == 0 && categories && reco_key_item(key, sizeof key, c->tenant, item) >= 0)
            rc = append_command(c, 3, (const char *[]){"HGET", key, "categories"}, sent);
    }
    return rc;
}

/* Adds the category paths of one item's stored `categories` (a JSON array) to c. */
static void add_item_categories(chain_t *c, const redisReply *r)
{
    if (r->type != REDIS_REPLY_STRING) return;
    json_t *doc = json_loadb(r->str, r->len, 0, NULL);
    for (size_t i = 0; json_is_array(doc) && i < json_array_size(doc); i++) {
        json_t *path = json_array_get(doc, i);
        if (json_is_string(path) && json_string_length(path) > 0 && c->item_categories)
            json_array_append(c->item_categories, path);
    }
    json_decref(doc);
}

/* Reads the replies of send_state_reads into c. */
static int take_state_replies(chain_t *c, redisReply **r, size_t n)
{
    size_t k = 0;
    if (r[k]->type != REDIS_REPLY_ARRAY || r[k]->elements != c->n_models)
        return reco_query_fail(c->rep, c->st, r[k], "MGET of model versions");
    for (size_t m = 0; m < c->n_models; m++)
        if (reco_query_parse_version(r[k]->element[m], &c->models[m].version) < 0)
            return reco_query_fail(c->rep, c->st, r[k]->element[m], "a model's current version");
    k++;
    if (c->user && k < n) {
        if (r[k]->type != REDIS_REPLY_INTEGER) return reco_query_fail(c->rep, c->st, r[k], "ZCARD");
        c->history = r[k++]->integer;
    }
    int categories = needs_item_categories(c);
    if (categories && !(c->item_categories = json_array())) return fail_out_of_memory(c->rep);
    for (size_t i = 0; i < json_array_size(c->items) && k < n; i++) {
        if (r[k]->type != REDIS_REPLY_INTEGER)
            return reco_query_fail(c->rep, c->st, r[k], "PFCOUNT");
        json_array_append_new(c->viewers,
                              json_pack("{s:O, s:I}", "item", json_array_get(c->items, i),
                                        "viewers", (json_int_t)r[k++]->integer));
        if (categories && k < n) add_item_categories(c, r[k++]);
    }
    return 0;
}

static int read_state(chain_t *c)
{
    size_t sent = 0;
    redisReply *replies[3 + 2 * RECO_SCENARIO_CONTEXT_MAX] = {NULL};
    if (send_state_reads(c, &sent) != 0) {
        reco_query_read_all(c->st, sent, replies); /* keep the connection in step */
        reco_query_free_all(sent, replies);
        return -1;
    }
    if (reco_query_read_all(c->st, sent, replies) != 0)
        return reco_query_fail(c->rep, c->st, NULL, "reading the scenario's state");
    int rc = take_state_replies(c, replies, sent);
    reco_query_free_all(sent, replies);
    return rc;
}

/* ---- steps ---- */

/* Remembers why a step could not run (the first reason is kept). Returns 0: the chain goes on. */
static int skip(chain_t *c, int status, const char *code, const char *message)
{
    if (!c->skipped.status) reco_error_set(&c->skipped, status, code, "%s", message);
    return 0;
}

/* Runs args (a recommend args object) with versions, and appends what it returns to c->out
 * marked as step. list_key: a global list read instead of the model's own. */
static int run_args(chain_t *c, const json_t *args, const int64_t versions[2], const char *list_key,
                    const char *step)
{
    reco_recommend_args_t *a = malloc(sizeof *a);
    const char **chosen = malloc((c->out.n + 1) * sizeof *chosen);
    reco_error_t err;
    reco_scored_list_t got = {0};
    int rc = a && chosen ? 0 : fail_out_of_memory(c->rep);
    if (rc == 0 && reco_recommend_parse_args(args, a, &err) != 0) {
        free(a), free(chosen);
        return skip(c, err.status, err.code, err.message);
    }
    if (rc == 0) a->limit = (int)(c->limit - c->out.n); /* with an offset, past the op's 50 */
    for (size_t i = 0; rc == 0 && i < c->out.n; i++)
        chosen[i] = c->out.v[i].item;
    reco_recommend_opts_t opts = {
        .list_key = list_key,
        .seen_key = c->user && c->exclude_purchased ? c->purchases_key : NULL,
        .exclude = chosen,
        .n_exclude = c->out.n,
        .keep_context = !c->exclude_context,
    };
    if (rc == 0) rc = reco_recommend_run(c->st, c->tenant, a, versions, &opts, &got, c->rep);
    for (size_t i = 0; rc == 0 && i < got.n && c->out.n < c->limit; i++) {
        if (reco_scored_list_contains(&c->out, got.v[i].item, got.v[i].len)) continue;
        if (reco_scored_list_push(&c->out, got.v[i].item, got.v[i].len, got.v[i].score) != 0)
            rc = fail_out_of_memory(c->rep);
        else
            c->out.v[c->out.n - 1].model = step;
    }
    if (rc == 0) c->ran++;
    reco_scored_list_clear(&got);
    free(a), free(chosen);
    return rc;
}

/* The recommend args of one step: model, the limit still open, context, user, filters, and
 * the request's pscore (TasteHit's rule: no step returns anything scored pscore or more). */
static json_t *step_args(const chain_t *c, const char *model)
{
    size_t open = c->limit - c->out.n; /* run_args lifts the op's cap of 50 for an offset */
    json_t *args =
        json_pack("{s:s, s:I, s:O}", "model", model, "limit",
                  (json_int_t)(open < RECO_SCENARIO_LIMIT_MAX ? open : RECO_SCENARIO_LIMIT_MAX),
                  "items", c->items);
    if (args && c->include_sets) json_object_set_new(args, "include_sets", json_true());
    if (args && c->user) json_object_set_new(args, "user", json_string(c->user));
    if (args && c->filters) json_object_set(args, "filters", c->filters);
    if (args && c->exclude_seen) json_object_set(args, "exclude_seen", c->exclude_seen);
    if (args && c->pscore) json_object_set(args, "pscore", (json_t *)c->pscore);
    return args;
}

static int run_model_step(chain_t *c, const char *name)
{
    const reco_model_info_t *m = reco_model_find(name);
    int no_context = json_array_size(c->items) == 0 || m->serve == RECO_SERVE_SIMILAR_CUSTOMERS;
    if (m->personalised && no_context && !c->user)
        return skip(c, 400, "missing_field", "user: this scenario's model needs a user");
    if (m->personalised && no_context && c->history == 0)
        return skip(c, 409, "no_history",
                    "user: has no history yet for this scenario's personalised model, and the "
                    "scenario has no fallback");
    int64_t versions[2] = {version_of(c, m->name), m->fill ? version_of(c, m->fill) : 0};
    if (versions[0] == 0) { /* never built: adds nothing, but the chain did run */
        c->ran++;
        return 0;
    }
    json_t *args = step_args(c, m->name);
    int rc = args ? run_args(c, args, versions, NULL, name) : fail_out_of_memory(c->rep);
    json_decref(args);
    return rc;
}

static size_t path_depth(const char *path)
{
    size_t depth = 1;
    for (; *path; path++)
        depth += *path == '/';
    return depth;
}

/* Every path of paths and each of its prefixes, distinct, deepest first (stable otherwise). */
static json_t *category_paths(const json_t *paths)
{
    json_t *out = json_array();
    for (size_t i = 0; out && i < json_array_size(paths); i++) {
        const char *path = json_string_value(json_array_get(paths, i));
        for (size_t len = path ? strlen(path) : 0;
             len > 0 && json_array_size(out) < CATEGORY_PATHS_MAX;) {
            json_t *prefix = json_stringn(path, len);
            int seen = 0;
            for (size_t j = 0; prefix && j < json_array_size(out) && !seen; j++)
                seen = json_equal(json_array_get(out, j), prefix);
            if (prefix && !seen) json_array_append(out, prefix);
            json_decref(prefix);
            while (len > 0 && path[len - 1] != '/')
                len--;
            if (len > 0) len--; /* drop the separator */
        }
    }
    for (size_t i = 1; out && i < json_array_size(out); i++) /* insertion sort: stable */
        for (size_t j = i; j > 0; j--) {
            json_t *a = json_array_get(out, j - 1), *b = json_array_get(out, j);
            if (path_depth(json_string_value(a)) >= path_depth(json_string_value(b))) break;
            json_incref(a);
            json_array_set(out, j - 1, b);
            json_array_set_new(out, j, a);
        }
    return out;
}

static int run_category_step(chain_t *c)
{
    const json_t *given = json_array_size(c->categories) ? c->categories : c->item_categories;
    json_t *paths = category_paths(given);
    if (!paths) return fail_out_of_memory(c->rep);
    int rc = 0;
    int64_t versions[2] = {version_of(c, RECO_MODEL_POPULAR), 0};
    if (json_array_size(paths) == 0)
        rc = skip(c, 400, "missing_field",
                  "category: popular-category needs category paths, or context items that have "
                  "categories");
    else if (versions[0] == 0)
        c->ran++;
    for (size_t i = 0; rc == 0 && versions[0] && i < json_array_size(paths) && c->out.n < c->limit;
         i++) {
        char key[RECO_KEY_MAX];
        const char *path = json_string_value(json_array_get(paths, i));
        json_t *args = step_args(c, RECO_MODEL_POPULAR);
        if (!args)
            rc = fail_out_of_memory(c->rep);
        else if (reco_key_model_category(key, sizeof key, c->tenant, RECO_MODEL_POPULAR,
                                         versions[0], path) >= 0)
            rc = run_args(c, args, versions, key, RECO_SCENARIO_POPULAR_CATEGORY);
        json_decref(args);
    }
    json_decref(paths);
    return rc;
}

static int run_chain(chain_t *c)
{
    for (size_t i = 0; i < c->n_steps && c->out.n < c->limit; i++) {
        int rc =
            is_category_step(c->steps[i]) ? run_category_step(c) : run_model_step(c, c->steps[i]);
        if (rc != 0) return -1;
    }
    if (c->ran == 0) {
        reco_reply_fail(c->rep, c->skipped.status ? c->skipped.status : 500,
                        c->skipped.status ? c->skipped.code : "internal", "%s",
                        c->skipped.status ? c->skipped.message : "no step of the chain ran");
        return -1;
    }
    return 0;
}

/* ---- the ops ---- */

/* What an answer needs beyond its list: built_at / interval_ms of the newest served version
 * among the chain's models (the gateway's Last-Modified / Expires), and the attributes the
 * request asks for, read as the recommend op reads them (reco_shape_reply, on a scratch body so
 * that its page cursor stays out of the answer). 0, or -1 with c->rep filled. */
static int complete_answer(chain_t *c, const json_t *request, json_t *body)
{
    const char *names[RECO_QUERY_VERSIONS_MAX];
    reco_model_version_t served[RECO_QUERY_VERSIONS_MAX];
    size_t n = 0;
    for (size_t i = 0; i < c->n_models && n < RECO_QUERY_VERSIONS_MAX; i++)
        names[n++] = c->models[i].name;
    if (n > 0 && reco_query_model_versions(c->st, c->tenant, names, n, served, c->rep) != 0)
        return -1;
    const reco_model_version_t *newest = NULL;
    for (size_t i = 0; i < n; i++)
        if (served[i].built_at_ms > 0 && (!newest || served[i].built_at_ms > newest->built_at_ms))
            newest = &served[i];
    reco_reply_cache_fields(body, newest);
    json_t *attributes = json_object_get(request, "attributes");
    if (json_array_size(attributes) == 0) return 0;
    json_t *args = json_pack("{s:s, s:I, s:O}", "model", RECO_MODEL_POPULAR, "limit",
                             (json_int_t)(c->limit > c->offset ? c->limit - c->offset : 1),
                             "attributes", attributes);
    json_t *scratch =
        json_pack("{s:O}", "recommendations", json_object_get(body, "recommendations"));
    reco_recommend_args_t *a = malloc(sizeof *a);
    reco_error_t err;
    int rc = args && scratch && a ? 0 : fail_out_of_memory(c->rep);
    if (rc == 0 && reco_recommend_parse_args(args, a, &err) != 0) {
        reco_reply_fail(c->rep, err.status, err.code, "%s", err.message);
        rc = -1;
    }
    if (rc == 0) rc = reco_shape_reply(c->st, c->tenant, a, &c->out, scratch, c->rep);
    free(a);
    json_decref(scratch);
    json_decref(args);
    return rc;
}

/* Leaves the first c->offset entries out of c->out (a page further down). 0, or -1 with rep. */
static int drop_offset(chain_t *c)
{
    if (c->offset == 0) return 0;
    reco_scored_list_t page = {0};
    for (size_t i = c->offset; i < c->out.n; i++) {
        if (reco_scored_list_push(&page, c->out.v[i].item, c->out.v[i].len, c->out.v[i].score) !=
            0) {
            reco_scored_list_clear(&page);
            return fail_out_of_memory(c->rep);
        }
        page.v[page.n - 1].model = c->out.v[i].model;
    }
    reco_scored_list_clear(&c->out);
    c->out = page;
    return 0;
}

/* The answer's variant, and its recommendation id: attributed to the scenario, the variant and
 * the model of the first entry (the chain's first step when the answer is empty). */
static int attach_attribution(chain_t *c, const json_t *request, json_t *body)
{
    json_t *first = json_array_get(json_object_get(body, "recommendations"), 0);
    const char *model = json_string_value(json_object_get(first, "model"));
    if (!model) model = c->steps[0];
    if (json_object_set_new(body, "variant", json_string(c->variant)) != 0) return -1;
    return reco_recommendation_id_attach(c->st, c->tenant, body,
                                         json_string_value(json_object_get(request, "scenario")),
                                         c->variant, model);
}

/* Answers one canonical request into rep. */
static void answer(reco_store_t *store, const char *tenant, const json_t *request,
                   reco_reply_t *rep)
{
    chain_t c = {.st = store, .tenant = tenant, .rep = rep};
    if (chain_setup(&c, request) == 0 && read_state(&c) == 0 && run_chain(&c) == 0 &&
        drop_offset(&c) == 0) {
        json_t *recs = reco_recommendations_json(&c.out, RECO_MODEL_POPULAR, c.include_sets);
        json_t *body =
            recs ? json_pack("{s:O, s:o, s:O}", "scenario", json_object_get(request, "scenario"),
                             "recommendations", recs, "context_items", c.viewers)
                 : NULL;
        if (body && complete_answer(&c, request, body) != 0)
            json_decref(body); /* rep says why */
        else if (body && attach_attribution(&c, request, body) == 0)
            reco_reply_ok(rep, 200, body);
        else {
            json_decref(body);
            reco_reply_fail(rep, 500, "internal", "out of memory, or no random bytes for the id");
        }
    }
    chain_clear(&c);
}

void reco_chain_handle(reco_store_t *store, const char *tenant, const json_t *args,
                       reco_reply_t *rep)
{
    reco_error_t err;
    json_t *request = reco_scenario_request_normalize(args, &err);
    if (!request) {
        reco_reply_fail(rep, err.status, err.code, "%s", err.message);
        return;
    }
    answer(store, tenant, request, rep);
    json_decref(request);
}

/* One element of a bulk answer: the reply's body, or {status, error}. */
static json_t *bulk_element(const reco_reply_t *rep)
{
    if (!rep->error.status) return json_incref(rep->body);
    return json_pack("{s:i, s:{s:s, s:s}}", "status", rep->error.status, "error", "code",
                     rep->error.code, "message", rep->error.message);
}

void reco_chain_bulk_handle(reco_store_t *store, const char *tenant, const json_t *args,
                            reco_reply_t *rep)
{
    json_t *requests = json_object_get(args, "requests");
    if (!json_is_array(requests) || json_array_size(requests) == 0 ||
        json_array_size(requests) > RECO_SCENARIO_BULK_MAX) {
        reco_reply_fail(rep, 400, requests ? "invalid_field" : "missing_field",
                        "requests: required, an array of 1 to %d recommendation requests",
                        RECO_SCENARIO_BULK_MAX);
        return;
    }
    json_t *responses = json_array();
    for (size_t i = 0; responses && i < json_array_size(requests); i++) {
        reco_reply_t one = {0};
        reco_chain_handle(store, tenant, json_array_get(requests, i), &one);
        if (one.error.status) { /* name the element, as a batch error does */
            char message[sizeof one.error.message + 32];
            snprintf(message, sizeof message, "requests[%zu].%s", i, one.error.message);
            memcpy(one.error.message, message, sizeof one.error.message - 1);
            one.error.message[sizeof one.error.message - 1] = '\0';
        }
        json_t *element = bulk_element(&one);
        if (!element || json_array_append_new(responses, element) != 0) {
            json_decref(responses);
            responses = NULL;
        }
        reco_reply_clear(&one);
    }
    if (responses)
        reco_reply_ok(rep, 200, json_pack("{s:o}", "responses", responses));
    else
        fail_out_of_memory(rep);
}
