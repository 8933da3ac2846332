/* Unit tests of reco_scenario: canonical scenarios (defaults filled, a canonical scenario passes
 * unchanged), every refused field named in the message, and canonical scenario requests
 * (aliases, integer ids, repeats dropped, session as the user, limits). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "reco_scenario.h"

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    assert_non_null(doc);
    return doc;
}

/* normalize(text) must equal want (JSON text). */
static void assert_scenario(const char *text, const char *want)
{
    reco_error_t err;
    json_t *in = parse(text), *expected = parse(want);
    json_t *out = reco_scenario_normalize(in, &err);
    if (!out) fail_msg("refused %s: %s", text, err.message);
    if (!json_equal(out, expected)) {
        char *got = json_dumps(out, JSON_SORT_KEYS);
        fail_msg("%s -> %s, want %s", text, got, want);
    }
    json_t *again = reco_scenario_normalize(out, &err); /* canonical passes unchanged */
    assert_non_null(again);
    assert_true(json_equal(again, out));
    json_decref(again), json_decref(out), json_decref(in), json_decref(expected);
}

/* normalize(text) must fail with status 400 and a message starting with field. */
static void assert_refused(json_t *(*fn)(const json_t *, reco_error_t *), const char *text,
                           const char *field)
{
    reco_error_t err;
    json_t *in = parse(text);
    json_t *out = fn(in, &err);
    if (out) fail_msg("accepted %s", text);
    assert_int_equal(err.status, 400);
    if (strncmp(err.message, field, strlen(field)) != 0)
        fail_msg("%s: message '%s' does not start with '%s'", text, err.message, field);
    json_decref(in);
}

static void test_scenario_defaults(void **state)
{
    (void)state;
    assert_scenario("{\"model\":\"popular\"}",
                    "{\"model\":\"popular\",\"limit\":10,\"filters\":[],\"fallbacks\":[],"
                    "\"exclude\":{\"context\":true,\"purchased\":true}}");
    assert_scenario("{\"id\":\"x\",\"model\":\"for-user\",\"limit\":50,\"fallbacks\":"
                    "[\"item-to-item\",\"popular-category\",\"popular\"],\"exclude\":{\"context\":"
                    "false,\"seen\":false},\"filters\":[{\"price\":{\"max\":10}}],"
                    "\"description\":\"home page\"}",
                    "{\"model\":\"for-user\",\"limit\":50,\"fallbacks\":[\"item-to-item\","
                    "\"popular-category\",\"popular\"],\"exclude\":{\"context\":false,"
                    "\"purchased\":true,\"seen\":false},\"filters\":[{\"price\":{\"max\":10}}],"
                    "\"description\":\"home page\"}");
}

static void test_scenario_refusals(void **state)
{
    (void)state;
    json_t *(*fn)(const json_t *, reco_error_t *) = reco_scenario_normalize;
    assert_refused(fn, "[]", "body");
    assert_refused(fn, "{}", "model");
    assert_refused(fn, "{\"model\":\"nope\"}", "model");
    assert_refused(fn, "{\"model\":\"popular\",\"limt\":3}", "limt");
    assert_refused(fn, "{\"model\":\"popular\",\"limit\":0}", "limit");
    assert_refused(fn, "{\"model\":\"popular\",\"limit\":51}", "limit");
    assert_refused(fn, "{\"model\":\"popular\",\"limit\":\"5\"}", "limit");
    assert_refused(fn, "{\"model\":\"popular\",\"fallbacks\":\"trending\"}", "fallbacks");
    assert_refused(fn, "{\"model\":\"popular\",\"fallbacks\":[\"trending\",\"x\"]}", "fallbacks[1]");
    assert_refused(fn, "{\"model\":\"popular\",\"fallbacks\":[\"popular\"]}", "fallbacks[0]");
    assert_refused(fn, "{\"model\":\"for-user\",\"fallbacks\":[\"trending\",\"trending\"]}",
                   "fallbacks[1]");
    assert_refused(fn,
                   "{\"model\":\"popular\",\"fallbacks\":[\"trending\",\"content\",\"for-user\","
                   "\"item-to-item\",\"also-viewed\",\"also-bought\"]}",
                   "fallbacks");
    assert_refused(fn, "{\"model\":\"popular\",\"filters\":{}}", "filters");
    assert_refused(fn, "{\"model\":\"popular\",\"filters\":[3]}", "filters[0]");
    assert_refused(fn, "{\"model\":\"popular\",\"exclude\":[]}", "exclude");
    assert_refused(fn, "{\"model\":\"popular\",\"exclude\":{\"context\":1}}", "exclude.context");
    assert_refused(fn, "{\"model\":\"popular\",\"exclude\":{\"hidden\":false}}", "hidden");
    assert_refused(fn, "{\"model\":\"popular\",\"description\":7}", "description");
}

