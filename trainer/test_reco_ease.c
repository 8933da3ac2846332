/* Unit tests of reco_ease: a 3-item fixture inverted by hand, the item choice, top-K and the two
 * keep rules, and on a random matrix an independent check (Gauss-Jordan inverse in long double)
 * plus the EASE identities (G + λI)(I − B) = diag(1/P_jj) and B_ij·P_jj = B_ji·P_ii. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reco_ease.h"
#include "reco_matrix.h"
#include "reco_models.h"

typedef struct {
    const char *user, *item;
    double weight;
} triple_t;

static reco_matrix_t *matrix_of(const triple_t *t, size_t n)
{
    reco_matrix_builder_t *b = reco_matrix_builder_new();
    assert_non_null(b);
    for (size_t k = 0; k < n; k++)
        assert_int_equal(reco_matrix_builder_add(b, t[k].user, strlen(t[k].user), t[k].item,
                                                 strlen(t[k].item), t[k].weight),
                         0);
    reco_matrix_t *m = reco_matrix_builder_finish(&b);
    assert_non_null(m);
    return m;
}

/* Fixture (items a b c = indices 0 1 2; weights other than 0 do not matter when binary):
 *   u0:{a,b}  u1:{a,b,c}  u2:{b,c}  u3:{a}  u4:{c: weight 0, so not an interaction}
 *   G = XᵀX = [[3,2,1],[2,3,2],[1,2,2]];  λ = 1:  A = [[4,2,1],[2,4,2],[1,2,3]]
 *   det A = 4·8 − 2·4 + 1·0 = 24;  P = A⁻¹ = adj(A)/24 = [[8,−4,0],[−4,11,−6],[0,−6,12]] / 24
 *   B_ij = −P_ij / P_jj:  row a: b = 4/11, c = 0;  row b: a = 4/8, c = 6/12;  row c: a = 0,
 *   b = 6/11. */
static const triple_t ABC[] = {
    {"u0", "a", 1}, {"u0", "b", 2}, {"u1", "a", 1}, {"u1", "b", 1}, {"u1", "c", 3},
    {"u2", "b", 1}, {"u2", "c", 1}, {"u3", "a", 5}, {"u4", "c", 0},
};

static void test_solve_by_hand(void **state)
{
    (void)state;
    double g[9] = {3, 2, 1, 2, 3, 2, 1, 2, 2};
    assert_int_equal(reco_ease_solve(g, 3, 1.0), 0);
    const double want[9] = {0, 4.0 / 11, 0, 0.5, 0, 0.5, 0, 6.0 / 11, 0};
    for (int k = 0; k < 9; k++)
        assert_float_equal(g[k], want[k], 1e-12);
}

static void test_dense_from_matrix(void **state)
{
    (void)state;
    reco_matrix_t *m = matrix_of(ABC, sizeof ABC / sizeof ABC[0]);
    reco_ease_options_t o;
    reco_ease_options_default(&o);
    o.lambda = 1.0;
    reco_ease_dense_t d;
    assert_int_equal(reco_ease_dense(m, &o, &d), 0);
    assert_int_equal(d.n, 3);
    for (uint32_t a = 0; a < 3; a++)
        assert_int_equal(d.items[a], a);
    assert_float_equal(d.b[0 * 3 + 1], 4.0 / 11, 1e-12);
    assert_float_equal(d.b[1 * 3 + 0], 0.5, 1e-12);
    assert_float_equal(d.b[2 * 3 + 1], 6.0 / 11, 1e-12);
    reco_ease_dense_clear(&d);
    assert_null(d.b);
    reco_matrix_destroy(&m);
}

