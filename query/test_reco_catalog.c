/* Unit tests of reco_catalog's conversions: an item's or a user's hash as the ingestor writes it,
 * and the actions list (built-ins in order with overrides, then custom actions by name). Replies
 * are built by hand; the functions only read them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "reco_test_reply.h"

#include "reco_catalog.h"

/* Asserts that got (consumed) equals the JSON text expected. */
static void test_item_json_reads_every_field(void **state)
{
    (void)state;
    reco_test_reply_t h;
    const redisReply *r = reco_test_reply_of(
        &h, "created_at", "1700000000000", "updated_at", "1700000001000", "title", "Tent \"2p\"",
        "categories", "[\"outdoor\",\"tents\"]", "hidden", "1", "attr:price", "199.5", "attr:tags",
        "[\"a\",\"b\"]", "attr:brand", "\"Acme\"", "attr:new", "true", "future_field", "x", NULL);
    reco_test_assert_json(reco_catalog_item_json("tent-2p", r),
                "{\"id\":\"tent-2p\",\"title\":\"Tent \\\"2p\\\"\","
                "\"categories\":[\"outdoor\",\"tents\"],\"hidden\":true,"
                "\"created_at\":1700000000000,\"updated_at\":1700000001000,"
                "\"attributes\":{\"price\":199.5,\"tags\":[\"a\",\"b\"],\"brand\":\"Acme\","
                "\"new\":true}}");
}

static void test_item_json_defaults_and_bad_values(void **state)
{
    (void)state;
    reco_test_reply_t h;
    /* no title, categories, hidden or attributes; hidden "0"; unparsable JSON comes back as
     * text, a time that is not a whole number as null */
    reco_test_assert_json(reco_catalog_item_json("i", reco_test_reply_of(&h, "created_at", "5", "hidden", "0", NULL)),
                "{\"id\":\"i\",\"hidden\":false,\"created_at\":5,\"updated_at\":null,"
                "\"attributes\":{}}");
    reco_test_assert_json(reco_catalog_item_json("i", reco_test_reply_of(&h, "created_at", "soon", "updated_at", "-4",
                                                    "categories", "[oops", "attr:x", "{", NULL)),
                "{\"id\":\"i\",\"hidden\":false,\"created_at\":null,\"updated_at\":null,"
                "\"categories\":\"[oops\",\"attributes\":{\"x\":\"{\"}}");
    /* a title that is not UTF-8 is left out, the rest stays */
    reco_test_assert_json(reco_catalog_item_json("i", reco_test_reply_of(&h, "title", "\xff\xfe", "attr:", "1", NULL)),
                "{\"id\":\"i\",\"hidden\":false,\"created_at\":null,\"updated_at\":null,"
                "\"attributes\":{}}");
}

static void test_user_json_has_no_item_fields(void **state)
{
    (void)state;
    reco_test_reply_t h;
    reco_test_assert_json(
        reco_catalog_user_json("u 1", reco_test_reply_of(&h, "attr:age", "42", "title", "ignored", "hidden",
                                              "1", "created_at", "10", "updated_at", "20", NULL)),
        "{\"id\":\"u 1\",\"attributes\":{\"age\":42},\"created_at\":10,"
        "\"updated_at\":20}");
}

static void test_actions_defaults(void **state)
{
    (void)state;
    reco_test_reply_t h;
    reco_test_assert_json(reco_catalog_actions_json(reco_test_reply_of(&h, NULL)),
                "{\"actions\":[{\"name\":\"view\",\"weight\":1.0,\"builtin\":true},"
                "{\"name\":\"cart\",\"weight\":3.0,\"builtin\":true},"
                "{\"name\":\"purchase\",\"weight\":5.0,\"builtin\":true},"
                "{\"name\":\"rating\",\"weight\":1.0,\"builtin\":true},"
                "{\"name\":\"bookmark\",\"weight\":2.0,\"builtin\":true},"
                "{\"name\":\"click\",\"weight\":1.0,\"builtin\":true}]}");
}

static void test_actions_overrides_then_custom_sorted(void **state)
{
    (void)state;
    reco_test_reply_t h;
    const redisReply *r =
        reco_test_reply_of(&h, "wishlist", "2.5", "purchase", "8", "rating", "0.5", "add-to-list", "0", "BAD",
                "1", "share", "x", "like", "inf", "negative", "-1", NULL);
    reco_test_assert_json(reco_catalog_actions_json(r),
                "{\"actions\":[{\"name\":\"view\",\"weight\":1.0,\"builtin\":true},"
                "{\"name\":\"cart\",\"weight\":3.0,\"builtin\":true},"
                "{\"name\":\"purchase\",\"weight\":8.0,\"builtin\":true},"
                "{\"name\":\"rating\",\"weight\":0.5,\"builtin\":true},"
                "{\"name\":\"bookmark\",\"weight\":2.0,\"builtin\":true},"
                "{\"name\":\"click\",\"weight\":1.0,\"builtin\":true},"
                "{\"name\":\"add-to-list\",\"weight\":0.0,\"builtin\":false},"
                "{\"name\":\"wishlist\",\"weight\":2.5,\"builtin\":false}]}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_item_json_reads_every_field),
        cmocka_unit_test(test_item_json_defaults_and_bad_values),
        cmocka_unit_test(test_user_json_has_no_item_fields),
        cmocka_unit_test(test_actions_defaults),
        cmocka_unit_test(test_actions_overrides_then_custom_sorted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
