/* reco_validate — what a well-formed tenant, id, event and item are, decided in one place.
 *
 * The gateway validates every request with these functions so that a client gets a 400 naming
 * the field; the ingestor validates again with the same functions, because a worker never
 * trusts the bytes it receives. Parsers also normalise: an event leaves as the canonical object
 * {"user","item","type","ts" (epoch ms),"value"?} whatever timestamp shape came in.
 *
 * Field paths in messages are prefixed by `where` (e.g. "events[3]"), so a batch error names
 * its element. */
#ifndef RECO_VALIDATE_H
#define RECO_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "reco_error.h"

#define RECO_ID_MAX 256     /* bytes in a user or item id */
#define RECO_TENANT_MAX 64  /* bytes in a tenant name */
#define RECO_BATCH_MAX 10000 /* events or items in one request */

typedef enum {
    RECO_EVENT_VIEW = 0,
    RECO_EVENT_CART,
    RECO_EVENT_PURCHASE,
    RECO_EVENT_RATING,
    RECO_EVENT_BOOKMARK,
    RECO_EVENT_CLICK,
    RECO_EVENT_TYPE_COUNT /* custom actions registered by a tenant come after the built-ins */
} reco_event_type_t;

#define RECO_ACTION_NAME_MAX 32
#define RECO_PROPERTIES_MAX_BYTES 4096 /* free event properties, as compact JSON */
#define RECO_QUANTITY_MAX 1000000

/* Decides whether a syntactically valid type name that is not built in is known to the tenant
 * (a registered custom action). ctx is the caller's. */
typedef bool (*reco_type_known_fn)(void *ctx, const char *type);

/* 1..64 of [A-Za-z0-9_-]. */
bool reco_valid_tenant(const char *tenant);
/* 1..RECO_ID_MAX bytes of UTF-8 without control characters. */
bool reco_valid_id(const char *id, size_t len);
/* len bytes of valid UTF-8 (no overlong forms, surrogates or code points above U+10FFFF). */
bool reco_valid_utf8(const char *text, size_t len);

/* A custom action's name: 1..RECO_ACTION_NAME_MAX of [a-z0-9_-]. Built-in names are valid too. */
bool reco_valid_action_name(const char *name);

/* "view" -> RECO_EVENT_VIEW ...; -1 for a name that is not built in. */
int reco_event_type_parse(const char *name);
const char *reco_event_type_name(reco_event_type_t type);
/* The default weight an event adds to the user-item interaction (rating: its value). Tenants
 * may override these and weigh their custom actions (reco:{T}:actions). */
double reco_event_weight(reco_event_type_t type, double value);

/* Parses a timestamp: epoch seconds or milliseconds (number or numeric string; values above
 * 1e11 are taken as ms) or RFC 3339 ("2017-07-21T17:32:28Z", "...+02:00", fractions allowed).
 * Returns 0 with *ms set, or -1. */
int reco_parse_timestamp(const json_t *value, int64_t *ms);

/* Validates one event object and returns a new canonical object, or NULL with err set.
 *
 * Accepted fields: user, item, type (required); id (client id: the same id is stored once),
 * timestamp, value (ratings: 0..5), quantity (1..1e6), price (>= 0), order (order or
 * transaction id), session (session or cookie id), recommendation (the id of the recommendation
 * that led here), properties (an object of strings, numbers, booleans, lists of strings).
 * Canonical form: the same names, with "ts" (epoch ms) instead of "timestamp"; a canonical
 * event passes unchanged, so a worker can validate what the gateway sent.
 *
 * now_ms is used when the event has no timestamp. known decides custom types; NULL accepts
 * any well-formed custom type name (the gateway cannot know a tenant's actions; the ingestor
 * checks them). */
json_t *reco_event_normalize(const json_t *event, int64_t now_ms, reco_type_known_fn known, void *ctx,
                             const char *where, reco_error_t *err);

/* Validates a body that is one event object, an array of events, or {"events":[...]}, and
 * returns a new array of canonical events; NULL with err set (naming the index) otherwise.
 * Nothing is returned unless every element is valid. */
json_t *reco_events_normalize(const json_t *body, int64_t now_ms, reco_type_known_fn known, void *ctx,
                              reco_error_t *err);

/* Validates Aegeria-style transactions ({"transactions":[{transaction, customer, completed_at,
 * items:[{item, quantity}]}]} or a bare array) and returns them as an array of canonical
 * purchase events: user = customer, order = transaction, id = "<transaction>/<item>" (so a
 * transaction sent twice is stored once). NULL with err set otherwise. */
json_t *reco_transactions_to_events(const json_t *body, int64_t now_ms, reco_error_t *err);

/* Validates users ({id, attributes?}) as an array or {"users":[...]}. */
json_t *reco_users_normalize(const json_t *body, reco_error_t *err);

/* Validates an array of items ({id, title?, categories?, attributes?, hidden?}) or
 * {"items":[...]}, and returns a new array of canonical items; NULL with err set otherwise. */
json_t *reco_items_normalize(const json_t *body, reco_error_t *err);

/* Milliseconds since the epoch, from the realtime clock. */
int64_t reco_now_ms(void);
/* Milliseconds of CLOCK_MONOTONIC: for durations and deadlines, immune to clock steps. */
int64_t reco_monotonic_ms(void);

#endif
