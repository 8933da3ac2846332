/* reco_import_map — CSV cells and JSON-lines objects to API objects (see reco_import_map.h).
 *
 * Each CSV column gets a role once, when the header is set: a field of the API object (user,
 * item, type, value, categories, ...) or "extra", which goes into properties (events) or
 * attributes (items, users). Mapping a row is then a walk over the cells. Numbers are only
 * produced where the API wants one (value, quantity, price, timestamp) and for extra cells that
 * are JSON numbers; ids always stay text, so "007" keeps its zeros. */
#include "reco_import_map.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum {
    ROLE_EXTRA = 0, /* properties / attributes */
    ROLE_ID,        /* a text field copied as it is: user, item, type, id, order, title, ... */
    ROLE_NUMBER,    /* value, quantity, price */
    ROLE_TIMESTAMP,
    ROLE_CATEGORIES, /* items: split on '|' */
    ROLE_HIDDEN      /* items: true/false/1/0/yes/no */
} role_t;

typedef struct {
    char *name; /* after renaming */
    role_t role;
} column_t;

typedef struct {
    char *from, *to;
} rename_t;

struct reco_import_map {
    reco_import_kind_t kind;
    reco_ts_unit_t unit;
    char *default_type;
    rename_t *renames;
    size_t n_renames;
    column_t *columns;
    size_t n_columns;
};

static const char *const EVENT_TEXT_FIELDS[] = {"user",  "item",    "type",           "id",
                                                "order", "session", "recommendation", NULL};
static const char *const EVENT_NUMBER_FIELDS[] = {"value", "quantity", "price", NULL};

int reco_import_kind_parse(const char *text)
{
    static const char *const names[] = {"events", "items", "users"};
    for (int i = 0; text && i < 3; i++)
        if (strcmp(text, names[i]) == 0) return i;
    return -1;
}

const char *reco_import_kind_name(reco_import_kind_t kind)
{
    return kind == RECO_IMPORT_ITEMS ? "items" : kind == RECO_IMPORT_USERS ? "users" : "events";
}

int reco_ts_unit_parse(const char *text)
{
    if (!text || !*text || strcmp(text, "guess") == 0) return RECO_TS_GUESS;
    if (strcmp(text, "s") == 0) return RECO_TS_SECONDS;
    if (strcmp(text, "ms") == 0) return RECO_TS_MILLIS;
    return -1;
}

static bool in_list(const char *const *list, const char *name)
{
    for (; *list; list++)
        if (strcmp(*list, name) == 0) return true;
    return false;
}

static role_t role_of(reco_import_kind_t kind, const char *name)
{
    if (kind == RECO_IMPORT_EVENTS) {
        if (in_list(EVENT_TEXT_FIELDS, name)) return ROLE_ID;
        if (in_list(EVENT_NUMBER_FIELDS, name)) return ROLE_NUMBER;
        return strcmp(name, "timestamp") == 0 ? ROLE_TIMESTAMP : ROLE_EXTRA;
    }
    if (strcmp(name, "id") == 0) return ROLE_ID;
    if (kind == RECO_IMPORT_ITEMS) {
        if (strcmp(name, "title") == 0) return ROLE_ID;
        if (strcmp(name, "categories") == 0) return ROLE_CATEGORIES;
        if (strcmp(name, "hidden") == 0) return ROLE_HIDDEN;
    }
    return ROLE_EXTRA;
}

/* -- renames ------------------------------------------------------------------------------ */

