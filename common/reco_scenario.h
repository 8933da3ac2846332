/* reco_scenario — what a scenario is, and what a request for one may say, decided in one place.
 *
 * A scenario (TasteHit widget, Gravity / Yoochoose scenario) is a named recipe for one page
 * slot: a model, a default limit, catalogue filters, a chain of fallback models that fill the
 * list up when the model has too little, and exclusion rules. It is stored per tenant in Redis
 * (docs/redis-keys.md: reco:{T}:scenario:<id>) as the canonical JSON this module produces:
 *
 *   {"model": "item-to-item", "limit": 10, "filters": [...], "fallbacks": ["popular"],
 *    "exclude": {"context": true, "purchased": true}, "description": "..."}
 *
 *   model        a model of docs/models.md, or "popular-category" (popular within the request's
 *                category paths, else the context items' categories, deepest path first)
 *   limit        1..RECO_SCENARIO_LIMIT_MAX, default RECO_SCENARIO_LIMIT_DEFAULT
 *   filters      TasteHit filters (common/reco_filter.h), stored as given; default []
 *   fallbacks    up to RECO_SCENARIO_FALLBACKS_MAX more model names, run in order; none may
 *                repeat another or the model; default []
 *   exclude      context: leave the context items out (default true); purchased: leave out
 *                what the user bought (default true); seen: leave out everything in the user's
 *                history (absent = each model's default, true for for-user / similar-customers)
 *   description  optional text up to 1024 bytes
 *   variants     optional A/B variants, 1..RECO_SCENARIO_VARIANTS_MAX of {"name": [A-Za-z0-9_-]
 *                up to 32, unique, "weight": 1..RECO_SCENARIO_WEIGHT_MAX, and overrides of
 *                model, limit, filters, fallbacks, exclude}; each override replaces the
 *                scenario's field whole, and the variant's chain is checked whole (errors name
 *                "variants[1].fallbacks[0]"). Canonical: name, weight and the overrides given,
 *                each canonical; [] or null = no variants (the member is left out).
 *
 * Hidden items are always left out; that is not configurable. The gateway (on PUT), the
 * ingestor (before storing) and the query worker (after reading) all run the same check: a
 * canonical scenario passes unchanged.
 *
 * A request for a scenario (GET/POST /v1/{T}/recommend/{scenario}, one element of a bulk
 * request) is canonicalised by reco_scenario_request_normalize; see there.
 *
 * Ownership: the normalisers return new references the caller owns; they never keep pointers
 * into their input. */
#ifndef RECO_SCENARIO_H
#define RECO_SCENARIO_H

#include <jansson.h>
#include <stdbool.h>

#include "reco_attribution.h"
#include "reco_error.h"

#define RECO_SCENARIO_ID_MAX 64
#define RECO_SCENARIO_LIMIT_MAX 50
#define RECO_SCENARIO_LIMIT_DEFAULT 10
#define RECO_SCENARIO_FALLBACKS_MAX 5
#define RECO_SCENARIO_DESCRIPTION_MAX 1024
#define RECO_SCENARIO_CONTEXT_MAX 20    /* context items of one request */
#define RECO_SCENARIO_CATEGORIES_MAX 10 /* category paths of one request */
#define RECO_SCENARIO_BULK_MAX 20       /* requests in one bulk call */
#define RECO_SCENARIO_OFFSET_MAX 1000   /* entries skipped by a request's offset */
#define RECO_SCENARIO_ATTRIBUTES_MAX 20 /* attribute names of one request */
#define RECO_SCENARIO_POPULAR_CATEGORY "popular-category"
#define RECO_SCENARIO_VARIANTS_MAX 8         /* A/B variants of one scenario */
#define RECO_SCENARIO_WEIGHT_MAX 1000000     /* a variant's weight */
#define RECO_SCENARIO_SPLIT_GROUP_MAX 64     /* bytes of a request's split group */

/* 1..RECO_SCENARIO_ID_MAX of [A-Za-z0-9_-], and not "bulk" (the path of the bulk route). */
bool reco_valid_scenario_id(const char *id);

/* A name a scenario may use: a model of docs/models.md, or "popular-category". */
bool reco_scenario_model_known(const char *name);
/* "popular, ..., content, popular-category": for error messages. */
extern const char reco_scenario_model_list_text[];

/* Validates a scenario body (an object with the fields above; an `id` member is ignored: the
 * path names the scenario) and returns the canonical object, or NULL with err set to a 400
 * naming the field ("fallbacks[2]: ..."). */
json_t *reco_scenario_normalize(const json_t *body, reco_error_t *err);

/* Validates one request for a scenario and returns it canonical, or NULL with err set (400
 * naming the field). Accepted:
 *   scenario     the scenario id (required)
 *   user         the user id (string, or an integer taken as its decimal text)
 *   session      session / cookie id (`cookie` is the same field): when no user is given, the
 *                visitor's history is the session's (shops send the cookie as the user of an
 *                anonymous visitor's events)
 *   items        context item ids (array; `item` may be one id or an array too), up to
 *                RECO_SCENARIO_CONTEXT_MAX, repeats dropped
 *   categories   category paths ("Outdoor/Tents"; `category` may be one path or an array), up to
 *                RECO_SCENARIO_CATEGORIES_MAX, each 1..256 bytes of UTF-8 without control
 *                characters and without empty segments
 *   limit        1..RECO_SCENARIO_LIMIT_MAX; absent = the scenario's
 *   filters      more TasteHit filters, AND-ed with the scenario's
 *   pscore       TasteHit's page cursor, a finite number: every step returns only entries
 *                scored below it
 *   attributes   item attribute names (title, categories, created_at, updated_at or any
 *                attribute), up to RECO_SCENARIO_ATTRIBUTES_MAX, repeats dropped: each answer
 *                entry gets attributes {name: value or null}, as from the recommend op
 *   split_group  the A/B group the shop assigned (Gravity's splitGroup): up to
 *                RECO_SCENARIO_SPLIT_GROUP_MAX bytes of id text, or an integer
 * Canonical: {scenario, user?, items: [...], categories: [...], limit?, filters?, pscore?,
 * attributes?, split_group?} with `user`
 * set from `session` when only a session was given. */
json_t *reco_scenario_request_normalize(const json_t *request, reco_error_t *err);

/* The scenario a canonical request of tenant gets: a new copy of the canonical scenario with
 * the overrides of its variant applied and no `variants` member, and the variant's name in
 * variant (RECO_VARIANT_DEFAULT without variants). The variant is the one named like the
 * request's split_group, else the one its split_group, else its user (or session), hashes onto
 * (reco_attribution_pick_variant), else one at random by weight. NULL on out of memory. */
json_t *reco_scenario_variant_apply(const json_t *scenario, const char *tenant,
                                    const json_t *request, char variant[RECO_VARIANT_NAME_MAX + 1]);

#endif
