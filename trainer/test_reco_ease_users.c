/* Unit tests of reco_ease_users: on the hand-inverted 3-item fixture of test_reco_ease.c the
 * lists are the exact sums of B's rows; on a random matrix every list equals a brute-force
 * x_u·B ranking (own items out, scores > 0, top_n, ties by item), with 1 and 3 threads alike;
 * min_items leaves short users out; above the dense budget the published rows are summed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reco_ease.h"
#include "reco_ease_users.h"
#include "reco_matrix.h"
#include "reco_models.h"

static reco_matrix_t *random_matrix(int users, int items, unsigned seed, int percent)
{
    reco_matrix_builder_t *b = reco_matrix_builder_new();
    assert_non_null(b);
    for (int u = 0; u < users; u++)
        for (int i = 0; i < items; i++) {
            seed = seed * 1103515245u + 12345u;
            if ((int)((seed >> 16) % 100) >= percent) continue;
            char user[16], item[16];
            int ul = snprintf(user, sizeof user, "u%03d", u),
                il = snprintf(item, sizeof item, "i%03d", i);
            assert_int_equal(reco_matrix_builder_add(b, user, (size_t)ul, item, (size_t)il, 1.0),
                             0);
        }
    reco_matrix_t *m = reco_matrix_builder_finish(&b);
    assert_non_null(m);
    return m;
}

/* Hand fixture: u0:{a,b} u1:{a,b,c} u2:{b,c} u3:{a}, λ = 1: B rows a: b 4/11; b: a 1/2, c 1/2;
 * c: b 6/11. u3 = row a → b 4/11 (c is 0: left out); u0 = rows a + b → c 1/2; u2 = rows b + c →
 * a 1/2; u1 has every item → no list. */
static void test_hand_fixture(void **state)
{
    (void)state;
    static const struct {
        const char *user, *item;
    } t[] = {{"u0", "a"}, {"u0", "b"}, {"u1", "a"}, {"u1", "b"},
             {"u1", "c"}, {"u2", "b"}, {"u2", "c"}, {"u3", "a"}};
    reco_matrix_builder_t *b = reco_matrix_builder_new();
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++)
        assert_int_equal(reco_matrix_builder_add(b, t[k].user, 2, t[k].item, 1, 1.0), 0);
    reco_matrix_t *m = reco_matrix_builder_finish(&b);
    reco_ease_options_t o;
    reco_ease_options_default(&o);
    o.lambda = 1.0;
    reco_ease_dense_t d;
    assert_int_equal(reco_ease_dense(m, &o, &d), 0);
    reco_ease_users_options_t uo = {.top_n = 5, .dense_budget = 1e12, .threads = 2};
    reco_neighbours_t lists;
    int dense = 0;
    assert_int_equal(reco_ease_user_lists(m, &d, NULL, &uo, &lists, &dense), 0);
    assert_true(dense);
    assert_int_equal(lists.n_items, 4);
    assert_int_equal(lists.ptr[1] - lists.ptr[0], 1); /* u0 */
    assert_int_equal(lists.entries[lists.ptr[0]].item, 2);
    assert_float_equal(lists.entries[lists.ptr[0]].score, 0.5, 1e-12);
    assert_int_equal(lists.ptr[2] - lists.ptr[1], 0); /* u1 */
    assert_int_equal(lists.ptr[3] - lists.ptr[2], 1); /* u2 */
    assert_int_equal(lists.entries[lists.ptr[2]].item, 0);
    assert_float_equal(lists.entries[lists.ptr[2]].score, 0.5, 1e-12);
    assert_int_equal(lists.ptr[4] - lists.ptr[3], 1); /* u3 */
    assert_int_equal(lists.entries[lists.ptr[3]].item, 1);
    assert_float_equal(lists.entries[lists.ptr[3]].score, 4.0 / 11, 1e-12);
    assert_int_equal(lists.n_lists, 3);
    reco_neighbours_clear(&lists);

    uo.min_items = 2; /* u3 has one item: no list */
    assert_int_equal(reco_ease_user_lists(m, &d, NULL, &uo, &lists, NULL), 0);
    assert_int_equal(lists.ptr[4] - lists.ptr[3], 0);
    assert_int_equal(lists.n_lists, 2);
    reco_neighbours_clear(&lists);
    reco_ease_dense_clear(&d);
    reco_matrix_destroy(&m);
}

/* Brute force: x_u·B over all modelled items, own items out, > 0, best top_n. */
static size_t brute_force(const reco_matrix_t *m, const reco_ease_dense_t *d, size_t u,
                          size_t top_n, reco_scored_t *out)
{
    size_t n = 0;
    for (size_t c = 0; c < d->n; c++) {
        int own = 0;
        double s = 0.0;
        for (size_t p = m->user_ptr[u]; p < m->user_ptr[u + 1]; p++) {
            if (m->user_items[p] == d->items[c]) own = 1;
            for (size_t a = 0; a < d->n; a++)
                if (d->items[a] == m->user_items[p]) s += d->b[a * d->n + c];
        }
        if (!own && s > 0.0) out[n++] = (reco_scored_t){.item = d->items[c], .score = s};
    }
    reco_scored_sort(out, n);
    return n < top_n ? n : top_n;
}

