/* reco_compat_gravity_reco — Gravity's recommendation methods (see reco_compat_gravity.h):
 *
 *   GET  getItemRecommendation?scenarioId=&userId=&cookieId=&numberLimit=&itemId=
 *        &resultNameValue=..&splitGroup=&<name>=<value>..              recommend.scenario
 *   POST getItemRecommendation   {scenarioId, userId?, cookieId?, numberLimit?, itemId?,
 *                                 nameValues?, resultNameValues?, splitGroup?}  recommend.scenario
 *   POST getItemRecommendationBulk[?userId=&cookieId=]   [request, ...]       recommend.bulk
 *
 * scenarioId is a native scenario (PUT /v1/{tenant}/scenarios/{id}), numberLimit its limit
 * (1..50), itemId the context item(s), userId the user and cookieId the session. Every other
 * name-value (query parameters other than the named ones, or the body's nameValues) is a native
 * catalogue filter, AND-ed: text {"<name>": "<value>"} (equal, or a list value containing it), a
 * boolean {"<name>": true|false}, a number {"<name>": {"min": n, "max": n}}; `categoryPath` filters
 * on the item's categories (that path and below) and is the request's category too
 * (popular-category). splitGroup picks the scenario's A/B variant (the variant of that name, else
 * the one the group hashes onto: docs/attribution.md) and is echoed in the answer. The bulk body
 * is a JSON array of requests, or the requests separated by commas as the seed prints it; the
 * query's userId / cookieId apply to requests that name none.
 *
 * The answer {recommendationId, items: [{itemId, title, itemType, hidden, fromDate, toDate,
 * nameValues}], itemIds, predictionValues} is read from the worker's answer alone: the request
 * asks recommend.scenario for the attributes title, itemType, fromDate, toDate and the result
 * names (categoryPath is the item's categories). hidden is always false: a scenario never
 * returns a hidden item.
 *
 * Ownership: a job_t lives from the forward to the answer; the render callback frees it. */
#include "reco_compat_gravity.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "reco_config.h"
#include "reco_scenario.h"
#include "reco_validate.h"

/* The attributes every answer reads, besides the result names. */
static const char *const FIXED_ATTRIBUTES[] = {"title", "itemType", "fromDate", "toDate"};
#define FIXED_ATTRIBUTE_COUNT 4

typedef struct {
    reco_gateway_t *gw;
    struct evhttp_request *req;
    char tenant[RECO_TENANT_MAX + 1];
    int bulk;
    json_t *asks; /* per request: {"names": [...], "splitGroup"?} */
} job_t;

static void job_free(job_t *job)
{
    if (!job) return;
    json_decref(job->asks);
    free(job);
}

/* ---- the request ---- */

static int id_ok(const json_t *v)
{
    return (json_is_string(v) && reco_valid_id(json_string_value(v), json_string_length(v))) ||
           json_is_integer(v);
}

/* The item attribute a result name reads: categoryPath is the item's categories. */
static const char *attribute_of(const char *name)
{
    return strcmp(name, "categoryPath") == 0 ? "categories" : name;
}

/* The result names of g (resultNameValues or resultNameValue: one name or a list) into ask, and
 * the attributes the answer needs (the fixed ones and the result names) into request. */
static int result_names(const json_t *g, const char *where, json_t *ask, json_t *request,
                        reco_error_t *err)
{
    json_t *v = json_object_get(g, "resultNameValues");
    if (!v) v = json_object_get(g, "resultNameValue");
    json_t *names = json_is_string(v)  ? json_pack("[O]", v)
                    : json_is_array(v) ? json_incref(v)
                                       : json_array();
    json_t *attributes = json_array(), *seen = json_object();
    int ok = names && attributes && seen &&
             (!v || json_is_null(v) || json_is_string(v) || json_is_array(v));
    for (size_t i = 0; ok && i < FIXED_ATTRIBUTE_COUNT; i++) {
        json_array_append_new(attributes, json_string(FIXED_ATTRIBUTES[i]));
        json_object_set_new(seen, FIXED_ATTRIBUTES[i], json_true());
    }
    for (size_t i = 0; ok && i < json_array_size(names); i++) {
        json_t *name = json_array_get(names, i);
        ok =
            json_is_string(name) && json_string_length(name) >= 1 && json_string_length(name) <= 64;
        const char *attr = ok ? attribute_of(json_string_value(name)) : "";
        if (ok && strcmp(attr, "itemId") != 0 && !json_object_get(seen, attr)) {
            json_array_append_new(attributes, json_string(attr));
            json_object_set_new(seen, attr, json_true());
        }
    }
    ok = ok && json_array_size(attributes) <= RECO_SCENARIO_ATTRIBUTES_MAX;
    json_decref(seen);
    if (!ok) {
        reco_error_set(
            err, 400, "invalid_field",
            "%sresultNameValues: must be at most %d distinct names of 1 to 64 bytes besides title, "
            "itemType, fromDate and toDate",
            where, RECO_SCENARIO_ATTRIBUTES_MAX - FIXED_ATTRIBUTE_COUNT);
        json_decref(names);
        json_decref(attributes);
        return -1;
    }
    json_object_set_new(request, "attributes", attributes);
    return json_object_set_new(ask, "names", names);
}

