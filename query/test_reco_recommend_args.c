/* Unit tests of recommend's model table and argument validation (reco_recommend_args.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "reco_model_names.h"
#include "reco_recommend_args.h"

/* The parsed args borrow strings from the JSON, so the last one parsed is kept alive until the
 * next parse (or the end of the group). */
static json_t *last_args;

static int release_last_args(void **state)
{
    (void)state;
    json_decref(last_args);
    last_args = NULL;
    return 0;
}

static int parse(const char *json, reco_recommend_args_t *out, reco_error_t *err)
{
    json_error_t jerr;
    release_last_args(NULL);
    last_args = json_loads(json, JSON_ALLOW_NUL, &jerr);
    assert_non_null(last_args);
    reco_error_clear(err);
    return reco_recommend_parse_args(last_args, out, err);
}

static void parse_ok(const char *json, reco_recommend_args_t *out)
{
    reco_error_t err;
    if (parse(json, out, &err) != 0)
        fail_msg("%s: %d %s %s", json, err.status, err.code, err.message);
}

static void expect_error(const char *json, const char *code, const char *message)
{
    reco_recommend_args_t a;
    reco_error_t err;
    assert_int_equal(parse(json, &a, &err), -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.code, code);
    if (strncmp(err.message, message, strlen(message)) != 0)
        fail_msg("%s: message '%s', expected it to start with '%s'", json, err.message, message);
}

static void test_model_table(void **state)
{
    (void)state;
    assert_int_equal(reco_model_count(), 13);
    /* the table lists exactly the models of common/reco_model_names.c, in order */
    char names[400] = "";
    for (size_t i = 0; i < reco_model_count(); i++) {
        const reco_model_info_t *m = reco_model_at(i);
        assert_ptr_equal(reco_model_find(m->name), m);
        strncat(names, i ? ", " : "", sizeof names - strlen(names) - 1);
        strncat(names, m->name, sizeof names - strlen(names) - 1);
    }
    assert_string_equal(names, reco_model_list_text);
    assert_null(reco_model_at(13));
    assert_null(reco_model_find("Popular"));
    assert_null(reco_model_find(NULL));

    const reco_model_info_t *m = reco_model_find("for-user");
    assert_int_equal(m->serve, RECO_SERVE_NEIGHBOURS);
    assert_int_equal(m->history_items, 200);
    assert_true(m->personalised);
    assert_string_equal(m->fill, "item-to-item");
    assert_true(m->positive_only);
    m = reco_model_find("also-bought");
    assert_int_equal(m->serve, RECO_SERVE_NEIGHBOURS);
    assert_int_equal(m->history_items, 20);
    assert_false(m->personalised);
    assert_null(m->fill);
    assert_false(m->positive_only);
    assert_int_equal(reco_model_find("trending")->serve, RECO_SERVE_GLOBAL);
    assert_int_equal(reco_model_find("popular-365d")->serve, RECO_SERVE_GLOBAL);
    assert_int_equal(reco_model_find("bought-with")->serve, RECO_SERVE_BOUGHT_WITH);
    assert_int_equal(reco_model_find("similar-customers")->serve, RECO_SERVE_SIMILAR_CUSTOMERS);
    assert_int_equal(reco_model_find("content")->serve, RECO_SERVE_NEIGHBOURS);
}

static void test_defaults(void **state)
{
    (void)state;
    reco_recommend_args_t a;
    parse_ok("{\"model\":\"popular\"}", &a);
    assert_string_equal(a.model->name, "popular");
    assert_int_equal(a.limit, 10);
    assert_int_equal(a.n_items, 0);
    assert_null(a.user);
    assert_false(a.include_sets);
    assert_false(a.exclude_seen);
    /* the gateway always sends items, empty when there are none */
    parse_ok("{\"model\":\"trending\",\"items\":[],\"limit\":50}", &a);
    assert_int_equal(a.n_items, 0);
    assert_int_equal(a.limit, 50);
}

