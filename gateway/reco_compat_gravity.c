/* reco_compat_gravity — the Gravity / Yusp dialect: /compat/gravity/{tenant}/<method> (seed 003).
 *
 * A shop's Gravity base URL ".../grrec-<customer>-war/WebshopServlet" becomes
 * "http://<reco>/compat/gravity/<tenant>"; the method names stay. Every method maps onto a native
 * op (docs/dialects.md has the table):
 *
 *   POST addEvents[?async=true]     events.add     eventType VIEW/BUY/ADD_TO_CART/RATING/
 *                                                  REC_CLICK/ADD_TO_FAVORITES, others = custom
 * action POST addItems, updateItems      items.upsert   nameValues → attributes, categoryPath →
 * categories POST addUsers                   users.upsert   nameValues → attributes GET|POST
 * getItemRecommendation  recommend.scenario  (reco_compat_gravity_reco.c) POST
 * getItemRecommendationBulk  recommend.bulk      (reco_compat_gravity_reco.c) GET
 * getUser?userId=|cookieId=   users.get GET getEvents?userId=|cookieId= events.list (every page, up
 * to GETEVENTS_PAGES, oldest first) GET optOut?userId=              users.delete (and events.delete
 * by session with a cookieId) GET optOut?cookieId=            events.delete by session
 *
 * An anonymous visitor's events (a cookieId, no userId) are stored with the cookie as the user and
 * as the session; an identified visitor's with the userId as the user and the cookie as the
 * session. Writes and opt-outs answer an empty 200 as Gravity documents, async=true included (the
 * write is queued and its outcome only logged, like the native async). Errors are the native
 * {"error":{"code","message"}} naming the Gravity field ("events[2].eventType").
 *
 * Ownership: a method's context (the tenant, ids, collected events) is malloc'd when a request
 * is forwarded and freed by the render callback that answers it. */
#include "reco_compat_gravity.h"
#include "reco_compat.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reco_config.h"
#include "reco_log.h"
#include "reco_validate.h"

#define GETEVENTS_PAGE 1000 /* events.list's largest page */
#define GETEVENTS_PAGES 10  /* getEvents answers at most this many pages, newest kept */

size_t reco_gravity_body_max(const reco_gateway_t *gw)
{
    return gw->max_body_bytes < RECO_GRAVITY_BODY_MAX ? gw->max_body_bytes : RECO_GRAVITY_BODY_MAX;
}

void reco_gravity_send_empty(struct evhttp_request *req)
{
    evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
    evhttp_send_reply(req, 200, "OK", NULL);
}

/* ---- nameValues ---- */

/* A value as Gravity text: a new string, or NULL for null / anything else. */
static json_t *value_text(const json_t *v)
{
    if (json_is_string(v)) return json_incref((json_t *)v);
    if (json_is_boolean(v)) return json_string(json_is_true(v) ? "true" : "false");
    if (!json_is_number(v)) return NULL;
    char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
    json_t *out = text ? json_string(text) : NULL;
    free(text);
    return out;
}

void reco_gravity_append_name_values(json_t *list, const char *name, const json_t *value)
{
    if (json_is_array(value)) {
        size_t i;
        json_t *e;
        json_array_foreach(value, i, e) reco_gravity_append_name_values(list, name, e);
        return;
    }
    json_t *text = value_text(value);
    if (text) json_array_append_new(list, json_pack("{s:s, s:o}", "name", name, "value", text));
}

static int valid_name(const char *name)
{
    return name && *name && strlen(name) <= 64 && reco_valid_id(name, strlen(name));
}

