/* reco_compat_advisable — Advisable's interactions API (seed 001) at /compat/advisable/{tenant}/v1/... .
 *
 *   POST   /v1/{type}                          events.add       one interaction → 201 the interaction
 *   POST   /v1/purchases/batch                 events.add       an array of purchases → 201 the array
 *   GET    /v1/users/{user_id}/{type}          events.list      the user's interactions of the type
 *   GET    /v1/items/{item_id}/{type}          events.list      the item's
 *   DELETE /v1/{type}?item_id=&user_id=&timestamp=   events.delete  (type-narrowed) → {"deleted": n}
 *   POST   /v1/users/{from}/interactions/transfer/{to}?delete_user=true   users.transfer
 *   PUT    /v1/users/{user_id} {"external_id": to}                        users.transfer (PATCH too)
 *
 * {type} is an interaction type by its plural or singular name: bookmarks, ratings, purchases,
 * cart-additions (cart_additions, cart-addition, cart_addition, cart), views → the native types
 * bookmark, rating, purchase, cart, view. An interaction is
 *   {user_id, item_id, timestamp?, recommendation_id?, value (ratings, 0..5), price, amount
 *    (purchases), duration (views, ms)}
 * and maps onto the native event {user, item, ts, recommendation, value, price, quantity,
 * properties.duration}; timestamp is epoch milliseconds, a number or a string of digits (absent:
 * now). The native validation (reco_event_normalize) decides what is valid; its messages are
 * given back with Advisable's field names. Interactions read back have the same shape, newest
 * first; `limit` (1..1000, default 100) and `cursor` page a listing, whose next page's cursor is
 * sent in the X-Next-Cursor header.
 *
 * DELETE and the transfer read their parameters from the query string or a JSON object body.
 * DELETE needs item_id or user_id (or both); a timestamp deletes only the interactions of that
 * exact millisecond. delete_user defaults to true: the guest's interactions move and the guest
 * is deleted; false copies them and keeps the guest. */
#include <event2/buffer.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reco_api_v1_internal.h"
#include "reco_compat.h"
#include "reco_config.h"
#include "reco_validate.h"

#define DURATION_PROPERTY "duration"

/* ---- interaction types ---- */

typedef struct {
    const char *names[6]; /* names[0] is the canonical (plural) one; NULL ends */
    const char *type;     /* the native event type */
} interaction_t;

static const interaction_t INTERACTIONS[] = {
    {{"bookmarks", "bookmark"}, "bookmark"},
    {{"ratings", "rating"}, "rating"},
    {{"purchases", "purchase"}, "purchase"},
    {{"cart-additions", "cart_additions", "cart-addition", "cart_addition", "cart"}, "cart"},
    {{"views", "view"}, "view"},
};
#define INTERACTION_COUNT (sizeof INTERACTIONS / sizeof INTERACTIONS[0])

static const interaction_t *interaction_find(const char *name)
{
    for (size_t i = 0; i < INTERACTION_COUNT; i++)
        for (size_t k = 0; k < 6 && INTERACTIONS[i].names[k]; k++)
            if (strcmp(name, INTERACTIONS[i].names[k]) == 0)
                return &INTERACTIONS[i];
    return NULL;
}

static void send_unknown_type(struct evhttp_request *req, const char *name)
{
    reco_http_send_error(req, 404, "not_found",
                         "interaction_type: no such interaction type '%s' (bookmarks, ratings, purchases, "
                         "cart-additions, views)", name);
}

/* ---- interactions in and out ---- */

