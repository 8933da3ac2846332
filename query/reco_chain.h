/* reco_chain — recommendations for a scenario: `recommend.scenario` and `recommend.bulk`
 * (docs/protocol.md).
 *
 * A scenario (common/reco_scenario.h, loaded by reco_scenario_read.c) names a chain: its model,
 * then each fallback in order. Each step runs one model through reco_recommend_run with the
 * limit still open, the scenario's filters AND-ed with the request's, and leaves out what earlier
 * steps returned, so the answer fills up to limit without duplicates (a request's `pscore`, the
 * TasteHit page cursor, goes to every step: nothing scored pscore or more); each entry's `model` is
 * the step that produced it. `popular-category` is the popular model's list for a category path
 * (…:m:popular:<v>:c:<path>): the request's paths, else the context items' categories, deepest
 * path first and then its prefixes.
 *
 * Left out: hidden items always; the context items and the user's purchases unless the scenario
 * says otherwise (exclude.context / exclude.purchased); the user's whole history when the model
 * leaves it out by default (for-user, similar-customers) or the scenario says exclude.seen.
 *
 * A step that cannot run is skipped: a personalised model (for-user without context items,
 * similar-customers) for a user with no history (409 no_history) or without a user, a model
 * whose context is missing (bought-with without items: 400 naming the field), popular-category
 * without any category. When no step could run, the first step's reason is the answer; a model
 * never built counts as run (it adds nothing).
 *
 * A/B: the request's variant (common/reco_scenario.h, reco_scenario_variant_apply) replaces the
 * scenario's fields it overrides before anything runs; the reply names it, and its signed
 * recommendation id carries scenario, variant and the first entry's model (docs/attribution.md).
 *
 * Reply: {scenario, variant, recommendation_id, recommendations: [{item, score, model,
 * attributes?}...], context_items: [{item, viewers}...], built_at?, interval_ms?}: attributes when the request
 * names some; built_at / interval_ms of the newest served version among the chain's models (the
 * first RECO_QUERY_VERSIONS_MAX), for the gateway's Last-Modified / Expires where viewers is the number of distinct users who viewed
 * the item (PFCOUNT of reco:{T}:item-viewers:<item>). Bulk: {responses: [...]} in request order,
 * each a reply as above or {status, error: {code, message}}; one bad request fails alone. */
#ifndef RECO_CHAIN_H
#define RECO_CHAIN_H

#include <jansson.h>

#include "reco_store.h"
#include "reco_wire.h"

/* recommend.scenario: args as reco_scenario_request_normalize accepts. Always fills rep. */
void reco_chain_handle(reco_store_t *store, const char *tenant, const json_t *args,
                       reco_reply_t *rep);

/* recommend.bulk {requests: [1..RECO_SCENARIO_BULK_MAX requests]}. Always fills rep. */
void reco_chain_bulk_handle(reco_store_t *store, const char *tenant, const json_t *args,
                            reco_reply_t *rep);

#endif
