/* reco_compat_yoochoose — the Yoochoose dialect (seed 004; docs/dialects.md, "Yoochoose"):
 * recommendations by scenario in Yoochoose's URL and JSON shapes. The tracking events that a
 * Yoochoose shop sends (and that the `links` of an answer point at) are in
 * reco_compat_yoochoose_events.c; this file also dispatches to them.
 *
 *   GET /compat/yoochoose/api/v2/{customerid}/{userid}/{scenarioid}.json|.jsonp
 *   GET /compat/yoochoose/api/{customerid}/{userid}/{scenarioid}.json|.jsonp   (the old API)
 *   GET /compat/yoochoose/ebl/{customerid}/{userid}/{scenarioid}.json|.jsonp   (the seed's example)
 *       → op recommend.scenario {scenario, user, limit, items, categories, attributes}
 *
 * The customer id is the tenant, the scenario a native scenario (PUT /v1/{T}/scenarios/{id}).
 * A history code in `contextitems` (CLICK, BUY, BASKET, RATE, CONSUME) is resolved first with the
 * native op events.list {user, type} (the user's recent events of that kind, newest first), whose
 * distinct items become the context; the answer names the code as `source`. Nothing is decided
 * here that the native scenario route decides: the chain, filters, exclusions, viewers and the
 * recommendation id all come from the worker; this file only renames and reshapes.
 *
 * Caching: Last-Modified / Expires / 304 and JSONP through reco_http_cache (private: every
 * answer is for one user). Errors keep the native JSON error body (Yoochoose documents its error
 * bodies as human-readable text not meant for parsing); a JSONP request's worker errors are
 * wrapped in the callback like its answers.
 *
 * Ownership: a yc_call_t is allocated per request, carries copies of everything the later
 * callbacks need (the path is freed when the handler returns), and is freed by the last callback
 * (or here, when the broker refuses the request). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include "reco_compat.h"
#include "reco_compat_yoochoose_events.h"
#include "reco_http_cache.h"
#include "reco_scenario.h"
#include "reco_validate.h"

#define YC_URI_MAX 8192       /* longer request URIs get 414 */
#define YC_NUMRECS_DEFAULT 10 /* Yoochoose's default, whatever the scenario's limit */
#define YC_NUMRECS_MAX 50
#define YC_ITEM_TYPE_MAX 2147483647L
#define YC_ATTRIBUTES_MAX 20
#define YC_HISTORY_EVENTS 100 /* events read to find the context of a history code */
#define YC_HOST_MAX 255
#define YC_NAME_MAX 64 /* attribute names */

/* History codes of `contextitems` and the native event types they read. */
static const struct {
    const char *code, *type;
} HISTORY[] = {{"CLICK", "view"},
               {"BUY", "purchase"},
               {"BASKET", "cart"},
               {"RATE", "rating"},
               {"CONSUME", "consume"}};
#define HISTORY_COUNT (sizeof HISTORY / sizeof HISTORY[0])

typedef struct {
    reco_gateway_t *gw;
    char tenant[RECO_TENANT_MAX + 1];
    char scenario[RECO_SCENARIO_ID_MAX + 1];
    char source[16];          /* "REQUEST", or the history code */
    const char *history_type; /* static: the native type of the history code; NULL = none */
    long item_type;
    int recommend_category;
    json_t *request;    /* owned: recommend.scenario args */
    json_t *attributes; /* owned: the attribute names asked for (array) */
    char *link_base;    /* owned: "//host/compat/yoochoose/api/<customer>" */
    char *user_enc;     /* owned: the user id, URL-encoded */
    reco_http_cache_t cache;
} yc_call_t;

static void call_free(yc_call_t *c)
{
    if (!c) return;
    json_decref(c->request);
    json_decref(c->attributes);
    free(c->link_base);
    free(c->user_enc);
    free(c);
}

/* ---- output helpers ---- */

/* An id as Yoochoose prints it: a number when it is one (up to 15 digits, no leading zero),
 * else the text (alphanumeric ids). */