/* Advisable's field name of a native event field (messages and read-back). */
static const char *advisable_name(const char *native)
{
    static const char *const map[][2] = {{"user", "user_id"},         {"item", "item_id"},
                                         {"quantity", "amount"},      {"recommendation", "recommendation_id"},
                                         {"properties", "duration"}, {"ts", "timestamp"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(native, map[i][0]) == 0)
            return map[i][1];
    return native;
}

/* Rewrites "<where>.<native field>: ..." in err's message with Advisable's field name. */
static void rename_error_field(reco_error_t *err, const char *where)
{
    size_t skip = *where ? strlen(where) + 1 : 0;
    const char *msg = err->message;
    if (strncmp(msg, where, strlen(where)) != 0 || strlen(msg) < skip)
        return;
    size_t len = strcspn(msg + skip, ":.");
    char field[32];
    if (len == 0 || len >= sizeof field)
        return;
    memcpy(field, msg + skip, len);
    field[len] = '\0';
    char rest[sizeof err->message], code[sizeof err->code];
    snprintf(rest, sizeof rest, "%s", msg + skip + len);
    snprintf(code, sizeof code, "%s", err->code);
    reco_error_set(err, err->status, code, "%s%s%s%s", where, *where ? "." : "", advisable_name(field), rest);
}

/* Epoch ms from a number or a string of digits. 0, or -1. */
static int parse_ms(const json_t *v, int64_t *out)
{
    long n = 0;
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (int64_t)json_integer_value(v);
        return 0;
    }
    if (json_is_real(v) && json_real_value(v) >= 0 && json_real_value(v) < 9.2e18) {
        *out = (int64_t)floor(json_real_value(v));
        return 0;
    }
    if (json_is_string(v) && reco_parse_long(json_string_value(v), 0, LONG_MAX, &n) == 0) {
        *out = (int64_t)n;
        return 0;
    }
    return -1;
}

/* One Advisable interaction → a canonical native event of type, or NULL with err set. */
static json_t *interaction_to_event(const json_t *in, const char *type, const char *where, reco_error_t *err)
{
    static const char *const renamed[][2] = {{"user_id", "user"}, {"item_id", "item"}, {"value", "value"},
                                             {"price", "price"},  {"amount", "quantity"},
                                             {"recommendation_id", "recommendation"}};
    const char *dot = *where ? "." : "";
    if (!json_is_object(in)) {
        reco_error_set(err, 400, "invalid_field", "%s: an interaction must be a JSON object", *where ? where : "body");
        return NULL;
    }
    json_t *ev = json_pack("{s:s, s:I}", "type", type, "ts", (json_int_t)reco_now_ms());
    for (size_t i = 0; i < sizeof renamed / sizeof renamed[0]; i++) {
        json_t *v = json_object_get(in, renamed[i][0]);
        if (v && !json_is_null(v))
            json_object_set(ev, renamed[i][1], v);
    }
    json_t *ts = json_object_get(in, "timestamp"), *duration = json_object_get(in, DURATION_PROPERTY);
    int64_t ms = 0;
    const char *bad = NULL;
    if (ts && !json_is_null(ts)) {
        if (parse_ms(ts, &ms) == 0)
            json_object_set_new(ev, "ts", json_integer((json_int_t)ms));
        else
            bad = "timestamp: must be epoch milliseconds, a number or a string of digits";
    }
    if (!bad && duration && !json_is_null(duration)) {
        if (json_is_number(duration) && json_number_value(duration) >= 0 && isfinite(json_number_value(duration)))
            json_object_set_new(ev, "properties", json_pack("{s:O}", DURATION_PROPERTY, duration));
        else
            bad = "duration: must be a number of milliseconds >= 0";
    }
    json_t *out = NULL;
    if (bad)
        reco_error_set(err, 400, "invalid_field", "%s%s%s", where, dot, bad);
    else if (!(out = reco_event_normalize(ev, 0, NULL, NULL, where, err)))
        rename_error_field(err, where);
    json_decref(ev);
    return out;
}

/* A native event (canonical, or as events.list reads it back) in Advisable's shape. */
static json_t *event_to_interaction(const json_t *ev)
{
    static const char *const copied[] = {"user", "item", "recommendation", "value", "price", "quantity"};
    json_t *out = json_object();
    for (size_t i = 0; i < sizeof copied / sizeof copied[0]; i++) {
        json_t *v = json_object_get(ev, copied[i]);
        if (v)
            json_object_set(out, advisable_name(copied[i]), v);
    }
    json_t *ts = json_object_get(ev, "timestamp");
    json_object_set(out, "timestamp", ts ? ts : json_object_get(ev, "ts"));
    json_t *duration = json_object_get(json_object_get(ev, "properties"), DURATION_PROPERTY);
    if (duration)
        json_object_set(out, DURATION_PROPERTY, duration);
    return out;
}

/* ---- creating ---- */

/* The answer to events.add: 201 with the interactions sent (ctx: the canonical events, owned
 * here; a single one when the request was for one). */
