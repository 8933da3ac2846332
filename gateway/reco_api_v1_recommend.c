/* reco_api_v1_recommend — GET /v1/{tenant}/recommend, the resort routes, and the recommendation
 * query parameters every recommend route shares (see reco_api_v1_recommend.h).
 *
 * The gateway checks everything a client can get wrong (the query worker checks again, never
 * trusting its input), so a 400 names the parameter before any worker is asked. Filters are
 * checked with common/reco_filter.c, the same code the worker and the scenarios use. */
#include "reco_api_v1_recommend.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "reco_api_v1_internal.h"
#include "reco_config.h"
#include "reco_filter.h"
#include "reco_http_cache.h"
#include "reco_keys.h"
#include "reco_model_names.h"
#include "reco_validate.h"

#define CONTEXT_ITEMS_MAX 20
#define OFFSET_MAX 1000
#define ATTRIBUTES_MAX 20

static int is_param(const struct evkeyval *kv, const char *a, const char *b, const char *c)
{
    return strcmp(kv->key, a) == 0 || (b && strcmp(kv->key, b) == 0) || (c && strcmp(kv->key, c) == 0);
}

/* Context items: every `item`, `items` and `items[]` parameter, in order. NULL after a 400. */
static json_t *context_items(struct evhttp_request *req, const reco_path_t *path)
{
    json_t *items = json_array();
    struct evkeyval *kv;
    TAILQ_FOREACH(kv, &path->query, next)
    {
        if (!is_param(kv, "item", "items", "items[]"))
            continue;
        if (!reco_valid_id(kv->value, strlen(kv->value)) || json_array_size(items) >= CONTEXT_ITEMS_MAX) {
            reco_http_send_error(req, 400, "invalid_field",
                                 "item: up to %d context items, each 1 to %d bytes of UTF-8 without control characters",
                                 CONTEXT_ITEMS_MAX, RECO_ID_MAX);
            json_decref(items);
            return NULL;
        }
        json_array_append_new(items, json_string(kv->value));
    }
    return items;
}

/* pitem: an id, or a bought-with set: ids joined by U+001F. */
static int valid_pitem(const char *v)
{
    const char *sep = strchr(v, 0x1f);
    if (!sep)
        return reco_valid_id(v, strlen(v));
    return reco_valid_id(v, (size_t)(sep - v)) && reco_valid_id(sep + 1, strlen(sep + 1));
}

/* pscore and pitem: the page cursor. */
static int cursor_params(struct evhttp_request *req, const reco_path_t *path, json_t *args)
{
    const char *pscore = reco_path_param(path, "pscore"), *pitem = reco_path_param(path, "pitem");
    double v;
    int found = reco_param_double(req, path, "pscore", "the score of the last item of the previous page", &v);
    if (found < 0) return -1;
    if (found) json_object_set_new(args, "pscore", json_real(v));
    if (pitem && (!pscore || !valid_pitem(pitem))) {
        reco_http_send_error(req, 400, "invalid_field", "%s",
                             pscore ? "pitem: must be an item id (the item of the last entry of the previous page)"
                                    : "pitem: only with pscore (the cursor is pscore and pitem together)");
        return -1;
    }
    if (pitem)
        json_object_set_new(args, "pitem", json_string(pitem));
    return 0;
}

/* filters=<JSON array>, checked as the worker will check it. */
static int filter_param(struct evhttp_request *req, const reco_path_t *path, json_t *args)
{
    const char *text = reco_path_param(path, "filters");
    if (!text)
        return 0;
    reco_error_t err;
    reco_error_clear(&err);
    json_error_t jerr;
    json_t *filters = json_loads(text, JSON_DECODE_ANY, &jerr);
    reco_filter_set_t set;
    if (!filters)
        reco_error_set(&err, 400, "invalid_field", "filters: not valid JSON (%s at character %d)", jerr.text,
                       jerr.position);
    if (!filters || reco_filter_parse(filters, &set, &err) != 0) {
        json_decref(filters);
        reco_http_send_reco_error(req, &err);
        return -1;
    }
    json_object_set_new(args, "filters", filters);
    return 0;
}

