/* Unit tests of reco_apikey: key format and roles, uniqueness, the hash (SHA-256 test vectors),
 * the shown prefix, constant-time equality and key ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "reco_apikey.h"

static void test_roles(void **state)
{
    (void)state;
    assert_int_equal(reco_role_parse("read"), RECO_ROLE_READ);
    assert_int_equal(reco_role_parse("write"), RECO_ROLE_WRITE);
    assert_int_equal(reco_role_parse("admin"), RECO_ROLE_NONE);
    assert_int_equal(reco_role_parse("Read"), RECO_ROLE_NONE);
    assert_int_equal(reco_role_parse(""), RECO_ROLE_NONE);
    assert_int_equal(reco_role_parse(NULL), RECO_ROLE_NONE);
    assert_string_equal(reco_role_name(RECO_ROLE_READ), "read");
    assert_string_equal(reco_role_name(RECO_ROLE_WRITE), "write");
}

static void test_generate_format(void **state)
{
    (void)state;
    char key[RECO_APIKEY_MAX], id[RECO_APIKEY_ID_HEX + 1];
    assert_int_equal(reco_apikey_generate(RECO_ROLE_READ, key, id), 0);
    assert_int_equal(strncmp(key, "rk_read_", 8), 0);
    assert_int_equal(strlen(key), 8 + RECO_APIKEY_RANDOM_HEX);
    assert_int_equal(reco_apikey_role(key, strlen(key)), RECO_ROLE_READ);
    assert_true(reco_apikey_valid_id(id));

    assert_int_equal(reco_apikey_generate(RECO_ROLE_WRITE, key, id), 0);
    assert_int_equal(strncmp(key, "rk_write_", 9), 0);
    assert_int_equal(strlen(key), 9 + RECO_APIKEY_RANDOM_HEX);
    assert_int_equal(reco_apikey_role(key, strlen(key)), RECO_ROLE_WRITE);

    assert_int_equal(reco_apikey_generate(RECO_ROLE_NONE, key, id), -1);
}

static void test_generate_unique(void **state)
{
    (void)state;
    char a[RECO_APIKEY_MAX], b[RECO_APIKEY_MAX], ia[RECO_APIKEY_ID_HEX + 1],
        ib[RECO_APIKEY_ID_HEX + 1];
    for (int i = 0; i < 100; i++) {
        assert_int_equal(reco_apikey_generate(RECO_ROLE_READ, a, ia), 0);
        assert_int_equal(reco_apikey_generate(RECO_ROLE_READ, b, ib), 0);
        assert_string_not_equal(a, b);
        assert_string_not_equal(ia, ib);
    }
}

static void test_role_of_malformed_keys(void **state)
{
    (void)state;
    char key[RECO_APIKEY_MAX], id[RECO_APIKEY_ID_HEX + 1];
    assert_int_equal(reco_apikey_generate(RECO_ROLE_READ, key, id), 0);
    size_t len = strlen(key);
    assert_int_equal(reco_apikey_role(key, len - 1), RECO_ROLE_NONE); /* too short */
    char longer[RECO_APIKEY_MAX + 1];
    snprintf(longer, sizeof longer, "%s0", key);
    assert_int_equal(reco_apikey_role(longer, len + 1), RECO_ROLE_NONE); /* too long */
    key[20] = 'G';
    assert_int_equal(reco_apikey_role(key, len), RECO_ROLE_NONE); /* not hex */
    key[20] = 'A';
    assert_int_equal(reco_apikey_role(key, len), RECO_ROLE_NONE); /* upper case */
    assert_int_equal(reco_apikey_role("rk_admin_00", 11), RECO_ROLE_NONE);
    assert_int_equal(reco_apikey_role("", 0), RECO_ROLE_NONE);
    assert_int_equal(reco_apikey_role(NULL, 0), RECO_ROLE_NONE);
}