typedef struct {
    json_t *events;
    int single;
} created_t;

static void render_created(struct evhttp_request *req, const reco_reply_t *reply, void *ctx)
{
    created_t *c = ctx;
    if (reply->error.status) {
        reco_http_send_reco_error(req, &reply->error);
    } else if (c->single) {
        reco_http_send_json(req, 201, event_to_interaction(json_array_get(c->events, 0)));
    } else {
        json_t *out = json_array();
        size_t i;
        json_t *ev;
        json_array_foreach(c->events, i, ev) json_array_append_new(out, event_to_interaction(ev));
        reco_http_send_json(req, 201, out);
    }
    json_decref(c->events);
    free(c);
}

/* The events of a batch body: an array, or {"purchases": [...]}. NULL with err set. */
static json_t *batch_events(const json_t *body, const char *type, reco_error_t *err)
{
    const json_t *list = json_is_object(body) ? json_object_get(body, "purchases") : body;
    size_t n = json_array_size(list);
    if (!json_is_array(list) || n == 0 || n > RECO_BATCH_MAX) {
        reco_error_set(err, 400, json_is_array(list) && n ? "too_many" : "invalid_body",
                       "purchases: the body must be an array of 1 to %d purchases (or {\"purchases\": [...]})",
                       RECO_BATCH_MAX);
        return NULL;
    }
    json_t *events = json_array();
    for (size_t i = 0; events && i < n; i++) {
        char where[32];
        snprintf(where, sizeof where, "purchases[%zu]", i);
        json_t *ev = interaction_to_event(json_array_get(list, i), type, where, err);
        if (!ev) {
            json_decref(events);
            events = NULL;
        } else {
            json_array_append_new(events, ev);
        }
    }
    return events;
}

static void post_interactions(reco_gateway_t *gw, struct evhttp_request *req, const char *tenant,
                              const interaction_t *it, int batch)
{
    reco_error_t err;
    reco_error_clear(&err);
    json_t *body = reco_http_read_json(req, gw->max_body_bytes, &err), *events = NULL;
    if (body && batch) {
        events = batch_events(body, it->type, &err);
    } else if (body) {
        json_t *ev = interaction_to_event(body, it->type, "", &err);
        events = ev ? json_pack("[o]", ev) : NULL;
    }
    json_decref(body);
    created_t *c = events ? malloc(sizeof *c) : NULL;
    if (!c) {
        if (events)
            reco_error_set(&err, 500, "internal", "out of memory");
        json_decref(events);
        reco_http_send_reco_error(req, &err);
        return;
    }
    c->events = events;
    c->single = !batch;
    if (reco_http_forward(gw, req, RECO_POOL_INGEST, tenant, "events.add",
                          json_pack("{s:O}", "events", events), render_created, c) != 0) {
        json_decref(events);
        free(c);
    }
}

/* ---- listing ---- */

static void render_listing(struct evhttp_request *req, const reco_reply_t *reply, void *ctx)
{
    (void)ctx;
    if (reply->error.status) {
        reco_http_send_reco_error(req, &reply->error);
        return;
    }
    json_t *out = json_array();
    size_t i;
    json_t *ev;
    json_array_foreach(json_object_get(reply->body, "events"), i, ev) json_array_append_new(out, event_to_interaction(ev));
    const char *next = json_string_value(json_object_get(reply->body, "next"));
    if (next)
        evhttp_add_header(evhttp_request_get_output_headers(req), "X-Next-Cursor", next);
    reco_http_send_json(req, 200, out);
}

static void list_interactions(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                              const char *tenant, const char *field, const char *id, const interaction_t *it)
{
    json_t *args = reco_v1_events_list_args(req, path, field, id, it->type);
    if (args)
        reco_http_forward(gw, req, RECO_POOL_QUERY, tenant, "events.list", args, render_listing, NULL);
}

/* ---- parameters from the query string or a JSON body ---- */

/* The request's JSON object body, an empty object when there is no body, or NULL after a 400. */
static json_t *optional_body(reco_gateway_t *gw, struct evhttp_request *req)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    if (!in || evbuffer_get_length(in) == 0)
        return json_object();
    reco_error_t err;
    reco_error_clear(&err);
    json_t *body = reco_http_read_json(req, gw->max_body_bytes, &err);
    if (body && !json_is_object(body)) {
        json_decref(body);
        body = NULL;
        reco_error_set(&err, 400, "invalid_body", "body: must be a JSON object");
    }
    if (!body)
        reco_http_send_reco_error(req, &err);
    return body;
}