/* The name-values of g as native filters (and categoryPath as categories) into request. */
static int name_value_filters(const json_t *g, const char *where, json_t *request,
                              reco_error_t *err)
{
    json_t *list = json_object_get(g, "nameValues");
    if (list && !json_is_null(list) &&
        (!json_is_array(list) || json_array_size(list) > RECO_GRAVITY_NAMES_MAX)) {
        reco_error_set(err, 400, "invalid_field",
                       "%snameValues: must be a list of at most %d {\"name\",\"value\"}", where,
                       RECO_GRAVITY_NAMES_MAX);
        return -1;
    }
    json_t *filters = json_array(), *categories = json_array();
    for (size_t i = 0; i < json_array_size(list); i++) {
        char at[48];
        snprintf(at, sizeof at, "%snameValues[%zu]", where, i);
        json_t *one = json_object(), *pair = json_array_get(list, i);
        int rc = reco_gravity_collect_name_value(pair, at, one, err);
        const char *name = json_string_value(json_object_get(pair, "name"));
        json_t *v = rc == 0 ? json_object_get(one, name) : NULL;
        if (v && strcmp(name, "categoryPath") == 0) {
            json_array_append(categories, v);
            json_array_append_new(filters, json_pack("{s:O}", "categories", v));
        } else if (json_is_number(v)) {
            json_array_append_new(filters, json_pack("{s:{s:O, s:O}}", name, "min", v, "max", v));
        } else if (json_is_array(v)) { /* a list value: every element must match */
            for (size_t k = 0; k < json_array_size(v); k++)
                json_array_append_new(filters, json_pack("{s:O}", name, json_array_get(v, k)));
        } else if (v) {
            json_array_append_new(filters, json_pack("{s:O}", name, v));
        }
        json_decref(one);
        if (rc != 0) {
            json_decref(filters);
            json_decref(categories);
            return -1;
        }
    }
    if (json_array_size(filters)) json_object_set(request, "filters", filters);
    if (json_array_size(categories)) json_object_set(request, "categories", categories);
    json_decref(filters);
    json_decref(categories);
    return 0;
}

/* numberLimit: a whole number or its text, 1..50. 0 (absent), 1 with *limit set, or -1. */
static int number_limit(const json_t *g, long *limit)
{
    json_t *v = json_object_get(g, "numberLimit");
    if (!v || json_is_null(v)) return 0;
    if (json_is_integer(v))
        *limit = (long)json_integer_value(v);
    else if (!json_is_string(v) ||
             reco_parse_long(json_string_value(v), 1, RECO_SCENARIO_LIMIT_MAX, limit) != 0)
        return -1;
    return *limit >= 1 && *limit <= RECO_SCENARIO_LIMIT_MAX ? 1 : -1;
}

typedef struct {
    const char *field, *rule;
} field_rule_t;

static const field_rule_t SCENARIO_RULE = {
    "scenarioId", "required, a scenario id (1 to 64 of A-Z, a-z, 0-9, _ and -)"};
static const field_rule_t LIMIT_RULE = {"numberLimit", "must be a whole number from 1 to 50"};
static const field_rule_t ID_RULES[] = {
    {"userId", "must be 1 to 256 bytes of text without control characters"},
    {"cookieId", "must be 1 to 256 bytes of text without control characters"},
    {"itemId", "must be an item id or a list of them (1 to 256 bytes of text)"}};
static const field_rule_t SPLIT_RULE = {"splitGroup",
                                        "must be 1 to 64 bytes of text without control characters"};

