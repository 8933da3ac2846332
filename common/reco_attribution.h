/* reco_attribution — recommendation ids that say where they came from, and A/B variant picks.
 *
 * Every recommendation answer carries an id (query/reco_recommendation_id.c makes it). Events
 * that cite it (the canonical event's `recommendation`) are attributed by the ingestor to the
 * scenario, variant and model that served the answer. Nothing is stored per answer: the id
 * itself carries that, signed, so the recommend path costs no Redis write and any ingestor can
 * resolve any id. The format (version 1), all URL-safe, at most RECO_ATTRIBUTION_ID_MAX bytes:
 *
 *   r1.<nonce>.<payload>.<mac>
 *     nonce    9 random bytes, base64url (12 characters): ids of equal payloads differ
 *     payload  base64url of "<served-at ms>\x1f<scenario>\x1f<variant>\x1f<model>"
 *     mac      the first 16 bytes of HMAC-SHA-256(secret, tenant "\0" "r1.<nonce>.<payload>"),
 *              base64url (22 characters)
 *
 * The id is opaque to clients (the payload is readable, not secret; nothing in it is personal).
 * The MAC binds it to the tenant and makes a forged or altered id fail to decode, so it is
 * ignored for attribution. The secret is one per deployment, 32 random bytes kept in Redis
 * under RECO_KEY_ATTRIBUTION_SECRET: the first process that needs it creates it (SET NX), every
 * process reads it once and keeps it (reco_attribution_secret_load). Losing the key (FLUSHALL)
 * makes earlier ids unattributable; nothing else breaks.
 *
 * Variants: reco_attribution_pick_variant maps a key (the user, the session, or the request's
 * split group) onto weights by hashing (BLAKE2b of tenant, scenario, key), so a key always gets
 * the same variant as long as the scenario's variants stay the same.
 *
 * Process-wide state: the secret only (the processes are single-threaded). Pure otherwise. */
#ifndef RECO_ATTRIBUTION_H
#define RECO_ATTRIBUTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reco_keys.h"
#include "reco_store.h"

#define RECO_ATTRIBUTION_ID_MAX 255      /* bytes of an id (below RECO_ID_MAX: fits any event) */
#define RECO_ATTRIBUTION_SCENARIO_MAX 64 /* a scenario id, or "model:<name>" (model routes) */
#define RECO_ATTRIBUTION_MODEL_MAX 32
#define RECO_ATTRIBUTION_SECRET_LEN 32
#define RECO_VARIANT_NAME_MAX 32
#define RECO_VARIANT_DEFAULT "default" /* the variant of a scenario without variants */
#define RECO_ATTRIBUTION_MODEL_SCENARIO "model:" /* scenario of answers of the model routes */

typedef struct {
    char scenario[RECO_ATTRIBUTION_SCENARIO_MAX + 1];
    char variant[RECO_VARIANT_NAME_MAX + 1];
    char model[RECO_ATTRIBUTION_MODEL_MAX + 1];
    int64_t served_at_ms;
} reco_attribution_t;

/* Uses secret from now on (tests, tools). */
void reco_attribution_secret_set(const unsigned char secret[RECO_ATTRIBUTION_SECRET_LEN]);
/* Reads (creating it first if missing) the deployment's secret from Redis, once per process:
 * 0 when a secret is loaded (at once if it already was), -1 if Redis failed (try again later). */
int reco_attribution_secret_load(reco_store_t *store);
bool reco_attribution_secret_loaded(void);

/* 1..RECO_VARIANT_NAME_MAX of [A-Za-z0-9_-]. */
bool reco_valid_variant_name(const char *name);

/* Writes the id of a fresh answer of tenant described by a into out (n bytes, at least
 * RECO_ATTRIBUTION_ID_MAX + 1). 0, or -1: no secret loaded, no random bytes, a field empty,
 * too long or holding a byte other than [A-Za-z0-9_:-]. */
int reco_attribution_id_encode(const char *tenant, const reco_attribution_t *a, char *out,
                               size_t n);

/* Resolves id (len bytes) of tenant into *out. 0, or -1 when it is not a version-1 id signed
 * for this tenant with the loaded secret (malformed, forged, another tenant's, no secret). */
int reco_attribution_id_decode(const char *tenant, const char *id, size_t len,
                               reco_attribution_t *out);

/* The index in weights[0..n) (each > 0) that key falls on for tenant's scenario; key NULL picks
 * at random. n must be at least 1. */
size_t reco_attribution_pick_variant(const char *tenant, const char *scenario, const char *key,
                                     const int64_t *weights, size_t n);

#endif
