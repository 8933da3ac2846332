/* reco_compat_yoochoose_events — Yoochoose's tracking API on the native write ops (see the header).
 *
 *   GET|POST /compat/yoochoose/api/{customerid}/{event}/{userid}/{itemtypeid}/{itemid}
 *   GET|POST /compat/yoochoose/api/{customerid}/login/{sourceuserid}/{targetuserid}
 *
 *   event             native event (events.add)                      query parameters
 *   click             view                                           categorypath → properties
 *   buy               purchase; quantity, price                      quantity (default 1),
 * fullprice
 *                                                                    ("2.50EUR": price 2.5,
 * currency) basket            cart rate              rating, value = rating / 20 (0..100 → 0..5)
 * rating (required) consume           custom action "consume"                        percentage →
 * properties clickrecommended  click, recommendation = the answer's id        scenario (required),
 * recommendation rendered          custom action "rendered", one event per item   scenario,
 * recommendation
 *                     ({itemid} may be a comma-separated list)
 *   login             users.transfer {from: source, to: target}: the anonymous visitor's events
 *                     move to the account, as the native transfer route does by default
 *
 * Every event carries properties.itemtype (reco has one item id space; the type is kept, not used
 * to separate ids). consume and rendered are custom actions: when the tenant has not registered
 * them, the ingestor refuses the event (unknown_event_type), and this file registers the action
 * once with actions.put (consume weight 2, rendered weight 0: an impression is counted, not taken
 * as interest) and sends the events again. A tenant that registered them itself keeps its
 * weights. Success is 204 No Content, as Yoochoose's tracker answers; a 4xx has the native JSON
 * error body naming the Yoochoose parameter. */
#include "reco_compat_yoochoose_events.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reco_config.h"
#include "reco_validate.h"

#define YC_ITEM_TYPE_MAX 2147483647L
#define YC_RENDERED_MAX 100 /* item ids in one rendered event */
#define YC_CURRENCY_MAX 3

typedef int (*fill_fn)(struct evhttp_request *req, const reco_path_t *path, json_t *event);

typedef struct {
    const char *code;  /* Yoochoose's event name in the path */
    const char *type;  /* the native event type */
    double weight;     /* a custom action's weight when this file registers it; < 0: built in */
    fill_fn fill;      /* the event's own query parameters; NULL = none */
    int several_items; /* the item segment is a comma-separated list */
} event_kind_t;

typedef struct {
    reco_gateway_t *gw;
    char tenant[RECO_TENANT_MAX + 1];
    const event_kind_t *kind;
    json_t *events; /* owned: canonical events */
    int registered; /* the custom action was registered by this request: no second try */
} event_call_t;

static void call_free(event_call_t *c)
{
    if (c) json_decref(c->events);
    free(c);
}

/* Sets properties.<name> of event. */
static void set_property(json_t *event, const char *name, json_t *value)
{
    json_t *props = json_object_get(event, "properties");
    if (!props) json_object_set_new(event, "properties", props = json_object());
    json_object_set_new(props, name, value);
}

/* ---- each event's own parameters ---- */

static int fill_click(struct evhttp_request *req, const reco_path_t *path, json_t *event)
{
    (void)req;
    const char *categorypath = reco_path_param(path, "categorypath");
    if (categorypath && *categorypath)
        set_property(event, "categorypath", json_string(categorypath));
    return 0;
}

/* fullprice: a decimal price followed by an optional ISO 4217 code ("12.45EUR", "456JPY"). */
static int fill_buy(struct evhttp_request *req, const reco_path_t *path, json_t *event)
{
    long quantity = 1;
    if (reco_param_long(req, path, "quantity", 1, RECO_QUANTITY_MAX, &quantity) < 0) return -1;
    json_object_set_new(event, "quantity", json_integer(quantity));
    const char *fullprice = reco_path_param(path, "fullprice");
    if (!fullprice) return 0;
    char *end = NULL;
    double price = strtod(fullprice, &end);
    size_t currency = strlen(end);
    int ok = end != fullprice && isfinite(price) && price >= 0 && fullprice[0] >= '0' &&
             fullprice[0] <= '9' && (currency == 0 || currency == YC_CURRENCY_MAX);
    for (size_t i = 0; ok && i < currency; i++)
        ok = end[i] >= 'A' && end[i] <= 'Z';
    if (!ok) {
        reco_http_send_error(
            req, 400, "invalid_field",
            "fullprice: must be a price with a decimal point and an ISO 4217 currency code, e.g. "
            "2.50EUR");
        return -1;
    }
    json_object_set_new(event, "price", json_real(price));
    if (currency) set_property(event, "currency", json_string(end));
    return 0;
}