static void check_against_brute_force(const reco_matrix_t *m, const reco_ease_dense_t *d,
                                      const reco_neighbours_t *lists, size_t top_n)
{
    reco_scored_t *want = malloc(d->n * sizeof *want);
    for (size_t u = 0; u < m->n_users; u++) {
        size_t n = brute_force(m, d, u, top_n, want);
        assert_int_equal(lists->ptr[u + 1] - lists->ptr[u], n);
        for (size_t k = 0; k < n; k++) {
            assert_int_equal(lists->entries[lists->ptr[u] + k].item, want[k].item);
            assert_float_equal(lists->entries[lists->ptr[u] + k].score, want[k].score, 1e-9);
        }
    }
    free(want);
}

static void test_random_against_brute_force(void **state)
{
    (void)state;
    reco_matrix_t *m = random_matrix(60, 25, 11, 25);
    reco_ease_options_t o;
    reco_ease_options_default(&o);
    o.lambda = 2.0;
    o.max_items = 20; /* 5 items are not modelled: never listed, not counted */
    reco_ease_dense_t d;
    assert_int_equal(reco_ease_dense(m, &o, &d), 0);
    assert_int_equal(d.n, 20);
    for (int threads = 1; threads <= 3; threads += 2) {
        reco_ease_users_options_t uo = {.top_n = 6, .dense_budget = 1e12, .threads = threads};
        reco_neighbours_t lists;
        assert_int_equal(reco_ease_user_lists(m, &d, NULL, &uo, &lists, NULL), 0);
        assert_int_equal(lists.n_items, m->n_users);
        check_against_brute_force(m, &d, &lists, 6);
        reco_neighbours_clear(&lists);
    }
    reco_ease_dense_clear(&d);
    reco_matrix_destroy(&m);
}

/* Above the budget the top-K rows are summed: with K = every entry that equals the dense sum. */
static void test_sparse_rows_over_budget(void **state)
{
    (void)state;
    reco_matrix_t *m = random_matrix(50, 18, 5, 30);
    reco_ease_options_t o;
    reco_ease_options_default(&o);
    o.lambda = 2.0;
    o.top_k = 0; /* every non-zero entry: the sparse sum is exact */
    o.keep = RECO_EASE_KEEP_MAGNITUDE;
    reco_ease_dense_t d;
    assert_int_equal(reco_ease_dense(m, &o, &d), 0);
    reco_neighbours_t rows, lists;
    assert_int_equal(reco_ease_rows(&d, m->n_items, &o, &rows), 0);
    reco_ease_users_options_t uo = {.top_n = 4, .dense_budget = 0.0, .threads = 2};
    int dense = 1;
    assert_int_equal(reco_ease_user_lists(m, &d, &rows, &uo, &lists, &dense), 0);
    assert_false(dense);
    check_against_brute_force(m, &d, &lists, 4);
    reco_neighbours_clear(&lists);
    reco_neighbours_clear(&rows);
    reco_ease_dense_clear(&d);
    reco_matrix_destroy(&m);
}

/* max_lists: at most that many users get a list, and no user without one has more modelled
 * items than a user with one. */
static void test_max_lists(void **state)
{
    (void)state;
    reco_matrix_t *m = random_matrix(80, 30, 17, 30);
    reco_ease_options_t o;
    reco_ease_options_default(&o);
    reco_ease_dense_t d;
    assert_int_equal(reco_ease_dense(m, &o, &d), 0);
    reco_ease_users_options_t uo = {
        .top_n = 5, .dense_budget = 1e12, .threads = 2, .max_lists = 10};
    reco_neighbours_t lists;
    assert_int_equal(reco_ease_user_lists(m, &d, NULL, &uo, &lists, NULL), 0);
    assert_true(lists.n_lists <= 10);
    assert_true(lists.n_lists >= 1);
    size_t min_with = SIZE_MAX, max_without = 0;
    for (size_t u = 0; u < m->n_users; u++) {
        size_t items = m->user_ptr[u + 1] - m->user_ptr[u]; /* every item is modelled here */
        if (lists.ptr[u + 1] > lists.ptr[u]) {
            if (items < min_with) min_with = items;
        } else if (items > max_without) {
            max_without = items;
        }
    }
    assert_true(max_without < min_with);
    reco_neighbours_clear(&lists);
    reco_ease_dense_clear(&d);
    reco_matrix_destroy(&m);
}

static int cancel_always(void *ctx)
{
    (void)ctx;
    return 1;
}

static void test_cancelled(void **state)
{
    (void)state;
    reco_matrix_t *m = random_matrix(30, 10, 3, 40);
    reco_ease_options_t o;
    reco_ease_options_default(&o);
    reco_ease_dense_t d;
    assert_int_equal(reco_ease_dense(m, &o, &d), 0);
    reco_ease_users_options_t uo = {
        .top_n = 4, .dense_budget = 1e12, .threads = 2, .tick = cancel_always};
    reco_neighbours_t lists;
    assert_int_equal(reco_ease_user_lists(m, &d, NULL, &uo, &lists, NULL), -1);
    assert_null(lists.ptr);
    reco_ease_dense_clear(&d);
    reco_matrix_destroy(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_fixture),
        cmocka_unit_test(test_random_against_brute_force),
        cmocka_unit_test(test_sparse_rows_over_budget),
        cmocka_unit_test(test_max_lists),
        cmocka_unit_test(test_cancelled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
