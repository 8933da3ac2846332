/* Unit tests of reco_eval_split (fixed seed gives a fixed split, 25 % per user rounded half up,
 * independent of the file order; leave-last-out takes the latest, ties to the later row) and of
 * reco_eval_data (sorting, interning, the CSV reader). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "reco_eval_data.h"
#include "reco_eval_split.h"

/* users a (8 events), b (5), c (1), d (2); timestamps distinct except d's (a tie) */
static reco_eval_data_t *sample(int reversed)
{
    struct {
        const char *user, *item;
        int64_t ts;
    } rows[] = {
        {"a", "i1", 10}, {"a", "i2", 20}, {"a", "i3", 30}, {"a", "i4", 40},
        {"a", "i5", 50}, {"a", "i6", 60}, {"a", "i7", 70}, {"a", "i8", 80},
        {"b", "i1", 5},  {"b", "i9", 1},  {"b", "i3", 9},  {"b", "i4", 7},
        {"b", "i5", 3},  {"c", "i1", 1},  {"d", "x", 4},   {"d", "y", 4},
    };
    size_t n = sizeof rows / sizeof rows[0];
    reco_eval_builder_t *b = reco_eval_builder_new();
    assert_non_null(b);
    for (size_t k = 0; k < n; k++) {
        size_t r = reversed ? n - 1 - k : k;
        assert_int_equal(reco_eval_builder_add(b, rows[r].user, strlen(rows[r].user), rows[r].item,
                                               strlen(rows[r].item), 1.0, rows[r].ts),
                         0);
    }
    reco_eval_data_t *d = reco_eval_builder_finish(&b);
    assert_null(b);
    assert_non_null(d);
    return d;
}

static size_t held_out(const reco_eval_data_t *d, const unsigned char *t, size_t u)
{
    size_t n = 0;
    for (size_t k = d->user_ptr[u]; k < d->user_ptr[u + 1]; k++)
        n += t[k];
    return n;
}

static void test_data_sorted(void **state)
{
    (void)state;
    reco_eval_data_t *d = sample(0);
    assert_int_equal(d->n_users, 4);
    assert_int_equal(d->n_items, 11);
    assert_string_equal(d->user_ids[1], "b");
    /* b's events oldest first: i9 (1), i5 (3), i1 (5), i4 (7), i3 (9) */
    assert_int_equal(d->user_ptr[1], 8);
    assert_string_equal(d->item_ids[d->events[8].item], "i9");
    assert_string_equal(d->item_ids[d->events[12].item], "i3");
    reco_eval_data_destroy(&d);
    assert_null(d);
}

static void test_random_split_fixed_and_per_user(void **state)
{
    (void)state;
    reco_eval_data_t *d = sample(0), *r = sample(1);
    unsigned char t1[16], t2[16], t3[16];
    assert_int_equal(reco_eval_split_events(d, RECO_EVAL_SPLIT_RANDOM, 0.25, 42, t1), 0);
    assert_int_equal(reco_eval_split_events(d, RECO_EVAL_SPLIT_RANDOM, 0.25, 42, t2), 0);
    assert_memory_equal(t1, t2, d->n_events);
    /* round half up of n/4: 8 -> 2, 5 -> 1, 1 -> 0, 2 -> 1 */
    assert_int_equal(held_out(d, t1, 0), 2);
    assert_int_equal(held_out(d, t1, 1), 1);
    assert_int_equal(held_out(d, t1, 2), 0);
    assert_int_equal(held_out(d, t1, 3), 1);
    /* the same events are held out whatever the order the rows came in: compare by (user,item) */
    assert_int_equal(reco_eval_split_events(r, RECO_EVAL_SPLIT_RANDOM, 0.25, 42, t3), 0);
    for (size_t k = 0; k < d->user_ptr[3]; k++) {
        /* users a, b, c (not d: its two events tie in time, so their order is the file's) */
        const char *item = d->item_ids[d->events[k].item];
        for (size_t q = r->user_ptr[d->events[k].user]; q < r->user_ptr[d->events[k].user + 1]; q++)
            if (strcmp(r->item_ids[r->events[q].item], item) == 0) assert_int_equal(t3[q], t1[k]);
    }
    /* another seed changes something for at least one of a few seeds */
    int differs = 0;
    for (uint64_t seed = 1; seed < 6; seed++) {
        assert_int_equal(reco_eval_split_events(d, RECO_EVAL_SPLIT_RANDOM, 0.25, seed, t2), 0);
        differs |= memcmp(t1, t2, d->n_events) != 0;
        assert_int_equal(held_out(d, t2, 0), 2);
    }
    assert_true(differs);
    reco_eval_data_destroy(&d);
    reco_eval_data_destroy(&r);
}

static void test_last_split(void **state)
{
    (void)state;
    reco_eval_data_t *d = sample(0);
    unsigned char t[16];
    assert_int_equal(reco_eval_split_events(d, RECO_EVAL_SPLIT_LAST, 0.25, 42, t), 0);
    for (size_t u = 0; u < d->n_users; u++)
        assert_int_equal(held_out(d, t, u), 1);
    assert_true(t[7]);                                          /* a: i8 at 80 */
    assert_string_equal(d->item_ids[d->events[12].item], "i3"); /* b: i3 at 9 */
    assert_true(t[12]);
    assert_true(t[13]); /* c: its only event */
    /* d: x and y tie at 4; y came later in the file */
    assert_true(t[15]);
    assert_string_equal(d->item_ids[d->events[15].item], "y");
    reco_eval_data_destroy(&d);
}

static void test_csv_reader(void **state)
{
    (void)state;
    char path[] = "/tmp/reco-eval-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char text[] = "\xEF\xBB\xBFtimestamp,Item,extra,user,value\n"
                        "100,\"i,1\",zz,u1,4.5\n"
                        "200,i2,,u1,3\n"
                        "bad,i3,,u2,1\n"
                        "300,i3,,,1\n"
                        "50,i2,,u2,2\n";
    assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
    char err[256];
    reco_eval_data_t *d = reco_eval_data_load_csv(path, err, sizeof err);
    unlink(path);
    assert_non_null(d);
    assert_int_equal(d->n_events, 3);
    assert_int_equal(d->skipped, 2);
    assert_true(d->has_value && d->has_timestamp);
    assert_string_equal(d->item_ids[d->events[0].item], "i,1");
    assert_float_equal(d->events[0].value, 4.5, 0);
    assert_int_equal(d->events[2].ts, 50);
    reco_eval_data_destroy(&d);
    assert_null(reco_eval_data_load_csv("/nonexistent/x.csv", err, sizeof err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_data_sorted),
        cmocka_unit_test(test_random_split_fixed_and_per_user),
        cmocka_unit_test(test_last_split),
        cmocka_unit_test(test_csv_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
