/* fuzz_scenario — scenarios and requests for them (common/reco_scenario.c): the body of
 * PUT /v1/{T}/scenarios/{id}, one element of a bulk request, the args of recommend.scenario,
 * and the A/B variant a request gets.
 *
 * Input: a JSON document, tried as a scenario and as a request. Invariants: refusals carry a
 * status, code and message; a canonical scenario passes unchanged (the ingestor and the query
 * worker re-check what the gateway stored), as does a canonical request; picking a variant for a
 * canonical request of a canonical scenario always gives a scenario without `variants`. */
#include "fuzz_common.h"
#include "reco_scenario.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    reco_fuzz_quiet();
    return 0;
}

/* normalize(x) must be a fixed point of normalize. */
static json_t *canonical(const json_t *in, json_t *(*normalize)(const json_t *, reco_error_t *),
                         const char *what)
{
    reco_error_t err = {0};
    json_t *out = normalize(in, &err);
    if (!out) {
        reco_fuzz_check_error(&err, what);
        return NULL;
    }
    reco_error_t again_err = {0};
    json_t *again = normalize(out, &again_err);
    if (!again) reco_fuzz_fail("%s refuses its own output: %s", what, again_err.message);
    if (!json_equal(out, again)) reco_fuzz_fail("%s changes its own output", what);
    json_decref(again);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = reco_fuzz_json(data, size);
    if (!doc) return 0;
    json_t *scenario = canonical(doc, reco_scenario_normalize, "reco_scenario_normalize");
    json_t *request =
        canonical(doc, reco_scenario_request_normalize, "reco_scenario_request_normalize");
    /* A request usually travels inside a body: {"requests":[...]} or a scenario's sibling. */
    json_t *inner = json_is_object(doc) ? json_object_get(doc, "request") : NULL;
    if (!request && inner)
        request =
            canonical(inner, reco_scenario_request_normalize, "reco_scenario_request_normalize");
    if (scenario) {
        json_t *empty = json_object();
        char variant[RECO_VARIANT_NAME_MAX + 1];
        json_t *applied =
            reco_scenario_variant_apply(scenario, "fuzz", request ? request : empty, variant);
        if (!applied) reco_fuzz_fail("reco_scenario_variant_apply gave NULL");
        if (json_object_get(applied, "variants"))
            reco_fuzz_fail("the applied scenario still has variants");
        if (!variant[0]) reco_fuzz_fail("no variant name");
        json_decref(applied);
        json_decref(empty);
    }
    json_decref(request);
    json_decref(scenario);
    json_decref(doc);
    return 0;
}
