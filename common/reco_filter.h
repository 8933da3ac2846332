/* reco_filter — catalogue filters of a recommendation request, in TasteHit's JSON syntax
 * (seeds/002): parsed and checked once, then evaluated against an item's stored fields.
 *
 * It lives in common/ because three places validate the same filters: the gateway (before any
 * worker is bothered), the query worker (which never trusts its input) and the scenarios code
 * (a scenario stores filters; check them with reco_filter_parse before storing).
 *
 * Syntax: a JSON array of objects, all AND-ed. Each object names exactly one field, plus the
 * optional modifier `exclusive` (a boolean, only with a string value):
 *
 *   {"brand": "Desigual"}                  string, inclusive: the value equals it, or (a list
 *                                          value) contains it
 *   {"brand": "Desigual", "exclusive": true} string, exclusive: the item does NOT match the above
 *                                          (an item without the field passes)
 *   {"price": {"min": 10, "max": 100}}     numeric range, bounds inclusive, either optional (not
 *                                          both absent, min <= max); the value must be a number
 *   {"entertainment": true}                boolean: the value is true
 *   {"entertainment": false}               boolean: the value is not true (false or absent)
 *   {"createdAt": {"min": 1460736803.9}}   creation time in epoch SECONDS (fractions allowed),
 *                                          a range only; `updatedAt` likewise
 *
 * Fields map onto the item hash reco:{T}:item:<item> (docs/redis-keys.md): `title` → title,
 * `categories` → categories (a string filter matches a category path equal to the value or below
 * it: "shoes" matches "shoes/running"), `createdAt` / `updatedAt` → created_at / updated_at (ms),
 * any other name → attr:<name> (a JSON value). `similar_to` (TasteHit) is refused: reco has no
 * such notion. At most RECO_FILTER_MAX filters; names 1..RECO_FILTER_NAME_MAX bytes of UTF-8
 * without control characters; string values up to RECO_FILTER_VALUE_MAX bytes.
 *
 * Ownership: reco_filter_set_t holds copies of everything (no pointers into the JSON), so it
 * may be copied, kept after the JSON is gone, and needs no destructor. */
#ifndef RECO_FILTER_H
#define RECO_FILTER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "reco_error.h"

#define RECO_FILTER_MAX 20
#define RECO_FILTER_NAME_MAX 64
#define RECO_FILTER_VALUE_MAX 256
#define RECO_FILTER_HASH_FIELD_MAX (RECO_FILTER_NAME_MAX + 8) /* "attr:" + name */

typedef enum {
    RECO_FILTER_STRING, /* inclusive (or exclusive) string match */
    RECO_FILTER_RANGE,  /* numeric min/max */
    RECO_FILTER_BOOL    /* true / not true */
} reco_filter_kind_t;

typedef enum {
    RECO_FILTER_SOURCE_ATTR,       /* attr:<name>, a JSON value */
    RECO_FILTER_SOURCE_TITLE,      /* title, plain text */
    RECO_FILTER_SOURCE_CATEGORIES, /* categories, a JSON array of paths */
    RECO_FILTER_SOURCE_TIME        /* created_at / updated_at, integer ms; compared in seconds */
} reco_filter_source_t;

typedef struct {
    char name[RECO_FILTER_NAME_MAX + 1];             /* as the client wrote it */
    char hash_field[RECO_FILTER_HASH_FIELD_MAX + 1]; /* the item hash field it reads */
    reco_filter_source_t source;
    reco_filter_kind_t kind;
    bool exclusive;                        /* STRING */
    char text[RECO_FILTER_VALUE_MAX + 1];  /* STRING */
    size_t text_len;
    double min, max;                       /* RANGE: -INFINITY / INFINITY when absent */
    bool boolean;                          /* BOOL */
} reco_filter_rule_t;

typedef struct {
    reco_filter_rule_t rule[RECO_FILTER_MAX];
    size_t n; /* 0: no filter, everything passes */
} reco_filter_set_t;

/* Parses and checks filters (a JSON array; NULL or JSON null = no filter) into *out. Returns 0,
 * or -1 with err set to a 400 invalid_field whose message names the element and quotes the
 * offending filter: `filters[1] {"price":{"min":"x"}}: price.min must be a number`. */
int reco_filter_parse(const json_t *filters, reco_filter_set_t *out, reco_error_t *err);

/* The same for filters sent as text (a URL's filters=<JSON>): invalid JSON is a 400 too. */
int reco_filter_parse_text(const char *text, reco_filter_set_t *out, reco_error_t *err);

/* true if an item passes every rule. values[i] / lens[i]: the raw value of the item hash field
 * set->rule[i].hash_field as Redis holds it, or NULL when the field (or the item) is absent.
 * A stored value that does not parse counts as absent. */
bool reco_filter_match(const reco_filter_set_t *set, const char *const *values,
                       const size_t *lens);

#endif