/* attributes=a,b&attributes=c: names, in order, repeats dropped. */
static int attribute_params(struct evhttp_request *req, const reco_path_t *path, json_t *args)
{
    json_t *names = json_array();
    struct evkeyval *kv;
    TAILQ_FOREACH(kv, &path->query, next)
    {
        if (!is_param(kv, "attributes", "attributes[]", NULL))
            continue;
        for (const char *p = kv->value, *comma;; p = comma + 1) {
            comma = strchr(p, ',');
            size_t len = comma ? (size_t)(comma - p) : strlen(p);
            json_t *name = json_stringn(p, len);
            int dup = 0;
            for (size_t i = 0; name && i < json_array_size(names); i++)
                dup |= json_equal(json_array_get(names, i), name);
            if (!name || len > RECO_FILTER_NAME_MAX || !reco_valid_id(p, len) ||
                (!dup && json_array_size(names) >= ATTRIBUTES_MAX)) {
                json_decref(name);
                json_decref(names);
                reco_http_send_error(req, 400, "invalid_field",
                                     "attributes: at most %d names, each 1 to %d bytes without control characters",
                                     ATTRIBUTES_MAX, RECO_FILTER_NAME_MAX);
                return -1;
            }
            if (dup)
                json_decref(name);
            else
                json_array_append_new(names, name);
            if (!comma)
                break;
        }
    }
    if (json_array_size(names) > 0)
        json_object_set_new(args, "attributes", names);
    else
        json_decref(names);
    return 0;
}

int reco_v1_recommend_params(struct evhttp_request *req, const reco_path_t *path, json_t *args)
{
    long limit = 0, offset = 0;
    int include_sets = -1, exclude_seen = -1;
    if (reco_param_long(req, path, "limit", 1, RECO_V1_RECOMMEND_LIMIT_MAX, &limit) < 0 ||
        reco_param_long(req, path, "offset", 0, OFFSET_MAX, &offset) < 0 ||
        reco_param_bool(req, path, "include-sets", &include_sets) < 0 ||
        reco_param_bool(req, path, "exclude-seen", &exclude_seen) < 0 || reco_param_id(req, path, "user", args) < 0)
        return -1;
    json_t *items = context_items(req, path);
    if (!items)
        return -1;
    json_object_set_new(args, "items", items);
    if (limit > 0)
        json_object_set_new(args, "limit", json_integer(limit));
    if (offset > 0)
        json_object_set_new(args, "offset", json_integer(offset));
    if (include_sets >= 0)
        json_object_set_new(args, "include_sets", json_boolean(include_sets));
    if (exclude_seen >= 0)
        json_object_set_new(args, "exclude_seen", json_boolean(exclude_seen));
    if (cursor_params(req, path, args) < 0 || filter_param(req, path, args) < 0 ||
        attribute_params(req, path, args) < 0)
        return -1;
    return 0;
}

/* The context model needs, named by the parameter to add; NULL when it is there. */
static const char *missing_context(const char *model, const json_t *args)
{
    int has_items = json_array_size(json_object_get(args, "items")) > 0;
    int has_user = json_object_get(args, "user") != NULL;
    if (strcmp(model, "bought-with") == 0 && !has_items)
        return "item: bought-with needs the context items (e.g. the cart)";
    if (strcmp(model, "similar-customers") == 0 && !has_user)
        return "user: similar-customers needs a user";
    if (strncmp(model, "popular", 7) != 0 && strcmp(model, "trending") != 0 && !has_items && !has_user)
        return "item: this model needs context items or a user";
    return NULL;
}

void reco_v1_get_recommend(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                           const char *tenant, char *const *caps)
{
    (void)caps;
    const char *model = reco_path_param(path, "model");
    if (!model)
        model = RECO_MODEL_POPULAR;
    if (!reco_model_known(model)) {
        reco_http_send_error(req, 400, "invalid_field", "model: must be one of %s", reco_model_list_text);
        return;
    }
    json_t *args = json_pack("{s:s}", "model", model);
    if (reco_v1_recommend_params(req, path, args) < 0) {
        json_decref(args);
        return;
    }
    const char *missing = missing_context(model, args);
    if (missing) {
        json_decref(args);
        reco_http_send_error(req, 400, "missing_field", "%s", missing);
        return;
    }
    reco_http_cache_t cache; /* Last-Modified / Expires / 304, JSONP (reco_http_cache.h) */
    if (reco_http_cache_parse(req, path, json_object_get(args, "user") != NULL, &cache) < 0) {
        json_decref(args);
        return;
    }
    reco_http_forward_cached(gw, req, tenant, "recommend", args, &cache);
}

/* ---- resort ---- */

/* Checks resort's args (from the query string or the body) in place: by, items (1..100 ids,
 * integers turned into text), user, seed. 0, or -1 with err set. */
