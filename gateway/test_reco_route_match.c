/* Unit tests of reco_route_match: templates with whole and partial parameters, literal segments
 * winning over parameters, trailing slashes and query strings, paths no template matches, the
 * dialect of a path; routes with methods and roles, every route a path matches and the segment
 * of its tenant; and the gateway's own route list with its roles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "reco_route_match.h"

#define MAX_SEEN 16

/* What reco_route_match_each visited, in order. */
typedef struct {
    size_t n;
    const reco_route_match_route_t *route[MAX_SEEN];
} seen_t;

static void collect(const reco_route_match_route_t *route, void *ctx)
{
    seen_t *s = ctx;
    assert_true(s->n < MAX_SEEN);
    s->route[s->n++] = route;
}

/* Every route matching the segments given (NULL-terminated), into s; returns the count. */
static size_t each(const reco_route_match_t *m, seen_t *s, const char *const *segments)
{
    int n = 0;
    while (segments[n])
        n++;
    memset(s, 0, sizeof *s);
    size_t got = reco_route_match_each(m, segments, n, collect, s);
    assert_int_equal(got, s->n);
    return got;
}

/* 1 if s holds the route method + template with role and tenant segment. */
static int seen_has(const seen_t *s, const char *method, const char *template_path,
                    reco_route_role_t role, int tenant_segment)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->route[i]->route.method, method) &&
            !strcmp(s->route[i]->route.path, template_path))
            return s->route[i]->route.role == role && s->route[i]->tenant_segment == tenant_segment;
    return 0;
}

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

static const reco_route_t SAMPLE_ROUTES[] = {
    {"GET", "/v1/{tenant}/recommend/{scenario}", RECO_ROUTE_READ},
    {"POST", "/v1/{tenant}/recommend/{scenario}", RECO_ROUTE_READ},
    {"POST", "/v1/{tenant}/recommend/bulk", RECO_ROUTE_READ},
    {"DELETE", "/v1/{tenant}/recommend/bulk", RECO_ROUTE_WRITE},
    {"GET", "/compat/x/{customerid}/{userid}/{scenarioid}.json", RECO_ROUTE_READ},
    {"GET", "/compat/x/api/{customer}/{item}", RECO_ROUTE_WRITE},
    {"GET", "/admin/tenants/{tenant}/keys/{id}", RECO_ROUTE_ADMIN},
    {"GET", "/healthz", RECO_ROUTE_PUBLIC},
    {"HEAD", "/healthz", RECO_ROUTE_PUBLIC},
    {"POST", "/compat/x/{tenant}/to/{customer}", RECO_ROUTE_WRITE},
};
#define SAMPLE_COUNT (sizeof SAMPLE_ROUTES / sizeof SAMPLE_ROUTES[0])

static reco_route_match_t *sample_matcher(void)
{
    reco_route_match_t *m = reco_route_match_new();
    assert_non_null(m);
    const int template_of[SAMPLE_COUNT] = {0, 0, 1, 1, 2, 3, 4, 5, 5, 6}; /* a template held once */
    for (size_t i = 0; i < SAMPLE_COUNT; i++)
        assert_int_equal(reco_route_match_add_route(m, &SAMPLE_ROUTES[i]), template_of[i]);
    assert_int_equal(reco_route_match_count(m), 7);
    return m;
}

