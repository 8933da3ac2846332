/* reco_api_v1 — the native API's route table, and its recommendation and training routes.
 *
 * Routes are matched on the segments after /v1/{tenant}/ ("{name}" captures one id); a path that
 * matches with another method gets 405 with an Allow header listing the methods that would.
 * The handlers live in reco_api_v1_data.c (write side, catalogue, actions) and
 * reco_api_v1_privacy.c (listing, export, deletion, transfer) and reco_api_v1_scenarios.c
 * (scenarios, recommendations by scenario, bulk); this file holds:
 *
 *   (GET /v1/{tenant}/recommend and /resort: reco_api_v1_recommend.c)
 *   POST /v1/{tenant}/train       train.request
 *   GET  /v1/{tenant}/models      models.status
 *   GET  /v1/{tenant}/stats       stats.get (attribution: docs/attribution.md)
 *   GET  /v1/{tenant}/status      tenant.status (events per type and minute, models: docs/operations-metrics.md)
 */
#include "reco_api_v1.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "reco_api_v1_internal.h"
#include "reco_api_v1_recommend.h"
#include "reco_config.h"
#include "reco_http_cache.h"
#include "reco_keys.h"
#include "reco_model_names.h"
#include "reco_validate.h"

int reco_v1_check_id(struct evhttp_request *req, const char *id, const char *what)
{
    if (id && reco_valid_id(id, strlen(id)))
        return 0;
    reco_http_send_error(req, 400, "invalid_field", "%s: must be 1 to %d bytes of UTF-8 without control characters",
                         what, RECO_ID_MAX);
    return -1;
}

static void post_train(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path, const char *tenant,
                       char *const *caps)
{
    (void)path;
    (void)caps;
    reco_http_forward(gw, req, RECO_POOL_INGEST, tenant, "train.request", NULL, NULL, NULL);
}

static void get_models(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path, const char *tenant,
                       char *const *caps)
{
    (void)path;
    (void)caps;
    reco_http_forward(gw, req, RECO_POOL_QUERY, tenant, "models.status", NULL, NULL, NULL);
}

static void get_status(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path, const char *tenant,
                       char *const *caps)
{
    (void)path;
    (void)caps;
    reco_http_forward(gw, req, RECO_POOL_QUERY, tenant, "tenant.status", NULL, NULL, NULL);
}

/* GET /v1/{tenant}/stats?from=&to=&scenario=: stats.get (query/reco_stats.h checks the values). */
static void get_stats(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path, const char *tenant,
                      char *const *caps)
{
    (void)caps;
    json_t *args = json_object();
    static const char *const names[] = {"from", "to", "scenario"};
    for (size_t i = 0; args && i < sizeof names / sizeof names[0]; i++)
        if (reco_param_id(req, path, names[i], args) < 0) {
            json_decref(args);
            return;
        }
    reco_http_forward(gw, req, RECO_POOL_QUERY, tenant, "stats.get", args, NULL, NULL);
}

typedef struct {
    enum evhttp_cmd_type method;
    const char *pattern[4]; /* segments after /v1/{tenant}/; "{name}" captures one id; NULL ends */
    reco_v1_handler_fn handler;
    reco_route_role_t role; /* reco_routes.h: read = what a read key may call */
} route_t;

#define GET EVHTTP_REQ_GET
#define PUT EVHTTP_REQ_PUT
#define POST EVHTTP_REQ_POST
#define DELETE EVHTTP_REQ_DELETE

