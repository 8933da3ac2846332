/* Unit tests of reco_dataset_parse_event: which stream entries are accepted, the weight each
 * event contributes (default weights and a tenant's action weights) and its basket keys; of
 * reco_dataset_weights_same; of reco_event_cache's LRU bound; and of the model key builders
 * (reco_model_keys). Replies are built by hand (the parser only reads them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "reco_test_reply.h"

#include "reco_dataset.h"
#include "reco_event_cache.h"
#include "reco_keys.h"
#include "reco_model_keys.h"
#include "reco_validate.h"

static void assert_weighed(const reco_weights_t *w, const redisReply *r, double weight)
{
    reco_stream_event_t ev;
    const char *why = "unset";
    assert_int_equal(reco_dataset_parse_event(r, w, &ev, &why), 0);
    assert_null(why);
    if (ev.weight != weight) print_error("weight %g, expected %g\n", ev.weight, weight), fail();
}

static void assert_weight(const redisReply *r, double weight)
{
    assert_weighed(NULL, r, weight);
}

static void assert_rejected(const redisReply *r, const char *why_expected)
{
    reco_stream_event_t ev;
    const char *why = NULL;
    assert_int_equal(reco_dataset_parse_event(r, NULL, &ev, &why), -1);
    assert_string_equal(why, why_expected);
}

/* A well-formed entry whose type has no weight under w. */
static void assert_unregistered(const reco_weights_t *w, const redisReply *r)
{
    reco_stream_event_t ev;
    const char *why = NULL;
    assert_int_equal(reco_dataset_parse_event(r, w, &ev, &why), 1);
    assert_string_equal(why, "type is neither built in nor a registered action");
}

static void test_parse_accepts_each_type(void **state)
{
    (void)state;
    reco_test_reply_t f;
    reco_stream_event_t ev;
    const char *why = NULL;
    const redisReply *r =
        reco_test_reply_of(&f, "user", "u1", "item", "i 1", "type", "view", "ts", "1700000000000", NULL);
    assert_int_equal(reco_dataset_parse_event(r, NULL, &ev, &why), 0);
    assert_int_equal(ev.user_len, 2);
    assert_memory_equal(ev.user, "u1", 2);
    assert_int_equal(ev.item_len, 3);
    assert_memory_equal(ev.item, "i 1", 3);
    assert_int_equal(ev.type, RECO_EVENT_VIEW);
    assert_true(ev.ts == 1700000000000LL);
    assert_true(ev.weight == 1.0);
    /* field order does not matter; unknown fields are ignored; value ignored except for ratings */
    assert_weight(
        reco_test_reply_of(&f, "ts", "5", "type", "bookmark", "item", "i", "user", "u", "src", "x", NULL),
        2.0);
    assert_weight(reco_test_reply_of(&f, "user", "u", "item", "i", "type", "cart", "ts", "5", NULL), 3.0);
    assert_weight(
        reco_test_reply_of(&f, "user", "u", "item", "i", "type", "purchase", "ts", "5", "value", "9", NULL),
        5.0);
    assert_weight(
        reco_test_reply_of(&f, "user", "u", "item", "i", "type", "rating", "ts", "5", "value", "4.5", NULL),
        4.5);
    assert_weight(reco_test_reply_of(&f, "user", "u", "item", "i", "type", "click", "ts", "5", NULL), 1.0);
    /* a custom action without a registered weight is well formed but not used */
    assert_unregistered(NULL,
                        reco_test_reply_of(&f, "user", "u", "item", "i", "type", "buy", "ts", "5", NULL));
}