int reco_gravity_collect_name_value(const json_t *pair, const char *where, json_t *out,
                                    reco_error_t *err)
{
    const char *name = json_string_value(json_object_get(pair, "name"));
    json_t *value = json_object_get(pair, "value");
    int ok_value = json_is_string(value) || json_is_number(value) || json_is_boolean(value) ||
                   json_is_null(value);
    size_t i;
    json_t *e;
    if (json_is_array(value)) {
        ok_value = 1;
        json_array_foreach(value, i, e) ok_value = ok_value && json_is_string(e);
    }
    if (!json_is_object(pair) || !valid_name(name)) {
        reco_error_set(err, 400, "invalid_field", "%s.name: required, 1 to 64 bytes of text",
                       where);
        return -1;
    }
    if (!value || !ok_value) {
        reco_error_set(err, 400, "invalid_field",
                       "%s.value: must be text, a number, a boolean or a list of texts", where);
        return -1;
    }
    if (json_is_null(value)) return 0; /* "null or empty values should not be submitted" */
    json_t *prev = json_object_get(out, name);
    if (!prev) return json_object_set(out, name, value) == 0 ? 0 : -1;
    /* a repeated name: the values become one list of texts */
    json_t *list = json_array();
    reco_gravity_append_name_values(list, "", prev);
    reco_gravity_append_name_values(list, "", value);
    json_t *texts = json_array();
    json_array_foreach(list, i, e) json_array_append(texts, json_object_get(e, "value"));
    json_decref(list);
    return json_object_set_new(out, name, texts) == 0 ? 0 : -1;
}

/* The nameValues member of obj (absent: an empty object) collected by name. NULL with err set. */
static json_t *collect_name_values(const json_t *obj, const char *where, reco_error_t *err)
{
    json_t *list = json_object_get(obj, "nameValues");
    json_t *out = json_object();
    if (list && !json_is_null(list) &&
        (!json_is_array(list) || json_array_size(list) > RECO_GRAVITY_NAMES_MAX)) {
        reco_error_set(err, 400, "invalid_field",
                       "%s.nameValues: must be a list of at most %d {\"name\",\"value\"}", where,
                       RECO_GRAVITY_NAMES_MAX);
        json_decref(out);
        return NULL;
    }
    for (size_t i = 0; out && i < json_array_size(list); i++) {
        char at[64];
        snprintf(at, sizeof at, "%s.nameValues[%zu]", where, i);
        if (reco_gravity_collect_name_value(json_array_get(list, i), at, out, err) != 0) {
            json_decref(out);
            out = NULL;
        }
    }
    return out;
}

/* ---- events ---- */

/* Gravity's event types and the built-in types they are; the first row of a built-in type is
 * how it is named back (getEvents). Other Gravity types are custom actions, lower-cased. */
static const struct {
    const char *gravity, *native;
} EVENT_TYPES[] = {
    {"VIEW", "view"},        {"BUY", "purchase"},
    {"ADD_TO_CART", "cart"}, {"RATING", "rating"},
    {"REC_CLICK", "click"},  {"ADD_TO_FAVORITES", "bookmark"},
    {"CLICK", "click"},      {"ADD_TO_WISHLIST", "bookmark"},
};
#define EVENT_TYPE_COUNT (sizeof EVENT_TYPES / sizeof EVENT_TYPES[0])

/* The native type of a Gravity type into buf; -1 when it cannot name an action. */
static int native_type(const char *gravity, char *buf, size_t n)
{
    for (size_t i = 0; i < EVENT_TYPE_COUNT; i++)
        if (strcmp(gravity, EVENT_TYPES[i].gravity) == 0) {
            snprintf(buf, n, "%s", EVENT_TYPES[i].native);
            return 0;
        }
    size_t len = strlen(gravity);
    if (len == 0 || len >= n) return -1;
    for (size_t i = 0; i <= len; i++)
        buf[i] = (char)tolower((unsigned char)gravity[i]);
    return reco_valid_action_name(buf) ? 0 : -1;
}

static void gravity_type(const char *native, char *buf, size_t n)
{
    for (size_t i = 0; i < EVENT_TYPE_COUNT; i++)
        if (strcmp(native, EVENT_TYPES[i].native) == 0) {
            snprintf(buf, n, "%s", EVENT_TYPES[i].gravity);
            return;
        }
    size_t i = 0;
    for (; native[i] && i + 1 < n; i++)
        buf[i] = (char)toupper((unsigned char)native[i]);
    buf[i] = '\0';
}

/* A number from a JSON number or a numeric text. */
static int number_of(const json_t *v, double *out)
{
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return isfinite(*out) ? 0 : -1;
    }
    const char *s = json_string_value(v);
    char *end = NULL;
    if (!s || !*s) return -1;
    *out = strtod(s, &end);
    return *end == '\0' && isfinite(*out) ? 0 : -1;
}

