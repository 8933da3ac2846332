/* reco_stats — stats.get (see the header).
 *
 * Days are handled as days since the epoch (UTC), so ranges, defaults and the key of each day
 * follow from integer arithmetic with timegm/gmtime_r; a date is accepted only if printing it
 * back gives the same text ("2026-02-30" is refused, not moved to March).
 *
 * A day's hash holds fields "<scenario>\x1f<variant>\x1f<model>\x1f<metric>"; its rows are
 * gathered in a JSON object keyed by the field's first three parts, then sorted. A field that
 * does not split into four parts, or an unknown metric, is skipped (a hand-edited key cannot
 * fail the route). */
#include "reco_stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reco_attribution.h"
#include "reco_keys.h"
#include "reco_query_store.h"
#include "reco_scenario.h"

#define DAY_S 86400

/* "YYYY-MM-DD" of epoch day d into buf (11 bytes). */
static void day_text(long d, char buf[11])
{
    time_t t = (time_t)d * DAY_S;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 11, "%Y-%m-%d", &tm);
}

/* Parses a "YYYY-MM-DD" field of args into *day (epoch day); absent leaves *day. 0, or -1 with
 * rep filled naming the field. */
static int parse_day(const json_t *args, const char *field, long *day, reco_reply_t *rep)
{
    json_t *v = json_object_get(args, field);
    if (!v || json_is_null(v)) return 0;
    const char *text = json_string_value(v);
    struct tm tm = {0};
    char back[11];
    int y, m, d, used = 0;
    if (text && strlen(text) == 10 && sscanf(text, "%4d-%2d-%2d%n", &y, &m, &d, &used) == 3 &&
        used == 10 && y >= 1970 && y <= 9999) {
        tm.tm_year = y - 1900, tm.tm_mon = m - 1, tm.tm_mday = d;
        long parsed = (long)(timegm(&tm) / DAY_S);
        day_text(parsed, back);
        if (strcmp(back, text) == 0) {
            *day = parsed;
            return 0;
        }
    }
    reco_reply_fail(rep, 400, "invalid_field",
                    "%s: must be a day YYYY-MM-DD (UTC, 1970 or later), e.g. 2026-03-01", field);
    return -1;
}

/* Reads and checks from, to and scenario. 0, or -1 with rep filled. */
static int parse_args(const json_t *args, long *from, long *to, const char **scenario,
                      reco_reply_t *rep)
{
    *to = (long)(time(NULL) / DAY_S);
    if (parse_day(args, "to", to, rep) != 0) return -1;
    *from = *to - (RECO_STATS_DAYS_DEFAULT - 1);
    if (parse_day(args, "from", from, rep) != 0) return -1;
    if (*from > *to) {
        reco_reply_fail(rep, 400, "invalid_field", "from: must not be after to");
        return -1;
    }
    if (*to - *from + 1 > RECO_STATS_DAYS_MAX) {
        reco_reply_fail(rep, 400, "invalid_field",
                        "from: the range from..to is at most %d days (both included)",
                        RECO_STATS_DAYS_MAX);
        return -1;
    }
    json_t *s = json_object_get(args, "scenario");
    *scenario = json_string_value(s);
    const char *model = *scenario && strncmp(*scenario, RECO_ATTRIBUTION_MODEL_SCENARIO, 6) == 0
                            ? *scenario + strlen(RECO_ATTRIBUTION_MODEL_SCENARIO)
                            : NULL;
    if (s && !json_is_null(s) &&
        !(model ? reco_scenario_model_known(model) : reco_valid_scenario_id(*scenario))) {
        reco_reply_fail(rep, 400, "invalid_field",
                        "scenario: must be a scenario id (1 to %d characters of A-Z, a-z, 0-9, _ "
                        "and -) or model:<model name>",
                        RECO_SCENARIO_ID_MAX);
        return -1;
    }
    return 0;
}