static json_t *id_json(const char *id)
{
    size_t len = strlen(id);
    int numeric = len > 0 && len <= 15 && (id[0] != '0' || len == 1);
    for (size_t i = 0; numeric && i < len; i++)
        numeric = isdigit((unsigned char)id[i]);
    return numeric ? json_integer(strtoll(id, NULL, 10)) : json_string(id);
}

/* A worker error, in the callback of a JSONP request. */
static void send_error_as(struct evhttp_request *req, const yc_call_t *c, int status,
                          const char *code, const char *message)
{
    reco_http_send_json_as(req, status,
                           json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message),
                           c->cache.callback[0] ? c->cache.callback : NULL, NULL);
}

/* A value as Yoochoose's attribute value list: strings as they are, numbers and booleans as
 * text, arrays element by element, objects as compact JSON. */
static json_t *attribute_values(const json_t *v)
{
    json_t *out = json_array();
    size_t n = json_is_array(v) ? json_array_size(v) : 1;
    for (size_t i = 0; out && i < n; i++) {
        const json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
        if (json_is_null(e)) continue;
        char *text = json_is_string(e)
                         ? NULL
                         : json_dumps(e, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
        json_array_append_new(out, text ? json_string(text) : json_incref((json_t *)e));
        free(text);
    }
    return out;
}

/* [{key, value: [...]}...] of the names asked for that the item has. */
static json_t *attributes_json(const yc_call_t *c, const json_t *values)
{
    json_t *out = json_array();
    for (size_t i = 0; out && i < json_array_size(c->attributes); i++) {
        const char *name = json_string_value(json_array_get(c->attributes, i));
        json_t *v = json_object_get(values, name);
        if (!v || json_is_null(v)) continue;
        json_array_append_new(out,
                              json_pack("{s:s, s:o}", "key", name, "value", attribute_values(v)));
    }
    return out;
}

/* Segments two '/'-separated paths share from the start. */
static size_t common_segments(const char *a, const char *b)
{
    size_t n = 0;
    while (*a && *b) {
        size_t la = strcspn(a, "/"), lb = strcspn(b, "/");
        if (la != lb || strncmp(a, b, la) != 0) break;
        n++;
        a += la + (a[la] == '/');
        b += lb + (b[lb] == '/');
    }
    return n;
}

/* recommendCategory: of an item's category paths, the one closest to the request's (most
 * leading segments in common with one of them); NULL unless the item has several paths and one
 * is closer than the others. */
static const char *closest_category(const yc_call_t *c, const json_t *paths)
{
    const json_t *wanted = json_object_get(c->request, "categories");
    if (json_array_size(paths) < 2 || json_array_size(wanted) == 0) return NULL;
    const char *best = NULL;
    size_t best_score = 0;
    int tie = 0;
    for (size_t i = 0; i < json_array_size(paths); i++) {
        const char *p = json_string_value(json_array_get(paths, i));
        size_t score = 0;
        for (size_t k = 0; p && k < json_array_size(wanted); k++) {
            size_t s = common_segments(p, json_string_value(json_array_get(wanted, k)));
            if (s > score) score = s;
        }
        if (score > best_score)
            best = p, best_score = score, tie = 0;
        else if (score == best_score && score > 0)
            tie = 1;
    }
    return tie ? NULL : best;
}

/* "<link_base>/<event>/<user>/<type>/<item>?scenario=<s>&recommendation=<id>" */
static json_t *link(const yc_call_t *c, const char *event, const char *item, const char *rid)
{
    char *item_enc = evhttp_uriencode(item, -1, 0);
    char *text = NULL;
    int n = item_enc ? asprintf(&text, "%s/%s/%s/%ld/%s?scenario=%s%s%s", c->link_base, event,
                                c->user_enc, c->item_type, item_enc, c->scenario,
                                rid ? "&recommendation=" : "", rid ? rid : "")
                     : -1;
    free(item_enc);
    json_t *out = n >= 0 ? json_string(text) : NULL;
    if (n >= 0) free(text);
    return out;
}

/* {itemIds, itemType, source} of the context, or NULL without context items. */
static json_t *origin_json(const yc_call_t *c)
{
    const json_t *items = json_object_get(c->request, "items");
    if (json_array_size(items) == 0) return NULL;
    json_t *ids = json_array();
    for (size_t i = 0; ids && i < json_array_size(items); i++)
        json_array_append_new(ids, id_json(json_string_value(json_array_get(items, i))));
    return json_pack("{s:o, s:I, s:s}", "itemIds", ids, "itemType", (json_int_t)c->item_type,
                     "source", c->source);
}

/* One recommendationItems entry from a worker entry {item, score, model, attributes?}. */
static json_t *recommendation_json(const yc_call_t *c, const json_t *entry, const char *rid)
{
    const char *item = json_string_value(json_object_get(entry, "item"));
    if (!item) return NULL;
    json_t *values = json_object_get(entry, "attributes");
    json_t *out = json_pack("{s:O, s:I, s:o}", "relevance", json_object_get(entry, "score"),
                            "itemType", (json_int_t)c->item_type, "itemId", id_json(item));
    json_t *origin = origin_json(c);
    if (out && origin) json_object_set_new(out, "origin", origin);
    const char *category =
        c->recommend_category ? closest_category(c, json_object_get(values, "categories")) : NULL;
    if (out && category) json_object_set_new(out, "category", json_string(category));
    if (out)
        json_object_set_new(out, "links",
                            json_pack("{s:o?, s:o?}", "clickRecommended",
                                      link(c, "clickrecommended", item, rid), "rendered",
                                      link(c, "rendered", item, rid)));
    if (out && json_array_size(c->attributes))
        json_object_set_new(out, "attributes", attributes_json(c, values));
    return out;
}

/* The Yoochoose body of a recommend.scenario reply body. */
static json_t *answer_json(const yc_call_t *c, const json_t *body)
{
    const char *rid = json_string_value(json_object_get(body, "recommendation_id"));
    json_t *context = json_array(), *recs = json_array();
    const json_t *viewers = json_object_get(body, "context_items"),
                 *entries = json_object_get(body, "recommendations");
    for (size_t i = 0; context && i < json_array_size(viewers); i++) {
        const json_t *v = json_array_get(viewers, i);
        const char *item = json_string_value(json_object_get(v, "item"));
        if (item)
            json_array_append_new(context, json_pack("{s:O, s:I, s:o, s:s}", "viewers",
                                                     json_object_get(v, "viewers"), "itemType",
                                                     (json_int_t)c->item_type, "itemId",
                                                     id_json(item), "sources", c->source));
    }
    for (size_t i = 0; recs && i < json_array_size(entries); i++) {
        json_t *one = recommendation_json(c, json_array_get(entries, i), rid);
        if (one) json_array_append_new(recs, one);
    }
    return json_pack("{s:o, s:o}", "contextItems", context, "recommendationItems", recs);
}

static int64_t body_ms(const json_t *body, const char *name)
{
    const json_t *v = json_object_get(body, name);
    return json_is_integer(v) && json_integer_value(v) > 0 ? (int64_t)json_integer_value(v) : 0;
}

/* A history code that found nothing, with a scenario that cannot answer without context (its
 * error for the missing context, or an empty answer): Yoochoose's 409. */
static int history_conflict(const yc_call_t *c, const reco_reply_t *reply)
{
    if (!c->history_type || json_array_size(json_object_get(c->request, "items")) > 0) return 0;
    if (reply->error.status)
        return reply->error.status == 400 && strcmp(reply->error.code, "missing_field") == 0;
    return json_array_size(json_object_get(reply->body, "recommendations")) == 0;
}

static void render_recommendations(struct evhttp_request *req, const reco_reply_t *reply, void *arg)
{
    yc_call_t *c = arg;
    if (history_conflict(c, reply)) {
        char message[sizeof reply->error.message + 160];
        snprintf(message, sizeof message,
                 "contextitems=%s: the user has no %s history, and the scenario has nothing to "
                 "recommend without context%s%s",
                 c->source, c->history_type, reply->error.status ? ": " : "",
                 reply->error.status ? reply->error.message : "");
        send_error_as(req, c, 409, "no_history", message);
    } else if (reply->error.status) {
        send_error_as(req, c, reply->error.status,
                      reply->error.code[0] ? reply->error.code : "internal", reply->error.message);
    } else {
        json_t *body = answer_json(c, reply->body);
        if (body)
            reco_http_cache_send(req, &c->cache, c->gw->default_interval_ms, reply->status, body,
                                 body_ms(reply->body, "built_at"),
                                 body_ms(reply->body, "interval_ms"));
        else
            reco_http_send_error(req, 500, "internal", "out of memory");
    }
    call_free(c);
}

/* Sends the request (checked as the native route checks it). Takes c. */
static void forward_recommendations(struct evhttp_request *req, yc_call_t *c)
{
    reco_error_t err;
    json_t *canonical = reco_scenario_request_normalize(c->request, &err);
    if (!canonical) {
        reco_http_send_reco_error(req, &err);
        call_free(c);
        return;
    }
    if (reco_http_forward(c->gw, req, RECO_POOL_QUERY, c->tenant, "recommend.scenario", canonical,
                          render_recommendations, c) != 0)
        call_free(c);
}

/* The reply of events.list for a history code: its distinct items, newest first, are the context.
 */
static void render_history(struct evhttp_request *req, const reco_reply_t *reply, void *arg)
{
    yc_call_t *c = arg;
    if (reply->error.status) {
        send_error_as(req, c, reply->error.status,
                      reply->error.code[0] ? reply->error.code : "internal", reply->error.message);
        call_free(c);
        return;
    }
    json_t *items = json_array(), *events = json_object_get(reply->body, "events");
    for (size_t i = 0;
         items && i < json_array_size(events) && json_array_size(items) < RECO_SCENARIO_CONTEXT_MAX;
         i++) {
        json_t *item = json_object_get(json_array_get(events, i), "item");
        int seen = !json_is_string(item);
        for (size_t k = 0; !seen && k < json_array_size(items); k++)
            seen = json_equal(json_array_get(items, k), item);
        if (!seen) json_array_append(items, item);
    }
    json_object_set_new(c->request, "items", items);
    forward_recommendations(req, c);
}

/* ---- request parsing ---- */

/* Appends the comma-separated values of every query parameter `name` to list (repeats dropped).
 * check: a value's test. -1 after answering 400 naming the parameter. */
static int comma_values(struct evhttp_request *req, const reco_path_t *path, const char *name,
                        json_t *list, size_t max, int (*check)(const char *), const char *what)
{
    struct evkeyval *kv;
    TAILQ_FOREACH(kv, &path->query, next)
    {
        if (strcmp(kv->key, name) != 0) continue;
        for (const char *p = kv->value;;) {
            size_t len = strcspn(p, ",");
            char *one = strndup(p, len);
            json_t *v = one && check(one) ? json_string(one) : NULL;
            free(one);
            if (!v) {
                reco_http_send_error(req, 400, "invalid_field",
                                     "%s: each comma-separated value must be %s", name, what);
                return -1;
            }
            int repeated = 0;
            for (size_t i = 0; i < json_array_size(list) && !repeated; i++)
                repeated = json_equal(json_array_get(list, i), v);
            if (!repeated && json_array_size(list) == max) {
                json_decref(v);
                reco_http_send_error(req, 400, "invalid_field", "%s: at most %zu values", name,
                                     max);
                return -1;
            }
            if (repeated)
                json_decref(v);
            else
                json_array_append_new(list, v);
            if (p[len] == '\0') break;
            p += len + 1;
        }
    }
    return 0;
}

static int valid_item(const char *id)
{
    return reco_valid_id(id, strlen(id));
}

static int valid_name(const char *name)
{
    return strlen(name) <= YC_NAME_MAX && reco_valid_id(name, strlen(name));
}

/* 1 if id is a history code (any case). */
static int is_history_code(const char *id)
{
    for (size_t i = 0; i < HISTORY_COUNT; i++)
        if (strcasecmp(id, HISTORY[i].code) == 0) return 1;
    return 0;
}

/* An item id that is not a history code: a code stands alone in contextitems. */
static int valid_context_item(const char *id)
{
    return valid_item(id) && !is_history_code(id);
}

/* contextitems (and the deprecated itemid): ids, or one history code. */
static int parse_context(struct evhttp_request *req, const reco_path_t *path, yc_call_t *c)
{
    json_t *items = json_array();
    json_object_set_new(c->request, "items", items);
    const char *given = reco_path_param(path, "contextitems");
    for (size_t i = 0; given && i < HISTORY_COUNT; i++)
        if (strcasecmp(given, HISTORY[i].code) == 0) {
            snprintf(c->source, sizeof c->source, "%s", HISTORY[i].code);
            c->history_type = HISTORY[i].type;
            return 0;
        }
    if (comma_values(req, path, "contextitems", items, RECO_SCENARIO_CONTEXT_MAX,
                     valid_context_item,
                     "an item id (1 to 256 bytes of UTF-8), or the whole value one history code "
                     "of CLICK, BUY, BASKET, RATE, CONSUME") != 0 ||
        comma_values(req, path, "itemid", items, RECO_SCENARIO_CONTEXT_MAX, valid_item,
                     "an item id") != 0)
        return -1;
    return 0;
}

/* categorypath (repeatable): '/'-separated, leading and trailing '/' ignored; "/" alone is the
 * whole site (no category). */
static int parse_categories(struct evhttp_request *req, const reco_path_t *path, json_t *out)
{
    json_t *list = json_array();
    json_object_set_new(out, "categories", list);
    struct evkeyval *kv;
    TAILQ_FOREACH(kv, &path->query, next)
    {
        if (strcmp(kv->key, "categorypath") != 0) continue;
        const char *p = kv->value;
        size_t len = strlen(p);
        while (*p == '/')
            p++, len--;
        while (len > 0 && p[len - 1] == '/')
            len--;
        if (len == 0) continue;
        if (json_array_size(list) == RECO_SCENARIO_CATEGORIES_MAX) {
            reco_http_send_error(req, 400, "invalid_field", "categorypath: at most %d paths",
                                 RECO_SCENARIO_CATEGORIES_MAX);
            return -1;
        }
        json_t *text = json_stringn(p, len);
        if (!text || !reco_valid_id(p, len) || memmem(p, len, "//", 2)) {
            json_decref(text);
            reco_http_send_error(req, 400, "invalid_field",
                                 "categorypath: must be categories joined by '/' "
                                 "(\"Women/Shirts\"), without empty ones");
            return -1;
        }
        json_array_append_new(list, text);
    }
    return 0;
}

/* numrecs, outputtypeid, the category and attribute parameters. */
static int parse_options(struct evhttp_request *req, const reco_path_t *path, yc_call_t *c)
{
    long numrecs = YC_NUMRECS_DEFAULT;
    int use_context_categories = 0;
    json_t *user_attributes = json_array();
    int rc =
        reco_param_long(req, path, "numrecs", 1, YC_NUMRECS_MAX, &numrecs) < 0 ||
                reco_param_long(req, path, "outputtypeid", 1, YC_ITEM_TYPE_MAX, &c->item_type) <
                    0 ||
                reco_param_bool(req, path, "usecontextcategorypath", &use_context_categories) < 0 ||
                reco_param_bool(req, path, "recommendCategory", &c->recommend_category) < 0 ||
                parse_categories(req, path, c->request) != 0 ||
                comma_values(req, path, "attribute", c->attributes, YC_ATTRIBUTES_MAX, valid_name,
                             "an attribute name of 1 to 64 bytes") != 0 ||
                comma_values(req, path, "userattribute", user_attributes, YC_ATTRIBUTES_MAX,
                             valid_name, "a user attribute name of 1 to 64 bytes") != 0
            ? -1
            : 0;
    json_decref(
        user_attributes); /* accepted and checked; no native op weighs user attributes yet */
    if (rc != 0) return -1;
    json_object_set_new(c->request, "limit", json_integer(numrecs));
    /* the worker reads the attributes asked for, and the categories recommendCategory needs */
    json_t *names = json_copy(c->attributes);
    if (names && c->recommend_category &&
        json_array_size(json_object_get(c->request, "categories"))) {
        int listed = 0;
        for (size_t i = 0; i < json_array_size(names) && !listed; i++)
            listed = strcmp(json_string_value(json_array_get(names, i)), "categories") == 0;
        if (!listed) json_array_append_new(names, json_string("categories"));
    }
    if (json_array_size(names) > YC_ATTRIBUTES_MAX) {
        json_decref(names);
        reco_http_send_error(
            req, 400, "invalid_field",
            "attribute: at most %d names with recommendCategory=true (it reads the categories too)",
            YC_ATTRIBUTES_MAX - 1);
        return -1;
    }
    if (json_array_size(names))
        json_object_set_new(c->request, "attributes", names);
    else
        json_decref(names);
    /* the context items' own paths: the chain reads them when the request names none */
    if (use_context_categories &&
        (c->history_type || json_array_size(json_object_get(c->request, "items"))))
        json_array_clear(json_object_get(c->request, "categories"));
    return 0;
}

/* "//<Host>/compat/yoochoose/api/<customer>", or without the host when the request has no usable
 * Host header. */
static char *link_base(struct evhttp_request *req, const char *customer)
{
    const char *host = evhttp_find_header(evhttp_request_get_input_headers(req), "Host");
    int ok = host && *host && strlen(host) <= YC_HOST_MAX;
    for (const char *p = host; ok && *p; p++)
        ok = isalnum((unsigned char)*p) || strchr(".-:[]", *p);
    char *enc = evhttp_uriencode(customer, -1, 0), *out = NULL;
    if (enc &&
        asprintf(&out, "%s%s/compat/yoochoose/api/%s", ok ? "//" : "", ok ? host : "", enc) < 0)
        out = NULL;
    free(enc);
    return out;
}

/* Splits "name.ext" at its last dot into scenario and extension. -1 after answering 400. */
static int parse_scenario(struct evhttp_request *req, const char *seg, yc_call_t *c, int *jsonp)
{
    const char *dot = strrchr(seg, '.');
    const char *ext = dot ? dot + 1 : "";
    size_t len = dot ? (size_t)(dot - seg) : strlen(seg);
    if (strcmp(ext, "json") != 0 && strcmp(ext, "jsonp") != 0) {
        reco_http_send_error(req, 400, "invalid_field",
                             "extension: the scenario must end in .json or .jsonp (xml is "
                             "deprecated and not served)");
        return -1;
    }
    *jsonp = strcmp(ext, "jsonp") == 0;
    memcpy(c->scenario, seg, len < sizeof c->scenario ? len : 0);
    c->scenario[len < sizeof c->scenario ? len : 0] = '\0';
    if (!reco_valid_scenario_id(c->scenario)) {
        reco_http_send_error(req, 400, "invalid_field",
                             "scenarioid: must be 1 to %d characters of A-Z, a-z, 0-9, _ and -",
                             RECO_SCENARIO_ID_MAX);
        return -1;
    }
    return 0;
}

/* The recommendation route; segs: customer, user, "scenario.ext". */
static void get_recommendations(reco_gateway_t *gw, struct evhttp_request *req,
                                const reco_path_t *path, char *const *segs)
{
    if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
        reco_http_send_method_not_allowed(req, "GET");
        return;
    }
    if (!reco_valid_tenant(segs[0])) {
        reco_http_send_error(req, 400, "invalid_field",
                             "customerid: must be 1 to %d characters of A-Z, a-z, 0-9, _ and -",
                             RECO_TENANT_MAX);
        return;
    }
    if (!reco_valid_id(segs[1], strlen(segs[1]))) {
        reco_http_send_error(req, 400, "invalid_field",
                             "userid: must be 1 to %d bytes of UTF-8 without control characters",
                             RECO_ID_MAX);
        return;
    }
    yc_call_t *c = calloc(1, sizeof *c);
    int jsonp = 0;
    if (!c || !(c->request = json_object()) || !(c->attributes = json_array()) ||
        !(c->link_base = link_base(req, segs[0])) ||
        !(c->user_enc = evhttp_uriencode(segs[1], -1, 0))) {
        call_free(c);
        reco_http_send_error(req, 500, "internal", "out of memory");
        return;
    }
    c->gw = gw;
    c->item_type = 1;
    snprintf(c->tenant, sizeof c->tenant, "%s", segs[0]);
    snprintf(c->source, sizeof c->source, "REQUEST");
    if (parse_scenario(req, segs[2], c, &jsonp) != 0 || parse_context(req, path, c) != 0 ||
        parse_options(req, path, c) != 0 || reco_http_cache_parse(req, path, 1, &c->cache) != 0) {
        call_free(c);
        return;
    }
    if (!jsonp)
        c->cache.callback[0] = '\0';
    else if (!c->cache.callback[0])
        snprintf(c->cache.callback, sizeof c->cache.callback, "jsonpCallback");
    json_object_set_new(c->request, "scenario", json_string(c->scenario));
    json_object_set_new(c->request, "user", json_string(segs[1]));
    if (!c->history_type) {
        forward_recommendations(req, c);
        return;
    }
    json_t *args = json_pack("{s:s, s:s, s:i}", "user", segs[1], "type", c->history_type, "limit",
                             YC_HISTORY_EVENTS);
    if (reco_http_forward(gw, req, RECO_POOL_QUERY, c->tenant, "events.list", args, render_history,
                          c) != 0)
        call_free(c);
}

