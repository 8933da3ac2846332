/* reco_compat_tastehit — TasteHit's backend API under /compat/tastehit (seed 002; the route
 * table and what differs: docs/dialects.md). A shop moves by changing its base URL from
 * https://www.tastehit.com to http://<reco>/compat/tastehit.
 *
 *   POST /api/{customer}/v1/interaction/{user}/{item}/{action}
 *        events.add {events: [{user, item, type}], known_items: true}      → 204, no body
 *   GET  /api/{customer}/v1/{widget}/r?item_pid=&user_id=&limit=&pscore=&filters=
 *        recommend.scenario {scenario: widget, items, user, limit, pscore, filters}
 *                                                   → [{"item_pid": id, "score": s}...]
 *   GET  /api/{customer}/v1/{widget}/r?resort=&itemarray=<JSON array>[&user_id=&limit=]
 *        resort {by, items, user?, scenario: widget}          → the same shape, every item
 *
 * The customer is the tenant. A widget (TasteHit's "algorithm") is a native scenario
 * (PUT /v1/{customer}/scenarios/{widget}): its model, fallbacks and filters are the widget's
 * configuration. Actions: TasteHit's visit and follow are the native view and click, cart is
 * cart; any other name goes on as the event type, so the built-in types and the custom actions
 * registered with PUT /v1/{customer}/actions/{name} (with their weights) work, and the ingestor
 * answers 400 for the rest. The ingestor also checks the item against the catalogue
 * (known_items), because TasteHit answers 400 for an interaction with an unknown item.
 *
 * Replies: limit defaults to 5 (TasteHit's default, not the scenario's); a widget whose model
 * has no context to work with (no item_pid and no user_id, or a user without history) answers
 * [] as TasteHit documents, not the native 400 / 409; an unknown widget is a 400. Errors keep
 * the native body {"error": {"code", "message"}} (TasteHit documents only the status codes),
 * with messages naming TasteHit's parameters. 429 is not produced: reco has no rate limits yet.
 *
 * Ownership: each forwarded request carries a small malloc'ed tastehit_call_t that the render
 * function frees (or this file, when the forward fails before the broker took it). */
#include <event2/http.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reco_compat.h"
#include "reco_scenario.h"
#include "reco_validate.h"

#define TASTEHIT_LIMIT_DEFAULT 5
#define TASTEHIT_LIMIT_MAX RECO_SCENARIO_LIMIT_MAX
#define TASTEHIT_ITEMARRAY_MAX 100 /* the resort op's bound */

/* What a render function needs to know about its request. */
typedef struct {
    char name[RECO_ACTION_NAME_MAX + RECO_SCENARIO_ID_MAX + 2]; /* the action, or the widget */
    long limit;                                                 /* resort: cut; 0 = none */
} tastehit_call_t;

static tastehit_call_t *call_new(const char *name, long limit)
{
    tastehit_call_t *call = malloc(sizeof *call);
    if (call) {
        snprintf(call->name, sizeof call->name, "%s", name);
        call->limit = limit;
    }
    return call;
}

/* Forwards op and hands call to render; frees call when the forward fails at once. */
static void forward(reco_gateway_t *gw, struct evhttp_request *req, reco_pool_t pool,
                    const char *tenant, const char *op, json_t *args, reco_render_fn render,
                    tastehit_call_t *call)
{
    if (!call) {
        json_decref(args);
        reco_http_send_error(req, 500, "internal", "out of memory");
        return;
    }
    if (reco_http_forward(gw, req, pool, tenant, op, args, render, call) != 0) free(call);
}

/* ---- interactions ---- */

static const char *native_action(const char *action)
{
    if (strcmp(action, "visit") == 0) return "view";
    if (strcmp(action, "follow") == 0) return "click";
    return action; /* cart, the other built-in types, custom actions */
}

