/* reco_events — events.add: validates a batch against the tenant's actions and stores it with
 * the ingest script, chunk by chunk, each chunk atomically (reco_ingest_script.h).
 *
 * A retried batch is harmless for events that carry a client `id`: they are counted as
 * duplicates and not written twice (reco:{T}:event-ids remembers ids for RECO_EVENT_IDS_KEEP_MS).
 * Events without an id are written as often as they are sent. */
#ifndef RECO_EVENTS_H
#define RECO_EVENTS_H

#include "reco_ingest_internal.h"

/* How long a client event id is remembered (30 days). */
#define RECO_EVENT_IDS_KEEP_MS (30LL * 24 * 3600 * 1000)

/* events.add {events: [...], known_items?}: 200 {stored, duplicates}. known_items: true refuses
 * (400 unknown_item) a batch with an item that is not in the catalogue. */
void reco_op_events_add(reco_ingest_t *ing, const char *tenant, const json_t *args,
                        reco_reply_t *rep);

#endif
