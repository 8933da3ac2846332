/* Unit tests of reco_filter: every filter form of TasteHit's syntax parses into the rule it
 * means, every malformed filter is a 400 naming its element, and evaluation against stored
 * values (as the item hash holds them) passes exactly the items it should. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "reco_filter.h"

static void parse_ok(const char *text, reco_filter_set_t *set)
{
    reco_error_t err;
    reco_error_clear(&err);
    int rc = reco_filter_parse_text(text, set, &err);
    if (rc != 0)
        fail_msg("%s: %s", text, err.message);
}

/* Parses text, expects a 400 whose message holds each of the NULL-terminated fragments. */
static void parse_fails(const char *text, ...)
{
    reco_filter_set_t set;
    reco_error_t err;
    reco_error_clear(&err);
    assert_int_equal(reco_filter_parse_text(text, &set, &err), -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.code, "invalid_field");
    assert_int_equal(set.n, 0);
    va_list ap;
    va_start(ap, text);
    for (const char *want; (want = va_arg(ap, const char *)) != NULL;)
        if (!strstr(err.message, want))
            fail_msg("'%s' not in '%s'", want, err.message);
    va_end(ap);
}

static void test_parse_forms(void **state)
{
    (void)state;
    reco_filter_set_t s;
    parse_ok("[{\"brand\":\"Desigual\"},{\"brand\":\"X\",\"exclusive\":true},"
             "{\"price\":{\"min\":10.5,\"max\":100}},{\"stock\":{\"max\":3}},{\"eco\":true},"
             "{\"sale\":false},{\"createdAt\":{\"min\":1460736803.993}},{\"title\":\"Tent\"},"
             "{\"categories\":\"outdoor\",\"similar_to\":false}]",
             &s);
    assert_int_equal(s.n, 9);
    assert_int_equal(s.rule[0].kind, RECO_FILTER_STRING);
    assert_string_equal(s.rule[0].hash_field, "attr:brand");
    assert_string_equal(s.rule[0].text, "Desigual");
    assert_false(s.rule[0].exclusive);
    assert_true(s.rule[1].exclusive);
    assert_int_equal(s.rule[2].kind, RECO_FILTER_RANGE);
    assert_true(s.rule[2].min == 10.5 && s.rule[2].max == 100);
    assert_true(isinf(s.rule[3].min) && s.rule[3].min < 0 && s.rule[3].max == 3);
    assert_int_equal(s.rule[4].kind, RECO_FILTER_BOOL);
    assert_true(s.rule[4].boolean);
    assert_false(s.rule[5].boolean);
    assert_int_equal(s.rule[6].source, RECO_FILTER_SOURCE_TIME);
    assert_string_equal(s.rule[6].hash_field, "created_at");
    assert_true(s.rule[6].min == 1460736803.993 && isinf(s.rule[6].max));
    assert_int_equal(s.rule[7].source, RECO_FILTER_SOURCE_TITLE);
    assert_string_equal(s.rule[7].hash_field, "title");
    assert_int_equal(s.rule[8].source, RECO_FILTER_SOURCE_CATEGORIES);
    parse_ok("[]", &s);
    assert_int_equal(s.n, 0);
    parse_ok("null", &s);
    assert_int_equal(s.n, 0);
}

static void test_parse_errors(void **state)
{
    (void)state;
    parse_fails("[{\"a\":", "filters:", "not valid JSON", NULL);
    parse_fails("{\"brand\":\"x\"}", "filters: must be a JSON array", NULL);
    parse_fails("[\"brand\"]", "filters[0] \"brand\"", "must be an object", NULL);
    parse_fails("[{\"ok\":\"x\"},{\"price\":{\"min\":\"cheap\"}}]", "filters[1]",
                "{\"price\":{\"min\":\"cheap\"}}", "price.min must be a finite number", NULL);
    parse_fails("[{\"price\":{\"min\":5,\"max\":1}}]", "filters[0]", "min is greater than max", NULL);
    parse_fails("[{\"price\":{}}]", "price: a range needs min, max or both", NULL);
    parse_fails("[{\"price\":{\"min\":1,\"step\":2}}]", "not 'step'", NULL);
    parse_fails("[{\"price\":12}]", "price must be a string, true/false, or a range", NULL);
    parse_fails("[{\"brand\":\"\"}]", "brand: the value must be 1 to", NULL);
    parse_fails("[{\"a\":\"x\",\"b\":\"y\"}]", "one field per filter", NULL);
    parse_fails("[{\"exclusive\":true}]", "names no field", NULL);
    parse_fails("[{\"eco\":true,\"exclusive\":true}]", "exclusive applies to string values only", NULL);
    parse_fails("[{\"brand\":\"x\",\"exclusive\":\"yes\"}]", "exclusive must be true or false", NULL);
    parse_fails("[{\"brand\":\"x\",\"similar_to\":true}]", "similar_to is not supported", NULL);
    parse_fails("[{\"createdAt\":1460736803}]", "createdAt must be a range", NULL);
    parse_fails("[{\"createdAt\":{\"min\":1e999}}]", "not valid JSON", NULL);
    parse_fails("[{\"\\u0001x\":\"y\"}]", "field name is 1 to", NULL);
    char many[1024] = "[";
    for (int i = 0; i <= RECO_FILTER_MAX; i++)
        strcat(many, i ? ",{\"a\":\"b\"}" : "{\"a\":\"b\"}");
    strcat(many, "]");
    parse_fails(many, "filters: at most", NULL);
}

