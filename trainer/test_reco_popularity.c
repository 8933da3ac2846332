/* Unit tests of reco_popularity on a hand-made event table: the window boundaries (age < window,
 * future events count as age 0), weight-0 events, ties, and trending's decay. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "reco_popularity.h"

#define DAY RECO_DAY_MS
#define NOW (100 * DAY)

/* item (a 0, b 1, c 2, d 3), age, weight:
 *   a 0.5 d 1 | a 3 d 2 | b -1 d (future) 4 | c 40 d 8 | a 400 d 16 | b 1 d 32 | c 7 d - 1 ms 0.5
 *   c 0 d 0 | d 2 d 3
 * popular-1d:   b 4, a 1                     (b's 32 is exactly 1 day old: out)
 * popular-7d:   b 36, a 3 = d 3 (a first), c 0.5
 * popular-365d: b 36, c 8.5, a 3 = d 3
 * trending (half-life 1 d): b = 4 + 32/2 = 20, a = 2^-0.5 + 2/8 + 16·2^-400 ≈ 0.95711,
 *   d = 3/4, c = 8·2^-40 + 0.5·2^-(7 - 1 ms) ≈ 0.0039 */
static const uint32_t ITEM[] = {0, 0, 1, 2, 0, 1, 2, 2, 3};
static const int64_t TS[] = {NOW - DAY / 2,   NOW - 3 * DAY, NOW + DAY,         NOW - 40 * DAY,
                             NOW - 400 * DAY, NOW - DAY,     NOW - 7 * DAY + 1, NOW,
                             NOW - 2 * DAY};
static const double WEIGHT[] = {1, 2, 4, 8, 16, 32, 0.5, 0, 3};
static const uint32_t USER[] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
static const uint8_t TYPE[] = {0, 0, 0, 0, 0, 0, 0, 0, 0};

static reco_event_table_t table(void)
{
    return (reco_event_table_t){.n_events = 9,
                                .n_users = 1,
                                .n_items = 4,
                                .user = USER,
                                .item = ITEM,
                                .ts = TS,
                                .weight = WEIGHT,
                                .type = TYPE};
}

static void assert_list(const reco_scored_t *got, size_t n, const uint32_t *items,
                        const double *scores, size_t expected)
{
    assert_int_equal(n, expected);
    for (size_t k = 0; k < n; k++) {
        if (got[k].item != items[k] || got[k].score != scores[k])
            fail_msg("entry %zu: item %u score %.17g, expected item %u score %.17g", k, got[k].item,
                     got[k].score, items[k], scores[k]);
    }
}

static void test_windows(void **state)
{
    (void)state;
    reco_event_table_t t = table();
    reco_scored_t *list = NULL;
    size_t n = 0;
    assert_int_equal(reco_model_popular_window(&t, NOW, DAY, &list, &n), 0);
    assert_list(list, n, (uint32_t[]){1, 0}, (double[]){4, 1}, 2);
    free(list);
    assert_int_equal(reco_model_popular_window(&t, NOW, 7 * DAY, &list, &n), 0);
    assert_list(list, n, (uint32_t[]){1, 0, 3, 2}, (double[]){36, 3, 3, 0.5}, 4);
    free(list);
    assert_int_equal(reco_model_popular_window(&t, NOW, 30 * DAY, &list, &n), 0);
    assert_list(list, n, (uint32_t[]){1, 0, 3, 2}, (double[]){36, 3, 3, 0.5}, 4);
    free(list);
    assert_int_equal(reco_model_popular_window(&t, NOW, 365 * DAY, &list, &n), 0);
    assert_list(list, n, (uint32_t[]){1, 2, 0, 3}, (double[]){36, 8.5, 3, 3}, 4);
    free(list);
    /* nothing in the window: empty, no allocation */
    assert_int_equal(reco_model_popular_window(&t, NOW + 1000 * DAY, DAY, &list, &n), 0);
    assert_null(list);
    assert_int_equal(n, 0);
}

static void test_trending(void **state)
{
    (void)state;
    reco_event_table_t t = table();
    reco_scored_t *list = NULL;
    size_t n = 0;
    assert_int_equal(reco_model_trending(&t, NOW, DAY, &list, &n), 0);
    double a = ((0.0 + 1.0 * exp2(-0.5)) + 2.0 * exp2(-3.0)) + 16.0 * exp2(-400.0);
    double b = (0.0 + 4.0 * exp2(-0.0)) + 32.0 * exp2(-1.0);
    double c = ((0.0 + 8.0 * exp2(-40.0)) + 0.5 * exp2(-(double)(7 * DAY - 1) / (double)DAY)) + 0.0;
    double d = 3.0 * exp2(-2.0);
    assert_true(b == 20.0 && d == 0.75);
    assert_true(fabs(a - 0.95710678118654757) < 1e-15);
    assert_list(list, n, (uint32_t[]){1, 0, 3, 2}, (double[]){b, a, d, c}, 4);
    free(list);
}

static void test_empty_table(void **state)
{
    (void)state;
    reco_event_table_t t = {0};
    reco_scored_t *list = (reco_scored_t *)&t;
    size_t n = 7;
    assert_int_equal(reco_model_trending(&t, NOW, DAY, &list, &n), 0);
    assert_null(list);
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_windows),
        cmocka_unit_test(test_trending),
        cmocka_unit_test(test_empty_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
