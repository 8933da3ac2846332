/* reco_scenario — scenario bodies and scenario requests, checked and made canonical (see the
 * header). Pure: no Redis, no I/O; test_reco_scenario.c checks every rule.
 *
 * Each field has one small checker that reads the field from the input object and sets it in the
 * output object; a checker returns 0, or -1 with err naming the field. Unknown fields are refused
 * so that a typo ("limt") is not silently ignored. */
#include "reco_scenario.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "reco_attribution.h"
#include "reco_filter.h"
#include "reco_model_names.h"
#include "reco_validate.h"

const char reco_scenario_model_list_text[] =
    "popular, popular-1d, popular-7d, popular-30d, popular-365d, trending, item-to-item, "
    "also-viewed, also-bought, bought-with, similar-customers, for-user, content, "
    "popular-category";

bool reco_valid_scenario_id(const char *id)
{
    size_t len = id ? strlen(id) : 0;
    if (len == 0 || len > RECO_SCENARIO_ID_MAX || strcmp(id, "bulk") == 0) return false;
    for (size_t i = 0; i < len; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

bool reco_scenario_model_known(const char *name)
{
    return name && (reco_model_known(name) || strcmp(name, RECO_SCENARIO_POPULAR_CATEGORY) == 0);
}

/* 0 if every key of obj is in allowed (NULL-terminated), else -1 naming the first other one. */
static int only_known_fields(const json_t *obj, const char *const *allowed, const char *where,
                             reco_error_t *err)
{
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)obj, key, value)
    {
        (void)value;
        int known = 0;
        for (size_t i = 0; allowed[i] && !known; i++)
            known = strcmp(key, allowed[i]) == 0;
        if (!known) {
            reco_error_set(err, 400, "unknown_field", "%.64s: not a field of %s", key, where);
            return -1;
        }
    }
    return 0;
}

/* ---- scenario bodies ---- */

static int check_model(const json_t *body, json_t *out, reco_error_t *err)
{
    json_t *model = json_object_get(body, "model");
    if (!model) {
        reco_error_set(err, 400, "missing_field", "model: required, one of %s",
                       reco_scenario_model_list_text);
        return -1;
    }
    if (!reco_scenario_model_known(json_string_value(model))) {
        reco_error_set(err, 400, "invalid_field", "model: must be one of %s",
                       reco_scenario_model_list_text);
        return -1;
    }
    return json_object_set(out, "model", model);
}

static int check_limit(const json_t *body, json_t *out, int required_default, reco_error_t *err)
{
    json_t *limit = json_object_get(body, "limit");
    if (!limit || json_is_null(limit))
        return required_default
                   ? json_object_set_new(out, "limit", json_integer(RECO_SCENARIO_LIMIT_DEFAULT))
                   : 0;
    if (!json_is_integer(limit) || json_integer_value(limit) < 1 ||
        json_integer_value(limit) > RECO_SCENARIO_LIMIT_MAX) {
        reco_error_set(err, 400, "invalid_field", "limit: must be a whole number from 1 to %d",
                       RECO_SCENARIO_LIMIT_MAX);
        return -1;
    }
    return json_object_set(out, "limit", limit);
}

/* filters: a TasteHit filter array (reco_filter_parse decides); stored as given. */
static int check_filters(const json_t *body, json_t *out, int store_empty, reco_error_t *err)
{
    json_t *filters = json_object_get(body, "filters");
    if (!filters || json_is_null(filters))
        return store_empty ? json_object_set_new(out, "filters", json_array()) : 0;
    if (!json_is_array(filters)) {
        reco_error_set(err, 400, "invalid_field", "filters: must be an array of filter objects");
        return -1;
    }
    reco_filter_set_t set;
    if (reco_filter_parse(filters, &set, err) != 0) return -1;
    return json_object_set(out, "filters", filters);
}

