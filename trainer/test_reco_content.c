/* Unit tests of reco_content: the terms (category prefixes, attribute values and lists, title
 * words), TF-IDF weights and cosines computed by hand, the common-term cap, and bad JSON. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reco_content.h"

#define ITEM(id, title, cats, n, names, values)                                                    \
    {                                                                                              \
        id, sizeof id - 1, title, cats, n, names, values                                           \
    }

static const char *const COLOR[] = {"color"}, *const RED[] = {"\"red\""};
static const char *const B_NAMES[] = {"color", "sizes"}, *const B_VALUES[] = {"\"blue\"",
                                                                              "[42,43]"};

/* a: "Red Shoe", shoes/running, color=red      b: "Blue shoe!", shoes/trail, color=blue, sizes 42
 * 43 c: "Red hat", hats, color=red                 d: nothing N = 4; terms (index by first
 * appearance) and df: t:red 0 (a c) 2, t:shoe 1 (a b) 2, c:shoes 2 (a b) 2, c:shoes/running 3 (a)
 * 1, a:color=red 4 (a c) 2, t:blue 5 (b) 1, c:shoes/trail 6 (b) 1, a:color=blue 7, a:sizes=42 8,
 *   a:sizes=43 9, t:hat 10 (c) 1, c:hats 11 (c) 1
 * weights: L = ln(4/2) for df 2, 2L = ln(4/1) for df 1 (every tf is 1)
 *   ‖a‖² = L²+L²+L²+(2L)²+L² = 8L²,  ‖b‖² = L²+L²+5·(2L)² = 22L²,  ‖c‖² = L²+L²+(2L)²+(2L)² = 10L²
 *   sim(a, b) = (L·L + L·L)/(‖a‖‖b‖) = 2/√176 ≈ 0.1508,  sim(a, c) = 2/√80 ≈ 0.2236,
 *   b and c share nothing, d has no term. */
static const reco_content_item_t SHOP[] = {
    ITEM("a", "Red Shoe", "[\"shoes/running\"]", 1, COLOR, RED),
    ITEM("b", "Blue shoe!", "[\"shoes/trail\"]", 2, B_NAMES, B_VALUES),
    ITEM("c", "Red hat", "[\"hats\"]", 1, COLOR, RED),
    ITEM("d", NULL, NULL, 0, NULL, NULL),
};

static void assert_entry(const reco_neighbours_t *nb, size_t i, size_t k, uint32_t j, double s)
{
    assert_true(nb->ptr[i] + k < nb->ptr[i + 1]);
    const reco_scored_t *e = &nb->entries[nb->ptr[i] + k];
    if (e->item != j || e->score != s)
        fail_msg("item %zu entry %zu: %u %.17g, expected %u %.17g", i, k, e->item, e->score, j, s);
}

static void test_content_by_hand(void **state)
{
    (void)state;
    reco_content_options_t o = {.similarity = {.top_k = 10, .threads = 2}};
    reco_neighbours_t nb;
    reco_content_stats_t stats;
    assert_int_equal(reco_model_content(SHOP, 4, &o, &nb, &stats), 0);
    assert_int_equal(stats.terms, 12);
    assert_int_equal(stats.dropped, 0);
    assert_int_equal(stats.entries, 16);
    assert_int_equal(stats.bad_json, 0);
    double L = log(4.0 / 2.0), L2 = log(4.0 / 1.0);
    double na = sqrt((((L * L + L * L) + L * L) + L2 * L2) + L * L);
    double nb_ = sqrt((((((L * L + L * L) + L2 * L2) + L2 * L2) + L2 * L2) + L2 * L2) + L2 * L2);
    double nc = sqrt(((L * L + L * L) + L2 * L2) + L2 * L2);
    double ab = (L * L + L * L) / (na * nb_), ac = (L * L + L * L) / (na * nc);
    assert_true(fabs(ab - 2.0 / sqrt(176.0)) < 1e-15 && fabs(ac - 2.0 / sqrt(80.0)) < 1e-15);
    assert_int_equal(nb.n_lists, 3);
    assert_entry(&nb, 0, 0, 2, ac);
    assert_entry(&nb, 0, 1, 1, ab);
    assert_int_equal(nb.ptr[2] - nb.ptr[1], 1);
    assert_entry(&nb, 1, 0, 0, (L * L + L * L) / (nb_ * na));
    assert_int_equal(nb.ptr[3] - nb.ptr[2], 1);
    assert_entry(&nb, 2, 0, 0, (L * L + L * L) / (nc * na));
    assert_int_equal(nb.ptr[4] - nb.ptr[3], 0);
    reco_neighbours_clear(&nb);

    /* terms of more than 1 item are dropped: nothing is shared any more */
    o.max_term_items = 1;
    assert_int_equal(reco_model_content(SHOP, 4, &o, &nb, &stats), 0);
    assert_int_equal(stats.dropped, 4);
    assert_int_equal(stats.terms, 8);
    assert_int_equal(nb.n_pairs, 0);
    reco_neighbours_clear(&nb);
}