static int fill_rate(struct evhttp_request *req, const reco_path_t *path, json_t *event)
{
    long rating = 0;
    int found = reco_param_long(req, path, "rating", 0, 100, &rating);
    if (found < 0) return -1;
    if (found == 0) {
        reco_http_send_error(req, 400, "missing_field",
                             "rating: required, a whole number from 0 to 100");
        return -1;
    }
    json_object_set_new(event, "value", json_real((double)rating / 20.0));
    set_property(event, "rating", json_integer(rating));
    return 0;
}

static int fill_consume(struct evhttp_request *req, const reco_path_t *path, json_t *event)
{
    long percentage = 0;
    int found = reco_param_long(req, path, "percentage", 0, 100, &percentage);
    if (found > 0) set_property(event, "percentage", json_integer(percentage));
    return found < 0 ? -1 : 0;
}

/* scenario (required when required != 0) and the recommendation id of the answer. */
static int fill_recommended(struct evhttp_request *req, const reco_path_t *path, json_t *event,
                            int required)
{
    const char *scenario = reco_path_param(path, "scenario");
    const char *rid = reco_path_param(path, "recommendation");
    if ((required && !scenario) || (scenario && !reco_valid_id(scenario, strlen(scenario)))) {
        reco_http_send_error(req, 400, scenario ? "invalid_field" : "missing_field",
                             "scenario: %sthe scenario id the recommendation came from",
                             required ? "required, " : "");
        return -1;
    }
    if (rid && !reco_valid_id(rid, strlen(rid))) {
        reco_http_send_error(req, 400, "invalid_field",
                             "recommendation: must be the recommendation id of the answer");
        return -1;
    }
    if (scenario) set_property(event, "scenario", json_string(scenario));
    if (rid) json_object_set_new(event, "recommendation", json_string(rid));
    return 0;
}

static int fill_clickrecommended(struct evhttp_request *req, const reco_path_t *path, json_t *event)
{
    return fill_recommended(req, path, event, 1);
}

static int fill_rendered(struct evhttp_request *req, const reco_path_t *path, json_t *event)
{
    return fill_recommended(req, path, event, 0);
}

static const event_kind_t EVENTS[] = {
    {"click", "view", -1, fill_click, 0},
    {"buy", "purchase", -1, fill_buy, 0},
    {"basket", "cart", -1, NULL, 0},
    {"rate", "rating", -1, fill_rate, 0},
    {"consume", "consume", 2, fill_consume, 0},
    {"clickrecommended", "click", -1, fill_clickrecommended, 0},
    {"rendered", "rendered", 0, fill_rendered, 1},
};
#define EVENT_COUNT (sizeof EVENTS / sizeof EVENTS[0])

/* ---- sending ---- */

static void send_no_content(struct evhttp_request *req)
{
    evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
    evhttp_send_reply(req, 204, "No Content", NULL);
}

static void send_events(struct evhttp_request *req, event_call_t *c);

static void render_action(struct evhttp_request *req, const reco_reply_t *reply, void *arg)
{
    event_call_t *c = arg;
    if (reply->error.status) {
        reco_http_send_reco_error(req, &reply->error);
        call_free(c);
        return;
    }
    send_events(req, c);
}

static void render_events(struct evhttp_request *req, const reco_reply_t *reply, void *arg)
{
    event_call_t *c = arg;
    int unregistered =
        reply->error.status == 400 && strcmp(reply->error.code, "unknown_event_type") == 0;
    if (unregistered && c->kind->weight >= 0 && !c->registered) {
        c->registered = 1;
        json_t *args = json_pack("{s:s, s:f}", "name", c->kind->type, "weight", c->kind->weight);
        if (reco_http_forward(c->gw, req, RECO_POOL_INGEST, c->tenant, "actions.put", args,
                              render_action, c) != 0)
            call_free(c);
        return;
    }
    if (reply->error.status)
        reco_http_send_reco_error(req, &reply->error);
    else
        send_no_content(req);
    call_free(c);
}

/* events.add of c->events (kept for a second try). Takes c. */
static void send_events(struct evhttp_request *req, event_call_t *c)
{
    json_t *args = json_pack("{s:O}", "events", c->events);
    if (!args) {
        reco_http_send_error(req, 500, "internal", "out of memory");
        call_free(c);
    } else if (reco_http_forward(c->gw, req, RECO_POOL_INGEST, c->tenant, "events.add", args,
                                 render_events, c) != 0) {
        call_free(c);
    }
}

/* ---- routes ---- */

/* The events of one tracking request, canonical; NULL after answering 400. segs: customer,
 * event, user, itemtypeid, itemid(s). */
