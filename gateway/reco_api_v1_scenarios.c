/* reco_api_v1_scenarios — the native routes of scenarios and of recommendations by scenario.
 *
 *   GET    /v1/{t}/scenarios                scenarios.list
 *   PUT    /v1/{t}/scenarios/{id}           scenarios.put      body: a scenario
 *   GET    /v1/{t}/scenarios/{id}           scenarios.get
 *   DELETE /v1/{t}/scenarios/{id}           scenarios.delete
 *   GET    /v1/{t}/recommend/{scenario}     recommend.scenario ?user=&session=|cookie=&item=..
 *                                                              &category=..&limit=&filters=<JSON>
 *                                                              &pscore=<number>&offset=
 *                                                              &include-sets=&attributes=..
 *   POST   /v1/{t}/recommend/{scenario}     recommend.scenario body: the same fields as JSON
 *   POST   /v1/{t}/recommend/bulk           recommend.bulk     {"requests": [{scenario, ...}]}
 *
 * Scenario bodies and requests are checked with common/reco_scenario.h, the same functions the
 * workers run again. A bulk request is checked as a whole (1..20 objects) here; each element is
 * made canonical when it is valid and passed on as it came when not, so that the worker answers
 * that element alone with its error and the others normally. Unknown query parameters are
 * ignored, as on every GET route (other dialects and JSONP add their own). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "reco_api_v1_internal.h"
#include "reco_http_cache.h"
#include "reco_scenario.h"

/* Checks the scenario id of a path; answers 400 and returns -1 if it is not one. */
static int check_scenario_id(struct evhttp_request *req, const char *id, const char *field)
{
    if (reco_valid_scenario_id(id)) return 0;
    reco_http_send_error(
        req, 400, "invalid_field",
        "%s: a scenario id is 1 to %d characters of A-Z, a-z, 0-9, _ and - (not 'bulk')", field,
        RECO_SCENARIO_ID_MAX);
    return -1;
}

void reco_v1_list_scenarios(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                            const char *tenant, char *const *caps)
{
    (void)path, (void)caps;
    reco_http_forward(gw, req, RECO_POOL_QUERY, tenant, "scenarios.list", NULL, NULL, NULL);
}

void reco_v1_put_scenario(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                          const char *tenant, char *const *caps)
{
    (void)path;
    if (check_scenario_id(req, caps[0], "id") != 0) return;
    reco_error_t err;
    json_t *body = reco_http_read_json(req, gw->max_body_bytes, &err);
    json_t *scenario = body ? reco_scenario_normalize(body, &err) : NULL;
    json_t *id = json_object_get(body, "id");
    if (scenario && id && !(json_is_string(id) && strcmp(json_string_value(id), caps[0]) == 0)) {
        json_decref(scenario);
        scenario = NULL;
        reco_error_set(&err, 400, "invalid_field",
                       "id: the body names another scenario than the path");
    }
    json_decref(body);
    if (!scenario) {
        reco_http_send_reco_error(req, &err);
        return;
    }
    reco_http_forward(gw, req, RECO_POOL_INGEST, tenant, "scenarios.put",
                      json_pack("{s:s, s:o}", "id", caps[0], "scenario", scenario), NULL, NULL);
}

void reco_v1_get_scenario(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                          const char *tenant, char *const *caps)
{
    (void)path;
    if (check_scenario_id(req, caps[0], "id") == 0)
        reco_http_forward(gw, req, RECO_POOL_QUERY, tenant, "scenarios.get",
                          json_pack("{s:s}", "id", caps[0]), NULL, NULL);
}

void reco_v1_delete_scenario(reco_gateway_t *gw, struct evhttp_request *req,
                             const reco_path_t *path, const char *tenant, char *const *caps)
{
    (void)path;
    if (check_scenario_id(req, caps[0], "id") == 0)
        reco_http_forward(gw, req, RECO_POOL_INGEST, tenant, "scenarios.delete",
                          json_pack("{s:s}", "id", caps[0]), NULL, NULL);
}

