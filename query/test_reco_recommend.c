/* Unit tests of the Redis-free parts of the query worker: recommend's argument validation,
 * filtering a ranked page, merging neighbour lists, and reading a model version. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "reco_query_store.h"
#include "reco_recommend.h"

/* ---- reco_recommend_parse_args ---- */

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

/* Scores here are sums of a few decimals: equal within a few ulps. */
static void assert_score(double actual, double expected)
{
    double diff = actual > expected ? actual - expected : expected - actual;
    if (diff > 1e-12)
        fail_msg("score %.17g, expected %.17g", actual, expected);
}

static void expect_error(const char *json, const char *code, const char *message_prefix)
{
    reco_recommend_args_t a;
    reco_error_t err;
    assert_int_equal(parse(json, &a, &err), -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.code, code);
    assert_true(strncmp(err.message, message_prefix, strlen(message_prefix)) == 0);
}

static void test_args_defaults(void **state)
{
    (void)state;
    reco_recommend_args_t a;
    reco_error_t err;
    assert_int_equal(parse("{\"model\":\"popular\"}", &a, &err), 0);
    assert_int_equal(a.kind, RECO_RECOMMEND_POPULAR);
    assert_string_equal(a.model, "popular");
    assert_int_equal(a.limit, 10);
    assert_null(a.item);
    assert_null(a.user);
}

static void test_args_item_to_item(void **state)
{
    (void)state;
    reco_recommend_args_t a;
    reco_error_t err;
    assert_int_equal(parse("{\"model\":\"item-to-item\",\"item\":\"sku 1\",\"limit\":100}", &a, &err), 0);
    assert_int_equal(a.kind, RECO_RECOMMEND_ITEM_TO_ITEM);
    assert_string_equal(a.model, "item-to-item");
    assert_string_equal(a.item, "sku 1");
    assert_int_equal(a.limit, 100);
    assert_int_equal(parse("{\"model\":\"item-to-item\",\"user\":42,\"limit\":\"7\"}", &a, &err), 0);
    assert_null(a.item);
    assert_string_equal(a.user, "42");
    assert_int_equal(a.limit, 7);
    assert_int_equal(parse("{\"model\":\"item-to-item\",\"user\":\"u\",\"item\":null,\"limit\":1}", &a, &err), 0);
    assert_null(a.item);
    assert_string_equal(a.user, "u");
    assert_int_equal(a.limit, 1);
}

static void test_args_model_errors(void **state)
{
    (void)state;
    expect_error("{}", "missing_field", "model: required");
    expect_error("{\"model\":\"Popular\"}", "invalid_field", "model: must be one of popular, item-to-item");
    expect_error("{\"model\":3}", "invalid_field", "model: must be one of popular, item-to-item");
    expect_error("{\"model\":\"item-to-item\"}", "missing_field", "item: item-to-item needs an item or a user");
    expect_error("{\"model\":\"item-to-item\",\"limit\":5}", "missing_field", "item:");
}

static void test_args_limit_errors(void **state)
{
    (void)state;
    const char *bad[] = {"0", "101", "-1", "2.5", "true", "\"ten\"", "\"0\"", "\"5x\"", "[]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char json[64];
        snprintf(json, sizeof json, "{\"model\":\"popular\",\"limit\":%s}", bad[i]);
        expect_error(json, "invalid_field", "limit: must be an integer from 1 to 100");
    }
}

static void test_args_id_errors(void **state)
{
    (void)state;
    expect_error("{\"model\":\"popular\",\"item\":\"\"}", "invalid_field", "item: must be a string");
    expect_error("{\"model\":\"popular\",\"item\":\"a\\nb\"}", "invalid_field", "item:");
    expect_error("{\"model\":\"item-to-item\",\"user\":[\"u\"]}", "invalid_field", "user:");
    expect_error("{\"model\":\"item-to-item\",\"item\":\"i\",\"user\":\"x\\u0000y\"}", "invalid_field", "user:");
    char json[400] = "{\"model\":\"popular\",\"item\":\"";
    size_t n = strlen(json);
    memset(json + n, 'x', 257);
    snprintf(json + n + 257, sizeof json - n - 257, "\"}");
    expect_error(json, "invalid_field", "item:");
}

/* ---- reco_scored_list_take ---- */

static void fill(reco_scored_list_t *list, const char *const *items, const double *scores, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_int_equal(reco_scored_list_push(list, items[i], strlen(items[i]), scores[i]), 0);
}

static void test_take_filters_in_order(void **state)
{
    (void)state;
    const char *items[] = {"e", "d", "c", "b", "a"};
    const double scores[] = {5, 4, 3, 3, 1};
    reco_scored_list_t page = {0}, out = {0};
    fill(&page, items, scores, 5);
    const unsigned char drop[] = {0, 1, 0, 0, 0};
    assert_int_equal(reco_scored_list_take(&out, 3, &page, drop, "c"), 0);
    assert_int_equal(out.n, 3);
    assert_string_equal(out.v[0].item, "e");
    assert_true(out.v[0].score == 5.0);
    assert_string_equal(out.v[1].item, "b"); /* "d" hidden, "c" is the context item */
    assert_true(out.v[1].score == 3.0);
    assert_string_equal(out.v[2].item, "a");
    /* a second page only tops the list up to the limit */
    assert_int_equal(reco_scored_list_take(&out, 4, &page, NULL, NULL), 0);
    assert_int_equal(out.n, 4);
    assert_string_equal(out.v[3].item, "e");
    reco_scored_list_clear(&out);
    reco_scored_list_clear(&page);
    assert_null(page.v);
    assert_int_equal(page.n, 0);
}