/* name from the query string, else from body (strings; integers as their text in buf). */
static const char *param_text(const reco_path_t *path, const json_t *body, const char *name, char buf[32])
{
    const char *v = reco_path_param(path, name);
    if (v)
        return v;
    json_t *j = json_object_get(body, name);
    if (json_is_integer(j)) {
        snprintf(buf, 32, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
        return buf;
    }
    return json_is_null(j) ? NULL : json_is_string(j) ? json_string_value(j) : j ? "" : NULL;
}

/* An optional id parameter into args[native]. 0, or -1 after a 400. */
static int id_param(struct evhttp_request *req, const reco_path_t *path, const json_t *body, const char *name,
                    const char *native, json_t *args)
{
    char buf[32];
    const char *v = param_text(path, body, name, buf);
    if (!v)
        return 0;
    if (!reco_valid_id(v, strlen(v))) {
        reco_http_send_error(req, 400, "invalid_field", "%s: must be 1 to %d bytes of UTF-8 without control characters",
                             name, RECO_ID_MAX);
        return -1;
    }
    json_object_set_new(args, native, json_string(v));
    return 0;
}

/* ---- deleting ---- */

static void delete_interactions(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                                const char *tenant, const interaction_t *it)
{
    json_t *body = optional_body(gw, req);
    if (!body)
        return;
    json_t *args = json_pack("{s:s}", "type", it->type);
    char buf[32];
    const char *ts = param_text(path, body, "timestamp", buf);
    json_t *ts_json = ts ? json_string(ts) : NULL;
    int64_t ms = 0;
    int rc = id_param(req, path, body, "item_id", "item", args) == 0 &&
                     id_param(req, path, body, "user_id", "user", args) == 0
                 ? 0
                 : -1;
    if (rc == 0 && ts && parse_ms(ts_json, &ms) != 0) {
        reco_http_send_error(req, 400, "invalid_field", "timestamp: must be epoch milliseconds (a string of digits)");
        rc = -1;
    } else if (rc == 0 && !json_object_get(args, "item") && !json_object_get(args, "user")) {
        reco_http_send_error(req, 400, "missing_field",
                             "item_id: give item_id, user_id or both (and optionally timestamp) to delete interactions");
        rc = -1;
    }
    if (rc == 0 && ts)
        json_object_set_new(args, "timestamp", json_integer((json_int_t)ms));
    json_decref(ts_json);
    json_decref(body);
    if (rc == 0)
        reco_http_forward(gw, req, RECO_POOL_INGEST, tenant, "events.delete", args, NULL, NULL);
    else
        json_decref(args);
}

/* ---- transferring ---- */

static void render_transfer(struct evhttp_request *req, const reco_reply_t *reply, void *ctx)
{
    int delete_user = ctx != NULL;
    if (reply->error.status) {
        reco_http_send_reco_error(req, &reply->error);
        return;
    }
    reco_http_send_json(req, 200,
                        json_pack("{s:O, s:b}", "transferred", json_object_get(reply->body, "moved"), "delete_user",
                                  delete_user));
}

/* true/false (also True/False, 1/0): 1 or 0; -1 for anything else (NULL too). */
static int flag_value(const char *text)
{
    if (text && (!strcmp(text, "true") || !strcmp(text, "True") || !strcmp(text, "1")))
        return 1;
    if (text && (!strcmp(text, "false") || !strcmp(text, "False") || !strcmp(text, "0")))
        return 0;
    return -1;
}

/* to == NULL: the new id is the body's external_id (PUT /v1/users/{from}). */
static void transfer(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path, const char *tenant,
                     const char *from, const char *to)
{
    json_t *body = optional_body(gw, req);
    if (!body)
        return;
    char buf[32];
    const char *flag = reco_path_param(path, "delete_user");
    json_t *flag_json = json_object_get(body, "delete_user");
    int delete_user = flag ? flag_value(flag) : !flag_json || json_is_null(flag_json) ? 1
                                             : json_is_boolean(flag_json)            ? json_is_true(flag_json)
                                             : flag_value(json_string_value(flag_json));
    const char *target = to ? to : param_text(path, body, "external_id", buf);
    const char *target_name = to ? "to_user_id" : "external_id";
    if (delete_user < 0)
        reco_http_send_error(req, 400, "invalid_field", "delete_user: must be true or false");
    else if (reco_v1_check_id(req, from, to ? "from_user_id" : "user_id") != 0)
        ;
    else if (!target)
        reco_http_send_error(req, 400, "missing_field", "%s: required (the user the interactions go to)", target_name);
    else if (reco_v1_check_id(req, target, target_name) != 0)
        ;
    else if (strcmp(from, target) == 0)
        reco_http_send_error(req, 400, "invalid_field", "%s: must differ from the user the interactions come from",
                             target_name);
    else
        reco_http_forward(gw, req, RECO_POOL_INGEST, tenant, "users.transfer",
                          json_pack("{s:s, s:s, s:b}", "from", from, "to", target, "keep", !delete_user),
                          render_transfer, delete_user ? (void *)1 : NULL);
    json_decref(body);
}

/* ---- routing ---- */

#define IS(method) (m == EVHTTP_REQ_##method)

/* Routes r[0..n) (the segments after /v1). Always answers. */
static void route(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path, const char *tenant,
                  char *const *r, int n)
{
    enum evhttp_cmd_type m = evhttp_request_get_command(req);
    const interaction_t *it = n >= 1 ? interaction_find(r[n - 1]) : NULL;
    int users = n >= 2 && strcmp(r[0], "users") == 0, items = n >= 2 && strcmp(r[0], "items") == 0;
    if (n == 1 && it) {
        if (IS(POST))
            post_interactions(gw, req, tenant, it, 0);
        else if (IS(DELETE))
            delete_interactions(gw, req, path, tenant, it);
        else
            reco_http_send_method_not_allowed(req, "POST, DELETE");
    } else if (n == 2 && strcmp(r[1], "batch") == 0 && (it = interaction_find(r[0]))) {
        if (strcmp(it->type, "purchase") != 0)
            reco_http_send_error(req, 404, "not_found", "batch: only purchases have a batch endpoint");
        else if (IS(POST))
            post_interactions(gw, req, tenant, it, 1);
        else
            reco_http_send_method_not_allowed(req, "POST");
    } else if (n == 3 && (users || items)) {
        if (!it)
            send_unknown_type(req, r[2]);
        else if (IS(GET))
            list_interactions(gw, req, path, tenant, users ? "user" : "item", r[1], it);
        else
            reco_http_send_method_not_allowed(req, "GET");
    } else if (n == 5 && users && strcmp(r[2], "interactions") == 0 && strcmp(r[3], "transfer") == 0) {
        if (IS(POST) || IS(PUT))
            transfer(gw, req, path, tenant, r[1], r[4]);
        else
            reco_http_send_method_not_allowed(req, "POST, PUT");
    } else if (n == 2 && users) {
        if (IS(PUT) || IS(PATCH))
            transfer(gw, req, path, tenant, r[1], NULL);
        else
            reco_http_send_method_not_allowed(req, "PUT, PATCH");
    } else if (n == 1) {
        send_unknown_type(req, r[0]);
    } else {
        reco_http_send_error(req, 404, "not_found", "no such resource: %s (Advisable's routes are described in "
                             "docs/dialects.md)", evhttp_request_get_uri(req));
    }
}

void reco_compat_advisable(reco_gateway_t *gw, struct evhttp_request *req, reco_path_t *path)
{
    if (path->n < 5 || strcmp(path->seg[3], "v1") != 0) {
        reco_http_send_error(req, 404, "not_found",
                             "no such resource: %s (Advisable's routes are /compat/advisable/{tenant}/v1/...)",
                             evhttp_request_get_uri(req));
        return;
    }
    const char *tenant = path->seg[2];
    if (!reco_valid_tenant(tenant)) {
        reco_http_send_error(req, 400, "invalid_field", "tenant: must be 1 to %d characters of A-Z, a-z, 0-9, _ and -",
                             RECO_TENANT_MAX);
        return;
    }
    route(gw, req, path, tenant, path->seg + 4, path->n - 4);
}
