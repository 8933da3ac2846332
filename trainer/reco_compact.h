/* reco_compact — erases deleted events for good: rewrites a tenant's event stream without the
 * entries that privacy deletions and transfers removed.
 *
 * Why: XDEL only flags a stream entry as deleted inside its node; its bytes stay in memory, in
 * every RDB snapshot and in the AOF's base until the node is rewritten. A compaction copies the
 * live entries, with their ids and fields, into reco:{T}:events-compacting in steps of `chunk`
 * entries (one Lua call each, so Redis is never blocked for long and ingest goes on between
 * steps). A pass copies up to the stream's last id as the pass begins; passes repeat while the
 * previous one had to copy more than 10 chunks (events keep coming), 8 at most; then one call
 * copies what came meanwhile, gives the copy the stream's counters (XSETID: last-generated-id,
 * entries-added, max-deleted-entry-id) and RENAMEs it over the stream. The trainer's incremental reads see the same counters and go on where they were.
 * Meanwhile the ingest script XDELs every entry it removes from the copy too, so nothing
 * deleted during a compaction comes back. Each step checks that the trainer still holds the
 * tenant's lease and that the copy ends where the previous step left it; otherwise the
 * compaction stops and the stream stays as it was (the copy is dropped by the next one).
 * After the rename, BGREWRITEAOF on the node holding the stream (on a cluster: the master of
 * the tenant's slot, from CLUSTER SLOTS), over a connection of its own, writes a new AOF base
 * without the old bytes; a rewrite already running is waited for first.
 *
 * When: reco_compact_maybe runs one when the stream lost entries since the last compaction
 * (XINFO: entries-added - length grew; reco:{T}:events-compacted remembers it) and the last one
 * is at least interval_ms old (never compacted: at once).
 *
 * Ownership: everything is borrowed for the duration of the call. */
#ifndef RECO_COMPACT_H
#define RECO_COMPACT_H

#include <stddef.h>
#include <stdint.h>

#include "reco_lease.h"
#include "reco_store.h"

typedef int (*reco_compact_tick_fn)(void *ctx); /* 0 to go on (e.g. the lease renewed) */

typedef struct {
    long long interval_ms; /* at most one compaction per interval; 0: never compact */
    size_t chunk;          /* entries copied per step (>= 1) */
    reco_compact_tick_fn tick;
    void *tick_ctx;
} reco_compact_config_t;

typedef enum {
    RECO_COMPACT_NOT_NEEDED = 0,
    RECO_COMPACT_DONE = 1,
    RECO_COMPACT_FAILED = -1, /* logged; the stream is unchanged */
} reco_compact_result_t;

/* Compacts tenant's stream if it is due (see above); lease must be held. */
reco_compact_result_t reco_compact_maybe(reco_store_t *st, const char *tenant,
                                         const reco_lease_t *lease,
                                         const reco_compact_config_t *cfg, int64_t now_ms);

#endif
