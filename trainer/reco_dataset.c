/* reco_dataset — event stream -> matrix (see reco_dataset.h).
 *
 * Only one page of the stream (one XRANGE reply) is held at a time; ids are copied into the
 * builder's intern tables, so memory is O(distinct users + items + pairs), not O(events). */
#include "reco_dataset.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reco_config.h"
#include "reco_keys.h"
#include "reco_log.h"
#include "reco_validate.h"

static int field_is(const redisReply *r, const char *name)
{
    size_t n = strlen(name);
    return r->type == REDIS_REPLY_STRING && r->len == n && memcmp(r->str, name, n) == 0;
}

/* A whole, finite decimal number; hiredis NUL-terminates string replies. */
static int parse_double(const redisReply *r, double *out)
{
    if (r->type != REDIS_REPLY_STRING || r->len == 0 || strlen(r->str) != r->len) return -1;
    char *end = NULL;
    errno = 0;
    double d = strtod(r->str, &end);
    if (errno != 0 || !end || *end != '\0' || !isfinite(d)) return -1;
    *out = d;
    return 0;
}

int reco_dataset_parse_event(const redisReply *fields, const reco_weights_t *weights,
                             reco_stream_event_t *ev, const char **why)
{
    const redisReply *user = NULL, *item = NULL, *type = NULL, *ts = NULL, *value = NULL;
    memset(ev, 0, sizeof *ev);
    if (!fields || fields->type != REDIS_REPLY_ARRAY || fields->elements % 2 != 0) {
        *why = "fields are not name/value pairs";
        return -1;
    }
    for (size_t k = 0; k + 1 < fields->elements; k += 2) {
        const redisReply *name = fields->element[k], *val = fields->element[k + 1];
        if (field_is(name, "user"))
            user = val;
        else if (field_is(name, "item"))
            item = val;
        else if (field_is(name, "type"))
            type = val;
        else if (field_is(name, "ts"))
            ts = val;
        else if (field_is(name, "value"))
            value = val;
    }
    long ts_ms = 0;
    double v = 0.0;
    if (!user || user->type != REDIS_REPLY_STRING || !reco_valid_id(user->str, user->len))
        *why = "missing or invalid user";
    else if (!item || item->type != REDIS_REPLY_STRING || !reco_valid_id(item->str, item->len))
        *why = "missing or invalid item";
    else if (!type || type->type != REDIS_REPLY_STRING || strlen(type->str) != type->len ||
             !reco_valid_action_name(type->str))
        *why = "missing or invalid type";
    else if (!ts || ts->type != REDIS_REPLY_STRING ||
             reco_parse_long(ts->str, 0, LONG_MAX, &ts_ms) != 0)
        *why = "missing or invalid ts";
    else if ((ev->type = reco_event_type_parse(type->str)) == RECO_EVENT_RATING &&
             (!value || parse_double(value, &v) != 0))
        *why = "rating without a valid value"; /* value is ignored for other types */
    else
        *why = NULL;
    if (*why) return -1;
    if (reco_weights_resolve(weights, type->str, v, &ev->weight) != 0) {
        *why = "type is neither built in nor a registered action";
        return 1;
    }
    if (ev->type < 0) ev->type = RECO_EVENT_TYPE_COUNT;
    ev->user = user->str;
    ev->user_len = user->len;
    ev->item = item->str;
    ev->item_len = item->len;
    ev->ts = ts_ms;
    return 0;
}

/* Adds every entry of one XRANGE page; copies the last entry id into last. Returns 0 or -1. */
static int add_page(const redisReply *page, const reco_weights_t *weights, reco_matrix_builder_t *b,
                    reco_dataset_stats_t *stats, char *last, size_t last_size)
{
    for (size_t e = 0; e < page->elements; e++) {
        const redisReply *entry = page->element[e];
        if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
            entry->element[0]->type != REDIS_REPLY_STRING) {
            stats->skipped++;
            continue;
        }
        const char *id = entry->element[0]->str;
        snprintf(last, last_size, "%s", id);
        reco_stream_event_t ev;
        const char *why = NULL;
        int parsed = reco_dataset_parse_event(entry->element[1], weights, &ev, &why);
        if (parsed != 0) {
            reco_debug("skipping stream entry %s: %s", id, why);
            if (parsed < 0)
                stats->skipped++;
            else
                stats->unregistered++;
            continue;
        }
        if (reco_matrix_builder_add(b, ev.user, ev.user_len, ev.item, ev.item_len, ev.weight) !=
            0) {
            reco_error("out of memory reading events");
            return -1;
        }
        stats->events++;
    }
    return 0;
}

int reco_dataset_load(reco_store_t *st, const char *tenant, const reco_weights_t *weights,
                      reco_matrix_t **out, reco_dataset_stats_t *stats,
                      reco_dataset_page_fn after_page, void *ctx)
{
    char key[RECO_KEY_MAX], start[80] = "-", last[64] = "";
    memset(stats, 0, sizeof *stats);
    *out = NULL;
    if (reco_key_events(key, sizeof key, tenant) < 0) return -1;
    reco_matrix_builder_t *b = reco_matrix_builder_new();
    if (!b) return -1;
    for (;;) {
        redisReply *page =
            reco_store_command(st, "XRANGE %s %s + COUNT %d", key, start, RECO_DATASET_PAGE);
        if (!page || page->type != REDIS_REPLY_ARRAY) {
            reco_error("tenant %s: XRANGE %s failed: %s", tenant, key,
                       page && page->type == REDIS_REPLY_ERROR ? page->str : reco_store_errstr(st));
            if (page) freeReplyObject(page);
            reco_matrix_builder_destroy(&b);
            return -1;
        }
        size_t n = page->elements;
        int rc = add_page(page, weights, b, stats, last, sizeof last);
        freeReplyObject(page);
        if (rc != 0) {
            reco_matrix_builder_destroy(&b);
            return -1;
        }
        if (n < RECO_DATASET_PAGE) break;
        if (after_page && after_page(ctx) != 0) {
            reco_debug("tenant %s: reading events abandoned", tenant);
            reco_matrix_builder_destroy(&b);
            return -1;
        }
        snprintf(start, sizeof start, "(%s", last);
    }
    *out = reco_matrix_builder_finish(&b);
    if (!*out) {
        reco_error("tenant %s: out of memory building the matrix", tenant);
        return -1;
    }
    return 0;
}
