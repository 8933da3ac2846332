/* reco_recommendation_id — the id every recommendation answer carries (Gravity's
 * recommendationId, Yoochoose's tracking links, the native recommendation_id). A client sends it
 * back as an event's `recommendation` field when a recommended item is rendered, clicked or
 * bought, and the ingestor attributes that event to the answer's scenario, variant and model.
 *
 * The id is signed and carries its attribution itself (common/reco_attribution.h: "r1.<nonce>.
 * <payload>.<mac>"), so the recommend path writes nothing and adds no Redis round trip. The
 * deployment's signing secret is read from Redis once per process, on the first answer (one
 * round trip, once). Should that fail (Redis just went away), the answer still gets an id, 128
 * random bits as 32 hex digits as before: unique, but not attributable.
 *
 * Generated here, in the query worker, and nowhere else. */
#ifndef RECO_RECOMMENDATION_ID_H
#define RECO_RECOMMENDATION_ID_H

#include <jansson.h>

#include "reco_attribution.h"
#include "reco_store.h"

#define RECO_RECOMMENDATION_ID_LEN 32 /* the unattributable fallback id */

/* Writes 128 random bits as hex (NUL-terminated) into out. 0, or -1 without random bytes. */
int reco_recommendation_id_new(char out[RECO_RECOMMENDATION_ID_LEN + 1]);

/* Sets body.recommendation_id to a fresh id of an answer of tenant: scenario (an id, or
 * "model:<name>" for the model routes), variant (RECO_VARIANT_DEFAULT without variants) and
 * model (the one that produced the answer's first entry). 0, or -1 (no randomness, out of
 * memory). */
int reco_recommendation_id_attach(reco_store_t *store, const char *tenant, json_t *body,
                                  const char *scenario, const char *variant, const char *model);

#endif
