/* Unit tests of reco_wire: requests and replies survive a round trip exactly, and every kind of
 * malformed input is refused with an error instead of a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "reco_wire.h"

static void request_round_trip(void **state)
{
    (void)state;
    json_t *args = json_pack("{s:[{s:s,s:s,s:s,s:I,s:f}], s:b, s:n, s:s#}", "events", "user", "u1", "item",
                             "caf\xc3\xa9", "type", "view", "ts", (json_int_t)1700000000123LL, "value", 4.5, "flag",
                             1, "nothing", "bin", "a\0b", (size_t)3);
    reco_request_t req = {RECO_WIRE_VERSION, "42-1", "shop", "events.add", args};
    char *buf = NULL;
    size_t len = 0;
    assert_int_equal(reco_wire_encode_request(&req, &buf, &len), 0);
    reco_request_t out;
    reco_error_t err;
    assert_int_equal(reco_wire_decode_request(buf, len, &out, &err), 0);
    assert_string_equal(out.id, "42-1");
    assert_string_equal(out.tenant, "shop");
    assert_string_equal(out.op, "events.add");
    assert_true(json_equal(out.args, args));
    json_t *ev = json_array_get(json_object_get(out.args, "events"), 0);
    assert_int_equal(json_integer_value(json_object_get(ev, "ts")), 1700000000123LL);
    assert_string_equal(json_string_value(json_object_get(ev, "item")), "caf\xc3\xa9");
    assert_int_equal(json_string_length(json_object_get(out.args, "bin")), 3);
    reco_request_clear(&out);
    free(buf);
    json_decref(args);
}

static void reply_round_trip_body_and_error(void **state)
{
    (void)state;
    reco_reply_t rep;
    memset(&rep, 0, sizeof rep);
    rep.id = strdup("7");
    reco_reply_ok(&rep, 202, json_pack("{s:b}", "queued", 1));
    char *buf = NULL;
    size_t len = 0;
    assert_int_equal(reco_wire_encode_reply(&rep, &buf, &len), 0);
    reco_reply_t out;
    reco_error_t err;
    assert_int_equal(reco_wire_decode_reply(buf, len, &out, &err), 0);
    assert_int_equal(out.status, 202);
    assert_int_equal(out.error.status, 0);
    assert_true(json_is_true(json_object_get(out.body, "queued")));
    reco_reply_clear(&out);
    free(buf);

    reco_reply_fail(&rep, 400, "invalid_field", "events[%d].type: unknown", 3);
    assert_int_equal(reco_wire_encode_reply(&rep, &buf, &len), 0);
    assert_int_equal(reco_wire_decode_reply(buf, len, &out, &err), 0);
    assert_int_equal(out.status, 400);
    assert_int_equal(out.error.status, 400);
    assert_string_equal(out.error.code, "invalid_field");
    assert_string_equal(out.error.message, "events[3].type: unknown");
    assert_null(out.body);
    reco_reply_clear(&out);
    reco_reply_clear(&rep);
    free(buf);
}

/* Packs a map by hand so that tests can craft wrong messages. */
static char *pack_custom(size_t *len, int version, int with_id, int args_kind)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, (uint32_t)(3 + with_id));
    msgpack_pack_str_with_body(&pk, "v", 1);
    msgpack_pack_int(&pk, version);
    if (with_id) {
        msgpack_pack_str_with_body(&pk, "id", 2);
        msgpack_pack_str_with_body(&pk, "x", 1);
    }
    msgpack_pack_str_with_body(&pk, "op", 2);
    msgpack_pack_str_with_body(&pk, "recommend", 9);
    msgpack_pack_str_with_body(&pk, "args", 4);
    if (args_kind == 0) {
        msgpack_pack_map(&pk, 0);
    } else if (args_kind == 1) {
        msgpack_pack_array(&pk, 1); /* args must be a map */
        msgpack_pack_nil(&pk);
    } else {
        msgpack_pack_map(&pk, 1); /* a non-string key */
        msgpack_pack_int(&pk, 5);
        msgpack_pack_nil(&pk);
    }
    *len = sb.size;
    return msgpack_sbuffer_release(&sb);
}

static void decode_refuses_bad_messages(void **state)
{
    (void)state;
    reco_request_t out;
    reco_error_t err;
    size_t len;
    char *ok = pack_custom(&len, RECO_WIRE_VERSION, 1, 0);
    assert_int_equal(reco_wire_decode_request(ok, len, &out, &err), 0);
    assert_string_equal(out.tenant, "");
    reco_request_clear(&out);
    /* truncated and trailing bytes */
    assert_int_equal(reco_wire_decode_request(ok, len - 1, &out, &err), -1);
    assert_string_equal(err.code, "bad_message");
    char *longer = malloc(len + 1);
    memcpy(longer, ok, len);
    longer[len] = 0x01;
    assert_int_equal(reco_wire_decode_request(longer, len + 1, &out, &err), -1);
    free(longer);
    free(ok);

    char *bad = pack_custom(&len, 99, 1, 0);
    assert_int_equal(reco_wire_decode_request(bad, len, &out, &err), -1);
    assert_string_equal(err.code, "bad_version");
    free(bad);
    bad = pack_custom(&len, RECO_WIRE_VERSION, 0, 0);
    assert_int_equal(reco_wire_decode_request(bad, len, &out, &err), -1);
    assert_non_null(strstr(err.message, "'id'"));
    free(bad);
    for (int kind = 1; kind <= 2; kind++) {
        bad = pack_custom(&len, RECO_WIRE_VERSION, 1, kind);
        assert_int_equal(reco_wire_decode_request(bad, len, &out, &err), -1);
        assert_non_null(strstr(err.message, "args"));
        free(bad);
    }
    assert_int_equal(reco_wire_decode_request("", 0, &out, &err), -1);
    assert_int_equal(reco_wire_decode_request(NULL, 0, &out, &err), -1);
}

static void decode_survives_garbage(void **state)
{
    (void)state;
    /* Deterministic pseudo-random bytes: no input may crash the decoder. */
    uint32_t x = 12345;
    unsigned char buf[64];
    for (int round = 0; round < 20000; round++) {
        size_t n = (size_t)(round % 63) + 1;
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            buf[i] = (unsigned char)(x >> 16);
        }
        buf[0] = (unsigned char)(0x80 | (buf[0] & 0x0f)); /* mostly maps, to reach deeper code */
        reco_request_t req;
        reco_reply_t rep;
        reco_error_t err;
        if (reco_wire_decode_request(buf, n, &req, &err) == 0)
            reco_request_clear(&req);
        if (reco_wire_decode_reply(buf, n, &rep, &err) == 0)
            reco_reply_clear(&rep);
    }
}

static void encode_refuses_too_deep(void **state)
{
    (void)state;
    json_t *deep = json_object();
    json_t *cur = deep;
    for (int i = 0; i < RECO_WIRE_MAX_DEPTH + 2; i++) {
        json_t *next = json_array();
        json_object_set_new(cur, "k", next);
        cur = json_object();
        json_array_append_new(next, cur);
    }
    reco_request_t req = {RECO_WIRE_VERSION, "1", "t", "op", deep};
    char *buf = NULL;
    size_t len = 0;
    assert_int_equal(reco_wire_encode_request(&req, &buf, &len), -1);
    assert_null(buf);
    json_decref(deep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(request_round_trip),
        cmocka_unit_test(reply_round_trip_body_and_error),
        cmocka_unit_test(decode_refuses_bad_messages),
        cmocka_unit_test(decode_survives_garbage),
        cmocka_unit_test(encode_refuses_too_deep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
