/* reco_routes — every route the gateway serves, as method and path template
 * ("GET /v1/{tenant}/items/{item}"), for `reco-gateway --list-routes` and the test that holds the
 * OpenAPI document (GET /openapi.json, gateway/openapi/) to them both ways
 * (tests/integration/test_openapi.py).
 *
 * Each list stays beside the code that dispatches it: the native API's route table in
 * reco_api_v1.c (its own table, so it cannot drift), the dialects' in reco_compat_routes.c (the
 * dialects dispatch by hand; the OpenAPI test asks the gateway every listed route), and the
 * top-level routes of main.c's on_http in reco_routes.c. A template names each path parameter in braces; a parameter
 * may be part of a segment ("{scenarioid}.json"). */
#ifndef RECO_ROUTES_H
#define RECO_ROUTES_H

#include <stdio.h>

typedef struct {
    const char *method; /* "GET", "POST", ...; NULL ends a list */
    const char *path;   /* template: "/compat/aegeria/{tenant}/transaction/bulk" */
} reco_route_t;

typedef void (*reco_route_fn)(const char *method, const char *path, void *ctx);

/* Calls emit once per served route: top-level, native, then each dialect's. */
void reco_routes_each(reco_route_fn emit, void *ctx);

/* reco_compat_routes.c: the dialects' routes (each list mirrors its reco_compat_<vendor>.c). */
void reco_compat_routes(reco_route_fn emit, void *ctx);

/* Prints "METHOD /path" lines, one per route (what --list-routes shows). */
void reco_routes_print(FILE *out);

#endif
