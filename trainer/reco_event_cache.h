/* reco_event_cache — the trainer's per-tenant event logs, kept between builds.
 *
 * Each tenant built by this process has a reco_dataset_state_t here (its parsed events and
 * where reading stopped), so its next build reads only the newer stream entries. Memory is
 * bounded by max_events over all tenants: after a build, the least recently built tenants' logs
 * are dropped until the total fits (the tenant just built is kept even if it alone is larger;
 * a dropped tenant's next build simply reads fully). Nothing here is the only copy of anything:
 * Redis has every event, and a restarted trainer starts empty.
 *
 * Ownership: the cache owns the states; a state pointer stays valid until the cache is
 * destroyed (trimming empties a state, it does not free it). Single-threaded. */
#ifndef RECO_EVENT_CACHE_H
#define RECO_EVENT_CACHE_H

#include <stddef.h>

#include "reco_dataset.h"

typedef struct reco_event_cache reco_event_cache_t;

/* max_events: bound on the events kept over all tenants (0: no bound). NULL when out of memory. */
reco_event_cache_t *reco_event_cache_new(size_t max_events);
void reco_event_cache_destroy(reco_event_cache_t **c);

/* tenant's state, created empty at first use, and marked as the most recently used. NULL when
 * out of memory. */
reco_dataset_state_t *reco_event_cache_state(reco_event_cache_t *c, const char *tenant);

/* Empties the least recently used states other than keep's until the total fits. Returns the
 * number of tenants emptied. */
size_t reco_event_cache_trim(reco_event_cache_t *c, const char *keep);

/* Events held over all tenants. */
size_t reco_event_cache_events(const reco_event_cache_t *c);

#endif
