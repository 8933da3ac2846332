/* reco_http — JSON in, JSON out, and the hand-off to the broker (see reco_http.h).
 *
 * A forwarded request carries a small call_t through the broker; the broker calls back exactly
 * once, and the call is freed there. If the client went away meanwhile, libevent has detached
 * the request from its connection and evhttp_send_reply just frees it, so no reply is lost track
 * of and nothing dangles. */
#include "reco_http.h"

#include <event2/buffer.h>
#include <sys/queue.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reco_config.h"
#include "reco_log.h"
#include "reco_validate.h"

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
    }
}

static int dump_to_buffer(const char *text, size_t size, void *data)
{
    return evbuffer_add(data, text, size);
}

void reco_http_send_json_as(struct evhttp_request *req, int status, json_t *body, const char *callback,
                            const char *cache_control)
{
    struct evbuffer *buf = evbuffer_new();
    struct evkeyvalq *headers = evhttp_request_get_output_headers(req);
    int ok = buf && body;
    if (ok && callback)
        ok = evbuffer_add_printf(buf, "%s(", callback) >= 0;
    /* straight into the output buffer: no intermediate string */
    if (ok)
        ok = json_dump_callback(body, dump_to_buffer, buf, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15)) == 0;
    if (ok && callback)
        ok = evbuffer_add(buf, ");", 2) == 0;
    json_decref(body);
    if (!ok) { /* out of memory: a plain JSON 500, never cached */
        callback = NULL;
        cache_control = NULL;
        status = 500;
        if (buf) {
            evbuffer_drain(buf, evbuffer_get_length(buf));
            evbuffer_add_printf(buf, "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}");
        }
    }
    evhttp_add_header(headers, "Content-Type", callback ? "application/javascript" : "application/json");
    if (callback)
        evhttp_add_header(headers, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(headers, "Cache-Control", cache_control ? cache_control : "no-store");
    evhttp_send_reply(req, status, reason(status), buf);
    if (buf)
        evbuffer_free(buf);
}

void reco_http_send_json(struct evhttp_request *req, int status, json_t *body)
{
    reco_http_send_json_as(req, status, body, NULL, NULL);
}

/* A message quotes what the client sent (a path segment, a parameter), which need not be UTF-8,
 * and vsnprintf may cut a character in two; a JSON string must be UTF-8 (jansson refuses it
 * otherwise, which was a 500 "out of memory"), so then every non-ASCII byte becomes '?'. */
static json_t *message_json(char *message)
{
    json_t *s = json_string(message);
    if (s)
        return s;
    for (unsigned char *p = (unsigned char *)message; *p; p++)
        if (*p >= 0x80)
            *p = '?';
    return json_string(message);
}