static void test_scenario_ids(void **state)
{
    (void)state;
    assert_true(reco_valid_scenario_id("home_page-2"));
    assert_false(reco_valid_scenario_id(""));
    assert_false(reco_valid_scenario_id(NULL));
    assert_false(reco_valid_scenario_id("bulk"));
    assert_false(reco_valid_scenario_id("a/b"));
    assert_false(reco_valid_scenario_id("a b"));
    char long_id[RECO_SCENARIO_ID_MAX + 2];
    memset(long_id, 'a', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    assert_false(reco_valid_scenario_id(long_id));
    long_id[RECO_SCENARIO_ID_MAX] = '\0';
    assert_true(reco_valid_scenario_id(long_id));
}

static void assert_request(const char *text, const char *want)
{
    reco_error_t err;
    json_t *in = parse(text), *expected = parse(want);
    json_t *out = reco_scenario_request_normalize(in, &err);
    if (!out) fail_msg("refused %s: %s", text, err.message);
    if (!json_equal(out, expected)) {
        char *got = json_dumps(out, JSON_SORT_KEYS);
        fail_msg("%s -> %s, want %s", text, got, want);
    }
    json_decref(out), json_decref(in), json_decref(expected);
}

static void test_requests(void **state)
{
    (void)state;
    assert_request("{\"scenario\":\"s\"}", "{\"scenario\":\"s\",\"items\":[],\"categories\":[]}");
    assert_request("{\"scenario\":\"s\",\"user\":42,\"items\":[\"a\",7,\"a\"],\"item\":\"b\","
                   "\"category\":\"Outdoor/Tents\",\"categories\":[\"Shoes\"],\"limit\":5}",
                   "{\"scenario\":\"s\",\"user\":\"42\",\"items\":[\"a\",\"7\",\"b\"],"
                   "\"categories\":[\"Shoes\",\"Outdoor/Tents\"],\"limit\":5}");
    assert_request("{\"scenario\":\"s\",\"cookie\":\"c1\"}",
                   "{\"scenario\":\"s\",\"user\":\"c1\",\"items\":[],\"categories\":[]}");
    assert_request("{\"scenario\":\"s\",\"session\":\"c1\",\"user\":\"u\"}",
                   "{\"scenario\":\"s\",\"user\":\"u\",\"items\":[],\"categories\":[]}");
    assert_request("{\"scenario\":\"s\",\"pscore\":12.5}",
                   "{\"scenario\":\"s\",\"items\":[],\"categories\":[],\"pscore\":12.5}");
    json_t *(*fn)(const json_t *, reco_error_t *) = reco_scenario_request_normalize;
    assert_refused(fn, "{\"scenario\":\"s\",\"pscore\":\"12\"}", "pscore");
    assert_refused(fn, "{}", "scenario");
    assert_refused(fn, "{\"scenario\":\"bulk\"}", "scenario");
    assert_refused(fn, "{\"scenario\":\"s\",\"limit\":0}", "limit");
    assert_refused(fn, "{\"scenario\":\"s\",\"limit\":51}", "limit");
    assert_refused(fn, "{\"scenario\":\"s\",\"user\":\"\"}", "user");
    assert_refused(fn, "{\"scenario\":\"s\",\"session\":[1]}", "session");
    assert_refused(fn, "{\"scenario\":\"s\",\"items\":[\"ok\",{}]}", "items");
    assert_refused(fn, "{\"scenario\":\"s\",\"category\":\"a//b\"}", "category");
    assert_refused(fn, "{\"scenario\":\"s\",\"categories\":[\"/a\"]}", "categories");
    assert_refused(fn, "{\"scenario\":\"s\",\"filters\":[{\"price\":{\"min\":\"x\"}}]}",
                   "filters[0]");
    assert_refused(fn, "{\"scenario\":\"s\",\"model\":\"popular\"}", "model");
    char many[400] = "{\"scenario\":\"s\",\"items\":[";
    for (int i = 0; i <= RECO_SCENARIO_CONTEXT_MAX; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%s%d", i ? "," : "", i);
    strcat(many, "]}");
    assert_refused(fn, many, "items");
}

/* Variants: canonical overrides, every refusal named under variants[i], and the pick: the
 * split group names a variant, else a user always gets the same one, overrides applied. */
static void test_variants(void **state)
{
    (void)state;
    assert_scenario("{\"model\":\"popular\",\"variants\":[{\"name\":\"A\",\"weight\":1},"
                    "{\"name\":\"B\",\"weight\":3,\"model\":\"trending\",\"exclude\":{}}]}",
                    "{\"model\":\"popular\",\"limit\":10,\"filters\":[],\"fallbacks\":[],"
                    "\"exclude\":{\"context\":true,\"purchased\":true},\"variants\":[{\"name\":"
                    "\"A\",\"weight\":1},{\"name\":\"B\",\"weight\":3,\"model\":\"trending\","
                    "\"exclude\":{\"context\":true,\"purchased\":true}}]}");
    assert_scenario("{\"model\":\"popular\",\"variants\":[]}",
                    "{\"model\":\"popular\",\"limit\":10,\"filters\":[],\"fallbacks\":[],"
                    "\"exclude\":{\"context\":true,\"purchased\":true}}");
    const char *v = "{\"model\":\"popular\",\"fallbacks\":[\"trending\"],\"variants\":";
    char text[512];
    const struct {
        const char *variants, *field;
    } refused[] = {
        {"{}", "variants:"},
        {"[1]", "variants[0]:"},
        {"[{\"weight\":1}]", "variants[0].name"},
        {"[{\"name\":\"a b\",\"weight\":1}]", "variants[0].name"},
        {"[{\"name\":\"A\",\"weight\":1},{\"name\":\"A\",\"weight\":1}]", "variants[1].name"},
        {"[{\"name\":\"A\"}]", "variants[0].weight"},
        {"[{\"name\":\"A\",\"weight\":0}]", "variants[0].weight"},
        {"[{\"name\":\"A\",\"weight\":1.5}]", "variants[0].weight"},
        {"[{\"name\":\"A\",\"weight\":1,\"model\":\"nope\"}]", "variants[0].model"},
        {"[{\"name\":\"A\",\"weight\":1,\"model\":\"trending\"}]", "variants[0].fallbacks[0]"},
        {"[{\"name\":\"A\",\"weight\":1,\"limit\":0}]", "variants[0].limit"},
        {"[{\"name\":\"A\",\"weight\":1,\"colour\":1}]", "variants[0].colour"},
        {"[{\"name\":\"1\",\"weight\":1},{\"name\":\"2\",\"weight\":1},{\"name\":\"3\",\"weight\":"
         "1},{\"name\":\"4\",\"weight\":1},{\"name\":\"5\",\"weight\":1},{\"name\":\"6\",\"weight\":"
         "1},{\"name\":\"7\",\"weight\":1},{\"name\":\"8\",\"weight\":1},{\"name\":\"9\",\"weight\":"
         "1}]",
         "variants:"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        snprintf(text, sizeof text, "%s%s}", v, refused[i].variants);
        assert_refused(reco_scenario_normalize, text, refused[i].field);
    }
    reco_error_t err;
    json_t *in = parse("{\"model\":\"popular\",\"variants\":[{\"name\":\"A\",\"weight\":1},"
                       "{\"name\":\"B\",\"weight\":1,\"model\":\"trending\",\"limit\":3}]}");
    json_t *scenario = reco_scenario_normalize(in, &err);
    assert_non_null(scenario);
    char variant[RECO_VARIANT_NAME_MAX + 1];
    json_t *req = parse("{\"scenario\":\"s\",\"user\":\"u1\",\"split_group\":\"B\"}");
    json_t *applied = reco_scenario_variant_apply(scenario, "t", req, variant);
    assert_string_equal(variant, "B");
    assert_string_equal(json_string_value(json_object_get(applied, "model")), "trending");
    assert_int_equal(json_integer_value(json_object_get(applied, "limit")), 3);
    assert_null(json_object_get(applied, "variants"));
    json_decref(applied), json_decref(req);
    int seen[2] = {0, 0};
    for (int u = 0; u < 64; u++) {
        snprintf(text, sizeof text, "{\"scenario\":\"s\",\"user\":\"user-%d\"}", u);
        req = parse(text);
        char again[RECO_VARIANT_NAME_MAX + 1];
        applied = reco_scenario_variant_apply(scenario, "t", req, variant);
        json_decref(applied);
        applied = reco_scenario_variant_apply(scenario, "t", req, again);
        assert_string_equal(variant, again);
        assert_string_equal(json_string_value(json_object_get(applied, "model")),
                            strcmp(variant, "A") == 0 ? "popular" : "trending");
        seen[strcmp(variant, "A") == 0 ? 0 : 1]++;
        json_decref(applied), json_decref(req);
    }
    assert_true(seen[0] > 10 && seen[1] > 10);
    req = parse("{\"scenario\":\"s\"}");
    json_t *plain = parse("{\"model\":\"popular\"}"), *canon = reco_scenario_normalize(plain, &err);
    applied = reco_scenario_variant_apply(canon, "t", req, variant);
    assert_string_equal(variant, RECO_VARIANT_DEFAULT);
    assert_true(json_equal(applied, canon));
    json_decref(applied), json_decref(canon), json_decref(plain), json_decref(req);
    assert_refused(reco_scenario_request_normalize, "{\"scenario\":\"s\",\"split_group\":\"\"}",
                   "split_group");
    json_decref(scenario), json_decref(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scenario_defaults),
        cmocka_unit_test(test_scenario_refusals),
        cmocka_unit_test(test_scenario_ids),
        cmocka_unit_test(test_requests),
        cmocka_unit_test(test_variants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
