/* reco_auth — who may call what: API keys, roles, rate limits and CORS, in front of the
 * gateway's dispatch (docs/auth.md).
 *
 * Every request passes reco_auth_handle, which decides from the route it addresses:
 *  - public (/healthz, /openapi.json, /dashboard/, anything outside /v1, /compat, /admin and
 *    /metrics): dispatched at once;
 *  - admin (/admin/..., GET /metrics): needs the admin key (--admin-key), compared in constant
 *    time;
 *  - a tenant's route (/v1/{tenant}/..., /compat/<vendor>/...): a read route (recommendations:
 *    every dialect's recommend/lookup and the bulk recommend) needs a read or write key of the
 *    tenant, any other route a write key; the admin key may call any tenant.
 * A key comes as `Authorization: Bearer <key>`, `X-API-Key: <key>`, or HTTP Basic with the
 * customer id (the tenant) as user and the key as password (Yoochoose). Missing -> 401 with
 * WWW-Authenticate; unknown or revoked -> 401; another tenant's key, a read key on a write route
 * or a Basic user that is not the route's tenant -> 403; over the key's rate limit -> 429 with
 * Retry-After; Redis unreachable -> 503. A tenant key costs one asynchronous Redis round trip
 * (reco_auth_redis.h); the request is dispatched when it answers.
 *
 * With --auth off (development) no key is asked for and Redis is never called; the start is
 * logged as a warning. CORS works in both modes: read routes carry Access-Control-Allow-Origin
 * and answer an OPTIONS preflight with 204; write and admin routes carry no CORS headers.
 *
 * The route of a request is found in the list of reco_routes.h (the list --list-routes prints
 * and integration-openapi holds to the dispatch), where each route declares its role, by the
 * gateway's one route matcher (reco_route_match.h) on the decoded path: the tenant is the
 * route's {tenant}, {customer} or {customerid} parameter. A /compat path no route matches gets
 * 404 with auth on, so a route missing from the list can never be reached without a key. */
#ifndef RECO_AUTH_H
#define RECO_AUTH_H

#include <event2/event.h>
#include <event2/http.h>

#include "reco_http.h"

typedef struct {
    const char *mode;        /* "on" or "off" */
    const char *admin_key;   /* required when on */
    const char *redis;       /* host:port of the Redis holding keys and buckets (on only) */
    long timeout_ms;         /* longest wait for Redis before 503 */
    long rate_per_second;    /* default limit per key; 0 = unlimited */
    long rate_burst;         /* default bucket size; 0 = the rate (at least 1) */
    const char *cors_origin; /* Access-Control-Allow-Origin of read routes; "" = no CORS */
} reco_auth_config_t;

typedef struct reco_auth reco_auth_t;

/* Continues a request that passed: the gateway's dispatch. path is valid during the call. */
typedef void (*reco_auth_next_fn)(void *ctx, struct evhttp_request *req, reco_path_t *path);

/* NULL with the reason logged (a bad mode, on without an admin key, a bad Redis address). Logs
 * the mode it runs in (a WARN line with auth off). */
reco_auth_t *reco_auth_new(struct event_base *base, const reco_auth_config_t *cfg);
void reco_auth_free(reco_auth_t **auth);

/* Decides, then calls next (now or when Redis answers) or answers the request itself. path
 * stays the caller's: it is moved out (and left empty) when the decision waits for Redis, so
 * the caller always clears it afterwards. */
void reco_auth_handle(reco_auth_t *auth, struct evhttp_request *req, reco_path_t *path, reco_auth_next_fn next,
                      void *ctx);

#endif
