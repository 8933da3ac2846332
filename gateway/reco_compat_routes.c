/* reco_compat_routes — the routes each vendor dialect serves, for --list-routes and the OpenAPI
 * check (reco_routes.h). Each list mirrors the dispatch of its reco_compat_<vendor>.c: a route
 * added there is added here and in gateway/openapi/<vendor>.json, or integration-openapi fails
 * (it asks the gateway every listed route, and compares this list with the document both ways).
 * An interaction type, event or method that is a path parameter is one route here; its accepted
 * values are the parameter's enum in the document. Read routes (what a read key may call) are
 * each dialect's recommendations; everything else of a tenant needs a write key. */
#include "reco_routes.h"

/* reco_compat_aegeria.c */
static const reco_route_t AEGERIA[] = {
    {"POST", "/compat/aegeria/{tenant}/transaction/bulk", RECO_ROUTE_WRITE},
    {"GET", "/compat/aegeria/{tenant}/recommendation/bought-with", RECO_ROUTE_READ},
    {"GET", "/compat/aegeria/{tenant}/recommendation/by-similar-customers", RECO_ROUTE_READ},
    {NULL, NULL, RECO_ROUTE_UNDECLARED},
};

/* reco_compat_advisable.c (route); singular aliases of the interaction types are the same routes */
static const reco_route_t ADVISABLE[] = {
    {"POST", "/compat/advisable/{tenant}/v1/{interaction_type}", RECO_ROUTE_WRITE},
    {"DELETE", "/compat/advisable/{tenant}/v1/{interaction_type}", RECO_ROUTE_WRITE},
    {"POST", "/compat/advisable/{tenant}/v1/purchases/batch", RECO_ROUTE_WRITE},
    {"GET", "/compat/advisable/{tenant}/v1/users/{user_id}/{interaction_type}", RECO_ROUTE_WRITE},
    {"GET", "/compat/advisable/{tenant}/v1/items/{item_id}/{interaction_type}", RECO_ROUTE_WRITE},
    {"POST", "/compat/advisable/{tenant}/v1/users/{from}/interactions/transfer/{to}", RECO_ROUTE_WRITE},
    {"PUT", "/compat/advisable/{tenant}/v1/users/{from}/interactions/transfer/{to}", RECO_ROUTE_WRITE},
    {"PUT", "/compat/advisable/{tenant}/v1/users/{user_id}", RECO_ROUTE_WRITE},
    {"PATCH", "/compat/advisable/{tenant}/v1/users/{user_id}", RECO_ROUTE_WRITE},
    {NULL, NULL, RECO_ROUTE_UNDECLARED},
};

/* reco_compat_tastehit.c (reco_compat_tastehit); an action is a path parameter */
static const reco_route_t TASTEHIT[] = {
    {"POST", "/compat/tastehit/api/{customer}/v1/interaction/{user}/{item}/{action}", RECO_ROUTE_WRITE},
    {"GET", "/compat/tastehit/api/{customer}/v1/{widget}/r", RECO_ROUTE_READ},
    {NULL, NULL, RECO_ROUTE_UNDECLARED},
};

/* reco_compat_gravity.c (METHODS) */
static const reco_route_t GRAVITY[] = {
    {"POST", "/compat/gravity/{tenant}/addEvents", RECO_ROUTE_WRITE},
    {"POST", "/compat/gravity/{tenant}/addItems", RECO_ROUTE_WRITE},
    {"POST", "/compat/gravity/{tenant}/updateItems", RECO_ROUTE_WRITE},
    {"POST", "/compat/gravity/{tenant}/addUsers", RECO_ROUTE_WRITE},
    {"GET", "/compat/gravity/{tenant}/getItemRecommendation", RECO_ROUTE_READ},
    {"POST", "/compat/gravity/{tenant}/getItemRecommendation", RECO_ROUTE_READ},
    {"POST", "/compat/gravity/{tenant}/getItemRecommendationBulk", RECO_ROUTE_READ},
    {"GET", "/compat/gravity/{tenant}/getUser", RECO_ROUTE_WRITE},
    {"GET", "/compat/gravity/{tenant}/getEvents", RECO_ROUTE_WRITE},
    {"GET", "/compat/gravity/{tenant}/optOut", RECO_ROUTE_WRITE},
    {"POST", "/compat/gravity/{tenant}/optOut", RECO_ROUTE_WRITE},
    {NULL, NULL, RECO_ROUTE_UNDECLARED},
};

/* reco_compat_yoochoose.c (recommendations) and reco_compat_yoochoose_events.c (tracking) */
#define YC_EVENT(e)                                                                                                   \
    {"GET", "/compat/yoochoose/api/{customerid}/" e "/{userid}/{itemtypeid}/{itemid}", RECO_ROUTE_WRITE},            \
        {"POST", "/compat/yoochoose/api/{customerid}/" e "/{userid}/{itemtypeid}/{itemid}", RECO_ROUTE_WRITE}
static const reco_route_t YOOCHOOSE[] = {
    {"GET", "/compat/yoochoose/api/v2/{customerid}/{userid}/{scenarioid}.json", RECO_ROUTE_READ},
    {"GET", "/compat/yoochoose/api/v2/{customerid}/{userid}/{scenarioid}.jsonp", RECO_ROUTE_READ},
    {"GET", "/compat/yoochoose/api/{customerid}/{userid}/{scenarioid}.json", RECO_ROUTE_READ},
    {"GET", "/compat/yoochoose/api/{customerid}/{userid}/{scenarioid}.jsonp", RECO_ROUTE_READ},
    {"GET", "/compat/yoochoose/ebl/{customerid}/{userid}/{scenarioid}.json", RECO_ROUTE_READ},
    {"GET", "/compat/yoochoose/ebl/{customerid}/{userid}/{scenarioid}.jsonp", RECO_ROUTE_READ},
    YC_EVENT("click"),
    YC_EVENT("buy"),
    YC_EVENT("basket"),
    YC_EVENT("rate"),
    YC_EVENT("consume"),
    YC_EVENT("clickrecommended"),
    YC_EVENT("rendered"),
    {"GET", "/compat/yoochoose/api/{customerid}/login/{sourceuserid}/{targetuserid}", RECO_ROUTE_WRITE},
    {"POST", "/compat/yoochoose/api/{customerid}/login/{sourceuserid}/{targetuserid}", RECO_ROUTE_WRITE},
    {NULL, NULL, RECO_ROUTE_UNDECLARED},
};

static const reco_route_t *const DIALECT_ROUTES[] = {AEGERIA, ADVISABLE, TASTEHIT, GRAVITY, YOOCHOOSE, NULL};

void reco_compat_routes(reco_route_fn emit, void *ctx)
{
    for (size_t d = 0; DIALECT_ROUTES[d]; d++)
        for (size_t i = 0; DIALECT_ROUTES[d][i].method; i++)
            emit(&DIALECT_ROUTES[d][i], ctx);
}
