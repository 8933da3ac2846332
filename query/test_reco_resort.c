/* Unit tests of the pure parts of response shaping: resort's order (stable, unknown items last)
 * and seeded shuffle, the page cursor's "strictly after" rule, the offset cut, and attribute
 * values as stored in an item hash turned into JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "reco_recommend_read.h"
#include "reco_recommend_shape.h"
#include "reco_resort.h"

static void test_resort_order(void **state)
{
    (void)state;
    const double scores[] = {1.0, 0, 5.0, 1.0, 0, 3.0};
    const unsigned char known[] = {1, 0, 1, 1, 0, 1};
    size_t order[6];
    reco_resort_order(scores, known, 6, 0, order);
    const size_t desc[] = {2, 5, 0, 3, 1, 4}; /* ties (0, 3) and unknown (1, 4) as given */
    assert_memory_equal(order, desc, sizeof desc);
    reco_resort_order(scores, known, 6, 1, order);
    const size_t asc[] = {0, 3, 5, 2, 1, 4};
    assert_memory_equal(order, asc, sizeof asc);
}

static void test_resort_shuffle(void **state)
{
    (void)state;
    size_t a[50], b[50], c[50], seen[50] = {0};
    reco_resort_shuffle(42, 50, a);
    reco_resort_shuffle(42, 50, b);
    reco_resort_shuffle(43, 50, c);
    assert_memory_equal(a, b, sizeof a);
    assert_memory_not_equal(a, c, sizeof a);
    for (size_t i = 0; i < 50; i++)
        seen[a[i]]++;
    for (size_t i = 0; i < 50; i++)
        assert_int_equal(seen[i], 1); /* a permutation */
}

static void test_cursor(void **state)
{
    (void)state;
    reco_filter_t f = {.has_cursor = 1, .pscore = 2.5, .pitem = "m", .pitem_len = 1};
    assert_true(reco_read_after_cursor(&f, 2.4, "a", 1));
    assert_false(reco_read_after_cursor(&f, 2.6, "z", 1));
    assert_false(reco_read_after_cursor(&f, 2.5, "a", 1));
    assert_false(reco_read_after_cursor(&f, 2.5, "m", 1));
    assert_true(reco_read_after_cursor(&f, 2.5, "ma", 2)); /* longer, same prefix: after */
    assert_true(reco_read_after_cursor(&f, 2.5, "n", 1));
    /* scores compare as shown (15 digits): 0.1 + 0.2 is shown as 0.3 */
    f.pscore = 0.3;
    assert_false(reco_read_after_cursor(&f, 0.1 + 0.2, "a", 1));
    assert_true(reco_read_after_cursor(&f, 0.1 + 0.2, "z", 1));
    f.pitem = NULL; /* TasteHit: nothing scored pscore or more */
    assert_false(reco_read_after_cursor(&f, 0.3, "z", 1));
    assert_true(reco_read_after_cursor(&f, 0.2999, "a", 1));
    f.has_cursor = 0;
    assert_true(reco_read_after_cursor(&f, 99, "a", 1));
}

static void test_skip_offset(void **state)
{
    (void)state;
    reco_recommend_args_t a = {.offset = 2, .limit = 10};
    reco_scored_list_t list = {0};
    reco_shape_skip_offset(&a, &list, 0); /* empty: nothing to do */
    const char *ids[] = {"before", "x1", "x2", "x3"};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(reco_scored_list_push(&list, ids[i], strlen(ids[i]), 1.0), 0);
    reco_shape_skip_offset(&a, &list, 1); /* the entry before `from` stays */
    assert_int_equal(list.n, 2);
    assert_string_equal(list.v[0].item, "before");
    assert_string_equal(list.v[1].item, "x3");
    a.offset = 5;
    reco_shape_skip_offset(&a, &list, 1);
    assert_int_equal(list.n, 1);
    reco_scored_list_clear(&list);
}

static void assert_json(json_t *got, const char *want)
{
    json_t *w = json_loads(want, JSON_DECODE_ANY, NULL);
    assert_non_null(got);
    if (!json_equal(got, w)) {
        char *g = json_dumps(got, JSON_ENCODE_ANY);
        fail_msg("got %s, want %s", g, want);
    }
    json_decref(got);
    json_decref(w);
}

static void test_attribute_values(void **state)
{
    (void)state;
    char buf[80];
    assert_string_equal(reco_shape_attribute_field("title", buf, sizeof buf), "title");
    assert_string_equal(reco_shape_attribute_field("created_at", buf, sizeof buf), "created_at");
    assert_string_equal(reco_shape_attribute_field("price", buf, sizeof buf), "attr:price");
    assert_json(reco_shape_attribute_json("title", "[not json", 9), "\"[not json\"");
    assert_json(reco_shape_attribute_json("categories", "[\"a/b\"]", 7), "[\"a/b\"]");
    assert_json(reco_shape_attribute_json("created_at", "1700000000123", 13), "1700000000123");
    assert_json(reco_shape_attribute_json("created_at", "12x", 3), "null");
    assert_json(reco_shape_attribute_json("price", "12.5", 4), "12.5");
    assert_json(reco_shape_attribute_json("brand", "raw text", 8), "\"raw text\"");
    assert_json(reco_shape_attribute_json("brand", NULL, 0), "null");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resort_order),  cmocka_unit_test(test_resort_shuffle),
        cmocka_unit_test(test_cursor),        cmocka_unit_test(test_skip_offset),
        cmocka_unit_test(test_attribute_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
