/* reco_weights — how much one event counts, per tenant: the weights of reco:{T}:actions.
 *
 * The hash maps an action name to a weight (decimal text, written by the ingestor's actions.put):
 * an override for a built-in type, or a custom action the tenant registered. The weight of an
 * event is:
 *   built-in type   the override if there is one, else the default (reco_event_weight:
 *                   view 1, cart 3, purchase 5, bookmark 2, click 1);
 *   rating          value x (the override if there is one, else 1): the override is a factor;
 *   custom type     its registered weight; an unregistered type has none and the event is not
 *                   used (so deleting an action stops its past events from counting).
 * A hash entry whose name is not a valid action name or whose weight is not a finite number >= 0
 * is ignored (and counted), never fatal.
 *
 * Ownership: the table owns copies of the names; reco_weights_destroy frees it. A NULL table is
 * valid everywhere and means "defaults, no custom actions". */
#ifndef RECO_WEIGHTS_H
#define RECO_WEIGHTS_H

#include <stdbool.h>
#include <stddef.h>

#include "reco_store.h"

typedef struct reco_weights reco_weights_t;

/* Builds the table from an HGETALL reply of reco:{T}:actions (borrowed). NULL when out of
 * memory. *ignored (may be NULL) receives the number of entries ignored. */
reco_weights_t *reco_weights_from_hash(const redisReply *hash, size_t *ignored);

/* HGETALL reco:{T}:actions into *out. 0, or -1 (Redis failed, wrong type, out of memory;
 * logged). */
int reco_weights_load(reco_store_t *st, const char *tenant, reco_weights_t **out);

void reco_weights_destroy(reco_weights_t **weights);

/* The weight of an event of the NUL-terminated type with the given value (used by rating only).
 * Returns 0 with *weight set, or -1 if type is neither built in nor registered. */
int reco_weights_resolve(const reco_weights_t *weights, const char *type, double value,
                         double *weight);

/* The weight of a built-in type (rating: the factor applied to the value). */
double reco_weights_builtin(const reco_weights_t *weights, int type);
/* The i-th custom action in name order (i < reco_weights_custom()); the name is borrowed. */
void reco_weights_custom_at(const reco_weights_t *weights, size_t i, const char **name, double *weight);

/* Overridden built-in types and registered custom actions, for the log. */
size_t reco_weights_overrides(const reco_weights_t *weights);
size_t reco_weights_custom(const reco_weights_t *weights);

#endif
