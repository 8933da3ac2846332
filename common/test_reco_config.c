/* Unit tests of reco_config: defaults < environment < flags, range checks, and parse helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "reco_config.h"

static void precedence_and_ranges(void **state)
{
    (void)state;
    const char *redis = "127.0.0.1:6379";
    long port = 8080;
    int once = 0;
    const reco_option_t table[] = {
        {"redis", "TEST_RECO_REDIS", RECO_OPT_STRING, &redis, 0, 0, "redis"},
        {"port", "TEST_RECO_PORT", RECO_OPT_INT, &port, 1, 65535, "port"},
        {"once", "TEST_RECO_ONCE", RECO_OPT_FLAG, &once, 0, 0, "once"},
    };
    setenv("TEST_RECO_REDIS", "10.0.0.1:1", 1);
    setenv("TEST_RECO_PORT", "9000", 1);
    char *argv1[] = {"prog", "--port=9100", "--once", NULL};
    assert_int_equal(reco_config_parse(3, argv1, table, 3, "prog", "about"), RECO_CONFIG_OK);
    assert_string_equal(redis, "10.0.0.1:1");
    assert_int_equal(port, 9100);
    assert_int_equal(once, 1);

    char *argv2[] = {"prog", "--port", "70000", NULL};
    assert_int_equal(reco_config_parse(3, argv2, table, 3, "prog", "about"), RECO_CONFIG_ERROR);
    char *argv3[] = {"prog", "--nope", NULL};
    assert_int_equal(reco_config_parse(2, argv3, table, 3, "prog", "about"), RECO_CONFIG_ERROR);
    char *argv4[] = {"prog", "--redis", NULL};
    assert_int_equal(reco_config_parse(2, argv4, table, 3, "prog", "about"), RECO_CONFIG_ERROR);
    setenv("TEST_RECO_PORT", "12x", 1);
    char *argv5[] = {"prog", NULL};
    assert_int_equal(reco_config_parse(1, argv5, table, 3, "prog", "about"), RECO_CONFIG_ERROR);
    unsetenv("TEST_RECO_PORT");
    unsetenv("TEST_RECO_REDIS");
}

static void helpers(void **state)
{
    (void)state;
    long v = 0;
    assert_int_equal(reco_parse_long("42", 0, 100, &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(reco_parse_long("4 2", 0, 100, &v), -1);
    assert_int_equal(reco_parse_long("", 0, 100, &v), -1);
    assert_int_equal(reco_parse_long("101", 0, 100, &v), -1);
    char host[64];
    int port = 0;
    assert_int_equal(reco_config_split_hostport("redis.local:6380", host, sizeof host, &port), 0);
    assert_string_equal(host, "redis.local");
    assert_int_equal(port, 6380);
    assert_int_equal(reco_config_split_hostport("noport", host, sizeof host, &port), -1);
    assert_int_equal(reco_config_split_hostport(":1", host, sizeof host, &port), -1);
    assert_int_equal(reco_config_split_hostport("h:0", host, sizeof host, &port), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(precedence_and_ranges), cmocka_unit_test(helpers)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