static void render_interaction(struct evhttp_request *req, const reco_reply_t *reply, void *ctx)
{
    tastehit_call_t *call = ctx;
    if (!reply->error.status)
        evhttp_send_reply(req, 204, "No Content", NULL);
    else if (strcmp(reply->error.code, "unknown_event_type") == 0)
        reco_http_send_error(
            req, 400, "unknown_action",
            "action: '%s' is not an allowed action (visit, follow, cart, a built-in type, or an "
            "action configured with PUT /v1/{customer}/actions/%s)",
            call->name, call->name);
    else
        reco_http_send_reco_error(req, &reply->error);
    free(call);
}

static void interaction(reco_gateway_t *gw, struct evhttp_request *req, const char *tenant,
                        char *const *seg)
{
    const char *user = seg[0], *item = seg[1], *action = seg[2];
    const char *bad = !reco_valid_id(user, strlen(user))   ? "user"
                      : !reco_valid_id(item, strlen(item)) ? "item"
                                                           : NULL;
    if (bad) {
        reco_http_send_error(req, 400, "invalid_field",
                             "%s: must be 1 to %d bytes of UTF-8 without control characters", bad,
                             RECO_ID_MAX);
        return;
    }
    if (!reco_valid_action_name(action)) {
        reco_http_send_error(
            req, 400, "unknown_action",
            "action: must be visit, follow, cart, a built-in type or a configured action (1 to %d "
            "characters a-z, 0-9, _ and -)",
            RECO_ACTION_NAME_MAX);
        return;
    }
    json_t *event =
        json_pack("{s:s, s:s, s:s}", "user", user, "item", item, "type", native_action(action));
    reco_error_t err;
    json_t *events = event ? reco_events_normalize(event, reco_now_ms(), NULL, NULL, &err) : NULL;
    json_decref(event);
    if (!events) {
        reco_http_send_reco_error(req, &err);
        return;
    }
    forward(gw, req, RECO_POOL_INGEST, tenant, "events.add",
            json_pack("{s:o, s:b}", "events", events, "known_items", 1), render_interaction,
            call_new(action, 0));
}

/* ---- recommendations ---- */

/* [{"item_pid", "score"}...] from the op's list of {item, score}; at most limit (0 = all).
 * A score the model does not have (resort: unknown items, random) is 0. */
static json_t *tastehit_list(const json_t *entries, long limit)
{
    json_t *out = json_array();
    for (size_t i = 0;
         out && i < json_array_size(entries) && (limit <= 0 || (long)json_array_size(out) < limit);
         i++) {
        const json_t *e = json_array_get(entries, i);
        json_t *item = json_object_get(e, "item"), *score = json_object_get(e, "score");
        if (!json_is_string(item)) continue;
        json_array_append_new(
            out, json_pack("{s:O, s:o}", "item_pid", item, "score",
                           json_is_number(score) ? json_incref(score) : json_integer(0)));
    }
    return out;
}

/* The errors both recommendation forms share: an unknown widget is TasteHit's 400. */
static void send_recommend_error(struct evhttp_request *req, const reco_reply_t *reply,
                                 const char *widget)
{
    if (reply->error.status == 404)
        reco_http_send_error(
            req, 400, "unknown_widget",
            "algorithm: no widget '%s' (PUT /v1/{customer}/scenarios/%s configures one)", widget,
            widget);
    else
        reco_http_send_reco_error(req, &reply->error);
}

static void render_recommendations(struct evhttp_request *req, const reco_reply_t *reply, void *ctx)
{
    tastehit_call_t *call = ctx;
    if (!reply->error.status) {
        reco_http_recommendation_id_header(req, reply->body);
        reco_http_send_json(req, 200,
                            tastehit_list(json_object_get(reply->body, "recommendations"), 0));
    }
    else if (reply->error.status == 409 || strcmp(reply->error.code, "missing_field") == 0)
        reco_http_send_json(req, 200, json_array()); /* no context for the widget's models: [] */
    else
        send_recommend_error(req, reply, call->name);
    free(call);
}

