/* reco_validate — validation and normalisation of tenants, ids, events and items.
 *
 * Every check produces a 400 whose code says what kind of problem it is (missing_field,
 * invalid_field, unknown_event_type, too_many) and whose message names the field path. */
#include "reco_validate.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const event_type_names[RECO_EVENT_TYPE_COUNT] = {"view", "cart", "purchase",
                                                                      "rating", "bookmark", "click"};
static const double event_type_weights[RECO_EVENT_TYPE_COUNT] = {1.0, 3.0, 5.0, 0.0, 2.0, 1.0};
#define TYPE_LIST "view, cart, purchase, rating, bookmark, click"

int64_t reco_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t reco_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool reco_valid_tenant(const char *tenant)
{
    size_t n = tenant ? strlen(tenant) : 0;
    if (n == 0 || n > RECO_TENANT_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)tenant[i];
        if (!isalnum(c) && c != '_' && c != '-')
            return false;
    }
    return true;
}

/* Length of the UTF-8 sequence starting at s (at most n bytes), or 0 if it is not valid UTF-8
 * (overlong forms, surrogates and code points above U+10FFFF included). */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t need;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        need = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        need = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        need = 4, cp = c & 0x07;
    else
        return 0;
    if (n < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((need == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (need == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return need;
}

bool reco_valid_utf8(const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < len;) {
        size_t step = utf8_sequence(s + i, len - i);
        if (step == 0)
            return false;
        i += step;
    }
    return true;
}

bool reco_valid_id(const char *id, size_t len)
{
    if (!id || len == 0 || len > RECO_ID_MAX)
        return false;
    const unsigned char *s = (const unsigned char *)id;
    for (size_t i = 0; i < len;) {
        if (s[i] < 0x20 || s[i] == 0x7f)
            return false;
        size_t step = utf8_sequence(s + i, len - i);
        if (step == 0)
            return false;
        i += step;
    }
    return true;
}

bool reco_valid_action_name(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > RECO_ACTION_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!(c >= 'a' && c <= 'z') && !isdigit(c) && c != '_' && c != '-')
            return false;
    }
    return true;
}

int reco_event_type_parse(const char *name)
{
    for (int i = 0; name && i < RECO_EVENT_TYPE_COUNT; i++)
        if (strcmp(name, event_type_names[i]) == 0)
            return i;
    return -1;
}

const char *reco_event_type_name(reco_event_type_t type)
{
    return (unsigned)type < RECO_EVENT_TYPE_COUNT ? event_type_names[type] : "unknown";
}

double reco_event_weight(reco_event_type_t type, double value)
{
    if (type == RECO_EVENT_RATING)
        return value;
    return (unsigned)type < RECO_EVENT_TYPE_COUNT ? event_type_weights[type] : 0.0;
}

/* Parses "HH:MM" zone offsets and fractions after seconds; returns -1 on any stray byte. */
static int parse_rfc3339(const char *s, int64_t *ms)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!p)
        p = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
    if (!p)
        return -1;
    int64_t frac_ms = 0;
    if (*p == '.') {
        int digits = 0;
        for (p++; isdigit((unsigned char)*p); p++, digits++)
            if (digits < 3)
                frac_ms = frac_ms * 10 + (*p - '0');
        if (digits == 0)
            return -1;
        for (; digits < 3; digits++)
            frac_ms *= 10;
    }
    long offset_s = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1;
        if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]) || p[3] != ':' ||
            !isdigit((unsigned char)p[4]) || !isdigit((unsigned char)p[5]))
            return -1;
        offset_s = sign * (((p[1] - '0') * 10 + (p[2] - '0')) * 3600L + ((p[4] - '0') * 10 + (p[5] - '0')) * 60L);
        p += 6;
    } else {
        return -1; /* RFC 3339 requires a zone */
    }
    if (*p != '\0')
        return -1;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    int64_t v = ((int64_t)t - offset_s) * 1000 + frac_ms;
    /* The range epoch numbers have (epoch_to_ms): a date before 1970 would become a negative ts
     * that the canonical form refuses, so the ingestor would refuse what the gateway accepted. */
    if (v < 0 || v > (int64_t)1e14)
        return -1;
    *ms = v;
    return 0;
}

static int epoch_to_ms(double v, int64_t *ms)
{
    if (!isfinite(v) || v < 0 || v > 1e14)
        return -1;
    *ms = v > 1e11 ? (int64_t)v : (int64_t)(v * 1000.0);
    return 0;
}