static void test_hash_vectors(void **state)
{
    (void)state;
    char out[RECO_APIKEY_HASH_HEX + 1];
    reco_apikey_hash("", 0, out);
    assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    reco_apikey_hash("abc", 3, out);
    assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_shown_prefix(void **state)
{
    (void)state;
    char key[RECO_APIKEY_MAX], id[RECO_APIKEY_ID_HEX + 1], shown[32];
    assert_int_equal(reco_apikey_generate(RECO_ROLE_WRITE, key, id), 0);
    reco_apikey_shown(key, shown, sizeof shown);
    assert_int_equal(strlen(shown), 9 + RECO_APIKEY_SHOWN);
    assert_int_equal(strncmp(shown, key, strlen(shown)), 0);
    reco_apikey_shown("nonsense", shown, sizeof shown);
    assert_string_equal(shown, "?");
}

static void test_equal(void **state)
{
    (void)state;
    assert_true(reco_apikey_equal("secret-admin", 12, "secret-admin", 12));
    assert_false(reco_apikey_equal("secret-admin", 12, "secret-admiN", 12));
    assert_false(reco_apikey_equal("secret-admin", 12, "secret-admin2", 13));
    assert_false(reco_apikey_equal("secret-admin", 12, "", 0));
    assert_true(reco_apikey_equal("", 0, "", 0));
}

static void test_valid_id(void **state)
{
    (void)state;
    assert_true(reco_apikey_valid_id("0123456789abcdef"));
    assert_false(reco_apikey_valid_id("0123456789abcde"));
    assert_false(reco_apikey_valid_id("0123456789abcdef0"));
    assert_false(reco_apikey_valid_id("0123456789abcdeF"));
    assert_false(reco_apikey_valid_id("../../etc/passwd"));
    assert_false(reco_apikey_valid_id(NULL));
}

static int parse_rate(const char *text, double *r, long *b, reco_error_t *err)
{
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
    assert_non_null(v);
    int rc = reco_rate_limit_parse(v, "rate_limit", r, b, err);
    json_decref(v);
    return rc;
}

static void test_rate_limit_parse(void **state)
{
    (void)state;
    double r = -1;
    long b = -1;
    reco_error_t err;
    assert_int_equal(parse_rate("{\"per_second\": 5, \"burst\": 20}", &r, &b, &err), 0);
    assert_true(r == 5.0);
    assert_int_equal(b, 20);
    assert_int_equal(parse_rate("{\"per_second\": 2.5}", &r, &b, &err), 0); /* burst: rounded up */
    assert_true(r == 2.5);
    assert_int_equal(b, 3);
    assert_int_equal(parse_rate("{\"per_second\": 0}", &r, &b, &err), 0); /* unlimited */
    assert_int_equal(b, 1);
    assert_int_equal(parse_rate("{\"per_second\": 0.1}", &r, &b, &err), 0);
    assert_int_equal(b, 1);

    assert_int_equal(parse_rate("{\"burst\": 3}", &r, &b, &err), -1);
    assert_string_equal(err.code, "missing_field");
    assert_non_null(strstr(err.message, "rate_limit.per_second"));
    assert_int_equal(parse_rate("{\"per_second\": -1}", &r, &b, &err), -1);
    assert_non_null(strstr(err.message, "rate_limit.per_second"));
    assert_int_equal(parse_rate("{\"per_second\": \"5\"}", &r, &b, &err), -1);
    assert_int_equal(parse_rate("{\"per_second\": 1e9}", &r, &b, &err), -1);
    assert_int_equal(parse_rate("{\"per_second\": 1, \"burst\": 0}", &r, &b, &err), -1);
    assert_non_null(strstr(err.message, "rate_limit.burst"));
    assert_int_equal(parse_rate("{\"per_second\": 1, \"burst\": 1.5}", &r, &b, &err), -1);
    assert_int_equal(parse_rate("{\"per_second\": 1, \"colour\": 1}", &r, &b, &err), -1);
    assert_non_null(strstr(err.message, "rate_limit.colour"));
    assert_int_equal(parse_rate("[1]", &r, &b, &err), -1);
    assert_int_equal(err.status, 400);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_generate_format),
        cmocka_unit_test(test_generate_unique),
        cmocka_unit_test(test_role_of_malformed_keys),
        cmocka_unit_test(test_hash_vectors),
        cmocka_unit_test(test_shown_prefix),
        cmocka_unit_test(test_equal),
        cmocka_unit_test(test_valid_id),
        cmocka_unit_test(test_rate_limit_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
