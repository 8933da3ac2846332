/* Unit tests of reco_slot: the CRC16 check value of the Redis Cluster spec, key slots as
 * `redis-cli cluster keyslot` printed them (Redis 7.0.15), the hash-tag rule's edge cases, and
 * which argument routes each kind of command. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "reco_slot.h"

static int slot(const char *key)
{
    return reco_slot_of(key, strlen(key));
}

static void test_crc16(void **state)
{
    (void)state;
    assert_int_equal(reco_slot_crc16("123456789", 9), 0x31C3); /* the spec's check value */
    assert_int_equal(reco_slot_crc16("", 0), 0);
}

static void test_slots_known(void **state)
{
    (void)state;
    assert_int_equal(slot("123456789"), 12739);
    assert_int_equal(slot("foo"), 12182);
    assert_int_equal(slot("bar"), 5061);
    assert_int_equal(slot("reco:tenants"), 605);
    assert_int_equal(slot("reco:train:queue"), 5153);
    assert_int_equal(slot("reco:{shop-1}:item:x"), 4977);
    assert_int_equal(slot("{user1000}.following"), 3443);
}

static void test_hash_tags(void **state)
{
    (void)state;
    assert_int_equal(slot("reco:{acme}:events"), 11304);
    assert_int_equal(slot("reco:{acme}:events"), slot("acme"));
    assert_int_equal(slot("foo{bar}{zap}"), slot("bar"));
    assert_int_equal(slot("foo{}{bar}"), 8363);    /* empty tag: the whole key */
    assert_int_equal(slot("foo{{bar}}zap"), 4015); /* tag is "{bar" */
    assert_int_equal(slot("reco:{}:x"), 139);
    assert_int_equal(slot("{"), 4092);
    /* binary keys: bytes after a NUL count */
    assert_int_not_equal(reco_slot_of("a\0b", 3), reco_slot_of("a\0c", 3));
}

static reco_route_t route(int *key, int argc, ...)
{
    const char *argv[16];
    size_t lens[16];
    va_list ap;
    va_start(ap, argc);
    for (int i = 0; i < argc; i++) {
        argv[i] = va_arg(ap, const char *);
        lens[i] = strlen(argv[i]);
    }
    va_end(ap);
    return reco_slot_route(argc, argv, lens, key);
}

static void test_routes(void **state)
{
    (void)state;
    int k;
    assert_int_equal(route(&k, 3, "HGET", "reco:{t}:item:1", "a"), RECO_ROUTE_KEY);
    assert_int_equal(k, 1);
    assert_int_equal(route(&k, 5, "EVALSHA", "abc", "2", "reco:{t}:events", "reco:{t}:ids"),
                     RECO_ROUTE_KEY);
    assert_int_equal(k, 3);
    assert_int_equal(route(&k, 4, "eval", "return 1", "0", "x"), RECO_ROUTE_ANY);
    assert_int_equal(route(&k, 6, "XREAD", "COUNT", "2", "STREAMS", "reco:{t}:events", "0"),
                     RECO_ROUTE_KEY);
    assert_int_equal(k, 4);
    assert_int_equal(route(&k, 3, "XINFO", "STREAM", "reco:{t}:events"), RECO_ROUTE_KEY);
    assert_int_equal(k, 2);
    assert_int_equal(route(&k, 6, "SCAN", "0", "MATCH", "reco:{t}:*", "COUNT", "100"),
                     RECO_ROUTE_KEY);
    assert_int_equal(k, 3);
    assert_int_equal(route(&k, 4, "SCAN", "0", "MATCH", "reco:*"), RECO_ROUTE_ANY);
    assert_int_equal(route(&k, 4, "SCAN", "0", "MATCH", "*{t}*"), RECO_ROUTE_ANY);
    assert_int_equal(route(&k, 4, "SCAN", "0", "MATCH", "reco:{t*}:x"), RECO_ROUTE_ANY);
    assert_int_equal(route(&k, 1, "PING"), RECO_ROUTE_ANY);
    assert_int_equal(route(&k, 1, "TIME"), RECO_ROUTE_ANY);
    assert_int_equal(route(&k, 2, "INFO", "cluster"), RECO_ROUTE_ANY);
    assert_int_equal(route(&k, 3, "SCRIPT", "LOAD", "return 1"), RECO_ROUTE_EVERY);
    assert_int_equal(route(&k, 3, "SCRIPT", "EXISTS", "abc"), RECO_ROUTE_ANY);
    assert_int_equal(route(&k, 1, "MULTI"), RECO_ROUTE_MULTI);
    assert_int_equal(route(&k, 1, "exec"), RECO_ROUTE_EXEC);
    assert_int_equal(route(&k, 1, "DISCARD"), RECO_ROUTE_EXEC);
    assert_int_equal(route(&k, 3, "BLPOP", "reco:train:queue", "1"), RECO_ROUTE_KEY);
    assert_int_equal(k, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc16),
        cmocka_unit_test(test_slots_known),
        cmocka_unit_test(test_hash_tags),
        cmocka_unit_test(test_routes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