static void test_parse_uses_tenant_weights(void **state)
{
    (void)state;
    reco_test_reply_t f, h;
    reco_weights_t *w = reco_weights_from_hash(
        reco_test_reply_of(&h, "purchase", "10", "rating", "2", "click", "0.5", "wishlist", "2.5", NULL),
        NULL);
    assert_non_null(w);
    reco_stream_event_t ev;
    const char *why = NULL;
    const redisReply *r =
        reco_test_reply_of(&f, "user", "u", "item", "i", "type", "wishlist", "ts", "5", "value", "3", NULL);
    assert_int_equal(reco_dataset_parse_event(r, w, &ev, &why), 0);
    assert_int_equal(ev.type, RECO_EVENT_TYPE_COUNT); /* custom */
    assert_true(ev.weight == 2.5);
    assert_weighed(w, reco_test_reply_of(&f, "user", "u", "item", "i", "type", "purchase", "ts", "5", NULL),
                   10.0);
    assert_weighed(w, reco_test_reply_of(&f, "user", "u", "item", "i", "type", "cart", "ts", "5", NULL),
                   3.0); /* not overridden */
    assert_weighed(w, reco_test_reply_of(&f, "user", "u", "item", "i", "type", "click", "ts", "5", NULL),
                   0.5);
    assert_weighed(
        w,
        reco_test_reply_of(&f, "user", "u", "item", "i", "type", "rating", "ts", "5", "value", "4.5", NULL),
        9.0); /* value x factor */
    assert_unregistered(w,
                        reco_test_reply_of(&f, "user", "u", "item", "i", "type", "share", "ts", "5", NULL));
    /* a malformed entry stays malformed, whatever its type */
    assert_int_equal(
        reco_dataset_parse_event(reco_test_reply_of(&f, "user", "u", "type", "wishlist", "ts", "5", NULL), w,
                                 &ev, &why),
        -1);
    assert_string_equal(why, "missing or invalid item");
    reco_weights_destroy(&w);
}

static void test_parse_rejects_malformed(void **state)
{
    (void)state;
    reco_test_reply_t f;
    assert_rejected(reco_test_reply_of(&f, "item", "i", "type", "view", "ts", "5", NULL),
                    "missing or invalid user");
    assert_rejected(reco_test_reply_of(&f, "user", "", "item", "i", "type", "view", "ts", "5", NULL),
                    "missing or invalid user");
    assert_rejected(reco_test_reply_of(&f, "user", "u", "item", "a\tb", "type", "view", "ts", "5", NULL),
                    "missing or invalid item");
    assert_rejected(reco_test_reply_of(&f, "user", "u", "item", "i", "type", "Buy", "ts", "5", NULL),
                    "missing or invalid type");
    assert_rejected(reco_test_reply_of(&f, "user", "u", "item", "i", "ts", "5", NULL),
                    "missing or invalid type");
    assert_rejected(reco_test_reply_of(&f, "user", "u", "item", "i", "type", "view", NULL),
                    "missing or invalid ts");
    assert_rejected(reco_test_reply_of(&f, "user", "u", "item", "i", "type", "view", "ts", "12x", NULL),
                    "missing or invalid ts");
    assert_rejected(reco_test_reply_of(&f, "user", "u", "item", "i", "type", "view", "ts", "-1", NULL),
                    "missing or invalid ts");
    assert_rejected(reco_test_reply_of(&f, "user", "u", "item", "i", "type", "rating", "ts", "5", NULL),
                    "rating without a valid value");
    assert_rejected(
        reco_test_reply_of(&f, "user", "u", "item", "i", "type", "rating", "ts", "5", "value", "nan", NULL),
        "rating without a valid value");
    assert_rejected(reco_test_reply_of(&f, "user", "u", "item", "i", "type", NULL),
                    "fields are not name/value pairs");
}

static void test_parse_basket_keys(void **state)
{
    (void)state;
    reco_test_reply_t f;
    reco_stream_event_t ev;
    const char *why = NULL;
    assert_int_equal(reco_dataset_parse_event(reco_test_reply_of(&f, "user", "u", "item", "i", "type",
                                                        "purchase", "ts", "5", "order", "o 1",
                                                        "session", "s1", NULL),
                                              NULL, &ev, &why),
                     0);
    assert_int_equal(ev.order_len, 3);
    assert_memory_equal(ev.order, "o 1", 3);
    assert_int_equal(ev.session_len, 2);
    assert_memory_equal(ev.session, "s1", 2);
    /* none given; and an invalid one is ignored, not fatal */
    assert_int_equal(reco_dataset_parse_event(reco_test_reply_of(&f, "user", "u", "item", "i", "type",
                                                        "view", "ts", "5", "order", "a\x1f" "b",
                                                        "session", "", NULL),
                                              NULL, &ev, &why),
                     0);
    assert_null(ev.order);
    assert_null(ev.session);
}

