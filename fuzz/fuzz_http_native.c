/* fuzz_http_native — HTTP requests under /v1: the native API (gateway/reco_api_v1*.c: events,
 * transactions, items, users, actions, privacy, scenarios, recommend, bulk, models, stats), parsed,
 * validated and translated into ops in-process. See fuzz_http.h for the input format and the
 * invariants checked on every answer. */
#include "fuzz_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reco_fuzz_http(data, size, "/v1");
    return 0;
}
