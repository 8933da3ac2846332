/* Unit tests of reco_categories: prefixes count as categories, an item is in a category once
 * even when two of its paths share the prefix, items without score are left out, the ranking
 * order (score, then catalogue index), the per-category cap, and bad JSON counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "reco_categories.h"

static const reco_content_item_t *item(reco_content_item_t *it, const char *id, const char *cats)
{
    *it = (reco_content_item_t){.id = id, .id_len = strlen(id), .categories = cats};
    return it;
}

/* The list of category name, as "index:score" pairs joined by spaces. */
static void expect_list(const reco_category_lists_t *l, const char *name, const char *want)
{
    for (size_t c = 0; c < l->n; c++) {
        if (strcmp(l->names[c], name) != 0) continue;
        char got[256] = "";
        size_t at = 0;
        for (size_t e = l->ptr[c]; e < l->ptr[c + 1]; e++)
            at += (size_t)snprintf(got + at, sizeof got - at, "%s%u:%g", e > l->ptr[c] ? " " : "",
                                   l->entries[e].item, l->entries[e].score);
        assert_string_equal(got, want);
        return;
    }
    fail_msg("no category '%s'", name);
}

static void test_categories(void **state)
{
    (void)state;
    reco_content_item_t items[6];
    item(&items[0], "tent", "[\"outdoor/tents\", \"outdoor/sale\"]");
    item(&items[1], "stove", "[\"outdoor/cooking\"]");
    item(&items[2], "lamp", "[\"outdoor/tents\"]");
    item(&items[3], "gloves", "[\"clothing\"]"); /* no score: in no list */
    item(&items[4], "broken", "{not json");
    item(&items[5], "sock", "[\"clothing\"]");
    const double score[6] = {5.0, 7.0, 5.0, 0.0, 9.0, 1.5};
    reco_category_lists_t l;
    assert_int_equal(reco_model_popular_categories(items, 6, score, 10, &l), 0);
    assert_int_equal(l.bad_json, 1);
    assert_int_equal(l.n, 5); /* outdoor, outdoor/tents, outdoor/sale, outdoor/cooking, clothing */
    expect_list(&l, "outdoor", "1:7 0:5 2:5"); /* tent once, though two of its paths match */
    expect_list(&l, "outdoor/tents", "0:5 2:5");
    expect_list(&l, "outdoor/sale", "0:5");
    expect_list(&l, "outdoor/cooking", "1:7");
    expect_list(&l, "clothing", "5:1.5");
    reco_category_lists_clear(&l);

    assert_int_equal(reco_model_popular_categories(items, 6, score, 2, &l), 0);
    expect_list(&l, "outdoor", "1:7 0:5"); /* capped */
    reco_category_lists_clear(&l);
    assert_null(l.names);
}

static void test_empty(void **state)
{
    (void)state;
    reco_category_lists_t l;
    assert_int_equal(reco_model_popular_categories(NULL, 0, NULL, 10, &l), 0);
    assert_int_equal(l.n, 0);
    reco_category_lists_clear(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_categories),
        cmocka_unit_test(test_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
