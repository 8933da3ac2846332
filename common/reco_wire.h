/* reco_wire — the one encoder/decoder of reco's internal messages (msgpack), used by every process.
 *
 * A request is a msgpack map {v, id, tenant, op, args}; a reply is {v, id, status, body} or
 * {v, id, status, error:{code, message}}. `args` and `body` are free-form maps; in C they are
 * jansson values, so the gateway (which speaks JSON) and the workers share one representation,
 * and msgpack <-> JSON conversion is written exactly once, here. docs/protocol.md lists the ops.
 *
 * Around the payload, the gateway and its workers exchange ZeroMQ multipart messages whose first
 * frame is a command (RECO_CMD_*); see docs/protocol.md for the full dialogue.
 *
 * Ownership: request/reply structs own their strings and hold one reference to args/body;
 * reco_request_clear / reco_reply_clear release them. Decoders never keep a pointer into the
 * input buffer. */
#ifndef RECO_WIRE_H
#define RECO_WIRE_H

#include <jansson.h>
#include <stddef.h>

#include "reco_error.h"

#define RECO_WIRE_VERSION 1
#define RECO_WIRE_MAX_DEPTH 32

/* Worker -> gateway: READY [kind] (once on connect), HEARTBEAT, REPLY <payload>.
 * Gateway -> worker: REQUEST <payload>, HEARTBEAT. */
#define RECO_CMD_READY "READY"
#define RECO_CMD_HEARTBEAT "HEARTBEAT"
#define RECO_CMD_REQUEST "REQUEST"
#define RECO_CMD_REPLY "REPLY"

typedef struct {
    int v;
    char *id;
    char *tenant; /* may be "" for ops that have no tenant (e.g. "health") */
    char *op;
    json_t *args; /* a JSON object; never NULL after a successful decode */
} reco_request_t;

typedef struct {
    int v;
    char *id;
    int status;   /* HTTP-like: 200, 202, 400, 404, 500, 503 ... */
    json_t *body; /* a JSON object on success, NULL when error.status != 0 */
    reco_error_t error;
} reco_reply_t;

/* Encoders: *out is malloc'ed, caller frees. Return 0, or -1 (out of memory or a value that
 * cannot be represented, e.g. nesting deeper than RECO_WIRE_MAX_DEPTH). */
int reco_wire_encode_request(const reco_request_t *req, char **out, size_t *len);
int reco_wire_encode_reply(const reco_reply_t *rep, char **out, size_t *len);

/* Decoders: fill *out (zeroed first); on failure return -1 with err describing why, and leave
 * nothing to free. */
int reco_wire_decode_request(const void *data, size_t len, reco_request_t *out, reco_error_t *err);
int reco_wire_decode_reply(const void *data, size_t len, reco_reply_t *out, reco_error_t *err);

void reco_request_clear(reco_request_t *req);
void reco_reply_clear(reco_reply_t *rep);

/* Reply helpers for workers. reco_reply_ok steals the reference to body (NULL = empty object). */
void reco_reply_ok(reco_reply_t *rep, int status, json_t *body);
void reco_reply_fail(reco_reply_t *rep, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