/* ---- recommendations by scenario ---- */

/* Appends every query parameter named one of names (repeatable) to out[field] as strings. */
static void collect_params(const reco_path_t *path, const char *const *names, json_t *out,
                           const char *field)
{
    json_t *list = json_array();
    struct evkeyval *kv;
    TAILQ_FOREACH(kv, &path->query, next)
    {
        for (size_t i = 0; names[i]; i++)
            if (strcmp(kv->key, names[i]) == 0) json_array_append_new(list, json_string(kv->value));
    }
    json_object_set_new(out, field, list);
}

/* attributes=a&attributes=b or attributes=a,b into request.attributes (checked later). */
static void attributes_param(const reco_path_t *path, json_t *request)
{
    json_t *list = json_array();
    struct evkeyval *kv;
    TAILQ_FOREACH(kv, &path->query, next)
    {
        if (strcmp(kv->key, "attributes") != 0 && strcmp(kv->key, "attributes[]") != 0) continue;
        const char *at = kv->value;
        for (;;) {
            const char *comma = strchr(at, ',');
            size_t len = comma ? (size_t)(comma - at) : strlen(at);
            if (len) json_array_append_new(list, json_stringn(at, len));
            if (!comma) break;
            at = comma + 1;
        }
    }
    if (json_array_size(list))
        json_object_set_new(request, "attributes", list);
    else
        json_decref(list);
}

/* pscore=<number> into request.pscore: 0, or -1 after answering 400. */
static int pscore_param(struct evhttp_request *req, const reco_path_t *path, json_t *request)
{
    double v;
    int found = reco_param_double(req, path, "pscore", "the score of the last item of the previous page", &v);
    if (found == 1) json_object_set_new(request, "pscore", json_real(v));
    return found < 0 ? -1 : 0;
}

/* The request of a GET as JSON (not yet checked), or NULL after answering 400. */
static json_t *request_from_query(struct evhttp_request *req, const reco_path_t *path,
                                  const char *scenario)
{
    static const char *const items[] = {"item", "items", "items[]", NULL};
    static const char *const categories[] = {"category", "categories", "category[]", "categories[]",
                                             NULL};
    static const char *const ids[] = {"user", "session", "cookie", "split_group"};
    json_t *request = json_pack("{s:s}", "scenario", scenario);
    for (size_t i = 0; request && i < sizeof ids / sizeof ids[0]; i++) {
        const char *v = reco_path_param(path, ids[i]);
        if (v) json_object_set_new(request, ids[i], json_string(v));
    }
    collect_params(path, items, request, "items");
    collect_params(path, categories, request, "categories");
    long limit = 0;
    int found = reco_param_long(req, path, "limit", 1, RECO_SCENARIO_LIMIT_MAX, &limit);
    if (found == 1) json_object_set_new(request, "limit", json_integer(limit));
    const char *filters = reco_path_param(path, "filters");
    json_t *parsed = found >= 0 && filters ? json_loads(filters, 0, NULL) : NULL;
    if (found >= 0 && filters && !parsed)
        reco_http_send_error(req, 400, "invalid_field",
                             "filters: must be a JSON array of filter objects");
    if (parsed) json_object_set_new(request, "filters", parsed);
    long offset = 0;
    int include_sets = -1;
    int more =
        found < 0 ? -1 : reco_param_long(req, path, "offset", 0, RECO_SCENARIO_OFFSET_MAX, &offset);
    if (more == 1) json_object_set_new(request, "offset", json_integer(offset));
    if (more >= 0 && !(filters && !parsed))
        more = reco_param_bool(req, path, "include-sets", &include_sets);
    if (more >= 0 && include_sets >= 0)
        json_object_set_new(request, "include_sets", json_boolean(include_sets));
    if (more >= 0) attributes_param(path, request);
    if (found < 0 || more < 0 || (filters && !parsed) || pscore_param(req, path, request) != 0) {
        json_decref(request);
        return NULL;
    }
    return request;
}

