/* Unit tests of reco_http_cache: JSONP callback names, the Expires clamp, and reading the
 * callback and If-Modified-Since of a request (no network: requests made in memory). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/queue.h>

#include <cmocka.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "reco_http_cache.h"

static void test_callback_names(void **state)
{
    (void)state;
    char longest[RECO_JSONP_CALLBACK_MAX + 2];
    memset(longest, 'x', sizeof longest);
    longest[RECO_JSONP_CALLBACK_MAX] = '\0';
    const char *valid[] = {"cb", "jQuery3_1.handlers.$reco_2", "$", "_a.$b", "A.b.C", longest};
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++)
        if (!reco_jsonp_name_valid(valid[i])) fail_msg("'%s' should be valid", valid[i]);
    longest[RECO_JSONP_CALLBACK_MAX] = 'x';
    longest[RECO_JSONP_CALLBACK_MAX + 1] = '\0';
    const char *invalid[] = {"", "1a", "a..b", ".a", "a.", "a-b", "alert(1)", "a b", "a.1b", "<script>", "é", longest};
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
        if (reco_jsonp_name_valid(invalid[i])) fail_msg("'%s' should be refused", invalid[i]);
}

static void test_expires_clamp(void **state)
{
    (void)state;
    const int64_t now = 1800000000000, hour = 3600000;
    assert_int_equal(reco_cache_expires_ms(now - hour, 3 * hour, now), now + 2 * hour);   /* inside */
    assert_int_equal(reco_cache_expires_ms(now - 72 * hour, hour, now), now + RECO_CACHE_MIN_MS); /* overdue */
    assert_int_equal(reco_cache_expires_ms(now, 7 * 24 * hour, now), now + RECO_CACHE_MAX_MS);    /* weekly */
    assert_int_equal(reco_cache_expires_ms(now - 60000, 6 * 60000, now), now + RECO_CACHE_MIN_MS); /* 5 min left */
}

/* Parses a request carrying the given query parameter (may be NULL) and If-Modified-Since. */
static int parse(const char *name, const char *value, const char *since, reco_http_cache_t *out, int personal)
{
    struct evhttp_request *req = evhttp_request_new(NULL, NULL);
    assert_non_null(req);
    reco_path_t path;
    memset(&path, 0, sizeof path);
    TAILQ_INIT(&path.query);
    if (name) evhttp_add_header(&path.query, name, value);
    if (since) evhttp_add_header(evhttp_request_get_input_headers(req), "If-Modified-Since", since);
    int rc = reco_http_cache_parse(req, &path, personal, out);
    if (rc == 0) evhttp_request_free(req); /* after a 400, libevent freed it (no connection) */
    evhttp_clear_headers(&path.query);
    return rc;
}

static void test_parse(void **state)
{
    (void)state;
    reco_http_cache_t c;
    assert_int_equal(parse(NULL, NULL, NULL, &c, 0), 0);
    assert_string_equal(c.callback, "");
    assert_int_equal(c.if_modified_since, -1);
    assert_int_equal(c.personal, 0);
    assert_int_equal(parse("callback", "jQuery.cb", NULL, &c, 1), 0);
    assert_string_equal(c.callback, "jQuery.cb");
    assert_int_equal(c.personal, 1);
    assert_int_equal(parse("jsonpCallback", "yc_1", NULL, &c, 0), 0);
    assert_string_equal(c.callback, "yc_1");
    assert_int_equal(parse("callback", "a(b)", NULL, &c, 0), -1);
    assert_int_equal(parse("jsonpCallback", "", NULL, &c, 0), -1);
    /* the three HTTP-date forms of RFC 9110 name the same second; anything else is ignored */
    const char *dates[] = {"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(parse(NULL, NULL, dates[i], &c, 0), 0);
        assert_int_equal(c.if_modified_since, 784111777);
    }
    assert_int_equal(parse(NULL, NULL, "yesterday", &c, 0), 0);
    assert_int_equal(c.if_modified_since, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_callback_names),
        cmocka_unit_test(test_expires_clamp),
        cmocka_unit_test(test_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
