/* Unit tests of reco_matrix and reco_models on hand-made matrices whose results were computed by
 * hand (see the comment above each fixture), plus a randomised check of item-to-item against a
 * brute-force dense computation with 1, 2 and 3 threads. */
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
    assert_null(b);
    assert_non_null(m);
    return m;
}

static uint32_t item_index(const reco_matrix_t *m, const char *id)
{
    for (size_t i = 0; i < m->n_items; i++)
        if (strcmp(m->item_ids[i], id) == 0) return (uint32_t)i;
    fail_msg("no item %s", id);
    return 0;
}

/* Fixture: A:{x:1, y:1}  B:{x:1, y:1, z:5}  C:{y:2, z:1}  D:{w:3}; B's x weight arrives as two
 * events of 0.5 and events come in an order unrelated to the ids.
 *   popular: z = 5+1 = 6, y = 1+1+2 = 4, w = 3, x = 1+1 = 2
 *   norms:   ‖x‖ = √2, ‖y‖ = √(1+1+4) = √6, ‖z‖ = √(25+1) = √26, ‖w‖ = 3
 *   sim(x,y) = (1·1 + 1·1) / (√2·√6)   = 2/√12  = 0.57735026918962573
 *   sim(x,z) = (1·5)       / (√2·√26)  = 5/√52  = 0.69337524528153649
 *   sim(y,z) = (1·5 + 2·1) / (√6·√26)  = 7/√156 = 0.56044853831780515
 *   w shares no user with anything: no list, and in no list. */
static const triple_t SHOP[] = {
    {"D", "w", 3}, {"C", "z", 1}, {"B", "z", 5}, {"A", "x", 1},   {"B", "x", 0.5},
    {"A", "y", 1}, {"B", "y", 1}, {"C", "y", 2}, {"B", "x", 0.5},
};

static void test_matrix_interning_and_layout(void **state)
{
    (void)state;
    reco_matrix_t *m = matrix_of(SHOP, sizeof SHOP / sizeof SHOP[0]);
    assert_int_equal(m->n_users, 4);
    assert_int_equal(m->n_items, 4);
    assert_int_equal(m->nnz, 8); /* B-x merged */
    const char *items[] = {"w", "x", "y", "z"}, *users[] = {"A", "B", "C", "D"};
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(m->item_ids[i], items[i]);
        assert_int_equal(m->item_id_lens[i], 1);
        assert_string_equal(m->user_ids[i], users[i]);
    }
    /* row B (1): x (1) 1.0, y (2) 1.0, z (3) 5.0 */
    assert_int_equal(m->user_ptr[1], 2);
    assert_int_equal(m->user_ptr[2], 5);
    assert_int_equal(m->user_items[2], 1);
    assert_int_equal(m->user_items[3], 2);
    assert_int_equal(m->user_items[4], 3);
    assert_true(m->user_weights[2] == 1.0 && m->user_weights[4] == 5.0);
    /* column y (2): A 1, B 1, C 2 — users ascending */
    size_t p = m->item_ptr[2];
    assert_int_equal(m->item_ptr[3] - p, 3);
    assert_int_equal(m->item_users[p], 0);
    assert_int_equal(m->item_users[p + 1], 1);
    assert_int_equal(m->item_users[p + 2], 2);
    assert_true(m->item_weights[p + 2] == 2.0);
    reco_matrix_destroy(&m);
    assert_null(m);
}

static void test_matrix_id_order_is_bytewise(void **state)
{
    (void)state;
    const triple_t t[] = {
        {"u", "b", 1}, {"u", "ab", 1}, {"u", "a", 1}, {"u", "B", 1}, {"u", "\xc3\xa9", 1}};
    reco_matrix_t *m = matrix_of(t, 5);
    const char *expect[] = {"B", "a", "ab", "b", "\xc3\xa9"};
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(m->item_ids[i], expect[i]);
    reco_matrix_destroy(&m);
}