static void test_route_add(void **state)
{
    (void)state;
    reco_route_match_t *m = sample_matcher();
    /* refused: no role, a role out of range, no method, a bad template */
    const reco_route_t bad[] = {
        {"GET", "/a", RECO_ROUTE_UNDECLARED},
        {"GET", "/a", (reco_route_role_t)(RECO_ROUTE_ADMIN + 1)},
        {NULL, "/a", RECO_ROUTE_READ},
        {"", "/a", RECO_ROUTE_READ},
        {"GET", "a", RECO_ROUTE_READ},
        {"GET", "/a/{open", RECO_ROUTE_READ},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(reco_route_match_add_route(m, &bad[i]), -1);
    assert_int_equal(reco_route_match_add_route(m, NULL), -1);
    assert_int_equal(reco_route_match_add_route(NULL, &SAMPLE_ROUTES[0]), -1);
    assert_int_equal(reco_route_match_count(m), 7);
    reco_route_match_destroy(&m);
    assert_null(m);
}

static void test_route_each(void **state)
{
    (void)state;
    reco_route_match_t *m = sample_matcher();
    /* several routes: every method of every matching template, in the order added */
    seen_t s;
    assert_int_equal(each(m, &s, (const char *const[]){"v1", "shop", "recommend", "bulk", NULL}),
                     4);
    assert_string_equal(s.route[0]->route.method, "GET");
    assert_string_equal(s.route[0]->route.path, "/v1/{tenant}/recommend/{scenario}");
    assert_string_equal(s.route[2]->route.path, "/v1/{tenant}/recommend/bulk");
    assert_int_equal(s.route[2]->template_index, 1);
    assert_true(seen_has(&s, "DELETE", "/v1/{tenant}/recommend/bulk", RECO_ROUTE_WRITE, 1));
    assert_true(seen_has(&s, "POST", "/v1/{tenant}/recommend/{scenario}", RECO_ROUTE_READ, 1));
    assert_int_equal(each(m, &s, (const char *const[]){"v1", "shop", "recommend", "home", NULL}),
                     2);
    assert_true(seen_has(&s, "GET", "/v1/{tenant}/recommend/{scenario}", RECO_ROUTE_READ, 1));

    /* the tenant's segment is the route's own: here 2 ({customerid}) and 3 ({customer}) */
    assert_int_equal(each(m, &s, (const char *const[]){"compat", "x", "api", "c1", "s.json", NULL}),
                     2);
    assert_true(seen_has(&s, "GET", "/compat/x/{customerid}/{userid}/{scenarioid}.json",
                         RECO_ROUTE_READ, 2));
    assert_true(seen_has(&s, "GET", "/compat/x/api/{customer}/{item}", RECO_ROUTE_WRITE, 3));
    assert_int_equal(each(m, &s, (const char *const[]){"compat", "x", "c1", "u", "s.json", NULL}),
                     1);
    assert_int_equal(each(m, &s, (const char *const[]){"admin", "tenants", "t", "keys", "k", NULL}),
                     1);
    assert_int_equal(s.route[0]->tenant_segment, 2);
    assert_int_equal(s.route[0]->route.role, RECO_ROUTE_ADMIN);
    /* with two tenant parameters the last counts; a route without one has -1 */
    assert_int_equal(each(m, &s, (const char *const[]){"compat", "x", "a", "to", "b", NULL}), 1);
    assert_true(seen_has(&s, "POST", "/compat/x/{tenant}/to/{customer}", RECO_ROUTE_WRITE, 4));
    assert_int_equal(each(m, &s, (const char *const[]){"healthz", NULL}), 2);
    assert_true(seen_has(&s, "HEAD", "/healthz", RECO_ROUTE_PUBLIC, -1));

    /* segments are compared byte for byte: nothing is decoded, a '/' inside is data */
    assert_int_equal(each(m, &s, (const char *const[]){"v%31", "shop", "recommend", "x", NULL}), 0);
    assert_int_equal(each(m, &s, (const char *const[]){"v1", "shop", "recommend", "a/b", NULL}), 2);
    /* no match: a segment count no template has, an empty parameter, a wrong suffix */
    assert_int_equal(each(m, &s, (const char *const[]){"v1", "shop", "recommend", NULL}), 0);
    assert_int_equal(each(m, &s, (const char *const[]){"v1", "shop", "recommend", "", NULL}), 0);
    assert_int_equal(each(m, &s, (const char *const[]){"compat", "x", "c", "u", "s.xml", NULL}), 0);
    assert_int_equal(each(m, &s, (const char *const[]){NULL}), 0);
    const char *deep[40];
    for (size_t i = 0; i < 40; i++)
        deep[i] = "a";
    assert_int_equal(reco_route_match_each(m, deep, 40, collect, &s), 0);
    assert_int_equal(reco_route_match_each(m, deep, -1, collect, &s), 0);
    assert_int_equal(reco_route_match_each(NULL, deep, 1, collect, &s), 0);
    /* visit may be NULL: the count alone */
    assert_int_equal(reco_route_match_each(m, (const char *const[]){"healthz"}, 1, NULL, NULL), 2);
    /* the metrics' view of the same matcher: one template, the most literal */
    assert_string_equal(find(m, "/v1/shop/recommend/bulk"), "/v1/{tenant}/recommend/bulk");
    reco_route_match_destroy(&m);
    assert_null(m);
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

typedef struct {
    const reco_route_match_t *m;
    size_t by_role[RECO_ROUTE_ADMIN + 1];
    size_t routes;
} counted_t;

static void check_served(const reco_route_t *route, void *ctx)
{
    counted_t *c = ctx;
    assert_true(route->role >= RECO_ROUTE_UNDECLARED && route->role <= RECO_ROUTE_ADMIN);
    c->by_role[route->role]++;
    c->routes++;
    char copy[256], *save = NULL;
    const char *segments[MAX_SEEN + 1];
    int n = 0;
    snprintf(copy, sizeof copy, "%s", route->path);
    for (char *p = strtok_r(copy, "/", &save); p && n < MAX_SEEN; p = strtok_r(NULL, "/", &save))
        segments[n++] = p;
    segments[n] = NULL;
    seen_t s;
    assert_true(each(c->m, &s, segments) >= 1);
    int found = 0;
    for (size_t i = 0; i < s.n; i++)
        found |= !strcmp(s.route[i]->route.method, route->method) &&
                 !strcmp(s.route[i]->route.path, route->path) &&
                 s.route[i]->route.role == route->role;
    if (!found) fail_msg("%s %s: not matched by its own template", route->method, route->path);
}

/* The roles the route tables declare, seen through the matcher as reco_auth sees them. */
static void test_served_roles(void **state)
{
    (void)state;
    reco_route_match_t *m = reco_route_match_new_served();
    assert_non_null(m);
    seen_t s;
    /* /metrics names tenants and their figures: admin, declared with the route */
    assert_int_equal(each(m, &s, (const char *const[]){"metrics", NULL}), 1);
    assert_true(seen_has(&s, "GET", "/metrics", RECO_ROUTE_ADMIN, -1));
    assert_int_equal(each(m, &s, (const char *const[]){"healthz", NULL}), 1);
    assert_true(seen_has(&s, "GET", "/healthz", RECO_ROUTE_PUBLIC, -1));
    assert_int_equal(each(m, &s, (const char *const[]){"dashboard", "app.js", NULL}), 2);
    assert_true(seen_has(&s, "HEAD", "/dashboard/{file}", RECO_ROUTE_PUBLIC, -1));
    /* bulk is read, and so are the {scenario} routes it also matches */
    assert_int_equal(each(m, &s, (const char *const[]){"v1", "shop", "recommend", "bulk", NULL}),
                     3);
    assert_true(seen_has(&s, "POST", "/v1/{tenant}/recommend/bulk", RECO_ROUTE_READ, 1));
    assert_true(seen_has(&s, "GET", "/v1/{tenant}/recommend/{scenario}", RECO_ROUTE_READ, 1));
    assert_true(seen_has(&s, "POST", "/v1/{tenant}/recommend/{scenario}", RECO_ROUTE_READ, 1));
    assert_int_equal(each(m, &s, (const char *const[]){"v1", "shop", "events", NULL}), 2);
    assert_true(seen_has(&s, "POST", "/v1/{tenant}/events", RECO_ROUTE_WRITE, 1));
    assert_true(seen_has(&s, "DELETE", "/v1/{tenant}/events", RECO_ROUTE_WRITE, 1));
    assert_int_equal(each(m, &s, (const char *const[]){"admin", "tenants", "shop", NULL}), 3);
    assert_true(seen_has(&s, "PATCH", "/admin/tenants/{tenant}", RECO_ROUTE_ADMIN, 2));
    assert_int_equal(
        each(m, &s,
             (const char *const[]){"compat", "tastehit", "api", "shop", "v1", "w", "r", NULL}),
        1);
    assert_true(
        seen_has(&s, "GET", "/compat/tastehit/api/{customer}/v1/{widget}/r", RECO_ROUTE_READ, 3));
    assert_int_equal(each(m, &s,
                          (const char *const[]){"compat", "yoochoose", "api", "v2", "shop", "u",
                                                "home.jsonp", NULL}),
                     1);
    assert_true(seen_has(&s, "GET",
                         "/compat/yoochoose/api/v2/{customerid}/{userid}/{scenarioid}.jsonp",
                         RECO_ROUTE_READ, 4));
    /* one path, two routes with their tenant in different segments and different roles */
    assert_int_equal(each(m, &s,
                          (const char *const[]){"compat", "yoochoose", "api", "v2", "login", "u",
                                                "t.json", NULL}),
                     3);
    assert_true(seen_has(&s, "GET",
                         "/compat/yoochoose/api/v2/{customerid}/{userid}/{scenarioid}.json",
                         RECO_ROUTE_READ, 4));
    assert_true(seen_has(&s, "GET",
                         "/compat/yoochoose/api/{customerid}/login/{sourceuserid}/{targetuserid}",
                         RECO_ROUTE_WRITE, 3));
    /* every route declares a role and is found, with it, by its own template taken as a path;
     * the read routes are the 18 recommendation routes of docs/auth.md */
    counted_t c = {m, {0}, 0};
    reco_routes_each(check_served, &c);
    assert_true(c.routes > 60);
    assert_int_equal(c.by_role[RECO_ROUTE_UNDECLARED], 0);
    assert_int_equal(c.by_role[RECO_ROUTE_READ], 18);
    assert_int_equal(c.by_role[RECO_ROUTE_ADMIN], 9); /* the admin API's 8 routes and /metrics */
    assert_int_equal(c.by_role[RECO_ROUTE_PUBLIC], 6);
    reco_route_match_destroy(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_templates),     cmocka_unit_test(test_route_add),
        cmocka_unit_test(test_route_each),    cmocka_unit_test(test_dialects),
        cmocka_unit_test(test_served_routes), cmocka_unit_test(test_served_roles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
