/* reco_scenario_read — the read side of scenarios: scenarios.get, scenarios.list, and loading
 * one scenario for a recommendation (reco_chain.c). Scenarios are written by the ingestor
 * (ingestor/reco_scenarios.c) as canonical JSON in reco:{T}:scenario:<id>; what is read is
 * checked again with common/reco_scenario.h, so a hand-edited key cannot crash or mislead a
 * worker (it answers 500 naming the key instead). */
#ifndef RECO_SCENARIO_READ_H
#define RECO_SCENARIO_READ_H

#include <jansson.h>

#include "reco_store.h"
#include "reco_wire.h"

#define RECO_SCENARIO_LIST_MAX 1000 /* scenarios a listing returns */

/* Loads scenario id (a valid id) of tenant: 0 with *scenario a new canonical object, or -1 with
 * rep filled (404 not_found, 503, 500). */
int reco_scenario_load(reco_store_t *store, const char *tenant, const char *id,
                       json_t **scenario, reco_reply_t *rep);

/* scenarios.get {id}: 200 {id, model, limit, filters, fallbacks, exclude, description?}. */
void reco_scenarios_get_handle(reco_store_t *store, const char *tenant, const json_t *args,
                               reco_reply_t *rep);
/* scenarios.list {}: 200 {scenarios: [{id, ...}...]} sorted by id. */
void reco_scenarios_list_handle(reco_store_t *store, const char *tenant, const json_t *args,
                                reco_reply_t *rep);

#endif
