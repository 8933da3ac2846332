/* reco_cooccur — also-viewed and also-bought: item-to-item cosine over some event types, with
 * time decay and shrinkage.
 *
 * Pure function of a reco_event_table_t (no Redis, no logging). Only events whose type is in
 * type_mask (bit 1 << reco_event_type_t: view and click for also-viewed, cart and purchase for
 * also-bought) count, each weighing w · 2^(−age / half_life) (age = now − ts, 0 for an event
 * after now; no decay when half_life_ms is 0). w_ui sums a user's kept events on item i, and
 *     sim(i, j) = (Σ_u w_ui·w_uj / (‖i‖·‖j‖)) · n_ij / (n_ij + λ)
 * where n_ij counts the users with a non-zero weight on both items and λ is the shrinkage (so
 * a pair seen by few users is pulled towards 0). The top_k neighbours with sim > 0 are kept per
 * item, ties by item index ascending; computed by reco_model_item_to_item (threads, tick). The
 * neighbour lists use the table's item indices. Memory: a user × item matrix of the kept events
 * (about 24 bytes per distinct pair) plus 8 bytes per kept event while it is built. */
#ifndef RECO_COOCCUR_H
#define RECO_COOCCUR_H

#include <stddef.h>
#include <stdint.h>

#include "reco_events.h"
#include "reco_models.h"

#define RECO_TYPE_BIT(t) (1u << (unsigned)(t))

typedef struct {
    unsigned type_mask;
    int64_t now_ms;
    int64_t half_life_ms;                   /* 0: no decay */
    reco_item_to_item_options_t similarity; /* top_k, threads, tick, shrinkage λ */
} reco_cooccur_options_t;

/* Fills *out (cleared first). *kept (may be NULL) receives the number of events used. 0, or -1
 * when out of memory, a thread could not start, or tick cancelled. */
int reco_model_cooccur(const reco_event_table_t *t, const reco_cooccur_options_t *o,
                       reco_neighbours_t *out, size_t *kept);

#endif