static int check_fallbacks(const json_t *body, json_t *out, reco_error_t *err)
{
    json_t *fallbacks = json_object_get(body, "fallbacks");
    if (!fallbacks || json_is_null(fallbacks))
        return json_object_set_new(out, "fallbacks", json_array());
    if (!json_is_array(fallbacks) || json_array_size(fallbacks) > RECO_SCENARIO_FALLBACKS_MAX) {
        reco_error_set(err, 400, "invalid_field",
                       "fallbacks: must be an array of up to %d model names",
                       RECO_SCENARIO_FALLBACKS_MAX);
        return -1;
    }
    const char *model = json_string_value(json_object_get(out, "model"));
    for (size_t i = 0; i < json_array_size(fallbacks); i++) {
        const char *name = json_string_value(json_array_get(fallbacks, i));
        if (!reco_scenario_model_known(name)) {
            reco_error_set(err, 400, "invalid_field", "fallbacks[%zu]: must be one of %s", i,
                           reco_scenario_model_list_text);
            return -1;
        }
        int repeated = model && strcmp(name, model) == 0;
        for (size_t j = 0; j < i && !repeated; j++)
            repeated = strcmp(name, json_string_value(json_array_get(fallbacks, j))) == 0;
        if (repeated) {
            reco_error_set(err, 400, "invalid_field",
                           "fallbacks[%zu]: '%s' is already in the chain (model or an earlier "
                           "fallback)",
                           i, name);
            return -1;
        }
    }
    return json_object_set(out, "fallbacks", fallbacks);
}

/* exclude: {context?, purchased?, seen?} booleans. */
static int check_exclude(const json_t *body, json_t *out, reco_error_t *err)
{
    static const char *const fields[] = {"context", "purchased", "seen", NULL};
    json_t *exclude = json_object_get(body, "exclude");
    if (exclude && !json_is_null(exclude) && !json_is_object(exclude)) {
        reco_error_set(err, 400, "invalid_field",
                       "exclude: must be an object {\"context\": bool, \"purchased\": bool, "
                       "\"seen\": bool}");
        return -1;
    }
    if (exclude && json_is_object(exclude) && only_known_fields(exclude, fields, "exclude", err))
        return -1;
    json_t *canon = json_object();
    for (size_t i = 0; canon && fields[i]; i++) {
        json_t *v = json_object_get(exclude, fields[i]);
        if (v && !json_is_null(v) && !json_is_boolean(v)) {
            reco_error_set(err, 400, "invalid_field", "exclude.%s: must be true or false",
                           fields[i]);
            json_decref(canon);
            return -1;
        }
        if (v && json_is_boolean(v))
            json_object_set(canon, fields[i], v);
        else if (strcmp(fields[i], "seen") != 0) /* context and purchased default to true */
            json_object_set_new(canon, fields[i], json_true());
    }
    return json_object_set_new(out, "exclude", canon);
}

static int check_description(const json_t *body, json_t *out, reco_error_t *err)
{
    json_t *d = json_object_get(body, "description");
    if (!d || json_is_null(d)) return 0;
    if (!json_is_string(d) || json_string_length(d) > RECO_SCENARIO_DESCRIPTION_MAX) {
        reco_error_set(err, 400, "invalid_field", "description: must be text of up to %d bytes",
                       RECO_SCENARIO_DESCRIPTION_MAX);
        return -1;
    }
    return json_object_set(out, "description", d);
}

/* The fields a variant may override, checked as a scenario's (check_chain). */
static int check_chain(const json_t *body, json_t *out, reco_error_t *err)
{
    return check_model(body, out, err) != 0 || check_limit(body, out, 1, err) != 0 ||
                   check_filters(body, out, 1, err) != 0 ||
                   check_fallbacks(body, out, err) != 0 || check_exclude(body, out, err) != 0
               ? -1
               : 0;
}

/* Prefixes err's message with "variants[i]." (the field inside the variant stays named). */
static void name_variant(reco_error_t *err, size_t i)
{
    char message[sizeof err->message + 32];
    snprintf(message, sizeof message, "variants[%zu].%s", i, err->message);
    memcpy(err->message, message, sizeof err->message - 1);
    err->message[sizeof err->message - 1] = '\0';
}

/* One variant: {name, weight, overrides...}. merged is the canonical scenario without variants;
 * the overrides are checked on a copy of it with them applied, so a variant's chain is checked
 * whole (its fallbacks against its model). Appends the canonical variant to list. */