static void render_resort(struct evhttp_request *req, const reco_reply_t *reply, void *ctx)
{
    tastehit_call_t *call = ctx;
    if (!reply->error.status)
        reco_http_send_json(req, 200,
                            tastehit_list(json_object_get(reply->body, "items"), call->limit));
    else
        send_recommend_error(req, reply, call->name);
    free(call);
}

/* An id parameter under TasteHit's name into request[field]. 0, or -1 after answering 400. */
static int id_param(struct evhttp_request *req, const reco_path_t *path, const char *name,
                    json_t *request, const char *field)
{
    const char *v = reco_path_param(path, name);
    if (!v) return 0;
    if (!reco_valid_id(v, strlen(v))) {
        reco_http_send_error(req, 400, "invalid_field",
                             "%s: must be 1 to %d bytes of UTF-8 without control characters", name,
                             RECO_ID_MAX);
        return -1;
    }
    json_object_set_new(request, field, json_string(v));
    return 0;
}

/* A URL-encoded JSON parameter (filters, itemarray), or NULL: absent (*failed 0) or after a 400. */
static json_t *json_param(struct evhttp_request *req, const reco_path_t *path, const char *name,
                          int *failed)
{
    const char *text = reco_path_param(path, name);
    json_error_t jerr;
    json_t *v = text ? json_loads(text, JSON_DECODE_ANY, &jerr) : NULL;
    *failed = text && !json_is_array(v);
    if (*failed) {
        reco_http_send_error(req, 400, "invalid_field", "%s: must be a URL-encoded JSON array (%s)",
                             name, v ? "got another JSON value" : jerr.text);
        json_decref(v);
        return NULL;
    }
    return v;
}

/* pscore=<number>: 0, or -1 after answering 400. */
static int pscore_param(struct evhttp_request *req, const reco_path_t *path, json_t *request)
{
    double v;
    int found = reco_param_double(req, path, "pscore", "the score of the last recommendation received", &v);
    if (found == 1) json_object_set_new(request, "pscore", json_real(v));
    return found < 0 ? -1 : 0;
}

/* itemarray: 1..TASTEHIT_ITEMARRAY_MAX ids (integers as their decimal text), or NULL after a 400.
 */
static json_t *itemarray_param(struct evhttp_request *req, const reco_path_t *path)
{
    int failed = 0;
    json_t *items = json_param(req, path, "itemarray", &failed);
    if (failed) return NULL;
    if (json_array_size(items) == 0 || json_array_size(items) > TASTEHIT_ITEMARRAY_MAX) {
        reco_http_send_error(req, 400, items ? "invalid_field" : "missing_field",
                             "itemarray: resort needs a URL-encoded JSON array of 1 to %d item ids",
                             TASTEHIT_ITEMARRAY_MAX);
        json_decref(items);
        return NULL;
    }
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *v = json_array_get(items, i);
        if (json_is_integer(v)) { /* itemarray=[5519, 5453] */
            char text[32];
            snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            json_array_set_new(items, i, json_string(text));
        } else if (!json_is_string(v) ||
                   !reco_valid_id(json_string_value(v), json_string_length(v))) {
            reco_http_send_error(req, 400, "invalid_field", "itemarray[%zu]: must be an item id",
                                 i);
            json_decref(items);
            return NULL;
        }
    }
    return items;
}

