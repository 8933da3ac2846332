/* reco_recommendation_id — the unique id every recommendation answer carries (Gravity's
 * recommendationId, TasteHit's / Yoochoose's click tracking): 128 random bits as 32 lower-case
 * hex digits, from the kernel's CSPRNG (getrandom), so ids from any number of workers and
 * restarts never collide in practice and need no coordination. A client sends it back as an
 * event's `recommendation` field when a recommended item is clicked.
 *
 * Generated here, in the query worker, and nowhere else. */
#ifndef RECO_RECOMMENDATION_ID_H
#define RECO_RECOMMENDATION_ID_H

#include <jansson.h>

#define RECO_RECOMMENDATION_ID_LEN 32

/* Writes a fresh id (NUL-terminated) into out. 0, or -1 if the kernel gave no random bytes. */
int reco_recommendation_id_new(char out[RECO_RECOMMENDATION_ID_LEN + 1]);

/* Sets body.recommendation_id to a fresh id. 0, or -1 (no randomness, out of memory). */
int reco_recommendation_id_attach(json_t *body);

#endif