static void test_weights_same(void **state)
{
    (void)state;
    reco_test_reply_t h;
    reco_weights_t *a = reco_weights_from_hash(reco_test_reply_of(&h, "wish", "2", NULL), NULL);
    reco_weights_t *b = reco_weights_from_hash(reco_test_reply_of(&h, "wish", "2", NULL), NULL);
    reco_weights_t *c = reco_weights_from_hash(reco_test_reply_of(&h, "wish", "3", NULL), NULL);
    reco_weights_t *d = reco_weights_from_hash(reco_test_reply_of(&h, "view", "1", NULL), NULL);
    assert_true(reco_dataset_weights_same(a, b));
    assert_false(reco_dataset_weights_same(a, c));
    assert_false(reco_dataset_weights_same(a, NULL));
    assert_true(reco_dataset_weights_same(d, NULL)); /* an override equal to the default */
    assert_true(reco_dataset_weights_same(NULL, NULL));
    reco_weights_destroy(&a);
    reco_weights_destroy(&b);
    reco_weights_destroy(&c);
    reco_weights_destroy(&d);
}

static void fill(reco_dataset_state_t *s, size_t n)
{
    s->events = reco_events_new();
    for (size_t k = 0; k < n; k++) {
        reco_event_fields_t e = {.user = "u", .user_len = 1, .item = "i", .item_len = 1};
        assert_int_equal(reco_events_append(s->events, &e), 0);
    }
}

static void test_event_cache_bound(void **state)
{
    (void)state;
    reco_event_cache_t *c = reco_event_cache_new(100);
    reco_dataset_state_t *a = reco_event_cache_state(c, "a"), *b = reco_event_cache_state(c, "b");
    assert_non_null(a);
    assert_ptr_not_equal(a, b);
    assert_null(a->events);
    fill(a, 60);
    fill(b, 30);
    assert_ptr_equal(reco_event_cache_state(c, "a"), a); /* a is now the most recent */
    assert_int_equal(reco_event_cache_trim(c, "a"), 0); /* 90 <= 100 */
    reco_dataset_state_t *d = reco_event_cache_state(c, "d");
    fill(d, 50);
    assert_int_equal(reco_event_cache_events(c), 140);
    /* b is the least recent: dropped first; 110 still exceeds 100, so a goes too */
    assert_int_equal(reco_event_cache_trim(c, "d"), 2);
    assert_null(b->events);
    assert_null(a->events);
    assert_int_equal(reco_event_cache_events(c), 50);
    fill(b, 40);
    assert_int_equal(reco_event_cache_trim(c, "d"), 0); /* 90 */
    assert_non_null(b->events);
    reco_dataset_state_clear(b);
    fill(a, 200); /* the tenant kept may exceed the bound alone */
    assert_int_equal(reco_event_cache_trim(c, "a"), 1);
    assert_non_null(a->events);
    assert_null(d->events);
    reco_event_cache_destroy(&c);
    assert_null(c);
}

/* The keys the trainer writes bought-with and similar-customers to (builders in common) and the
 * 2-item member. */
static void test_model_keys(void **state)
{
    (void)state;
    char buf[RECO_KEY_MAX];
    assert_int_equal(reco_key_model_user(buf, sizeof buf, "shop", "similar-customers", 7, "u 1"),
                     (int)strlen("reco:{shop}:m:similar-customers:7:u:u 1"));
    assert_string_equal(buf, "reco:{shop}:m:similar-customers:7:u:u 1");
    assert_true(reco_key_model_pair(buf, sizeof buf, "shop", "bought-with", 12, "a", "ab") > 0);
    assert_string_equal(buf, "reco:{shop}:m:bought-with:12:p:a\x1f" "ab");
    assert_int_equal(reco_member_pair(buf, sizeof buf, "b", "a"), 3);
    assert_string_equal(buf, "a\x1f" "b");
    assert_int_equal(reco_member_pair(buf, sizeof buf, "\xc3\xa9", "z"), 4);
    assert_string_equal(buf, "z\x1f\xc3\xa9"); /* bytewise: 'z' < 0xc3 */
    assert_int_equal(reco_member_pair(buf, 4, "ab", "cd"), -1); /* does not fit */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_basket_keys),
        cmocka_unit_test(test_weights_same),
        cmocka_unit_test(test_event_cache_bound),
        cmocka_unit_test(test_model_keys),
        cmocka_unit_test(test_parse_accepts_each_type),
        cmocka_unit_test(test_parse_rejects_malformed),
        cmocka_unit_test(test_parse_uses_tenant_weights),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
