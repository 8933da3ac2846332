/* reco_recommendation_id — signed ids, or random ones when no secret can be had (see the
 * header). getrandom() blocks only before the kernel's pool is first initialised, long before a
 * worker starts; EINTR is retried. */
#include "reco_recommendation_id.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>

#include "reco_log.h"

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

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int reco_recommendation_id_attach(reco_store_t *store, const char *tenant, json_t *body,
                                  const char *scenario, const char *variant, const char *model)
{
    char id[RECO_ATTRIBUTION_ID_MAX + 1];
    if (!json_is_object(body)) return -1;
    reco_attribution_t a = {.served_at_ms = now_ms()};
    snprintf(a.scenario, sizeof a.scenario, "%s", scenario ? scenario : "");
    snprintf(a.variant, sizeof a.variant, "%s", variant ? variant : RECO_VARIANT_DEFAULT);
    snprintf(a.model, sizeof a.model, "%s", model ? model : "");
    if (reco_attribution_secret_load(store) != 0)
        reco_warn("no attribution secret (%s): this answer's id cannot be attributed",
                  reco_store_errstr(store));
    if (reco_attribution_id_encode(tenant, &a, id, sizeof id) != 0 &&
        reco_recommendation_id_new(id) != 0)
        return -1;
    return json_object_set_new(body, "recommendation_id", json_string(id));
}