void reco_http_send_error(struct evhttp_request *req, int status, const char *code, const char *fmt, ...)
{
    char message[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    reco_http_send_json(req, status,
                        json_pack("{s:{s:s, s:o}}", "error", "code", code, "message", message_json(message)));
}

void reco_http_send_reco_error(struct evhttp_request *req, const reco_error_t *err)
{
    reco_http_send_error(req, err->status ? err->status : 500, err->code[0] ? err->code : "internal", "%s",
                         err->message);
}

void reco_http_send_method_not_allowed(struct evhttp_request *req, const char *allow)
{
    evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", allow);
    reco_http_send_error(req, 405, "method_not_allowed", "this resource allows %s", allow);
}

int reco_path_parse(struct evhttp_request *req, reco_path_t *path, reco_error_t *err)
{
    memset(path, 0, sizeof *path);
    TAILQ_INIT(&path->query);
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *raw = uri ? evhttp_uri_get_path(uri) : NULL;
    const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
    if (!raw || raw[0] != '/') {
        reco_error_set(err, 400, "invalid_path", "path: must start with /");
        return -1;
    }
    if (query && evhttp_parse_query_str(query, &path->query) != 0) {
        reco_error_set(err, 400, "invalid_query", "query string: cannot be decoded");
        return -1;
    }
    /* Every value becomes a JSON string somewhere, and jansson refuses text that is not UTF-8:
     * refuse it here, naming the parameter, rather than have a handler drop it silently. */
    const struct evkeyval *kv;
    TAILQ_FOREACH(kv, &path->query, next) {
        if (!reco_valid_utf8(kv->key, strlen(kv->key)) || !reco_valid_utf8(kv->value, strlen(kv->value))) {
            reco_error_set(err, 400, "invalid_query", "%s: not valid UTF-8 once percent-decoded",
                           reco_valid_utf8(kv->key, strlen(kv->key)) ? kv->key : "a parameter name");
            return -1;
        }
    }
    const char *p = raw + 1;
    while (*p) {
        size_t len = strcspn(p, "/");
        if (path->n == RECO_PATH_MAX_SEGMENTS) {
            reco_error_set(err, 404, "not_found", "no such resource: %s", raw);
            return -1;
        }
        char *enc = strndup(p, len);
        size_t dec_len = 0;
        char *dec = enc ? evhttp_uridecode(enc, 0, &dec_len) : NULL;
        free(enc);
        if (!dec || strlen(dec) != dec_len) {
            free(dec);
            reco_error_set(err, 400, "invalid_path", "path: a segment cannot be decoded");
            return -1;
        }
        if (!reco_valid_utf8(dec, dec_len)) {
            free(dec);
            reco_error_set(err, 400, "invalid_path", "path: segment %d is not valid UTF-8 once percent-decoded",
                           path->n + 1);
            return -1;
        }
        path->seg[path->n++] = dec;
        p += len;
        if (*p == '/')
            p++;
    }
    return 0;
}

void reco_path_clear(reco_path_t *path)
{
    for (int i = 0; i < path->n; i++)
        free(path->seg[i]);
    path->n = 0;
    evhttp_clear_headers(&path->query);
}

const char *reco_path_param(const reco_path_t *path, const char *name)
{
    return evhttp_find_header(&path->query, name);
}

json_t *reco_http_read_json(struct evhttp_request *req, size_t max, reco_error_t *err)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = in ? evbuffer_get_length(in) : 0;
    if (len > max) {
        reco_error_set(err, 413, "payload_too_large", "body: %zu bytes is over the limit of %zu bytes", len, max);
        return NULL;
    }
    if (len == 0) {
        reco_error_set(err, 400, "invalid_json", "body: empty; a JSON document is required");
        return NULL;
    }
    const char *data = (const char *)evbuffer_pullup(in, -1);
    json_error_t jerr;
    json_t *doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc)
        reco_error_set(err, 400, "invalid_json", "body: not valid JSON at line %d column %d: %s", jerr.line,
                       jerr.column, jerr.text);
    return doc;
}

void reco_render_native(struct evhttp_request *req, const reco_reply_t *reply, void *ctx)
{
    (void)ctx;
    if (reply->error.status)
        reco_http_send_reco_error(req, &reply->error);
    else
        reco_http_send_json(req, reply->status, json_incref(reply->body));
}

typedef struct {
    struct evhttp_request *req;
    reco_render_fn render;
    void *render_ctx;
} call_t;

static void on_reply(void *arg, const reco_reply_t *reply)
{
    call_t *call = arg;
    call->render(call->req, reply, call->render_ctx);
    free(call);
}

int reco_http_forward(reco_gateway_t *gw, struct evhttp_request *req, reco_pool_t pool, const char *tenant,
                      const char *op, json_t *args, reco_render_fn render, void *render_ctx)
{
    reco_error_t err;
    call_t *call = malloc(sizeof *call);
    if (!call) {
        json_decref(args);
        reco_http_send_error(req, 500, "internal", "out of memory");
        return -1;
    }
    call->req = req;
    call->render = render ? render : reco_render_native;
    call->render_ctx = render_ctx;
    if (reco_broker_submit(gw->broker, pool, tenant, op, args, on_reply, call, &err) != 0) {
        free(call);
        reco_http_send_reco_error(req, &err);
        return -1;
    }
    return 0;
}

typedef struct {
    char op[48];
    char tenant[RECO_TENANT_MAX + 1];
} async_call_t;