static void test_items_and_legacy_item(void **state)
{
    (void)state;
    reco_recommend_args_t a;
    parse_ok("{\"model\":\"item-to-item\",\"item\":\"sku 1\",\"limit\":\"7\"}", &a);
    assert_int_equal(a.n_items, 1);
    assert_string_equal(a.items[0], "sku 1");
    assert_int_equal(a.limit, 7);
    /* what the gateway sends: items, and item = items[0] for older workers */
    parse_ok("{\"model\":\"bought-with\",\"items\":[\"b\",\"a\",\"b\",3],\"item\":\"b\"}", &a);
    assert_int_equal(a.n_items, 3);
    assert_string_equal(a.items[0], "b");
    assert_string_equal(a.items[1], "a");
    assert_string_equal(a.items[2], "3");
    /* a legacy item not among items is one more context item, last */
    parse_ok("{\"model\":\"content\",\"items\":[\"x\"],\"item\":42}", &a);
    assert_int_equal(a.n_items, 2);
    assert_string_equal(a.items[0], "x");
    assert_string_equal(a.items[1], "42");
    /* 20 distinct items, and repeats of them, fit */
    char json[600] = "{\"model\":\"item-to-item\",\"items\":[";
    for (int i = 0; i < 20; i++)
        snprintf(json + strlen(json), sizeof json - strlen(json), "%s\"i%d\"", i ? "," : "", i);
    snprintf(json + strlen(json), sizeof json - strlen(json), "],\"item\":\"i0\"}");
    parse_ok(json, &a);
    assert_int_equal(a.n_items, 20);
    assert_string_equal(a.items[19], "i19");
}

static void test_user_and_flags(void **state)
{
    (void)state;
    reco_recommend_args_t a;
    /* neighbour model from the user alone: personalised, seen items left out by default */
    parse_ok("{\"model\":\"item-to-item\",\"user\":42}", &a);
    assert_string_equal(a.user, "42");
    assert_true(a.exclude_seen);
    /* with context items it is not, unless asked */
    parse_ok("{\"model\":\"item-to-item\",\"user\":\"u\",\"items\":[\"i\"]}", &a);
    assert_false(a.exclude_seen);
    parse_ok("{\"model\":\"item-to-item\",\"user\":\"u\",\"items\":[\"i\"],\"exclude_seen\":true}",
             &a);
    assert_true(a.exclude_seen);
    /* personalised models default to true whatever the context */
    parse_ok("{\"model\":\"for-user\",\"user\":\"u\",\"items\":[\"i\"]}", &a);
    assert_true(a.exclude_seen);
    parse_ok("{\"model\":\"similar-customers\",\"user\":\"u\",\"exclude_seen\":\"false\"}", &a);
    assert_false(a.exclude_seen);
    parse_ok("{\"model\":\"popular\",\"user\":\"u\"}", &a);
    assert_false(a.exclude_seen);
    parse_ok("{\"model\":\"popular\",\"user\":\"u\",\"exclude_seen\":\"1\"}", &a);
    assert_true(a.exclude_seen);
    parse_ok("{\"model\":\"bought-with\",\"item\":\"i\",\"include_sets\":true}", &a);
    assert_true(a.include_sets);
    parse_ok(
        "{\"model\":\"bought-with\",\"item\":\"i\",\"include_sets\":\"0\",\"exclude_seen\":null}",
        &a);
    assert_false(a.include_sets);
    assert_false(a.exclude_seen);
}

static void test_model_errors(void **state)
{
    (void)state;
    expect_error("{}", "missing_field", "model: required (one of popular, popular-1d,");
    expect_error(
        "{\"model\":\"Popular\"}", "invalid_field",
        "model: must be one of popular, popular-1d, popular-7d, popular-30d, popular-365d, "
        "trending, item-to-item, also-viewed, also-bought, bought-with, similar-customers, "
        "for-user, content");
    expect_error("{\"model\":3}", "invalid_field", "model: must be one of");
    expect_error("{\"model\":\"popular-2d\"}", "invalid_field", "model: must be one of");
}

static void test_context_errors(void **state)
{
    (void)state;
    expect_error("{\"model\":\"item-to-item\"}", "missing_field",
                 "item: item-to-item needs context items or a user");
    expect_error("{\"model\":\"for-user\",\"items\":[]}", "missing_field",
                 "item: for-user needs context items or a user");
    expect_error("{\"model\":\"bought-with\",\"user\":\"u\"}", "missing_field",
                 "item: bought-with needs context items");
    expect_error("{\"model\":\"similar-customers\",\"items\":[\"i\"]}", "missing_field",
                 "user: similar-customers needs a user");
}