/* resort=&itemarray=: the resort op; the widget only has to exist. */
static void resort(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                   const char *tenant, const char *widget, const char *by, long limit)
{
    static const char *const names[][2] = {{"popular", "popular"},
                                           {"unpopular", "unpopular"},
                                           {"foruser", "for-user"},
                                           {"random", "random"}};
    const char *native = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(by, names[i][0]) == 0) native = names[i][1];
    if (!native) {
        reco_http_send_error(req, 400, "invalid_field",
                             "resort: must be one of popular, unpopular, foruser, random");
        return;
    }
    json_t *args = json_pack("{s:s, s:s}", "scenario", widget, "by", native), *items = NULL;
    if (id_param(req, path, "user_id", args, "user") != 0 ||
        !(items = itemarray_param(req, path))) {
        json_decref(args);
        return;
    }
    json_object_set_new(args, "items", items);
    if (strcmp(native, "for-user") == 0 && !json_object_get(args, "user")) {
        json_decref(args);
        reco_http_send_error(req, 400, "missing_field", "user_id: resort=foruser needs the user");
        return;
    }
    forward(gw, req, RECO_POOL_QUERY, tenant, "resort", args, render_resort,
            call_new(widget, limit));
}

static void recommend(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                      const char *tenant, const char *widget)
{
    if (!reco_valid_scenario_id(widget)) {
        reco_http_send_error(
            req, 400, "unknown_widget",
            "algorithm: '%s' cannot be a widget id (1 to %d characters of A-Z, a-z, 0-9, _ and -)",
            widget, RECO_SCENARIO_ID_MAX);
        return;
    }
    long limit = 0;
    int found = reco_param_long(req, path, "limit", 1, TASTEHIT_LIMIT_MAX, &limit);
    if (found < 0) return;
    const char *by = reco_path_param(path, "resort");
    if (by) {
        resort(gw, req, path, tenant, widget, by, found ? limit : 0);
        return;
    }
    int failed = 0;
    json_t *request = json_pack("{s:s, s:I}", "scenario", widget, "limit",
                                (json_int_t)(found ? limit : TASTEHIT_LIMIT_DEFAULT));
    if (id_param(req, path, "item_pid", request, "items") != 0 ||
        id_param(req, path, "user_id", request, "user") != 0 ||
        pscore_param(req, path, request) != 0) {
        json_decref(request);
        return;
    }
    json_t *filters = json_param(req, path, "filters", &failed);
    if (failed) {
        json_decref(request);
        return;
    }
    if (filters) json_object_set_new(request, "filters", filters);
    reco_error_t err;
    json_t *canonical =
        reco_scenario_request_normalize(request, &err); /* filters are checked here */
    json_decref(request);
    if (!canonical) {
        reco_http_send_reco_error(req, &err);
        return;
    }
    forward(gw, req, RECO_POOL_QUERY, tenant, "recommend.scenario", canonical,
            render_recommendations, call_new(widget, 0));
}

/* ---- dispatch ---- */

void reco_compat_tastehit(reco_gateway_t *gw, struct evhttp_request *req, reco_path_t *path)
{
    char *const *seg = path->seg;
    int n = path->n;
    enum evhttp_cmd_type method = evhttp_request_get_command(req);
    if (n < 7 || strcmp(seg[2], "api") != 0 || strcmp(seg[4], "v1") != 0 ||
        !(n == 7 ? strcmp(seg[6], "r") == 0 : n == 9 && strcmp(seg[5], "interaction") == 0)) {
        reco_http_send_error(
            req, 404, "not_found",
            "no such TasteHit route: POST /compat/tastehit/api/{customer}/v1/interaction/{user}/"
            "{item}/{action} or GET /compat/tastehit/api/{customer}/v1/{algorithm}/r");
        return;
    }
    if (!reco_valid_tenant(seg[3])) {
        reco_http_send_error(req, 400, "invalid_field",
                             "customer: must be 1 to %d characters of A-Z, a-z, 0-9, _ and -",
                             RECO_TENANT_MAX);
        return;
    }
    if (n == 9 && method != EVHTTP_REQ_POST)
        reco_http_send_method_not_allowed(req, "POST");
    else if (n == 7 && method != EVHTTP_REQ_GET)
        reco_http_send_method_not_allowed(req, "GET");
    else if (n == 9)
        interaction(gw, req, seg[3], seg + 6);
    else
        recommend(gw, req, path, seg[3], seg[5]);
}
