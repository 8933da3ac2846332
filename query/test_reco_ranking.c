/* Unit tests of the pure parts of serving (reco_ranking.c): ranked lists, set members, leaving
 * out context items, and summing lists with a deterministic order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "reco_ranking.h"

/* Scores here are sums of a few decimals: equal within a few ulps. */
static void assert_score(double actual, double expected)
{
    double diff = actual > expected ? actual - expected : expected - actual;
    if (diff > 1e-12) fail_msg("score %.17g, expected %.17g", actual, expected);
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
    const unsigned char drop[] = {0, 1, 1, 0, 0};
    page.v[4].model = "item-to-item";
    assert_int_equal(reco_scored_list_take(&out, 3, &page, drop), 0);
    assert_int_equal(out.n, 3);
    assert_string_equal(out.v[0].item, "e");
    assert_true(out.v[0].score == 5.0);
    assert_null(out.v[0].model);
    assert_string_equal(out.v[1].item, "b"); /* "d" and "c" dropped */
    assert_true(out.v[1].score == 3.0);
    assert_string_equal(out.v[2].item, "a");
    assert_string_equal(out.v[2].model, "item-to-item"); /* the origin is kept */
    /* a second page only tops the list up to the limit */
    assert_int_equal(reco_scored_list_take(&out, 4, &page, NULL), 0);
    assert_int_equal(out.n, 4);
    assert_string_equal(out.v[3].item, "e");
    reco_scored_list_clear(&out);
    reco_scored_list_clear(&page);
    assert_null(page.v);
    assert_int_equal(page.n, 0);
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
            if (k % 20 >= l) assert_int_equal(reco_scoreboard_add(board, id, strlen(id), 1.0), 0);
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

/* ---- set members ---- */

static void expect_split(const char *member, size_t len, int parts_expected, const char *first,
                         const char *second)
{
    reco_id_span_t parts[2];
    assert_int_equal(reco_member_split(member, len, parts), parts_expected);
    if (parts_expected >= 1) {
        assert_int_equal(parts[0].len, strlen(first));
        assert_memory_equal(parts[0].id, first, parts[0].len);
    }
    if (parts_expected == 2) {
        assert_int_equal(parts[1].len, strlen(second));
        assert_memory_equal(parts[1].id, second, parts[1].len);
    }
}

static void test_member_split(void **state)
{
    (void)state;
    expect_split("tent", 4, 1, "tent", NULL);
    expect_split("tent\x1fpeg", 8, 2, "tent", "peg"); /* the stored order, not sorted */
    expect_split("a b\x1f\xc3\xa9", 6, 2, "a b", "\xc3\xa9");
    expect_split("", 0, 0, NULL, NULL);
    expect_split("\x1fpeg", 4, 0, NULL, NULL);
    expect_split("tent\x1f", 5, 0, NULL, NULL);
    expect_split("a\x1f\x62\x1f\x63", 5, 0, NULL, NULL); /* a 3-item set is not served */
    expect_split("a\x1f\x1f\x62", 4, 0, NULL, NULL);
    /* only len bytes count: the bytes after are not part of the member */
    expect_split("ab\x1f\x63", 2, 1, "ab", NULL);
}

/* ---- leaving out context items ---- */

static void make_list(reco_scored_list_t *list, const char *const *members, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_int_equal(
            reco_scored_list_push(list, members[i], strlen(members[i]), (double)(n - i)), 0);
}

static void test_mark_context_items(void **state)
{
    (void)state;
    const char *members[] = {"a", "ab", "b", "a\x1f\x63", "c"};
    const char *context[] = {"a", "c"};
    reco_scored_list_t list = {0};
    make_list(&list, members, 5);
    unsigned char drop[5] = {0, 0, 0, 0, 0};
    /* plain items: whole ids only, and a member holding the separator is just an id */
    reco_mark_context(&list, 0, 5, RECO_MEMBERS_ITEMS, context, 2, drop);
    const unsigned char expected[] = {1, 0, 0, 0, 1};
    assert_memory_equal(drop, expected, 5);
    /* only [from, to) is looked at, and flags already set stay */
    unsigned char part[5] = {0, 0, 1, 0, 0};
    reco_mark_context(&list, 1, 4, RECO_MEMBERS_ITEMS, context, 2, part);
    const unsigned char expected_part[] = {0, 0, 1, 0, 0};
    assert_memory_equal(part, expected_part, 5);
    /* no context: nothing */
    unsigned char none[5] = {0};
    reco_mark_context(&list, 0, 5, RECO_MEMBERS_ITEMS, NULL, 0, none);
    const unsigned char zeros[5] = {0};
    assert_memory_equal(none, zeros, 5);
    reco_scored_list_clear(&list);
}

static void test_mark_context_sets(void **state)
{
    (void)state;
    const char *members[] = {"x", "x\x1fy", "y\x1f\x63", "c", "z\x1fw", "bad\x1f", "w"};
    const char *context[] = {"c"};
    reco_scored_list_t list = {0};
    make_list(&list, members, 7);
    /* with include_sets: a set with a context item goes, other sets stay, malformed ones go */
    unsigned char sets[7] = {0};
    reco_mark_context(&list, 0, 7, RECO_MEMBERS_SETS, context, 1, sets);
    const unsigned char expected_sets[] = {0, 0, 1, 1, 0, 1, 0};
    assert_memory_equal(sets, expected_sets, 7);
    /* without: every set goes */
    unsigned char single[7] = {0};
    reco_mark_context(&list, 0, 7, RECO_MEMBERS_SINGLE, context, 1, single);
    const unsigned char expected_single[] = {0, 1, 1, 1, 1, 1, 0};
    assert_memory_equal(single, expected_single, 7);
    reco_scored_list_clear(&list);
}

static void test_contains(void **state)
{
    (void)state;
    const char *members[] = {"ab", "a b"};
    reco_scored_list_t list = {0};
    assert_false(reco_scored_list_contains(&list, "a", 1));
    make_list(&list, members, 2);
    assert_true(reco_scored_list_contains(&list, "ab", 2));
    assert_true(reco_scored_list_contains(&list, "a b", 3));
    assert_false(reco_scored_list_contains(&list, "a", 1));
    assert_false(reco_scored_list_contains(&list, "abc", 3));
    reco_scored_list_clear(&list);
}

/* bought-with with two context items: single lists and the pair list summed */
static void test_scoreboard_sums_rules(void **state)
{
    (void)state;
    reco_scoreboard_t *board = reco_scoreboard_new();
    /* …:i:tent: peg .5, stove .25, peg\x1fmat .125; …:i:mat: peg .25; …:p:mat\x1ftent: stove 1 */
    assert_int_equal(reco_scoreboard_add(board, "peg", 3, 0.5), 0);
    assert_int_equal(reco_scoreboard_add(board, "stove", 5, 0.25), 0);
    assert_int_equal(reco_scoreboard_add(board, "peg\x1fmat", 7, 0.125), 0);
    assert_int_equal(reco_scoreboard_add(board, "peg", 3, 0.25), 0);
    assert_int_equal(reco_scoreboard_add(board, "stove", 5, 1.0), 0);
    reco_scored_list_t ranked = {0};
    assert_int_equal(reco_scoreboard_rank(board, &ranked), 0);
    assert_int_equal(ranked.n, 3);
    assert_string_equal(ranked.v[0].item, "stove");
    assert_true(ranked.v[0].score == 1.25);
    assert_string_equal(ranked.v[1].item, "peg");
    assert_true(ranked.v[1].score == 0.75);
    assert_string_equal(ranked.v[2].item, "peg\x1fmat");
    assert_true(ranked.v[2].score == 0.125);
    reco_scored_list_clear(&ranked);
    reco_scoreboard_destroy(&board);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_take_filters_in_order),
        cmocka_unit_test(test_scoreboard_sums_and_ranks),
        cmocka_unit_test(test_scoreboard_tie_order_is_bytewise),
        cmocka_unit_test(test_scoreboard_empty_and_many),
        cmocka_unit_test(test_member_split),
        cmocka_unit_test(test_mark_context_items),
        cmocka_unit_test(test_mark_context_sets),
        cmocka_unit_test(test_contains),
        cmocka_unit_test(test_scoreboard_sums_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