static const route_t routes[] = {
    {POST, {"events"}, reco_v1_post_events, RECO_ROUTE_WRITE},
    {DELETE, {"events"}, reco_v1_delete_events, RECO_ROUTE_WRITE},
    {POST, {"transactions"}, reco_v1_post_transactions, RECO_ROUTE_WRITE},
    {PUT, {"items"}, reco_v1_put_items, RECO_ROUTE_WRITE},
    {POST, {"items"}, reco_v1_put_items, RECO_ROUTE_WRITE},
    {GET, {"items", "{item}"}, reco_v1_get_item, RECO_ROUTE_WRITE},
    {GET, {"items", "{item}", "events"}, reco_v1_list_item_events, RECO_ROUTE_WRITE},
    {PUT, {"users"}, reco_v1_put_users, RECO_ROUTE_WRITE},
    {POST, {"users"}, reco_v1_put_users, RECO_ROUTE_WRITE},
    {GET, {"users", "{user}"}, reco_v1_get_user, RECO_ROUTE_WRITE},
    {DELETE, {"users", "{user}"}, reco_v1_delete_user, RECO_ROUTE_WRITE},
    {GET, {"users", "{user}", "events"}, reco_v1_list_user_events, RECO_ROUTE_WRITE},
    {GET, {"users", "{user}", "export"}, reco_v1_export_user, RECO_ROUTE_WRITE},
    {POST, {"users", "{from}", "transfer", "{to}"}, reco_v1_transfer_user, RECO_ROUTE_WRITE},
    {DELETE, {"sessions", "{session}"}, reco_v1_delete_session, RECO_ROUTE_WRITE},
    {GET, {"actions"}, reco_v1_list_actions, RECO_ROUTE_WRITE},
    {PUT, {"actions", "{name}"}, reco_v1_put_action, RECO_ROUTE_WRITE},
    {DELETE, {"actions", "{name}"}, reco_v1_delete_action, RECO_ROUTE_WRITE},
    {GET, {"recommend"}, reco_v1_get_recommend, RECO_ROUTE_READ},
    {GET, {"resort"}, reco_v1_get_resort, RECO_ROUTE_READ},
    {POST, {"resort"}, reco_v1_post_resort, RECO_ROUTE_READ},
    /* before recommend/{scenario} */
    {POST, {"recommend", "bulk"}, reco_v1_post_recommend_bulk, RECO_ROUTE_READ},
    {GET, {"recommend", "{scenario}"}, reco_v1_get_recommend_scenario, RECO_ROUTE_READ},
    {POST, {"recommend", "{scenario}"}, reco_v1_post_recommend_scenario, RECO_ROUTE_READ},
    {GET, {"scenarios"}, reco_v1_list_scenarios, RECO_ROUTE_WRITE},
    {PUT, {"scenarios", "{id}"}, reco_v1_put_scenario, RECO_ROUTE_WRITE},
    {GET, {"scenarios", "{id}"}, reco_v1_get_scenario, RECO_ROUTE_WRITE},
    {DELETE, {"scenarios", "{id}"}, reco_v1_delete_scenario, RECO_ROUTE_WRITE},
    {POST, {"train"}, post_train, RECO_ROUTE_WRITE},
    {GET, {"models"}, get_models, RECO_ROUTE_WRITE},
    {GET, {"stats"}, get_stats, RECO_ROUTE_WRITE},
    {GET, {"status"}, get_status, RECO_ROUTE_WRITE},
};

static const char *method_name(enum evhttp_cmd_type m)
{
    return m == GET ? "GET" : m == PUT ? "PUT" : m == POST ? "POST" : m == DELETE ? "DELETE" : "?";
}

void reco_api_v1_routes(reco_route_fn emit, void *ctx)
{
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        char path[128] = "/v1/{tenant}";
        for (int k = 0; k < 4 && routes[i].pattern[k]; k++) {
            size_t len = strlen(path);
            snprintf(path + len, sizeof path - len, "/%s", routes[i].pattern[k]);
        }
        reco_route_t route = {method_name(routes[i].method), path, routes[i].role};
        emit(&route, ctx);
    }
}

/* Matches segs[0..n) against a pattern, filling caps. */
static int route_matches(const route_t *r, char *const *segs, int n, char **caps)
{
    int k = 0, c = 0;
    for (; k < 4 && r->pattern[k]; k++) {
        if (k >= n)
            return 0;
        if (r->pattern[k][0] == '{')
            caps[c++] = segs[k];
        else if (strcmp(r->pattern[k], segs[k]) != 0)
            return 0;
    }
    return k == n;
}

void reco_api_v1_handle(reco_gateway_t *gw, struct evhttp_request *req, reco_path_t *path)
{
    char *caps[RECO_V1_MAX_CAPTURES] = {NULL, NULL};
    char allow[64] = "";
    const route_t *found = NULL;
    enum evhttp_cmd_type method = evhttp_request_get_command(req);
    for (size_t i = 0; path->n >= 3 && i < sizeof routes / sizeof routes[0] && !found; i++) {
        char *trial[RECO_V1_MAX_CAPTURES];
        if (!route_matches(&routes[i], path->seg + 2, path->n - 2, trial))
            continue;
        if (routes[i].method == method) {
            found = &routes[i];
            memcpy(caps, trial, sizeof caps);
        } else if (!strstr(allow, method_name(routes[i].method))) {
            size_t len = strlen(allow);
            snprintf(allow + len, sizeof allow - len, "%s%s", len ? ", " : "", method_name(routes[i].method));
        }
    }
    if (!found && allow[0]) {
        reco_http_send_method_not_allowed(req, allow);
        return;
    }
    if (!found) {
        reco_http_send_error(req, 404, "not_found", "no such resource: %s (the native API is described in README.md)",
                             evhttp_request_get_uri(req));
        return;
    }
    const char *tenant = path->seg[1];
    if (!reco_valid_tenant(tenant)) {
        reco_http_send_error(req, 400, "invalid_field", "tenant: must be 1 to %d characters of A-Z, a-z, 0-9, _ and -",
                             RECO_TENANT_MAX);
        return;
    }
    found->handler(gw, req, path, tenant, caps);
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
