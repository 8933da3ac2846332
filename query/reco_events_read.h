/* reco_events_read — events.list and users.export: a user's or an item's events read back from
 * the event log, newest first (docs/protocol.md).
 *
 * The ingestor indexes every stream entry twice: reco:{T}:user-events:<user> and
 * reco:{T}:item-events:<item> are ZSETs of stream entry ids scored by event time (ms). A listing
 * walks the index with ZRANGE ... BYSCORE REV (score descending, then entry id descending,
 * bytewise, as Redis orders equal scores), and reads each entry with a pipelined
 * XRANGE reco:{T}:events <id> <id>. An index entry whose stream entry is gone (deleted by a
 * privacy request in flight) is passed over.
 *
 * Paging is by position, not by offset: the cursor names the last index entry a page consumed,
 * as "<score>:<entry id>", and the next page starts strictly after it. Events stored while a
 * client pages (usually newer, so ahead of the cursor) therefore never shift a page, and every
 * matching event present throughout comes exactly once. `next` is null only when no further
 * matching event exists; a page that stops early because it examined
 * RECO_EVENTS_SCAN_EXTRA entries beyond its limit without filling up (a rare type among many
 * others) returns what it found and a cursor to go on from.
 *
 * users.export: {user: users.get's body or null, events: the user's events (newest first, at most
 * RECO_EXPORT_EVENTS_MAX), history: [{item, timestamp}] from reco:{T}:user-history:<user>, most
 * recent first}.
 *
 * The pure parts (cursor text, ordering, entry -> JSON, type filter) are exported for
 * test_reco_events_read.c. Ownership: returned JSON is the caller's; replies are borrowed. */
#ifndef RECO_EVENTS_READ_H
#define RECO_EVENTS_READ_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "reco_error.h"
#include "reco_query_args.h"
#include "reco_store.h"
#include "reco_wire.h"

#define RECO_EVENTS_LIMIT_DEFAULT 100
#define RECO_EVENTS_LIMIT_MAX 1000
#define RECO_EXPORT_EVENTS_MAX 100000
#define RECO_EVENTS_SCAN_EXTRA 10000 /* index entries a request may pass over beyond its limit */
#define RECO_STREAM_ID_MAX 41        /* "<ms>-<seq>", each part at most 20 digits */
#define RECO_EVENTS_CURSOR_MAX 64    /* the gateway refuses longer cursors */

/* A position in an index walked newest first: the entry last consumed, or the start. */
typedef struct {
    bool set; /* false: the start, before every entry */
    double score;
    char member[RECO_STREAM_ID_MAX + 1];
    size_t member_len;
} reco_events_position_t;

/* "<ms>-<seq>": 1..20 digits, '-', 1..20 digits. */
bool reco_stream_id_valid(const char *id, size_t len);

/* Cursor text <-> position. parse: 0, or -1 if text is not a cursor this module wrote (a finite
 * score, ':', a stream id). format: the length written, or -1 if buf is too small. */
int reco_events_cursor_parse(const char *text, reco_events_position_t *pos);
int reco_events_cursor_format(const reco_events_position_t *pos, char *buf, size_t n);

/* Sets pos to the entry (score, member); -1 (pos unchanged) if member is not a stream id. */
int reco_events_position_set(reco_events_position_t *pos, double score, const char *member,
                             size_t len);

/* true if the entry (score, member) comes strictly after pos, newest first. */
bool reco_events_after(const reco_events_position_t *pos, double score, const char *member,
                       size_t len);

/* One stream entry as an event object: {stream_id, user, item, type, timestamp (ms), id?, value?,
 * quantity?, price?, order?, session?, recommendation?, properties?}; numbers as JSON numbers,
 * properties parsed. fields: the entry's field/value array. A field that does not parse (not
 * UTF-8, not a number) is left out. NULL only when out of memory. */
json_t *reco_event_entry_json(const char *stream_id, size_t id_len, const redisReply *fields);

/* true if type is NULL (no filter) or the event's type is exactly type. */
bool reco_event_has_type(const json_t *event, const char *type);

/* events.list's arguments. Points into the args it was parsed from and into itself. */
typedef struct {
    const char *user, *item; /* exactly one is set */
    const char *type;        /* NULL: every type */
    long limit;
    reco_events_position_t start; /* from the cursor; unset: the newest event */
    char user_buf[RECO_QUERY_ID_BUF], item_buf[RECO_QUERY_ID_BUF];
} reco_events_list_args_t;

/* Validates events.list's args into *out: exactly one of user, item (ids); type (an action
 * name); limit (1..RECO_EVENTS_LIMIT_MAX, default RECO_EVENTS_LIMIT_DEFAULT); cursor. Returns 0,
 * or -1 with err set to a 400 naming the field. */
int reco_events_parse_list_args(const json_t *args, reco_events_list_args_t *out,
                                reco_error_t *err);

/* The ops, for a validated tenant; each always fills rep. */
void reco_events_list_handle(reco_store_t *store, const char *tenant, const json_t *args,
                             reco_reply_t *rep);
void reco_users_export_handle(reco_store_t *store, const char *tenant, const json_t *args,
                              reco_reply_t *rep);

#endif
