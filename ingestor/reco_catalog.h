/* reco_catalog — items.upsert and users.upsert: the attributes of items and users.
 *
 * Both are HASHes (reco:{T}:item:<id>, reco:{T}:user:<id>) written with one HSET per entity:
 * the fields given replace the stored ones, fields not given stay. Attribute values are stored as
 * compact JSON in `attr:<name>`; created_at is set once (HSETNX), updated_at on every write. */
#ifndef RECO_CATALOG_H
#define RECO_CATALOG_H

#include "reco_ingest_internal.h"

/* items.upsert {items: [{id, title?, categories?, attributes?, hidden?}...]}: 200 {stored}. */
void reco_op_items_upsert(reco_ingest_t *ing, const char *tenant, const json_t *args,
                          reco_reply_t *rep);
/* users.upsert {users: [{id, attributes}...]}: 200 {stored}. */
void reco_op_users_upsert(reco_ingest_t *ing, const char *tenant, const json_t *args,
                          reco_reply_t *rep);

#endif
