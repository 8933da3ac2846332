/* reco_api_v1 — native routes (see reco_api_v1.h and README "API").
 *
 *   POST /v1/{tenant}/events      events.add    one event, an array, or {"events":[...]}
 *   PUT  /v1/{tenant}/items       items.upsert  an array or {"items":[...]} (POST accepted too)
 *   GET  /v1/{tenant}/recommend   recommend     ?model=popular|item-to-item&item=&user=&limit=
 *   POST /v1/{tenant}/train       train.request
 *   GET  /v1/{tenant}/models      models.status
 */
#include "reco_api_v1.h"

#include <stdlib.h>
#include <string.h>

#include "reco_config.h"
#include "reco_keys.h"
#include "reco_validate.h"

#define RECOMMEND_LIMIT_MAX 100
#define RECOMMEND_LIMIT_DEFAULT 10

static int method_is(struct evhttp_request *req, enum evhttp_cmd_type a, enum evhttp_cmd_type b)
{
    enum evhttp_cmd_type m = evhttp_request_get_command(req);
    return m == a || m == b;
}

static void post_events(reco_gateway_t *gw, struct evhttp_request *req, const char *tenant)
{
    reco_error_t err;
    json_t *body = reco_http_read_json(req, gw->max_body_bytes, &err);
    json_t *events = body ? reco_events_normalize(body, reco_now_ms(), NULL, NULL, &err) : NULL;
    json_decref(body);
    if (!events) {
        reco_http_send_reco_error(req, &err);
        return;
    }
    reco_http_forward(gw, req, RECO_POOL_INGEST, tenant, "events.add", json_pack("{s:o}", "events", events),
                      NULL, NULL);
}

static void put_items(reco_gateway_t *gw, struct evhttp_request *req, const char *tenant)
{
    reco_error_t err;
    json_t *body = reco_http_read_json(req, gw->max_body_bytes, &err);
    json_t *items = body ? reco_items_normalize(body, &err) : NULL;
    json_decref(body);
    if (!items) {
        reco_http_send_reco_error(req, &err);
        return;
    }
    reco_http_forward(gw, req, RECO_POOL_INGEST, tenant, "items.upsert", json_pack("{s:o}", "items", items),
                      NULL, NULL);
}

/* Copies an optional id parameter into args; 0, or -1 after answering 400. */
static int take_id_param(struct evhttp_request *req, const reco_path_t *path, const char *name, json_t *args)
{
    const char *v = reco_path_param(path, name);
    if (!v)
        return 0;
    if (!reco_valid_id(v, strlen(v))) {
        reco_http_send_error(req, 400, "invalid_field",
                             "%s: must be 1 to %d characters without control characters", name, RECO_ID_MAX);
        return -1;
    }
    json_object_set_new(args, name, json_string(v));
    return 0;
}

static void get_recommend(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                          const char *tenant)
{
    const char *model = reco_path_param(path, "model");
    const char *limit_text = reco_path_param(path, "limit");
    long limit = RECOMMEND_LIMIT_DEFAULT;
    if (!model)
        model = RECO_MODEL_POPULAR;
    if (strcmp(model, "popular") != 0 && strcmp(model, "item-to-item") != 0) {
        reco_http_send_error(req, 400, "invalid_field", "model: must be one of popular, item-to-item");
        return;
    }
    if (limit_text && reco_parse_long(limit_text, 1, RECOMMEND_LIMIT_MAX, &limit) != 0) {
        reco_http_send_error(req, 400, "invalid_field", "limit: must be a whole number from 1 to %d",
                             RECOMMEND_LIMIT_MAX);
        return;
    }
    json_t *args = json_pack("{s:s, s:I}", "model", model, "limit", (json_int_t)limit);
    if (take_id_param(req, path, "item", args) != 0 || take_id_param(req, path, "user", args) != 0) {
        json_decref(args);
        return;
    }
    if (strcmp(model, "item-to-item") == 0 && !json_object_get(args, "item") && !json_object_get(args, "user")) {
        json_decref(args);
        reco_http_send_error(req, 400, "missing_field", "item: item-to-item needs an item (or a user with history)");
        return;
    }
    reco_http_forward(gw, req, RECO_POOL_QUERY, tenant, "recommend", args, NULL, NULL);
}