static int check_variant(const json_t *v, size_t i, const json_t *scenario, json_t *list,
                         reco_error_t *err)
{
    static const char *const fields[] = {"name",    "weight",    "model",   "limit",
                                         "filters", "fallbacks", "exclude", NULL};
    if (!json_is_object(v)) {
        reco_error_set(err, 400, "invalid_field",
                       "variants[%zu]: must be an object {\"name\": .., \"weight\": n, "
                       "overrides of model, limit, filters, fallbacks, exclude}",
                       i);
        return -1;
    }
    if (only_known_fields(v, fields, "a variant", err) != 0) return name_variant(err, i), -1;
    json_t *name = json_object_get(v, "name"), *weight = json_object_get(v, "weight");
    if (!reco_valid_variant_name(json_string_value(name))) {
        reco_error_set(err, 400, name ? "invalid_field" : "missing_field",
                       "variants[%zu].name: required, 1 to %d characters of A-Z, a-z, 0-9, _ "
                       "and -",
                       i, RECO_VARIANT_NAME_MAX);
        return -1;
    }
    for (size_t j = 0; j < json_array_size(list); j++)
        if (json_equal(json_object_get(json_array_get(list, j), "name"), name)) {
            reco_error_set(err, 400, "invalid_field",
                           "variants[%zu].name: '%s' is already the name of variants[%zu]", i,
                           json_string_value(name), j);
            return -1;
        }
    if (!json_is_integer(weight) || json_integer_value(weight) < 1 ||
        json_integer_value(weight) > RECO_SCENARIO_WEIGHT_MAX) {
        reco_error_set(err, 400, weight ? "invalid_field" : "missing_field",
                       "variants[%zu].weight: required, a whole number from 1 to %d (its share "
                       "is weight / the sum of the weights)",
                       i, RECO_SCENARIO_WEIGHT_MAX);
        return -1;
    }
    json_t *merged = json_deep_copy(scenario), *checked = json_object(),
           *canon = json_pack("{s:O, s:O}", "name", name, "weight", weight);
    int rc = merged && checked && canon ? 0 : -1;
    for (size_t f = 2; rc == 0 && fields[f]; f++) {
        json_t *o = json_object_get(v, fields[f]);
        if (o && !json_is_null(o)) rc = json_object_set(merged, fields[f], o);
    }
    if (rc == 0 && check_chain(merged, checked, err) != 0) rc = -1, name_variant(err, i);
    for (size_t f = 2; rc == 0 && fields[f]; f++) {
        json_t *o = json_object_get(v, fields[f]);
        if (o && !json_is_null(o))
            rc = json_object_set(canon, fields[f], json_object_get(checked, fields[f]));
    }
    if (rc == 0) rc = json_array_append(list, canon);
    json_decref(merged), json_decref(checked), json_decref(canon);
    return rc;
}

/* variants: 1..RECO_SCENARIO_VARIANTS_MAX variants (see the header); [] or null = none. */
static int check_variants(const json_t *body, json_t *out, reco_error_t *err)
{
    json_t *variants = json_object_get(body, "variants");
    if (!variants || json_is_null(variants) ||
        (json_is_array(variants) && json_array_size(variants) == 0))
        return 0;
    if (!json_is_array(variants) || json_array_size(variants) > RECO_SCENARIO_VARIANTS_MAX) {
        reco_error_set(err, 400, "invalid_field",
                       "variants: must be an array of up to %d variants {\"name\", \"weight\", "
                       "overrides...}",
                       RECO_SCENARIO_VARIANTS_MAX);
        return -1;
    }
    json_t *list = json_array();
    for (size_t i = 0; list && i < json_array_size(variants); i++)
        if (check_variant(json_array_get(variants, i), i, out, list, err) != 0) {
            json_decref(list);
            return -1;
        }
    return list ? json_object_set_new(out, "variants", list) : -1;
}