/* The nameValues Gravity documents for events, and the event fields they are. */
static const struct {
    const char *name, *field;
    char kind; /* 'n' number, 'i' whole number, 's' id text */
} EVENT_NAME_VALUES[] = {
    {"unitPrice", "price", 'n'}, {"quantity", "quantity", 'i'},    {"orderId", "order", 's'},
    {"value", "value", 'n'},     {"recId", "recommendation", 's'},
};
#define EVENT_NAME_VALUE_COUNT (sizeof EVENT_NAME_VALUES / sizeof EVENT_NAME_VALUES[0])

/* Moves the documented nameValues of nv into out's fields; the rest become out.properties. */
static int event_name_values(json_t *nv, json_t *out, const char *where, reco_error_t *err)
{
    for (size_t k = 0; k < EVENT_NAME_VALUE_COUNT; k++) {
        json_t *v = json_object_get(nv, EVENT_NAME_VALUES[k].name);
        if (!v) continue;
        double d = 0;
        char kind = EVENT_NAME_VALUES[k].kind;
        int ok = kind == 's' ? json_is_string(v) : number_of(v, &d) == 0;
        if (ok && kind == 'i') ok = d == floor(d) && d >= 1 && d <= RECO_QUANTITY_MAX;
        if (!ok) {
            reco_error_set(err, 400, "invalid_field", "%s.nameValues %s: must be %s", where,
                           EVENT_NAME_VALUES[k].name,
                           kind == 's'   ? "one text"
                           : kind == 'i' ? "a whole number from 1 to 1000000"
                                         : "a number");
            return -1;
        }
        json_object_set_new(out, EVENT_NAME_VALUES[k].field,
                            kind == 's'   ? json_incref(v)
                            : kind == 'i' ? json_integer((json_int_t)d)
                                          : json_real(d));
        json_object_del(nv, EVENT_NAME_VALUES[k].name);
    }
    if (json_object_size(nv) > 0) json_object_set(out, "properties", nv);
    return 0;
}

static json_t *event_from_gravity(const json_t *ev, const char *where, reco_error_t *err)
{
    json_t *item = json_object_get(ev, "itemId"), *user = json_object_get(ev, "userId");
    json_t *cookie = json_object_get(ev, "cookieId"), *time = json_object_get(ev, "time");
    json_t *rec = json_object_get(ev, "recommendationId");
    const char *type = json_string_value(json_object_get(ev, "eventType"));
    char native[RECO_ACTION_NAME_MAX + 1];
    if (!json_is_object(ev)) {
        reco_error_set(err, 400, "invalid_field", "%s: an event must be a JSON object", where);
        return NULL;
    }
    if (json_is_null(user)) user = NULL;
    if (json_is_null(cookie)) cookie = NULL;
    const char *missing = !item              ? "itemId"
                          : !type            ? "eventType"
                          : !user && !cookie ? "userId"
                                             : NULL;
    if (missing) {
        reco_error_set(err, 400, "missing_field", "%s.%s: required%s", where, missing,
                       !type && item
                           ? " (VIEW, BUY, ADD_TO_CART, RATING, REC_CLICK, ADD_TO_FAVORITES or a "
                             "registered action)"
                       : *missing == 'u' ? " (or a cookieId for an anonymous visitor)"
                                         : "");
        return NULL;
    }
    if (native_type(type, native, sizeof native) != 0) {
        reco_error_set(err, 400, "unknown_event_type",
                       "%s.eventType: '%.40s' is not a Gravity event type nor an action name (A-Z, "
                       "0-9, _ and -, up "
                       "to %d)",
                       where, type, RECO_ACTION_NAME_MAX);
        return NULL;
    }
    json_t *out =
        json_pack("{s:O, s:O, s:s}", "item", item, "user", user ? user : cookie, "type", native);
    if (cookie) json_object_set(out, "session", cookie);
    if (time && !json_is_null(time)) json_object_set(out, "timestamp", time);
    if (rec && !json_is_null(rec)) json_object_set(out, "recommendation", rec);
    json_t *nv = out ? collect_name_values(ev, where, err) : NULL;
    if (!nv || event_name_values(nv, out, where, err) != 0) {
        json_decref(out);
        out = NULL;
    }
    json_decref(nv);
    return out;
}

/* ---- items and users ---- */

