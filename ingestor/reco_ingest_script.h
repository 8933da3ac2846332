/* reco_ingest_script — the one Lua script that writes and removes events, run with EVALSHA.
 *
 * Each call handles up to RECO_SCRIPT_CHUNK events atomically: no reader ever sees an event in
 * the stream without its indexes, or a history that names an event which is gone. Modes:
 *
 *   add     store new events; an event whose client `id` is in event-ids counts as a duplicate
 *           and is skipped, otherwise its id is recorded (with the time stored)
 *   copy    store copies of existing entries (users.transfer keep=true); no duplicate check
 *   move    copy, then delete the original (users.transfer keep=false)
 *   remove  delete entries (events.delete, users.delete)
 *
 * Storing = XADD to the stream, ZADD to user-events / item-events / session-events, ZADD GT to
 * user-history and item-history (and for a purchase to user-purchases; for a view, PFADD of the
 * user to the item's item-viewers HyperLogLog), and once per call a trim to the cap of each
 * history that grew. An event whose type weighs 0 in the tenant's actions (an impression, such
 * as Yoochoose's `rendered`) is stored and indexed but enters no history: a history is what the
 * user showed interest in (for-user's seeds, exclude-seen), and being shown an item is not that.
 * Removing = XDEL, ZREM from the entry's indexes, then for each (user, item) pair affected: if
 * the user has no event of interest with the item left, both history entries go; else they are
 * re-scored with the latest such event (so a deleted event's time does not linger); a user-purchases
 * entry likewise goes, or takes the time of the latest remaining purchase. A HyperLogLog cannot
 * forget one user: item-viewers keeps counting a deleted user's view (docs/redis-keys.md). A
 * removed entry is also XDEL-ed from events-compacting, the copy a running compaction of the
 * stream is building (trainer/reco_compact.h), so the copy never brings it back.
 *
 * KEYS: the stream and event-ids. ARGV: mode, the tenant's key prefix (reco_key_prefix), the
 * history cap, now (ms), then one JSON object per event (reco_event_entry.h): the script builds
 * the per-id keys from the prefix, exactly as common/reco_keys.c does; they share the tenant's
 * hash tag, so this is legal on a cluster too.
 *
 * The script is loaded with SCRIPT LOAD (at startup, and again whenever Redis answers NOSCRIPT,
 * e.g. after a restart or SCRIPT FLUSH). Ownership: reco_ingest_script_t holds only the SHA; it
 * borrows the pipeline and store it is given. */
#ifndef RECO_INGEST_SCRIPT_H
#define RECO_INGEST_SCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "reco_pipeline.h"
#include "reco_store.h"

/* Events per script call: bounds the time Redis spends in one call (a few ms). */
#define RECO_SCRIPT_CHUNK 500

typedef enum {
    RECO_SCRIPT_ADD,
    RECO_SCRIPT_COPY,
    RECO_SCRIPT_MOVE,
    RECO_SCRIPT_REMOVE
} reco_script_mode_t;

typedef struct reco_ingest_script reco_ingest_script_t;

/* The Lua source, for tests and tools. */
extern const char reco_ingest_script_text[];

reco_ingest_script_t *reco_ingest_script_new(void);
void reco_ingest_script_destroy(reco_ingest_script_t **script);

/* SCRIPT LOAD. 0, or -1 (logged; the next run tries again). st must have no reply pending. */
int reco_ingest_script_load(reco_ingest_script_t *script, reco_store_t *st);

typedef struct {
    const char *tenant;
    reco_script_mode_t mode;
    long history_cap;
    int64_t now_ms;
} reco_script_call_t;

/* Runs the script over entries[0..n) (JSON texts, see reco_event_entry.h) in calls of at most
 * RECO_SCRIPT_CHUNK entries, all appended to p, then reads every reply pending on p (commands
 * the caller appended before are read first, their errors remembered on p). Adds the script's
 * results to counts[0] (stored / moved / deleted) and counts[1] (duplicates). Calls refused with
 * NOSCRIPT are sent once more after loading the script. Returns 0, or -1 with the failure kept
 * on p (reco_pipeline_finish renders it); calls that succeeded are still counted. */
int reco_ingest_script_run(reco_ingest_script_t *script, reco_pipeline_t *p,
                           const reco_script_call_t *call, char *const *entries, size_t n,
                           long long counts[2]);

#endif