json_t *reco_scenario_normalize(const json_t *body, reco_error_t *err)
{
    static const char *const fields[] = {"id",          "model",    "limit",
                                         "filters",     "exclude",  "fallbacks",
                                         "description", "variants", NULL};
    reco_error_clear(err);
    if (!json_is_object(body)) {
        reco_error_set(err, 400, "invalid_body",
                       "body: must be a scenario object, e.g. {\"model\": \"item-to-item\", "
                       "\"fallbacks\": [\"popular\"]}");
        return NULL;
    }
    json_t *out = json_object();
    if (!out) {
        reco_error_set(err, 500, "internal", "out of memory");
        return NULL;
    }
    if (only_known_fields(body, fields, "a scenario", err) != 0 ||
        check_chain(body, out, err) != 0 || check_description(body, out, err) != 0 ||
        check_variants(body, out, err) != 0) {
        if (!err->status) reco_error_set(err, 500, "internal", "out of memory");
        json_decref(out);
        return NULL;
    }
    return out;
}

/* ---- requests for a scenario ---- */

/* An id as text: a valid id string, or an integer's decimal text. NULL if neither. */
static json_t *id_text(const json_t *v)
{
    if (json_is_integer(v)) {
        char buf[32];
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return json_string(buf);
    }
    if (json_is_string(v) && reco_valid_id(json_string_value(v), json_string_length(v)))
        return json_incref((json_t *)v);
    return NULL;
}

/* A category path: an id whose '/'-separated segments are all non-empty. */
static bool valid_category(const json_t *v)
{
    const char *p = json_string_value(v);
    size_t len = json_string_length(v);
    if (!p || !reco_valid_id(p, len) || p[0] == '/' || p[len - 1] == '/') return false;
    return strstr(p, "//") == NULL;
}

/* Appends the ids (or category paths) of v — one value or an array — to list, dropping repeats;
 * at most max in all. field names v in errors. */
static int add_list(json_t *list, const json_t *v, const char *field, size_t max, int categories,
                    reco_error_t *err)
{
    size_t n = json_is_array(v) ? json_array_size(v) : 1;
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
        json_t *text =
            categories ? (valid_category(e) ? json_incref((json_t *)e) : NULL) : id_text(e);
        if (!text) {
            reco_error_set(err, 400, "invalid_field",
                           categories ? "%s: each must be a category path of 1 to %d bytes of "
                                        "UTF-8 without control characters or empty segments"
                                      : "%s: each must be an id of 1 to %d bytes of UTF-8 "
                                        "without control characters",
                           field, RECO_ID_MAX);
            return -1;
        }
        int repeated = 0;
        for (size_t j = 0; j < json_array_size(list) && !repeated; j++)
            repeated = json_equal(json_array_get(list, j), text);
        if (!repeated && json_array_size(list) == max) {
            json_decref(text);
            reco_error_set(err, 400, "invalid_field", "%s: at most %zu", field, max);
            return -1;
        }
        if (repeated ? (json_decref(text), 0) : json_array_append_new(list, text)) return -1;
    }
    return 0;
}

/* items / item, or categories / category, into out[name]. */
static int check_list(const json_t *request, json_t *out, const char *name, const char *alias,
                      size_t max, int categories, reco_error_t *err)
{
    json_t *list = json_array();
    const char *fields[2] = {name, alias};
    int rc = list ? 0 : -1;
    for (int f = 0; rc == 0 && f < 2; f++) {
        json_t *v = json_object_get(request, fields[f]);
        if (v && !json_is_null(v)) rc = add_list(list, v, fields[f], max, categories, err);
    }
    if (rc == 0) return json_object_set_new(out, name, list);
    json_decref(list);
    return -1;
}

/* user, else session / cookie, as out.user. */
static int check_user(const json_t *request, json_t *out, reco_error_t *err)
{
    static const char *const fields[] = {"user", "session", "cookie"};
    for (size_t f = 0; f < 3; f++) {
        json_t *v = json_object_get(request, fields[f]);
        if (!v || json_is_null(v)) continue;
        json_t *text = id_text(v);
        if (!text) {
            reco_error_set(err, 400, "invalid_field",
                           "%s: must be an id of 1 to %d bytes of UTF-8 without control "
                           "characters",
                           fields[f], RECO_ID_MAX);
            return -1;
        }
        if (json_object_get(out, "user")) {
            json_decref(text); /* checked, but the user (or session) before it wins */
            continue;
        }
        if (json_object_set_new(out, "user", text) != 0) return -1;
    }
    return 0;
}

