/* Unit tests of reco_intern (interning, growth, byte order), reco_events (the compact log and its
 * id-ordered table, basket keys) and reco_matrix_from_events (pairs summed in event order, kept
 * events only, borrowed ids). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "reco_events.h"
#include "reco_intern.h"
#include "reco_matrix.h"
#include "reco_validate.h"

static void test_intern_adds_finds_and_grows(void **state)
{
    (void)state;
    reco_intern_t *t = reco_intern_new();
    assert_non_null(t);
    uint32_t index = 99;
    assert_int_equal(reco_intern_add(t, "b", 1, &index), 0);
    assert_int_equal(index, 0);
    assert_int_equal(reco_intern_add(t, "a\0x", 3, &index), 0); /* binary-safe */
    assert_int_equal(index, 1);
    assert_int_equal(reco_intern_add(t, "b", 1, &index), 0);
    assert_int_equal(index, 0);
    assert_int_equal(reco_intern_find(t, "a\0x", 3, &index), 0);
    assert_int_equal(index, 1);
    assert_int_equal(reco_intern_find(t, "a", 1, &index), -1);
    /* past the initial table and arena sizes: every id keeps its index and bytes */
    char id[32];
    for (int k = 0; k < 5000; k++) {
        int len = snprintf(id, sizeof id, "item-%d", k);
        assert_int_equal(reco_intern_add(t, id, (size_t)len, &index), 0);
        assert_int_equal(index, (uint32_t)k + 2);
    }
    assert_int_equal(reco_intern_count(t), 5002);
    for (int k = 0; k < 5000; k += 7) {
        int len = snprintf(id, sizeof id, "item-%d", k);
        size_t got_len = 0;
        assert_int_equal(reco_intern_find(t, id, (size_t)len, &index), 0);
        assert_string_equal(reco_intern_id(t, index, &got_len), id);
        assert_int_equal(got_len, (size_t)len);
    }
    assert_true(reco_intern_memory(t) > 5000 * 8);
    reco_intern_destroy(&t);
    assert_null(t);
    reco_intern_destroy(&t); /* safe on NULL */
}

static void test_intern_sorts_bytewise(void **state)
{
    (void)state;
    reco_intern_t *t = reco_intern_new();
    const char *ids[] = {"b", "ab", "a", "\xc3\xa9", "B", "abc"};
    uint32_t index;
    for (size_t k = 0; k < 6; k++)
        assert_int_equal(reco_intern_add(t, ids[k], strlen(ids[k]), &index), 0);
    uint32_t order[6];
    reco_intern_sorted(t, NULL, 6, order);
    const char *expected[] = {"B", "a", "ab", "abc", "b", "\xc3\xa9"};
    for (size_t k = 0; k < 6; k++)
        assert_string_equal(reco_intern_id(t, order[k], NULL), expected[k]);
    uint32_t some[] = {5, 0, 3}, sorted[3];
    reco_intern_sorted(t, some, 3, sorted);
    assert_int_equal(sorted[0], 5); /* abc */
    assert_int_equal(sorted[1], 0); /* b */
    assert_int_equal(sorted[2], 3); /* é */
    assert_true(reco_id_compare("ab", 2, "abc", 3) < 0);
    assert_true(reco_id_compare("b", 1, "abc", 3) > 0);
    assert_int_equal(reco_id_compare("x", 1, "x", 1), 0);
    reco_intern_destroy(&t);
}

static void append(reco_events_t *ev, const char *user, const char *item, int type, int64_t ts,
                   double weight, const char *order, const char *session)
{
    reco_event_fields_t e = {.user = user,
                             .user_len = strlen(user),
                             .item = item,
                             .item_len = strlen(item),
                             .type = type,
                             .ts = ts,
                             .weight = weight,
                             .order = order,
                             .order_len = order ? strlen(order) : 0,
                             .session = session,
                             .session_len = session ? strlen(session) : 0};
    assert_int_equal(reco_events_append(ev, &e), 0);
}

/* Events arrive in an order unrelated to the ids; the table renumbers users and items in id
 * order and keeps event order, ts, weight, type and basket keys. */
static void test_events_table(void **state)
{
    (void)state;
    reco_events_t *ev = reco_events_new();
    assert_non_null(ev);
    append(ev, "u2", "z", RECO_EVENT_VIEW, 30, 1.0, NULL, "s1");
    append(ev, "u1", "x", RECO_EVENT_PURCHASE, 10, 5.0, "o1", "s1"); /* the order wins */
    append(ev, "u2", "x", RECO_EVENT_TYPE_COUNT, 20, 2.5, NULL, NULL);
    append(ev, "u0", "y", RECO_EVENT_CART, 40, 3.0, NULL, "o1"); /* session "o1" != order "o1" */
    append(ev, "u1", "z", RECO_EVENT_PURCHASE, 50, 5.0, "o1", NULL);
    assert_int_equal(reco_events_count(ev), 5);
    assert_int_equal(reco_events_users(ev), 3);
    assert_int_equal(reco_events_items(ev), 3);
    assert_true(reco_events_memory(ev) > 0);

    reco_event_table_t t;
    assert_int_equal(reco_events_table(ev, &t), 0);
    assert_int_equal(t.n_events, 5);
    assert_int_equal(t.n_users, 3);
    assert_int_equal(t.n_items, 3);
    assert_int_equal(t.n_baskets, 3); /* s:s1, o:o1, s:o1 */
    const char *users[] = {"u0", "u1", "u2"}, *items[] = {"x", "y", "z"};
    for (size_t k = 0; k < 3; k++) {
        assert_string_equal(t.user_ids[k], users[k]);
        assert_string_equal(t.item_ids[k], items[k]);
        assert_int_equal(t.user_id_lens[k], 2);
        assert_int_equal(t.item_id_lens[k], 1);
    }
    const uint32_t user[] = {2, 1, 2, 0, 1}, item[] = {2, 0, 0, 1, 2};
    const int64_t ts[] = {30, 10, 20, 40, 50};
    const double weight[] = {1.0, 5.0, 2.5, 3.0, 5.0};
    const uint8_t type[] = {RECO_EVENT_VIEW, RECO_EVENT_PURCHASE, RECO_EVENT_TYPE_COUNT,
                            RECO_EVENT_CART, RECO_EVENT_PURCHASE};
    for (size_t k = 0; k < 5; k++) {
        assert_int_equal(t.user[k], user[k]);
        assert_int_equal(t.item[k], item[k]);
        assert_true(t.ts[k] == ts[k]);
        assert_true(t.weight[k] == weight[k]);
        assert_int_equal(t.type[k], type[k]);
    }
    assert_int_equal(t.basket[2], RECO_NO_BASKET);
    assert_int_equal(t.basket[1], t.basket[4]); /* order o1 */
    assert_int_not_equal(t.basket[0], t.basket[1]);
    assert_int_not_equal(t.basket[3], t.basket[1]); /* session o1 is not order o1 */
    assert_true(t.basket[0] < 3 && t.basket[1] < 3 && t.basket[3] < 3);
    reco_event_table_clear(&t);
    assert_null(t.owned);
    reco_event_table_clear(&t); /* safe twice */
    reco_events_destroy(&ev);
    assert_null(ev);
}

