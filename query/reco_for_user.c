/* reco_for_user — the user's build-time list plus the rows of fresh items (see reco_for_user.h). */
#include "reco_for_user.h"

#include <hiredis/hiredis.h>
#include <stdlib.h>

#include "reco_keys.h"
#include "reco_query_store.h"

/* events_until of the version's meta: 0 when absent (older trainers: every item is "fresh"
 * would double count, so then the user list is not used at all). */
static int64_t parse_until(const redisReply *r)
{
    if (!r || r->type != REDIS_REPLY_STRING) return 0;
    char *end = NULL;
    long long v = strtoll(r->str, &end, 10);
    return end && *end == '\0' && v > 0 ? (int64_t)v : 0;
}

int reco_for_user_batch(reco_store_t *st, const char *tenant, const char *model, int64_t version,
                        const char *user, const reco_scored_list_t *history,
                        reco_key_batch_t *batch, reco_reply_t *rep)
{
    char list_key[RECO_KEY_MAX], meta_key[RECO_KEY_MAX], key[RECO_KEY_MAX];
    if (reco_key_model_user(list_key, sizeof list_key, tenant, model, version, user) < 0 ||
        reco_key_model_meta(meta_key, sizeof meta_key, tenant, model, version) < 0)
        return 0; /* cannot happen for validated ids; such a user is served the older way */
    redisReply *r[2] = {NULL, NULL};
    if (reco_store_append(st, "EXISTS %s", list_key) != 0 ||
        reco_store_append(st, "HGET %s events_until", meta_key) != 0 ||
        reco_query_read_all(st, 2, r) != 0)
        return reco_query_fail(rep, st, NULL, list_key);
    int has = r[0]->type == REDIS_REPLY_INTEGER && r[0]->integer == 1;
    int64_t until = parse_until(r[1]);
    int failed = r[0]->type == REDIS_REPLY_ERROR || r[1]->type == REDIS_REPLY_ERROR;
    if (failed) reco_query_fail(rep, st, r[0]->type == REDIS_REPLY_ERROR ? r[0] : r[1], list_key);
    reco_query_free_all(2, r);
    if (failed) return -1;
    if (!has || until == 0) return 0;
    if (reco_key_batch_add(batch, list_key, 1.0) != 0) goto oom;
    for (size_t i = 0; i < history->n; i++) {
        if (!(history->v[i].score > (double)until)) continue; /* in the list already */
        if (reco_key_model_item(key, sizeof key, tenant, model, version, history->v[i].item) < 0)
            continue;
        if (reco_key_batch_add(batch, key, 1.0) != 0) goto oom;
    }
    return 1;
oom:
    reco_reply_fail(rep, 500, "internal", "out of memory");
    return -1;
}
