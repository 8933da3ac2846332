/* reco_http_cache — HTTP caching and JSONP of the GET recommendation routes.
 *
 * A recommend reply carries `built_at` (epoch ms) and, once the trainer writes it, `interval_ms`
 * (the model's rebuild interval) of the model version it was served from (docs/protocol.md).
 * From those the answer gets:
 *
 *   Last-Modified  built_at, in whole seconds (HTTP dates have no finer unit).
 *   Expires        E = built_at + interval (interval = the gateway's --default-interval-ms,
 *                  1 h, while the meta has none), clamped to [now + 5 min, now + 24 h]: a model
 *                  overdue for its rebuild is still cached 5 minutes, none longer than a day.
 *   Cache-Control  "public, max-age=N" with N = Expires − now in seconds, or "private,
 *                  max-age=N" when the answer depends on a user (or session): shared caches must
 *                  not hand one shopper's recommendations to another.
 *   304            when If-Modified-Since ≥ Last-Modified: the same headers, no body. An
 *                  unreadable If-Modified-Since is ignored (RFC 9110 §13.1.3).
 *
 * A reply without built_at (a model never built, an error) gets Cache-Control: no-store.
 *
 * JSONP: `callback=` (or Yoochoose's `jsonpCallback=`) names a function; the body becomes
 * `name(<json>);` with Content-Type application/javascript; so is a worker's error (with its
 * status). Errors of the gateway's own checks, found before the name is read, stay plain JSON.
 * A name is JavaScript identifiers joined by dots (`[A-Za-z_$][A-Za-z0-9_$]*`, e.g.
 * `jQuery3_1.cb`), at most RECO_JSONP_CALLBACK_MAX bytes; anything else is a 400 naming the field.
 *
 * Ownership: a reco_http_cache_t is a plain value, copied by reco_http_forward_cached. */
#ifndef RECO_HTTP_CACHE_H
#define RECO_HTTP_CACHE_H

#include <stdint.h>

#include "reco_http.h"

#define RECO_JSONP_CALLBACK_MAX 64
#define RECO_CACHE_MIN_MS (5 * 60 * 1000L)       /* Expires at least this far ahead */
#define RECO_CACHE_MAX_MS (24 * 60 * 60 * 1000L) /* ...and at most this far */
#define RECO_CACHE_DEFAULT_INTERVAL_MS (60 * 60 * 1000L)

typedef struct {
    char callback[RECO_JSONP_CALLBACK_MAX + 1]; /* "" = plain JSON */
    int personal;                               /* Cache-Control: private */
    int64_t if_modified_since;                  /* epoch seconds; -1 = none */
} reco_http_cache_t;

/* Reads the JSONP callback and If-Modified-Since of req. personal: the answer depends on who
 * asks (a user or session was given). 0, or -1 after answering 400 naming the field. */
int reco_http_cache_parse(struct evhttp_request *req, const reco_path_t *path, int personal,
                          reco_http_cache_t *out);

/* 1 if name is a valid JSONP callback name (see above). */
int reco_jsonp_name_valid(const char *name);

/* The Expires time (epoch ms) of an answer built at built_ms with the given rebuild interval,
 * seen at now_ms: built + interval clamped to [now + 5 min, now + 24 h]. */
int64_t reco_cache_expires_ms(int64_t built_ms, int64_t interval_ms, int64_t now_ms);

/* Answers a recommendation body (stolen) the way reco_http_forward_cached does: with status 200
 * and built_ms > 0 the caching headers above (interval_ms 0 = default_interval_ms), or 304 when
 * If-Modified-Since allows; JSONP when cache names a callback. For dialects that reshape the
 * worker's reply before sending it. */
void reco_http_cache_send(struct evhttp_request *req, const reco_http_cache_t *cache, long default_interval_ms,
                          int status, json_t *body, int64_t built_ms, int64_t interval_ms);

/* reco_http_forward to the query pool, answering with the headers, 304 and JSONP above. */
void reco_http_forward_cached(reco_gateway_t *gw, struct evhttp_request *req, const char *tenant, const char *op,
                              json_t *args, const reco_http_cache_t *cache);

#endif
