/* reco_popularity — popularity over a time window, and trending (time-decayed popularity).
 *
 * Pure functions of a reco_event_table_t and the build time `now` (epoch ms): no Redis, no
 * logging. The age of an event is now - ts, taken as 0 for an event stamped after now (a client
 * clock ahead of ours).
 *  - window:   score(i) = Σ w over i's events with age < window_ms (popular-1d, -7d, -30d,
 *              -365d use 1, 7, 30, 365 days);
 *  - trending: score(i) = Σ w · 2^(−age / half_life_ms) over all of i's events (half-life 24 h).
 * Sums are taken in event order, so the result is bit-identical for the same events. Items with
 * score > 0 are listed, by score descending, then item index ascending (= item id order). */
#ifndef RECO_POPULARITY_H
#define RECO_POPULARITY_H

#include <stddef.h>
#include <stdint.h>

#include "reco_events.h"
#include "reco_models.h"

#define RECO_DAY_MS (24LL * 3600 * 1000)

/* Fills *out (malloc'ed, caller frees; NULL when *n == 0). 0, or -1 when out of memory. */
int reco_model_popular_window(const reco_event_table_t *t, int64_t now_ms, int64_t window_ms,
                              reco_scored_t **out, size_t *n);
/* half_life_ms >= 1. Same contract. */
int reco_model_trending(const reco_event_table_t *t, int64_t now_ms, int64_t half_life_ms,
                        reco_scored_t **out, size_t *n);

#endif
