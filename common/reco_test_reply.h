/* reco_test_reply — for unit tests only: hiredis replies made by hand, so that code that reads
 * HGETALL or XRANGE replies can be tested without a Redis server, and a JSON comparison that
 * prints both sides. Header-only; include it after <cmocka.h>. */
#ifndef RECO_TEST_REPLY_H
#define RECO_TEST_REPLY_H

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define RECO_TEST_REPLY_MAX 32

typedef struct {
    redisReply array;
    redisReply items[RECO_TEST_REPLY_MAX];
    redisReply *pointers[RECO_TEST_REPLY_MAX];
} reco_test_reply_t;

/* Fills r with an array reply of the NULL-terminated list of strings (e.g. field, value, ...);
 * the strings are borrowed. Returns the array. */
static inline const redisReply *reco_test_reply_of(reco_test_reply_t *r, ...)
{
    memset(r, 0, sizeof *r);
    va_list ap;
    va_start(ap, r);
    size_t n = 0;
    for (const char *s; (s = va_arg(ap, const char *)) != NULL && n < RECO_TEST_REPLY_MAX; n++) {
        r->items[n].type = REDIS_REPLY_STRING;
        r->items[n].str = (char *)s;
        r->items[n].len = strlen(s);
        r->pointers[n] = &r->items[n];
    }
    va_end(ap);
    r->array.type = REDIS_REPLY_ARRAY;
    r->array.elements = n;
    r->array.element = r->pointers;
    return &r->array;
}

/* Asserts that got (taken) equals the JSON text expected, printing both when not. */
static inline void reco_test_assert_json(json_t *got, const char *expected)
{
    json_error_t error;
    json_t *want = json_loads(expected, 0, &error);
    assert_non_null(want);
    assert_non_null(got);
    if (!json_equal(got, want)) {
        char *text = json_dumps(got, JSON_SORT_KEYS);
        print_error("got %s\nwant %s\n", text, expected);
        free(text);
        fail();
    }
    json_decref(want);
    json_decref(got);
}

#endif