/* pscore: TasteHit's page cursor, a finite number (nothing scored pscore or more is returned). */
static int check_pscore(const json_t *request, json_t *out, reco_error_t *err)
{
    json_t *pscore = json_object_get(request, "pscore");
    if (!pscore || json_is_null(pscore)) return 0;
    if (!json_is_number(pscore) || !isfinite(json_number_value(pscore))) {
        reco_error_set(err, 400, "invalid_field",
                       "pscore: must be a finite number (the score of the last item of the "
                       "previous page)");
        return -1;
    }
    return json_object_set(out, "pscore", pscore);
}

/* offset: entries of the chain's answer skipped (paging), 0..RECO_SCENARIO_OFFSET_MAX. */
static int check_offset(const json_t *request, json_t *out, reco_error_t *err)
{
    json_t *offset = json_object_get(request, "offset");
    if (!offset || json_is_null(offset)) return 0;
    if (!json_is_integer(offset) || json_integer_value(offset) < 0 ||
        json_integer_value(offset) > RECO_SCENARIO_OFFSET_MAX) {
        reco_error_set(err, 400, "invalid_field", "offset: must be a whole number from 0 to %d",
                       RECO_SCENARIO_OFFSET_MAX);
        return -1;
    }
    return json_object_set(out, "offset", offset);
}

/* include_sets: bought-with steps also return 2-item sets (Aegeria's include-sets). */
static int check_include_sets(const json_t *request, json_t *out, reco_error_t *err)
{
    json_t *sets = json_object_get(request, "include_sets");
    if (!sets || json_is_null(sets)) return 0;
    if (!json_is_boolean(sets)) {
        reco_error_set(err, 400, "invalid_field", "include_sets: must be true or false");
        return -1;
    }
    return json_object_set(out, "include_sets", sets);
}

/* attributes: item attribute names each answer entry gets (as the recommend op's attributes). */
static int check_attributes(const json_t *request, json_t *out, reco_error_t *err)
{
    json_t *names = json_object_get(request, "attributes");
    if (!names || json_is_null(names)) return 0;
    json_t *list = json_is_array(names) && json_array_size(names) <= RECO_SCENARIO_ATTRIBUTES_MAX
                       ? json_array()
                       : NULL;
    for (size_t i = 0; list && i < json_array_size(names); i++) {
        json_t *v = json_array_get(names, i);
        if (!json_is_string(v) || json_string_length(v) > RECO_FILTER_NAME_MAX ||
            !reco_valid_id(json_string_value(v), json_string_length(v))) {
            json_decref(list);
            reco_error_set(
                err, 400, "invalid_field",
                "attributes[%zu]: must be a name of 1 to %d bytes without control characters", i,
                RECO_FILTER_NAME_MAX);
            return -1;
        }
        int repeated = 0;
        for (size_t k = 0; k < json_array_size(list) && !repeated; k++)
            repeated = json_equal(json_array_get(list, k), v);
        if (!repeated) json_array_append(list, v);
    }
    if (!list) {
        reco_error_set(err, 400, "invalid_field",
                       "attributes: must be an array of at most %d names",
                       RECO_SCENARIO_ATTRIBUTES_MAX);
        return -1;
    }
    return json_object_set_new(out, "attributes", list);
}

/* split_group: the A/B group the shop put the visitor in (Gravity's splitGroup), an id of up to
 * RECO_SCENARIO_SPLIT_GROUP_MAX bytes (or an integer). */
static int check_split_group(const json_t *request, json_t *out, reco_error_t *err)
{
    json_t *group = json_object_get(request, "split_group");
    if (!group || json_is_null(group)) return 0;
    json_t *text = id_text(group);
    if (!text || json_string_length(text) > RECO_SCENARIO_SPLIT_GROUP_MAX) {
        json_decref(text);
        reco_error_set(err, 400, "invalid_field",
                       "split_group: must be 1 to %d bytes of UTF-8 without control characters",
                       RECO_SCENARIO_SPLIT_GROUP_MAX);
        return -1;
    }
    return json_object_set_new(out, "split_group", text);
}

