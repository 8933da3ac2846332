/* Unit tests of reco_event_entry: number texts that round-trip, the script's JSON of a canonical
 * event and of a stored entry, parsing of XRANGE elements (built by hand, no Redis), and the
 * matching rules of events.delete. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reco_event_entry.h"

/* ---- hand-built replies ---- */

static redisReply *str(const char *s)
{
    redisReply *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->type = REDIS_REPLY_STRING;
    r->len = strlen(s);
    r->str = strdup(s);
    return r;
}

static redisReply *array(size_t n, redisReply **elements)
{
    redisReply *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->type = REDIS_REPLY_ARRAY;
    r->elements = n;
    r->element = calloc(n ? n : 1, sizeof *r->element);
    for (size_t i = 0; i < n; i++)
        r->element[i] = elements[i];
    return r;
}

/* [sid, [name, value, ...]] from a NULL-terminated list of names and values. */
static redisReply *entry(const char *sid, const char *const *pairs)
{
    size_t n = 0;
    while (pairs[n])
        n++;
    redisReply **fields = calloc(n + 1, sizeof *fields);
    for (size_t i = 0; i < n; i++)
        fields[i] = str(pairs[i]);
    redisReply *two[2] = {str(sid), array(n, fields)};
    free(fields);
    return array(2, two);
}

static void reply_free(redisReply *r)
{
    if (!r) return;
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++)
        reply_free(r->element[i]);
    free(r->element);
    free(r->str);
    free(r);
}

static json_t *parse(const char *text)
{
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
    assert_non_null(v);
    return v;
}

/* ---- tests ---- */

static void doubles_round_trip(void **state)
{
    (void)state;
    const struct {
        double v;
        const char *text;
    } cases[] = {{4.5, "4.5"},
                 {0.1, "0.1"},
                 {4.0, "4"},
                 {0, "0"},
                 {100, "100"},
                 {1e21, "1e+21"},
                 {1.0 / 3, "0.3333333333333333"},
                 {2.5e-7, "2.5e-07"},
                 {-12.75, "-12.75"},
                 {1234567, "1234567"},
                 {1e16, "10000000000000000"},
                 {1e17, "1e+17"},
                 {12000.5, "12000.5"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[40];
        int len = reco_format_double(cases[i].v, buf, sizeof buf);
        assert_int_equal(len, (int)strlen(cases[i].text));
        assert_string_equal(buf, cases[i].text);
        assert_true(strtod(buf, NULL) == cases[i].v);
    }
    char small[3];
    assert_int_equal(reco_format_double(123.25, small, sizeof small), -1);
    char buf[40];
    assert_int_equal(reco_format_double(NAN, buf, sizeof buf), -1);
    assert_int_equal(reco_format_double(INFINITY, buf, sizeof buf), -1);
}

static void event_json_has_string_values(void **state)
{
    (void)state;
    json_t *ev =
        parse("{\"user\":\"u 1\",\"item\":\"i\\\"2\",\"type\":\"rating\",\"ts\":1700000000123,"
              "\"value\":0.1,\"quantity\":3,\"price\":19.99,\"id\":\"e1\",\"session\":\"s\","
              "\"order\":\"o\",\"recommendation\":\"r\",\"properties\":{\"a\":1.5,\"b\":[\"x\"]}}");
    char *text = reco_event_script_json(ev);
    assert_non_null(text);
    json_t *back = parse(text);
    const char *expect[][2] = {
        {"user", "u 1"},         {"item", "i\"2"},
        {"type", "rating"},      {"ts", "1700000000123"},
        {"value", "0.1"},        {"quantity", "3"},
        {"price", "19.99"},      {"id", "e1"},
        {"session", "s"},        {"order", "o"},
        {"recommendation", "r"}, {"properties", "{\"a\":1.5,\"b\":[\"x\"]}"}};
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        json_t *v = json_object_get(back, expect[i][0]);
        if (!json_is_string(v)) fail_msg("%s is not a string in %s", expect[i][0], text);
        assert_string_equal(json_string_value(v), expect[i][1]);
    }
    assert_int_equal(json_object_size(back), sizeof expect / sizeof expect[0]);
    free(text);
    json_decref(back);
    json_decref(ev);

    ev = parse("{\"user\":\"u\",\"item\":\"i\",\"type\":\"view\",\"ts\":5}");
    text = reco_event_script_json(ev);
    assert_string_equal(text, "{\"user\":\"u\",\"item\":\"i\",\"type\":\"view\",\"ts\":\"5\"}");
    free(text);
    json_decref(ev);

    ev = parse("{\"user\":\"u\",\"type\":\"view\",\"ts\":5}"); /* not canonical: refused */
    assert_null(reco_event_script_json(ev));
    json_decref(ev);
}