/* Checks the scalar fields of a Gravity request into request; the first bad one, or NULL. */
static const field_rule_t *bad_scalar(const json_t *g, json_t *request)
{
    json_t *scenario = json_object_get(g, "scenarioId"), *items = json_object_get(g, "itemId");
    if (!json_is_string(scenario) || !reco_valid_scenario_id(json_string_value(scenario)))
        return &SCENARIO_RULE;
    json_object_set(request, "scenario", scenario);
    static const char *const native[] = {"user", "session"};
    for (size_t i = 0; i < 2; i++) {
        json_t *v = json_object_get(g, ID_RULES[i].field);
        if (v && !json_is_null(v) && !id_ok(v)) return &ID_RULES[i];
        if (v && !json_is_null(v)) json_object_set(request, native[i], v);
    }
    json_t *split = json_object_get(g, "splitGroup"); /* picks the scenario's A/B variant */
    if (split && !json_is_null(split)) {
        if (!id_ok(split) || json_string_length(split) > RECO_SCENARIO_SPLIT_GROUP_MAX)
            return &SPLIT_RULE;
        json_object_set(request, "split_group", split);
    }
    if (items && !json_is_null(items)) {
        int ok = id_ok(items) || json_is_array(items);
        for (size_t i = 0; ok && i < json_array_size(items); i++)
            ok = id_ok(json_array_get(items, i));
        if (!ok) return &ID_RULES[2];
        json_object_set(request, "items", items);
    }
    long limit = 0;
    int found = number_limit(g, &limit);
    if (found < 0) return &LIMIT_RULE;
    if (found) json_object_set_new(request, "limit", json_integer(limit));
    return NULL;
}

/* One Gravity request (an object) as a canonical native request; *ask gets what the answer needs
 * (result names, splitGroup). where prefixes field names ("requests[1]."). NULL with err set. */
static json_t *request_from_gravity(const json_t *g, const char *where, json_t **ask,
                                    reco_error_t *err)
{
    if (!json_is_object(g)) {
        reco_error_set(err, 400, "invalid_body",
                       "%s%s: a recommendation request must be a JSON object", where,
                       *where ? "" : "body");
        return NULL;
    }
    json_t *request = json_object();
    const field_rule_t *bad = bad_scalar(g, request);
    if (bad) {
        reco_error_set(err, 400, json_object_get(g, bad->field) ? "invalid_field" : "missing_field",
                       "%s%s: %s", where, bad->field, bad->rule);
        json_decref(request);
        return NULL;
    }
    *ask = json_object();
    json_t *split = json_object_get(g, "splitGroup");
    if (split && !json_is_null(split)) json_object_set(*ask, "splitGroup", split);
    json_t *canonical = NULL;
    if (result_names(g, where, *ask, request, err) == 0 &&
        name_value_filters(g, where, request, err) == 0) {
        canonical = reco_scenario_request_normalize(request, err);
        if (!canonical && *where) { /* name the request of a bulk */
            char message[sizeof err->message];
            snprintf(message, sizeof message, "%s%s", where, err->message);
            snprintf(err->message, sizeof err->message, "%s", message);
        }
    }
    json_decref(request);
    if (!canonical) {
        json_decref(*ask);
        *ask = NULL;
    }
    return canonical;
}

/* A GET's query as a Gravity request object. */
static json_t *gravity_from_query(const reco_path_t *path)
{
    static const char *const scalars[] = {"scenarioId", "userId", "cookieId", "numberLimit",
                                          "splitGroup"};
    json_t *g = json_pack("{s:[], s:[], s:[]}", "itemId", "resultNameValues", "nameValues");
    struct evkeyval *kv;
    TAILQ_FOREACH(kv, &path->query, next)
    {
        size_t i = 0;
        while (i < 5 && strcmp(kv->key, scalars[i]) != 0)
            i++;
        if (i < 5)
            json_object_set_new(g, kv->key, json_string(kv->value));
        else if (!strcmp(kv->key, "itemId"))
            json_array_append_new(json_object_get(g, "itemId"), json_string(kv->value));
        else if (!strcmp(kv->key, "resultNameValue") || !strcmp(kv->key, "resultNameValues"))
            json_array_append_new(json_object_get(g, "resultNameValues"), json_string(kv->value));
        else if (strcmp(kv->key, "async") != 0)
            json_array_append_new(json_object_get(g, "nameValues"),
                                  json_pack("{s:s, s:s}", "name", kv->key, "value", kv->value));
    }
    return g;
}

