/* reco_version_cache — the query worker's memory of which version of each (tenant, model) is
 * current, kept right by Redis itself (client-side caching, CLIENT TRACKING), so that most
 * requests skip the round trip that reads `reco:{T}:m:<model>:current`.
 *
 * Two connections of its own: `reader` reads current keys with CLIENT TRACKING on, redirecting
 * its invalidation messages to `sub`, which is SUBSCRIBEd to __redis__:invalidate. When the
 * trainer flips a model, Redis writes the invalidation to `sub` while it executes the SET,
 * before it answers the trainer; every request first reads what `sub` has (one poll(2) with
 * zero timeout, no round trip) and forgets the whole memory on any invalidation. So a flip is
 * seen by the next request that starts after the trainer got its answer: no staleness beyond
 * that instant. Anything unusual — either connection breaks, a message we do not understand,
 * a tracking-table flush — forgets everything and goes back to reading every time until both
 * connections are set up again (tried at most once a second). Entries also expire after
 * RECO_VERSION_CACHE_KEEP_MS, a bound that only matters if all of the above failed unseen.
 *
 * The same connections remember small sets the same way (reco_version_cache_set, below).
 *
 * Not made on a Redis Cluster (reco_query_store.c asks reco_store_is_cluster first): both
 * connections would reach one master and hear only its invalidations, while the versions live on
 * every master (docs/redis-cluster.md). Workers there read the versions on each request.
 *
 * Single-threaded use only (a query worker serves one request at a time). Ownership: the cache
 * owns its connections; replies returned by reco_version_cache_mget are the caller's. */
#ifndef RECO_VERSION_CACHE_H
#define RECO_VERSION_CACHE_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

#define RECO_VERSION_CACHE_KEEP_MS 5000

typedef struct reco_version_cache reco_version_cache_t;

/* address: "host:port" of the Redis the worker reads; timeout_ms bounds connects and reads.
 * Connects lazily. NULL when out of memory or the address is malformed. */
reco_version_cache_t *reco_version_cache_new(const char *address, int timeout_ms);
void reco_version_cache_destroy(reco_version_cache_t **cache);

/* Applies the invalidations that arrived. Call once at the start of each request. */
void reco_version_cache_sync(reco_version_cache_t *cache);

/* The remembered version of the current key `key` (1, *version set; 0 = never built is
 * remembered too, as 0), or -1 when not remembered. */
int reco_version_cache_get(reco_version_cache_t *cache, const char *key, int64_t *version);

/* MGET of the n current keys over the tracked connection: the reply (caller frees), or NULL
 * when tracking is not available now (the caller reads them its own way, uncached). */
redisReply *reco_version_cache_mget(reco_version_cache_t *cache, size_t n, const char *const *keys);

/* Remembers what the reply of reco_version_cache_mget said for key. */
void reco_version_cache_put(reco_version_cache_t *cache, const char *key, int64_t version);

/* Sets are remembered the same way (a tenant's hidden items, so a recommendation can leave them
 * out without a round trip): read over the tracked connection (SCARD, then SMEMBERS), forgotten
 * on any invalidation and after RECO_VERSION_CACHE_KEEP_MS, never remembered beyond
 * RECO_VERSION_CACHE_SET_MAX members. */
#define RECO_VERSION_CACHE_SET_MAX 4096

typedef struct {
    const char *const *members; /* sorted bytewise */
    size_t n;
} reco_version_cache_set_t;

/* The members of SET key, remembered or read now: 1 with *out set (valid until the next call of
 * this function), 0 when the set is too big to remember, -1 when tracking is not available now
 * (the caller asks Redis its own way). */
int reco_version_cache_set(reco_version_cache_t *cache, const char *key,
                           reco_version_cache_set_t *out);
/* 1 if member (len bytes) is in set. */
int reco_version_cache_set_has(const reco_version_cache_set_t *set, const char *member,
                               size_t len);

#endif
