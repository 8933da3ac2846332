/* Unit tests of reco_users (similar-customers): hand-computed user-to-user cosines, ties, top-K,
 * the cap on popular items, and agreement with item-to-item on the transposed matrix, with 1 and 3
 * threads. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reco_matrix.h"
#include "reco_users.h"

typedef struct {
    const char *user, *item;
    double weight;
} triple_t;

static reco_matrix_t *matrix_of(const triple_t *t, size_t n, int transpose)
{
    reco_matrix_builder_t *b = reco_matrix_builder_new();
    for (size_t k = 0; k < n; k++) {
        const char *u = transpose ? t[k].item : t[k].user, *i = transpose ? t[k].user : t[k].item;
        assert_int_equal(reco_matrix_builder_add(b, u, strlen(u), i, strlen(i), t[k].weight), 0);
    }
    reco_matrix_t *m = reco_matrix_builder_finish(&b);
    assert_non_null(m);
    return m;
}

/* A {x 1, y 1}, B {x 1, y 1, z 5}, C {y 2, z 1}, D {w 3}, E {x 1, y 1}
 *   ‖A‖ = ‖E‖ = √2, ‖B‖ = √27, ‖C‖ = √5, ‖D‖ = 3
 *   sim(A, E) = 2/(√2·√2) = 1   sim(A, B) = 2/(√2·√27) ≈ 0.2722   sim(A, C) = 2/(√2·√5) ≈ 0.6325
 *   sim(B, C) = (1·2 + 5·1)/(√27·√5) = 7/√135 ≈ 0.6025;  D shares nothing. */
static const triple_t SHOP[] = {{"A", "x", 1}, {"A", "y", 1}, {"B", "x", 1}, {"B", "y", 1},
                                {"B", "z", 5}, {"C", "y", 2}, {"C", "z", 1}, {"D", "w", 3},
                                {"E", "y", 1}, {"E", "x", 1}};

static void assert_entry(const reco_neighbours_t *nb, size_t u, size_t k, uint32_t v, double s)
{
    assert_true(nb->ptr[u] + k < nb->ptr[u + 1]);
    const reco_scored_t *e = &nb->entries[nb->ptr[u] + k];
    if (e->item != v || e->score != s)
        fail_msg("user %zu entry %zu: %u %.17g, expected %u %.17g", u, k, e->item, e->score, v, s);
}

static void test_similar_users(void **state)
{
    (void)state;
    reco_matrix_t *m = matrix_of(SHOP, sizeof SHOP / sizeof SHOP[0], 0);
    reco_item_to_item_options_t o = {.top_k = 10, .threads = 2};
    reco_neighbours_t nb;
    assert_int_equal(reco_model_similar_users(m, &o, &nb), 0);
    assert_int_equal(nb.n_items, 5); /* users A..E */
    assert_int_equal(nb.n_lists, 4);
    double ae = 2.0 / (sqrt(2.0) * sqrt(2.0)), ab = 2.0 / (sqrt(2.0) * sqrt(27.0));
    double ac = 2.0 / (sqrt(2.0) * sqrt(5.0)), bc = 7.0 / (sqrt(27.0) * sqrt(5.0));
    assert_true(fabs(ae - 1.0) < 1e-15 && fabs(bc - 0.60246407607670) < 1e-12);
    assert_entry(&nb, 0, 0, 4, ae); /* A: E, C, B */
    assert_entry(&nb, 0, 1, 2, ac);
    assert_entry(&nb, 0, 2, 1, ab);
    assert_entry(&nb, 1, 0, 2, bc); /* B: C, then A and E tie: A first */
    assert_entry(&nb, 1, 1, 0, ab);
    assert_entry(&nb, 1, 2, 4, 2.0 / (sqrt(27.0) * sqrt(2.0)));
    assert_int_equal(nb.ptr[4] - nb.ptr[3], 0); /* D */
    reco_neighbours_clear(&nb);
    o.top_k = 1;
    assert_int_equal(reco_model_similar_users(m, &o, &nb), 0);
    assert_int_equal(nb.n_pairs, 4);
    assert_entry(&nb, 1, 0, 2, bc);
    reco_neighbours_clear(&nb);
    /* items of more than 2 users (x: A B E, y: A B C E) are ignored, norms included: B = {z 5},
     * C = {z 1}, so sim(B, C) = 5/(5·1) = 1; A and E have nothing left. */
    o = (reco_item_to_item_options_t){.top_k = 10, .threads = 2, .max_row_entries = 2};
    assert_int_equal(reco_model_similar_users(m, &o, &nb), 0);
    assert_int_equal(nb.n_lists, 2);
    assert_int_equal(nb.n_pairs, 2);
    assert_entry(&nb, 1, 0, 2, 5.0 / (5.0 * 1.0));
    assert_entry(&nb, 2, 0, 1, 5.0 / (1.0 * 5.0));
    reco_neighbours_clear(&nb);
    reco_matrix_destroy(&m);
}

/* On random data, user-to-user is item-to-item of the transposed matrix, whatever the threads. */
static void test_matches_transposed_item_to_item(void **state)
{
    (void)state;
    enum { N = 3000 };
    triple_t *t = malloc(N * sizeof *t);
    char(*names)[2][8] = malloc(N * sizeof *names);
    srand(11);
    for (size_t k = 0; k < N; k++) {
        snprintf(names[k][0], 8, "u%03d", rand() % 200);
        snprintf(names[k][1], 8, "i%03d", rand() % 80);
        t[k] = (triple_t){names[k][0], names[k][1], 1 + rand() % 4};
    }
    reco_matrix_t *m = matrix_of(t, N, 0), *mt = matrix_of(t, N, 1);
    reco_item_to_item_options_t o = {.top_k = 5, .threads = 1};
    reco_neighbours_t users, items;
    assert_int_equal(reco_model_similar_users(m, &o, &users), 0);
    o.threads = 3;
    assert_int_equal(reco_model_item_to_item(mt, &o, &items), 0);
    assert_int_equal(users.n_items, items.n_items);
    assert_int_equal(users.n_pairs, items.n_pairs);
    assert_memory_equal(users.ptr, items.ptr, (users.n_items + 1) * sizeof *users.ptr);
    for (size_t k = 0; k < users.n_pairs; k++)
        assert_true(users.entries[k].item == items.entries[k].item &&
                    users.entries[k].score == items.entries[k].score);
    reco_neighbours_clear(&users);
    reco_neighbours_clear(&items);
    reco_matrix_destroy(&m);
    reco_matrix_destroy(&mt);
    free(t);
    free(names);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_similar_users),
        cmocka_unit_test(test_matches_transposed_item_to_item),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
