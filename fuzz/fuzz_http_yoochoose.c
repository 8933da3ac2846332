/* fuzz_http_yoochoose — HTTP requests under /compat/yoochoose: the yoochoose dialect
 * (gateway/reco_compat_yoochoose*.c, docs/dialects.md), parsed, validated and translated into ops
 * in-process. See fuzz_http.h for the input format and the invariants checked on every answer. */
#include "fuzz_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reco_fuzz_http(data, size, "/compat/yoochoose");
    return 0;
}