static json_t *item_from_gravity(const json_t *it, const char *where, reco_error_t *err)
{
    if (!json_is_object(it) || !json_object_get(it, "itemId")) {
        reco_error_set(
            err, 400, json_is_object(it) ? "missing_field" : "invalid_field", "%s%s", where,
            json_is_object(it) ? ".itemId: required" : ": an item must be a JSON object");
        return NULL;
    }
    json_t *attrs = collect_name_values(it, where, err);
    if (!attrs) return NULL;
    json_t *out = json_pack("{s:O}", "id", json_object_get(it, "itemId"));
    static const char *const own[] = {"title", "hidden"};
    for (size_t i = 0; i < 2; i++) {
        json_t *v = json_object_get(it, own[i]);
        if (v && !json_is_null(v)) json_object_set(out, own[i], v);
    }
    static const char *const kept[] = {"itemType", "fromDate",
                                       "toDate"}; /* rendered back as they came */
    for (size_t i = 0; i < 3; i++) {
        json_t *v = json_object_get(it, kept[i]);
        if (v && !json_is_null(v)) json_object_set(attrs, kept[i], v);
    }
    json_t *paths = json_object_get(attrs, "categoryPath");
    if (paths) {
        json_object_set_new(out, "categories",
                            json_is_array(paths) ? json_incref(paths) : json_pack("[O]", paths));
        json_object_del(attrs, "categoryPath");
    }
    if (json_object_size(attrs) > 0) json_object_set(out, "attributes", attrs);
    json_decref(attrs);
    return out;
}

static json_t *user_from_gravity(const json_t *u, const char *where, reco_error_t *err)
{
    if (!json_is_object(u) || !json_object_get(u, "userId")) {
        reco_error_set(err, 400, json_is_object(u) ? "missing_field" : "invalid_field", "%s%s",
                       where,
                       json_is_object(u) ? ".userId: required" : ": a user must be a JSON object");
        return NULL;
    }
    json_t *attrs = collect_name_values(u, where, err);
    json_t *hidden = json_object_get(u, "hidden");
    if (attrs && hidden && !json_is_null(hidden)) json_object_set(attrs, "hidden", hidden);
    return attrs ? json_pack("{s:O, s:o}", "id", json_object_get(u, "userId"), "attributes", attrs)
                 : NULL;
}

/* ---- the write methods ---- */

typedef json_t *(*convert_fn)(const json_t *element, const char *where, reco_error_t *err);
typedef json_t *(*normalize_fn)(const json_t *body, reco_error_t *err);

static json_t *events_normalize(const json_t *body, reco_error_t *err)
{
    return reco_events_normalize(body, reco_now_ms(), NULL, NULL, err);
}

typedef struct {
    const char *list;  /* the body's name in errors: events, items, users */
    const char *field; /* the op's args field */
    const char *op;
    convert_fn convert;
    normalize_fn normalize; /* the native check of the converted list */
} write_t;

static const write_t WRITE_EVENTS = {"events", "events", "events.add", event_from_gravity,
                                     events_normalize};
static const write_t WRITE_ITEMS = {"items", "items", "items.upsert", item_from_gravity,
                                    reco_items_normalize};
static const write_t WRITE_USERS = {"users", "users", "users.upsert", user_from_gravity,
                                    reco_users_normalize};

/* The body (an array, or one object) converted and checked natively; NULL after answering. */
static json_t *read_write_body(reco_gateway_t *gw, struct evhttp_request *req, const write_t *w)
{
    reco_error_t err;
    json_t *body = reco_http_read_json(req, reco_gravity_body_max(gw), &err);
    json_t *in = json_is_object(body) ? json_pack("[O]", body) : json_incref(body);
    size_t n = json_array_size(in);
    json_t *converted = NULL, *out = NULL;
    if (body && (!json_is_array(in) || n == 0 || n > RECO_BATCH_MAX))
        reco_error_set(&err, 400, n > RECO_BATCH_MAX ? "too_many" : "invalid_body",
                       "body: must be a list of 1 to %d %s", RECO_BATCH_MAX, w->list);
    else if (body)
        converted = json_array();
    for (size_t i = 0; converted && i < n; i++) {
        char where[40];
        snprintf(where, sizeof where, "%s[%zu]", w->list, i);
        json_t *one = w->convert(json_array_get(in, i), where, &err);
        if (!one || json_array_append_new(converted, one) != 0)
            json_decref(converted), converted = NULL;
    }
    if (converted) out = w->normalize(converted, &err);
    json_decref(converted);
    json_decref(in);
    json_decref(body);
    if (!out) reco_http_send_reco_error(req, &err);
    return out;
}

