/* Unit tests of reco_log's line formatting: JSON lines parse and carry every field (with
 * escaping done right, also for invalid UTF-8 and very long messages), the request id appears
 * only while one is current, and text lines keep their shape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "reco_log.h"

/* 2026-11-27T06:50:00.123Z */
#define TS_MS 1795762200123LL

static json_t *render_json(char *line, size_t cap, reco_log_level_t level, const char *msg)
{
    size_t len = reco_log_render(line, cap, level, TS_MS, msg);
    assert_true(len > 0 && len < cap);
    assert_int_equal(line[len - 1], '\n');
    assert_int_equal(strlen(line), len);
    assert_null(memchr(line, '\n', len - 1)); /* one line */
    json_error_t err;
    json_t *obj = json_loadb(line, len, 0, &err);
    if (!obj) fail_msg("not JSON (%s): %s", err.text, line);
    assert_true(json_is_object(obj));
    return obj;
}

static void test_json_fields(void **state)
{
    (void)state;
    reco_log_init("query", RECO_LOG_DEBUG);
    reco_log_set_format(RECO_LOG_JSON);
    reco_log_set_request_id(NULL);
    char line[4096];
    json_t *obj = render_json(line, sizeof line, RECO_LOG_WARN, "said \"hi\"\n\tand \\ left");
    assert_string_equal(json_string_value(json_object_get(obj, "ts")), "2026-11-27T06:50:00.123Z");
    assert_string_equal(json_string_value(json_object_get(obj, "level")), "warn");
    assert_string_equal(json_string_value(json_object_get(obj, "process")), "query");
    assert_int_equal(json_integer_value(json_object_get(obj, "pid")), (json_int_t)getpid());
    assert_string_equal(json_string_value(json_object_get(obj, "msg")),
                        "said \"hi\"\n\tand \\ left");
    assert_null(json_object_get(obj, "request_id"));
    json_decref(obj);

    reco_log_set_request_id("abc-123.x");
    obj = render_json(line, sizeof line, RECO_LOG_DEBUG, "with id");
    assert_string_equal(json_string_value(json_object_get(obj, "request_id")), "abc-123.x");
    assert_string_equal(json_string_value(json_object_get(obj, "level")), "debug");
    json_decref(obj);

    reco_log_set_request_id("");
    obj = render_json(line, sizeof line, RECO_LOG_ERROR, "cleared");
    assert_null(json_object_get(obj, "request_id"));
    assert_string_equal(json_string_value(json_object_get(obj, "level")), "error");
    json_decref(obj);
}

static void test_json_invalid_utf8(void **state)
{
    (void)state;
    reco_log_init("gateway", RECO_LOG_INFO);
    reco_log_set_format(RECO_LOG_JSON);
    reco_log_set_request_id(NULL);
    char line[1024];
    json_t *obj =
        render_json(line, sizeof line, RECO_LOG_INFO, "bad \xff\xfe bytes, good \xc3\xa9");
    /* not valid UTF-8 as a whole: every non-ASCII byte becomes '?' */
    assert_string_equal(json_string_value(json_object_get(obj, "msg")), "bad ?? bytes, good ??");
    json_decref(obj);
    obj = render_json(line, sizeof line, RECO_LOG_INFO, "caf\xc3\xa9 \x01");
    assert_string_equal(json_string_value(json_object_get(obj, "msg")), "caf\xc3\xa9 \x01");
    json_decref(obj);
}

static void test_json_long_message_is_cut(void **state)
{
    (void)state;
    reco_log_init("ingestor", RECO_LOG_INFO);
    reco_log_set_format(RECO_LOG_JSON);
    reco_log_set_request_id("r1");
    char msg[3000];
    for (size_t i = 0; i < sizeof msg - 1; i++)
        msg[i] = i % 7 == 0 ? '"' : (i % 11 == 0 ? '\x02' : 'a'); /* escapes grow the output */
    msg[sizeof msg - 1] = '\0';
    char line[512];
    json_t *obj = render_json(line, sizeof line, RECO_LOG_INFO, msg);
    const char *got = json_string_value(json_object_get(obj, "msg"));
    assert_non_null(got);
    assert_true(strlen(got) > 0 && strlen(got) < 512);
    assert_memory_equal(got, msg, strlen(got)); /* a prefix of the message */
    assert_string_equal(json_string_value(json_object_get(obj, "request_id")), "r1");
    json_decref(obj);

    /* a multi-byte character is never cut in half */
    char wide[2001];
    for (size_t i = 0; i + 1 < sizeof wide; i += 2)
        memcpy(wide + i, "\xc3\xa9", 2);
    wide[2000] = '\0';
    obj = render_json(line, sizeof line, RECO_LOG_INFO, wide);
    got = json_string_value(json_object_get(obj, "msg"));
    assert_true(strlen(got) % 2 == 0 && strlen(got) > 0);
    assert_memory_equal(got, wide, strlen(got));
    json_decref(obj);
}

static void test_text_line(void **state)
{
    (void)state;
    reco_log_init("trainer", RECO_LOG_INFO);
    reco_log_set_format(RECO_LOG_TEXT);
    reco_log_set_request_id(NULL);
    char line[256], want[256];
    reco_log_render(line, sizeof line, RECO_LOG_INFO, TS_MS, "built");
    snprintf(want, sizeof want, "2026-11-27T06:50:00.123Z trainer[%ld] INFO  built\n",
             (long)getpid());
    assert_string_equal(line, want);
    reco_log_set_request_id("q-7");
    reco_log_render(line, sizeof line, RECO_LOG_ERROR, TS_MS, "lost");
    snprintf(want, sizeof want, "2026-11-27T06:50:00.123Z trainer[%ld] ERROR [q-7] lost\n",
             (long)getpid());
    assert_string_equal(line, want);
    reco_log_set_request_id(NULL);
}

static void test_parse_and_setup(void **state)
{
    (void)state;
    reco_log_format_t f;
    assert_int_equal(reco_log_format_parse("json", &f), 0);
    assert_int_equal(f, RECO_LOG_JSON);
    assert_int_equal(reco_log_format_parse("TEXT", &f), 0);
    assert_int_equal(f, RECO_LOG_TEXT);
    assert_int_equal(reco_log_format_parse("xml", &f), -1);
    assert_int_equal(reco_log_format_parse(NULL, &f), -1);
    assert_int_equal(reco_log_setup("x", "info", "yaml"), -1);
    assert_int_equal(reco_log_setup("x", "loud", "json"), -1);
    assert_int_equal(reco_log_setup("x", "warn", "json"), 0);
    assert_false(reco_log_enabled(RECO_LOG_INFO));
    assert_true(reco_log_enabled(RECO_LOG_ERROR));
    /* a request id longer than the limit is cut, never overflows */
    char longid[300];
    memset(longid, 'x', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    reco_log_set_request_id(longid);
    assert_int_equal(strlen(reco_log_request_id()), RECO_LOG_REQUEST_ID_MAX);
    reco_log_set_request_id(NULL);
    assert_string_equal(reco_log_request_id(), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_fields),
        cmocka_unit_test(test_json_invalid_utf8),
        cmocka_unit_test(test_json_long_message_is_cut),
        cmocka_unit_test(test_text_line),
        cmocka_unit_test(test_parse_and_setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
