/* reco_privacy — what a user can ask about their data, on the write side: events.delete,
 * users.delete and users.transfer (docs/protocol.md).
 *
 * The events to act on are found through an index (user-events, item-events or session-events
 * of the tenant), read in pages of at most RECO_PRIVACY_PAGE entries so that memory stays
 * bounded however many events a user has, and removed or moved by the ingest script in
 * atomic chunks (reco_ingest_script.h). An index entry whose stream entry is gone is dropped
 * on the way. */
#ifndef RECO_PRIVACY_H
#define RECO_PRIVACY_H

#include "reco_ingest_internal.h"

/* Stream entries read per page. */
#define RECO_PRIVACY_PAGE 1000

/* events.delete {user?, item?, session?, type?, before?, timestamp?}: 200 {deleted}. */
void reco_op_events_delete(reco_ingest_t *ing, const char *tenant, const json_t *args,
                           reco_reply_t *rep);
/* users.delete {user}: the user's events, attributes, histories and index; 200 {deleted}. */
void reco_op_users_delete(reco_ingest_t *ing, const char *tenant, const json_t *args,
                          reco_reply_t *rep);
/* users.transfer {from, to, keep}: 200 {moved}. */
void reco_op_users_transfer(reco_ingest_t *ing, const char *tenant, const json_t *args,
                            reco_reply_t *rep);

#endif