/* Adds one hash field and its value to the day's rows (keyed by scenario/variant/model). */
static void add_field(json_t *rows, const char *day, const redisReply *name,
                      const redisReply *value, const char *only)
{
    static const char *const metrics[] = {"impressions", "clicks", "conversions", "revenue"};
    if (name->type != REDIS_REPLY_STRING || value->type != REDIS_REPLY_STRING) return;
    char field[RECO_ATTRIBUTION_SCENARIO_MAX + RECO_VARIANT_NAME_MAX +
               RECO_ATTRIBUTION_MODEL_MAX + 32];
    if (name->len >= sizeof field) return;
    memcpy(field, name->str, name->len);
    field[name->len] = '\0';
    char *parts[4], *rest = field;
    for (int i = 0; i < 4; i++) {
        parts[i] = rest;
        rest = i < 3 ? strchr(rest, '\x1f') : NULL;
        if (i < 3 && !rest) return;
        if (rest) *rest++ = '\0';
    }
    if (only && strcmp(only, parts[0]) != 0) return;
    int metric = -1;
    for (int m = 0; m < 4; m++)
        if (strcmp(parts[3], metrics[m]) == 0) metric = m;
    if (metric < 0) return;
    /* the row is the field's first three parts: the name up to its last separator */
    char row_key[sizeof field];
    size_t row_len = (size_t)(parts[3] - field) - 1;
    memcpy(row_key, name->str, row_len);
    row_key[row_len] = '\0';
    json_t *row = json_object_get(rows, row_key);
    if (!row) {
        row = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:f, s:i, s:f}", "day", day, "scenario",
                        parts[0], "variant", parts[1], "model", parts[2], "impressions", 0,
                        "clicks", 0, "ctr", 0.0, "conversions", 0, "revenue", 0.0);
        if (!row || json_object_set_new(rows, row_key, row) != 0) return;
    }
    if (metric == 3)
        json_object_set_new(row, "revenue", json_real(strtod(value->str, NULL)));
    else
        json_object_set_new(row, metrics[metric], json_integer(strtoll(value->str, NULL, 10)));
}

static int compare_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Appends the day's rows to list, sorted by scenario, variant, model, with their ctr. */
static void append_rows(json_t *list, json_t *rows)
{
    size_t n = json_object_size(rows), k = 0;
    const char **keys = malloc((n + 1) * sizeof *keys);
    const char *key;
    json_t *row;
    if (!keys) return;
    json_object_foreach(rows, key, row)
    {
        keys[k++] = key;
    }
    qsort(keys, k, sizeof *keys, compare_keys); /* \x1f sorts below every id byte */
    for (size_t i = 0; i < k; i++) {
        row = json_object_get(rows, keys[i]);
        json_int_t shown = json_integer_value(json_object_get(row, "impressions"));
        json_int_t clicks = json_integer_value(json_object_get(row, "clicks"));
        json_object_set_new(row, "ctr", json_real(shown > 0 ? (double)clicks / shown : 0.0));
        json_array_append(list, row);
    }
    free(keys);
}

void reco_stats_handle(reco_store_t *store, const char *tenant, const json_t *args,
                       reco_reply_t *rep)
{
    long from, to;
    const char *only = NULL;
    if (parse_args(args, &from, &to, &only, rep) != 0) return;
    size_t days = (size_t)(to - from + 1), sent = 0;
    redisReply *replies[RECO_STATS_DAYS_MAX] = {NULL};
    char key[RECO_KEY_MAX], text[11];
    for (size_t i = 0; i < days; i++) {
        day_text(from + (long)i, text);
        const char *argv[] = {"HGETALL", key};
        size_t lens[] = {7, 0};
        if (reco_key_stats_day(key, sizeof key, tenant, text) < 0) break;
        lens[1] = strlen(key);
        if (reco_store_appendv(store, 2, argv, lens) != 0) break;
        sent++;
    }
    if (sent < days) { /* keep the connection in step (after a failed append it is gone) */
        if (reco_query_read_all(store, sent, replies) == 0) reco_query_free_all(sent, replies);
        reco_query_fail(rep, store, NULL, "HGETALL of the stats days");
        return;
    }
    if (reco_query_read_all(store, sent, replies) != 0) {
        reco_query_fail(rep, store, NULL, "HGETALL of the stats days");
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; list && i < days; i++) {
        if (replies[i]->type != REDIS_REPLY_ARRAY) {
            reco_query_fail(rep, store, replies[i], "a stats day");
            json_decref(list);
            list = NULL;
            break;
        }
        json_t *rows = json_object();
        day_text(from + (long)i, text);
        for (size_t k = 0; rows && k + 1 < replies[i]->elements; k += 2)
            add_field(rows, text, replies[i]->element[k], replies[i]->element[k + 1], only);
        append_rows(list, rows);
        json_decref(rows);
    }
    reco_query_free_all(days, replies);
    if (!list) return;
    char from_text[11], to_text[11];
    day_text(from, from_text), day_text(to, to_text);
    reco_reply_ok(rep, 200,
                  json_pack("{s:s, s:s, s:o}", "from", from_text, "to", to_text, "stats", list));
}
