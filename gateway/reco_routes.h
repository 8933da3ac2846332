/* reco_routes — every route the gateway serves, as method, path template
 * ("GET /v1/{tenant}/items/{item}") and role (who may call it), for `reco-gateway --list-routes`,
 * the test that holds the OpenAPI document (GET /openapi.json, gateway/openapi/) to them both ways
 * (tests/integration/test_openapi.py), and the one route matcher (reco_route_match.h) that
 * reco_metrics labels requests with and reco_auth decides by.
 *
 * Each list stays beside the code that dispatches it: the native API's route table in
 * reco_api_v1.c (its own table, so it cannot drift), the dialects' in reco_compat_routes.c (the
 * dialects dispatch by hand; the OpenAPI test asks the gateway every listed route), the admin
 * API's in reco_admin.c, and the top-level routes of main.c's dispatch in reco_routes.c. A
 * template names each path parameter in braces; a parameter may be part of a segment
 * ("{scenarioid}.json"). A tenant's route names its tenant {tenant}, {customer} or {customerid}.
 *
 * Every route declares its role, who may call it: public, read (the recommendations a read key
 * may call), write, or admin. A table entry without one does not compile (-Wextra's
 * missing-field-initializers, an error with -Werror), and a role left 0 makes the route matcher
 * refuse the list, so the gateway does not start: a route cannot become a write or a public
 * route by being forgotten. */
#ifndef RECO_ROUTES_H
#define RECO_ROUTES_H

#include <stdio.h>

/* Ordered from the most open to the strictest: when several routes match a request, reco_auth
 * applies the strictest. */
typedef enum {
    RECO_ROUTE_UNDECLARED = 0, /* only in a list's terminator: the matcher refuses it */
    RECO_ROUTE_PUBLIC,         /* no key */
    RECO_ROUTE_READ,           /* a read or write key of the route's tenant */
    RECO_ROUTE_WRITE,          /* a write key of the route's tenant */
    RECO_ROUTE_ADMIN,          /* the admin key */
} reco_route_role_t;

typedef struct {
    const char *method; /* "GET", "POST", ...; NULL ends a list */
    const char *path;   /* template: "/compat/aegeria/{tenant}/transaction/bulk" */
    reco_route_role_t role;
} reco_route_t;

/* route: valid until the callback returns. */
typedef void (*reco_route_fn)(const reco_route_t *route, void *ctx);

/* Calls emit once per served route: top-level, native, each dialect's, then the admin API's. */
void reco_routes_each(reco_route_fn emit, void *ctx);

/* reco_compat_routes.c: the dialects' routes (each list mirrors its reco_compat_<vendor>.c). */
void reco_compat_routes(reco_route_fn emit, void *ctx);

/* Prints "METHOD /path" lines, one per route (what --list-routes shows). */
void reco_routes_print(FILE *out);

#endif
