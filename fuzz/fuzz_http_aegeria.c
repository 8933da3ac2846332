/* fuzz_http_aegeria — HTTP requests under /compat/aegeria: the aegeria dialect
 * (gateway/reco_compat_aegeria*.c, docs/dialects.md), parsed, validated and translated into ops in-
 * process. See fuzz_http.h for the input format and the invariants checked on every answer. */
#include "fuzz_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reco_fuzz_http(data, size, "/compat/aegeria");
    return 0;
}