static int add_rename(reco_import_map_t *map, const char *pair, size_t len, char *err,
                      size_t errlen)
{
    const char *eq = memchr(pair, '=', len);
    if (!eq || eq == pair || eq == pair + len - 1) {
        snprintf(err, errlen, "--map: '%.*s' is not of the form from=to", (int)len, pair);
        return -1;
    }
    rename_t *grown = realloc(map->renames, (map->n_renames + 1) * sizeof *grown);
    if (!grown) return -1;
    map->renames = grown;
    rename_t *r = &map->renames[map->n_renames];
    r->from = strndup(pair, (size_t)(eq - pair));
    r->to = strndup(eq + 1, (size_t)(pair + len - eq - 1));
    map->n_renames++;
    if (!r->from || !r->to) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

static int parse_renames(reco_import_map_t *map, const char *spec, char *err, size_t errlen)
{
    while (spec && *spec) {
        size_t len = strcspn(spec, ",");
        if (len > 0 && add_rename(map, spec, len, err, errlen) != 0) return -1;
        spec += len;
        if (*spec == ',') spec++;
    }
    return 0;
}

static const char *renamed(const reco_import_map_t *map, const char *name)
{
    for (size_t i = 0; i < map->n_renames; i++)
        if (strcmp(map->renames[i].from, name) == 0) return map->renames[i].to;
    return name;
}

reco_import_map_t *reco_import_map_new(reco_import_kind_t kind, const char *renames,
                                       const char *default_type, reco_ts_unit_t unit, char *err,
                                       size_t errlen)
{
    reco_import_map_t *map = calloc(1, sizeof *map);
    if (!map) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    map->kind = kind;
    map->unit = unit;
    if (default_type && *default_type && !(map->default_type = strdup(default_type))) {
        snprintf(err, errlen, "out of memory");
        reco_import_map_destroy(&map);
        return NULL;
    }
    if (parse_renames(map, renames, err, errlen) != 0) reco_import_map_destroy(&map);
    return map;
}

static void free_columns(reco_import_map_t *map)
{
    for (size_t i = 0; i < map->n_columns; i++)
        free(map->columns[i].name);
    free(map->columns);
    map->columns = NULL;
    map->n_columns = 0;
}

void reco_import_map_destroy(reco_import_map_t **map)
{
    if (!map || !*map) return;
    reco_import_map_t *m = *map;
    free_columns(m);
    for (size_t i = 0; i < m->n_renames; i++) {
        free(m->renames[i].from);
        free(m->renames[i].to);
    }
    free(m->renames);
    free(m->default_type);
    free(m);
    *map = NULL;
}

/* -- header ------------------------------------------------------------------------------- */

static bool has_column(const reco_import_map_t *map, const char *name)
{
    for (size_t i = 0; i < map->n_columns; i++)
        if (strcmp(map->columns[i].name, name) == 0) return true;
    return false;
}

static int check_required_columns(const reco_import_map_t *map, char *err, size_t errlen)
{
    const char *const event_required[] = {"user", "item", NULL};
    const char *const id_required[] = {"id", NULL};
    const char *const *required = map->kind == RECO_IMPORT_EVENTS ? event_required : id_required;
    for (; *required; required++) {
        if (!has_column(map, *required)) {
            snprintf(err, errlen,
                     "the header has no '%s' column (rename one with --map, e.g. --map %s=%s)",
                     *required, map->kind == RECO_IMPORT_EVENTS ? "userId" : "movieId", *required);
            return -1;
        }
    }
    if (map->kind == RECO_IMPORT_EVENTS && !has_column(map, "type") && !map->default_type) {
        snprintf(err, errlen,
                 "the header has no 'type' column: give the event type with --type (e.g. --type "
                 "rating)");
        return -1;
    }
    return 0;
}

int reco_import_map_set_header(reco_import_map_t *map, const char *const *names, size_t n,
                               char *err, size_t errlen)
{
    free_columns(map);
    map->columns = calloc(n ? n : 1, sizeof *map->columns);
    if (!map->columns) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const char *name = names[i];
        if (i == 0 && strncmp(name, "\xEF\xBB\xBF", 3) == 0) name += 3;
        name = renamed(map, name);
        if (!*name) {
            snprintf(err, errlen, "header column %zu has no name", i + 1);
            return -1;
        }
        if (has_column(map, name)) {
            snprintf(err, errlen, "the header names column '%s' twice (after --map)", name);
            return -1;
        }
        column_t *c = &map->columns[map->n_columns];
        if (!(c->name = strdup(name))) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        c->role = role_of(map->kind, name);
        map->n_columns++;
    }
    return check_required_columns(map, err, errlen);
}

/* -- cells -------------------------------------------------------------------------------- */

json_t *reco_import_number(const char *text)
{
    const char *p = text;
    if (*p == '-') p++;
    if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9')) return NULL;
    bool integral = true;
    while (*p >= '0' && *p <= '9')
        p++;
    if (*p == '.') {
        integral = false;
        if (*++p < '0' || *p > '9') return NULL;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        integral = false;
        p++;
        if (*p == '+' || *p == '-') p++;
        if (*p < '0' || *p > '9') return NULL;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p) return NULL;
    errno = 0;
    if (integral) {
        long long v = strtoll(text, NULL, 10);
        if (errno == 0) return json_integer((json_int_t)v);
        errno = 0;
    }
    double d = strtod(text, NULL);
    return errno == 0 && isfinite(d) ? json_real(d) : NULL;
}

/* A numeric timestamp converted to milliseconds when the unit is known; text otherwise. */
static json_t *timestamp_value(reco_ts_unit_t unit, const char *text)
{
    json_t *num = reco_import_number(text);
    if (!num) return json_string(text);
    if (unit == RECO_TS_GUESS) return num;
    double v = json_number_value(num);
    json_decref(num);
    double ms = unit == RECO_TS_SECONDS ? v * 1000.0 : v;
    return json_integer((json_int_t)llround(ms));
}