static void test_matrix_merges_many_repeats(void **state)
{
    (void)state;
    /* enough repeats to force several in-place merges of the triple buffer */
    reco_matrix_builder_t *b = reco_matrix_builder_new();
    for (int k = 0; k < 50000; k++) {
        char item[16];
        int len = snprintf(item, sizeof item, "i%d", k % 7);
        assert_int_equal(reco_matrix_builder_add(b, "u", 1, item, (size_t)len, 1.0), 0);
    }
    reco_matrix_t *m = reco_matrix_builder_finish(&b);
    assert_int_equal(m->nnz, 7);
    double total = 0;
    for (size_t k = 0; k < m->nnz; k++)
        total += m->user_weights[k];
    assert_true(total == 50000.0);
    assert_true(m->user_weights[0] == 7143.0); /* i0: k = 0, 7, ..., 49994 */
    reco_matrix_destroy(&m);
}

static void test_popular_scores_and_order(void **state)
{
    (void)state;
    reco_matrix_t *m = matrix_of(SHOP, sizeof SHOP / sizeof SHOP[0]);
    reco_scored_t *list = NULL;
    size_t n = 0;
    assert_int_equal(reco_model_popular(m, &list, &n), 0);
    assert_int_equal(n, 4);
    const char *ids[] = {"z", "y", "w", "x"};
    const double scores[] = {6.0, 4.0, 3.0, 2.0};
    for (size_t k = 0; k < 4; k++) {
        assert_string_equal(m->item_ids[list[k].item], ids[k]);
        assert_true(list[k].score == scores[k]);
    }
    free(list);
    reco_matrix_destroy(&m);
}

