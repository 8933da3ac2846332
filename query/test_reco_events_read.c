/* Unit tests of reco_events_read's Redis-free parts: stream ids, cursors and the newest-first
 * order they stand for, a stream entry turned into an event, the type filter, and events.list's
 * argument checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "reco_test_reply.h"

#include "reco_events_read.h"

/* ---- stream ids, cursors, order ---- */

static void test_stream_id_valid(void **state)
{
    (void)state;
    const char *good[] = {"0-0", "1700000000000-0", "18446744073709551615-18446744073709551615"};
    const char *bad[] = {"",      "-",   "1-",   "-1",   "1",
                         "1-2-3", "a-1", "1-1a", " 1-1", "123456789012345678901-0"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(reco_stream_id_valid(good[i], strlen(good[i])));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(reco_stream_id_valid(bad[i], strlen(bad[i])));
}

static void test_cursor_round_trip(void **state)
{
    (void)state;
    reco_events_position_t pos = {0}, back = {0};
    char text[RECO_EVENTS_CURSOR_MAX + 1];
    assert_int_equal(reco_events_position_set(&pos, 1700000000123.0, "1700000000999-12", 16), 0);
    assert_int_equal(reco_events_cursor_format(&pos, text, sizeof text), 30);
    assert_string_equal(text, "1700000000123:1700000000999-12");
    assert_int_equal(reco_events_cursor_parse(text, &back), 0);
    assert_true(back.set);
    assert_true(back.score == pos.score);
    assert_int_equal(back.member_len, 16);
    assert_string_equal(back.member, "1700000000999-12");
    /* the longest cursor fits what the gateway accepts */
    assert_int_equal(reco_events_position_set(&pos, 9007199254740992.0,
                                              "18446744073709551615-18446744073709551615", 41),
                     0);
    assert_true(reco_events_cursor_format(&pos, text, sizeof text) > 0);
    assert_int_equal(reco_events_cursor_parse(text, &back), 0);
    assert_true(back.score == pos.score);
    assert_int_equal(reco_events_cursor_format(&pos, text, 10), -1);
}

static void test_cursor_rejects_garbage(void **state)
{
    (void)state;
    const char *bad[] = {"",
                         "12",
                         ":1-0",
                         "12:",
                         "12:abc",
                         "x:1-0",
                         "1e400:1-0",
                         "nan:1-0",
                         "inf:1-0",
                         " 12:1-0",
                         "12 :1-0",
                         "12:1-0 ",
                         "12:1-0:3",
                         "0x10:1-0",
                         "1700000000000:1700000000000-0-extra-padding-to-exceed-the-max-len"};
    reco_events_position_t pos = {.set = false};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (reco_events_cursor_parse(bad[i], &pos) != -1)
            print_error("accepted '%s'\n", bad[i]), fail();
        assert_false(pos.set); /* untouched on failure */
    }
    assert_int_equal(reco_events_cursor_parse(NULL, &pos), -1);
}

static void test_after_orders_newest_first(void **state)
{
    (void)state;
    reco_events_position_t start = {.set = false}, pos = {0};
    assert_true(reco_events_after(&start, 1e18, "9-9", 3));
    reco_events_position_set(&pos, 100, "50-3", 4);
    assert_true(reco_events_after(&pos, 99, "99-0", 4));   /* older */
    assert_false(reco_events_after(&pos, 101, "1-0", 3));  /* newer */
    assert_false(reco_events_after(&pos, 100, "50-3", 4)); /* itself */
    /* equal scores: entry ids descending, bytewise, the shorter first among prefixes */
    assert_true(reco_events_after(&pos, 100, "50-2", 4));
    assert_false(reco_events_after(&pos, 100, "50-4", 4));
    assert_true(reco_events_after(&pos, 100, "50-", 3));
    assert_false(reco_events_after(&pos, 100, "50-30", 5));
    assert_true(reco_events_after(&pos, 100, "100-0", 5)); /* "1" < "5" */
}

/* ---- entries ---- */

static void test_entry_json_every_field(void **state)
{
    (void)state;
    reco_test_reply_t f;
    const redisReply *r =
        reco_test_reply_of(&f, "user", "u1", "item", "tent 2p", "type", "purchase", "ts", "1700000000000",
                  "id", "ev-1", "value", "4.5", "quantity", "2", "price", "19.99", "order", "o-9",
                  "session", "s-1", "recommendation", "rec-7", "properties",
                  "{\"color\":\"red\",\"n\":3}", "future", "ignored", NULL);
    reco_test_assert_json(reco_event_entry_json("1700000000001-0", 15, r),
                "{\"stream_id\":\"1700000000001-0\",\"user\":\"u1\",\"item\":\"tent 2p\","
                "\"type\":\"purchase\",\"timestamp\":1700000000000,\"id\":\"ev-1\","
                "\"value\":4.5,\"quantity\":2,\"price\":19.99,\"order\":\"o-9\","
                "\"session\":\"s-1\",\"recommendation\":\"rec-7\","
                "\"properties\":{\"color\":\"red\",\"n\":3}}");
    /* the minimal event; whole values are still JSON reals where the API has reals */
    reco_test_assert_json(reco_event_entry_json("5-0", 3,
                                      reco_test_reply_of(&f, "ts", "5", "type", "rating", "item", "i",
                                                "user", "u", "value", "4", NULL)),
                "{\"stream_id\":\"5-0\",\"user\":\"u\",\"item\":\"i\",\"type\":\"rating\","
                "\"timestamp\":5,\"value\":4.0}");
}