/* The query's userId / cookieId for a POSTed request that names none. */
static void query_defaults(const reco_path_t *path, json_t *g)
{
    static const char *const names[] = {"userId", "cookieId"};
    for (size_t i = 0; json_is_object(g) && i < 2; i++) {
        const char *v = reco_path_param(path, names[i]);
        if (v && !json_object_get(g, names[i])) json_object_set_new(g, names[i], json_string(v));
    }
}

/* ---- the answer ---- */

/* An attribute rendered as a number, or 0. */
static json_t *number_or_zero(const json_t *v)
{
    return json_is_number(v) ? json_incref((json_t *)v) : json_integer(0);
}

/* One recommended entry {item, score, model, attributes} in Gravity's shape. */
static json_t *item_json(const char *id, const json_t *attrs, const json_t *names)
{
    const char *title = json_string_value(json_object_get(attrs, "title"));
    const char *type = json_string_value(json_object_get(attrs, "itemType"));
    json_t *nv = json_array();
    for (size_t i = 0; i < json_array_size(names); i++) {
        const char *name = json_string_value(json_array_get(names, i));
        if (strcmp(name, "itemId") == 0)
            json_array_append_new(nv, json_pack("{s:s, s:s}", "name", name, "value", id));
        else
            reco_gravity_append_name_values(nv, name, json_object_get(attrs, attribute_of(name)));
    }
    return json_pack("{s:s, s:s, s:s, s:b, s:o, s:o, s:o}", "itemId", id, "title",
                     title ? title : "", "itemType", type ? type : "", "hidden", 0, "fromDate",
                     number_or_zero(json_object_get(attrs, "fromDate")), "toDate",
                     number_or_zero(json_object_get(attrs, "toDate")), "nameValues", nv);
}

/* One native answer (recommend.scenario body, or a bulk element) in Gravity's shape. */
static json_t *answer_json(const json_t *resp, const json_t *ask)
{
    if (json_object_get(resp, "error"))
        return json_pack("{s:O, s:O}", "status", json_object_get(resp, "status"), "error",
                         json_object_get(resp, "error"));
    json_t *items = json_array(), *ids = json_array(), *scores = json_array();
    json_t *recs = json_object_get(resp, "recommendations");
    for (size_t i = 0; i < json_array_size(recs); i++) {
        json_t *rec = json_array_get(recs, i);
        const char *id = json_string_value(json_object_get(rec, "item"));
        if (!id) continue;
        json_array_append_new(items, item_json(id, json_object_get(rec, "attributes"),
                                               json_object_get(ask, "names")));
        json_array_append_new(ids, json_string(id));
        json_array_append(scores, json_object_get(rec, "score"));
    }
    json_t *out = json_pack("{s:O, s:o, s:o, s:o}", "recommendationId",
                            json_object_get(resp, "recommendation_id"), "items", items, "itemIds",
                            ids, "predictionValues", scores);
    json_t *split = json_object_get(ask, "splitGroup");
    if (out && split) json_object_set(out, "splitGroup", split);
    return out;
}

/* The worker's answer, in Gravity's shape: one answer, or a list for a bulk. */
static void render_answer(struct evhttp_request *req, const reco_reply_t *reply, void *ctx)
{
    job_t *job = ctx;
    if (reply->error.status) {
        reco_http_send_reco_error(req, &reply->error);
        job_free(job);
        return;
    }
    json_t *out = NULL;
    if (!job->bulk) {
        out = answer_json(reply->body, json_array_get(job->asks, 0));
    } else {
        json_t *responses = json_object_get(reply->body, "responses");
        out = json_array();
        for (size_t i = 0; out && i < json_array_size(responses); i++)
            json_array_append_new(
                out, answer_json(json_array_get(responses, i), json_array_get(job->asks, i)));
    }
    reco_http_send_json(req, 200, out);
    job_free(job);
}

static job_t *job_new(reco_gateway_t *gw, struct evhttp_request *req, const char *tenant, int bulk)
{
    job_t *job = calloc(1, sizeof *job);
    if (job) {
        job->gw = gw;
        job->req = req;
        job->bulk = bulk;
        snprintf(job->tenant, sizeof job->tenant, "%s", tenant);
        job->asks = json_array();
    }
    if (!job || !job->asks) {
        job_free(job);
        reco_http_send_error(req, 500, "internal", "out of memory");
        return NULL;
    }
    return job;
}

/* Forwards op with args for job; frees job when the broker refused. Takes args. */
static void job_forward(job_t *job, const char *op, json_t *args)
{
    if (reco_http_forward(job->gw, job->req, RECO_POOL_QUERY, job->tenant, op, args, render_answer,
                          job) != 0)
        job_free(job);
}

