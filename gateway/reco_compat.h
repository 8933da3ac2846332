/* reco_compat — the vendor dialects: /compat/<vendor>/... (issue [5/7], docs/dialects.md).
 *
 * Each dialect is one file, gateway/reco_compat_<vendor>.c, that maps the vendor's routes,
 * parameters, status codes and JSON shapes onto the native API's ops (docs/protocol.md) — no
 * second implementation of any behaviour: a dialect validates, builds the same op args as the
 * native route would, forwards with reco_http_forward, and renders the worker's reply in the
 * vendor's shape with a reco_render_fn. Errors keep the native JSON error body
 * {"error": {"code", "message"}} unless the vendor documents another shape.
 *
 * This file only dispatches on the vendor segment; a dialect registers itself with one line in
 * the table of reco_compat.c. */
#ifndef RECO_COMPAT_H
#define RECO_COMPAT_H

#include "reco_http.h"

/* Handles a request whose dialect path starts at path->seg[2] (seg[0] "compat", seg[1] the
 * vendor). Always answers the request. */
typedef void (*reco_compat_fn)(reco_gateway_t *gw, struct evhttp_request *req, reco_path_t *path);

/* Handles a request whose first segment is "compat". Always answers the request: an unknown
 * vendor is a 404 naming the known ones. */
void reco_compat_handle(reco_gateway_t *gw, struct evhttp_request *req, reco_path_t *path);

/* The dialects (each in its own reco_compat_<vendor>.c). */
void reco_compat_aegeria(reco_gateway_t *gw, struct evhttp_request *req, reco_path_t *path);
void reco_compat_advisable(reco_gateway_t *gw, struct evhttp_request *req, reco_path_t *path);
void reco_compat_tastehit(reco_gateway_t *gw, struct evhttp_request *req, reco_path_t *path);
void reco_compat_gravity(reco_gateway_t *gw, struct evhttp_request *req, reco_path_t *path);
void reco_compat_yoochoose(reco_gateway_t *gw, struct evhttp_request *req, reco_path_t *path);

#endif
