/* Unit tests of reco_cooccur (also-viewed / also-bought): type filter, shrinkage, time decay,
 * hand-computed similarities, and identical results with 1 and 3 threads. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reco_cooccur.h"
#include "reco_popularity.h"
#include "reco_validate.h"

#define NOW (1000 * RECO_DAY_MS)
#define V RECO_EVENT_VIEW
#define K RECO_EVENT_CLICK
#define C RECO_EVENT_CART
#define P RECO_EVENT_PURCHASE
#define X RECO_EVENT_TYPE_COUNT /* a custom action */

/* users A 0, B 1, C 2; items x 0, y 1, z 2.
 *   A: view x, view y, purchase z (5), custom x (2)    B: view x, click y, purchase z (5), cart y
 * (3) C: view x, view z also-viewed (view, click), λ = 1: A {x 1, y 1}, B {x 1, y 1}, C {x 1, z 1}
 *   ‖x‖ = √3, ‖y‖ = √2, ‖z‖ = 1
 *   sim(x, y) = 2/(√3·√2) · 2/(2+1) ≈ 0.5443   sim(x, z) = 1/(√3·1) · 1/(1+1) ≈ 0.2887
 * also-bought (cart, purchase), λ = 1: A {z 5}, B {z 5, y 3}: sim(y, z) = 15/(3·√50) · 1/2
 * With a 1-day half-life and B's click on y a day old (weight 0.5): B {x 1, y 0.5},
 *   ‖y‖ = √1.25, sim(x, y) = (1 + 0.5)/(√3·√1.25) · 2/3. */
static const uint32_t USER[] = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2};
static const uint32_t ITEM[] = {0, 1, 2, 0, 0, 1, 2, 1, 0, 2};
static const uint8_t TYPE[] = {V, V, P, X, V, K, P, C, V, V};
static const double WEIGHT[] = {1, 1, 5, 2, 1, 1, 5, 3, 1, 1};
static int64_t TS[] = {NOW, NOW, NOW, NOW, NOW, NOW, NOW, NOW, NOW, NOW};

static reco_event_table_t table(void)
{
    return (reco_event_table_t){.n_events = 10,
                                .n_users = 3,
                                .n_items = 3,
                                .user = USER,
                                .item = ITEM,
                                .ts = TS,
                                .weight = WEIGHT,
                                .type = TYPE};
}

static void assert_entry(const reco_neighbours_t *nb, size_t item, size_t k, uint32_t neighbour,
                         double score)
{
    assert_true(nb->ptr[item] + k < nb->ptr[item + 1]);
    const reco_scored_t *e = &nb->entries[nb->ptr[item] + k];
    if (e->item != neighbour || e->score != score)
        fail_msg("item %zu entry %zu: %u %.17g, expected %u %.17g", item, k, e->item, e->score,
                 neighbour, score);
}

static reco_cooccur_options_t options(unsigned mask, int64_t half_life, double shrinkage)
{
    return (reco_cooccur_options_t){
        .type_mask = mask,
        .now_ms = NOW,
        .half_life_ms = half_life,
        .similarity = {.top_k = 10, .threads = 2, .shrinkage = shrinkage}};
}

static void test_also_viewed(void **state)
{
    (void)state;
    reco_event_table_t t = table();
    reco_cooccur_options_t o = options(RECO_TYPE_BIT(V) | RECO_TYPE_BIT(K), 0, 1.0);
    reco_neighbours_t nb = {0};
    size_t kept = 0;
    assert_int_equal(reco_model_cooccur(&t, &o, &nb, &kept), 0);
    assert_int_equal(kept, 6);
    double xy = (2.0 / (sqrt(3.0) * sqrt(2.0))) * (2.0 / (2.0 + 1.0));
    double xz = (1.0 / (sqrt(3.0) * 1.0)) * (1.0 / (1.0 + 1.0));
    assert_true(fabs(xy - 0.54433105395181736) < 1e-15 && fabs(xz - 0.28867513459481287) < 1e-15);
    assert_int_equal(nb.n_items, 3);
    assert_int_equal(nb.n_lists, 3);
    assert_int_equal(nb.n_pairs, 4);
    assert_entry(&nb, 0, 0, 1, xy);
    assert_entry(&nb, 0, 1, 2, xz);
    assert_entry(&nb, 1, 0, 0, xy);
    assert_entry(&nb, 2, 0, 0, xz);
    assert_int_equal(nb.ptr[3] - nb.ptr[2], 1);
    /* without shrinkage it is item-to-item's plain cosine */
    o.similarity.shrinkage = 0.0;
    reco_neighbours_clear(&nb);
    assert_int_equal(reco_model_cooccur(&t, &o, &nb, NULL), 0);
    assert_entry(&nb, 0, 0, 1, 2.0 / (sqrt(3.0) * sqrt(2.0)));
    reco_neighbours_clear(&nb);
}

