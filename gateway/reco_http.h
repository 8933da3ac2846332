/* reco_http — the gateway's HTTP plumbing shared by every dialect: reading JSON bodies, splitting
 * paths, writing JSON answers and errors, and forwarding an op to the broker with a renderer for
 * its reply.
 *
 * Every error answer is {"error":{"code":...,"message":...}} with a message naming the field.
 * Ownership: functions named send_* finish the evhttp request (libevent frees it afterwards);
 * after calling one, the caller must not touch the request again. */
#ifndef RECO_HTTP_H
#define RECO_HTTP_H

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stddef.h>

#include "reco_broker.h"
#include "reco_error.h"

#define RECO_PATH_MAX_SEGMENTS 12

typedef struct {
    reco_broker_t *broker;
    size_t max_body_bytes;
    long default_interval_ms; /* HTTP caching: a model's rebuild interval when its meta has none */
    struct reco_auth *auth;   /* reco_auth.h: keys, roles, rate limits, CORS */
} reco_gateway_t;

typedef struct {
    int n;
    char *seg[RECO_PATH_MAX_SEGMENTS]; /* percent-decoded, owned */
    struct evkeyvalq query;            /* decoded query parameters */
} reco_path_t;

/* Renders a worker's reply into the HTTP answer. reply: valid until the function returns. */
typedef void (*reco_render_fn)(struct evhttp_request *req, const reco_reply_t *reply, void *ctx);

/* Splits the request's path into decoded segments and parses the query string.
 * Returns 0, or -1 with err set (400). reco_path_clear releases it either way. */
int reco_path_parse(struct evhttp_request *req, reco_path_t *path, reco_error_t *err);
void reco_path_clear(reco_path_t *path);
const char *reco_path_param(const reco_path_t *path, const char *name);

/* Reads the body as JSON. NULL with err set: 413 over max, 400 invalid_json / empty body. */
json_t *reco_http_read_json(struct evhttp_request *req, size_t max, reco_error_t *err);

/* Sends body (reference stolen) with status, as application/json, with Cache-Control: no-store. */
void reco_http_send_json(struct evhttp_request *req, int status, json_t *body);
/* Sets the X-Recommendation-Id header from the reply body's recommendation_id, if it has one:
 * for dialects whose documented answer has no place for the id (Aegeria, TasteHit), so that
 * their clients can still cite it in events (docs/attribution.md). */
void reco_http_recommendation_id_header(struct evhttp_request *req, const json_t *body);
/* The same with a JSONP callback (NULL = none: a validated name, see reco_http_cache.h; the body
 * becomes `callback(<json>);` as application/javascript) and a Cache-Control value (NULL =
 * no-store). Out of memory gives a plain JSON 500 instead. */
void reco_http_send_json_as(struct evhttp_request *req, int status, json_t *body, const char *callback,
                            const char *cache_control);
void reco_http_send_error(struct evhttp_request *req, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void reco_http_send_reco_error(struct evhttp_request *req, const reco_error_t *err);
/* 405 with an Allow header. */
void reco_http_send_method_not_allowed(struct evhttp_request *req, const char *allow);

/* The native rendering: reply status and body as they are, or the error object. */
void reco_render_native(struct evhttp_request *req, const reco_reply_t *reply, void *ctx);

/* Sends op to the broker and answers the HTTP request when the reply comes, through render
 * (NULL = reco_render_native). Takes the reference to args. Never fails silently: if the broker
 * refuses the request, the error is sent at once and -1 returned (render is then never called,
 * so the caller still owns render_ctx); 0 when render will be called exactly once. */
int reco_http_forward(reco_gateway_t *gw, struct evhttp_request *req, reco_pool_t pool, const char *tenant,
                       const char *op, json_t *args, reco_render_fn render, void *render_ctx);

/* Fire and forget (the `async=true` of the write routes): queues op with the broker and answers
 * 202 {"queued": count} at once; the worker's eventual reply is only logged. Takes args. */
void reco_http_forward_async(reco_gateway_t *gw, struct evhttp_request *req, reco_pool_t pool, const char *tenant,
                             const char *op, json_t *args, size_t count);

/* Query parameters, checked. Each returns 0 (absent: *out untouched / not set), 1 (present
 * and valid, stored), or -1 after answering 400 naming the parameter. */
int reco_param_id(struct evhttp_request *req, const reco_path_t *path, const char *name, json_t *args);
int reco_param_long(struct evhttp_request *req, const reco_path_t *path, const char *name, long min, long max,
                    long *out);
int reco_param_bool(struct evhttp_request *req, const reco_path_t *path, const char *name, int *out);
/* A finite number; the 400 says "<name>: must be a finite number (<meaning>)". */
int reco_param_double(struct evhttp_request *req, const reco_path_t *path, const char *name, const char *meaning,
                      double *out);
/* A timestamp parameter (epoch s/ms or RFC 3339), stored in args as epoch ms. */
int reco_param_time(struct evhttp_request *req, const reco_path_t *path, const char *name, json_t *args);

#endif
