/* reco_recommend_args — the model table and recommend's argument checks (see
 * reco_recommend_args.h). Pure: no Redis, no allocation. */
#include "reco_recommend_args.h"

#include "reco_model_names.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reco_ranking.h"
#include "reco_validate.h"

/* history_items: 20 recent items for item-to-item-like models, 200 for EASE (docs/models.md).
 * Columns: name, serve, history_items, personalised, fill, positive_only, user_lists. */
static const reco_model_info_t models[] = {
    {"popular", RECO_SERVE_GLOBAL, 0, 0, NULL, 0, 0},
    {"popular-1d", RECO_SERVE_GLOBAL, 0, 0, NULL, 0, 0},
    {"popular-7d", RECO_SERVE_GLOBAL, 0, 0, NULL, 0, 0},
    {"popular-30d", RECO_SERVE_GLOBAL, 0, 0, NULL, 0, 0},
    {"popular-365d", RECO_SERVE_GLOBAL, 0, 0, NULL, 0, 0},
    {"trending", RECO_SERVE_GLOBAL, 0, 0, NULL, 0, 0},
    {"item-to-item", RECO_SERVE_NEIGHBOURS, 20, 0, NULL, 0, 0},
    {"also-viewed", RECO_SERVE_NEIGHBOURS, 20, 0, NULL, 0, 0},
    {"also-bought", RECO_SERVE_NEIGHBOURS, 20, 0, NULL, 0, 0},
    {"bought-with", RECO_SERVE_BOUGHT_WITH, 0, 0, NULL, 0, 0},
    {"similar-customers", RECO_SERVE_SIMILAR_CUSTOMERS, 0, 1, NULL, 0, 0},
    {"for-user", RECO_SERVE_NEIGHBOURS, 200, 1, "item-to-item", 1, 1},
    {"content", RECO_SERVE_NEIGHBOURS, 20, 0, NULL, 0, 0},
};

const reco_model_info_t *reco_model_find(const char *name)
{
    for (size_t i = 0; name && i < sizeof models / sizeof models[0]; i++)
        if (strcmp(name, models[i].name) == 0) return &models[i];
    return NULL;
}

size_t reco_model_count(void)
{
    return sizeof models / sizeof models[0];
}

const reco_model_info_t *reco_model_at(size_t i)
{
    return i < reco_model_count() ? &models[i] : NULL;
}

static int parse_model(const json_t *args, reco_recommend_args_t *out, reco_error_t *err)
{
    json_t *model = json_object_get(args, "model");
    if (!model || json_is_null(model)) {
        reco_error_set(err, 400, "missing_field", "model: required (one of %s)",
                       reco_model_list_text);
        return -1;
    }
    if (!(out->model = reco_model_find(json_string_value(model)))) {
        reco_error_set(err, 400, "invalid_field", "model: must be one of %s",
                       reco_model_list_text);
        return -1;
    }
    return 0;
}

/* Appends id to the context unless it is there already; 0, or -1 when the context is full. */
static int add_context_item(reco_recommend_args_t *out, const char *id, reco_error_t *err)
{
    for (size_t i = 0; i < out->n_items; i++)
        if (strcmp(out->items[i], id) == 0) return 0;
    if (out->n_items == RECO_RECOMMEND_CONTEXT_MAX) {
        reco_error_set(err, 400, "invalid_field", "items: at most %d context items",
                       RECO_RECOMMEND_CONTEXT_MAX);
        return -1;
    }
    out->items[out->n_items++] = id;
    return 0;
}

/* items (array) then the legacy item. Integer ids get a slot of id_buf each. */
static int parse_items(const json_t *args, reco_recommend_args_t *out, reco_error_t *err)
{
    json_t *items = json_object_get(args, "items");
    if (items && !json_is_null(items) && !json_is_array(items)) {
        reco_error_set(err, 400, "invalid_field", "items: must be an array of item ids");
        return -1;
    }
    if (json_array_size(items) > RECO_RECOMMEND_CONTEXT_MAX) {
        reco_error_set(err, 400, "invalid_field", "items: at most %d context items",
                       RECO_RECOMMEND_CONTEXT_MAX);
        return -1;
    }
    for (size_t i = 0; i < json_array_size(items); i++) {
        char field[32];
        const char *id;
        snprintf(field, sizeof field, "items[%zu]", i);
        int found =
            reco_query_arg_id_value(json_array_get(items, i), field, out->id_buf[i], &id, err);
        if (found == 0) reco_error_set(err, 400, "invalid_field", "%s: must be an item id", field);
        if (found != 1 || add_context_item(out, id, err) != 0) return -1;
    }
    const char *item;
    int found =
        reco_query_arg_id(args, "item", out->id_buf[RECO_RECOMMEND_CONTEXT_MAX], &item, err);
    if (found < 0 || (found == 1 && add_context_item(out, item, err) != 0)) return -1;
    return 0;
}