static json_t *build_events(struct evhttp_request *req, const reco_path_t *path,
                            const event_kind_t *kind, char *const *segs)
{
    long item_type = 0;
    if (!reco_valid_id(segs[2], strlen(segs[2]))) {
        reco_http_send_error(req, 400, "invalid_field",
                             "userid: must be 1 to %d bytes of UTF-8 without control characters",
                             RECO_ID_MAX);
        return NULL;
    }
    if (reco_parse_long(segs[3], 1, YC_ITEM_TYPE_MAX, &item_type) != 0) {
        reco_http_send_error(req, 400, "invalid_field",
                             "itemtypeid: must be a whole number from 1 to %ld", YC_ITEM_TYPE_MAX);
        return NULL;
    }
    json_t *events = json_array(),
           *model = json_pack("{s:s, s:s, s:{s:I}}", "user", segs[2], "type", kind->type,
                              "properties", "itemtype", (json_int_t)item_type);
    if (!events || !model || (kind->fill && kind->fill(req, path, model) != 0)) {
        if (!events || !model) reco_http_send_error(req, 500, "internal", "out of memory");
        json_decref(events), json_decref(model);
        return NULL;
    }
    int ok = 1;
    for (const char *p = segs[4]; ok;) {
        size_t len = kind->several_items ? strcspn(p, ",") : strlen(p);
        ok = len > 0 && reco_valid_id(p, len) && json_array_size(events) < YC_RENDERED_MAX;
        json_t *event = ok ? json_deep_copy(model) : NULL;
        if (event) json_object_set_new(event, "item", json_stringn(p, len));
        if (event) json_array_append_new(events, event);
        if (!ok || p[len] == '\0') break;
        p += len + 1;
    }
    json_decref(model);
    reco_error_t err;
    json_t *canonical = ok ? reco_events_normalize(events, reco_now_ms(), NULL, NULL, &err) : NULL;
    json_decref(events);
    if (!ok)
        reco_http_send_error(
            req, 400, "invalid_field", "itemid: must be %s of 1 to %d bytes of UTF-8",
            kind->several_items ? "1 to 100 comma-separated item ids" : "an item id", RECO_ID_MAX);
    else if (!canonical)
        reco_http_send_reco_error(req, &err);
    return canonical;
}

static void post_login(reco_gateway_t *gw, struct evhttp_request *req, const char *tenant,
                       const char *from, const char *to)
{
    if (!reco_valid_id(from, strlen(from)) || !reco_valid_id(to, strlen(to))) {
        reco_http_send_error(req, 400, "invalid_field",
                             "%s: must be 1 to %d bytes of UTF-8 without control characters",
                             reco_valid_id(from, strlen(from)) ? "targetuserid" : "sourceuserid",
                             RECO_ID_MAX);
        return;
    }
    if (strcmp(from, to) == 0) { /* already the same user: nothing to correlate */
        send_no_content(req);
        return;
    }
    event_call_t *c = calloc(1, sizeof *c);
    static const event_kind_t login = {"login", "login", -1, NULL, 0};
    if (!c) {
        reco_http_send_error(req, 500, "internal", "out of memory");
        return;
    }
    c->gw = gw;
    c->kind = &login;
    snprintf(c->tenant, sizeof c->tenant, "%s", tenant);
    json_t *args = json_pack("{s:s, s:s, s:b}", "from", from, "to", to, "keep", 0);
    if (reco_http_forward(gw, req, RECO_POOL_INGEST, tenant, "users.transfer", args, render_events,
                          c) != 0)
        call_free(c);
}

void reco_yoochoose_event(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                          char *const *segs, int n)
{
    enum evhttp_cmd_type method = evhttp_request_get_command(req);
    if (method != EVHTTP_REQ_GET && method != EVHTTP_REQ_POST) {
        reco_http_send_method_not_allowed(req, "GET, POST");
        return;
    }
    const event_kind_t *kind = NULL;
    for (size_t i = 0; n >= 2 && i < EVENT_COUNT && !kind; i++)
        if (strcmp(segs[1], EVENTS[i].code) == 0) kind = &EVENTS[i];
    int login = n >= 2 && strcmp(segs[1], "login") == 0;
    if ((!kind && !login) || (kind && n != 5) || (login && n != 4)) {
        reco_http_send_error(
            req, 404, "not_found",
            "no such Yoochoose event: served are /api/{customerid}/{click|buy|basket|rate|consume|"
            "clickrecommended|rendered}/{userid}/{itemtypeid}/{itemid} and "
            "/api/{customerid}/login/{sourceuserid}/{targetuserid}");
        return;
    }
    if (!reco_valid_tenant(segs[0])) {
        reco_http_send_error(req, 400, "invalid_field",
                             "customerid: must be 1 to %d characters of A-Z, a-z, 0-9, _ and -",
                             RECO_TENANT_MAX);
        return;
    }
    if (login) {
        post_login(gw, req, segs[0], segs[2], segs[3]);
        return;
    }
    json_t *events = build_events(req, path, kind, segs);
    event_call_t *c = events ? calloc(1, sizeof *c) : NULL;
    if (events && !c) {
        json_decref(events);
        reco_http_send_error(req, 500, "internal", "out of memory");
        return;
    }
    if (!c) return;
    c->gw = gw;
    c->kind = kind;
    c->events = events;
    snprintf(c->tenant, sizeof c->tenant, "%s", segs[0]);
    send_events(req, c);
}
