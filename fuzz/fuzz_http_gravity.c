/* fuzz_http_gravity — HTTP requests under /compat/gravity: the gravity dialect
 * (gateway/reco_compat_gravity*.c, docs/dialects.md), parsed, validated and translated into ops in-
 * process. See fuzz_http.h for the input format and the invariants checked on every answer. */
#include "fuzz_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reco_fuzz_http(data, size, "/compat/gravity");
    return 0;
}
