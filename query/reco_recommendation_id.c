/* reco_recommendation_id — 128 random bits in hex (see the header). getrandom() blocks only
 * before the kernel's pool is first initialised, long before a worker starts; EINTR is retried. */
#include "reco_recommendation_id.h"

#include <errno.h>
#include <stdint.h>
#include <sys/random.h>

int reco_recommendation_id_new(char out[RECO_RECOMMENDATION_ID_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t bytes[RECO_RECOMMENDATION_ID_LEN / 2];
    size_t got = 0;
    while (got < sizeof bytes) {
        ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        got += (size_t)n;
    }
    for (size_t i = 0; i < sizeof bytes; i++) {
        out[2 * i] = hex[bytes[i] >> 4];
        out[2 * i + 1] = hex[bytes[i] & 15];
    }
    out[RECO_RECOMMENDATION_ID_LEN] = '\0';
    return 0;
}

int reco_recommendation_id_attach(json_t *body)
{
    char id[RECO_RECOMMENDATION_ID_LEN + 1];
    if (!json_is_object(body) || reco_recommendation_id_new(id) != 0) return -1;
    return json_object_set_new(body, "recommendation_id", json_string(id));
}
