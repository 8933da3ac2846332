/* Unit tests of reco_attribution: ids round-trip, stay URL-safe and bounded, differ per answer,
 * and refuse anything altered, forged, truncated, of another tenant or another secret; variant
 * picks are deterministic per key and follow the weights over many users. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "reco_attribution.h"

static const unsigned char SECRET_A[RECO_ATTRIBUTION_SECRET_LEN] = "0123456789abcdef0123456789abcde";
static const unsigned char SECRET_B[RECO_ATTRIBUTION_SECRET_LEN] = "fedcba9876543210fedcba987654321";

static reco_attribution_t sample(void)
{
    reco_attribution_t a = {.served_at_ms = 1795000000123};
    snprintf(a.scenario, sizeof a.scenario, "home");
    snprintf(a.variant, sizeof a.variant, "B");
    snprintf(a.model, sizeof a.model, "item-to-item");
    return a;
}

static void test_round_trip(void **state)
{
    (void)state;
    reco_attribution_secret_set(SECRET_A);
    reco_attribution_t a = sample(), back;
    char id[RECO_ATTRIBUTION_ID_MAX + 1], other[RECO_ATTRIBUTION_ID_MAX + 1];
    assert_int_equal(reco_attribution_id_encode("shop", &a, id, sizeof id), 0);
    assert_int_equal(strncmp(id, "r1.", 3), 0);
    for (const char *p = id; *p; p++)
        assert_true(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.",
                           *p) != NULL);
    assert_int_equal(reco_attribution_id_decode("shop", id, strlen(id), &back), 0);
    assert_string_equal(back.scenario, "home");
    assert_string_equal(back.variant, "B");
    assert_string_equal(back.model, "item-to-item");
    assert_true(back.served_at_ms == a.served_at_ms);
    assert_int_equal(reco_attribution_id_encode("shop", &a, other, sizeof other), 0);
    assert_string_not_equal(id, other); /* the nonce: two answers never share an id */
}

static void test_longest_fields_fit(void **state)
{
    (void)state;
    reco_attribution_secret_set(SECRET_A);
    reco_attribution_t a = {.served_at_ms = 999999999999999}, back;
    memset(a.scenario, 'S', RECO_ATTRIBUTION_SCENARIO_MAX);
    memset(a.variant, 'v', RECO_VARIANT_NAME_MAX);
    memset(a.model, 'm', RECO_ATTRIBUTION_MODEL_MAX);
    char id[RECO_ATTRIBUTION_ID_MAX + 1];
    assert_int_equal(reco_attribution_id_encode("t", &a, id, sizeof id), 0);
    assert_true(strlen(id) <= RECO_ATTRIBUTION_ID_MAX);
    assert_int_equal(reco_attribution_id_decode("t", id, strlen(id), &back), 0);
    assert_memory_equal(&a, &back, sizeof a);
    a.variant[0] = '\x1f'; /* a field that would break the payload apart */
    assert_int_equal(reco_attribution_id_encode("t", &a, id, sizeof id), -1);
    a.variant[0] = 'v';
    a.scenario[0] = '\0';
    assert_int_equal(reco_attribution_id_encode("t", &a, id, sizeof id), -1);
}

static void test_refuses_altered_and_forged(void **state)
{
    (void)state;
    reco_attribution_secret_set(SECRET_A);
    reco_attribution_t a = sample(), back;
    char id[RECO_ATTRIBUTION_ID_MAX + 1], bad[RECO_ATTRIBUTION_ID_MAX + 2];
    assert_int_equal(reco_attribution_id_encode("shop", &a, id, sizeof id), 0);
    size_t len = strlen(id);
    assert_int_equal(reco_attribution_id_decode("other", id, len, &back), -1); /* tenant */
    for (size_t i = 0; i < len; i++) { /* every single changed character is caught */
        memcpy(bad, id, len + 1);
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        assert_int_equal(reco_attribution_id_decode("shop", bad, len, &back), -1);
    }
    for (size_t cut = 0; cut < len; cut++)
        assert_int_equal(reco_attribution_id_decode("shop", id, cut, &back), -1);
    const char *junk[] = {"", "r1.", "r1...", "0123456789abcdef0123456789abcdef", "r2.a.b.c",
                          "r1.AAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA"};
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++)
        assert_int_equal(reco_attribution_id_decode("shop", junk[i], strlen(junk[i]), &back), -1);
    reco_attribution_secret_set(SECRET_B); /* another deployment's secret */
    assert_int_equal(reco_attribution_id_decode("shop", id, len, &back), -1);
}

static void test_variant_pick_deterministic(void **state)
{
    (void)state;
    const int64_t weights[] = {1, 1, 1};
    char user[32];
    for (int u = 0; u < 200; u++) {
        snprintf(user, sizeof user, "user-%d", u);
        size_t first = reco_attribution_pick_variant("shop", "home", user, weights, 3);
        assert_true(first < 3);
        for (int again = 0; again < 3; again++)
            assert_int_equal(reco_attribution_pick_variant("shop", "home", user, weights, 3),
                             first);
    }
    assert_int_equal(reco_attribution_pick_variant("shop", "home", "u", weights, 1), 0);
}

/* Over 20 000 users, a 50/50 split and a 1:3 split land within 2 points of their weights. */
static void test_variant_pick_distribution(void **state)
{
    (void)state;
    const int64_t even[] = {50, 50}, skewed[] = {1, 3};
    size_t counts_even[2] = {0, 0}, counts_skewed[2] = {0, 0}, counts_random[2] = {0, 0};
    char user[32];
    const int users = 20000;
    for (int u = 0; u < users; u++) {
        snprintf(user, sizeof user, "u%d", u);
        counts_even[reco_attribution_pick_variant("shop", "home", user, even, 2)]++;
        counts_skewed[reco_attribution_pick_variant("shop", "home", user, skewed, 2)]++;
        counts_random[reco_attribution_pick_variant("shop", "home", NULL, even, 2)]++;
    }
    double share_even = (double)counts_even[0] / users,
           share_skewed = (double)counts_skewed[0] / users,
           share_random = (double)counts_random[0] / users;
    print_message("50/50: %.4f; 1:3: %.4f; random: %.4f\n", share_even, share_skewed,
                  share_random);
    assert_true(share_even > 0.48 && share_even < 0.52);
    assert_true(share_skewed > 0.23 && share_skewed < 0.27);
    assert_true(share_random > 0.48 && share_random < 0.52);
}

/* A split group is a key like a user: each group maps to one variant, different scenarios
 * split independently. */
static void test_variant_pick_per_scenario(void **state)
{
    (void)state;
    const int64_t even[] = {1, 1};
    int differ = 0;
    char user[32];
    for (int u = 0; u < 100; u++) {
        snprintf(user, sizeof user, "u%d", u);
        differ += reco_attribution_pick_variant("shop", "home", user, even, 2) !=
                  reco_attribution_pick_variant("shop", "cart", user, even, 2);
    }
    assert_true(differ > 20 && differ < 80);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_longest_fields_fit),
        cmocka_unit_test(test_refuses_altered_and_forged),
        cmocka_unit_test(test_variant_pick_deterministic),
        cmocka_unit_test(test_variant_pick_distribution),
        cmocka_unit_test(test_variant_pick_per_scenario),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
