/* reco_publish — writes one model version to Redis and makes it the served one.
 *
 * Life of a version (all keys from common/reco_keys.h):
 *   begin   INCR reco:{T}:m:seq gives the version number v;
 *   write   one ZSET per list (reco_key_model_global / reco_key_model_item), each key also added
 *           to the version's index SET, pipelined in chunks of about 1000 commands, every reply
 *           checked;
 *   commit  writes the meta HASH (built_at, duration_ms, events, users, items, keys,
 *           events_until, interval_ms), adds the
 *           meta and index keys to the index, then flips reco:{T}:m:<model>:current to v with a
 *           Lua script that first checks that our lease is still held (a trainer that lost its
 *           lease must not flip), and finally gives every key of the previous version a 60 s TTL
 *           (grace for queries still reading it). Versions of this model numbered between the
 *           previous and v whose index has no TTL are leftovers of builds that died before their
 *           flip; they are expired too, so a killed trainer leaks nothing for long.
 *   abort   a version that fails before its flip, or is destroyed uncommitted, deletes what it
 *           wrote (best effort: if Redis is gone, the next successful flip sweeps it).
 * A failure anywhere before the flip leaves `current` untouched: the old version keeps serving.
 *
 * Ownership: a version borrows the store (and the matrix passed to the write calls for the
 * duration of the call). Single-threaded. */
#ifndef RECO_PUBLISH_H
#define RECO_PUBLISH_H

#include <stddef.h>
#include <stdint.h>

#include "reco_lease.h"
#include "reco_matrix.h"
#include "reco_models.h"
#include "reco_store.h"

/* Seconds an old version's keys stay readable after a flip. */
#define RECO_VERSION_GRACE_S 60

typedef struct reco_version reco_version_t;

typedef struct {
    int64_t built_at_ms; /* epoch ms */
    int64_t duration_ms;
    size_t events, users, items;
    int64_t events_until_ms; /* the events were read at this time (epoch ms): later ones are
                              * not in the model (for-user adds them at query time) */
    int64_t interval_ms;     /* the trainer's rebuild interval (HTTP Expires) */
} reco_version_meta_t;

/* Allocates the next version number for tenant's model. NULL if Redis failed (logged). */
reco_version_t *reco_version_begin(reco_store_t *st, const char *tenant, const char *model);
/* Deletes the version's keys unless it was committed, then frees it; *v = NULL. Safe on NULL. */
void reco_version_destroy(reco_version_t **v);

int64_t reco_version_number(const reco_version_t *v);
/* Number of ZSETs written so far. */
size_t reco_version_keys(const reco_version_t *v);
/* Why the last call failed. */
const char *reco_version_errstr(const reco_version_t *v);

/* Queues ZSET reco_key_model_global(T, model, v) = {item id of e: e.score}. n may be 0 (then
 * nothing is written). Returns 0, or -1 once anything failed (every later call fails too). */
int reco_version_write_global(reco_version_t *v, const reco_matrix_t *m, const reco_scored_t *e,
                              size_t n);
/* Queues ZSET reco_key_model_item(T, model, v, item id of `item`), as above. */
int reco_version_write_item(reco_version_t *v, const reco_matrix_t *m, uint32_t item,
                            const reco_scored_t *e, size_t n);

/* Queues ZSET key = {ids[e.item]: e.score}: for lists keyed other than by the matrix's items
 * (users, catalogue items). key must be one of this version's keys (reco_version_tenant,
 * reco_version_model and reco_version_number name them). Same contract as above. */
int reco_version_write_ids(reco_version_t *v, const char *key, const char *const *ids,
                           const size_t *id_lens, const reco_scored_t *e, size_t n);
/* Queues ZSET key = {members[k]: scores[k]} (members binary-safe, lens given). */
int reco_version_write_members(reco_version_t *v, const char *key, const char *const *members,
                               const size_t *lens, const double *scores, size_t n);

const char *reco_version_tenant(const reco_version_t *v);
const char *reco_version_model(const reco_version_t *v);

/* Writes meta and index, flips current under the lease, expires the previous version. Returns 0
 * with *previous set (0 if there was none), or -1: current is unchanged and the version's keys
 * have been deleted (best effort). */
int reco_version_commit(reco_version_t *v, const reco_version_meta_t *meta,
                        const reco_lease_t *lease, int64_t *previous);

#endif
