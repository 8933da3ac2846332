/* Unit tests for reco_import_map: CSV cells and JSON-lines objects to API objects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "reco_import_map.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static reco_import_map_t *map_with(reco_import_kind_t kind, const char *renames, const char *type,
                                   reco_ts_unit_t unit, const char *const *header, size_t n)
{
    char err[256] = "";
    reco_import_map_t *m = reco_import_map_new(kind, renames, type, unit, err, sizeof err);
    assert_non_null(m);
    if (reco_import_map_set_header(m, header, n, err, sizeof err) != 0)
        fail_msg("set_header: %s", err);
    return m;
}

/* Maps cells and compares with the expected JSON text. */
static void assert_row(const reco_import_map_t *m, const char *const *cells, size_t n,
                       const char *expected)
{
    char why[256] = "";
    json_t *got = reco_import_map_csv(m, cells, n, why, sizeof why);
    if (!got) fail_msg("row rejected: %s", why);
    json_t *want = json_loads(expected, 0, NULL);
    assert_non_null(want);
    if (!json_equal(got, want)) {
        char *text = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
        fail_msg("got %s, want %s", text, expected);
    }
    json_decref(got);
    json_decref(want);
}

static void assert_rejected(const reco_import_map_t *m, const char *const *cells, size_t n,
                            const char *reason)
{
    char why[256] = "";
    json_t *got = reco_import_map_csv(m, cells, n, why, sizeof why);
    assert_null(got);
    assert_string_equal(why, reason);
}

static void test_movielens_ratings(void **state)
{
    (void)state;
    const char *header[] = {"userId", "movieId", "rating", "timestamp"};
    reco_import_map_t *m = map_with(RECO_IMPORT_EVENTS, "userId=user,movieId=item,rating=value",
                                    "rating", RECO_TS_GUESS, header, N(header));
    const char *row[] = {"1", "31", "2.5", "1260759144"};
    assert_row(m, row, N(row),
               "{\"user\":\"1\",\"item\":\"31\",\"value\":2.5,\"timestamp\":1260759144,\"type\":"
               "\"rating\"}");
    const char *whole[] = {"7", "0042", "4", "2017-07-21T17:32:28Z"};
    assert_row(m, whole, N(whole),
               "{\"user\":\"7\",\"item\":\"0042\",\"value\":4,\"timestamp\":\"2017-07-21T17:32:"
               "28Z\",\"type\":\"rating\"}");
    reco_import_map_destroy(&m);
    assert_null(m);
}

static void test_timestamp_units(void **state)
{
    (void)state;
    const char *header[] = {"user", "item", "type", "timestamp"};
    reco_import_map_t *s =
        map_with(RECO_IMPORT_EVENTS, NULL, NULL, RECO_TS_SECONDS, header, N(header));
    reco_import_map_t *ms =
        map_with(RECO_IMPORT_EVENTS, NULL, NULL, RECO_TS_MILLIS, header, N(header));
    const char *row[] = {"u", "i", "view", "1260759144.25"};
    assert_row(s, row, N(row),
               "{\"user\":\"u\",\"item\":\"i\",\"type\":\"view\",\"timestamp\":1260759144250}");
    const char *small[] = {"u", "i", "view", "5000"};
    assert_row(ms, small, N(small),
               "{\"user\":\"u\",\"item\":\"i\",\"type\":\"view\",\"timestamp\":5000}");
    assert_row(s, small, N(small),
               "{\"user\":\"u\",\"item\":\"i\",\"type\":\"view\",\"timestamp\":5000000}");
    reco_import_map_destroy(&s);
    reco_import_map_destroy(&ms);
}

static void test_event_fields_and_properties(void **state)
{
    (void)state;
    const char *header[] = {"user",    "item", "type", "quantity", "price", "order",
                            "session", "id",   "zip",  "channel",  "score"};
    reco_import_map_t *m =
        map_with(RECO_IMPORT_EVENTS, NULL, NULL, RECO_TS_GUESS, header, N(header));
    const char *row[] = {"u1",  "tent", "purchase", "2",   "249.90", "o-1",
                         "s-9", "e-1",  "01234",    "web", "-1e3"};
    assert_row(
        m, row, N(row),
        "{\"user\":\"u1\",\"item\":\"tent\",\"type\":\"purchase\",\"quantity\":2,\"price\":249.9,"
        "\"order\":\"o-1\",\"session\":\"s-9\",\"id\":\"e-1\","
        "\"properties\":{\"zip\":\"01234\",\"channel\":\"web\",\"score\":-1000.0}}");
    /* empty cells are left out; short rows count as empty cells */
    const char *sparse[] = {"u1", "tent", "view", "", ""};
    assert_row(m, sparse, N(sparse), "{\"user\":\"u1\",\"item\":\"tent\",\"type\":\"view\"}");
    reco_import_map_destroy(&m);
}