static void test_take_exclude_matches_whole_id(void **state)
{
    (void)state;
    const char *items[] = {"ab", "a", "a b"};
    const double scores[] = {3, 2, 1};
    reco_scored_list_t page = {0}, out = {0};
    fill(&page, items, scores, 3);
    assert_int_equal(reco_scored_list_take(&out, 10, &page, NULL, "a"), 0);
    assert_int_equal(out.n, 2);
    assert_string_equal(out.v[0].item, "ab");
    assert_string_equal(out.v[1].item, "a b");
    reco_scored_list_clear(&out);
    reco_scored_list_clear(&page);
}

/* ---- reco_scoreboard ---- */

static void test_scoreboard_sums_and_ranks(void **state)
{
    (void)state;
    reco_scoreboard_t *board = reco_scoreboard_new();
    assert_non_null(board);
    /* neighbours of history item h1: a .5, b .9; of h2: a .6, c .9, h1 .8 */
    assert_int_equal(reco_scoreboard_add(board, "a", 1, 0.5), 0);
    assert_int_equal(reco_scoreboard_add(board, "b", 1, 0.9), 0);
    assert_int_equal(reco_scoreboard_add(board, "a", 1, 0.6), 0);
    assert_int_equal(reco_scoreboard_add(board, "c", 1, 0.9), 0);
    assert_int_equal(reco_scoreboard_add(board, "h1", 2, 0.8), 0);
    assert_int_equal(reco_scoreboard_exclude(board, "h1", 2), 0);
    assert_int_equal(reco_scoreboard_exclude(board, "h2", 2), 0);
    /* an item excluded before it is added stays excluded */
    assert_int_equal(reco_scoreboard_add(board, "h2", 2, 5.0), 0);

    reco_scored_list_t ranked = {0};
    assert_int_equal(reco_scoreboard_rank(board, &ranked), 0);
    assert_int_equal(ranked.n, 3);
    assert_string_equal(ranked.v[0].item, "a");
    assert_score(ranked.v[0].score, 1.1);
    assert_string_equal(ranked.v[1].item, "b"); /* tie with c: id ascending */
    assert_score(ranked.v[1].score, 0.9);
    assert_string_equal(ranked.v[2].item, "c");
    assert_score(ranked.v[2].score, 0.9);
    reco_scored_list_clear(&ranked);
    reco_scoreboard_destroy(&board);
    assert_null(board);
    reco_scoreboard_destroy(&board); /* safe on NULL */
}

static void test_scoreboard_tie_order_is_bytewise(void **state)
{
    (void)state;
    reco_scoreboard_t *board = reco_scoreboard_new();
    const char *ids[] = {"b", "ab", "a", "a b", "\xc3\xa9", "B"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        assert_int_equal(reco_scoreboard_add(board, ids[i], strlen(ids[i]), 1.0), 0);
    assert_int_equal(reco_scoreboard_add(board, "z", 1, 2.0), 0);
    reco_scored_list_t ranked = {0};
    assert_int_equal(reco_scoreboard_rank(board, &ranked), 0);
    const char *expected[] = {"z", "B", "a", "a b", "ab", "b", "\xc3\xa9"};
    assert_int_equal(ranked.n, 7);
    for (size_t i = 0; i < 7; i++)
        assert_string_equal(ranked.v[i].item, expected[i]);
    reco_scored_list_clear(&ranked);
    reco_scoreboard_destroy(&board);
}

static void test_scoreboard_empty_and_many(void **state)
{
    (void)state;
    reco_scoreboard_t *board = reco_scoreboard_new();
    reco_scored_list_t ranked = {0};
    assert_int_equal(reco_scoreboard_rank(board, &ranked), 0);
    assert_int_equal(ranked.n, 0);
    /* 20 lists of 50 neighbours, overlapping: item k appears in every list where k % 20 >= l */
    for (int l = 0; l < 20; l++)
        for (int k = 0; k < 50; k++) {
            char id[16];
            snprintf(id, sizeof id, "i%02d", k);
            if (k % 20 >= l)
                assert_int_equal(reco_scoreboard_add(board, id, strlen(id), 1.0), 0);
        }
    assert_int_equal(reco_scoreboard_rank(board, &ranked), 0);
    assert_int_equal(ranked.n, 50);
    /* k = 19 and 39 appear in all 20 lists; 19 sorts first */
    assert_string_equal(ranked.v[0].item, "i19");
    assert_score(ranked.v[0].score, 20.0);
    assert_string_equal(ranked.v[1].item, "i39");
    assert_string_equal(ranked.v[49].item, "i40");
    assert_score(ranked.v[49].score, 1.0);
    for (size_t i = 1; i < ranked.n; i++)
        assert_true(ranked.v[i - 1].score >= ranked.v[i].score);
    reco_scored_list_clear(&ranked);
    reco_scoreboard_destroy(&board);
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
        cmocka_unit_test(test_args_defaults),
        cmocka_unit_test(test_args_item_to_item),
        cmocka_unit_test(test_args_model_errors),
        cmocka_unit_test(test_args_limit_errors),
        cmocka_unit_test(test_args_id_errors),
        cmocka_unit_test(test_take_filters_in_order),
        cmocka_unit_test(test_take_exclude_matches_whole_id),
        cmocka_unit_test(test_scoreboard_sums_and_ranks),
        cmocka_unit_test(test_scoreboard_tie_order_is_bytewise),
        cmocka_unit_test(test_scoreboard_empty_and_many),
        cmocka_unit_test(test_parse_version),
    };
    return cmocka_run_group_tests(tests, NULL, release_last_args);
}