static void on_async_reply(void *arg, const reco_reply_t *reply)
{
    async_call_t *call = arg;
    if (reply->error.status)
        reco_warn("async %s for tenant %s failed after 202: %d %s: %s", call->op, call->tenant, reply->error.status,
                  reply->error.code, reply->error.message);
    free(call);
}

void reco_http_forward_async(reco_gateway_t *gw, struct evhttp_request *req, reco_pool_t pool, const char *tenant,
                             const char *op, json_t *args, size_t count)
{
    reco_error_t err;
    async_call_t *call = calloc(1, sizeof *call);
    if (!call) {
        json_decref(args);
        reco_http_send_error(req, 500, "internal", "out of memory");
        return;
    }
    snprintf(call->op, sizeof call->op, "%s", op);
    snprintf(call->tenant, sizeof call->tenant, "%s", tenant);
    if (reco_broker_submit(gw->broker, pool, tenant, op, args, on_async_reply, call, &err) != 0) {
        free(call);
        reco_http_send_reco_error(req, &err);
        return;
    }
    reco_http_send_json(req, 202, json_pack("{s:I}", "queued", (json_int_t)count));
}

int reco_param_id(struct evhttp_request *req, const reco_path_t *path, const char *name, json_t *args)
{
    const char *v = reco_path_param(path, name);
    if (!v)
        return 0;
    if (!reco_valid_id(v, strlen(v))) {
        reco_http_send_error(req, 400, "invalid_field",
                             "%s: must be 1 to %d bytes of UTF-8 without control characters", name, RECO_ID_MAX);
        return -1;
    }
    json_object_set_new(args, name, json_string(v));
    return 1;
}

int reco_param_long(struct evhttp_request *req, const reco_path_t *path, const char *name, long min, long max,
                    long *out)
{
    const char *v = reco_path_param(path, name);
    if (!v)
        return 0;
    if (reco_parse_long(v, min, max, out) != 0) {
        reco_http_send_error(req, 400, "invalid_field", "%s: must be a whole number from %ld to %ld", name, min, max);
        return -1;
    }
    return 1;
}

int reco_param_double(struct evhttp_request *req, const reco_path_t *path, const char *name, const char *meaning,
                      double *out)
{
    const char *v = reco_path_param(path, name);
    if (!v)
        return 0;
    char *end = NULL;
    double d = *v ? strtod(v, &end) : NAN;
    if (!isfinite(d) || (end && *end)) {
        reco_http_send_error(req, 400, "invalid_field", "%s: must be a finite number (%s)", name, meaning);
        return -1;
    }
    *out = d;
    return 1;
}

int reco_param_bool(struct evhttp_request *req, const reco_path_t *path, const char *name, int *out)
{
    const char *v = reco_path_param(path, name);
    if (!v)
        return 0;
    if (!strcmp(v, "true") || !strcmp(v, "1")) {
        *out = 1;
    } else if (!strcmp(v, "false") || !strcmp(v, "0")) {
        *out = 0;
    } else {
        reco_http_send_error(req, 400, "invalid_field", "%s: must be true or false", name);
        return -1;
    }
    return 1;
}

int reco_param_time(struct evhttp_request *req, const reco_path_t *path, const char *name, json_t *args)
{
    const char *v = reco_path_param(path, name);
    if (!v)
        return 0;
    json_t *text = json_string(v);
    int64_t ms = 0;
    int ok = text && reco_parse_timestamp(text, &ms) == 0;
    json_decref(text);
    if (!ok) {
        reco_http_send_error(req, 400, "invalid_field",
                             "%s: must be epoch seconds or milliseconds, or RFC 3339 with a zone", name);
        return -1;
    }
    json_object_set_new(args, name, json_integer((json_int_t)ms));
    return 1;
}

void reco_http_recommendation_id_header(struct evhttp_request *req, const json_t *body)
{
    const char *id = json_string_value(json_object_get(body, "recommendation_id"));
    if (id) evhttp_add_header(evhttp_request_get_output_headers(req), "X-Recommendation-Id", id);
}
