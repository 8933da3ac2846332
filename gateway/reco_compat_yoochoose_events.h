/* reco_compat_yoochoose_events — Yoochoose's tracking API (the events a Yoochoose shop sends,
 * and the clickrecommended / rendered links of a recommendation answer), on the native op
 * events.add (users.transfer for login). See reco_compat_yoochoose_events.c for the mapping. */
#ifndef RECO_COMPAT_YOOCHOOSE_EVENTS_H
#define RECO_COMPAT_YOOCHOOSE_EVENTS_H

#include "reco_http.h"

/* Handles GET or POST /compat/yoochoose/api/{customerid}/{event}/...; segs[0..n) are the
 * segments after "api" (customerid first). Always answers the request. */
void reco_yoochoose_event(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                          char *const *segs, int n);

#endif