int reco_parse_timestamp(const json_t *value, int64_t *ms)
{
    if (json_is_integer(value))
        return epoch_to_ms((double)json_integer_value(value), ms);
    if (json_is_real(value))
        return epoch_to_ms(json_real_value(value), ms);
    if (!json_is_string(value))
        return -1;
    const char *s = json_string_value(value);
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (end != s && *end == '\0' && errno == 0 && isdigit((unsigned char)*s))
        return epoch_to_ms(v, ms);
    return parse_rfc3339(s, ms);
}

/* Fetches a required id field. Integer ids (common in shop databases) are accepted and turned
 * into their decimal text in buf; strings are returned as they are. */
static const char *get_id(const json_t *obj, const char *field, const char *where, reco_error_t *err,
                          char buf[32])
{
    json_t *v = json_object_get(obj, field);
    if (!v) {
        reco_error_set(err, 400, "missing_field", "%s%s%s: required", where, *where ? "." : "", field);
        return NULL;
    }
    if (json_is_integer(v)) {
        snprintf(buf, 32, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return buf;
    }
    if (!json_is_string(v) || !reco_valid_id(json_string_value(v), json_string_length(v))) {
        reco_error_set(err, 400, "invalid_field",
                       "%s%s%s: must be a string of 1 to %d characters without control characters",
                       where, *where ? "." : "", field, RECO_ID_MAX);
        return NULL;
    }
    return json_string_value(v);
}

/* Checks an optional id-like field and copies it (as text) into out. 0, or -1 with err set. */
static int copy_optional_id(const json_t *event, json_t *out, const char *field, const char *where,
                            reco_error_t *err)
{
    json_t *v = json_object_get(event, field);
    if (!v || json_is_null(v))
        return 0;
    char buf[32];
    const char *id = get_id(event, field, where, err, buf);
    if (!id)
        return -1;
    json_object_set_new(out, field, json_string(id));
    return 0;
}

static bool valid_attribute(const json_t *v);

/* value, quantity, price and properties: checked, then copied. */
static int copy_measures(const json_t *event, json_t *out, int type, const char *where, reco_error_t *err)
{
    const char *dot = *where ? "." : "";
    json_t *value = json_object_get(event, "value");
    json_t *quantity = json_object_get(event, "quantity");
    json_t *price = json_object_get(event, "price");
    json_t *props = json_object_get(event, "properties");
    if (value && !json_is_null(value) && !json_is_number(value)) {
        reco_error_set(err, 400, "invalid_field", "%s%svalue: must be a number", where, dot);
        return -1;
    }
    if (type == RECO_EVENT_RATING) {
        double r = value && json_is_number(value) ? json_number_value(value) : -1;
        if (!(r >= 0 && r <= 5)) {
            reco_error_set(err, 400, value ? "invalid_field" : "missing_field",
                           "%s%svalue: a rating needs a value from 0 to 5", where, dot);
            return -1;
        }
    }
    if (value && json_is_number(value))
        json_object_set_new(out, "value", json_real(json_number_value(value)));
    if (quantity && !json_is_null(quantity)) {
        if (!json_is_integer(quantity) || json_integer_value(quantity) < 1 ||
            json_integer_value(quantity) > RECO_QUANTITY_MAX) {
            reco_error_set(err, 400, "invalid_field", "%s%squantity: must be a whole number from 1 to %d", where,
                           dot, RECO_QUANTITY_MAX);
            return -1;
        }
        json_object_set(out, "quantity", quantity);
    }
    if (price && !json_is_null(price)) {
        if (!json_is_number(price) || !(json_number_value(price) >= 0) || !isfinite(json_number_value(price))) {
            reco_error_set(err, 400, "invalid_field", "%s%sprice: must be a number >= 0", where, dot);
            return -1;
        }
        json_object_set_new(out, "price", json_real(json_number_value(price)));
    }
    if (props && !json_is_null(props)) {
        const char *k;
        json_t *v;
        int ok = json_is_object(props);
        json_object_foreach(props, k, v) ok = ok && valid_attribute(v);
        char *text = ok ? json_dumps(props, JSON_COMPACT) : NULL;
        ok = text && strlen(text) <= RECO_PROPERTIES_MAX_BYTES;
        free(text);
        if (!ok) {
            reco_error_set(err, 400, "invalid_field",
                           "%s%sproperties: must be an object of strings, numbers, booleans or lists of strings, "
                           "at most %d bytes as JSON", where, dot, RECO_PROPERTIES_MAX_BYTES);
            return -1;
        }
        json_object_set(out, "properties", props);
    }
    return 0;
}

/* The event's type: built in, or a custom action that `known` accepts. -1 with err set. */
static int check_type(const json_t *event, reco_type_known_fn known, void *ctx, const char *where, reco_error_t *err)
{
    const char *dot = *where ? "." : "";
    json_t *type = json_object_get(event, "type");
    if (!type) {
        reco_error_set(err, 400, "missing_field", "%s%stype: required (one of " TYPE_LIST ", or a registered action)",
                       where, dot);
        return -1;
    }
    const char *name = json_string_value(type);
    int t = name ? reco_event_type_parse(name) : -1;
    if (t >= 0)
        return t;
    if (!name || !reco_valid_action_name(name)) {
        reco_error_set(err, 400, "unknown_event_type",
                       "%s%stype: must be one of " TYPE_LIST ", or a registered action name of 1 to %d characters "
                       "a-z, 0-9, _ and -", where, dot, RECO_ACTION_NAME_MAX);
        return -1;
    }
    if (known && !known(ctx, name)) {
        reco_error_set(err, 400, "unknown_event_type",
                       "%s%stype: '%s' is neither built in (" TYPE_LIST ") nor a registered action "
                       "(PUT /v1/{tenant}/actions/%s registers it)", where, dot, name, name);
        return -1;
    }
    return RECO_EVENT_TYPE_COUNT;
}

static int event_time(const json_t *event, int64_t now_ms, const char *where, int64_t *ts, reco_error_t *err)
{
    const char *dot = *where ? "." : "";
    json_t *tsv = json_object_get(event, "timestamp");
    json_t *canonical_ts = json_object_get(event, "ts"); /* what a normalised event carries */
    *ts = now_ms;
    if (!tsv && canonical_ts) {
        if (!json_is_integer(canonical_ts) || json_integer_value(canonical_ts) < 0) {
            reco_error_set(err, 400, "invalid_field", "%s%sts: must be epoch milliseconds", where, dot);
            return -1;
        }
        *ts = (int64_t)json_integer_value(canonical_ts);
    } else if (tsv && !json_is_null(tsv) && reco_parse_timestamp(tsv, ts) != 0) {
        reco_error_set(err, 400, "invalid_field",
                       "%s%stimestamp: must be epoch seconds or milliseconds, or RFC 3339 with a zone", where, dot);
        return -1;
    }
    return 0;
}

json_t *reco_event_normalize(const json_t *event, int64_t now_ms, reco_type_known_fn known, void *ctx,
                             const char *where, reco_error_t *err)
{
    if (!json_is_object(event)) {
        reco_error_set(err, 400, "invalid_field", "%s: an event must be a JSON object", *where ? where : "body");
        return NULL;
    }
    char user_buf[32], item_buf[32];
    const char *user = get_id(event, "user", where, err, user_buf);
    const char *item = user ? get_id(event, "item", where, err, item_buf) : NULL;
    int type = item ? check_type(event, known, ctx, where, err) : -1;
    int64_t ts = 0;
    if (type < 0 || event_time(event, now_ms, where, &ts, err) != 0)
        return NULL;
    json_t *out = json_pack("{s:s, s:s, s:O, s:I}", "user", user, "item", item, "type",
                            json_object_get(event, "type"), "ts", (json_int_t)ts);
    if (!out) {
        reco_error_set(err, 500, "internal", "out of memory");
        return NULL;
    }
    static const char *const id_fields[] = {"id", "order", "session", "recommendation"};
    for (size_t i = 0; i < sizeof id_fields / sizeof id_fields[0]; i++) {
        if (copy_optional_id(event, out, id_fields[i], where, err) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    if (copy_measures(event, out, type, where, err) != 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

/* Unwraps {"<field>":[...]} or a bare array; a single object becomes a one-element view. */
static json_t *as_array(const json_t *body, const char *field, bool allow_single, reco_error_t *err)
{
    if (json_is_array(body))
        return json_incref((json_t *)body);
    if (json_is_object(body)) {
        json_t *inner = json_object_get(body, field);
        if (inner) {
            if (json_is_array(inner))
                return json_incref(inner);
            reco_error_set(err, 400, "invalid_field", "%s: must be an array", field);
            return NULL;
        }
        if (allow_single)
            return json_pack("[O]", body);
    }
    reco_error_set(err, 400, "invalid_body", "body: must be a JSON %s or array of them, or {\"%s\": [...]}",
                   allow_single ? "object" : "array of objects", field);
    return NULL;
}

json_t *reco_events_normalize(const json_t *body, int64_t now_ms, reco_type_known_fn known, void *ctx,
                              reco_error_t *err)
{
    json_t *in = as_array(body, "events", true, err);
    if (!in)
        return NULL;
    size_t n = json_array_size(in);
    if (n == 0 || n > RECO_BATCH_MAX) {
        reco_error_set(err, 400, n ? "too_many" : "invalid_body", "events: need 1 to %d events, got %zu",
                       RECO_BATCH_MAX, n);
        json_decref(in);
        return NULL;
    }
    json_t *out = json_array();
    bool single = json_is_object(body) && !json_object_get(body, "events");
    for (size_t i = 0; out && i < n; i++) {
        char where[32] = "";
        if (!single)
            snprintf(where, sizeof where, "events[%zu]", i);
        json_t *ev = reco_event_normalize(json_array_get(in, i), now_ms, known, ctx, where, err);
        if (!ev || json_array_append_new(out, ev)) {
            json_decref(out);
            out = NULL;
        }
    }
    json_decref(in);
    return out;
}

static bool valid_attribute(const json_t *v)
{
    if (json_is_string(v) || json_is_number(v) || json_is_boolean(v) || json_is_null(v))
        return true;
    if (!json_is_array(v))
        return false;
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) if (!json_is_string(e)) return false;
    return true;
}

static json_t *item_normalize(const json_t *item, const char *where, reco_error_t *err)
{
    if (!json_is_object(item)) {
        reco_error_set(err, 400, "invalid_field", "%s: an item must be a JSON object", where);
        return NULL;
    }
    char id_buf[32];
    const char *id = get_id(item, "id", where, err, id_buf);
    if (!id)
        return NULL;
    json_t *out = json_pack("{s:s}", "id", id);
    json_t *title = json_object_get(item, "title");
    json_t *cats = json_object_get(item, "categories");
    json_t *attrs = json_object_get(item, "attributes");
    json_t *hidden = json_object_get(item, "hidden");
    const char *bad = NULL, *why = "";
    if (title && !json_is_string(title))
        bad = "title", why = "must be a string";
    else if (cats && !(json_is_array(cats) && valid_attribute(cats)))
        bad = "categories", why = "must be an array of strings (category paths like \"shoes/running\")";
    else if (attrs && !json_is_object(attrs))
        bad = "attributes", why = "must be an object";
    else if (hidden && !json_is_boolean(hidden))
        bad = "hidden", why = "must be true or false";
    if (!bad && attrs) {
        const char *k;
        json_t *v;
        json_object_foreach(attrs, k, v) if (!valid_attribute(v))
        {
            reco_error_set(err, 400, "invalid_field",
                           "%s.attributes.%s: must be a string, number, boolean or array of strings", where, k);
            json_decref(out);
            return NULL;
        }
    }
    if (bad) {
        reco_error_set(err, 400, "invalid_field", "%s.%s: %s", where, bad, why);
        json_decref(out);
        return NULL;
    }
    if (title)
        json_object_set(out, "title", title);
    if (cats)
        json_object_set(out, "categories", cats);
    if (attrs)
        json_object_set(out, "attributes", attrs);
    if (hidden)
        json_object_set(out, "hidden", hidden);
    return out;
}

json_t *reco_items_normalize(const json_t *body, reco_error_t *err)
{
    json_t *in = as_array(body, "items", false, err);
    if (!in)
        return NULL;
    size_t n = json_array_size(in);
    if (n == 0 || n > RECO_BATCH_MAX) {
        reco_error_set(err, 400, n ? "too_many" : "invalid_body", "items: need 1 to %d items, got %zu",
                       RECO_BATCH_MAX, n);
        json_decref(in);
        return NULL;
    }
    json_t *out = json_array();
    for (size_t i = 0; out && i < n; i++) {
        char where[32];
        snprintf(where, sizeof where, "items[%zu]", i);
        json_t *it = item_normalize(json_array_get(in, i), where, err);
        if (!it || json_array_append_new(out, it)) {
            json_decref(out);
            out = NULL;
        }
    }
    json_decref(in);
    return out;
}

/* One Aegeria transaction -> purchase events appended to out. 0, or -1 with err set. */
static int transaction_events(const json_t *tx, int64_t now_ms, const char *where, json_t *out, reco_error_t *err)
{
    if (!json_is_object(tx)) {
        reco_error_set(err, 400, "invalid_field", "%s: a transaction must be a JSON object", where);
        return -1;
    }
    char tx_buf[32], customer_buf[32];
    const char *txid = get_id(tx, "transaction", where, err, tx_buf);
    const char *customer = txid ? get_id(tx, "customer", where, err, customer_buf) : NULL;
    if (!customer)
        return -1;
    json_t *items = json_object_get(tx, "items");
    if (!json_is_array(items) || json_array_size(items) == 0) {
        reco_error_set(err, 400, items ? "invalid_field" : "missing_field",
                       "%s.items: must be a non-empty array of {item, quantity}", where);
        return -1;
    }
    json_t *completed = json_object_get(tx, "completed_at");
    size_t i;
    json_t *line;
    json_array_foreach(items, i, line)
    {
        char at[64], event_id[2 * RECO_ID_MAX + 2];
        snprintf(at, sizeof at, "%s.items[%zu]", where, i);
        json_t *item = json_is_object(line) ? json_object_get(line, "item") : NULL;
        json_t *quantity = json_is_object(line) ? json_object_get(line, "quantity") : NULL;
        json_t *ev = json_pack("{s:s, s:s, s:s}", "user", customer, "type", "purchase", "order", txid);
        if (ev && item)
            json_object_set(ev, "item", item);
        if (ev && quantity)
            json_object_set(ev, "quantity", quantity);
        if (ev && completed)
            json_object_set(ev, "timestamp", completed);
        json_t *canonical = ev ? reco_event_normalize(ev, now_ms, NULL, NULL, at, err) : NULL;
        json_decref(ev);
        if (!canonical) {
            if (strstr(err->message, ".timestamp"))
                reco_error_set(err, 400, "invalid_field", "%s.completed_at: must be RFC 3339 or epoch time", where);
            return -1;
        }
        snprintf(event_id, sizeof event_id, "%s/%s", txid, json_string_value(json_object_get(canonical, "item")));
        if (strlen(event_id) <= RECO_ID_MAX)
            json_object_set_new(canonical, "id", json_string(event_id));
        json_array_append_new(out, canonical);
    }
    return 0;
}

json_t *reco_transactions_to_events(const json_t *body, int64_t now_ms, reco_error_t *err)
{
    json_t *in = as_array(body, "transactions", false, err);
    if (!in)
        return NULL;
    size_t n = json_array_size(in);
    json_t *out = json_array();
    if (n == 0 || n > RECO_BATCH_MAX) {
        reco_error_set(err, 400, n ? "too_many" : "invalid_body", "transactions: need 1 to %d transactions, got %zu",
                       RECO_BATCH_MAX, n);
        json_decref(out);
        out = NULL;
    }
    for (size_t i = 0; out && i < n; i++) {
        char where[40];
        snprintf(where, sizeof where, "transactions[%zu]", i);
        if (transaction_events(json_array_get(in, i), now_ms, where, out, err) != 0 ||
            json_array_size(out) > RECO_BATCH_MAX) {
            if (json_array_size(out) > RECO_BATCH_MAX)
                reco_error_set(err, 400, "too_many", "transactions: more than %d items in one request", RECO_BATCH_MAX);
            json_decref(out);
            out = NULL;
        }
    }
    json_decref(in);
    return out;
}

json_t *reco_users_normalize(const json_t *body, reco_error_t *err)
{
    json_t *in = as_array(body, "users", false, err);
    if (!in)
        return NULL;
    size_t n = json_array_size(in);
    json_t *out = json_array();
    if (n == 0 || n > RECO_BATCH_MAX) {
        reco_error_set(err, 400, n ? "too_many" : "invalid_body", "users: need 1 to %d users, got %zu", RECO_BATCH_MAX, n);
        json_decref(out);
        out = NULL;
    }
    for (size_t i = 0; out && i < n; i++) {
        char where[32], buf[32];
        snprintf(where, sizeof where, "users[%zu]", i);
        json_t *user = json_array_get(in, i);
        const char *id = json_is_object(user) ? get_id(user, "id", where, err, buf) : NULL;
        if (!json_is_object(user))
            reco_error_set(err, 400, "invalid_field", "%s: a user must be a JSON object", where);
        json_t *attrs = id ? json_object_get(user, "attributes") : NULL;
        const char *k = NULL;
        json_t *v;
        if (attrs && json_is_object(attrs))
            json_object_foreach(attrs, k, v) if (!valid_attribute(v)) break;
        if (id && attrs && (!json_is_object(attrs) || k)) {
            reco_error_set(err, 400, "invalid_field",
                           "%s.attributes%s%s: must be an object of strings, numbers, booleans or lists of strings",
                           where, k ? "." : "", k ? k : "");
            id = NULL;
        }
        if (!id) {
            json_decref(out);
            out = NULL;
            break;
        }
        json_array_append_new(out, json_pack("{s:s, s:o}", "id", id, "attributes", attrs ? json_incref(attrs) : json_object()));
    }
    json_decref(in);
    return out;
}