typedef struct {
    char op[32];
    char tenant[RECO_TENANT_MAX + 1];
} async_write_t;

static void on_async_write(void *arg, const reco_reply_t *reply)
{
    async_write_t *w = arg;
    if (reply->error.status)
        reco_warn("gravity async %s for tenant %s failed after 200: %d %s: %s", w->op, w->tenant,
                  reply->error.status, reply->error.code, reply->error.message);
    free(w);
}

/* Success is Gravity's empty 200; errors stay errors. */
static void render_empty(struct evhttp_request *req, const reco_reply_t *reply, void *ctx)
{
    (void)ctx;
    if (reply->error.status)
        reco_http_send_reco_error(req, &reply->error);
    else
        reco_gravity_send_empty(req);
}

static void post_write(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                       const char *tenant, const write_t *w)
{
    int async = 0;
    if (reco_param_bool(req, path, "async", &async) < 0) return;
    json_t *list = read_write_body(gw, req, w);
    if (!list) return;
    json_t *args = json_pack("{s:o}", w->field, list);
    if (!async) {
        reco_http_forward(gw, req, RECO_POOL_INGEST, tenant, w->op, args, render_empty, NULL);
        return;
    }
    /* Gravity's async answers an empty 200 at once (the native one answers 202 {"queued"}) */
    reco_error_t err;
    async_write_t *call = calloc(1, sizeof *call);
    if (call) {
        snprintf(call->op, sizeof call->op, "%s", w->op);
        snprintf(call->tenant, sizeof call->tenant, "%s", tenant);
    }
    if (!call) {
        json_decref(args);
        reco_http_send_error(req, 500, "internal", "out of memory");
    } else if (reco_broker_submit(gw->broker, RECO_POOL_INGEST, tenant, w->op, args, on_async_write,
                                  call, &err) != 0) {
        free(call);
        reco_http_send_reco_error(req, &err);
    } else {
        reco_gravity_send_empty(req);
    }
}

static void add_events(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                       const char *tenant)
{
    post_write(gw, req, path, tenant, &WRITE_EVENTS);
}

static void add_items(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                      const char *tenant)
{
    post_write(gw, req, path, tenant, &WRITE_ITEMS);
}

static void add_users(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                      const char *tenant)
{
    post_write(gw, req, path, tenant, &WRITE_USERS);
}

/* ---- privacy ---- */

typedef struct {
    reco_gateway_t *gw;
    char tenant[RECO_TENANT_MAX + 1];
    char id[RECO_ID_MAX + 1];     /* the userId, or the cookieId when only it was given */
    char cookie[RECO_ID_MAX + 1]; /* the cookieId, "" if none */
    int by_cookie;
    int pages;
    json_t *events; /* getEvents: collected so far, newest first */
} privacy_t;

/* The visitor of ?userId=|cookieId= as a new context, or NULL after answering 400. */
static privacy_t *privacy_new(reco_gateway_t *gw, struct evhttp_request *req,
                              const reco_path_t *path, const char *tenant)
{
    const char *user = reco_path_param(path, "userId"), *cookie = reco_path_param(path, "cookieId");
    const char *bad = !user && !cookie ? "userId" : NULL;
    if (!bad && user && !reco_valid_id(user, strlen(user))) bad = "userId";
    if (!bad && cookie && !reco_valid_id(cookie, strlen(cookie))) bad = "cookieId";
    if (bad) {
        reco_http_send_error(
            req, 400, user || cookie ? "invalid_field" : "missing_field", "%s: %s", bad,
            user || cookie ? "must be 1 to 256 bytes of text without control characters"
                           : "give userId or cookieId");
        return NULL;
    }
    privacy_t *p = calloc(1, sizeof *p);
    if (!p) {
        reco_http_send_error(req, 500, "internal", "out of memory");
        return NULL;
    }
    p->gw = gw;
    p->by_cookie = !user;
    snprintf(p->tenant, sizeof p->tenant, "%s", tenant);
    snprintf(p->id, sizeof p->id, "%s", user ? user : cookie);
    snprintf(p->cookie, sizeof p->cookie, "%s", cookie ? cookie : "");
    return p;
}