static void test_event_local_rejects(void **state)
{
    (void)state;
    const char *header[] = {"user", "item", "type", "value"};
    reco_import_map_t *m =
        map_with(RECO_IMPORT_EVENTS, NULL, NULL, RECO_TS_GUESS, header, N(header));
    const char *no_user[] = {"", "i", "view"};
    assert_rejected(m, no_user, N(no_user), "user: missing");
    const char *no_item[] = {"u"};
    assert_rejected(m, no_item, N(no_item), "item: missing");
    const char *no_type[] = {"u", "i", ""};
    assert_rejected(m, no_type, N(no_type), "type: missing (and no --type given)");
    const char *bad_value[] = {"u", "i", "rating", "four"};
    assert_rejected(m, bad_value, N(bad_value), "value: 'four' is not a number");
    const char *too_many[] = {"u", "i", "view", "1", "x"};
    assert_rejected(m, too_many, N(too_many), "5 cells, but the header has 4 columns");
    const char *bad_utf8[] = {"u\xff", "i", "view"};
    assert_rejected(m, bad_utf8, N(bad_utf8), "user: not valid UTF-8");
    reco_import_map_destroy(&m);
}

static void test_header_checks(void **state)
{
    (void)state;
    char err[256] = "";
    reco_import_map_t *m =
        reco_import_map_new(RECO_IMPORT_EVENTS, "a=user", NULL, RECO_TS_GUESS, err, sizeof err);
    assert_non_null(m);
    const char *no_type[] = {"a", "item"};
    assert_int_equal(reco_import_map_set_header(m, no_type, N(no_type), err, sizeof err), -1);
    assert_non_null(strstr(err, "--type"));
    const char *no_item[] = {"a", "type"};
    assert_int_equal(reco_import_map_set_header(m, no_item, N(no_item), err, sizeof err), -1);
    assert_non_null(strstr(err, "no 'item' column"));
    const char *twice[] = {"a", "user", "item", "type"};
    assert_int_equal(reco_import_map_set_header(m, twice, N(twice), err, sizeof err), -1);
    assert_non_null(strstr(err, "'user' twice"));
    const char *bom[] = {"\xEF\xBB\xBF"
                         "a",
                         "item", "type"};
    assert_int_equal(reco_import_map_set_header(m, bom, N(bom), err, sizeof err), 0);
    reco_import_map_destroy(&m);

    assert_null(reco_import_map_new(RECO_IMPORT_EVENTS, "userId=user,movieId", NULL, RECO_TS_GUESS,
                                    err, sizeof err));
    assert_string_equal(err, "--map: 'movieId' is not of the form from=to");
    assert_null(
        reco_import_map_new(RECO_IMPORT_EVENTS, "=user", NULL, RECO_TS_GUESS, err, sizeof err));

    m = reco_import_map_new(RECO_IMPORT_ITEMS, NULL, NULL, RECO_TS_GUESS, err, sizeof err);
    const char *no_id[] = {"title"};
    assert_int_equal(reco_import_map_set_header(m, no_id, N(no_id), err, sizeof err), -1);
    assert_non_null(strstr(err, "no 'id' column"));
    reco_import_map_destroy(&m);
}

static void test_items(void **state)
{
    (void)state;
    const char *header[] = {"movieId", "title", "year", "genres", "hidden", "brand"};
    reco_import_map_t *m = map_with(RECO_IMPORT_ITEMS, "movieId=id,genres=categories", NULL,
                                    RECO_TS_GUESS, header, N(header));
    const char *row[] = {"1", "Toy Story", "1995", "Adventure|Animation||Children", "0", "Pixar"};
    assert_row(m, row, N(row),
               "{\"id\":\"1\",\"title\":\"Toy "
               "Story\",\"categories\":[\"Adventure\",\"Animation\",\"Children\"],"
               "\"hidden\":false,\"attributes\":{\"year\":1995,\"brand\":\"Pixar\"}}");
    const char *hidden[] = {"2", "Display", "", "", "TRUE"};
    assert_row(m, hidden, N(hidden), "{\"id\":\"2\",\"title\":\"Display\",\"hidden\":true}");
    const char *bad[] = {"3", "x", "", "", "maybe"};
    assert_rejected(m, bad, N(bad), "hidden: 'maybe' is not true, false, 1 or 0");
    const char *no_id[] = {"", "x"};
    assert_rejected(m, no_id, N(no_id), "id: missing");
    reco_import_map_destroy(&m);
}