static json_t *categories_value(const char *text)
{
    json_t *list = json_array();
    while (list && *text) {
        size_t len = strcspn(text, "|");
        if (len > 0 && json_array_append_new(list, json_stringn(text, len)) != 0) {
            json_decref(list);
            return NULL;
        }
        text += len;
        if (*text == '|') text++;
    }
    return list;
}

static json_t *hidden_value(const char *text)
{
    static const char *const yes[] = {"true", "1", "yes", NULL}, *const no[] = {"false", "0", "no",
                                                                                NULL};
    for (size_t i = 0; yes[i]; i++) {
        if (strcasecmp(text, yes[i]) == 0) return json_true();
        if (strcasecmp(text, no[i]) == 0) return json_false();
    }
    return NULL;
}

/* The JSON value of one non-empty cell, or NULL with why set. */
static json_t *cell_value(const reco_import_map_t *map, const column_t *c, const char *text,
                          char *why, size_t whylen)
{
    json_t *v = NULL;
    switch (c->role) {
    case ROLE_ID:
        v = json_string(text);
        break;
    case ROLE_NUMBER:
        v = reco_import_number(text);
        break;
    case ROLE_TIMESTAMP:
        v = timestamp_value(map->unit, text);
        break;
    case ROLE_CATEGORIES:
        v = categories_value(text);
        break;
    case ROLE_HIDDEN:
        v = hidden_value(text);
        break;
    case ROLE_EXTRA:
        v = reco_import_number(text);
        if (!v) v = json_string(text);
        break;
    }
    if (v) return v;
    if (c->role == ROLE_NUMBER || c->role == ROLE_HIDDEN)
        snprintf(why, whylen, "%s: '%.60s' is not %s", c->name, text,
                 c->role == ROLE_HIDDEN ? "true, false, 1 or 0" : "a number");
    else
        snprintf(why, whylen, "%s: not valid UTF-8", c->name);
    return NULL;
}

static const char *extra_field(reco_import_kind_t kind)
{
    return kind == RECO_IMPORT_EVENTS ? "properties" : "attributes";
}

/* Checks what every row of the kind needs; fills in the default type. 0, or -1 with why. */
static int complete_row(const reco_import_map_t *map, json_t *row, char *why, size_t whylen)
{
    const char *const event_required[] = {"user", "item", NULL};
    const char *const id_required[] = {"id", NULL};
    const char *const *required = map->kind == RECO_IMPORT_EVENTS ? event_required : id_required;
    for (; *required; required++) {
        json_t *v = json_object_get(row, *required);
        if (!v || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0)) {
            snprintf(why, whylen, "%s: missing", *required);
            return -1;
        }
    }
    if (map->kind == RECO_IMPORT_EVENTS && !json_object_get(row, "type")) {
        if (!map->default_type) {
            snprintf(why, whylen, "type: missing (and no --type given)");
            return -1;
        }
        json_object_set_new(row, "type", json_string(map->default_type));
    }
    return 0;
}

json_t *reco_import_map_csv(const reco_import_map_t *map, const char *const *cells, size_t n,
                            char *why, size_t whylen)
{
    if (n > map->n_columns) {
        snprintf(why, whylen, "%zu cells, but the header has %zu columns", n, map->n_columns);
        return NULL;
    }
    json_t *row = json_object(), *extra = json_object();
    if (!row || !extra) {
        snprintf(why, whylen, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        if (!cells[i] || !*cells[i]) continue;
        const column_t *c = &map->columns[i];
        json_t *v = cell_value(map, c, cells[i], why, whylen);
        if (!v) goto fail;
        json_object_set_new(c->role == ROLE_EXTRA ? extra : row, c->name, v);
    }
    if (json_object_size(extra) > 0) json_object_set(row, extra_field(map->kind), extra);
    json_decref(extra);
    if (complete_row(map, row, why, whylen) == 0) return row;
    json_decref(row);
    return NULL;
fail:
    json_decref(row);
    json_decref(extra);
    return NULL;
}

json_t *reco_import_map_json(const reco_import_map_t *map, json_t *object, char *why, size_t whylen)
{
    if (!json_is_object(object)) {
        snprintf(why, whylen, "a line must hold one JSON object");
        return NULL;
    }
    json_t *row = json_object();
    const char *key;
    json_t *value;
    json_object_foreach(object, key, value)
    {
        json_object_set(row, renamed(map, key), value);
    }
    json_t *ts = json_object_get(row, "timestamp");
    if (map->kind == RECO_IMPORT_EVENTS && map->unit != RECO_TS_GUESS && json_is_number(ts)) {
        double ms = json_number_value(ts) * (map->unit == RECO_TS_SECONDS ? 1000.0 : 1.0);
        json_object_set_new(row, "timestamp", json_integer((json_int_t)llround(ms)));
    }
    if (complete_row(map, row, why, whylen) == 0) return row;
    json_decref(row);
    return NULL;
}