static void test_popular_ties_and_non_positive(void **state)
{
    (void)state;
    /* c and a tie at 3 (a first: id order), b ties too after summing 1+2; zero-rated d is left out
     */
    const triple_t t[] = {
        {"u1", "c", 3}, {"u2", "b", 1}, {"u1", "a", 3}, {"u3", "b", 2}, {"u1", "d", 0}};
    reco_matrix_t *m = matrix_of(t, 5);
    reco_scored_t *list = NULL;
    size_t n = 0;
    assert_int_equal(reco_model_popular(m, &list, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(m->item_ids[list[0].item], "a");
    assert_string_equal(m->item_ids[list[1].item], "b");
    assert_string_equal(m->item_ids[list[2].item], "c");
    for (size_t k = 0; k < 3; k++)
        assert_true(list[k].score == 3.0);
    free(list);
    reco_matrix_destroy(&m);
}

static void assert_neighbour(const reco_matrix_t *m, const reco_neighbours_t *nb, const char *of,
                             size_t rank, const char *id, double sim)
{
    uint32_t i = item_index(m, of);
    assert_true(nb->ptr[i] + rank < nb->ptr[i + 1]);
    const reco_scored_t *e = &nb->entries[nb->ptr[i] + rank];
    assert_string_equal(m->item_ids[e->item], id);
    if (fabs(e->score - sim) > 1e-9) /* cmocka 1.1 has no assert_double_equal */
        fail_msg("sim(%s, %s) = %.17g, expected %.17g", of, id, e->score, sim);
}

static size_t list_length(const reco_matrix_t *m, const reco_neighbours_t *nb, const char *of)
{
    uint32_t i = item_index(m, of);
    return nb->ptr[i + 1] - nb->ptr[i];
}

static void test_item_to_item_exact_cosines(void **state)
{
    (void)state;
    reco_matrix_t *m = matrix_of(SHOP, sizeof SHOP / sizeof SHOP[0]);
    for (int threads = 1; threads <= 3; threads++) {
        reco_item_to_item_options_t opts = {.top_k = 50, .threads = threads};
        reco_neighbours_t nb;
        assert_int_equal(reco_model_item_to_item(m, &opts, &nb), 0);
        assert_int_equal(nb.n_lists, 3);
        assert_int_equal(nb.n_pairs, 6);
        assert_int_equal(list_length(m, &nb, "w"), 0);
        assert_neighbour(m, &nb, "x", 0, "z", 5.0 / sqrt(52.0));
        assert_neighbour(m, &nb, "x", 1, "y", 2.0 / sqrt(12.0));
        assert_neighbour(m, &nb, "y", 0, "x", 0.57735026918962573);
        assert_neighbour(m, &nb, "y", 1, "z", 0.56044853831780515);
        assert_neighbour(m, &nb, "z", 0, "x", 0.69337524528153649);
        assert_neighbour(m, &nb, "z", 1, "y", 7.0 / sqrt(156.0));
        reco_neighbours_clear(&nb);
    }
    reco_matrix_destroy(&m);
}

static void test_item_to_item_top_k_truncates(void **state)
{
    (void)state;
    reco_matrix_t *m = matrix_of(SHOP, sizeof SHOP / sizeof SHOP[0]);
    reco_item_to_item_options_t opts = {.top_k = 1, .threads = 2};
    reco_neighbours_t nb;
    assert_int_equal(reco_model_item_to_item(m, &opts, &nb), 0);
    assert_int_equal(nb.n_pairs, 3);
    assert_int_equal(list_length(m, &nb, "x"), 1);
    assert_neighbour(m, &nb, "x", 0, "z", 5.0 / sqrt(52.0));
    assert_neighbour(m, &nb, "y", 0, "x", 2.0 / sqrt(12.0));
    assert_neighbour(m, &nb, "z", 0, "x", 5.0 / sqrt(52.0));
    reco_neighbours_clear(&nb);
    reco_matrix_destroy(&m);
}

/* U1:{a:1, b:1, c:1, d:1}  U2:{a:2, e:2}: sim(a,b) = sim(a,c) = sim(a,d) = 1/√5 (a tie) and
 * sim(a,e) = 4/(√5·2) = 2/√5. Ties go to the smaller id: a's top 3 are e, b, c (not d). */
static void test_item_to_item_tie_order(void **state)
{
    (void)state;
    const triple_t t[] = {{"U1", "d", 1}, {"U1", "c", 1}, {"U1", "b", 1},
                          {"U1", "a", 1}, {"U2", "a", 2}, {"U2", "e", 2}};
    reco_matrix_t *m = matrix_of(t, 6);
    reco_item_to_item_options_t opts = {.top_k = 3, .threads = 2};
    reco_neighbours_t nb;
    assert_int_equal(reco_model_item_to_item(m, &opts, &nb), 0);
    assert_int_equal(list_length(m, &nb, "a"), 3);
    assert_neighbour(m, &nb, "a", 0, "e", 2.0 / sqrt(5.0));
    assert_neighbour(m, &nb, "a", 1, "b", 1.0 / sqrt(5.0));
    assert_neighbour(m, &nb, "a", 2, "c", 1.0 / sqrt(5.0));
    /* b: a (1/√5) ranks below c and d (1.0 each, c first) */
    assert_neighbour(m, &nb, "b", 0, "c", 1.0);
    assert_neighbour(m, &nb, "b", 1, "d", 1.0);
    assert_neighbour(m, &nb, "b", 2, "a", 1.0 / sqrt(5.0));
    assert_neighbour(m, &nb, "e", 0, "a", 2.0 / sqrt(5.0));
    assert_int_equal(list_length(m, &nb, "e"), 1);
    reco_neighbours_clear(&nb);
    reco_matrix_destroy(&m);
}

static void test_item_to_item_zero_weights_and_empty(void **state)
{
    (void)state;
    /* z has only a zero weight: no norm, so no list and in no list */
    const triple_t t[] = {{"u", "x", 1}, {"u", "y", 1}, {"u", "z", 0}};
    reco_matrix_t *m = matrix_of(t, 3);
    reco_item_to_item_options_t opts = {.top_k = 10, .threads = 2};
    reco_neighbours_t nb;
    assert_int_equal(reco_model_item_to_item(m, &opts, &nb), 0);
    assert_int_equal(list_length(m, &nb, "z"), 0);
    assert_int_equal(list_length(m, &nb, "x"), 1);
    assert_neighbour(m, &nb, "x", 0, "y", 1.0);
    reco_neighbours_clear(&nb);
    reco_matrix_destroy(&m);

    m = matrix_of(NULL, 0);
    assert_int_equal(reco_model_item_to_item(m, &opts, &nb), 0);
    assert_int_equal(nb.n_lists, 0);
    assert_int_equal(nb.n_pairs, 0);
    reco_neighbours_clear(&nb);
    reco_scored_t *list = (reco_scored_t *)&nb;
    size_t n = 99;
    assert_int_equal(reco_model_popular(m, &list, &n), 0);
    assert_null(list);
    assert_int_equal(n, 0);
    reco_matrix_destroy(&m);
}

static int compare_expected(const void *pa, const void *pb)
{
    const reco_scored_t *a = pa, *b = pb;
    if (a->score != b->score) return a->score > b->score ? -1 : 1;
    return a->item < b->item ? -1 : (a->item > b->item);
}

/* Random integer weights keep every dot product and squared norm exact, so the brute force below
 * computes bit-identical similarities and the lists can be compared exactly. */
enum { RAND_USERS = 120, RAND_ITEMS = 90, RAND_K = 7 };
static double dense[RAND_USERS][RAND_ITEMS];

static reco_matrix_t *random_matrix(void)
{
    reco_matrix_builder_t *b = reco_matrix_builder_new();
    unsigned seed = 12345;
    for (int u = 0; u < RAND_USERS; u++)
        for (int i = 0; i < RAND_ITEMS; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = (seed >> 16) % 100;
            dense[u][i] = r < 8 ? (double)(1 + r % 5) : 0.0;
            if (dense[u][i] == 0.0) continue;
            char user[16], item[16]; /* zero-padded: id order = numeric order */
            int ul = snprintf(user, sizeof user, "u%03d", u);
            int il = snprintf(item, sizeof item, "i%03d", i);
            assert_int_equal(
                reco_matrix_builder_add(b, user, (size_t)ul, item, (size_t)il, dense[u][i]), 0);
        }
    return reco_matrix_builder_finish(&b);
}

/* The top RAND_K of item i by brute force over the dense matrix; returns the list length. */
static size_t brute_force_list(const reco_matrix_t *m, size_t i, reco_scored_t *out)
{
    reco_scored_t all[RAND_ITEMS];
    size_t n = 0;
    int ci = (int)strtol(m->item_ids[i] + 1, NULL, 10);
    double si = 0;
    for (int u = 0; u < RAND_USERS; u++)
        si += dense[u][ci] * dense[u][ci];
    for (size_t j = 0; j < m->n_items; j++) {
        int cj = (int)strtol(m->item_ids[j] + 1, NULL, 10);
        double dot = 0, sj = 0;
        for (int u = 0; u < RAND_USERS; u++) {
            dot += dense[u][ci] * dense[u][cj];
            sj += dense[u][cj] * dense[u][cj];
        }
        double sim = dot / (sqrt(si) * sqrt(sj));
        if (j != i && sim > 0) all[n++] = (reco_scored_t){.item = (uint32_t)j, .score = sim};
    }
    qsort(all, n, sizeof all[0], compare_expected);
    n = n < RAND_K ? n : RAND_K;
    memcpy(out, all, n * sizeof all[0]);
    return n;
}

static void test_item_to_item_matches_brute_force(void **state)
{
    (void)state;
    reco_matrix_t *m = random_matrix();
    assert_true(m->n_items > 80 && m->nnz > 500);
    reco_neighbours_t nb[3];
    for (int t = 0; t < 3; t++) {
        reco_item_to_item_options_t opts = {.top_k = RAND_K, .threads = t + 1};
        assert_int_equal(reco_model_item_to_item(m, &opts, &nb[t]), 0);
    }
    size_t full_lists = 0;
    for (size_t i = 0; i < m->n_items; i++) {
        reco_scored_t expect[RAND_K];
        size_t n = brute_force_list(m, i, expect);
        full_lists += n == RAND_K;
        for (int t = 0; t < 3; t++) {
            assert_int_equal(nb[t].ptr[i + 1] - nb[t].ptr[i], n);
            for (size_t k = 0; k < n; k++) {
                assert_int_equal(nb[t].entries[nb[t].ptr[i] + k].item, expect[k].item);
                assert_true(nb[t].entries[nb[t].ptr[i] + k].score == expect[k].score);
            }
        }
    }
    assert_true(full_lists > 40); /* the top-K cut was exercised */
    for (int t = 0; t < 3; t++)
        reco_neighbours_clear(&nb[t]);
    reco_matrix_destroy(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix_interning_and_layout),
        cmocka_unit_test(test_matrix_id_order_is_bytewise),
        cmocka_unit_test(test_matrix_merges_many_repeats),
        cmocka_unit_test(test_popular_scores_and_order),
        cmocka_unit_test(test_popular_ties_and_non_positive),
        cmocka_unit_test(test_item_to_item_exact_cosines),
        cmocka_unit_test(test_item_to_item_top_k_truncates),
        cmocka_unit_test(test_item_to_item_tie_order),
        cmocka_unit_test(test_item_to_item_zero_weights_and_empty),
        cmocka_unit_test(test_item_to_item_matches_brute_force),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
