/* reco_auth — API keys, roles, rate limits and CORS in front of the dispatch (see reco_auth.h).
 *
 * The routes of reco_routes.h are compiled once into segment patterns; a request is matched
 * against those with its segment count. READ_ROUTES names the recommendation routes (what a
 * read key may call); every other route of /v1 and /compat needs a write key. */
#include "reco_auth.h"

#include <event2/keyvalq_struct.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include "reco_apikey.h"
#include "reco_auth_redis.h"
#include "reco_log.h"
#include "reco_routes.h"
#include "reco_validate.h"

/* What a read key may call: recommendations and lookups of every dialect, and bulk recommend. */
static const reco_route_t READ_ROUTES[] = {
    {"GET", "/v1/{tenant}/recommend"},
    {"GET", "/v1/{tenant}/resort"},
    {"POST", "/v1/{tenant}/resort"},
    {"POST", "/v1/{tenant}/recommend/bulk"},
    {"GET", "/v1/{tenant}/recommend/{scenario}"},
    {"POST", "/v1/{tenant}/recommend/{scenario}"},
    {"GET", "/compat/aegeria/{tenant}/recommendation/bought-with"},
    {"GET", "/compat/aegeria/{tenant}/recommendation/by-similar-customers"},
    {"GET", "/compat/tastehit/api/{customer}/v1/{widget}/r"},
    {"GET", "/compat/gravity/{tenant}/getItemRecommendation"},
    {"POST", "/compat/gravity/{tenant}/getItemRecommendation"},
    {"POST", "/compat/gravity/{tenant}/getItemRecommendationBulk"},
    {"GET", "/compat/yoochoose/api/v2/{customerid}/{userid}/{scenarioid}.json"},
    {"GET", "/compat/yoochoose/api/v2/{customerid}/{userid}/{scenarioid}.jsonp"},
    {"GET", "/compat/yoochoose/api/{customerid}/{userid}/{scenarioid}.json"},
    {"GET", "/compat/yoochoose/api/{customerid}/{userid}/{scenarioid}.jsonp"},
    {"GET", "/compat/yoochoose/ebl/{customerid}/{userid}/{scenarioid}.json"},
    {"GET", "/compat/yoochoose/ebl/{customerid}/{userid}/{scenarioid}.jsonp"},
    {NULL, NULL},
};

/* Ordered: when several routes match, the strictest wins. */
typedef enum {
    KIND_PUBLIC,
    KIND_READ,
    KIND_WRITE,
    KIND_ADMIN,
    KIND_PREFLIGHT,
    KIND_NOT_FOUND
} kind_t;

typedef struct {
    const char *lit;    /* a literal segment, or NULL for a parameter */
    size_t lit_len;     /* literal: its length; parameter: the length of its literal prefix */
    const char *prefix; /* parameter: literal text before '{' (lit_len bytes) */
    const char *suffix; /* parameter: literal text after '}' */
    size_t suffix_len;
} seg_t;

typedef struct {
    char method[8];
    int n;
    seg_t seg[RECO_PATH_MAX_SEGMENTS];
    int tenant_at; /* segment holding the tenant, -1 if none */
    kind_t kind;
    char *text; /* the template, owned: the segments point into it */
    char *path; /* the template as listed, owned */
} route_t;

struct reco_auth {
    int on;
    char *admin_key;
    size_t admin_len;
    long rate, burst;
    char *cors_origin;
    reco_authdb_t *db;
    route_t *routes;
    size_t nroutes, cap;
};

/* ---- the route table ---- */

static int is_read_route(const char *method, const char *path)
{
    for (size_t i = 0; READ_ROUTES[i].method; i++)
        if (strcmp(READ_ROUTES[i].method, method) == 0 && strcmp(READ_ROUTES[i].path, path) == 0)
            return 1;
    return 0;
}