static int check_resort(json_t *args, reco_error_t *err)
{
    const char *by = json_string_value(json_object_get(args, "by"));
    json_t *items = json_object_get(args, "items"), *user = json_object_get(args, "user");
    json_t *seed = json_object_get(args, "seed");
    if (!by || (strcmp(by, "popular") && strcmp(by, "unpopular") && strcmp(by, "for-user") && strcmp(by, "random"))) {
        reco_error_set(err, 400, by ? "invalid_field" : "missing_field",
                       "by: must be one of popular, unpopular, for-user, random");
        return -1;
    }
    if (!json_is_array(items) || json_array_size(items) == 0 || json_array_size(items) > RECO_V1_RESORT_ITEMS_MAX) {
        reco_error_set(err, 400, items ? "invalid_field" : "missing_field",
                       "items: must be an array of 1 to %d item ids", RECO_V1_RESORT_ITEMS_MAX);
        return -1;
    }
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *v = json_array_get(items, i);
        if (json_is_integer(v)) {
            char text[32];
            snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            json_array_set_new(items, i, json_string(text));
        } else if (!json_is_string(v) || !reco_valid_id(json_string_value(v), json_string_length(v))) {
            reco_error_set(err, 400, "invalid_field", "items[%zu]: must be an item id", i);
            return -1;
        }
    }
    if (user && (!json_is_string(user) || !reco_valid_id(json_string_value(user), json_string_length(user)))) {
        reco_error_set(err, 400, "invalid_field", "user: must be 1 to %d bytes of UTF-8 without control characters",
                       RECO_ID_MAX);
        return -1;
    }
    if (!user && strcmp(by, "for-user") == 0) {
        reco_error_set(err, 400, "missing_field", "user: by=for-user needs a user");
        return -1;
    }
    if (seed && (!json_is_integer(seed) || json_integer_value(seed) < 0)) {
        reco_error_set(err, 400, "invalid_field", "seed: must be a whole number >= 0");
        return -1;
    }
    return 0;
}

static void forward_resort(reco_gateway_t *gw, struct evhttp_request *req, const char *tenant, json_t *args)
{
    reco_error_t err;
    reco_error_clear(&err);
    if (check_resort(args, &err) != 0) {
        json_decref(args);
        reco_http_send_reco_error(req, &err);
        return;
    }
    reco_http_forward(gw, req, RECO_POOL_QUERY, tenant, "resort", args, NULL, NULL);
}

/* items: a JSON array in `items` or TasteHit's `itemarray`, else every item / items param. */
static json_t *resort_items(struct evhttp_request *req, const reco_path_t *path)
{
    const char *text = reco_path_param(path, "itemarray");
    if (!text && (text = reco_path_param(path, "items")) && text[0] != '[')
        text = NULL;
    if (!text)
        return context_items(req, path);
    json_t *items = json_loads(text, 0, NULL);
    if (!json_is_array(items)) {
        json_decref(items);
        reco_http_send_error(req, 400, "invalid_field", "items: must be a JSON array of item ids");
        return NULL;
    }
    return items;
}

void reco_v1_get_resort(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                        const char *tenant, char *const *caps)
{
    (void)caps;
    const char *by = reco_path_param(path, "by");
    if (!by)
        by = reco_path_param(path, "resort"); /* TasteHit's name */
    long seed = -1;
    json_t *args = json_object(), *items = NULL;
    if (by)
        json_object_set_new(args, "by", json_string(by));
    if (reco_param_id(req, path, "user", args) < 0 || reco_param_long(req, path, "seed", 0, LONG_MAX, &seed) < 0 ||
        !(items = resort_items(req, path))) {
        json_decref(args);
        return;
    }
    json_object_set_new(args, "items", items);
    if (seed >= 0)
        json_object_set_new(args, "seed", json_integer(seed));
    forward_resort(gw, req, tenant, args);
}

void reco_v1_post_resort(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                         const char *tenant, char *const *caps)
{
    (void)path;
    (void)caps;
    reco_error_t err;
    reco_error_clear(&err);
    json_t *body = reco_http_read_json(req, gw->max_body_bytes, &err);
    if (!body) {
        reco_http_send_reco_error(req, &err);
        return;
    }
    if (!json_is_object(body)) {
        json_decref(body);
        reco_http_send_error(req, 400, "invalid_json", "body: must be an object {\"items\": [...], \"by\": ...}");
        return;
    }
    forward_resort(gw, req, tenant, body);
}
