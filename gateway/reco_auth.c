/* reco_auth — API keys, roles, rate limits and CORS in front of the dispatch (see reco_auth.h).
 *
 * Who may call a route is declared with the route (reco_routes.h: public, read, write, admin).
 * A request's decoded path is matched by the gateway's one route matcher (reco_route_match.h)
 * against every served route: the strictest role among the routes of its method decides; a path
 * served only with other methods (a 405 to come) needs a write key even where its routes are
 * read; an OPTIONS on a path with read routes is a CORS preflight. A path no route matches is
 * decided by its area: /admin admin, /v1/{tenant}/... write (the native dispatch answers 404 or
 * 405), any other /v1 or /compat path 404 before any key is looked at, and the rest public. */
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
#include "reco_route_match.h"
#include "reco_validate.h"

/* Ordered like reco_route_role_t (when several routes match, the strictest wins), then the
 * answers that are no route's role. */
typedef enum {
    KIND_PUBLIC = RECO_ROUTE_PUBLIC,
    KIND_READ = RECO_ROUTE_READ,
    KIND_WRITE = RECO_ROUTE_WRITE,
    KIND_ADMIN = RECO_ROUTE_ADMIN,
    KIND_PREFLIGHT,
    KIND_NOT_FOUND
} kind_t;

struct reco_auth {
    int on;
    char *admin_key;
    size_t admin_len;
    long rate, burst;
    char *cors_origin;
    reco_authdb_t *db;
    reco_route_match_t *routes; /* every served route, with its role */
};

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

/* What the routes a path matches say (reco_route_match_each's visitor). */
typedef struct {
    const char *method;                    /* the request's */
    const reco_route_match_route_t *best;  /* the strictest route of that method */
    const reco_route_match_route_t *other; /* the strictest of another method (a 405) */
    char *read_methods;                    /* decision_t's */
    size_t read_methods_size;
} matches_t;

static void on_match(const reco_route_match_route_t *r, void *ctx)
{
    matches_t *x = ctx;
    const char *method = r->route.method;
    if (r->route.role == RECO_ROUTE_READ && !strstr(x->read_methods, method)) {
        size_t len = strlen(x->read_methods);
        snprintf(x->read_methods + len, x->read_methods_size - len, "%s%s", len ? ", " : "",
                 method);
    }
    const reco_route_match_route_t **slot = strcmp(method, x->method) == 0 ? &x->best : &x->other;
    if (!*slot || r->route.role > (*slot)->route.role) *slot = r;
}

/* The routes are matched on the decoded segments: the ones the dispatch routes by. */
static void classify(const reco_auth_t *a, const reco_path_t *path, const char *method,
                     decision_t *d)
{
    memset(d, 0, sizeof *d);
    matches_t x = {method, NULL, NULL, d->read_methods, sizeof d->read_methods};
    reco_route_match_each(a->routes, (const char *const *)path->seg, path->n, on_match, &x);
    if (!x.best && strcmp(method, "OPTIONS") == 0 && d->read_methods[0]) {
        d->kind = KIND_PREFLIGHT;
        return;
    }
    const reco_route_match_route_t *r = x.best ? x.best : x.other;
    const char *area = path->n ? path->seg[0] : "";
    if (r) { /* another method than the path's routes serve (a 405): a write key all the same */
        kind_t kind = (kind_t)r->route.role;
        d->kind = kind == KIND_READ && !x.best ? KIND_WRITE : kind;
        d->tenant = r->tenant_segment >= 0 ? path->seg[r->tenant_segment] : NULL;
    } else if (!strcmp(area, "admin")) {
        d->kind = KIND_ADMIN;
    } else if (!strcmp(area, "v1") && path->n >= 2) {
        d->kind = KIND_WRITE;
        d->tenant = path->seg[1];
    } else if (!strcmp(area, "v1") || !strcmp(area, "compat")) {
        d->kind = KIND_NOT_FOUND;
    } else {
        d->kind = KIND_PUBLIC; /* outside /v1, /compat and /admin: the dispatch answers (404) */
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
    a->routes = reco_route_match_new_served();
    if (!a->routes)
        reco_error("auth: cannot hold the route list (out of memory, or a route without a role)");
    if (!a->admin_key || !a->cors_origin || !a->routes ||
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
    reco_route_match_destroy(&a->routes);
    if (a->admin_key) sodium_memzero(a->admin_key, a->admin_len);
    free(a->admin_key);
    free(a->cors_origin);
    free(a);
    *pa = NULL;
}
