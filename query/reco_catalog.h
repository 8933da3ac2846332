/* reco_catalog — items.get, users.get and actions.list: what the ingestor stored about an item,
 * a user and the tenant's actions (docs/redis-keys.md), read back as the JSON of
 * docs/protocol.md.
 *
 *   items.get {item}   HGETALL reco:{T}:item:<item>  -> {id, title?, categories?, attributes,
 *                                                        hidden, created_at, updated_at}
 *   users.get {user}   HGETALL reco:{T}:user:<user>  -> {id, attributes, created_at, updated_at}
 *   actions.list {}    HGETALL reco:{T}:actions      -> {actions: [{name, weight, builtin}...]}
 *
 * An absent hash is a 404 not_found. The hash -> JSON conversions are pure and exported for the
 * unit tests (test_reco_catalog.c); they take a borrowed HGETALL reply and return a new object
 * (NULL only when out of memory).
 *
 * Stored values are the ingestor's output, but not trusted blindly: a JSON field (categories,
 * attr:<name>) that does not parse comes back as its raw text, a timestamp that is not an
 * integer as null, and a field whose bytes are not UTF-8 is left out. */
#ifndef RECO_CATALOG_H
#define RECO_CATALOG_H

#include <jansson.h>

#include "reco_store.h"
#include "reco_wire.h"

/* hash: an HGETALL reply (array of field, value). */
json_t *reco_catalog_item_json(const char *id, const redisReply *hash);
json_t *reco_catalog_user_json(const char *id, const redisReply *hash);

/* The actions list: every built-in type in order (view, cart, purchase, rating, bookmark, click)
 * with its override from hash, else its default weight, then each custom action sorted by name
 * (bytewise). For rating the weight is a factor: an event weighs value x weight, default 1.0.
 * Entries whose name is not a valid action name or whose weight is not a finite number >= 0 are
 * left out. */
json_t *reco_catalog_actions_json(const redisReply *hash);

/* Reads the user's hash: 1 with *body = users.get's body, 0 if the user has none, -1 with rep
 * filled (Redis failed or out of memory). */
int reco_catalog_read_user(reco_store_t *store, const char *tenant, const char *user, json_t **body,
                           reco_reply_t *rep);

/* The ops, for a validated tenant; each always fills rep. */
void reco_catalog_items_get(reco_store_t *store, const char *tenant, const json_t *args,
                            reco_reply_t *rep);
void reco_catalog_users_get(reco_store_t *store, const char *tenant, const json_t *args,
                            reco_reply_t *rep);
void reco_catalog_actions_list(reco_store_t *store, const char *tenant, const json_t *args,
                               reco_reply_t *rep);

#endif
