/* Unit tests of reco_route_match: templates with whole and partial parameters, literal segments
 * winning over parameters, trailing slashes and query strings, paths no template matches, the
 * dialect of a path, and the gateway's own route list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "reco_route_match.h"

static const char *find(const reco_route_match_t *m, const char *path)
{
    return reco_route_match_template(m, reco_route_match_find(m, path));
}

static void test_templates(void **state)
{
    (void)state;
    reco_route_match_t *m = reco_route_match_new();
    assert_non_null(m);
    assert_int_equal(reco_route_match_add(m, "/v1/{tenant}/recommend/{scenario}"), 0);
    assert_int_equal(reco_route_match_add(m, "/v1/{tenant}/recommend/bulk"), 1);
    assert_int_equal(reco_route_match_add(m, "/v1/{tenant}/items/{item}"), 2);
    assert_int_equal(reco_route_match_add(m, "/compat/x/{customer}/{scenarioid}.json"), 3);
    assert_int_equal(reco_route_match_add(m, "/healthz"), 4);
    assert_int_equal(reco_route_match_add(m, "/"), 5);
    assert_int_equal(reco_route_match_add(m, "/healthz"), 4); /* held once */
    assert_int_equal(reco_route_match_add(m, "no-slash"), -1);
    assert_int_equal(reco_route_match_add(m, "/a/{open"), -1);
    assert_int_equal(reco_route_match_add(m, "/a/close}"), -1);
    assert_int_equal(reco_route_match_count(m), 6);

    assert_string_equal(find(m, "/v1/shop/recommend/home"), "/v1/{tenant}/recommend/{scenario}");
    /* the literal segment wins, whatever the order the templates were added in */
    assert_string_equal(find(m, "/v1/shop/recommend/bulk"), "/v1/{tenant}/recommend/bulk");
    assert_string_equal(find(m, "/v1/shop/items/a%2Fb"), "/v1/{tenant}/items/{item}");
    assert_string_equal(find(m, "/v1/shop/items/x/"),
                        "/v1/{tenant}/items/{item}"); /* trailing slash */
    assert_string_equal(find(m, "/v1/shop/items/x?limit=3"), "/v1/{tenant}/items/{item}");
    assert_string_equal(find(m, "/compat/x/c1/home.json"),
                        "/compat/x/{customer}/{scenarioid}.json");
    assert_string_equal(find(m, "/healthz"), "/healthz");
    assert_string_equal(find(m, "/"), "/");

    /* unmatched: other */
    assert_int_equal(reco_route_match_find(m, "/compat/x/c1/.json"), -1); /* empty parameter */
    assert_int_equal(reco_route_match_find(m, "/compat/x/c1/home.xml"), -1);
    assert_int_equal(reco_route_match_find(m, "/v1/shop/items"), -1);
    assert_int_equal(reco_route_match_find(m, "/v1/shop/items/x/y"), -1);
    assert_int_equal(reco_route_match_find(m, "/nope"), -1);
    assert_int_equal(reco_route_match_find(m, "relative"), -1);
    assert_int_equal(reco_route_match_find(m, ""), -1);
    assert_int_equal(reco_route_match_find(m, NULL), -1);
    assert_int_equal(reco_route_match_find(m, "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r"),
                     -1); /* too deep */
    char long_path[4000];
    memset(long_path, 'a', sizeof long_path - 1);
    long_path[0] = '/';
    long_path[sizeof long_path - 1] = '\0';
    assert_int_equal(reco_route_match_find(m, long_path), -1);
    assert_string_equal(reco_route_match_template(m, -1), "other");
    assert_string_equal(reco_route_match_template(m, 99), "other");
    reco_route_match_destroy(&m);
    assert_null(m);
    reco_route_match_destroy(&m); /* safe on NULL */
}

static void test_dialects(void **state)
{
    (void)state;
    assert_string_equal(reco_dialect_name(reco_route_dialect("/v1/shop/events")), "native");
    assert_string_equal(reco_dialect_name(reco_route_dialect("/v1")), "native");
    assert_string_equal(reco_dialect_name(reco_route_dialect("/v10/x")), "other");
    assert_string_equal(reco_dialect_name(reco_route_dialect("/compat/aegeria/shop/x")), "aegeria");
    assert_string_equal(reco_dialect_name(reco_route_dialect("/compat/advisable/x")), "advisable");
    assert_string_equal(reco_dialect_name(reco_route_dialect("/compat/tastehit/x")), "tastehit");
    assert_string_equal(reco_dialect_name(reco_route_dialect("/compat/gravity/x")), "gravity");
    assert_string_equal(reco_dialect_name(reco_route_dialect("/compat/yoochoose?x=1")),
                        "yoochoose");
    assert_string_equal(reco_dialect_name(reco_route_dialect("/compat/yoochoosey/x")), "other");
    assert_string_equal(reco_dialect_name(reco_route_dialect("/compat")), "other");
    assert_string_equal(reco_dialect_name(reco_route_dialect("/admin/tenants")), "admin");
    assert_string_equal(reco_dialect_name(reco_route_dialect("/metrics")), "other");
    assert_string_equal(reco_dialect_name(reco_route_dialect(NULL)), "other");
    assert_string_equal(reco_dialect_name(RECO_DIALECT_COUNT), "other");
}

static void test_served_routes(void **state)
{
    (void)state;
    reco_route_match_t *m = reco_route_match_new_served();
    assert_non_null(m);
    assert_true(reco_route_match_count(m) > 20);
    assert_string_equal(find(m, "/metrics"), "/metrics");
    assert_string_equal(find(m, "/v1/shop/status"), "/v1/{tenant}/status");
    assert_string_equal(find(m, "/v1/shop/events"), "/v1/{tenant}/events");
    assert_string_equal(find(m, "/v1/shop/recommend/bulk"), "/v1/{tenant}/recommend/bulk");
    assert_string_equal(find(m, "/v1/shop/recommend/home"), "/v1/{tenant}/recommend/{scenario}");
    assert_string_equal(find(m, "/v1/shop/users/u1/transfer/u2"),
                        "/v1/{tenant}/users/{from}/transfer/{to}");
    assert_int_equal(reco_route_match_find(m, "/v1/shop/nothing-here"), -1);
    /* every template matches itself (its parameters taken as values) */
    for (size_t i = 0; i < reco_route_match_count(m); i++) {
        const char *t = reco_route_match_template(m, (int)i);
        int got = reco_route_match_find(m, t);
        assert_true(got >= 0);
        /* a template may only lose to one with more literal segments */
        if ((size_t)got != i) assert_string_not_equal(reco_route_match_template(m, got), t);
    }
    reco_route_match_destroy(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_templates),
        cmocka_unit_test(test_dialects),
        cmocka_unit_test(test_served_routes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
