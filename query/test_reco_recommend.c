/* Unit tests of the Redis-free parts of the recommend op: the reply's recommendations array
 * (items, sets, the model of each entry) and reading a model version. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reco_query_store.h"
#include "reco_recommend.h"

static void push(reco_scored_list_t *list, const char *member, double score, const char *model)
{
    assert_int_equal(reco_scored_list_push(list, member, strlen(member), score), 0);
    list->v[list->n - 1].model = model;
}

static void expect_json(const json_t *value, const char *expected)
{
    char *text = json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS);
    assert_non_null(text);
    if (strcmp(text, expected) != 0) fail_msg("got %s, expected %s", text, expected);
    free(text);
}

static void test_json_items_and_origin(void **state)
{
    (void)state;
    reco_scored_list_t list = {0};
    push(&list, "b", 1.5, NULL);
    push(&list, "a", 0.25, "item-to-item"); /* for-user's fill */
    push(&list, "\xff", 0.125, NULL);       /* not UTF-8: left out */
    push(&list, "x\x1fy", 0.0625, NULL);    /* not bought-with: just an id (never stored so) */
    json_t *recs = reco_recommendations_json(&list, "for-user", 0);
    assert_non_null(recs);
    /* "x\x1fy" is a control character in JSON: escaped */
    expect_json(recs, "[{\"item\":\"b\",\"model\":\"for-user\",\"score\":1.5},"
                      "{\"item\":\"a\",\"model\":\"item-to-item\",\"score\":0.25},"
                      "{\"item\":\"x\\u001Fy\",\"model\":\"for-user\",\"score\":0.0625}]");
    json_decref(recs);
    reco_scored_list_clear(&list);
}

static void test_json_sets(void **state)
{
    (void)state;
    reco_scored_list_t list = {0};
    push(&list, "peg\x1f\x61xe", 2.0, NULL); /* "peg", "axe": the stored order */
    push(&list, "stove", 1.0, NULL);
    push(&list, "bad\x1f", 0.5, NULL); /* malformed: left out */
    json_t *recs = reco_recommendations_json(&list, "bought-with", 1);
    expect_json(recs, "[{\"items\":[\"peg\",\"axe\"],\"model\":\"bought-with\",\"score\":2.0},"
                      "{\"item\":\"stove\",\"model\":\"bought-with\",\"score\":1.0}]");
    json_decref(recs);
    reco_scored_list_t empty = {0};
    recs = reco_recommendations_json(&empty, "bought-with", 1);
    expect_json(recs, "[]");
    json_decref(recs);
    reco_scored_list_clear(&list);
}

/* ---- reco_query_parse_version ---- */

static void test_parse_version(void **state)
{
    (void)state;
    int64_t v = -1;
    redisReply nil = {.type = REDIS_REPLY_NIL};
    assert_int_equal(reco_query_parse_version(&nil, &v), 0);
    char text[] = "12";
    redisReply twelve = {.type = REDIS_REPLY_STRING, .str = text, .len = 2};
    assert_int_equal(reco_query_parse_version(&twelve, &v), 1);
    assert_int_equal(v, 12);
    char junk[][8] = {"0", "-3", "x", "1 ", ""};
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        redisReply r = {.type = REDIS_REPLY_STRING, .str = junk[i], .len = strlen(junk[i])};
        assert_int_equal(reco_query_parse_version(&r, &v), -1);
    }
    redisReply integer = {.type = REDIS_REPLY_INTEGER, .integer = 3};
    assert_int_equal(reco_query_parse_version(&integer, &v), -1);
    assert_int_equal(reco_query_parse_version(NULL, &v), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_items_and_origin),
        cmocka_unit_test(test_json_sets),
        cmocka_unit_test(test_parse_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
