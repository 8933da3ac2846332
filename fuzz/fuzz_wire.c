/* fuzz_wire — the msgpack decoders every process runs on what arrives over ZeroMQ
 * (common/reco_wire.c): requests (workers) and replies (the gateway).
 *
 * Input: one payload, decoded as a request and as a reply. Invariants: a refusal says why; a
 * decoded message encodes again, and decoding that gives the same message (so a worker can
 * always answer what it could read, and the gateway renders what the worker meant). */
#include "fuzz_common.h"
#include "reco_wire.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    reco_fuzz_quiet();
    return 0;
}

static int same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void request_round_trip(const uint8_t *data, size_t size)
{
    reco_request_t req;
    reco_error_t err = {0};
    if (reco_wire_decode_request(data, size, &req, &err) != 0) {
        reco_fuzz_check_error(&err, "reco_wire_decode_request");
        return;
    }
    if (!json_is_object(req.args) || !req.id || !req.op || !req.tenant)
        reco_fuzz_fail("a decoded request lacks id, op, tenant or args");
    char *buf = NULL;
    size_t len = 0;
    if (reco_wire_encode_request(&req, &buf, &len) != 0)
        reco_fuzz_fail("a decoded request does not encode again");
    reco_request_t again;
    if (reco_wire_decode_request(buf, len, &again, &err) != 0)
        reco_fuzz_fail("a re-encoded request does not decode: %s", err.message);
    if (again.v != req.v || !same_text(again.id, req.id) || !same_text(again.op, req.op) ||
        !same_text(again.tenant, req.tenant) || !json_equal(again.args, req.args))
        reco_fuzz_fail("a request changed on its way round");
    reco_request_clear(&again);
    free(buf);
    reco_request_clear(&req);
}

static void reply_round_trip(const uint8_t *data, size_t size)
{
    reco_reply_t rep;
    reco_error_t err = {0};
    if (reco_wire_decode_reply(data, size, &rep, &err) != 0) {
        reco_fuzz_check_error(&err, "reco_wire_decode_reply");
        return;
    }
    char *buf = NULL;
    size_t len = 0;
    if (reco_wire_encode_reply(&rep, &buf, &len) != 0)
        reco_fuzz_fail("a decoded reply does not encode again");
    reco_reply_t again;
    if (reco_wire_decode_reply(buf, len, &again, &err) != 0)
        reco_fuzz_fail("a re-encoded reply does not decode: %s", err.message);
    if (again.status != rep.status || !same_text(again.id, rep.id) ||
        (rep.body && (!again.body || !json_equal(again.body, rep.body))) ||
        strcmp(again.error.code, rep.error.code) != 0 ||
        strcmp(again.error.message, rep.error.message) != 0)
        reco_fuzz_fail("a reply changed on its way round");
    reco_reply_clear(&again);
    free(buf);
    reco_reply_clear(&rep);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    request_round_trip(data, size);
    reply_round_trip(data, size);
    return 0;
}
