/* reco_query_store — shared Redis reads of the query worker (see reco_query_store.h).
 *
 * A Redis error reply that means "cannot serve right now" (LOADING, BUSY, MASTERDOWN, ...) is a
 * 503 like a lost connection, because retrying later will work; any other error reply is a
 * 500, because retrying will not. */
#include "reco_query_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reco_config.h"
#include "reco_keys.h"
#include "reco_log.h"

int reco_query_fail(reco_reply_t *rep, reco_store_t *store, const redisReply *reply, const char *what)
{
    if (!reply) {
        reco_warn("redis unavailable: %s", reco_store_errstr(store));
        reco_reply_fail(rep, 503, "redis_unavailable", "%s", reco_store_errstr(store));
    } else if (reply->type == REDIS_REPLY_ERROR) {
        reco_warn("redis error on %s: %s", what, reply->str);
        if (reco_store_error_is_transient(reply->str))
            reco_reply_fail(rep, 503, "redis_unavailable", "redis: %s", reply->str);
        else
            reco_reply_fail(rep, 500, "internal", "redis: %s: %s", what, reply->str);
    } else {
        reco_warn("unexpected redis reply type %d on %s", reply->type, what);
        reco_reply_fail(rep, 500, "internal", "redis: unexpected reply to %s", what);
    }
    return -1;
}

int reco_query_parse_version(const redisReply *reply, int64_t *version)
{
    if (reply && reply->type == REDIS_REPLY_NIL)
        return 0;
    if (!reply || reply->type != REDIS_REPLY_STRING || reply->len >= 24)
        return -1;
    char text[24];
    long v;
    memcpy(text, reply->str, reply->len);
    text[reply->len] = '\0';
    if (reco_parse_long(text, 1, INT64_MAX, &v) != 0)
        return -1;
    *version = v;
    return 1;
}

int reco_query_current_version(reco_store_t *store, const char *tenant, const char *model,
                               int64_t *version, reco_reply_t *rep)
{
    char key[RECO_KEY_MAX];
    if (reco_key_model_current(key, sizeof key, tenant, model) < 0) {
        reco_reply_fail(rep, 500, "internal", "key for model %s does not fit", model);
        return -1;
    }
    const char *argv[] = {"GET", key};
    const size_t lens[] = {3, strlen(key)};
    redisReply *r = reco_store_commandv(store, 2, argv, lens);
    int found = reco_query_parse_version(r, version);
    if (found < 0 && r && r->type == REDIS_REPLY_STRING)
        reco_reply_fail(rep, 500, "internal", "%s: holds no model version", key);
    else if (found < 0)
        reco_query_fail(rep, store, r, key);
    if (r)
        freeReplyObject(r);
    return found;
}

int reco_query_read_all(reco_store_t *store, size_t n, redisReply **replies)
{
    for (size_t i = 0; i < n; i++) {
        if (reco_store_read(store, &replies[i]) != 0) {
            reco_query_free_all(i, replies);
            return -1;
        }
    }
    return 0;
}

void reco_query_free_all(size_t n, redisReply **replies)
{
    for (size_t i = 0; i < n; i++) {
        if (replies[i])
            freeReplyObject(replies[i]);
        replies[i] = NULL;
    }
}
