/* reco_scenarios — the write side of scenarios: scenarios.put and scenarios.delete
 * (docs/protocol.md). A scenario is stored as its canonical JSON (common/reco_scenario.h) in the
 * STRING reco:{T}:scenario:<id>, and its id in the SET reco:{T}:scenarios for listing; both are
 * written in one MULTI/EXEC, so a listing never names a scenario that is not there. */
#ifndef RECO_SCENARIOS_H
#define RECO_SCENARIOS_H

#include "reco_ingest_internal.h"

/* scenarios.put {id, scenario}: 201 {id, <canonical scenario>} when new, 200 when replaced. */
void reco_op_scenarios_put(reco_ingest_t *ing, const char *tenant, const json_t *args,
                           reco_reply_t *rep);
/* scenarios.delete {id}: 200 {id, deleted: true}, or 404 not_found. */
void reco_op_scenarios_delete(reco_ingest_t *ing, const char *tenant, const json_t *args,
                              reco_reply_t *rep);

#endif
