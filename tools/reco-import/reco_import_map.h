/* reco_import_map — turns one input row (CSV cells or a JSON-lines object) into the JSON object
 * the native API wants for an event, an item or a user.
 *
 * Pure: no I/O, no global state, so it is unit-tested cell by cell. A map is built once per
 * file (kind, --map renames, --type, --timestamp-unit), is told the CSV header, and then maps
 * every row. A row that cannot be sent (a required value missing, a number that is not one)
 * yields NULL and a reason, and is rejected locally: the server never sees it. */
#ifndef RECO_IMPORT_MAP_H
#define RECO_IMPORT_MAP_H

#include <jansson.h>
#include <stddef.h>

typedef enum { RECO_IMPORT_EVENTS = 0, RECO_IMPORT_ITEMS, RECO_IMPORT_USERS } reco_import_kind_t;

/* How numeric timestamps are read: GUESS sends them as they are (the server takes values
 * above 1e11 as milliseconds), SECONDS and MILLIS convert them to milliseconds here. */
typedef enum { RECO_TS_GUESS = 0, RECO_TS_SECONDS, RECO_TS_MILLIS } reco_ts_unit_t;

typedef struct reco_import_map reco_import_map_t;

/* "events" -> RECO_IMPORT_EVENTS ...; -1 for anything else. */
int reco_import_kind_parse(const char *text);
/* The kind's plural name, also the array name in error messages ("events[3].type: ..."). */
const char *reco_import_kind_name(reco_import_kind_t kind);
/* "s" / "ms" / "guess" (or NULL, empty) -> the unit; -1 for anything else. */
int reco_ts_unit_parse(const char *text);

/* renames: "from=to,from=to" (NULL or "" for none); default_type: the event type of rows that
 * have none (NULL for none). Both strings are copied. Returns NULL with a reason in err on a
 * malformed rename list. */
reco_import_map_t *reco_import_map_new(reco_import_kind_t kind, const char *renames,
                                       const char *default_type, reco_ts_unit_t unit, char *err,
                                       size_t errlen);
void reco_import_map_destroy(reco_import_map_t **map);

/* Tells the map the CSV header (column names before renaming; a UTF-8 byte order mark on the
 * first is dropped). Returns 0, or -1 with a reason in err when the columns cannot make a row
 * (no user or item column for events, no id column for items and users, no type column and no
 * default type, a name used twice). */
int reco_import_map_set_header(reco_import_map_t *map, const char *const *names, size_t n,
                               char *err, size_t errlen);

/* Maps one CSV row (cells NUL-terminated; fewer cells than columns count as empty ones, empty
 * cells are left out). Returns a new object, or NULL with the reason in why. */
json_t *reco_import_map_csv(const reco_import_map_t *map, const char *const *cells, size_t n,
                            char *why, size_t whylen);

/* Maps one JSON-lines object (borrowed): renames keys, adds the default type where there is none,
 * converts numeric timestamps when a unit was given, and checks the required fields. Returns a
 * new reference, or NULL with the reason in why. */
json_t *reco_import_map_json(const reco_import_map_t *map, json_t *object, char *why,
                             size_t whylen);

/* Parses a cell as a JSON number: the JSON grammar only (no leading zeros, no "inf", no
 * surrounding spaces), so "007" and "12ab" stay text. Returns a new integer or real, or NULL. */
json_t *reco_import_number(const char *text);

#endif
