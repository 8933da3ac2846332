/* reco_event_entry — events as stream entries and as the ingest script's input (see the header).
 *
 * Every function here is pure: no Redis, no global state, so the unit test
 * (test_reco_event_entry.c) covers it with hand-built replies. The script reads only the fields
 * it knows, so the objects built here may carry nothing else that matters to it. */
#include "reco_event_entry.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reco_validate.h"

int reco_format_double(double v, char *buf, size_t n)
{
    if (!isfinite(v)) return -1;
    if (v == floor(v) && fabs(v) < 1e17) { /* whole numbers plainly: 100, not 1e+02 */
        int len = snprintf(buf, n, "%.0f", v);
        return len < 0 || (size_t)len >= n ? -1 : len;
    }
    int len = -1;
    for (int precision = 1; precision <= 17; precision++) {
        len = snprintf(buf, n, "%.*g", precision, v);
        if (len < 0 || (size_t)len >= n) return -1;
        if (strtod(buf, NULL) == v) break;
    }
    return len;
}

/* Sets field to the text of a JSON number: integers plainly, reals the shortest exact way. */
static int set_number_text(json_t *out, const char *field, const json_t *number)
{
    char text[40];
    int len;
    if (json_is_integer(number))
        len = snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT, json_integer_value(number));
    else
        len = reco_format_double(json_number_value(number), text, sizeof text);
    if (len < 0 || (size_t)len >= sizeof text) return -1;
    return json_object_set_new(out, field, json_stringn(text, (size_t)len));
}

char *reco_event_script_json(const json_t *event)
{
    static const char *const text_fields[] = {"user",  "item",    "type",          "id",
                                              "order", "session", "recommendation"};
    static const char *const number_fields[] = {"ts", "value", "quantity", "price"};
    json_t *out = json_object();
    int failed = !out || !json_is_string(json_object_get(event, "user")) ||
                 !json_is_string(json_object_get(event, "item")) ||
                 !json_is_string(json_object_get(event, "type")) ||
                 !json_is_integer(json_object_get(event, "ts"));
    for (size_t i = 0; !failed && i < sizeof text_fields / sizeof text_fields[0]; i++) {
        json_t *v = json_object_get(event, text_fields[i]);
        if (json_is_string(v)) failed = json_object_set(out, text_fields[i], v) != 0;
    }
    for (size_t i = 0; !failed && i < sizeof number_fields / sizeof number_fields[0]; i++) {
        json_t *v = json_object_get(event, number_fields[i]);
        if (json_is_number(v)) failed = set_number_text(out, number_fields[i], v) != 0;
    }
    json_t *props = json_object_get(event, "properties");
    if (!failed && props) {
        char *text = json_dumps(props, JSON_COMPACT | JSON_ENCODE_ANY);
        failed = !text || json_object_set_new(out, "properties", json_string(text)) != 0;
        free(text);
    }
    char *result = failed ? NULL : json_dumps(out, JSON_COMPACT);
    json_decref(out);
    return result;
}

static bool reply_is(const redisReply *r, const char *text)
{
    size_t n = strlen(text);
    return r && r->type == REDIS_REPLY_STRING && r->len == n && memcmp(r->str, text, n) == 0;
}

static bool reply_is_id(const redisReply *r)
{
    return r && r->type == REDIS_REPLY_STRING && reco_valid_id(r->str, r->len);
}

static int parse_ms(const redisReply *r, int64_t *out)
{
    if (!r || r->type != REDIS_REPLY_STRING || r->len == 0 || r->len > 20) return -1;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(r->str, &end, 10);
    if (errno != 0 || end != r->str + r->len || v < 0) return -1;
    *out = (int64_t)v;
    return 0;
}

