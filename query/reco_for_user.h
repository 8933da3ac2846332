/* reco_for_user — what for-user sums for a user alone (docs/models.md).
 *
 * The trainer publishes, per version, each user's list over the whole history as it was when
 * the events were read (…:m:for-user:<v>:u:<user>, meta field `events_until`) and each item's
 * row of EASE's B (…:i:<item>). EASE scores are linear in the history, so the score now is the
 * user's list plus the rows of the items touched since: those whose time in the user's history
 * ZSET is later than `events_until`. An event posted a second ago therefore changes the next
 * answer without a rebuild.
 *
 * A user without a list (new since the build, or too few modelled items for the trainer to
 * store one) is served by the caller the older way: the rows of the recent history summed. */
#ifndef RECO_FOR_USER_H
#define RECO_FOR_USER_H

#include <stdint.h>

#include "reco_ranking.h"
#include "reco_recommend_read.h"
#include "reco_store.h"
#include "reco_wire.h"

/* history: the user's recent items with their times (epoch ms) as scores. One round trip (a
 * pipelined EXISTS of the user's list and HGET of the version's events_until). Returns 1 with
 * the user's list and the fresh items' rows added to batch (weight 1 each), 0 when the user has
 * no list (batch untouched), -1 with rep filled. */
int reco_for_user_batch(reco_store_t *st, const char *tenant, const char *model, int64_t version,
                        const char *user, const reco_scored_list_t *history,
                        reco_key_batch_t *batch, reco_reply_t *rep);

#endif
