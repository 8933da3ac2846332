/* fuzz_validate — the request bodies of the write side, as the gateway and the ingestor check
 * them (common/reco_validate.c): events, Aegeria transactions, users and items.
 *
 * Input: a JSON body. Every normaliser runs on it. Invariants beyond "no crash, no leak, no UB":
 * a refusal carries a status, a code and a message; and an accepted event batch is canonical, so
 * normalising it again gives the same array (the ingestor re-validates what the gateway sent). */
#include "fuzz_common.h"
#include "reco_validate.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    reco_fuzz_quiet();
    return 0;
}

static void check_events(const json_t *body)
{
    reco_error_t err = {0};
    json_t *events = reco_events_normalize(body, 1700000000000, NULL, NULL, &err);
    if (!events) {
        reco_fuzz_check_error(&err, "reco_events_normalize");
        return;
    }
    reco_error_t again_err = {0};
    json_t *again = reco_events_normalize(events, 1, NULL, NULL, &again_err);
    if (!again) reco_fuzz_fail("a canonical event batch is refused: %s", again_err.message);
    if (!json_equal(events, again))
        reco_fuzz_fail("normalising a canonical event batch changed it");
    json_decref(again);
    json_decref(events);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *body = reco_fuzz_json(data, size);
    if (!body) return 0;
    check_events(body);
    reco_error_t err = {0};
    json_t *out = reco_transactions_to_events(body, 1700000000000, &err);
    if (!out) reco_fuzz_check_error(&err, "reco_transactions_to_events");
    json_decref(out);
    memset(&err, 0, sizeof err);
    out = reco_users_normalize(body, &err);
    if (!out) reco_fuzz_check_error(&err, "reco_users_normalize");
    json_decref(out);
    memset(&err, 0, sizeof err);
    out = reco_items_normalize(body, &err);
    if (!out) reco_fuzz_check_error(&err, "reco_items_normalize");
    json_decref(out);
    json_decref(body);
    return 0;
}