/* Title words: case-folded ASCII, UTF-8 kept whole, punctuation splits; term frequency counts;
 * category prefixes: "a/b" gives "a" and "a/b"; a list attribute gives one term per element;
 * numbers and booleans by their JSON text; bad JSON is counted and ignored. */
static void test_terms(void **state)
{
    (void)state;
    static const char *const n1[] = {"new", "tags"}, *const v1[] = {"true", "[\"x\",\"y\"]"};
    static const char *const n2[] = {"new", "tags"}, *const v2[] = {"true", "{bad"};
    static const char *const n3[] = {"new"}, *const v3[] = {"false"};
    const reco_content_item_t items[] = {
        ITEM("e",
             "STRASSE-bahn Stra\xc3\x9f"
             "e",
             "[\"a/b\"]", 2, n1, v1),
        ITEM("f",
             "strasse bahn bahn stra\xc3\x9f"
             "e",
             "[\"a\", \"x/y\"]", 2, n2, v2),
        ITEM("g", "other", "not json", 1, n3, v3),
        ITEM("h", "nothing shared", "[\"z\"]", 0, NULL, NULL),
    };
    reco_content_options_t o = {.similarity = {.top_k = 10, .threads = 1}};
    reco_neighbours_t nb;
    reco_content_stats_t stats;
    assert_int_equal(reco_model_content(items, 4, &o, &nb, &stats), 0);
    assert_int_equal(stats.bad_json, 2);
    /* e: t:strasse 0, t:bahn 1, t:straße 2, c:a 3, c:a/b 4, a:new=true 5, a:tags=x 6, a:tags=y 7
     * f: t:strasse, t:bahn ×2, t:straße, c:a, c:x 8, c:x/y 9, a:new=true
     * shared by e and f only (df 2 of 4): strasse, bahn, straße, a, new=true; weights L, bahn 2L
     * in f; the rest of e's (a/b, tags=x, tags=y) and f's (x, x/y) are 2L. */
    double L = log(4.0 / 2.0), L2 = log(4.0 / 1.0), L_2 = 2.0 * log(4.0 / 2.0);
    double ne =
        sqrt((((((((L * L + L * L) + L * L) + L * L) + L2 * L2) + L * L) + L2 * L2) + L2 * L2));
    double nf = sqrt((((((L * L + L_2 * L_2) + L * L) + L * L) + L * L) + L2 * L2) + L2 * L2);
    double ef = ((((L * L + L * L_2) + L * L) + L * L) + L * L) / (ne * nf);
    assert_entry(&nb, 0, 0, 1, ef);
    assert_int_equal(nb.ptr[1] - nb.ptr[0], 1);
    assert_int_equal(nb.ptr[4] - nb.ptr[2], 0); /* g and h share nothing with anyone */
    reco_neighbours_clear(&nb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content_by_hand),
        cmocka_unit_test(test_terms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