/* Evaluates the filter text against one item given as the values of its rules' fields. */
static bool matches(const char *filters, ...)
{
    reco_filter_set_t s;
    parse_ok(filters, &s);
    const char *values[RECO_FILTER_MAX];
    size_t lens[RECO_FILTER_MAX];
    va_list ap;
    va_start(ap, filters);
    for (size_t i = 0; i < s.n; i++) {
        values[i] = va_arg(ap, const char *);
        lens[i] = values[i] ? strlen(values[i]) : 0;
    }
    va_end(ap);
    return reco_filter_match(&s, values, lens);
}

static void test_match_strings(void **state)
{
    (void)state;
    const char *inc = "[{\"brand\":\"Desigual\"}]", *exc = "[{\"brand\":\"Desigual\",\"exclusive\":true}]";
    assert_true(matches(inc, "\"Desigual\""));
    assert_false(matches(inc, "\"desigual\""));
    assert_false(matches(inc, (const char *)NULL));
    assert_true(matches(inc, "[\"Zara\",\"Desigual\"]")); /* a list value contains it */
    assert_false(matches(exc, "\"Desigual\""));
    assert_true(matches(exc, "\"Zara\""));
    assert_true(matches(exc, (const char *)NULL)); /* without the field: not excluded */
    assert_true(matches("[{\"title\":\"Tent 2p\"}]", "Tent 2p")); /* title is plain text */
    const char *cat = "[{\"categories\":\"outdoor\"}]";
    assert_true(matches(cat, "[\"home\",\"outdoor/tents\"]"));
    assert_true(matches(cat, "[\"outdoor\"]"));
    assert_false(matches(cat, "[\"outdoors\"]"));
    assert_false(matches(cat, "not json"));
}

static void test_match_ranges_and_booleans(void **state)
{
    (void)state;
    const char *price = "[{\"price\":{\"min\":10,\"max\":100}}]";
    assert_true(matches(price, "10"));
    assert_true(matches(price, "100.0"));
    assert_true(matches(price, "55.5"));
    assert_false(matches(price, "9.99"));
    assert_false(matches(price, "100.01"));
    assert_false(matches(price, "\"50\"")); /* a string is not a number */
    assert_false(matches(price, (const char *)NULL));
    const char *created = "[{\"createdAt\":{\"min\":1000.5,\"max\":2000}}]";
    assert_true(matches(created, "1000500"));  /* ms: 1000.5 s */
    assert_false(matches(created, "1000499"));
    assert_true(matches(created, "2000000"));
    assert_false(matches(created, "2000001"));
    assert_false(matches(created, "12x"));
    assert_true(matches("[{\"eco\":true}]", "true"));
    assert_false(matches("[{\"eco\":true}]", "false"));
    assert_false(matches("[{\"eco\":true}]", (const char *)NULL));
    assert_true(matches("[{\"eco\":false}]", "false"));
    assert_true(matches("[{\"eco\":false}]", (const char *)NULL));
    assert_false(matches("[{\"eco\":false}]", "true"));
    /* AND of all rules */
    const char *both = "[{\"eco\":true},{\"price\":{\"max\":20}}]";
    assert_true(matches(both, "true", "20"));
    assert_false(matches(both, "true", "21"));
    assert_false(matches(both, "false", "5"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_forms),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_match_strings),
        cmocka_unit_test(test_match_ranges_and_booleans),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
