/* Unit tests for reco_import_batch: limits, bodies, removal, splitting, error indexes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reco_import_batch.h"

static void add(reco_import_batch_t *b, long line, const char *json)
{
    char *copy = strdup(json);
    assert_int_equal(reco_import_batch_add(b, line, &copy, strlen(json)), 0);
    assert_null(copy);
}

static void assert_body(const reco_import_batch_t *b, const char *expected)
{
    char *body = reco_import_batch_body(b);
    assert_string_equal(body, expected);
    assert_int_equal(strlen(body), b->body_bytes);
    free(body);
}

static void test_body_and_size(void **state)
{
    (void)state;
    reco_import_batch_t *b = reco_import_batch_new();
    assert_body(b, "[]");
    add(b, 2, "{\"a\":1}");
    assert_body(b, "[{\"a\":1}]");
    add(b, 3, "{\"b\":22}");
    add(b, 5, "{}");
    assert_body(b, "[{\"a\":1},{\"b\":22},{}]");
    assert_int_equal(b->n, 3);
    assert_int_equal(b->rows[2].line, 5);
    reco_import_batch_destroy(&b);
    assert_null(b);
    reco_import_batch_destroy(&b); /* safe on NULL */
}

static void test_limits(void **state)
{
    (void)state;
    reco_import_batch_t *b = reco_import_batch_new();
    /* an empty batch: "[" + row + "]" */
    assert_int_equal(reco_import_batch_bytes_with(b, 10), 12);
    assert_true(reco_import_batch_fits(b, 10, 2, 12));
    assert_false(reco_import_batch_fits(b, 11, 2, 12));
    add(b, 1, "0123456789");
    /* one more row of 10 bytes adds a comma too: 12 + 11 */
    assert_int_equal(reco_import_batch_bytes_with(b, 10), 23);
    assert_true(reco_import_batch_fits(b, 10, 2, 23));
    assert_false(reco_import_batch_fits(b, 10, 2, 22));
    add(b, 2, "abcdefghij");
    assert_false(reco_import_batch_fits(b, 1, 2, 1000)); /* row limit */
    assert_true(reco_import_batch_fits(b, 1, 3, 1000));
    reco_import_batch_destroy(&b);
}

static void test_remove(void **state)
{
    (void)state;
    reco_import_batch_t *b = reco_import_batch_new();
    add(b, 1, "{\"i\":0}");
    add(b, 2, "{\"i\":1}");
    add(b, 3, "{\"i\":2}");
    reco_import_batch_remove(b, 1);
    assert_body(b, "[{\"i\":0},{\"i\":2}]");
    assert_int_equal(b->rows[1].line, 3);
    reco_import_batch_remove(b, 7); /* out of range: nothing */
    assert_int_equal(b->n, 2);
    reco_import_batch_remove(b, 0);
    assert_body(b, "[{\"i\":2}]");
    reco_import_batch_remove(b, 0);
    assert_body(b, "[]");
    assert_int_equal(b->n, 0);
    reco_import_batch_destroy(&b);
}

static void test_split(void **state)
{
    (void)state;
    reco_import_batch_t *b = reco_import_batch_new();
    add(b, 1, "{\"i\":0}");
    assert_null(reco_import_batch_split(b)); /* one row: cannot split */
    add(b, 2, "{\"i\":1}");
    add(b, 3, "{\"i\":22}");
    add(b, 4, "{\"i\":333}");
    add(b, 5, "{\"i\":4}");
    reco_import_batch_t *tail = reco_import_batch_split(b);
    assert_non_null(tail);
    assert_body(b, "[{\"i\":0},{\"i\":1},{\"i\":22}]");
    assert_body(tail, "[{\"i\":333},{\"i\":4}]");
    assert_int_equal(tail->rows[0].line, 4);
    reco_import_batch_destroy(&tail);
    reco_import_batch_destroy(&b);
}

static void assert_index(const char *message, const char *array, long expected)
{
    size_t index = 12345;
    int rc = reco_import_error_index(message, array, &index);
    if (expected < 0) {
        if (rc == 0)
            fail_msg("'%s' should name no element, got %zu", message ? message : "(null)", index);
        return;
    }
    if (rc != 0) fail_msg("'%s' should name element %ld", message ? message : "(null)", expected);
    assert_int_equal(index, (size_t)expected);
}

static void test_error_index(void **state)
{
    (void)state;
    assert_index("events[17].value: must be a number from 0 to 5", "events", 17);
    assert_index("events[0].type: must be one of view, cart, purchase, rating, bookmark", "events",
                 0);
    assert_index("events[3]: an event must be a JSON object", "events", 3);
    assert_index("items[12].categories: must be a list of strings", "items", 12);
    assert_index("users[9999].id: required", "users", 9999);
    assert_index("body.events[4].user: required", "events", 4);
    assert_index("items[2].id: required", "events", -1);
    assert_index("subevents[3].x: no", "events", -1);
    assert_index("events[].x", "events", -1);
    assert_index("events[x].x", "events", -1);
    assert_index("events[12", "events", -1);
    assert_index("events[99999999999999999999999].x", "events", -1);
    assert_index("events: must be an array", "events", -1);
    assert_index("events[x] and then events[5].user: bad", "events", 5);
    assert_index("", "events", -1);
    assert_index(NULL, "events", -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_body_and_size), cmocka_unit_test(test_limits),
        cmocka_unit_test(test_remove),        cmocka_unit_test(test_split),
        cmocka_unit_test(test_error_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
