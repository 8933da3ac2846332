/* Unit tests of reco_baskets: basket formation (order, then session, then 30-minute windows per
 * user; purchases of weight > 0 only) and the rules of a hand-made set of baskets: counts,
 * confidence, lift and score (hand values, and exactly the documented formulas), ties, top-K,
 * min support and the basket-size cap. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reco_baskets.h"
#include "reco_cooccur.h"
#include "reco_validate.h"

#define MIN (60 * 1000LL)
#define P RECO_EVENT_PURCHASE
#define V RECO_EVENT_VIEW
#define NB RECO_NO_BASKET

/* users u0, u1; items 0..4; basket keys 0 (an order shared by both users) and 1 (a session).
 *   key 0:  u0 buys 0, u1 buys 1, u0 views 2 (not a purchase)            -> {0, 1}
 *   key 1:  u1 buys 3 at 5 min and 4 at 100 min (a session ignores time)   -> {3, 4}
 *   u0 key-less purchases at 10, 35, 36 (item 3 again) and 70 min          -> {3, 4}, {0}
 *   u1 key-less purchases at 0 and exactly 30 min later; one of weight 0    -> {0, 1} */
static void test_baskets_from_events(void **state)
{
    (void)state;
    const uint32_t user[] = {0, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1};
    const uint32_t item[] = {0, 1, 2, 3, 4, 0, 3, 2, 3, 4, 0, 1};
    const uint8_t type[] = {P, P, V, P, P, P, P, P, P, P, P, P};
    const int64_t ts[] = {0,        0, 0,       10 * MIN,  35 * MIN, 70 * MIN,
                          36 * MIN, 0, 5 * MIN, 100 * MIN, 0,        30 * MIN};
    const double weight[] = {5, 5, 1, 5, 5, 5, 5, 0, 5, 5, 5, 5};
    const uint32_t basket[] = {0, 0, 0, NB, NB, NB, NB, NB, 1, 1, NB, NB};
    reco_event_table_t t = {.n_events = 12,
                            .n_users = 2,
                            .n_items = 5,
                            .n_baskets = 2,
                            .user = user,
                            .item = item,
                            .ts = ts,
                            .weight = weight,
                            .type = type,
                            .basket = basket};
    reco_basket_list_t b;
    assert_int_equal(reco_baskets_from_events(&t, RECO_TYPE_BIT(P), 30 * MIN, &b), 0);
    assert_int_equal(b.n_baskets, 5);
    const size_t ptr[] = {0, 2, 4, 6, 7, 9};
    const uint32_t items[] = {0, 1, 3, 4, 3, 4, 0, 0, 1};
    assert_memory_equal(b.ptr, ptr, sizeof ptr);
    assert_memory_equal(b.items, items, sizeof items);
    reco_basket_list_clear(&b);
    /* views too, and no basket keys at all: per-user windows only */
    t.basket = NULL;
    assert_int_equal(
        reco_baskets_from_events(&t, RECO_TYPE_BIT(P) | RECO_TYPE_BIT(V), 30 * MIN, &b), 0);
    /* u0: 0 (0), 2 (0), 3 (10), 4 (35), 3 (36) | 0 (70);  u1: 1 (0), 0 (0), 1 (30), 3 (5) | 4 (100)
     */
    const size_t ptr2[] = {0, 4, 5, 8, 9};
    const uint32_t items2[] = {0, 2, 3, 4, 0, 0, 1, 3, 4};
    assert_int_equal(b.n_baskets, 4);
    assert_memory_equal(b.ptr, ptr2, sizeof ptr2);
    assert_memory_equal(b.items, items2, sizeof items2);
    reco_basket_list_clear(&b);
}

/* Baskets over a 0, b 1, c 2, d 3:  {a,b,c} {a,b} {a,c} {b,c,d} {a,b,c};  N = 5.
 *   n: a b c = 4, d = 1;  ab = ac = bc = 3, bd = cd = 1;  abc = 2, bcd = 1.
 * With min support 2:
 *   a → b:     conf = .6/.8 = .75,   lift = .75/.8 = .9375,  score = .75·.9375/1.9375 ≈ .36290
 *   a → {b,c}: conf = .4/.8 = .5,    lift = .5/.6 ≈ .8333,   score ≈ .22727
 *   {a,b} → c: conf = .4/.6 ≈ .6667, lift = .6667/.8 ≈ .8333, score ≈ .30303
 * and the same by symmetry for every other item of {a, b, c}; d has no rule. */
static const size_t PTR[] = {0, 3, 5, 7, 10, 13};
static const uint32_t ITEMS[] = {0, 1, 2, 0, 1, 0, 2, 1, 2, 3, 0, 1, 2};

static reco_basket_list_t baskets(void)
{
    return (reco_basket_list_t){.n_baskets = 5, .ptr = (size_t *)PTR, .items = (uint32_t *)ITEMS};
}

/* The documented formulas. */
static reco_rule_t expected(uint32_t c0, uint32_t c1, size_t n_union, size_t n_ante, size_t n_cons,
                            size_t n)
{
    double N = (double)n;
    reco_rule_t r = {.item = {c0, c1}, .count = (uint32_t)n_union};
    double s_union = (double)n_union / N, s_ante = (double)n_ante / N;
    double s_cons = (double)n_cons / N;
    r.confidence = s_union / s_ante;
    r.lift = r.confidence / s_cons;
    r.score = r.confidence * r.lift / (1.0 + r.lift);
    return r;
}