/* ---- dispatch ---- */

static int ends_with_format(const char *seg)
{
    const char *dot = strrchr(seg, '.');
    return dot &&
           (strcmp(dot, ".json") == 0 || strcmp(dot, ".jsonp") == 0 || strcmp(dot, ".xml") == 0);
}

void reco_compat_yoochoose(reco_gateway_t *gw, struct evhttp_request *req, reco_path_t *path)
{
    const char *uri = evhttp_request_get_uri(req);
    if (uri && strlen(uri) > YC_URI_MAX) {
        reco_http_send_error(req, 414, "uri_too_long",
                             "request URI: %zu bytes is over the limit of %d", strlen(uri),
                             YC_URI_MAX);
        return;
    }
    char *const *s = path->seg + 2; /* after compat/yoochoose */
    int n = path->n - 2;
    /* a customer named "v2" may still log a user in: api/v2/login/{from}/{to} */
    int v2_login = n == 5 && strcmp(s[2], "login") == 0 && !ends_with_format(s[4]);
    if (n == 5 && strcmp(s[0], "api") == 0 && strcmp(s[1], "v2") == 0 && !v2_login)
        get_recommendations(gw, req, path, s + 2);
    else if (n == 4 && (strcmp(s[0], "api") == 0 || strcmp(s[0], "ebl") == 0))
        get_recommendations(gw, req, path, s + 1);
    else if (n >= 2 && strcmp(s[0], "api") == 0)
        reco_yoochoose_event(gw, req, path, s + 1, n - 1);
    else
        reco_http_send_error(req, 404, "not_found",
                             "no such Yoochoose resource: %s (served: "
                             "/api/v2/{customerid}/{userid}/{scenarioid}.json, "
                             "/api/{customerid}/{event}/{userid}/{itemtypeid}/{itemid})",
                             uri ? uri : "");
}