int reco_event_entry_parse(const redisReply *element, reco_event_entry_t *out)
{
    memset(out, 0, sizeof *out);
    if (!element || element->type != REDIS_REPLY_ARRAY || element->elements != 2 ||
        element->element[0]->type != REDIS_REPLY_STRING ||
        element->element[1]->type != REDIS_REPLY_ARRAY || element->element[1]->elements % 2 != 0)
        return -1;
    const redisReply *fields = element->element[1];
    const redisReply *user = NULL, *item = NULL, *session = NULL, *ts = NULL, *type = NULL;
    for (size_t k = 0; k + 1 < fields->elements; k += 2) {
        const redisReply *name = fields->element[k], *value = fields->element[k + 1];
        if (reply_is(name, "user"))
            user = value;
        else if (reply_is(name, "item"))
            item = value;
        else if (reply_is(name, "session"))
            session = value;
        else if (reply_is(name, "ts"))
            ts = value;
        else if (reply_is(name, "type"))
            type = value;
    }
    if (!reply_is_id(user) || !reply_is_id(item) || (session && !reply_is_id(session)) ||
        parse_ms(ts, &out->ts) != 0) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    out->sid = element->element[0]->str;
    out->user = user->str;
    out->user_len = user->len;
    out->item = item->str;
    out->item_len = item->len;
    if (session) {
        out->session = session->str;
        out->session_len = session->len;
    }
    if (type && type->type == REDIS_REPLY_STRING) {
        out->type = type->str;
        out->type_len = type->len;
    }
    out->fields = fields;
    return 0;
}

/* Copies every field of the entry (as text), user replaced by as_user when given. */
static int copy_fields(json_t *out, const reco_event_entry_t *e, const char *as_user)
{
    for (size_t k = 0; k + 1 < e->fields->elements; k += 2) {
        const redisReply *name = e->fields->element[k], *value = e->fields->element[k + 1];
        if (name->type != REDIS_REPLY_STRING || value->type != REDIS_REPLY_STRING) continue;
        char field[32];
        if (name->len >= sizeof field) continue; /* not one of ours */
        memcpy(field, name->str, name->len);
        field[name->len] = '\0';
        json_t *v = json_stringn(value->str, value->len);
        if (!v || json_object_set_new(out, field, v) != 0) return -1;
    }
    if (as_user && json_object_set_new(out, "user", json_string(as_user)) != 0) return -1;
    return 0;
}

char *reco_event_entry_script_json(const reco_event_entry_t *entry, const char *as_user,
                                   bool with_origin, bool ids_only)
{
    json_t *out = json_object();
    int failed = !out || !entry->sid;
    if (!failed && ids_only) {
        failed =
            json_object_set_new(out, "user", json_stringn(entry->user, entry->user_len)) != 0 ||
            json_object_set_new(out, "item", json_stringn(entry->item, entry->item_len)) != 0 ||
            (entry->session &&
             json_object_set_new(out, "session",
                                 json_stringn(entry->session, entry->session_len)) != 0);
    } else if (!failed) {
        failed = copy_fields(out, entry, as_user) != 0;
    }
    if (!failed && (with_origin || ids_only))
        failed = json_object_set_new(out, "sid", json_string(entry->sid)) != 0;
    if (!failed && with_origin)
        failed = json_object_set_new(out, "from", json_stringn(entry->user, entry->user_len)) != 0;
    char *result = failed ? NULL : json_dumps(out, JSON_COMPACT);
    json_decref(out);
    return result;
}

static bool same_id(const char *want, const char *have, size_t have_len)
{
    return !want || (have && strlen(want) == have_len && memcmp(want, have, have_len) == 0);
}

bool reco_event_filter_match(const reco_event_filter_t *filter, const reco_event_entry_t *entry)
{
    return same_id(filter->user, entry->user, entry->user_len) &&
           same_id(filter->item, entry->item, entry->item_len) &&
           same_id(filter->session, entry->session, entry->session_len) &&
           same_id(filter->type, entry->type, entry->type_len) &&
           (!filter->has_before || entry->ts < filter->before) &&
           (!filter->has_timestamp || entry->ts == filter->timestamp);
}
