/* Unit tests of reco_weights: defaults, overrides of built-in types (rating's is a factor),
 * custom actions, and entries of reco:{T}:actions that are ignored. Replies are built by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "reco_test_reply.h"

#include "reco_weights.h"

static double weight_of(const reco_weights_t *w, const char *type, double value)
{
    double weight = -1;
    assert_int_equal(reco_weights_resolve(w, type, value, &weight), 0);
    return weight;
}

static void assert_unweighted(const reco_weights_t *w, const char *type)
{
    double weight = -7;
    assert_int_equal(reco_weights_resolve(w, type, 1.0, &weight), -1);
    assert_true(weight == -7); /* untouched */
}

static void test_defaults(void **state)
{
    (void)state;
    reco_test_reply_t h;
    reco_weights_t *empty = reco_weights_from_hash(reco_test_reply_of(&h, NULL), NULL);
    const reco_weights_t *tables[] = {NULL, empty};
    for (size_t i = 0; i < 2; i++) {
        const reco_weights_t *w = tables[i];
        assert_true(weight_of(w, "view", 9) == 1.0);
        assert_true(weight_of(w, "cart", 9) == 3.0);
        assert_true(weight_of(w, "purchase", 9) == 5.0);
        assert_true(weight_of(w, "rating", 4.5) == 4.5);
        assert_true(weight_of(w, "rating", 0) == 0.0);
        assert_true(weight_of(w, "bookmark", 9) == 2.0);
        assert_true(weight_of(w, "click", 9) == 1.0);
        assert_unweighted(w, "wishlist");
        assert_int_equal(reco_weights_overrides(w), 0);
        assert_int_equal(reco_weights_custom(w), 0);
    }
    reco_weights_destroy(&empty);
    assert_null(empty);
    reco_weights_destroy(&empty); /* safe on NULL */
}

static void test_overrides_and_custom_actions(void **state)
{
    (void)state;
    reco_test_reply_t h;
    size_t ignored = 99;
    reco_weights_t *w = reco_weights_from_hash(reco_test_reply_of(&h, "purchase", "8", "rating", "2", "view",
                                                       "0", "wishlist", "2.5", "share", "0.25",
                                                       "add-to-list", "4", "zz", "100", NULL),
                                               &ignored);
    assert_non_null(w);
    assert_int_equal(ignored, 0);
    assert_true(weight_of(w, "purchase", 0) == 8.0);
    assert_true(weight_of(w, "rating", 4.5) == 9.0); /* value x factor */
    assert_true(weight_of(w, "view", 0) == 0.0);
    assert_true(weight_of(w, "cart", 0) == 3.0);     /* not overridden: default */
    assert_true(weight_of(w, "wishlist", 3) == 2.5); /* value ignored for custom actions */
    assert_true(weight_of(w, "share", 0) == 0.25);
    assert_true(weight_of(w, "add-to-list", 0) == 4.0);
    assert_true(weight_of(w, "zz", 0) == 100.0);
    assert_unweighted(w, "wish");
    assert_unweighted(w, "wishlists");
    assert_unweighted(w, "a");
    assert_int_equal(reco_weights_overrides(w), 3);
    assert_int_equal(reco_weights_custom(w), 4);
    reco_weights_destroy(&w);
}

static void test_bad_entries_are_ignored(void **state)
{
    (void)state;
    reco_test_reply_t h;
    size_t ignored = 0;
    reco_weights_t *w = reco_weights_from_hash(reco_test_reply_of(&h, "Wishlist", "1", "share", "x", "like",
                                                       "-1", "cart", "inf", "buy", "nan", "save",
                                                       "", "rate", "2 ", "ok", "1e1", NULL),
                                               &ignored);
    assert_non_null(w);
    assert_int_equal(ignored, 7);
    assert_true(weight_of(w, "cart", 0) == 3.0);
    assert_true(weight_of(w, "ok", 0) == 10.0);
    assert_unweighted(w, "share");
    assert_unweighted(w, "Wishlist");
    reco_weights_destroy(&w);
    /* not a hash at all: defaults */
    redisReply nil = {.type = REDIS_REPLY_NIL};
    assert_non_null(w = reco_weights_from_hash(&nil, NULL));
    assert_true(weight_of(w, "purchase", 0) == 5.0);
    reco_weights_destroy(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_overrides_and_custom_actions),
        cmocka_unit_test(test_bad_entries_are_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