static void privacy_free(privacy_t *p)
{
    if (p) json_decref(p->events);
    free(p);
}

/* Forwards op for p with render; frees p when the broker refused (the error is answered). */
static void privacy_forward(privacy_t *p, struct evhttp_request *req, reco_pool_t pool,
                            const char *op, json_t *args, reco_render_fn render)
{
    if (reco_http_forward(p->gw, req, pool, p->tenant, op, args, render, p) != 0) privacy_free(p);
}

static void render_user(struct evhttp_request *req, const reco_reply_t *reply, void *ctx)
{
    privacy_t *p = ctx;
    if (reply->error.status && reply->error.status != 404) {
        reco_http_send_reco_error(req, &reply->error);
        privacy_free(p);
        return;
    }
    /* nothing stored about the visitor: an empty profile, not an error */
    json_t *attrs = reply->error.status ? NULL : json_object_get(reply->body, "attributes");
    json_t *nv = json_array();
    const char *name;
    json_t *v;
    json_object_foreach(attrs, name, v) if (strcmp(name, "hidden") != 0)
        reco_gravity_append_name_values(nv, name, v);
    json_t *out = json_pack("{s:s, s:b, s:o}", "userId", p->id, "hidden",
                            json_is_true(json_object_get(attrs, "hidden")), "nameValues", nv);
    if (out && p->by_cookie) json_object_set_new(out, "cookieId", json_string(p->id));
    reco_http_send_json(req, 200, out);
    privacy_free(p);
}

static void get_user(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                     const char *tenant)
{
    privacy_t *p = privacy_new(gw, req, path, tenant);
    if (p)
        privacy_forward(p, req, RECO_POOL_QUERY, "users.get", json_pack("{s:s}", "user", p->id),
                        render_user);
}

/* One stored event (docs/protocol.md, events.list) in Gravity's shape. */
static json_t *event_to_gravity(const json_t *e)
{
    char type[RECO_ACTION_NAME_MAX + 1];
    gravity_type(json_string_value(json_object_get(e, "type"))
                     ? json_string_value(json_object_get(e, "type"))
                     : "",
                 type, sizeof type);
    json_t *nv = json_array();
    for (size_t k = 0; k < EVENT_NAME_VALUE_COUNT; k++)
        reco_gravity_append_name_values(nv, EVENT_NAME_VALUES[k].name,
                                        json_object_get(e, EVENT_NAME_VALUES[k].field));
    const char *name;
    json_t *v;
    json_object_foreach(json_object_get(e, "properties"), name, v)
        reco_gravity_append_name_values(nv, name, v);
    json_t *session = json_object_get(e, "session"), *rec = json_object_get(e, "recommendation");
    return json_pack(
        "{s:O, s:O, s:O, s:I, s:s, s:o, s:O}", "itemId", json_object_get(e, "item"), "userId",
        json_object_get(e, "user"), "cookieId", session ? session : json_null(), "time",
        (json_int_t)(json_integer_value(json_object_get(e, "timestamp")) / 1000), "eventType", type,
        "nameValues", nv, "recommendationId", rec ? rec : json_null());
}

static void render_events(struct evhttp_request *req, const reco_reply_t *reply, void *ctx)
{
    privacy_t *p = ctx;
    if (reply->error.status) {
        reco_http_send_reco_error(req, &reply->error);
        privacy_free(p);
        return;
    }
    json_array_extend(p->events, json_object_get(reply->body, "events"));
    const char *next = json_string_value(json_object_get(reply->body, "next"));
    if (next && ++p->pages < GETEVENTS_PAGES) {
        privacy_forward(
            p, req, RECO_POOL_QUERY, "events.list",
            json_pack("{s:s, s:i, s:s}", "user", p->id, "limit", GETEVENTS_PAGE, "cursor", next),
            render_events);
        return;
    }
    json_t *out = json_array();
    for (size_t i = json_array_size(p->events);
         out && i-- > 0;) /* oldest first, as Gravity lists them */
        json_array_append_new(out, event_to_gravity(json_array_get(p->events, i)));
    reco_http_send_json(req, 200, out);
    privacy_free(p);
}