static void test_events_grow(void **state)
{
    (void)state;
    reco_events_t *ev = reco_events_new();
    char user[16], item[16];
    for (int k = 0; k < 20000; k++) {
        snprintf(user, sizeof user, "u%d", k % 977);
        snprintf(item, sizeof item, "i%d", k % 131);
        append(ev, user, item, RECO_EVENT_VIEW, k, 1.0, NULL, NULL);
    }
    reco_event_table_t t;
    assert_int_equal(reco_events_table(ev, &t), 0);
    assert_int_equal(t.n_events, 20000);
    assert_int_equal(t.n_users, 977);
    assert_int_equal(t.n_items, 131);
    for (size_t k = 0; k < t.n_events; k += 1234) {
        snprintf(user, sizeof user, "u%zu", k % 977);
        assert_string_equal(t.user_ids[t.user[k]], user);
        assert_true(t.ts[k] == (int64_t)k);
    }
    for (size_t k = 1; k < t.n_users; k++)
        assert_true(strcmp(t.user_ids[k - 1], t.user_ids[k]) < 0);
    reco_event_table_clear(&t);
    reco_events_destroy(&ev);
}

/* Pairs repeat; weights are summed in event order (0.1 + 0.2 + 0.3 is not 0.1 + (0.2 + 0.3));
 * events not kept are left out, their users and items stay (empty rows and columns). */
static void test_matrix_from_events(void **state)
{
    (void)state;
    const char *user_ids[] = {"A", "B", "C"}, *item_ids[] = {"x", "y"};
    const size_t lens[] = {1, 1, 1};
    const uint32_t user[] = {1, 0, 1, 1, 0, 2, 1};
    const uint32_t item[] = {1, 0, 1, 0, 0, 1, 1};
    const double weight[] = {0.1, 1.0, 0.2, 4.0, 2.0, 9.0, 0.3};
    const uint8_t keep[] = {1, 1, 1, 1, 1, 0, 1};
    reco_matrix_source_t src = {.n_users = 3,
                                .n_items = 2,
                                .user_ids = user_ids,
                                .user_id_lens = lens,
                                .item_ids = item_ids,
                                .item_id_lens = lens,
                                .n_events = 7,
                                .user = user,
                                .item = item,
                                .weight = weight,
                                .keep = keep};
    reco_matrix_t *m = reco_matrix_from_events(&src);
    assert_non_null(m);
    assert_int_equal(m->n_users, 3);
    assert_int_equal(m->n_items, 2);
    assert_int_equal(m->nnz, 3); /* A-x 3, B-x 4, B-y 0.1+0.2+0.3 */
    assert_ptr_equal(m->item_ids, item_ids);
    assert_int_equal(m->user_ptr[0], 0);
    assert_int_equal(m->user_ptr[1], 1);
    assert_int_equal(m->user_ptr[2], 3);
    assert_int_equal(m->user_ptr[3], 3); /* C's only event is not kept */
    assert_true(m->user_weights[0] == 1.0 + 2.0);
    assert_int_equal(m->user_items[1], 0);
    assert_true(m->user_weights[1] == 4.0);
    assert_int_equal(m->user_items[2], 1);
    assert_true(m->user_weights[2] == (0.1 + 0.2) + 0.3);
    assert_int_equal(m->item_ptr[1], 2);
    assert_int_equal(m->item_users[0], 0);
    assert_int_equal(m->item_users[1], 1);
    assert_true(m->item_weights[2] == m->user_weights[2]);
    reco_matrix_destroy(&m); /* leaves the borrowed ids alone */
    assert_null(m);
    src.keep = NULL;
    m = reco_matrix_from_events(&src);
    assert_int_equal(m->nnz, 4);
    assert_int_equal(m->user_ptr[3] - m->user_ptr[2], 1);
    assert_true(m->user_weights[3] == 9.0);
    reco_matrix_destroy(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intern_adds_finds_and_grows),
        cmocka_unit_test(test_intern_sorts_bytewise),
        cmocka_unit_test(test_events_table),
        cmocka_unit_test(test_events_grow),
        cmocka_unit_test(test_matrix_from_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
