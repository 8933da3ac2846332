/* fuzz_recommend_args — the args of the recommend op as the query worker checks them
 * (query/reco_recommend_args.c: model, context items, user, limit, offset, page cursor,
 * filters, attributes, flags).
 *
 * Input: the args as JSON (the gateway builds them from a URL or body; the worker gets them as
 * msgpack, which fuzz_query_op covers). Invariants: a refusal is a 400 naming the field; an
 * accepted request is within the documented bounds. */
#include "fuzz_common.h"
#include "reco_recommend_args.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    reco_fuzz_quiet();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *args = reco_fuzz_json(data, size);
    if (!args) return 0;
    reco_recommend_args_t a;
    reco_error_t err = {0};
    if (reco_recommend_parse_args(args, &a, &err) != 0) {
        reco_fuzz_check_error(&err, "reco_recommend_parse_args");
        if (err.status != 400) reco_fuzz_fail("recommend args refused with %d", err.status);
    } else {
        if (!a.model || a.limit < 1 || a.limit > RECO_RECOMMEND_LIMIT_MAX || a.offset < 0 ||
            a.offset > RECO_RECOMMEND_OFFSET_MAX || a.n_items > RECO_RECOMMEND_CONTEXT_MAX ||
            a.n_attributes > RECO_RECOMMEND_ATTRIBUTES_MAX)
            reco_fuzz_fail("accepted recommend args out of bounds");
        for (size_t i = 0; i < a.n_items; i++)
            if (!reco_valid_id(a.items[i], strlen(a.items[i])))
                reco_fuzz_fail("accepted context item %zu is not a valid id", i);
        if (a.user && !reco_valid_id(a.user, strlen(a.user)))
            reco_fuzz_fail("accepted user is not a valid id");
    }
    json_decref(args);
    return 0;
}