static void test_entry_json_leaves_out_bad_fields(void **state)
{
    (void)state;
    reco_test_reply_t f;
    const redisReply *r =
        reco_test_reply_of(&f, "user", "u", "item", "\xff", "type", "view", "ts", "soon", "value", "nan",
                  "quantity", "0", "price", "1.5x", "properties", "[1]", NULL);
    reco_test_assert_json(reco_event_entry_json("1-0", 3, r),
                "{\"stream_id\":\"1-0\",\"user\":\"u\",\"type\":\"view\"}");
    reco_test_assert_json(reco_event_entry_json("1-0", 3, reco_test_reply_of(&f, "properties", "{bad", NULL)),
                "{\"stream_id\":\"1-0\"}");
    /* an odd field list: the last name has no value and is ignored */
    reco_test_assert_json(reco_event_entry_json("1-0", 3, reco_test_reply_of(&f, "user", "u", "item", NULL)),
                "{\"stream_id\":\"1-0\",\"user\":\"u\"}");
}

static void test_type_filter(void **state)
{
    (void)state;
    json_t *ev = json_pack("{s:s}", "type", "view");
    json_t *none = json_object();
    assert_true(reco_event_has_type(ev, NULL));
    assert_true(reco_event_has_type(ev, "view"));
    assert_false(reco_event_has_type(ev, "vie"));
    assert_false(reco_event_has_type(ev, "views"));
    assert_false(reco_event_has_type(none, "view"));
    assert_true(reco_event_has_type(none, NULL));
    json_decref(ev);
    json_decref(none);
}

/* ---- events.list args ---- */

static json_t *kept_args;

static int parse(const char *json, reco_events_list_args_t *a, reco_error_t *err)
{
    json_error_t error;
    json_decref(kept_args);
    kept_args = json_loads(json, 0, &error);
    assert_non_null(kept_args);
    reco_error_clear(err);
    return reco_events_parse_list_args(kept_args, a, err);
}

static void assert_refused(const char *json, const char *code, const char *field)
{
    reco_events_list_args_t a;
    reco_error_t err;
    assert_int_equal(parse(json, &a, &err), -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.code, code);
    if (strncmp(err.message, field, strlen(field)) != 0 || err.message[strlen(field)] != ':')
        print_error("%s: message '%s' does not name %s\n", json, err.message, field), fail();
}

static void test_list_args_accepted(void **state)
{
    (void)state;
    reco_events_list_args_t a;
    reco_error_t err;
    assert_int_equal(parse("{\"user\":\"u1\"}", &a, &err), 0);
    assert_string_equal(a.user, "u1");
    assert_null(a.item);
    assert_null(a.type);
    assert_int_equal(a.limit, RECO_EVENTS_LIMIT_DEFAULT);
    assert_false(a.start.set);
    assert_int_equal(parse("{\"item\":42,\"type\":\"add-to-list\",\"limit\":\"1000\","
                           "\"cursor\":\"17:16-0\",\"user\":null}",
                           &a, &err),
                     0);
    assert_string_equal(a.item, "42");
    assert_null(a.user);
    assert_string_equal(a.type, "add-to-list");
    assert_int_equal(a.limit, 1000);
    assert_true(a.start.set);
    assert_true(a.start.score == 17.0);
    assert_string_equal(a.start.member, "16-0");
}

static void test_list_args_refused(void **state)
{
    (void)state;
    assert_refused("{}", "missing_field", "user");
    assert_refused("{\"type\":\"view\"}", "missing_field", "user");
    assert_refused("{\"user\":\"u\",\"item\":\"i\"}", "invalid_field", "item");
    assert_refused("{\"user\":\"\"}", "invalid_field", "user");
    assert_refused("{\"item\":\"a\\tb\"}", "invalid_field", "item");
    assert_refused("{\"user\":\"u\",\"type\":\"View\"}", "invalid_field", "type");
    assert_refused("{\"user\":\"u\",\"type\":7}", "invalid_field", "type");
    assert_refused("{\"user\":\"u\",\"limit\":0}", "invalid_field", "limit");
    assert_refused("{\"user\":\"u\",\"limit\":1001}", "invalid_field", "limit");
    assert_refused("{\"user\":\"u\",\"limit\":\"ten\"}", "invalid_field", "limit");
    assert_refused("{\"user\":\"u\",\"cursor\":\"\"}", "invalid_field", "cursor");
    assert_refused("{\"user\":\"u\",\"cursor\":\"100\"}", "invalid_field", "cursor");
    assert_refused("{\"user\":\"u\",\"cursor\":12}", "invalid_field", "cursor");
}

static int teardown(void **state)
{
    (void)state;
    json_decref(kept_args);
    kept_args = NULL;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_id_valid),
        cmocka_unit_test(test_cursor_round_trip),
        cmocka_unit_test(test_cursor_rejects_garbage),
        cmocka_unit_test(test_after_orders_newest_first),
        cmocka_unit_test(test_entry_json_every_field),
        cmocka_unit_test(test_entry_json_leaves_out_bad_fields),
        cmocka_unit_test(test_type_filter),
        cmocka_unit_test(test_list_args_accepted),
        cmocka_unit_test(test_list_args_refused),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