static void get_events(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                       const char *tenant)
{
    privacy_t *p = privacy_new(gw, req, path, tenant);
    if (p && !(p->events = json_array())) {
        privacy_free(p);
        reco_http_send_error(req, 500, "internal", "out of memory");
        return;
    }
    if (p)
        privacy_forward(p, req, RECO_POOL_QUERY, "events.list",
                        json_pack("{s:s, s:i}", "user", p->id, "limit", GETEVENTS_PAGE),
                        render_events);
}

/* optOut's last step (events.delete by session) or its only one. */
static void render_opt_out_done(struct evhttp_request *req, const reco_reply_t *reply, void *ctx)
{
    render_empty(req, reply, NULL);
    privacy_free(ctx);
}

/* After users.delete: the cookie's events too when a cookieId came with the userId. */
static void render_opt_out_user(struct evhttp_request *req, const reco_reply_t *reply, void *ctx)
{
    privacy_t *p = ctx;
    if (reply->error.status || !p->cookie[0]) {
        render_opt_out_done(req, reply, ctx);
        return;
    }
    privacy_forward(p, req, RECO_POOL_INGEST, "events.delete",
                    json_pack("{s:s}", "session", p->cookie), render_opt_out_done);
}

static void opt_out(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                    const char *tenant)
{
    privacy_t *p = privacy_new(gw, req, path, tenant);
    if (p && p->by_cookie)
        privacy_forward(p, req, RECO_POOL_INGEST, "events.delete",
                        json_pack("{s:s}", "session", p->cookie), render_opt_out_done);
    else if (p)
        privacy_forward(p, req, RECO_POOL_INGEST, "users.delete", json_pack("{s:s}", "user", p->id),
                        render_opt_out_user);
}

/* ---- routing ---- */

typedef void (*method_fn)(reco_gateway_t *, struct evhttp_request *, const reco_path_t *,
                          const char *);

static const struct {
    const char *name;
    const char *allow; /* "GET", "POST" or "GET, POST" */
    method_fn handle;
} METHODS[] = {
    {"addEvents", "POST", add_events},
    {"addItems", "POST", add_items},
    {"updateItems", "POST", add_items},
    {"addUsers", "POST", add_users},
    {"getItemRecommendation", "GET, POST", reco_gravity_get_recommendation},
    {"getItemRecommendationBulk", "POST", reco_gravity_get_recommendation_bulk},
    {"getUser", "GET", get_user},
    {"getEvents", "GET", get_events},
    {"optOut", "GET, POST", opt_out},
};
#define METHOD_COUNT (sizeof METHODS / sizeof METHODS[0])

void reco_compat_gravity(reco_gateway_t *gw, struct evhttp_request *req, reco_path_t *path)
{
    if (path->n < 3 || !reco_valid_tenant(path->seg[2])) {
        reco_http_send_error(
            req, path->n < 3 ? 404 : 400, path->n < 3 ? "not_found" : "invalid_field",
            "tenant: the base URL is /compat/gravity/{tenant} (1 to 64 of A-Z, a-z, 0-9, _ and -)");
        return;
    }
    for (size_t i = 0; path->n == 4 && i < METHOD_COUNT; i++) {
        if (strcmp(path->seg[3], METHODS[i].name) != 0) continue;
        enum evhttp_cmd_type m = evhttp_request_get_command(req);
        int post = m == EVHTTP_REQ_POST, get = m == EVHTTP_REQ_GET;
        if ((post && strstr(METHODS[i].allow, "POST")) || (get && strstr(METHODS[i].allow, "GET")))
            METHODS[i].handle(gw, req, path, path->seg[2]);
        else
            reco_http_send_method_not_allowed(req, METHODS[i].allow);
        return;
    }
    reco_http_send_error(
        req, 404, "not_found",
        "no such Gravity method: %s (served: addEvents, addItems, updateItems, addUsers, "
        "getItemRecommendation, getItemRecommendationBulk, getUser, getEvents, optOut)",
        path->n == 4 ? path->seg[3] : "(none)");
}