static void assert_rule(const reco_rule_t *got, reco_rule_t want)
{
    if (got->item[0] != want.item[0] || got->item[1] != want.item[1] || got->count != want.count ||
        got->confidence != want.confidence || got->lift != want.lift || got->score != want.score)
        fail_msg("rule {%u,%u} n %u conf %.17g lift %.17g score %.17g, expected {%u,%u} n %u "
                 "conf %.17g lift %.17g score %.17g",
                 got->item[0], got->item[1], got->count, got->confidence, got->lift, got->score,
                 want.item[0], want.item[1], want.count, want.confidence, want.lift, want.score);
}

static void test_rules(void **state)
{
    (void)state;
    reco_basket_list_t b = baskets();
    reco_basket_options_t o = {.min_support = 2};
    reco_basket_rules_t r;
    assert_int_equal(reco_model_bought_with(&b, 4, &o, &r), 0);
    assert_int_equal(r.n_baskets, 5);
    assert_int_equal(r.n_frequent_pairs, 3);
    assert_int_equal(r.n_rules, 12);
    const uint32_t count[] = {4, 4, 4, 1};
    assert_memory_equal(r.item_count, count, sizeof count);
    /* hand values */
    const reco_rule_t *ab = &r.item_rules[r.item_ptr[0]];
    assert_true(fabs(ab->confidence - 0.75) < 1e-15 && fabs(ab->lift - 0.9375) < 1e-15);
    assert_true(fabs(ab->score - 0.75 * 0.9375 / 1.9375) < 1e-15);
    const reco_rule_t *abc = &r.item_rules[r.item_ptr[0] + 2];
    assert_true(fabs(abc->confidence - 0.5) < 1e-15 && fabs(abc->lift - 0.5 / 0.6) < 1e-15);
    /* every list exactly */
    const uint32_t N = RECO_NO_ITEM;
    for (uint32_t a = 0; a < 3; a++) {
        uint32_t x = a == 0 ? 1 : 0, y = a == 2 ? 1 : 2; /* the other two, ascending */
        assert_int_equal(r.item_ptr[a + 1] - r.item_ptr[a], 3);
        const reco_rule_t *l = &r.item_rules[r.item_ptr[a]];
        assert_rule(&l[0], expected(x, N, 3, 4, 4, 5)); /* tie: smaller consequent first */
        assert_rule(&l[1], expected(y, N, 3, 4, 4, 5));
        assert_rule(&l[2], expected(x, y, 2, 4, 3, 5));
    }
    assert_int_equal(r.item_ptr[4] - r.item_ptr[3], 0);
    assert_int_equal(r.n_contexts, 3);
    const uint32_t contexts[] = {0, 1, 0, 2, 1, 2}, third[] = {2, 1, 0};
    assert_memory_equal(r.context_items, contexts, sizeof contexts);
    for (size_t c = 0; c < 3; c++) {
        assert_int_equal(r.context_count[c], 3);
        assert_int_equal(r.context_ptr[c + 1] - r.context_ptr[c], 1);
        assert_rule(&r.context_rules[r.context_ptr[c]], expected(third[c], N, 2, 3, 4, 5));
    }
    reco_basket_rules_clear(&r);
    reco_basket_rules_clear(&r); /* safe twice */
}

static void test_rules_top_k_and_support(void **state)
{
    (void)state;
    reco_basket_list_t b = baskets();
    reco_basket_options_t o = {.min_support = 2, .top_k = 1};
    reco_basket_rules_t r;
    assert_int_equal(reco_model_bought_with(&b, 4, &o, &r), 0);
    assert_int_equal(r.item_ptr[1] - r.item_ptr[0], 2); /* one single, one pair */
    assert_rule(&r.item_rules[0], expected(1, RECO_NO_ITEM, 3, 4, 4, 5));
    assert_rule(&r.item_rules[1], expected(1, 2, 2, 4, 3, 5));
    reco_basket_rules_clear(&r);

    o = (reco_basket_options_t){.min_support = 3};
    assert_int_equal(reco_model_bought_with(&b, 4, &o, &r), 0);
    assert_int_equal(r.n_contexts, 0);
    assert_int_equal(r.n_rules, 6); /* singles only: abc is in 2 baskets */
    reco_basket_rules_clear(&r);

    /* baskets of more than 2 items are left out: N = 2 ({a,b}, {a,c}) */
    o = (reco_basket_options_t){.min_support = 1, .max_basket_items = 2};
    assert_int_equal(reco_model_bought_with(&b, 4, &o, &r), 0);
    assert_int_equal(r.n_baskets, 2);
    assert_int_equal(r.item_ptr[1] - r.item_ptr[0], 2);
    assert_rule(&r.item_rules[0], expected(1, RECO_NO_ITEM, 1, 2, 1, 2));
    assert_true(r.item_rules[0].score == 0.25); /* conf .5, lift 1 */
    assert_rule(&r.item_rules[r.item_ptr[1]], expected(0, RECO_NO_ITEM, 1, 1, 2, 2));
    assert_int_equal(r.n_contexts, 0);
    reco_basket_rules_clear(&r);
}

static int cancel(void *ctx)
{
    (void)ctx;
    return 1;
}

static void test_rules_empty_and_cancel(void **state)
{
    (void)state;
    reco_basket_list_t none = {0};
    size_t zero = 0;
    none.ptr = &zero;
    reco_basket_options_t o = {.min_support = 2};
    reco_basket_rules_t r;
    assert_int_equal(reco_model_bought_with(&none, 0, &o, &r), 0);
    assert_int_equal(r.n_rules, 0);
    reco_basket_rules_clear(&r);
    /* a cancelling tick is only asked after a while: a small input still completes */
    reco_basket_list_t b = baskets();
    o.tick = cancel;
    assert_int_equal(reco_model_bought_with(&b, 4, &o, &r), 0);
    reco_basket_rules_clear(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_baskets_from_events),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_rules_top_k_and_support),
        cmocka_unit_test(test_rules_empty_and_cancel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
