/* reco_query_store — the Redis reads every query op shares: which version of a model is being
 * served, reading a pipeline's replies, and turning a failed read into the reply the client
 * gets (503 `redis_unavailable` when Redis cannot answer, 500 `internal` for an answer we did
 * not expect, such as WRONGTYPE).
 *
 * Ownership: replies handed out are the caller's (freeReplyObject); the helpers below never
 * keep them. */
#ifndef RECO_QUERY_STORE_H
#define RECO_QUERY_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "reco_store.h"
#include "reco_version_cache.h"
#include "reco_wire.h"

/* Fills rep for a failed read: reply NULL (I/O failure, see reco_store_errstr), an error reply,
 * or an unexpected reply type. what names the key or command for the message. Returns -1. */
int reco_query_fail(reco_reply_t *rep, reco_store_t *store, const redisReply *reply, const char *what);

/* A version as stored in a model's current key: 1 with *version set, 0 for nil (never built),
 * -1 if the reply is anything else (wrong type, not a positive integer). */
int reco_query_parse_version(const redisReply *reply, int64_t *version);

/* GET of reco_key_model_current. 1 with *version set, 0 if the model was never built, -1 with
 * rep filled on failure. */
int reco_query_current_version(reco_store_t *store, const char *tenant, const char *model,
                               int64_t *version, reco_reply_t *rep);

/* The version of a model being served, with what the gateway needs for HTTP caching. */
typedef struct {
    int64_t version;     /* 0: never built */
    int64_t built_at_ms; /* meta `built_at` (epoch ms); 0 when the meta does not say */
    int64_t interval_ms; /* meta `interval_ms`, the trainer's rebuild interval; 0 when absent */
} reco_model_version_t;

#define RECO_QUERY_VERSIONS_MAX 4

/* The served versions of n (1..RECO_QUERY_VERSIONS_MAX) models of tenant, with their build time
 * and rebuild interval. One round trip (MGET of the current keys) while the versions are ones
 * this process has seen before; a version seen for the first time costs one more (a pipelined
 * HMGET of its meta hash), after which its meta is remembered: a version's meta never changes
 * once the version is current, so the memory is never stale. 0, or -1 with rep filled. */
int reco_query_model_versions(reco_store_t *store, const char *tenant, const char *const *models, size_t n,
                              reco_model_version_t *out, reco_reply_t *rep);

/* The members of a small SET (a tenant's hidden items) as the version memory keeps them
 * (reco_version_cache_set: tracked, and synced here, so never stale): 1 with
 * *out set (valid until the next call), else 0 (no memory: a Redis Cluster, tracking down, a set
 * of more than RECO_VERSION_CACHE_SET_MAX members; the caller asks Redis). */
int reco_query_remembered_set(const char *key, reco_version_cache_set_t *out);

/* Adds the fields the gateway turns into Last-Modified / Expires (docs/protocol.md) to a
 * recommend reply body: `built_at` (epoch ms) and `interval_ms`, each only when known (> 0).
 * A reply drawn from several models should pass the newest of them. */
void reco_reply_cache_fields(json_t *body, const reco_model_version_t *v);

/* Reads the replies of n commands already appended to store into replies[0..n-1]. Returns 0, or
 * -1 on I/O failure with nothing left to free. Error replies are returned like any other. */
int reco_query_read_all(reco_store_t *store, size_t n, redisReply **replies);
void reco_query_free_all(size_t n, redisReply **replies);

#endif
