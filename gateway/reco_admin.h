/* reco_admin — the admin API under /admin/ (docs/auth.md): tenants and their API keys. reco_auth
 * has checked the admin key before a request gets here; each route becomes one ingest op of
 * ingestor/reco_tenants.h.
 *
 *   POST   /admin/tenants                   {"tenant", "rate_limit"?}  tenants.create  201 / 409
 *   GET    /admin/tenants                                              tenants.list
 *   GET    /admin/tenants/{tenant}                                     tenants.get     200 / 404
 *   PATCH  /admin/tenants/{tenant}          {"rate_limit": {...}|null} tenants.update
 *   DELETE /admin/tenants/{tenant}                                     tenants.delete (its keys and data)
 *   POST   /admin/tenants/{tenant}/keys     {"role": "read"|"write"}   keys.create     201 (the key, once)
 *   GET    /admin/tenants/{tenant}/keys                                keys.list (never a secret)
 *   DELETE /admin/tenants/{tenant}/keys/{id}                           keys.delete     200 / 404 */
#ifndef RECO_ADMIN_H
#define RECO_ADMIN_H

#include "reco_http.h"
#include "reco_routes.h"

void reco_admin_handle(reco_gateway_t *gw, struct evhttp_request *req, reco_path_t *path);
/* The routes above, for reco_routes.h. */
void reco_admin_routes(reco_route_fn emit, void *ctx);

#endif