/* The context each kind of model needs, named by the field the client should add. */
static int check_context(const reco_recommend_args_t *a, reco_error_t *err)
{
    const char *name = a->model->name;
    switch (a->model->serve) {
    case RECO_SERVE_NEIGHBOURS:
        if (a->n_items == 0 && !a->user) {
            reco_error_set(err, 400, "missing_field", "item: %s needs context items or a user",
                           name);
            return -1;
        }
        return 0;
    case RECO_SERVE_BOUGHT_WITH:
        if (a->n_items == 0) {
            reco_error_set(err, 400, "missing_field", "item: %s needs context items", name);
            return -1;
        }
        return 0;
    case RECO_SERVE_SIMILAR_CUSTOMERS:
        if (!a->user) {
            reco_error_set(err, 400, "missing_field", "user: %s needs a user", name);
            return -1;
        }
        return 0;
    case RECO_SERVE_GLOBAL:
        return 0;
    }
    return 0;
}

/* pscore (a finite number, or its text) and pitem (an id or a set "x\x1fy"). */
static int parse_cursor(const json_t *args, reco_recommend_args_t *out, reco_error_t *err)
{
    json_t *pscore = json_object_get(args, "pscore"), *pitem = json_object_get(args, "pitem");
    if (pscore && !json_is_null(pscore)) {
        char *end = NULL;
        double v = json_is_number(pscore) ? json_number_value(pscore) : NAN;
        if (json_is_string(pscore) && json_string_length(pscore) > 0)
            v = strtod(json_string_value(pscore), &end);
        if (!isfinite(v) || (end && *end != '\0')) {
            reco_error_set(err, 400, "invalid_field", "pscore: must be a finite number (the score "
                                                      "of the last item of the previous page)");
            return -1;
        }
        out->has_cursor = 1;
        out->pscore = v;
    }
    if (!pitem || json_is_null(pitem)) return 0;
    reco_id_span_t parts[2];
    const char *text = json_string_value(pitem);
    size_t len = json_string_length(pitem);
    int n = text && len <= RECO_RECOMMEND_PITEM_MAX ? reco_member_split(text, len, parts) : 0;
    int ok = n > 0 && reco_valid_id(parts[0].id, parts[0].len) &&
             (n == 1 || reco_valid_id(parts[1].id, parts[1].len));
    if (!ok || !out->has_cursor) {
        reco_error_set(err, 400, "invalid_field",
                       ok ? "pitem: only with pscore (the cursor is pscore and pitem together)"
                          : "pitem: must be an item id (the item of the last entry of the "
                            "previous page)");
        return -1;
    }
    out->pitem = text;
    out->pitem_len = len;
    return 0;
}

static int parse_attributes(const json_t *args, reco_recommend_args_t *out, reco_error_t *err)
{
    json_t *names = json_object_get(args, "attributes");
    if (!names || json_is_null(names)) return 0;
    if (!json_is_array(names) || json_array_size(names) > RECO_RECOMMEND_ATTRIBUTES_MAX) {
        reco_error_set(err, 400, "invalid_field", "attributes: must be an array of at most %d names",
                       RECO_RECOMMEND_ATTRIBUTES_MAX);
        return -1;
    }
    for (size_t i = 0; i < json_array_size(names); i++) {
        json_t *v = json_array_get(names, i);
        size_t len = json_string_length(v);
        if (!json_is_string(v) || len > RECO_FILTER_NAME_MAX ||
            !reco_valid_id(json_string_value(v), len)) {
            reco_error_set(err, 400, "invalid_field",
                           "attributes[%zu]: must be a name of 1 to %d bytes without control "
                           "characters",
                           i, RECO_FILTER_NAME_MAX);
            return -1;
        }
        int repeated = 0;
        for (size_t k = 0; k < out->n_attributes; k++)
            repeated |= strcmp(out->attributes[k], json_string_value(v)) == 0;
        if (!repeated) out->attributes[out->n_attributes++] = json_string_value(v);
    }
    return 0;
}

/* offset, the cursor, filters and attributes: what shapes the page. */
static int parse_shaping(const json_t *args, reco_recommend_args_t *out, reco_error_t *err)
{
    long offset = 0;
    if (reco_query_arg_long(args, "offset", 0, RECO_RECOMMEND_OFFSET_MAX, 0, &offset, err) != 0 ||
        parse_cursor(args, out, err) != 0 ||
        reco_filter_parse(json_object_get(args, "filters"), &out->filters, err) != 0 ||
        parse_attributes(args, out, err) != 0)
        return -1;
    out->offset = (int)offset;
    return 0;
}

int reco_recommend_parse_args(const json_t *args, reco_recommend_args_t *out, reco_error_t *err)
{
    memset(out, 0, sizeof *out);
    long limit = RECO_RECOMMEND_LIMIT_DEFAULT;
    if (parse_model(args, out, err) != 0 ||
        reco_query_arg_long(args, "limit", 1, RECO_RECOMMEND_LIMIT_MAX, limit, &limit, err) != 0 ||
        parse_items(args, out, err) != 0 ||
        reco_query_arg_id(args, "user", out->id_buf[RECO_RECOMMEND_CONTEXT_MAX + 1], &out->user,
                          err) < 0 ||
        reco_query_arg_bool(args, "include_sets", 0, &out->include_sets, err) != 0 ||
        parse_shaping(args, out, err) != 0)
        return -1;
    out->limit = (int)limit;
    int from_user = out->model->personalised ||
                    (out->model->serve == RECO_SERVE_NEIGHBOURS && out->n_items == 0);
    if (reco_query_arg_bool(args, "exclude_seen", from_user, &out->exclude_seen, err) != 0)
        return -1;
    return check_context(out, err);
}
