/* reco_api_v1 — the native REST API under /v1/{tenant}/..., plus /healthz.
 *
 * Each route validates its input completely (so the client learns which field is wrong before
 * any worker is bothered), turns it into one op of docs/protocol.md, and forwards it. */
#ifndef RECO_API_V1_H
#define RECO_API_V1_H

#include "reco_http.h"
#include "reco_routes.h"

/* Handles a request whose first segment is "v1". Always answers the request. */
void reco_api_v1_handle(reco_gateway_t *gw, struct evhttp_request *req, reco_path_t *path);
/* Calls emit once per route of the table above, as "/v1/{tenant}/items/{item}" (reco_routes.h). */
void reco_api_v1_routes(reco_route_fn emit, void *ctx);
/* GET /healthz. Always answers the request. */
void reco_api_health(reco_gateway_t *gw, struct evhttp_request *req);

#endif
