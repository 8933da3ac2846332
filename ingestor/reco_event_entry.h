/* reco_event_entry — the pure (Redis-free) logic between an event and its stream entry.
 *
 * An event lives in the tenant's stream as one entry of text fields: user, item, type, ts, then
 * whichever of id, value, quantity, price, order, session, recommendation, properties it has
 * (docs/redis-keys.md). The ingest script (reco_ingest_script.c) writes entries; it takes each
 * event as a compact JSON object whose values are all strings, already formatted here, so that
 * numbers keep every digit they had (Lua would print 0.1 as 0.10000000000000001) and properties
 * keep their exact JSON text.
 *
 * This module builds those objects (from a canonical event, or from an entry read back for a
 * transfer), parses entries of an XRANGE reply, and decides which entries a deletion matches.
 *
 * Ownership: JSON texts returned are malloc'ed, the caller frees them. A reco_event_entry_t
 * borrows every pointer from the redisReply it was parsed from and dies with it. */
#ifndef RECO_EVENT_ENTRY_H
#define RECO_EVENT_ENTRY_H

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes v as the shortest decimal text that reads back as exactly v (e.g. 4.5 -> "4.5",
 * 0.1 -> "0.1", 4.0 -> "4", 100 -> "100"). Returns the length, or -1 if it does not fit in n bytes
 * or v is not finite. */
int reco_format_double(double v, char *buf, size_t n);

/* A canonical event (reco_event_normalize) as the script's input: {"user":..., "item":...,
 * "type":..., "ts":"<ms>", ...} with every value a string. NULL if a required field is missing
 * or out of memory. */
char *reco_event_script_json(const json_t *event);

/* One stream entry, parsed from an XRANGE reply element [id, [field, value, ...]]. */
typedef struct {
    const char *sid;                   /* the stream entry id, e.g. "1700000000000-0" */
    const char *user, *item, *session; /* session is NULL when the event had none */
    const char *type;                  /* NULL when the entry has no type field */
    size_t user_len, item_len, session_len, type_len;
    int64_t ts;               /* event time, epoch ms */
    const redisReply *fields; /* the name/value array, for copying the entry whole */
} reco_event_entry_t;

/* Fills *out from one XRANGE element. -1 if the element is not an entry or lacks a valid user,
 * item or ts (*out is then zeroed). */
int reco_event_entry_parse(const redisReply *element, reco_event_entry_t *out);

/* The entry as the script's input. With as_user != NULL the entry's user is replaced by it (a
 * transfer); with from != NULL the object also carries "sid" (the original entry id) and "from"
 * (its user), which the script's move mode needs to remove the original. With ids_only, only
 * sid, user, item and session are written (what the remove mode needs). NULL on out of memory. */
char *reco_event_entry_script_json(const reco_event_entry_t *entry, const char *as_user,
                                   bool with_origin, bool ids_only);

/* What events.delete matches: every criterion given must hold. NULL ids (and type) and false
 * flags mean "any"; a type given never matches an entry without one. */
typedef struct {
    const char *user, *item, *session, *type;
    bool has_before, has_timestamp;
    int64_t before;    /* ts < before */
    int64_t timestamp; /* ts == timestamp */
} reco_event_filter_t;

bool reco_event_filter_match(const reco_event_filter_t *filter, const reco_event_entry_t *entry);

#endif
