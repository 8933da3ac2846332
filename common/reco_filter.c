/* reco_filter — parsing and evaluating TasteHit-style catalogue filters (see reco_filter.h).
 *
 * Parsing is strict: anything the syntax does not define (an unknown modifier, two fields in one
 * object, a number where a string or range is expected, NaN bounds, min > max) is a 400 that
 * quotes the filter, so a client's typo never silently widens its recommendations.
 *
 * Evaluation is pure: the caller fetches the rules' hash fields (HMGET, in rule order) and hands
 * the raw values over. attr:<name> and categories values are JSON written by the ingestor; they
 * are parsed here and, when they do not parse, count as absent. */
#include "reco_filter.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reco_validate.h"

/* Sets a 400 naming filters[index] and quoting it (compact JSON, cut to fit). Returns -1. */
static int fail(reco_error_t *err, size_t index, const json_t *filter, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(reco_error_t *err, size_t index, const json_t *filter, const char *fmt, ...)
{
    char quoted[160] = "";
    char *dump = filter ? json_dumps(filter, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    if (dump) {
        snprintf(quoted, sizeof quoted, "%s%s", dump, strlen(dump) >= sizeof quoted ? "..." : "");
        free(dump);
    }
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    reco_error_set(err, 400, "invalid_field", "filters[%zu] %s: %s", index, quoted, why);
    return -1;
}

/* Where the field `name` is read from. */
static void set_source(reco_filter_rule_t *r)
{
    const char *field = NULL;
    r->source = RECO_FILTER_SOURCE_ATTR;
    if (strcmp(r->name, "title") == 0)
        r->source = RECO_FILTER_SOURCE_TITLE, field = "title";
    else if (strcmp(r->name, "categories") == 0)
        r->source = RECO_FILTER_SOURCE_CATEGORIES, field = "categories";
    else if (strcmp(r->name, "createdAt") == 0)
        r->source = RECO_FILTER_SOURCE_TIME, field = "created_at";
    else if (strcmp(r->name, "updatedAt") == 0)
        r->source = RECO_FILTER_SOURCE_TIME, field = "updated_at";
    if (field)
        snprintf(r->hash_field, sizeof r->hash_field, "%s", field);
    else
        snprintf(r->hash_field, sizeof r->hash_field, "attr:%s", r->name);
}

static int parse_bound(const json_t *range, const char *which, double *out, size_t index,
                       const json_t *filter, const char *name, reco_error_t *err)
{
    json_t *v = json_object_get(range, which);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_number(v) || !isfinite(json_number_value(v)))
        return fail(err, index, filter, "%s.%s must be a finite number", name, which);
    *out = json_number_value(v);
    return 0;
}

static int parse_range(const json_t *range, reco_filter_rule_t *r, size_t index,
                       const json_t *filter, reco_error_t *err)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)range, key, v)
    {
        if (strcmp(key, "min") != 0 && strcmp(key, "max") != 0)
            return fail(err, index, filter, "%s: a range has only min and max, not '%s'", r->name, key);
    }
    r->kind = RECO_FILTER_RANGE;
    r->min = -INFINITY;
    r->max = INFINITY;
    if (parse_bound(range, "min", &r->min, index, filter, r->name, err) != 0 ||
        parse_bound(range, "max", &r->max, index, filter, r->name, err) != 0)
        return -1;
    if (isinf(r->min) && isinf(r->max))
        return fail(err, index, filter, "%s: a range needs min, max or both", r->name);
    if (r->min > r->max)
        return fail(err, index, filter, "%s: min is greater than max", r->name);
    return 0;
}

/* The value of the one field of a filter object. */
static int parse_value(const json_t *value, reco_filter_rule_t *r, size_t index,
                       const json_t *filter, reco_error_t *err)
{
    if (r->source == RECO_FILTER_SOURCE_TIME && !json_is_object(value))
        return fail(err, index, filter, "%s must be a range {\"min\": seconds, \"max\": seconds}",
                    r->name);
    if (json_is_object(value))
        return parse_range(value, r, index, filter, err);
    if (json_is_boolean(value)) {
        r->kind = RECO_FILTER_BOOL;
        r->boolean = json_is_true(value);
        return 0;
    }
    if (json_is_string(value)) {
        size_t len = json_string_length(value);
        if (len == 0 || len > RECO_FILTER_VALUE_MAX)
            return fail(err, index, filter, "%s: the value must be 1 to %d bytes", r->name,
                        RECO_FILTER_VALUE_MAX);
        r->kind = RECO_FILTER_STRING;
        memcpy(r->text, json_string_value(value), len);
        r->text[len] = '\0';
        r->text_len = len;
        return 0;
    }
    return fail(err, index, filter,
                "%s must be a string, true/false, or a range {\"min\": n, \"max\": n}", r->name);
}

/* The modifiers of a filter object; 0, or -1 with err set. */
static int parse_modifiers(const json_t *filter, reco_filter_rule_t *r, size_t index,
                           reco_error_t *err)
{
    json_t *exclusive = json_object_get(filter, "exclusive");
    json_t *similar = json_object_get(filter, "similar_to");
    if (similar && !json_is_false(similar))
        return fail(err, index, filter, "similar_to is not supported");
    if (!exclusive || json_is_null(exclusive))
        return 0;
    if (!json_is_boolean(exclusive))
        return fail(err, index, filter, "exclusive must be true or false");
    if (json_is_true(exclusive) && r->kind != RECO_FILTER_STRING)
        return fail(err, index, filter, "exclusive applies to string values only");
    r->exclusive = json_is_true(exclusive);
    return 0;
}