static void test_neighbours_keep_positive(void **state)
{
    (void)state;
    reco_matrix_t *m = matrix_of(ABC, sizeof ABC / sizeof ABC[0]);
    reco_ease_options_t o;
    reco_ease_options_default(&o);
    o.lambda = 1.0;
    reco_neighbours_t nb;
    assert_int_equal(reco_ease(m, &o, &nb), 0);
    assert_int_equal(nb.n_items, 3);
    assert_int_equal(nb.n_lists, 3);
    assert_int_equal(nb.n_pairs, 4); /* the two zeros are not kept */
    assert_int_equal(nb.ptr[1] - nb.ptr[0], 1);
    assert_int_equal(nb.entries[nb.ptr[0]].item, 1);
    assert_float_equal(nb.entries[nb.ptr[0]].score, 4.0 / 11, 1e-12);
    /* row b: a and c tie at 0.5; the smaller item comes first */
    assert_int_equal(nb.ptr[2] - nb.ptr[1], 2);
    assert_int_equal(nb.entries[nb.ptr[1]].item, 0);
    assert_int_equal(nb.entries[nb.ptr[1] + 1].item, 2);
    assert_int_equal(nb.entries[nb.ptr[2]].item, 1);
    reco_neighbours_clear(&nb);

    o.top_k = 1;
    assert_int_equal(reco_ease(m, &o, &nb), 0);
    assert_int_equal(nb.n_pairs, 3);
    assert_int_equal(nb.entries[nb.ptr[1]].item, 0);
    reco_neighbours_clear(&nb);
    reco_matrix_destroy(&m);
}

/* u0:{a,b}, u1:{a,c}, λ = 1: A = [[3,1,1],[1,2,0],[1,0,2]], det = 3·4 − 1·2 + 1·(−2) = 8;
 * P = [[4,−2,−2],[−2,5,1],[−2,1,5]] / 8, so B_bc = −1/5 < 0 and B_ab = 2/5, B_ba = 2/4. */
static void test_neighbours_keep_magnitude(void **state)
{
    (void)state;
    const triple_t t[] = {{"u0", "a", 1}, {"u0", "b", 1}, {"u1", "a", 1}, {"u1", "c", 1}};
    reco_matrix_t *m = matrix_of(t, 4);
    reco_ease_options_t o;
    reco_ease_options_default(&o);
    o.lambda = 1.0;
    reco_neighbours_t nb;
    assert_int_equal(reco_ease(m, &o, &nb), 0);
    assert_int_equal(nb.ptr[2] - nb.ptr[1], 1); /* row b: only a (c is negative) */
    assert_float_equal(nb.entries[nb.ptr[1]].score, 0.5, 1e-12);
    reco_neighbours_clear(&nb);
    o.keep = RECO_EASE_KEEP_MAGNITUDE;
    assert_int_equal(reco_ease(m, &o, &nb), 0);
    assert_int_equal(nb.ptr[2] - nb.ptr[1], 2);
    assert_int_equal(nb.entries[nb.ptr[1]].item, 0);
    assert_int_equal(nb.entries[nb.ptr[1] + 1].item, 2);
    assert_float_equal(nb.entries[nb.ptr[1] + 1].score, -0.2, 1e-12);
    reco_neighbours_clear(&nb);
    reco_matrix_destroy(&m);
}