void reco_gravity_get_recommendation(reco_gateway_t *gw, struct evhttp_request *req,
                                     const reco_path_t *path, const char *tenant)
{
    reco_error_t err;
    json_t *g = NULL;
    if (evhttp_request_get_command(req) == EVHTTP_REQ_GET) {
        g = gravity_from_query(path);
    } else if ((g = reco_http_read_json(req, reco_gravity_body_max(gw), &err)) == NULL) {
        reco_http_send_reco_error(req, &err);
        return;
    }
    query_defaults(path, g);
    json_t *ask = NULL;
    json_t *request = request_from_gravity(g, "", &ask, &err);
    json_decref(g);
    job_t *job = request ? job_new(gw, req, tenant, 0) : NULL;
    if (!request) reco_http_send_reco_error(req, &err);
    if (!job) {
        json_decref(request);
        json_decref(ask);
        return;
    }
    json_array_append_new(job->asks, ask);
    job_forward(job, "recommend.scenario", request);
}

/* ---- bulk ---- */

/* The bulk body: a JSON array, or JSON objects separated by commas (as the seed prints it).
 * A new array, or NULL with err set. */
static json_t *read_bulk_body(reco_gateway_t *gw, struct evhttp_request *req, reco_error_t *err)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = in ? evbuffer_get_length(in) : 0, at = 0, max = reco_gravity_body_max(gw);
    if (len > max) {
        reco_error_set(err, 413, "payload_too_large",
                       "body: %zu bytes is over the limit of %zu bytes", len, max);
        return NULL;
    }
    const char *data = len ? (const char *)evbuffer_pullup(in, -1) : "";
    json_t *list = json_array();
    while (list) {
        while (at < len && strchr(" \t\r\n", data[at]))
            at++;
        if (at == len && json_array_size(list) > 0) break;
        json_error_t jerr;
        json_t *v =
            json_loadb(data + at, len - at, JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &jerr);
        if (!v) {
            reco_error_set(err, 400, "invalid_json", "body: not valid JSON at byte %zu: %s",
                           at + (size_t)jerr.position,
                           len ? jerr.text
                               : "empty; a list of recommendation requests is required");
            json_decref(list);
            return NULL;
        }
        if (json_is_array(v) && json_array_size(list) == 0)
            json_array_extend(list, v);
        else
            json_array_append(list, v);
        int was_array = json_is_array(v);
        json_decref(v);
        at += (size_t)jerr.position;
        while (at < len && strchr(" \t\r\n", data[at]))
            at++;
        if (at < len && data[at] == ',' && !was_array)
            at++;
        else if (at < len) {
            reco_error_set(err, 400, "invalid_json",
                           "body: unexpected text at byte %zu (requests are separated by "
                           "commas, or form one JSON array)",
                           at);
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

void reco_gravity_get_recommendation_bulk(reco_gateway_t *gw, struct evhttp_request *req,
                                          const reco_path_t *path, const char *tenant)
{
    reco_error_t err;
    json_t *list = read_bulk_body(gw, req, &err);
    size_t n = json_array_size(list);
    if (list && (n == 0 || n > RECO_SCENARIO_BULK_MAX)) {
        reco_error_set(&err, 400, "invalid_body",
                       "body: must hold 1 to %d recommendation requests, got %zu",
                       RECO_SCENARIO_BULK_MAX, n);
        json_decref(list);
        list = NULL;
    }
    if (!list) {
        reco_http_send_reco_error(req, &err);
        return;
    }
    job_t *job = job_new(gw, req, tenant, 1); /* answers when it fails */
    json_t *requests = job ? json_array() : NULL;
    for (size_t i = 0; requests && i < n; i++) {
        char where[32];
        snprintf(where, sizeof where, "requests[%zu].", i);
        json_t *g = json_array_get(list, i), *ask = NULL;
        query_defaults(path, g);
        json_t *request = request_from_gravity(g, where, &ask, &err);
        if (!request) {
            json_decref(requests);
            requests = NULL;
            reco_http_send_reco_error(req, &err);
        } else {
            json_array_append_new(requests, request);
            json_array_append_new(job->asks, ask);
        }
    }
    json_decref(list);
    if (requests)
        job_forward(job, "recommend.bulk", json_pack("{s:o}", "requests", requests));
    else
        job_free(job);
}
