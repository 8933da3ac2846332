/* Unit tests of reco_users (similar-customers): hand-computed user-to-user cosines, ties, top-K,
 * the cap on popular items (ignored, or sampled: reco_cosine_sample), and agreement with
 * item-to-item on the transposed matrix, with 1 and 3 threads. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reco_cosine_sample.h"
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

/* One item of 1,000 users and 50 items of 4 users each: sampling the long row down to about
 * 100 keeps a deterministic subset of about that size, the same pairs on both sides of the
 * matrix, every short row whole; similar-customers with sampling is the exact cosine of the
 * sampled matrix. */
static void test_sampled_long_rows(void **state)
{
    (void)state;
    enum { USERS = 1000, SHORT_ITEMS = 50 };
    triple_t t[USERS + SHORT_ITEMS * 4];
    char names[USERS][8], items[SHORT_ITEMS][8];
    size_t n = 0;
    for (int u = 0; u < USERS; u++) {
        snprintf(names[u], sizeof names[u], "u%03d", u);
        t[n++] = (triple_t){names[u], "hit", 1};
    }
    for (int i = 0; i < SHORT_ITEMS; i++) {
        snprintf(items[i], sizeof items[i], "i%02d", i);
        for (int k = 0; k < 4; k++)
            t[n++] = (triple_t){names[(i * 7 + k * 13) % USERS], items[i], 1 + k};
    }
    reco_matrix_t *m = matrix_of(t, n, 0);
    reco_cosine_input_t in = reco_cosine_users(m);
    assert_true(reco_cosine_has_long_rows(&in, 100));
    assert_false(reco_cosine_has_long_rows(&in, USERS));
    reco_cosine_sampled_t a, b;
    assert_int_equal(reco_cosine_sample(&in, 100, &a), 0);
    assert_int_equal(reco_cosine_sample(&in, 100, &b), 0);
    assert_int_equal(a.rows_sampled, 1);
    size_t nnz = a.row_ptr[a.input.n_rows];
    assert_int_equal(nnz, a.col_ptr[a.input.n_cols]); /* both sides hold the same pairs */
    assert_int_equal(nnz, b.row_ptr[b.input.n_rows]);
    assert_memory_equal(a.row_cols, b.row_cols, nnz * sizeof *a.row_cols); /* deterministic */
    size_t long_kept = 0;
    for (size_t r = 0; r < in.n_rows; r++) {
        size_t was = in.row_ptr[r + 1] - in.row_ptr[r], now = a.row_ptr[r + 1] - a.row_ptr[r];
        if (was > 100)
            long_kept = now;
        else
            assert_int_equal(now, was); /* short rows whole */
    }
    assert_true(long_kept >= 60 && long_kept <= 140); /* binomial(1000, 0.1): mean 100, sd 9.5 */
    reco_neighbours_t direct, sampled;
    reco_item_to_item_options_t o = {.top_k = 10, .threads = 2};
    assert_int_equal(reco_model_cosine(&a.input, &o, &direct), 0);
    o.max_row_entries = 100;
    o.sample_long_rows = 1;
    assert_int_equal(reco_model_similar_users(m, &o, &sampled), 0);
    assert_int_equal(sampled.n_pairs, direct.n_pairs);
    for (size_t k = 0; k < direct.n_pairs; k++)
        assert_true(sampled.entries[k].item == direct.entries[k].item &&
                    sampled.entries[k].score == direct.entries[k].score);
    reco_neighbours_clear(&direct);
    reco_neighbours_clear(&sampled);
    reco_cosine_sample_free(&a);
    reco_cosine_sample_free(&b);
    reco_matrix_destroy(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_similar_users),
        cmocka_unit_test(test_matches_transposed_item_to_item),
        cmocka_unit_test(test_sampled_long_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