static void test_also_bought(void **state)
{
    (void)state;
    reco_event_table_t t = table();
    reco_cooccur_options_t o = options(RECO_TYPE_BIT(C) | RECO_TYPE_BIT(P), 0, 1.0);
    reco_neighbours_t nb = {0};
    size_t kept = 0;
    assert_int_equal(reco_model_cooccur(&t, &o, &nb, &kept), 0);
    assert_int_equal(kept, 3);
    double yz = (15.0 / (3.0 * sqrt(50.0))) * (1.0 / (1.0 + 1.0));
    assert_int_equal(nb.n_lists, 2);
    assert_int_equal(nb.ptr[1] - nb.ptr[0], 0); /* x was never bought */
    assert_entry(&nb, 1, 0, 2, yz);
    assert_entry(&nb, 2, 0, 1, yz);
    reco_neighbours_clear(&nb);
}

static void test_decay(void **state)
{
    (void)state;
    TS[5] = NOW - RECO_DAY_MS; /* B's click on y */
    reco_event_table_t t = table();
    reco_cooccur_options_t o = options(RECO_TYPE_BIT(V) | RECO_TYPE_BIT(K), RECO_DAY_MS, 1.0);
    reco_neighbours_t nb = {0};
    assert_int_equal(reco_model_cooccur(&t, &o, &nb, NULL), 0);
    double xy =
        ((1.0 * 1.0 + 1.0 * 0.5) / (sqrt(3.0) * sqrt(1.0 * 1.0 + 0.5 * 0.5))) * (2.0 / (2.0 + 1.0));
    assert_entry(&nb, 0, 0, 1, xy);
    assert_entry(&nb, 1, 0, 0, xy);
    TS[5] = NOW;
    reco_neighbours_clear(&nb);
}

/* A random table: 1 thread and 3 threads give bit-identical lists. */
static void test_threads_agree(void **state)
{
    (void)state;
    enum { N = 5000, USERS = 300, ITEMS = 150 };
    uint32_t *user = malloc(N * sizeof *user), *item = malloc(N * sizeof *item);
    int64_t *ts = malloc(N * sizeof *ts);
    double *weight = malloc(N * sizeof *weight);
    uint8_t *type = malloc(N);
    srand(7);
    for (size_t k = 0; k < N; k++) {
        user[k] = (uint32_t)(rand() % USERS);
        item[k] = (uint32_t)(rand() % ITEMS);
        ts[k] = NOW - (int64_t)(rand() % 1000) * 3600000;
        weight[k] = 1 + rand() % 5;
        type[k] = (uint8_t)(rand() % 6);
    }
    reco_event_table_t t = {.n_events = N,
                            .n_users = USERS,
                            .n_items = ITEMS,
                            .user = user,
                            .item = item,
                            .ts = ts,
                            .weight = weight,
                            .type = type};
    reco_cooccur_options_t o = options(RECO_TYPE_BIT(V) | RECO_TYPE_BIT(K), 30 * RECO_DAY_MS, 10);
    o.similarity.top_k = 7;
    o.similarity.threads = 1;
    reco_neighbours_t one = {0}, three = {0};
    assert_int_equal(reco_model_cooccur(&t, &o, &one, NULL), 0);
    o.similarity.threads = 3;
    assert_int_equal(reco_model_cooccur(&t, &o, &three, NULL), 0);
    assert_int_equal(one.n_pairs, three.n_pairs);
    assert_true(one.n_pairs > ITEMS);
    assert_memory_equal(one.ptr, three.ptr, (ITEMS + 1) * sizeof *one.ptr);
    for (size_t k = 0; k < one.n_pairs; k++) /* field by field: the struct has padding */
        assert_true(one.entries[k].item == three.entries[k].item &&
                    one.entries[k].score == three.entries[k].score);
    reco_neighbours_clear(&one);
    reco_neighbours_clear(&three);
    free(user);
    free(item);
    free(ts);
    free(weight);
    free(type);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_also_viewed),
        cmocka_unit_test(test_also_bought),
        cmocka_unit_test(test_decay),
        cmocka_unit_test(test_threads_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
