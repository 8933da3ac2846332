/* fuzz_filter — TasteHit's catalogue filters (common/reco_filter.c), as a URL's filters=<JSON>
 * text, and their evaluation against stored item fields.
 *
 * Input: filter text, optionally followed by a NUL byte and item field values separated by NUL
 * bytes (the raw Redis values the query worker would pass to reco_filter_match). Invariants:
 * a refusal carries a status, code and message; the rules of a parsed set are within bounds. */
#include "fuzz_common.h"
#include "reco_filter.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    reco_fuzz_quiet();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t text_len = nul ? (size_t)(nul - data) : size;
    char *text = strndup((const char *)data, text_len);
    if (!text) return 0;
    reco_filter_set_t set;
    reco_error_t err = {0};
    if (reco_filter_parse_text(text, &set, &err) != 0) {
        reco_fuzz_check_error(&err, "reco_filter_parse_text");
        free(text);
        return 0;
    }
    free(text);
    if (set.n > RECO_FILTER_MAX) reco_fuzz_fail("%zu rules", set.n);
    const char *values[RECO_FILTER_MAX] = {0};
    size_t lens[RECO_FILTER_MAX] = {0};
    const uint8_t *p = nul ? nul + 1 : data + size, *end = data + size;
    for (size_t i = 0; i < set.n; i++) {
        if (set.rule[i].text_len > RECO_FILTER_VALUE_MAX)
            reco_fuzz_fail("rule %zu: text of %zu bytes", i, set.rule[i].text_len);
        if (p >= end) /* the field is absent */
            continue;
        const uint8_t *next = memchr(p, 0, (size_t)(end - p));
        size_t len = next ? (size_t)(next - p) : (size_t)(end - p);
        values[i] = (const char *)p;
        lens[i] = len;
        p = next ? next + 1 : end;
    }
    /* reco_filter_match reads values as NUL-terminated Redis strings: copy them so. */
    char *copies[RECO_FILTER_MAX] = {0};
    for (size_t i = 0; i < set.n; i++)
        if (values[i] && (copies[i] = strndup(values[i], lens[i])))
            values[i] = copies[i];
        else
            values[i] = NULL;
    (void)reco_filter_match(&set, values, lens);
    for (size_t i = 0; i < set.n; i++)
        free(copies[i]);
    return 0;
}