static void entries_parse(void **state)
{
    (void)state;
    const char *ok[] = {"user",          "u1",      "item", "i1", "type", "view", "ts",
                        "1700000000000", "session", "s1",   NULL};
    redisReply *r = entry("1-0", ok);
    reco_event_entry_t e;
    assert_int_equal(reco_event_entry_parse(r, &e), 0);
    assert_string_equal(e.sid, "1-0");
    assert_int_equal(e.user_len, 2);
    assert_memory_equal(e.user, "u1", 2);
    assert_memory_equal(e.item, "i1", 2);
    assert_memory_equal(e.session, "s1", 2);
    assert_int_equal(e.ts, 1700000000000LL);
    reply_free(r);

    const char *no_session[] = {"item", "i1", "user", "u1", "ts", "7", NULL};
    r = entry("2-0", no_session);
    assert_int_equal(reco_event_entry_parse(r, &e), 0);
    assert_null(e.session);
    reply_free(r);

    const char *const bad[][9] = {
        {"item", "i1", "ts", "7", NULL},                          /* no user */
        {"user", "u1", "item", "i1", "ts", "7x", NULL},           /* ts not a number */
        {"user", "u1", "item", "i1", "ts", "-7", NULL},           /* negative ts */
        {"user", "u1", "item", "i1", NULL},                       /* no ts */
        {"user", "u\t1", "item", "i1", "ts", "7", NULL},          /* not an id */
        {"user", "u1", "item", "i1", "ts", "7", "session", NULL}, /* odd field count */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = entry("3-0", bad[i]);
        assert_int_equal(reco_event_entry_parse(r, &e), -1);
        assert_null(e.user);
        reply_free(r);
    }
    assert_int_equal(reco_event_entry_parse(NULL, &e), -1);
    redisReply *s = str("x");
    assert_int_equal(reco_event_entry_parse(s, &e), -1);
    reply_free(s);
}

static void entries_as_script_json(void **state)
{
    (void)state;
    const char *fields[] = {
        "user",  "guest", "item",    "i1", "type",       "purchase",      "ts", "9",
        "value", "0.1",   "session", "s1", "properties", "{\"k\":\"v\"}", NULL};
    redisReply *r = entry("5-1", fields);
    reco_event_entry_t e;
    assert_int_equal(reco_event_entry_parse(r, &e), 0);

    char *moved = reco_event_entry_script_json(&e, "member", true, false);
    json_t *m = parse(moved);
    assert_string_equal(json_string_value(json_object_get(m, "user")), "member");
    assert_string_equal(json_string_value(json_object_get(m, "from")), "guest");
    assert_string_equal(json_string_value(json_object_get(m, "sid")), "5-1");
    assert_string_equal(json_string_value(json_object_get(m, "value")), "0.1");
    assert_string_equal(json_string_value(json_object_get(m, "properties")), "{\"k\":\"v\"}");
    assert_string_equal(json_string_value(json_object_get(m, "type")), "purchase");
    json_decref(m);
    free(moved);

    char *ids = reco_event_entry_script_json(&e, NULL, false, true);
    assert_string_equal(ids,
                        "{\"user\":\"guest\",\"item\":\"i1\",\"session\":\"s1\",\"sid\":\"5-1\"}");
    free(ids);
    reply_free(r);
}

static void filters_match(void **state)
{
    (void)state;
    const char *fields[] = {"user", "u1", "item", "i1", "type", "view", "ts", "1000", "session", "s1", NULL};
    redisReply *r = entry("1-0", fields);
    reco_event_entry_t e;
    assert_int_equal(reco_event_entry_parse(r, &e), 0);
    const struct {
        reco_event_filter_t f;
        bool match;
    } cases[] = {
        {{.user = "u1"}, true},
        {{.user = "u"}, false}, /* a prefix is not the id */
        {{.user = "u12"}, false},
        {{.user = "u1", .item = "i1", .session = "s1"}, true},
        {{.user = "u1", .item = "i2"}, false},
        {{.session = "s2"}, false},
        {{.item = "i1", .type = "view"}, true},
        {{.item = "i1", .type = "vie"}, false}, /* a prefix is not the type */
        {{.user = "u1", .type = "purchase"}, false},
        {{.item = "i1", .type = "view", .has_timestamp = true, .timestamp = 1000}, true},
        {{.user = "u1", .has_before = true, .before = 1001}, true},
        {{.user = "u1", .has_before = true, .before = 1000}, false},
        {{.item = "i1", .has_timestamp = true, .timestamp = 1000}, true},
        {{.item = "i1", .has_timestamp = true, .timestamp = 999}, false},
        {{.item = "i1",
          .has_timestamp = true,
          .timestamp = 1000,
          .has_before = true,
          .before = 1000},
         false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (reco_event_filter_match(&cases[i].f, &e) != cases[i].match)
            fail_msg("case %zu: expected %s", i, cases[i].match ? "a match" : "no match");
    reply_free(r);

    const char *no_session[] = {"user", "u1", "item", "i1", "ts", "1000", NULL};
    r = entry("2-0", no_session);
    assert_int_equal(reco_event_entry_parse(r, &e), 0);
    reco_event_filter_t by_session = {.session = "s1"}, by_type = {.item = "i1", .type = "view"};
    assert_false(reco_event_filter_match(&by_session, &e));
    assert_false(reco_event_filter_match(&by_type, &e)); /* an entry without a type */
    reply_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(doubles_round_trip), cmocka_unit_test(event_json_has_string_values),
        cmocka_unit_test(entries_parse),      cmocka_unit_test(entries_as_script_json),
        cmocka_unit_test(filters_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