json_t *reco_scenario_request_normalize(const json_t *request, reco_error_t *err)
{
    static const char *const fields[] = {"scenario", "user",         "session",    "cookie",
                                         "items",    "item",         "categories", "category",
                                         "limit",    "filters",      "pscore",     "attributes",
                                         "offset",   "include_sets", "split_group",
                                         NULL};
    reco_error_clear(err);
    if (!json_is_object(request)) {
        reco_error_set(err, 400, "invalid_body", "request: must be an object");
        return NULL;
    }
    json_t *out = json_object(), *scenario = json_object_get(request, "scenario");
    if (!out || only_known_fields(request, fields, "a recommendation request", err) != 0) {
        json_decref(out);
        return NULL;
    }
    if (!scenario || !reco_valid_scenario_id(json_string_value(scenario))) {
        reco_error_set(err, 400, scenario ? "invalid_field" : "missing_field",
                       "scenario: required, 1 to %d characters of A-Z, a-z, 0-9, _ and - (not "
                       "'bulk')",
                       RECO_SCENARIO_ID_MAX);
        json_decref(out);
        return NULL;
    }
    if (json_object_set(out, "scenario", scenario) != 0 || check_user(request, out, err) != 0 ||
        check_list(request, out, "items", "item", RECO_SCENARIO_CONTEXT_MAX, 0, err) != 0 ||
        check_list(request, out, "categories", "category", RECO_SCENARIO_CATEGORIES_MAX, 1, err) !=
            0 ||
        check_limit(request, out, 0, err) != 0 || check_filters(request, out, 0, err) != 0 ||
        check_pscore(request, out, err) != 0 || check_attributes(request, out, err) != 0 ||
        check_offset(request, out, err) != 0 || check_include_sets(request, out, err) != 0 ||
        check_split_group(request, out, err) != 0) {
        if (!err->status) reco_error_set(err, 500, "internal", "out of memory");
        json_decref(out);
        return NULL;
    }
    return out;
}

/* ---- variants ---- */

json_t *reco_scenario_variant_apply(const json_t *scenario, const char *tenant,
                                    const json_t *request, char variant[RECO_VARIANT_NAME_MAX + 1])
{
    json_t *variants = json_object_get(scenario, "variants");
    json_t *out = json_deep_copy(scenario);
    snprintf(variant, RECO_VARIANT_NAME_MAX + 1, "%s", RECO_VARIANT_DEFAULT);
    if (!out || json_array_size(variants) == 0) return out;
    json_object_del(out, "variants");
    const char *id = json_string_value(json_object_get(request, "scenario"));
    const char *group = json_string_value(json_object_get(request, "split_group"));
    const char *user = json_string_value(json_object_get(request, "user"));
    size_t n = json_array_size(variants), pick = n;
    int64_t weights[RECO_SCENARIO_VARIANTS_MAX];
    for (size_t i = 0; i < n && i < RECO_SCENARIO_VARIANTS_MAX; i++) {
        json_t *v = json_array_get(variants, i);
        weights[i] = json_integer_value(json_object_get(v, "weight"));
        if (group && strcmp(group, json_string_value(json_object_get(v, "name"))) == 0) pick = i;
    }
    if (n > RECO_SCENARIO_VARIANTS_MAX) n = RECO_SCENARIO_VARIANTS_MAX;
    if (pick >= n)
        pick = reco_attribution_pick_variant(tenant, id ? id : "", group ? group : user, weights, n);
    json_t *chosen = json_array_get(variants, pick);
    const char *key;
    json_t *value;
    json_object_foreach(chosen, key, value)
    {
        if (strcmp(key, "name") != 0 && strcmp(key, "weight") != 0 &&
            json_object_set(out, key, value) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    snprintf(variant, RECO_VARIANT_NAME_MAX + 1, "%s",
             json_string_value(json_object_get(chosen, "name")));
    return out;
}
