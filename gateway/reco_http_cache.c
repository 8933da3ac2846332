/* reco_http_cache — Last-Modified / Expires / 304 and JSONP of the recommendation routes (see
 * reco_http_cache.h for the rules).
 *
 * The 304 decision needs the served version's build time, which only the query worker knows, so
 * a conditional request still costs one query; what it saves is the body on the wire and the
 * client's work. The render context is one malloc'ed copy of the parsed options, freed by the
 * renderer (or here, when the broker refuses the request). */
#include "reco_http_cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int ident_start(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '$';
}

static int ident_char(char c)
{
    return ident_start(c) || (c >= '0' && c <= '9');
}

int reco_jsonp_name_valid(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > RECO_JSONP_CALLBACK_MAX)
        return 0;
    int at_start = 1; /* at the start of one dotted part */
    for (const char *p = name; *p; p++) {
        if (*p == '.') {
            if (at_start)
                return 0;
            at_start = 1;
        } else if (at_start ? !ident_start(*p) : !ident_char(*p)) {
            return 0;
        } else {
            at_start = 0;
        }
    }
    return !at_start; /* no trailing dot */
}

/* An HTTP-date (IMF-fixdate, or the obsolete RFC 850 and asctime forms) as epoch seconds, or -1. */
static int64_t parse_http_date(const char *text)
{
    static const char *const formats[] = {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT",
                                          "%a %b %e %H:%M:%S %Y"};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        const char *end = strptime(text, formats[i], &tm);
        if (end && *end == '\0')
            return (int64_t)timegm(&tm);
    }
    return -1;
}

static void format_http_date(char *buf, size_t n, int64_t epoch_s)
{
    time_t t = (time_t)epoch_s;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(buf, n, "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0)
        snprintf(buf, n, "Thu, 01 Jan 1970 00:00:00 GMT");
}

int reco_http_cache_parse(struct evhttp_request *req, const reco_path_t *path, int personal,
                          reco_http_cache_t *out)
{
    memset(out, 0, sizeof *out);
    out->personal = personal;
    out->if_modified_since = -1;
    const char *field = "callback", *name = reco_path_param(path, "callback");
    if (!name) {
        field = "jsonpCallback";
        name = reco_path_param(path, "jsonpCallback");
    }
    if (name) {
        if (!reco_jsonp_name_valid(name)) {
            reco_http_send_error(req, 400, "invalid_field",
                                 "%s: must be a JavaScript function name (identifiers of A-Z, a-z, 0-9, _ and $ "
                                 "joined by dots), at most %d bytes",
                                 field, RECO_JSONP_CALLBACK_MAX);
            return -1;
        }
        memcpy(out->callback, name, strlen(name) + 1);
    }
    const char *ims = evhttp_find_header(evhttp_request_get_input_headers(req), "If-Modified-Since");
    if (ims)
        out->if_modified_since = parse_http_date(ims);
    return 0;
}

int64_t reco_cache_expires_ms(int64_t built_ms, int64_t interval_ms, int64_t now_ms)
{
    int64_t expires = built_ms + interval_ms;
    if (expires < now_ms + RECO_CACHE_MIN_MS)
        expires = now_ms + RECO_CACHE_MIN_MS;
    if (expires > now_ms + RECO_CACHE_MAX_MS)
        expires = now_ms + RECO_CACHE_MAX_MS;
    return expires;
}

typedef struct {
    reco_http_cache_t cache;
    long default_interval_ms;
} render_ctx_t;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t body_integer(const json_t *body, const char *name)
{
    const json_t *v = json_object_get(body, name);
    return json_is_integer(v) && json_integer_value(v) > 0 ? (int64_t)json_integer_value(v) : 0;
}

/* Adds Last-Modified, Expires and Cache-Control for an answer built at built_ms; writes the
 * Cache-Control value to cache_control. */
static void add_cache_headers(struct evhttp_request *req, const render_ctx_t *ctx, int64_t built_ms,
                              int64_t interval_ms, char *cache_control, size_t n)
{
    struct evkeyvalq *headers = evhttp_request_get_output_headers(req);
    int64_t now = now_ms();
    int64_t expires = reco_cache_expires_ms(built_ms, interval_ms > 0 ? interval_ms : ctx->default_interval_ms, now);
    char date[64];
    format_http_date(date, sizeof date, built_ms / 1000);
    evhttp_add_header(headers, "Last-Modified", date);
    format_http_date(date, sizeof date, expires / 1000);
    evhttp_add_header(headers, "Expires", date);
    snprintf(cache_control, n, "%s, max-age=%lld", ctx->cache.personal ? "private" : "public",
             (long long)((expires - now) / 1000));
}

void reco_http_cache_send(struct evhttp_request *req, const reco_http_cache_t *cache, long default_interval_ms,
                          int status, json_t *body, int64_t built_ms, int64_t interval_ms)
{
    render_ctx_t ctx = {.cache = *cache,
                        .default_interval_ms = default_interval_ms > 0 ? default_interval_ms
                                                                       : RECO_CACHE_DEFAULT_INTERVAL_MS};
    const char *callback = cache->callback[0] ? cache->callback : NULL;
    char cache_control[64];
    if (status == 200 && built_ms > 0) {
        add_cache_headers(req, &ctx, built_ms, interval_ms, cache_control, sizeof cache_control);
        if (cache->if_modified_since >= 0 && cache->if_modified_since >= built_ms / 1000) {
            json_decref(body);
            evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", cache_control);
            evhttp_send_reply(req, 304, "Not Modified", NULL);
            return;
        }
    }
    reco_http_send_json_as(req, status, body, callback, status == 200 && built_ms > 0 ? cache_control : NULL);
}

static void render_cached(struct evhttp_request *req, const reco_reply_t *reply, void *arg)
{
    render_ctx_t *ctx = arg;
    const char *callback = ctx->cache.callback[0] ? ctx->cache.callback : NULL;
    if (reply->error.status) {
        reco_http_send_json_as(req, reply->error.status,
                               json_pack("{s:{s:s, s:s}}", "error", "code",
                                         reply->error.code[0] ? reply->error.code : "internal", "message",
                                         reply->error.message),
                               callback, NULL);
    } else {
        reco_http_cache_send(req, &ctx->cache, ctx->default_interval_ms, reply->status, json_incref(reply->body),
                             body_integer(reply->body, "built_at"), body_integer(reply->body, "interval_ms"));
    }
    free(ctx);
}

void reco_http_forward_cached(reco_gateway_t *gw, struct evhttp_request *req, const char *tenant, const char *op,
                              json_t *args, const reco_http_cache_t *cache)
{
    render_ctx_t *ctx = malloc(sizeof *ctx);
    if (!ctx) {
        json_decref(args);
        reco_http_send_error(req, 500, "internal", "out of memory");
        return;
    }
    ctx->cache = *cache;
    ctx->default_interval_ms = gw->default_interval_ms > 0 ? gw->default_interval_ms : RECO_CACHE_DEFAULT_INTERVAL_MS;
    if (reco_http_forward(gw, req, RECO_POOL_QUERY, tenant, op, args, render_cached, ctx) != 0)
        free(ctx);
}
