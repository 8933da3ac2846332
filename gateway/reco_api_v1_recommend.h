/* reco_api_v1_recommend — the native recommendation routes and the query parameters every
 * recommendation route shares.
 *
 *   GET  /v1/{tenant}/recommend?model=&<the parameters below>        op recommend
 *   GET  /v1/{tenant}/resort?by=&items=&user=&seed=                   op resort
 *   POST /v1/{tenant}/resort  {"items":[...], "by", "user"?, "seed"?}  op resort
 *
 * reco_v1_recommend_params is public for every route that asks for recommendations (the
 * scenario route GET /v1/{tenant}/recommend/{scenario} calls it too): it checks and copies
 *
 *   item, items, items[]  context item ids, repeatable, up to 20      → args.items (always set)
 *   user                  an id                                       → args.user
 *   limit                 1..50 (absent: the op's or scenario's default) → args.limit
 *   include-sets, exclude-seen  true/false                            → include_sets, exclude_seen
 *   offset                0..1000                                     → args.offset
 *   pscore, pitem         the page cursor: a finite number, and an id → args.pscore, args.pitem
 *                         (pitem only with pscore; a set's pitem is its ids joined by U+001F)
 *   filters               URL-encoded JSON array (common/reco_filter.h) → args.filters
 *   attributes            names, repeatable or comma-separated, <= 20 → args.attributes
 *
 * into args (docs/protocol.md), or answers 400 naming the parameter. */
#ifndef RECO_API_V1_RECOMMEND_H
#define RECO_API_V1_RECOMMEND_H

#include <jansson.h>

#include "reco_http.h"

#define RECO_V1_RECOMMEND_LIMIT_MAX 50
#define RECO_V1_RESORT_ITEMS_MAX 100

/* The shared parameters of req into args (an object the caller owns). 0, or -1 after answering
 * 400 (args may then hold some of the parameters; the caller still frees it). */
int reco_v1_recommend_params(struct evhttp_request *req, const reco_path_t *path, json_t *args);

void reco_v1_get_recommend(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                           const char *tenant, char *const *caps);
void reco_v1_get_resort(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                        const char *tenant, char *const *caps);
void reco_v1_post_resort(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                         const char *tenant, char *const *caps);

#endif