static void test_field_errors(void **state)
{
    (void)state;
    const char *bad_limits[] = {"0",       "51",   "-1",     "2.5", "true",
                                "\"ten\"", "\"0\"", "\"5x\"", "[]"};
    for (size_t i = 0; i < sizeof bad_limits / sizeof bad_limits[0]; i++) {
        char json[64];
        snprintf(json, sizeof json, "{\"model\":\"popular\",\"limit\":%s}", bad_limits[i]);
        expect_error(json, "invalid_field", "limit: must be an integer from 1 to 50");
    }
    expect_error("{\"model\":\"popular\",\"item\":\"\"}", "invalid_field",
                 "item: must be a string");
    expect_error("{\"model\":\"popular\",\"items\":\"a\"}", "invalid_field",
                 "items: must be an array of item ids");
    expect_error("{\"model\":\"popular\",\"items\":[\"a\",\"\"]}", "invalid_field",
                 "items[1]: must be a string");
    expect_error("{\"model\":\"popular\",\"items\":[\"a\",null]}", "invalid_field",
                 "items[1]: must be an item id");
    expect_error("{\"model\":\"popular\",\"items\":[\"a\\nb\"]}", "invalid_field", "items[0]:");
    expect_error("{\"model\":\"item-to-item\",\"user\":[\"u\"]}", "invalid_field", "user:");
    expect_error("{\"model\":\"popular\",\"include_sets\":\"yes\"}", "invalid_field",
                 "include_sets: must be true or false");
    expect_error("{\"model\":\"popular\",\"exclude_seen\":2}", "invalid_field",
                 "exclude_seen: must be true or false");
    /* 21 items, or 20 and a different legacy item */
    char json[600] = "{\"model\":\"item-to-item\",\"items\":[";
    for (int i = 0; i < 21; i++)
        snprintf(json + strlen(json), sizeof json - strlen(json), "%s\"i%d\"", i ? "," : "", i);
    snprintf(json + strlen(json), sizeof json - strlen(json), "]}");
    expect_error(json, "invalid_field", "items: at most 20 context items");
    char *last = strstr(json, ",\"i20\"");
    snprintf(last, sizeof json - (size_t)(last - json), "],\"item\":\"other\"}");
    expect_error(json, "invalid_field", "items: at most 20 context items");
}

static void test_shaping(void **state)
{
    (void)state;
    reco_recommend_args_t a;
    parse_ok("{\"model\":\"popular\",\"offset\":20,\"pscore\":\"2.5\",\"pitem\":\"i9\","
             "\"filters\":[{\"price\":{\"max\":10}}],\"attributes\":[\"title\",\"price\","
             "\"title\"]}",
             &a);
    assert_int_equal(a.offset, 20);
    assert_true(a.has_cursor && a.pscore == 2.5);
    assert_memory_equal(a.pitem, "i9", 2);
    assert_int_equal(a.pitem_len, 2);
    assert_int_equal(a.filters.n, 1);
    assert_string_equal(a.filters.rule[0].hash_field, "attr:price");
    assert_int_equal(a.n_attributes, 2); /* the repeat is dropped */
    assert_string_equal(a.attributes[1], "price");
    parse_ok("{\"model\":\"bought-with\",\"item\":\"x\",\"pscore\":3,\"pitem\":\"a\\u001fb\"}", &a);
    assert_int_equal(a.pitem_len, 3);
    parse_ok("{\"model\":\"popular\"}", &a);
    assert_false(a.has_cursor);
    assert_int_equal(a.offset, 0);
    assert_int_equal(a.filters.n, 0);
    expect_error("{\"model\":\"popular\",\"offset\":1001}", "invalid_field",
                 "offset: must be an integer from 0 to 1000");
    expect_error("{\"model\":\"popular\",\"pscore\":\"x\"}", "invalid_field", "pscore: must be");
    expect_error("{\"model\":\"popular\",\"pitem\":\"i\"}", "invalid_field", "pitem: only with pscore");
    expect_error("{\"model\":\"popular\",\"pscore\":1,\"pitem\":\"\"}", "invalid_field",
                 "pitem: must be an item id");
    expect_error("{\"model\":\"popular\",\"filters\":[{\"price\":{\"min\":\"a\"}}]}",
                 "invalid_field", "filters[0] {\"price\":{\"min\":\"a\"}}: price.min");
    expect_error("{\"model\":\"popular\",\"attributes\":\"title\"}", "invalid_field",
                 "attributes: must be an array");
    expect_error("{\"model\":\"popular\",\"attributes\":[\"\"]}", "invalid_field", "attributes[0]:");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_table),           cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_items_and_legacy_item), cmocka_unit_test(test_user_and_flags),
        cmocka_unit_test(test_model_errors),          cmocka_unit_test(test_context_errors),
        cmocka_unit_test(test_field_errors),          cmocka_unit_test(test_shaping),
    };
    return cmocka_run_group_tests(tests, NULL, release_last_args);
}