static void test_select_items(void **state)
{
    (void)state;
    reco_matrix_t *m = matrix_of(ABC, sizeof ABC / sizeof ABC[0]);
    uint32_t *items = NULL;
    size_t n = 0;
    /* users with weight > 0: a 3, b 3, c 2 (u4's 0 does not count) */
    assert_int_equal(reco_ease_select_items(m, 2, &items, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(items[0], 0);
    assert_int_equal(items[1], 1);
    free(items);
    assert_int_equal(reco_ease_select_items(m, 0, &items, &n), 0);
    assert_int_equal(n, 3);
    free(items);

    reco_ease_options_t o;
    reco_ease_options_default(&o);
    o.lambda = 1.0;
    o.max_items = 2;
    reco_neighbours_t nb;
    assert_int_equal(reco_ease(m, &o, &nb), 0);
    assert_int_equal(nb.n_items, 3);
    assert_int_equal(nb.ptr[3] - nb.ptr[2], 0); /* c is not modelled */
    /* over {a, b}: A = [[4,2],[2,4]], P ∝ [[4,−2],[−2,4]], B_ab = B_ba = 2/4 */
    assert_float_equal(nb.entries[nb.ptr[0]].score, 0.5, 1e-12);
    reco_neighbours_clear(&nb);
    reco_matrix_destroy(&m);
}

static void test_weighted_and_empty(void **state)
{
    (void)state;
    /* one user, weights 2 and 3, weighted: G = [[4,6],[6,9]], λ = 1: A = [[5,6],[6,10]],
     * det = 14, P = [[10,−6],[−6,5]]/14: B_ab = 6/5, B_ba = 6/10 */
    const triple_t t[] = {{"u", "a", 2}, {"u", "b", 3}};
    reco_matrix_t *m = matrix_of(t, 2);
    reco_ease_options_t o;
    reco_ease_options_default(&o);
    o.lambda = 1.0;
    o.weighted = 1;
    reco_ease_dense_t d;
    assert_int_equal(reco_ease_dense(m, &o, &d), 0);
    assert_float_equal(d.b[1], 6.0 / 5, 1e-12);
    assert_float_equal(d.b[2], 0.6, 1e-12);
    reco_ease_dense_clear(&d);
    reco_matrix_destroy(&m);

    reco_matrix_builder_t *b = reco_matrix_builder_new();
    m = reco_matrix_builder_finish(&b);
    reco_neighbours_t nb;
    assert_int_equal(reco_ease(m, &o, &nb), 0);
    assert_int_equal(nb.n_pairs, 0);
    reco_neighbours_clear(&nb);
    reco_matrix_destroy(&m);
}

/* Gauss-Jordan with partial pivoting in long double: an inverse computed without LAPACK. */
static void invert_reference(const double *a, size_t n, long double *inv)
{
    long double *w = calloc(n * 2 * n, sizeof *w);
    assert_non_null(w);
    for (size_t r = 0; r < n; r++) {
        for (size_t c = 0; c < n; c++)
            w[r * 2 * n + c] = a[r * n + c];
        w[r * 2 * n + n + r] = 1;
    }
    for (size_t c = 0; c < n; c++) {
        size_t piv = c;
        for (size_t r = c + 1; r < n; r++)
            if (fabsl(w[r * 2 * n + c]) > fabsl(w[piv * 2 * n + c])) piv = r;
        for (size_t k = 0; k < 2 * n; k++) {
            long double t = w[c * 2 * n + k];
            w[c * 2 * n + k] = w[piv * 2 * n + k];
            w[piv * 2 * n + k] = t;
        }
        long double p = w[c * 2 * n + c];
        for (size_t k = 0; k < 2 * n; k++)
            w[c * 2 * n + k] /= p;
        for (size_t r = 0; r < n; r++) {
            if (r == c) continue;
            long double f = w[r * 2 * n + c];
            for (size_t k = 0; k < 2 * n; k++)
                w[r * 2 * n + k] -= f * w[c * 2 * n + k];
        }
    }
    for (size_t r = 0; r < n; r++)
        for (size_t c = 0; c < n; c++)
            inv[r * n + c] = w[r * 2 * n + n + c];
    free(w);
}

static void test_random_against_reference_and_identities(void **state)
{
    (void)state;
    enum { USERS = 40, ITEMS = 15 };
    const double lambda = 3.0;
    unsigned seed = 7;
    double x[USERS][ITEMS];
    reco_matrix_builder_t *b = reco_matrix_builder_new();
    for (int u = 0; u < USERS; u++)
        for (int i = 0; i < ITEMS; i++) {
            seed = seed * 1103515245u + 12345u;
            x[u][i] = ((seed >> 16) % 100) < 30 ? 1.0 : 0.0;
            if (x[u][i] == 0.0) continue;
            char user[8], item[8];
            snprintf(user, sizeof user, "u%02d", u);
            snprintf(item, sizeof item, "i%02d", i);
            assert_int_equal(reco_matrix_builder_add(b, user, 3, item, 3, 1.0), 0);
        }
    reco_matrix_t *m = reco_matrix_builder_finish(&b);
    assert_int_equal(m->n_items, ITEMS);
    double a[ITEMS * ITEMS] = {0};
    for (int r = 0; r < ITEMS; r++)
        for (int c = 0; c < ITEMS; c++) {
            for (int u = 0; u < USERS; u++)
                a[r * ITEMS + c] += x[u][r] * x[u][c];
            if (r == c) a[r * ITEMS + c] += lambda;
        }
    long double p[ITEMS * ITEMS];
    invert_reference(a, ITEMS, p);

    reco_ease_options_t o;
    reco_ease_options_default(&o);
    o.lambda = lambda;
    reco_ease_dense_t d;
    assert_int_equal(reco_ease_dense(m, &o, &d), 0);
    assert_int_equal(d.n, ITEMS);
    for (int i = 0; i < ITEMS; i++)
        for (int j = 0; j < ITEMS; j++) {
            double bij = d.b[i * ITEMS + j];
            double want = i == j ? 0.0 : (double)(-p[i * ITEMS + j] / p[j * ITEMS + j]);
            assert_float_equal(bij, want, 1e-10);
            /* symmetry of P: B_ij·P_jj = B_ji·P_ii */
            assert_float_equal(bij * (double)p[j * ITEMS + j],
                               d.b[j * ITEMS + i] * (double)p[i * ITEMS + i], 1e-12);
            /* (G + λI)(I − B) = diag(1/P_jj) */
            double s = 0.0;
            for (int k = 0; k < ITEMS; k++)
                s += a[i * ITEMS + k] * ((k == j) - d.b[k * ITEMS + j]);
            assert_float_equal(s, i == j ? (double)(1.0L / p[j * ITEMS + j]) : 0.0, 1e-9);
        }
    reco_ease_dense_clear(&d);

    /* top-K lists are the largest positive entries of each row, in order */
    o.top_k = 4;
    reco_neighbours_t nb;
    assert_int_equal(reco_ease(m, &o, &nb), 0);
    for (int i = 0; i < ITEMS; i++) {
        size_t count = nb.ptr[i + 1] - nb.ptr[i];
        assert_true(count <= 4);
        size_t positive_greater = 0;
        double last = count ? nb.entries[nb.ptr[i + 1] - 1].score : 0.0;
        for (int j = 0; j < ITEMS; j++) {
            double bij = (double)(-p[i * ITEMS + j] / p[j * ITEMS + j]);
            if (j != i && bij > 0.0 && bij > last + 1e-12) positive_greater++;
        }
        assert_true(positive_greater <= count);
        for (size_t e = nb.ptr[i]; e + 1 < nb.ptr[i + 1]; e++)
            assert_true(nb.entries[e].score >= nb.entries[e + 1].score);
    }
    reco_neighbours_clear(&nb);
    reco_matrix_destroy(&m);
}

/* Past one 64 × 64 tile (130 = 2 tiles + 2): reco_ease_solve against the reference inverse. */
static void test_solve_across_tiles(void **state)
{
    (void)state;
    enum { USERS = 200, N = 130 };
    const double lambda = 5.0;
    double *g = calloc(N * N, sizeof *g), *a = calloc(N * N, sizeof *a);
    long double *p = calloc(N * N, sizeof *p);
    unsigned char *x = calloc(USERS * N, 1);
    assert_true(g && a && p && x);
    unsigned seed = 11;
    for (int k = 0; k < USERS * N; k++) {
        seed = seed * 1103515245u + 12345u;
        x[k] = ((seed >> 16) % 100) < 20;
    }
    for (int r = 0; r < N; r++)
        for (int c = 0; c < N; c++) {
            for (int u = 0; u < USERS; u++)
                g[r * N + c] += x[u * N + r] * x[u * N + c];
            a[r * N + c] = g[r * N + c] + (r == c ? lambda : 0.0);
        }
    invert_reference(a, N, p);
    assert_int_equal(reco_ease_solve(g, N, lambda), 0);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            assert_float_equal(g[i * N + j], i == j ? 0.0 : (double)(-p[i * N + j] / p[j * N + j]),
                               1e-10);
    free(g);
    free(a);
    free(p);
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_solve_by_hand),
        cmocka_unit_test(test_dense_from_matrix),
        cmocka_unit_test(test_neighbours_keep_positive),
        cmocka_unit_test(test_neighbours_keep_magnitude),
        cmocka_unit_test(test_select_items),
        cmocka_unit_test(test_weighted_and_empty),
        cmocka_unit_test(test_random_against_reference_and_identities),
        cmocka_unit_test(test_solve_across_tiles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