typedef struct {
    const char *name;
    enum evhttp_cmd_type method, alt_method;
    const char *allow;
} route_t;

static const route_t routes[] = {
    {"events", EVHTTP_REQ_POST, EVHTTP_REQ_POST, "POST"},
    {"items", EVHTTP_REQ_PUT, EVHTTP_REQ_POST, "PUT, POST"},
    {"recommend", EVHTTP_REQ_GET, EVHTTP_REQ_GET, "GET"},
    {"train", EVHTTP_REQ_POST, EVHTTP_REQ_POST, "POST"},
    {"models", EVHTTP_REQ_GET, EVHTTP_REQ_GET, "GET"},
};

void reco_api_v1_handle(reco_gateway_t *gw, struct evhttp_request *req, reco_path_t *path)
{
    if (path->n != 3) {
        reco_http_send_error(req, 404, "not_found", "no such resource; the routes are /v1/{tenant}/{events|items|recommend|train|models}");
        return;
    }
    const char *tenant = path->seg[1], *name = path->seg[2];
    const route_t *route = NULL;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (strcmp(routes[i].name, name) == 0)
            route = &routes[i];
    if (!route) {
        reco_http_send_error(req, 404, "not_found", "no such resource: /v1/{tenant}/%s", name);
        return;
    }
    if (!method_is(req, route->method, route->alt_method)) {
        reco_http_send_method_not_allowed(req, route->allow);
        return;
    }
    if (!reco_valid_tenant(tenant)) {
        reco_http_send_error(req, 400, "invalid_field", "tenant: must be 1 to %d characters of A-Z, a-z, 0-9, _ and -",
                             RECO_TENANT_MAX);
        return;
    }
    if (!strcmp(name, "events"))
        post_events(gw, req, tenant);
    else if (!strcmp(name, "items"))
        put_items(gw, req, tenant);
    else if (!strcmp(name, "recommend"))
        get_recommend(gw, req, path, tenant);
    else if (!strcmp(name, "train"))
        reco_http_forward(gw, req, RECO_POOL_INGEST, tenant, "train.request", NULL, NULL, NULL);
    else
        reco_http_forward(gw, req, RECO_POOL_QUERY, tenant, "models.status", NULL, NULL, NULL);
}

/* ---- /healthz ---- */

static json_t *worker_counts(reco_gateway_t *gw)
{
    return json_pack("{s:i, s:i}", "ingest", reco_broker_worker_count(gw->broker, RECO_POOL_INGEST), "query",
                     reco_broker_worker_count(gw->broker, RECO_POOL_QUERY));
}

static void render_health(struct evhttp_request *req, const reco_reply_t *reply, void *ctx)
{
    reco_gateway_t *gw = ctx;
    int ingest = reco_broker_worker_count(gw->broker, RECO_POOL_INGEST);
    if (reply->error.status || ingest == 0) {
        const char *why = reply->error.status ? reply->error.message : "no ingest worker is connected";
        reco_http_send_json(req, 503,
                            json_pack("{s:s, s:s, s:o, s:{s:s, s:s}}", "status", "unavailable", "redis",
                                      reply->error.status ? "unknown" : "ok", "workers", worker_counts(gw),
                                      "error", "code", "unhealthy", "message", why));
        return;
    }
    reco_http_send_json(req, 200, json_pack("{s:s, s:s, s:o}", "status", "ok", "redis", "ok", "workers",
                                            worker_counts(gw)));
}

void reco_api_health(reco_gateway_t *gw, struct evhttp_request *req)
{
    if (reco_broker_worker_count(gw->broker, RECO_POOL_QUERY) == 0) {
        reco_http_send_json(req, 503,
                            json_pack("{s:s, s:s, s:o, s:{s:s, s:s}}", "status", "unavailable", "redis",
                                      "unknown", "workers", worker_counts(gw), "error", "code", "unhealthy",
                                      "message", "no query worker is connected"));
        return;
    }
    reco_http_forward(gw, req, RECO_POOL_QUERY, "", "health", NULL, render_health, gw);
}
