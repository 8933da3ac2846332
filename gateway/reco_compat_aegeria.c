/* reco_compat_aegeria — Aegeria's API (seed 000) at /compat/aegeria/{tenant}/... .
 *
 *   POST /transaction/bulk                       events.add  the native POST /v1/{t}/transactions
 *                                                            (reco_v1_post_transactions): each
 *                                                            item line a purchase of the customer
 *   GET  /recommendation/bought-with?items[]=..  recommend   model bought-with, the items as the
 *        &include-sets=1&limit=n                             context; include-sets lets sets of
 *                                                            several items in
 *   GET  /recommendation/by-similar-customers    recommend   model similar-customers, the
 *        ?customer=..&limit=n                                customer as the user
 *
 * Every parameter is read by the native reco_v1_recommend_params (limit 1..50, default 10 as
 * Aegeria's; include-sets true/false/1/0), so the native extras (filters, attributes, offset)
 * work here too. Answers are Aegeria's JSON: {"recommendations": [{"items": [..], "score"}]} for
 * bought-with (a single item is a one-element set) and {"recommendations": [{"item", "score"}]}
 * for by-similar-customers; errors keep the native {"error": {"code", "message"}} body, since
 * Aegeria documents no error shape. */
#include <string.h>

#include "reco_api_v1_internal.h"
#include "reco_api_v1_recommend.h"
#include "reco_compat.h"
#include "reco_validate.h"

typedef enum { SHAPE_SETS, SHAPE_ITEMS } shape_t;

/* The worker's recommend reply as Aegeria's list. ctx: a shape_t, cast to a pointer. */
static void render_recommendations(struct evhttp_request *req, const reco_reply_t *reply, void *ctx)
{
    shape_t shape = (shape_t)(size_t)ctx;
    if (reply->error.status) {
        reco_http_send_reco_error(req, &reply->error);
        return;
    }
    json_t *out = json_array();
    size_t i;
    json_t *rec;
    json_array_foreach(json_object_get(reply->body, "recommendations"), i, rec)
    {
        json_t *item = json_object_get(rec, "item"), *items = json_object_get(rec, "items");
        json_t *score = json_object_get(rec, "score");
        if (shape == SHAPE_ITEMS && item)
            json_array_append_new(out, json_pack("{s:O, s:O}", "item", item, "score", score));
        else if (shape == SHAPE_SETS)
            json_array_append_new(out, json_pack("{s:o, s:O}", "items",
                                                 items ? json_incref(items) : json_pack("[O]", item), "score",
                                                 score));
    }
    reco_http_recommendation_id_header(req, reply->body);
    reco_http_send_json(req, 200, json_pack("{s:o}", "recommendations", out));
}

static void get_bought_with(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                            const char *tenant)
{
    json_t *args = json_pack("{s:s}", "model", "bought-with");
    if (reco_v1_recommend_params(req, path, args) < 0) {
        json_decref(args);
        return;
    }
    if (json_array_size(json_object_get(args, "items")) == 0) {
        json_decref(args);
        reco_http_send_error(req, 400, "missing_field",
                             "items[]: give the items to find what is bought with (items[]=a&items[]=b)");
        return;
    }
    reco_http_forward(gw, req, RECO_POOL_QUERY, tenant, "recommend", args, render_recommendations,
                      (void *)(size_t)SHAPE_SETS);
}

static void get_by_similar_customers(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                                     const char *tenant)
{
    const char *customer = reco_path_param(path, "customer");
    if (!customer || !reco_valid_id(customer, strlen(customer))) {
        reco_http_send_error(req, 400, customer ? "invalid_field" : "missing_field",
                             "customer: required, 1 to %d bytes of UTF-8 without control characters", RECO_ID_MAX);
        return;
    }
    json_t *args = json_pack("{s:s}", "model", "similar-customers");
    if (reco_v1_recommend_params(req, path, args) < 0) {
        json_decref(args);
        return;
    }
    json_object_set_new(args, "user", json_string(customer));
    reco_http_forward(gw, req, RECO_POOL_QUERY, tenant, "recommend", args, render_recommendations,
                      (void *)(size_t)SHAPE_ITEMS);
}

/* 1 if the dialect path (after the tenant) is exactly a/b. */
static int is_route(const reco_path_t *path, const char *a, const char *b)
{
    return path->n == 5 && strcmp(path->seg[3], a) == 0 && strcmp(path->seg[4], b) == 0;
}

void reco_compat_aegeria(reco_gateway_t *gw, struct evhttp_request *req, reco_path_t *path)
{
    enum evhttp_cmd_type method = evhttp_request_get_command(req);
    int bulk = is_route(path, "transaction", "bulk");
    int bought_with = is_route(path, "recommendation", "bought-with");
    int similar = is_route(path, "recommendation", "by-similar-customers");
    if (!bulk && !bought_with && !similar) {
        reco_http_send_error(req, 404, "not_found",
                             "no such resource: %s (Aegeria's routes are /compat/aegeria/{tenant}/transaction/bulk, "
                             ".../recommendation/bought-with and .../recommendation/by-similar-customers)",
                             evhttp_request_get_uri(req));
        return;
    }
    if (method != (bulk ? EVHTTP_REQ_POST : EVHTTP_REQ_GET)) {
        reco_http_send_method_not_allowed(req, bulk ? "POST" : "GET");
        return;
    }
    const char *tenant = path->seg[2];
    if (!reco_valid_tenant(tenant)) {
        reco_http_send_error(req, 400, "invalid_field", "tenant: must be 1 to %d characters of A-Z, a-z, 0-9, _ and -",
                             RECO_TENANT_MAX);
        return;
    }
    if (bulk)
        reco_v1_post_transactions(gw, req, path, tenant, NULL);
    else if (bought_with)
        get_bought_with(gw, req, path, tenant);
    else
        get_by_similar_customers(gw, req, path, tenant);
}