static void test_users(void **state)
{
    (void)state;
    const char *header[] = {"id", "country", "age", "title"};
    reco_import_map_t *m =
        map_with(RECO_IMPORT_USERS, NULL, NULL, RECO_TS_GUESS, header, N(header));
    const char *row[] = {"u-7", "FR", "34", "Dr"};
    assert_row(m, row, N(row),
               "{\"id\":\"u-7\",\"attributes\":{\"country\":\"FR\",\"age\":34,\"title\":\"Dr\"}}");
    const char *bare[] = {"u-8"};
    assert_row(m, bare, N(bare), "{\"id\":\"u-8\"}");
    reco_import_map_destroy(&m);
}

static void test_json_lines(void **state)
{
    (void)state;
    char err[256] = "", why[256] = "";
    reco_import_map_t *m = reco_import_map_new(RECO_IMPORT_EVENTS, "uid=user", "view",
                                               RECO_TS_SECONDS, err, sizeof err);
    json_t *in = json_loads(
        "{\"uid\":\"u\",\"item\":3,\"timestamp\":1500000000,\"properties\":{\"a\":1}}", 0, NULL);
    json_t *out = reco_import_map_json(m, in, why, sizeof why);
    json_t *want =
        json_loads("{\"user\":\"u\",\"item\":3,\"timestamp\":1500000000000,\"type\":\"view\","
                   "\"properties\":{\"a\":1}}",
                   0, NULL);
    assert_non_null(out);
    assert_true(json_equal(out, want));
    json_decref(in);
    json_decref(out);
    json_decref(want);

    in = json_loads("{\"user\":\"u\"}", 0, NULL);
    assert_null(reco_import_map_json(m, in, why, sizeof why));
    assert_string_equal(why, "item: missing");
    json_decref(in);
    in = json_loads("[1,2]", 0, NULL);
    assert_null(reco_import_map_json(m, in, why, sizeof why));
    assert_string_equal(why, "a line must hold one JSON object");
    json_decref(in);
    reco_import_map_destroy(&m);
}

static void assert_number(const char *text, const char *expected)
{
    json_t *v = reco_import_number(text);
    if (!expected) {
        if (v) fail_msg("'%s' should not be a number", text);
        return;
    }
    assert_non_null(v);
    json_t *want = json_loads(expected, JSON_DECODE_ANY, NULL);
    if (!json_equal(v, want)) fail_msg("'%s' -> wrong number", text);
    json_decref(v);
    json_decref(want);
}

static void test_numbers(void **state)
{
    (void)state;
    assert_number("0", "0");
    assert_number("-12", "-12");
    assert_number("2.5", "2.5");
    assert_number("1e3", "1000.0");
    assert_number("-0.5E-1", "-0.05");
    assert_number("9223372036854775807", "9223372036854775807");
    assert_number("99999999999999999999", "1e20");
    assert_number("007", NULL);
    assert_number("", NULL);
    assert_number("-", NULL);
    assert_number("1.", NULL);
    assert_number(".5", NULL);
    assert_number("12ab", NULL);
    assert_number(" 1", NULL);
    assert_number("1e", NULL);
    assert_number("inf", NULL);
    assert_number("NaN", NULL);
    assert_number("1e999", NULL);
}

static void test_parsers(void **state)
{
    (void)state;
    assert_int_equal(reco_import_kind_parse("events"), RECO_IMPORT_EVENTS);
    assert_int_equal(reco_import_kind_parse("items"), RECO_IMPORT_ITEMS);
    assert_int_equal(reco_import_kind_parse("users"), RECO_IMPORT_USERS);
    assert_int_equal(reco_import_kind_parse("event"), -1);
    assert_int_equal(reco_import_kind_parse(NULL), -1);
    assert_string_equal(reco_import_kind_name(RECO_IMPORT_USERS), "users");
    assert_int_equal(reco_ts_unit_parse("s"), RECO_TS_SECONDS);
    assert_int_equal(reco_ts_unit_parse("ms"), RECO_TS_MILLIS);
    assert_int_equal(reco_ts_unit_parse(""), RECO_TS_GUESS);
    assert_int_equal(reco_ts_unit_parse("guess"), RECO_TS_GUESS);
    assert_int_equal(reco_ts_unit_parse("us"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_movielens_ratings),
        cmocka_unit_test(test_timestamp_units),
        cmocka_unit_test(test_event_fields_and_properties),
        cmocka_unit_test(test_event_local_rejects),
        cmocka_unit_test(test_header_checks),
        cmocka_unit_test(test_items),
        cmocka_unit_test(test_users),
        cmocka_unit_test(test_json_lines),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_parsers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
