/* reco_routes — the list of every route the gateway serves (see reco_routes.h). */
#include "reco_routes.h"

#include "reco_admin.h"
#include "reco_api_v1.h"

/* main.c's dispatch serves these itself. */
static const reco_route_t TOP_ROUTES[] = {
    {"GET", "/healthz", RECO_ROUTE_PUBLIC},
    {"GET", "/openapi.json", RECO_ROUTE_PUBLIC},
    {"GET", "/metrics", RECO_ROUTE_ADMIN}, /* reco_metrics.c: names tenants and their figures */
    /* reco_static.c; /dashboard/ is the same (a trailing slash is ignored) */
    {"GET", "/dashboard", RECO_ROUTE_PUBLIC},
    {"HEAD", "/dashboard", RECO_ROUTE_PUBLIC},
    {"GET", "/dashboard/{file}", RECO_ROUTE_PUBLIC},
    {"HEAD", "/dashboard/{file}", RECO_ROUTE_PUBLIC},
    {NULL, NULL, RECO_ROUTE_UNDECLARED},
};

void reco_routes_each(reco_route_fn emit, void *ctx)
{
    for (size_t i = 0; TOP_ROUTES[i].method; i++)
        emit(&TOP_ROUTES[i], ctx);
    reco_api_v1_routes(emit, ctx);
    reco_compat_routes(emit, ctx);
    reco_admin_routes(emit, ctx);
}

static void print_route(const reco_route_t *route, void *ctx)
{
    fprintf(ctx, "%s %s\n", route->method, route->path);
}

void reco_routes_print(FILE *out)
{
    reco_routes_each(print_route, out);
}