static int parse_one(const json_t *filter, reco_filter_rule_t *r, size_t index, reco_error_t *err)
{
    if (!json_is_object(filter))
        return fail(err, index, filter, "a filter must be an object like {\"brand\": \"x\"}");
    const char *key, *name = NULL;
    json_t *v, *value = NULL;
    json_object_foreach((json_t *)filter, key, v)
    {
        if (strcmp(key, "exclusive") == 0 || strcmp(key, "similar_to") == 0)
            continue;
        if (name)
            return fail(err, index, filter, "one field per filter ('%s' and '%s'); use two filters",
                        name, key);
        name = key;
        value = v;
    }
    if (!name)
        return fail(err, index, filter, "names no field");
    size_t len = strlen(name);
    if (len > RECO_FILTER_NAME_MAX || !reco_valid_id(name, len))
        return fail(err, index, filter, "a field name is 1 to %d bytes of UTF-8 without control characters",
                    RECO_FILTER_NAME_MAX);
    memset(r, 0, sizeof *r);
    memcpy(r->name, name, len + 1);
    set_source(r);
    if (parse_value(value, r, index, filter, err) != 0)
        return -1;
    return parse_modifiers(filter, r, index, err);
}

int reco_filter_parse(const json_t *filters, reco_filter_set_t *out, reco_error_t *err)
{
    out->n = 0;
    if (!filters || json_is_null(filters))
        return 0;
    if (!json_is_array(filters)) {
        reco_error_set(err, 400, "invalid_field",
                       "filters: must be a JSON array of filters like [{\"brand\": \"x\"}]");
        return -1;
    }
    if (json_array_size(filters) > RECO_FILTER_MAX) {
        reco_error_set(err, 400, "invalid_field", "filters: at most %d filters", RECO_FILTER_MAX);
        return -1;
    }
    for (size_t i = 0; i < json_array_size(filters); i++) {
        if (parse_one(json_array_get(filters, i), &out->rule[i], i, err) != 0) {
            out->n = 0;
            return -1;
        }
        out->n = i + 1;
    }
    return 0;
}

int reco_filter_parse_text(const char *text, reco_filter_set_t *out, reco_error_t *err)
{
    json_error_t jerr;
    out->n = 0;
    json_t *filters = json_loads(text ? text : "", JSON_DECODE_ANY, &jerr);
    if (!filters) {
        reco_error_set(err, 400, "invalid_field", "filters: not valid JSON (%s at character %d)",
                       jerr.text, jerr.position);
        return -1;
    }
    int rc = reco_filter_parse(filters, out, err);
    json_decref(filters);
    return rc;
}

/* ---- evaluation ---- */

/* A category path equal to text, or below it (text + "/..."). */
static bool category_matches(const char *path, size_t len, const reco_filter_rule_t *r)
{
    return len >= r->text_len && memcmp(path, r->text, r->text_len) == 0 &&
           (len == r->text_len || path[r->text_len] == '/');
}

static bool string_matches(const json_t *v, const reco_filter_rule_t *r)
{
    if (json_is_string(v)) {
        size_t len = json_string_length(v);
        const char *s = json_string_value(v);
        return r->source == RECO_FILTER_SOURCE_CATEGORIES
                   ? category_matches(s, len, r)
                   : len == r->text_len && memcmp(s, r->text, len) == 0;
    }
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) if (string_matches(e, r)) return true;
    return false;
}

/* The stored value as JSON: attr and categories hold JSON, title plain text, times integer ms
 * (turned into seconds). NULL when absent or unparsable. */
static json_t *stored_value(const reco_filter_rule_t *r, const char *raw, size_t len)
{
    if (!raw)
        return NULL;
    if (r->source == RECO_FILTER_SOURCE_TITLE)
        return json_stringn(raw, len);
    if (r->source == RECO_FILTER_SOURCE_TIME) {
        char buf[32], *end;
        if (len == 0 || len >= sizeof buf)
            return NULL;
        memcpy(buf, raw, len);
        buf[len] = '\0';
        long long ms = strtoll(buf, &end, 10);
        return *end == '\0' ? json_real((double)ms / 1000.0) : NULL;
    }
    return json_loadb(raw, len, JSON_DECODE_ANY, NULL);
}

static bool rule_matches(const reco_filter_rule_t *r, const char *raw, size_t len)
{
    json_t *v = stored_value(r, raw, len);
    bool match = false;
    switch (r->kind) {
    case RECO_FILTER_STRING:
        match = v && string_matches(v, r);
        match = r->exclusive ? !match : match;
        break;
    case RECO_FILTER_RANGE:
        match = json_is_number(v) && json_number_value(v) >= r->min && json_number_value(v) <= r->max;
        break;
    case RECO_FILTER_BOOL:
        match = json_is_true(v) == r->boolean;
        break;
    }
    json_decref(v);
    return match;
}

bool reco_filter_match(const reco_filter_set_t *set, const char *const *values, const size_t *lens)
{
    for (size_t i = 0; i < set->n; i++)
        if (!rule_matches(&set->rule[i], values[i], values[i] ? lens[i] : 0))
            return false;
    return true;
}