/* Checks request and forwards it. Takes request. cache: a GET's caching and JSONP options
 * (reco_http_cache.h), NULL for a POST. */
static void forward_request(reco_gateway_t *gw, struct evhttp_request *req, const char *tenant,
                            json_t *request, const reco_http_cache_t *cache)
{
    reco_error_t err;
    json_t *canonical = request ? reco_scenario_request_normalize(request, &err) : NULL;
    json_decref(request);
    if (!canonical) {
        reco_http_send_reco_error(req, &err);
        return;
    }
    if (cache)
        reco_http_forward_cached(gw, req, tenant, "recommend.scenario", canonical, cache);
    else
        reco_http_forward(gw, req, RECO_POOL_QUERY, tenant, "recommend.scenario", canonical, NULL,
                          NULL);
}

void reco_v1_get_recommend_scenario(reco_gateway_t *gw, struct evhttp_request *req,
                                    const reco_path_t *path, const char *tenant, char *const *caps)
{
    if (check_scenario_id(req, caps[0], "scenario") != 0) return;
    reco_http_cache_t cache; /* personal (Cache-Control: private) with a user, session or cookie */
    int personal = reco_path_param(path, "user") || reco_path_param(path, "session") ||
                   reco_path_param(path, "cookie");
    if (reco_http_cache_parse(req, path, personal, &cache) != 0) return;
    json_t *request = request_from_query(req, path, caps[0]);
    if (request) forward_request(gw, req, tenant, request, &cache);
}

void reco_v1_post_recommend_scenario(reco_gateway_t *gw, struct evhttp_request *req,
                                     const reco_path_t *path, const char *tenant, char *const *caps)
{
    (void)path;
    if (check_scenario_id(req, caps[0], "scenario") != 0) return;
    reco_error_t err;
    json_t *body = reco_http_read_json(req, gw->max_body_bytes, &err);
    if (!body) {
        reco_http_send_reco_error(req, &err);
        return;
    }
    json_t *named = json_object_get(body, "scenario");
    if (!json_is_object(body) ||
        (named && !(json_is_string(named) && strcmp(json_string_value(named), caps[0]) == 0))) {
        json_decref(body);
        reco_http_send_error(
            req, 400, "invalid_body",
            "body: must be an object of request fields; a `scenario` in it must match the path");
        return;
    }
    json_object_set_new(body, "scenario", json_string(caps[0]));
    forward_request(gw, req, tenant, body, NULL);
}

void reco_v1_post_recommend_bulk(reco_gateway_t *gw, struct evhttp_request *req,
                                 const reco_path_t *path, const char *tenant, char *const *caps)
{
    (void)path, (void)caps;
    reco_error_t err;
    json_t *body = reco_http_read_json(req, gw->max_body_bytes, &err);
    if (!body) {
        reco_http_send_reco_error(req, &err);
        return;
    }
    json_t *requests = json_object_get(body, "requests");
    size_t n = json_array_size(requests);
    if (!json_is_array(requests) || n == 0 || n > RECO_SCENARIO_BULK_MAX) {
        json_decref(body);
        reco_http_send_error(req, 400, requests ? "invalid_field" : "missing_field",
                             "requests: required, an array of 1 to %d recommendation requests",
                             RECO_SCENARIO_BULK_MAX);
        return;
    }
    json_t *out = json_array();
    for (size_t i = 0; out && i < n; i++) {
        json_t *canonical = reco_scenario_request_normalize(json_array_get(requests, i), &err);
        json_array_append_new(out,
                              canonical ? canonical : json_incref(json_array_get(requests, i)));
    }
    json_decref(body);
    reco_http_forward(gw, req, RECO_POOL_QUERY, tenant, "recommend.bulk",
                      json_pack("{s:o}", "requests", out), NULL, NULL);
}
