/* reco_compat_gravity — what the two files of the Gravity / Yusp dialect share (seed 003,
 * docs/dialects.md, "Gravity"). Internal to the dialect: reco_compat.h declares its entry point.
 *
 *   reco_compat_gravity.c       routing of /compat/gravity/{tenant}/<method>, the write methods
 *                               (addEvents, addItems, updateItems, addUsers) and privacy
 *                               (getUser, getEvents, optOut)
 *   reco_compat_gravity_reco.c  getItemRecommendation (GET and POST) and
 *                               getItemRecommendationBulk
 *
 * Gravity's "nameValues" are lists of {"name", "value"} pairs in which a name may repeat (a
 * repeated name is a list value). Values travel as text in Gravity; reco stores them as the
 * attributes they came as (text stays text) and renders every stored value back as text. */
#ifndef RECO_COMPAT_GRAVITY_H
#define RECO_COMPAT_GRAVITY_H

#include <jansson.h>

#include "reco_http.h"

/* Gravity's documented request size limit: 413 above it ("Default limit is 1MB per request"). */
#define RECO_GRAVITY_BODY_MAX ((size_t)1 << 20)
/* Names of one nameValues list and result name values of one request. */
#define RECO_GRAVITY_NAMES_MAX 50

/* The largest body the dialect reads: the smaller of Gravity's limit and the gateway's. */
size_t reco_gravity_body_max(const reco_gateway_t *gw);

/* Appends to list one {"name": name, "value": <text>} per value: a string as it is, a number or
 * boolean as its JSON text, an array as one entry per element; null adds nothing. */
void reco_gravity_append_name_values(json_t *list, const char *name, const json_t *value);

/* Appends one {"name": ..., "value": ...} element (an object whose name is a non-empty string)
 * of a request's nameValues to out[name] (a value, or a list when the name repeats). where
 * names the element in errors ("nameValues[2]"). 0, or -1 with err set (400). */
int reco_gravity_collect_name_value(const json_t *pair, const char *where, json_t *out,
                                    reco_error_t *err);

/* Sends an empty 200, Gravity's answer to every successful write and opt-out. */
void reco_gravity_send_empty(struct evhttp_request *req);

void reco_gravity_get_recommendation(reco_gateway_t *gw, struct evhttp_request *req,
                                     const reco_path_t *path, const char *tenant);
void reco_gravity_get_recommendation_bulk(reco_gateway_t *gw, struct evhttp_request *req,
                                          const reco_path_t *path, const char *tenant);

#endif
