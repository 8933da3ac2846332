/* reco_model_keys — the 2-item member of bought-with's lists (see reco_model_keys.h). */
#include "reco_model_keys.h"

#include <stdio.h>
#include <string.h>

#include "reco_intern.h"

int reco_member_pair(char *buf, size_t n, const char *a, const char *b)
{
    size_t alen = strlen(a), blen = strlen(b);
    if (reco_id_compare(a, alen, b, blen) > 0) {
        const char *t = a;
        a = b;
        b = t;
    }
    int len = snprintf(buf, n, "%s%c%s", a, RECO_PAIR_SEPARATOR, b);
    return len < 0 || (size_t)len >= n ? -1 : len;
}
