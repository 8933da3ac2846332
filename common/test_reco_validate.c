/* Unit tests of reco_validate: what a valid event, item, tenant and timestamp are, and that each
 * refusal names the field and (in a batch) the element. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "reco_validate.h"

#define NOW 1700000000000LL

static json_t *parse(const char *text)
{
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
    assert_non_null(v);
    return v;
}

/* Normalises a body expected to fail; checks status, code and a fragment of the message. */
static void expect_events_error(const char *body, const char *code, const char *fragment)
{
    json_t *in = parse(body);
    reco_error_t err;
    reco_error_clear(&err);
    json_t *out = reco_events_normalize(in, NOW, NULL, NULL, &err);
    if (out)
        fail_msg("accepted %s", body);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.code, code);
    if (!strstr(err.message, fragment))
        fail_msg("message '%s' lacks '%s'", err.message, fragment);
    json_decref(in);
}

static void tenants_and_ids(void **state)
{
    (void)state;
    assert_true(reco_valid_tenant("shop_1-eu"));
    assert_false(reco_valid_tenant(""));
    assert_false(reco_valid_tenant("a{b}"));
    assert_false(reco_valid_tenant("a:b"));
    assert_false(reco_valid_tenant("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 65 */
    assert_true(reco_valid_id("user@example.com", 16));
    assert_true(reco_valid_id("with space:and{braces}", 22));
    assert_false(reco_valid_id("tab\there", 8));
    assert_true(reco_valid_id("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\x92", 14));
    assert_false(reco_valid_id("caf\xc3", 4));          /* truncated sequence */
    assert_false(reco_valid_id("\xc0\xaf", 2));        /* overlong '/' */
    assert_false(reco_valid_id("\xed\xa0\x80", 3));    /* a UTF-16 surrogate */
    assert_false(reco_valid_id("\xff", 1));
    assert_false(reco_valid_id("", 0));
}

static void utf8_text(void **state)
{
    (void)state;
    assert_true(reco_valid_utf8("", 0));
    assert_true(reco_valid_utf8("caf\xc3\xa9 \xf0\x9f\x8e\x89", 10));
    assert_false(reco_valid_utf8("\xff", 1));
    assert_false(reco_valid_utf8("\xc3\x28", 2));     /* a broken sequence */
    assert_false(reco_valid_utf8("\xc3", 1));         /* cut short */
    assert_false(reco_valid_utf8("\xc0\xaf", 2));     /* overlong */
    assert_false(reco_valid_utf8("\xed\xa0\x80", 3)); /* a surrogate */
}

static void timestamps(void **state)
{
    (void)state;
    struct {
        const char *json;
        int64_t ms;
    } ok[] = {
        {"1700000000", 1700000000000LL},           {"1700000000123", 1700000000123LL},
        {"\"1700000000123\"", 1700000000123LL},    {"1700000000.5", 1700000000500LL},
        {"\"2017-07-21T17:32:28Z\"", 1500658348000LL}, {"\"2017-07-21T19:32:28.25+02:00\"", 1500658348250LL},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        json_t *v = parse(ok[i].json);
        int64_t ms = 0;
        assert_int_equal(reco_parse_timestamp(v, &ms), 0);
        assert_int_equal(ms, ok[i].ms);
        json_decref(v);
    }
    /* found by fuzz_validate: a date before 1970 gave a negative ts that the canonical form refuses */
    const char *bad[] = {"\"yesterday\"", "\"2017-07-21T17:32:28\"", "-5", "true", "\"2017-07-21T17:32:28Zjunk\"",
                         "\"1013-11-27T05:30:55Z\"", "\"1970-01-01T00:00:00+00:01\"", "\"9999-01-01T00:00:00Z\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *v = parse(bad[i]);
        int64_t ms = 0;
        assert_int_equal(reco_parse_timestamp(v, &ms), -1);
        json_decref(v);
    }
}

static void events_are_normalised(void **state)
{
    (void)state;
    json_t *in = parse("{\"events\":[{\"user\":\"u\",\"item\":42,\"type\":\"rating\",\"value\":4,"
                       "\"timestamp\":\"2017-07-21T17:32:28Z\"},{\"user\":\"u\",\"item\":\"b\",\"type\":\"view\"}]}");
    reco_error_t err;
    json_t *out = reco_events_normalize(in, NOW, NULL, NULL, &err);
    assert_non_null(out);
    json_t *expect = parse("[{\"user\":\"u\",\"item\":\"42\",\"type\":\"rating\",\"ts\":1500658348000,\"value\":4.0},"
                           "{\"user\":\"u\",\"item\":\"b\",\"type\":\"view\",\"ts\":1700000000000}]");
    assert_true(json_equal(out, expect));
    json_decref(expect);
    json_decref(out);
    json_decref(in);

    /* A canonical event (as the gateway forwards it) passes unchanged, time included. */
    in = parse("{\"events\":[{\"user\":\"u\",\"item\":\"b\",\"type\":\"view\",\"ts\":1500000000001}]}");
    out = reco_events_normalize(in, NOW, NULL, NULL, &err);
    assert_true(json_equal(out, json_object_get(in, "events")));
    json_decref(out);
    json_decref(in);

    in = parse("{\"user\":\"u\",\"item\":\"i\",\"type\":\"purchase\"}"); /* a single object */
    out = reco_events_normalize(in, NOW, NULL, NULL, &err);
    assert_int_equal(json_array_size(out), 1);
    json_decref(out);
    json_decref(in);
}

static void events_errors_name_the_field(void **state)
{
    (void)state;
    expect_events_error("{\"item\":\"i\",\"type\":\"view\"}", "missing_field", "user: required");
    expect_events_error("[{\"user\":\"u\",\"item\":\"i\",\"type\":\"view\"},{\"user\":\"u\",\"item\":\"i\"}]",
                        "missing_field", "events[1].type");
    expect_events_error("[{\"user\":\"u\",\"item\":\"i\",\"type\":\"Buy!\"}]", "unknown_event_type", "events[0].type");
    expect_events_error("[{\"user\":\"u\",\"item\":\"i\",\"type\":\"purchase\",\"quantity\":0}]", "invalid_field",
                        "events[0].quantity");
    expect_events_error("[{\"user\":\"u\",\"item\":\"i\",\"type\":\"purchase\",\"price\":-1}]", "invalid_field",
                        "events[0].price");
    expect_events_error("[{\"user\":\"u\",\"item\":\"i\",\"type\":\"view\",\"properties\":{\"a\":{}}}]",
                        "invalid_field", "events[0].properties");
    expect_events_error("[{\"user\":\"u\",\"item\":\"i\",\"type\":\"view\",\"session\":\"\"}]", "invalid_field",
                        "events[0].session");
    expect_events_error("[{\"user\":[1],\"item\":\"i\",\"type\":\"view\"}]", "invalid_field", "events[0].user");
    expect_events_error("[{\"user\":\"u\",\"item\":\"i\",\"type\":\"rating\",\"value\":7}]", "invalid_field",
                        "events[0].value");
    expect_events_error("[{\"user\":\"u\",\"item\":\"i\",\"type\":\"rating\"}]", "missing_field", "value");
    expect_events_error("[{\"user\":\"u\",\"item\":\"i\",\"type\":\"view\",\"timestamp\":\"soon\"}]", "invalid_field",
                        "events[0].timestamp");
    expect_events_error("[{\"user\":\"u\",\"item\":\"i\",\"type\":\"view\",\"value\":\"5\"}]", "invalid_field",
                        "events[0].value");
    expect_events_error("[]", "invalid_body", "need 1 to");
    expect_events_error("\"text\"", "invalid_body", "body");
    expect_events_error("{\"events\":{}}", "invalid_field", "events: must be an array");
    expect_events_error("[5]", "invalid_field", "events[0]");
}

static bool only_wishlist(void *ctx, const char *type)
{
    (void)ctx;
    return strcmp(type, "wishlist") == 0;
}

static void custom_types_and_optional_fields(void **state)
{
    (void)state;
    json_t *in = parse("[{\"id\":\"e1\",\"user\":\"u\",\"item\":\"i\",\"type\":\"purchase\",\"quantity\":2,"
                       "\"price\":9.5,\"order\":\"o-1\",\"session\":\"s-1\",\"recommendation\":\"r-1\","
                       "\"properties\":{\"coupon\":\"X\",\"gift\":true}},"
                       "{\"user\":\"u\",\"item\":\"i\",\"type\":\"wishlist\",\"ts\":5}]");
    reco_error_t err;
    json_t *out = reco_events_normalize(in, NOW, only_wishlist, NULL, &err);
    assert_non_null(out);
    json_t *expect = parse("[{\"id\":\"e1\",\"user\":\"u\",\"item\":\"i\",\"type\":\"purchase\",\"ts\":1700000000000,"
                           "\"quantity\":2,\"price\":9.5,\"order\":\"o-1\",\"session\":\"s-1\",\"recommendation\":\"r-1\","
                           "\"properties\":{\"coupon\":\"X\",\"gift\":true}},"
                           "{\"user\":\"u\",\"item\":\"i\",\"type\":\"wishlist\",\"ts\":5}]");
    assert_true(json_equal(out, expect));
    json_decref(expect);
    json_decref(out);
    json_decref(in);

    in = parse("[{\"user\":\"u\",\"item\":\"i\",\"type\":\"view\"},{\"user\":\"u\",\"item\":\"i\",\"type\":\"buy\"}]");
    reco_error_clear(&err);
    assert_null(reco_events_normalize(in, NOW, only_wishlist, NULL, &err));
    assert_string_equal(err.code, "unknown_event_type");
    assert_non_null(strstr(err.message, "events[1].type: 'buy'"));
    out = reco_events_normalize(in, NOW, NULL, NULL, &err); /* the gateway cannot know: accepted */
    assert_int_equal(json_array_size(out), 2);
    json_decref(out);
    json_decref(in);
}

static void transactions_and_users(void **state)
{
    (void)state;
    json_t *in = parse("{\"transactions\":[{\"completed_at\":\"2017-07-21T17:32:28Z\",\"customer\":\"user@email.com\","
                       "\"items\":[{\"item\":\"19876452\",\"quantity\":2},{\"item\":\"55\"}],\"transaction\":\"abc456\"}]}");
    reco_error_t err;
    json_t *out = reco_transactions_to_events(in, NOW, &err);
    assert_non_null(out);
    json_t *expect = parse("[{\"user\":\"user@email.com\",\"item\":\"19876452\",\"type\":\"purchase\",\"ts\":1500658348000,"
                           "\"order\":\"abc456\",\"quantity\":2,\"id\":\"abc456/19876452\"},"
                           "{\"user\":\"user@email.com\",\"item\":\"55\",\"type\":\"purchase\",\"ts\":1500658348000,"
                           "\"order\":\"abc456\",\"id\":\"abc456/55\"}]");
    assert_true(json_equal(out, expect));
    json_decref(expect);
    json_decref(out);
    json_decref(in);
    in = parse("[{\"customer\":\"c\",\"transaction\":\"t\",\"items\":[{\"item\":\"a\",\"quantity\":-1}]}]");
    assert_null(reco_transactions_to_events(in, NOW, &err));
    assert_non_null(strstr(err.message, "transactions[0].items[0].quantity"));
    json_decref(in);
    in = parse("[{\"customer\":\"c\",\"transaction\":\"t\",\"completed_at\":\"later\",\"items\":[{\"item\":\"a\"}]}]");
    assert_null(reco_transactions_to_events(in, NOW, &err));
    assert_non_null(strstr(err.message, "transactions[0].completed_at"));
    json_decref(in);

    in = parse("{\"users\":[{\"id\":7,\"attributes\":{\"city\":\"Oslo\"}},{\"id\":\"b\"}]}");
    out = reco_users_normalize(in, &err);
    expect = parse("[{\"id\":\"7\",\"attributes\":{\"city\":\"Oslo\"}},{\"id\":\"b\",\"attributes\":{}}]");
    assert_true(json_equal(out, expect));
    json_decref(expect);
    json_decref(out);
    json_decref(in);
    in = parse("[{\"id\":\"a\"},{\"id\":\"b\",\"attributes\":{\"x\":{\"deep\":1}}}]");
    assert_null(reco_users_normalize(in, &err));
    assert_non_null(strstr(err.message, "users[1].attributes.x"));
    json_decref(in);
}

static void items(void **state)
{
    (void)state;
    json_t *in = parse("[{\"id\":\"sku-1\",\"title\":\"Tent\",\"categories\":[\"outdoor/tents\"],"
                       "\"attributes\":{\"price\":199.5,\"tags\":[\"2p\",\"light\"],\"new\":true},\"hidden\":false}]");
    reco_error_t err;
    json_t *out = reco_items_normalize(in, &err);
    assert_non_null(out);
    assert_true(json_equal(json_array_get(out, 0), json_array_get(in, 0)));
    json_decref(out);
    json_decref(in);

    const struct {
        const char *body, *fragment;
    } bad[] = {
        {"[{\"title\":\"x\"}]", "items[0].id: required"},
        {"[{\"id\":\"a\"},{\"id\":\"b\",\"hidden\":\"yes\"}]", "items[1].hidden"},
        {"[{\"id\":\"a\",\"categories\":\"x\"}]", "items[0].categories"},
        {"[{\"id\":\"a\",\"attributes\":{\"dims\":{\"w\":1}}}]", "items[0].attributes.dims"},
        {"[{\"id\":\"a\",\"attributes\":{\"tags\":[1,2]}}]", "items[0].attributes.tags"},
        {"{\"id\":\"a\"}", "body"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        in = parse(bad[i].body);
        reco_error_clear(&err);
        assert_null(reco_items_normalize(in, &err));
        assert_int_equal(err.status, 400);
        if (!strstr(err.message, bad[i].fragment))
            fail_msg("message '%s' lacks '%s'", err.message, bad[i].fragment);
        json_decref(in);
    }
}

static void weights(void **state)
{
    (void)state;
    assert_int_equal(reco_event_type_parse("cart"), RECO_EVENT_CART);
    assert_int_equal(reco_event_type_parse("Cart"), -1);
    assert_true(reco_event_weight(RECO_EVENT_VIEW, 0) == 1.0);
    assert_true(reco_event_weight(RECO_EVENT_BOOKMARK, 0) == 2.0);
    assert_true(reco_event_weight(RECO_EVENT_CART, 0) == 3.0);
    assert_true(reco_event_weight(RECO_EVENT_PURCHASE, 0) == 5.0);
    assert_true(reco_event_weight(RECO_EVENT_RATING, 3.5) == 3.5);
    assert_true(reco_event_weight(RECO_EVENT_CLICK, 0) == 1.0);
    assert_true(reco_valid_action_name("add_to_wishlist-2"));
    assert_false(reco_valid_action_name("Wishlist"));
    assert_false(reco_valid_action_name("a b"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tenants_and_ids),     cmocka_unit_test(timestamps), cmocka_unit_test(utf8_text),
        cmocka_unit_test(events_are_normalised), cmocka_unit_test(events_errors_name_the_field),
        cmocka_unit_test(items),               cmocka_unit_test(weights),
        cmocka_unit_test(custom_types_and_optional_fields), cmocka_unit_test(transactions_and_users),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
