/* reco_model_keys — the trainer's model names and the 2-item member of bought-with's lists.
 *
 * Key shapes are in common/reco_keys.h (reco_key_model_item, reco_key_model_pair for
 * …:p:<a>\x1f<b>, reco_key_model_user for …:u:<user>). What is left here:
 *   - the model names as macros (common/reco_model_names.h has them only as a list of strings),
 *     guarded so that they can move to common/reco_keys.h beside RECO_MODEL_POPULAR;
 *   - reco_member_pair: the member "<x>\x1f<y>" (x < y bytewise) naming a 2-item consequent in a
 *     bought-with ZSET. 0x1f (unit separator) is a control character, which no valid id contains
 *     (reco_valid_id), so the pair is unambiguous. It writes into buf (NUL-terminated) and
 *     returns the length, or -1 if it does not fit, like the builders of reco_keys.h. */
#ifndef RECO_MODEL_KEYS_H
#define RECO_MODEL_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define RECO_PAIR_SEPARATOR '\x1f'

/* Model names (docs/models.md); they belong in common/reco_keys.h with popular and
 * item-to-item, hence the guards. */
#ifndef RECO_MODEL_POPULAR_1D
#define RECO_MODEL_POPULAR_1D "popular-1d"
#define RECO_MODEL_POPULAR_7D "popular-7d"
#define RECO_MODEL_POPULAR_30D "popular-30d"
#define RECO_MODEL_POPULAR_365D "popular-365d"
#define RECO_MODEL_TRENDING "trending"
#define RECO_MODEL_ALSO_VIEWED "also-viewed"
#define RECO_MODEL_ALSO_BOUGHT "also-bought"
#define RECO_MODEL_BOUGHT_WITH "bought-with"
#define RECO_MODEL_SIMILAR_CUSTOMERS "similar-customers"
#define RECO_MODEL_CONTENT "content"
#endif

/* "<x>\x1f<y>" with x < y bytewise, from a and b in either order. */
int reco_member_pair(char *buf, size_t n, const char *a, const char *b);

#endif