static int compile(route_t *r, const char *method, const char *path)
{
    memset(r, 0, sizeof *r);
    r->tenant_at = -1;
    snprintf(r->method, sizeof r->method, "%s", method);
    if (!(r->path = strdup(path)) || !(r->text = strdup(path))) return -1;
    char *save = NULL;
    for (char *s = strtok_r(r->text, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
        if (r->n == RECO_PATH_MAX_SEGMENTS) return -1;
        seg_t *g = &r->seg[r->n];
        char *open = strchr(s, '{'), *close = open ? strchr(open, '}') : NULL;
        if (!close) {
            g->lit = s;
            g->lit_len = strlen(s);
        } else {
            *open = *close = '\0';
            g->prefix = s;
            g->lit_len = strlen(s);
            g->suffix = close + 1;
            g->suffix_len = strlen(close + 1);
            if (!strcmp(open + 1, "tenant") || !strcmp(open + 1, "customer") ||
                !strcmp(open + 1, "customerid"))
                r->tenant_at = r->n;
        }
        r->n++;
    }
    const char *area = r->n ? (r->seg[0].lit ? r->seg[0].lit : "") : "";
    if (!strcmp(area, "admin"))
        r->kind = KIND_ADMIN;
    else if (strcmp(area, "v1") != 0 && strcmp(area, "compat") != 0)
        r->kind = KIND_PUBLIC;
    else
        r->kind = is_read_route(method, path) ? KIND_READ : KIND_WRITE;
    return 0;
}

static void add_route(const char *method, const char *path, void *ctx)
{
    reco_auth_t *a = ctx;
    if (a->nroutes == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        route_t *more = realloc(a->routes, cap * sizeof *more);
        if (!more) return;
        a->routes = more;
        a->cap = cap;
    }
    if (compile(&a->routes[a->nroutes], method, path) == 0) {
        a->nroutes++;
    } else {
        free(a->routes[a->nroutes].text);
        free(a->routes[a->nroutes].path);
    }
}

static int seg_matches(const seg_t *g, const char *s)
{
    size_t len = strlen(s);
    if (g->lit) return len == g->lit_len && memcmp(s, g->lit, len) == 0;
    return len > g->lit_len + g->suffix_len && memcmp(s, g->prefix, g->lit_len) == 0 &&
           memcmp(s + len - g->suffix_len, g->suffix, g->suffix_len) == 0;
}

static int route_matches(const route_t *r, const reco_path_t *path)
{
    if (r->n != path->n) return 0;
    for (int i = 0; i < r->n; i++)
        if (!seg_matches(&r->seg[i], path->seg[i])) return 0;
    return 1;
}

static const char *method_name(enum evhttp_cmd_type m)
{
    switch (m) {
    case EVHTTP_REQ_GET:
        return "GET";
    case EVHTTP_REQ_POST:
        return "POST";
    case EVHTTP_REQ_PUT:
        return "PUT";
    case EVHTTP_REQ_DELETE:
        return "DELETE";
    case EVHTTP_REQ_PATCH:
        return "PATCH";
    case EVHTTP_REQ_HEAD:
        return "HEAD";
    case EVHTTP_REQ_OPTIONS:
        return "OPTIONS";
    default:
        return "?";
    }
}

typedef struct {
    kind_t kind;
    const char *tenant;    /* a path segment, or NULL */
    char read_methods[32]; /* the read methods of the path (OPTIONS preflight) */
} decision_t;

static void classify(const reco_auth_t *a, const reco_path_t *path, const char *method,
                     decision_t *d)
{
    memset(d, 0, sizeof *d);
    const char *area = path->n ? path->seg[0] : "";
    if (path->n == 1 && !strcmp(area, "metrics")) { /* names tenants and their figures */
        d->kind = KIND_ADMIN;
        return;
    }
    if (strcmp(area, "v1") != 0 && strcmp(area, "compat") != 0 && strcmp(area, "admin") != 0)
        return; /* KIND_PUBLIC */
    const route_t *best = NULL, *other = NULL;
    for (size_t i = 0; i < a->nroutes; i++) {
        const route_t *r = &a->routes[i];
        if (!route_matches(r, path)) continue;
        if (r->kind == KIND_READ && !strstr(d->read_methods, r->method)) {
            size_t len = strlen(d->read_methods);
            snprintf(d->read_methods + len, sizeof d->read_methods - len, "%s%s", len ? ", " : "",
                     r->method);
        }
        const route_t **slot = strcmp(r->method, method) == 0 ? &best : &other;
        if (!*slot || r->kind > (*slot)->kind) *slot = r;
    }
    if (!best && strcmp(method, "OPTIONS") == 0 && d->read_methods[0]) {
        d->kind = KIND_PREFLIGHT;
        return;
    }
    const route_t *r = best ? best : other;
    if (r) { /* another method than the path's routes serve (a 405): a write key all the same */
        d->kind = r->kind == KIND_READ && !best ? KIND_WRITE : r->kind;
        d->tenant = r->tenant_at >= 0 ? path->seg[r->tenant_at] : NULL;
    } else if (!strcmp(area, "admin")) {
        d->kind = KIND_ADMIN;
    } else if (!strcmp(area, "v1") && path->n >= 2) {
        d->kind = KIND_WRITE;
        d->tenant = path->seg[1];
    } else {
        d->kind = KIND_NOT_FOUND;
    }
}

/* ---- credentials ---- */

typedef struct {
    const char *key; /* NULL: none given */
    size_t len;
    const char *user; /* Basic: the customer id, else NULL */
    char buf[512];    /* Basic: the decoded user:password */
} cred_t;

/* 0 with c filled (c->key NULL when the request carries none), or -1 with *why set. */
static int read_credentials(struct evhttp_request *req, cred_t *c, const char **why)
{
    struct evkeyvalq *in = evhttp_request_get_input_headers(req);
    const char *auth = evhttp_find_header(in, "Authorization");
    memset(c, 0, sizeof *c);
    if (!auth) {
        c->key = evhttp_find_header(in, "X-API-Key");
        c->len = c->key ? strlen(c->key) : 0;
        return 0;
    }
    if (strncasecmp(auth, "Bearer ", 7) == 0) {
        c->key = auth + 7 + strspn(auth + 7, " ");
        c->len = strlen(c->key);
        return 0;
    }
    if (strncasecmp(auth, "Basic ", 6) == 0) {
        const char *b64 = auth + 6 + strspn(auth + 6, " ");
        size_t len = 0;
        if (sodium_base642bin((unsigned char *)c->buf, sizeof c->buf - 1, b64, strlen(b64), NULL,
                              &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
            *why = "Authorization: Basic credentials must be base64 of <customer id>:<key>";
            return -1;
        }
        c->buf[len] = '\0';
        char *colon = memchr(c->buf, ':', len);
        if (!colon || strlen(c->buf) != len) {
            *why = "Authorization: Basic credentials must be base64 of <customer id>:<key>";
            return -1;
        }
        *colon = '\0';
        c->user = c->buf;
        c->key = colon + 1;
        c->len = strlen(c->key);
        return 0;
    }
    *why = "Authorization: the scheme must be Bearer or Basic (or send the key as X-API-Key)";
    return -1;
}

/* ---- answers ---- */

static void send_unauthorized(struct evhttp_request *req, const char *fmt, const char *arg)
{
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    evhttp_add_header(out, "WWW-Authenticate", "Bearer realm=\"reco\", Basic realm=\"reco\"");
    reco_http_send_error(req, 401, "unauthorized", fmt, arg);
}

static void send_preflight(const reco_auth_t *a, struct evhttp_request *req, const decision_t *d)
{
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    if (a->cors_origin[0]) {
        evhttp_add_header(out, "Access-Control-Allow-Methods", d->read_methods);
        evhttp_add_header(out, "Access-Control-Allow-Headers",
                          "Authorization, X-API-Key, Content-Type");
        evhttp_add_header(out, "Access-Control-Max-Age", "600");
    }
    evhttp_add_header(out, "Allow", d->read_methods);
    evhttp_send_reply(req, 204, "No Content", NULL);
}

/* ---- waiting for Redis ---- */

typedef struct {
    struct evhttp_request *req;
    reco_path_t path;
    reco_auth_next_fn next;
    void *ctx;
    char tenant[RECO_TENANT_MAX + 1];
    long rate, burst;
} wait_t;

/* Moves src into dst (the query list is re-linked), leaving src empty. */
static void path_move(reco_path_t *dst, reco_path_t *src)
{
    memcpy(dst->seg, src->seg, sizeof dst->seg);
    dst->n = src->n;
    src->n = 0;
    TAILQ_INIT(&dst->query);
    struct evkeyval *kv;
    while ((kv = TAILQ_FIRST(&src->query)) != NULL) {
        TAILQ_REMOVE(&src->query, kv, next);
        TAILQ_INSERT_TAIL(&dst->query, kv, next);
    }
}

static void on_checked(void *arg, reco_authdb_result_t result, long retry_after, const char *detail)
{
    wait_t *w = arg;
    char value[24];
    switch (result) {
    case RECO_AUTHDB_ALLOW:
        w->next(w->ctx, w->req, &w->path);
        break;
    case RECO_AUTHDB_UNKNOWN:
        send_unauthorized(w->req, "Authorization: %s is not a valid key (unknown or revoked)",
                          "the API key");
        break;
    case RECO_AUTHDB_OTHER_TENANT:
        reco_http_send_error(w->req, 403, "forbidden",
                             "Authorization: the API key is not one of tenant '%s'", w->tenant);
        break;
    case RECO_AUTHDB_READ_ONLY:
        reco_http_send_error(
            w->req, 403, "forbidden",
            "Authorization: a read key may only ask for recommendations; this route needs a "
            "write key of tenant '%s'",
            w->tenant);
        break;
    case RECO_AUTHDB_LIMITED:
        snprintf(value, sizeof value, "%ld", retry_after < 1 ? 1 : retry_after);
        evhttp_add_header(evhttp_request_get_output_headers(w->req), "Retry-After", value);
        reco_http_send_error(w->req, 429, "rate_limited",
                             "tenant '%s': this key is over its rate limit; retry after %s s",
                             w->tenant, value);
        break;
    default:
        reco_http_send_error(w->req, 503, "auth_unavailable",
                             "API keys cannot be checked now (Redis: %s); retry later",
                             detail ? detail : "unavailable");
        break;
    }
    reco_path_clear(&w->path);
    free(w);
}

/* A tenant's route with a key that may be one of its keys: ask Redis. */
static void check_key(reco_auth_t *a, struct evhttp_request *req, reco_path_t *path,
                      const decision_t *d, const cred_t *c, reco_auth_next_fn next, void *ctx)
{
    wait_t *w = calloc(1, sizeof *w);
    if (!w) {
        reco_http_send_error(req, 500, "internal", "out of memory");
        return;
    }
    char hash[RECO_APIKEY_HASH_HEX + 1];
    reco_apikey_hash(c->key, c->len, hash);
    w->req = req;
    w->next = next;
    w->ctx = ctx;
    snprintf(w->tenant, sizeof w->tenant, "%s", d->tenant);
    path_move(&w->path, path);
    reco_authdb_check(a->db, w->tenant, hash, d->kind == KIND_WRITE, a->rate, a->burst, on_checked,
                      w);
}

/* ---- the decision ---- */

static int is_admin_key(const reco_auth_t *a, const cred_t *c)
{
    return c->key && reco_apikey_equal(c->key, c->len, a->admin_key, a->admin_len);
}

void reco_auth_handle(reco_auth_t *a, struct evhttp_request *req, reco_path_t *path,
                      reco_auth_next_fn next, void *ctx)
{
    enum evhttp_cmd_type method = evhttp_request_get_command(req);
    int origin = evhttp_find_header(evhttp_request_get_input_headers(req), "Origin") != NULL;
    if (!a->on && !origin && method != EVHTTP_REQ_OPTIONS) {
        next(ctx, req, path); /* development mode, not a browser: nothing to decide */
        return;
    }
    decision_t d;
    classify(a, path, method_name(method), &d);
    /* CORS headers only where a browser asks (it always sends Origin cross-origin) */
    if (((d.kind == KIND_READ && origin) || d.kind == KIND_PREFLIGHT) && a->cors_origin[0]) {
        struct evkeyvalq *out = evhttp_request_get_output_headers(req);
        evhttp_add_header(out, "Access-Control-Allow-Origin", a->cors_origin);
        evhttp_add_header(out, "Access-Control-Expose-Headers",
                          "Retry-After, ETag, Last-Modified, Expires, X-Request-Id, "
                          "X-Recommendation-Id");
        if (strcmp(a->cors_origin, "*") != 0) evhttp_add_header(out, "Vary", "Origin");
    }
    if (d.kind == KIND_PREFLIGHT) {
        send_preflight(a, req, &d);
        return;
    }
    if (!a->on || d.kind == KIND_PUBLIC) {
        next(ctx, req, path);
        return;
    }
    if (d.kind == KIND_NOT_FOUND) {
        reco_http_send_error(req, 404, "not_found", "no such resource: %s",
                             evhttp_request_get_uri(req));
        return;
    }
    if (d.tenant && !reco_valid_tenant(d.tenant)) {
        reco_http_send_error(req, 400, "invalid_field",
                             "tenant: must be 1 to %d characters of A-Z, a-z, 0-9, _ and -",
                             RECO_TENANT_MAX);
        return;
    }
    cred_t c;
    const char *why = NULL;
    if (read_credentials(req, &c, &why) != 0) {
        send_unauthorized(req, "%s", why);
    } else if (!c.key || !c.len) {
        send_unauthorized(
            req,
            "%s: an API key is required (Authorization: Bearer <key>, X-API-Key: <key>, or "
            "Basic with the customer id as user and the key as password)",
            "Authorization");
    } else if (is_admin_key(a, &c)) {
        next(ctx, req, path);
    } else if (d.kind == KIND_ADMIN || !d.tenant) {
        reco_http_send_error(req, 403, "forbidden", "Authorization: %s needs the admin key",
                             d.kind == KIND_ADMIN ? "the admin API" : "this route");
    } else if (c.user && strcmp(c.user, d.tenant) != 0) {
        reco_http_send_error(req, 403, "forbidden",
                             "Authorization: the Basic user must be the customer id '%s'",
                             d.tenant);
    } else {
        reco_role_t role = reco_apikey_role(c.key, c.len);
        if (role == RECO_ROLE_NONE)
            send_unauthorized(req, "Authorization: %s is not a valid key (unknown or revoked)",
                              "the API key");
        else if (role == RECO_ROLE_READ && d.kind == KIND_WRITE)
            reco_http_send_error(
                req, 403, "forbidden",
                "Authorization: a read key may only ask for recommendations; this route needs a "
                "write key of tenant '%s'",
                d.tenant);
        else
            check_key(a, req, path, &d, &c, next, ctx);
    }
}

/* ---- setup ---- */

reco_auth_t *reco_auth_new(struct event_base *base, const reco_auth_config_t *cfg)
{
    int on = cfg->mode && strcmp(cfg->mode, "on") == 0;
    if (!on && !(cfg->mode && strcmp(cfg->mode, "off") == 0)) {
        reco_error("auth: must be on or off, got '%s'", cfg->mode ? cfg->mode : "");
        return NULL;
    }
    if (on && (!cfg->admin_key || strlen(cfg->admin_key) < 16)) {
        reco_error("auth is on but no admin key is set (or it is shorter than 16 characters): set "
                   "--admin-key / "
                   "RECO_ADMIN_KEY, or run with --auth off for development only");
        return NULL;
    }
    reco_auth_t *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    a->on = on;
    a->rate = cfg->rate_per_second;
    a->burst = cfg->rate_burst > 0 ? cfg->rate_burst
                                   : (cfg->rate_per_second > 0 ? cfg->rate_per_second : 1);
    a->admin_key = strdup(on ? cfg->admin_key : "");
    a->admin_len = strlen(a->admin_key ? a->admin_key : "");
    a->cors_origin = strdup(cfg->cors_origin ? cfg->cors_origin : "");
    reco_routes_each(add_route, a);
    for (size_t i = 0; READ_ROUTES[i].method;
         i++) { /* a renamed route must not turn into a write route */
        int served = 0;
        for (size_t k = 0; k < a->nroutes && !served; k++)
            served = a->routes[k].kind == KIND_READ &&
                     !strcmp(a->routes[k].method, READ_ROUTES[i].method) &&
                     !strcmp(a->routes[k].path, READ_ROUTES[i].path);
        if (!served) {
            reco_error(
                "auth: the read route %s %s is not served (reco_auth.c READ_ROUTES is out of date)",
                READ_ROUTES[i].method, READ_ROUTES[i].path);
            reco_auth_free(&a);
            return NULL;
        }
    }
    if (!a->admin_key || !a->cors_origin ||
        (on && !(a->db = reco_authdb_new(base, cfg->redis, (int)cfg->timeout_ms)))) {
        reco_auth_free(&a);
        return NULL;
    }
    if (on)
        reco_info("auth on: API keys required on /v1 and /compat, the admin key on /admin (Redis "
                  "%s); default rate "
                  "limit %s",
                  cfg->redis, a->rate > 0 ? "set" : "none");
    else
        reco_warn("auth OFF (development mode): no API key is checked and every tenant is open to "
                  "anyone who can "
                  "reach this gateway; never expose it (start with --auth on --admin-key ... in "
                  "production)");
    if (on && a->rate > 0)
        reco_info("auth: default rate limit %ld requests/s per key, burst %ld", a->rate, a->burst);
    return a;
}

void reco_auth_free(reco_auth_t **pa)
{
    reco_auth_t *a = pa ? *pa : NULL;
    if (!a) return;
    reco_authdb_free(&a->db);
    for (size_t i = 0; i < a->nroutes; i++) {
        free(a->routes[i].text);
        free(a->routes[i].path);
    }
    free(a->routes);
    if (a->admin_key) sodium_memzero(a->admin_key, a->admin_len);
    free(a->admin_key);
    free(a->cors_origin);
    free(a);
    *pa = NULL;
}
