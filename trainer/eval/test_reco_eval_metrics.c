/* Unit tests of reco_eval_metrics with values computed by hand (the logarithms are written out:
 * 1/log2(2) = 1, 1/log2(3) = 0.6309297535714575, 1/log2(4) = 0.5, 1/log2(5) = 0.4306765580733931).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "reco_eval_metrics.h"

#define L1 0.6309297535714575 /* 1 / log2(3): rank 1 */
#define L3 0.4306765580733931 /* 1 / log2(5): rank 3 */

/* ranked 5 3 9 1, relevant {1, 3, 7}: hits at ranks 1 (item 3) and 3 (item 1) */
static const uint32_t RANKED[] = {5, 3, 9, 1};
static const uint32_t RELEVANT[] = {1, 3, 7};

static void test_user_at_2(void **state)
{
    (void)state;
    reco_eval_scores_t s;
    reco_eval_score_user(RANKED, 4, RELEVANT, 3, 2, &s);
    assert_int_equal(s.hits, 1);
    assert_float_equal(s.precision, 0.5, 1e-15);
    assert_float_equal(s.recall, 1.0 / 3, 1e-15);
    /* DCG = L1; IDCG over min(2, 3) = 2 ranks = 1 + L1 */
    assert_float_equal(s.ndcg, L1 / (1 + L1), 1e-15);
    assert_float_equal(s.ndcg, 0.38685280723454163, 1e-15);
}

static void test_user_at_4_and_short_list(void **state)
{
    (void)state;
    reco_eval_scores_t s;
    reco_eval_score_user(RANKED, 4, RELEVANT, 3, 4, &s);
    assert_int_equal(s.hits, 2);
    assert_float_equal(s.precision, 0.5, 1e-15);
    assert_float_equal(s.recall, 2.0 / 3, 1e-15);
    /* IDCG over min(4, 3) = 3 ranks: 1 + L1 + 1/2 */
    assert_float_equal(s.ndcg, (L1 + L3) / (1 + L1 + 0.5), 1e-15);
    assert_float_equal(s.ndcg, 0.49818925746641285, 1e-15);
    /* K = 10 with a 4-item list: precision still divides by K */
    reco_eval_score_user(RANKED, 4, RELEVANT, 3, 10, &s);
    assert_float_equal(s.precision, 0.2, 1e-15);
    assert_float_equal(s.recall, 2.0 / 3, 1e-15);
}

static void test_user_edge_cases(void **state)
{
    (void)state;
    reco_eval_scores_t s;
    const uint32_t one[] = {7};
    reco_eval_score_user(one, 1, one, 1, 10, &s); /* leave-last-out hit at rank 0 */
    assert_float_equal(s.ndcg, 1.0, 1e-15);
    assert_float_equal(s.recall, 1.0, 1e-15);
    assert_float_equal(s.precision, 0.1, 1e-15);
    reco_eval_score_user(NULL, 0, one, 1, 10, &s); /* nothing ranked */
    assert_int_equal(s.hits, 0);
    assert_float_equal(s.ndcg, 0.0, 0);
    const uint32_t miss[] = {1, 2, 3};
    reco_eval_score_user(miss, 3, one, 1, 2, &s);
    assert_float_equal(s.recall, 0.0, 0);
}

static void test_totals_means_and_coverage(void **state)
{
    (void)state;
    const size_t ks[] = {2, 4};
    reco_eval_totals_t *t = reco_eval_totals_new(10, ks, 2);
    assert_non_null(t);
    reco_eval_totals_add(t, RANKED, 4, RELEVANT, 3);
    const uint32_t second[] = {7, 5};
    const uint32_t second_relevant[] = {7};
    reco_eval_totals_add(t, second, 2, second_relevant, 1);
    reco_eval_totals_add(t, second, 2, NULL, 0); /* no test items: not counted */
    assert_int_equal(reco_eval_totals_users(t), 2);
    reco_eval_result_t r;
    reco_eval_totals_result(t, 0, &r);
    assert_int_equal(r.k, 2);
    assert_float_equal(r.precision, (0.5 + 0.5) / 2, 1e-15);
    assert_float_equal(r.recall, (1.0 / 3 + 1.0) / 2, 1e-15);
    assert_float_equal(r.ndcg, (L1 / (1 + L1) + 1.0) / 2, 1e-15);
    assert_int_equal(r.recommended, 3); /* {5, 3} ∪ {7, 5} */
    assert_float_equal(r.coverage, 0.3, 1e-15);
    reco_eval_totals_result(t, 1, &r);
    assert_int_equal(r.recommended, 5); /* {5, 3, 9, 1, 7} */
    assert_float_equal(r.precision, (0.5 + 0.25) / 2, 1e-15);
    reco_eval_totals_destroy(&t);
    assert_null(t);
    assert_null(reco_eval_totals_new(10, ks, 0));
    const size_t zero[] = {0};
    assert_null(reco_eval_totals_new(10, zero, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_user_at_2),
        cmocka_unit_test(test_user_at_4_and_short_list),
        cmocka_unit_test(test_user_edge_cases),
        cmocka_unit_test(test_totals_means_and_coverage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
