/* fuzz_op_worker — the body of the two op targets (fuzz_query_op.c, fuzz_ingest_op.c): what a
 * worker does with a payload (common/reco_worker.c): decode the request, hand it to the
 * worker's op table, encode the reply.
 *
 * The worker's Redis is an address nothing listens on (127.0.0.1:1, refused at once), so every
 * op runs its argument checks and then finds Redis unavailable: the target reaches each op's
 * decoding of its args, not its Redis code. Invariants: a decoded request always gets a reply
 * that encodes; a 4xx says what is wrong; the only 5xx is Redis being unavailable (503). */
#ifndef RECO_FUZZ_OP_WORKER_H
#define RECO_FUZZ_OP_WORKER_H

#include "fuzz_common.h"
#include "reco_store.h"
#include "reco_wire.h"

typedef void (*reco_fuzz_handler_fn)(void *ctx, const reco_request_t *req, reco_reply_t *rep);

static inline reco_store_t *reco_fuzz_dead_store(void)
{
    return reco_store_new("127.0.0.1:1", 100);
}

static inline void reco_fuzz_op(const uint8_t *data, size_t size, reco_fuzz_handler_fn handler,
                                void *ctx)
{
    reco_request_t req;
    reco_error_t err = {0};
    if (reco_wire_decode_request(data, size, &req, &err) != 0)
        return; /* fuzz_wire covers the decoder */
    reco_reply_t rep = {0};
    rep.v = RECO_WIRE_VERSION;
    rep.id = strdup(req.id);
    handler(ctx, &req, &rep);
    int status = rep.error.status ? rep.error.status : rep.status;
    if (status == 0) reco_fuzz_fail("op '%s' produced no reply", req.op);
    if (rep.error.status && (!rep.error.code[0] || !rep.error.message[0]))
        reco_fuzz_fail("op '%s': %d without code or message", req.op, rep.error.status);
    if (status >= 500 && status != 503)
        reco_fuzz_fail("op '%s' answered %d %s: %s", req.op, status, rep.error.code,
                       rep.error.message);
    char *buf = NULL;
    size_t len = 0;
    if (reco_wire_encode_reply(&rep, &buf, &len) != 0)
        reco_fuzz_fail("the reply to op '%s' cannot be encoded", req.op);
    free(buf);
    reco_reply_clear(&rep);
    reco_request_clear(&req);
}

#endif
