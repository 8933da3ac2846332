/* reco_routes — the list of every route the gateway serves (see reco_routes.h). */
#include "reco_routes.h"

#include "reco_admin.h"
#include "reco_api_v1.h"

/* main.c's on_http dispatches these itself. */
static const reco_route_t TOP_ROUTES[] = {
    {"GET", "/healthz"},
    {"GET", "/openapi.json"},
    {"GET", "/metrics"}, /* reco_metrics.c */
    {"GET", "/dashboard"}, /* reco_static.c; /dashboard/ is the same (a trailing slash is ignored) */
    {"HEAD", "/dashboard"},
    {"GET", "/dashboard/{file}"},
    {"HEAD", "/dashboard/{file}"},
    {NULL, NULL},
};

static void emit_list(const reco_route_t *list, reco_route_fn emit, void *ctx)
{
    for (size_t i = 0; list[i].method; i++)
        emit(list[i].method, list[i].path, ctx);
}

void reco_routes_each(reco_route_fn emit, void *ctx)
{
    emit_list(TOP_ROUTES, emit, ctx);
    reco_api_v1_routes(emit, ctx);
    reco_compat_routes(emit, ctx);
    reco_admin_routes(emit, ctx);
}

static void print_route(const char *method, const char *path, void *ctx)
{
    fprintf(ctx, "%s %s\n", method, path);
}

void reco_routes_print(FILE *out)
{
    reco_routes_each(print_route, out);
}
