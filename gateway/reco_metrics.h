/* reco_metrics — the gateway's GET /metrics (Prometheus text exposition format 0.0.4) and the
 * request ids of every HTTP request (docs/operations-metrics.md).
 *
 * Per request (reco_metrics_request_begin, first thing in the HTTP callback):
 *  - the request id: a valid incoming `X-Request-Id` (1-64 of A-Za-z0-9 . _ : -) or a new one
 *    (16 hex digits), sent back as `X-Request-Id` on every answer, made reco_log's current
 *    request id (so log lines and the ops sent to workers carry it: the broker uses it as the
 *    op's `id`);
 *  - a completion hook (evhttp_request_set_on_complete_cb) that counts the answer by route
 *    template, dialect, method and status, and its latency from the request's arrival (when
 *    libevent had read it whole) into a histogram; with the access log on it logs one line
 *    "access <METHOD> <route template> <status> <ms> ms" at info level.
 * Nothing is allocated per request: the arrival time travels as the hook's argument, the route is
 * matched when the answer is complete, and the counters live in fixed tables made at start.
 * A request whose client went away before the answer is not counted (libevent frees it without
 * calling the hook); answers libevent makes itself (a malformed request line) are not either.
 *
 * GET /metrics: the gateway's own families (requests, latency, reco_workers, reco_queue_depth)
 * plus per tenant the figures a query worker reads from Redis (op `metrics.tenants`): events
 * ingested per type, and per model its version, build duration, size (keys) and age. With no
 * query worker connected, or when it fails, the gateway's own families are still served, with
 * reco_metrics_tenants_up 0.
 *
 * One event loop, one thread: no locks. The state is the module's (one gateway per process). */
#ifndef RECO_METRICS_H
#define RECO_METRICS_H

#include <event2/http.h>

#include "reco_http.h"

#define RECO_REQUEST_ID_MAX 64

/* Builds the route table and counters. access_log: log one line per answered request.
 * Returns 0, or -1 (out of memory). */
int reco_metrics_init(int access_log);
void reco_metrics_free(void);

/* Request id and completion hook for a request just arrived (see above). */
void reco_metrics_request_begin(struct evhttp_request *req);
/* Makes req's request id reco_log's current one again (code resumed later, e.g. after an
 * asynchronous auth check); reco_log_set_request_id(NULL) ends it. */
void reco_metrics_request_resume(struct evhttp_request *req);

/* 1 if text is a request id we accept from a client. */
int reco_request_id_valid(const char *text);

/* GET /metrics (other methods: 405). */
void reco_metrics_handle(reco_gateway_t *gw, struct evhttp_request *req);

#endif
